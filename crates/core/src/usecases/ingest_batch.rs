//! Group commit for webhook deliveries: many concurrent deliveries are stored and applied in one
//! transaction, with set-based statements, and each caller is answered only after that
//! transaction is committed.
//!
//! [`IngestBatcher`] collects deliveries while earlier batches are being committed, so the
//! batch size follows the load: one delivery when the server is idle, hundreds under load. The
//! next batch is formed when the store's single writer has run the newest one's job and is
//! committing it, so it holds everything that arrived meanwhile and is at hand when that commit
//! ends. Up to [`BatcherConfig::in_flight`] batches (and two batches of deferred effects) wait
//! for their commits at once, the older ones while their commit is being made durable; they
//! reach the writer, and are answered, in the order they were formed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::stream::{FuturesOrdered, StreamExt};
use tokio::sync::{mpsc, oneshot, Notify};

use crate::contact::ContactIdentity;
use crate::events::WebhookEvent;
use crate::events::{CustomerRef, InboundEffect, InboundMessage, ParsedDelivery, StatusUpdate};
use crate::message::{Direction, MessageStatus};
use crate::ports::{Clock, ContactDelta, NewMessage, Repos, StatusFold, Store, StoreError};
use crate::usecases::ingest::{
    apply, apply_status, duplicate, ensure_contact, inbound_row, ingest_planned, is_notice,
    opens_window, preview, stored, IngestOutcome, OurNumbers, Plan,
};
use crate::webhook::{NewWebhook, WebhookOutcome, WebhookState};

/// Stores and applies many deliveries in one transaction; one result per delivery, in order.
/// Effects are the same as [`crate::usecases::ingest::ingest`] applied one by one. If the batch
/// fails for a reason other than the database being unavailable, each delivery is retried on
/// its own, so one bad delivery cannot fail the others.
pub async fn ingest_many(
    store: &dyn Store,
    ours: &OurNumbers,
    items: Vec<(NewWebhook, Result<ParsedDelivery, String>)>,
    now: DateTime<Utc>,
) -> Vec<Result<IngestOutcome, StoreError>> {
    ingest_many_signalled(store, ours, items, now, Ran::default()).await
}

/// [`ingest_many`], firing `ran` once the writer has run the batch's job.
async fn ingest_many_signalled(
    store: &dyn Store,
    ours: &OurNumbers,
    items: Vec<(NewWebhook, Result<ParsedDelivery, String>)>,
    now: DateTime<Utc>,
    ran: Ran,
) -> Vec<Result<IngestOutcome, StoreError>> {
    let mut planned: Vec<(Arc<NewWebhook>, Plan)> = items
        .into_iter()
        .map(|(d, p)| (Arc::new(d), Plan::new(ours, p, now)))
        .collect();
    if planned.len() <= 1 {
        let mut out = Vec::new();
        if let Some((d, p)) = planned.pop() {
            out.push(ingest_planned(store, d, p, now, &ran).await);
        }
        return out;
    }
    let shared = Arc::new(planned);
    let batch = Arc::clone(&shared);
    let n = shared.len();
    let job = ran.clone().after(move |r| apply_many(r, &batch, now));
    match crate::ports::write(store, job).await {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e @ StoreError::Unavailable(_)) => vec![Err(e); n],
        Err(_) => {
            let mut out = Vec::with_capacity(n);
            for (d, p) in shared.iter() {
                out.push(ingest_planned(store, Arc::clone(d), p.clone(), now, &ran).await);
            }
            out
        }
    }
}

fn apply_many(
    r: &mut dyn Repos,
    plans: &[(Arc<NewWebhook>, Plan)],
    now: DateTime<Utc>,
) -> Result<Vec<IngestOutcome>, StoreError> {
    let rows: Vec<(&NewWebhook, &WebhookOutcome)> = plans
        .iter()
        .map(|(d, p)| (d.as_ref(), &p.outcome))
        .collect();
    let fresh = r.insert_webhooks(&rows)?;
    let mut touched: HashSet<&str> = HashSet::new();
    let mut events: Vec<&WebhookEvent> = Vec::new();
    for ((_, plan), is_new) in plans.iter().zip(&fresh) {
        if !is_new {
            continue;
        }
        for pid in &plan.touch {
            if touched.insert(pid.as_str()) {
                r.touch_session(pid, now)?;
            }
        }
        events.extend(plan.events.iter());
    }
    apply_events(r, &events, now)?;
    Ok(plans
        .iter()
        .zip(fresh)
        .map(|((d, p), is_new)| {
            if is_new {
                stored(&d.id, &p.outcome)
            } else {
                duplicate()
            }
        })
        .collect())
}

/// Applies events with set-based statements for the common kinds (plain inbound messages from
/// known numbers, non-failure statuses, contact profiles) and the one-by-one path for the rest,
/// which runs last so that reactions, edits and failures find what this batch inserted.
fn apply_events(
    r: &mut dyn Repos,
    events: &[&WebhookEvent],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut inbound: Vec<&InboundMessage> = Vec::new();
    let mut statuses: Vec<&StatusUpdate> = Vec::new();
    let mut all_statuses: Vec<&StatusUpdate> = Vec::new();
    let mut rest: Vec<&WebhookEvent> = Vec::new();
    // Everyone the batch names, in delivery order, for the contact fold.
    let mut people: Vec<&CustomerRef> = Vec::new();
    let mut slow_people: Vec<&str> = Vec::new();
    for &e in events {
        if let WebhookEvent::Status(s) = e {
            all_statuses.push(s);
        }
        match e {
            WebhookEvent::Inbound(m)
                if m.effect == InboundEffect::Plain
                    && m.group_id.is_none()
                    && m.customer.wa_id.is_some() =>
            {
                people.push(&m.customer);
                inbound.push(m);
            }
            WebhookEvent::Status(s) if s.status != MessageStatus::Failed => statuses.push(s),
            WebhookEvent::ContactSeen { customer, .. } if customer.wa_id.is_some() => {
                people.push(customer);
            }
            other => {
                if let WebhookEvent::Inbound(m) = other {
                    if m.group_id.is_none() {
                        if let Some(w) = m.customer.wa_id.as_deref() {
                            people.push(&m.customer);
                            slow_people.push(w);
                        }
                    }
                }
                rest.push(other);
            }
        }
    }
    let merged = fold_people(&people);
    let contact_of = resolve_contacts(r, &merged, now)?;
    apply_inbound_many(r, &inbound, &contact_of)?;
    let late = apply_statuses_many(r, &statuses, &all_statuses)?;
    for e in rest {
        apply(r, e, now)?;
    }
    for s in late {
        apply_status(r, s, now)?;
    }
    // One-by-one events refreshed profiles in their own order; put back what the whole batch,
    // in delivery order, says last.
    if !slow_people.is_empty() {
        slow_people.sort_unstable();
        slow_people.dedup();
        for c in r.find_contacts_by_wa_ids(&slow_people)? {
            if let Some(who) = c.wa_id.as_deref().and_then(|w| merged.get(w)) {
                if needs_refresh(&ContactIdentity::from(&c), who) {
                    r.refresh_contact_identity(&c, who, now)?;
                }
            }
        }
    }
    Ok(())
}

/// Whether Meta sent something the stored contact does not have yet.
fn needs_refresh(c: &ContactIdentity, who: &CustomerRef) -> bool {
    let differs = |new: &Option<String>, old: &Option<String>| {
        new.as_deref()
            .is_some_and(|n| !n.is_empty() && Some(n) != old.as_deref())
    };
    differs(&who.profile_name, &c.profile_name)
        || differs(&who.username, &c.username)
        || (who.user_id.is_some() && c.user_id.is_none())
}

/// What the batch says of each `wa_id`, as one-by-one application would leave it: the last
/// profile name and username, the first business-scoped user id.
fn fold_people<'a>(people: &[&'a CustomerRef]) -> HashMap<&'a str, CustomerRef> {
    let mut merged: HashMap<&str, CustomerRef> = HashMap::with_capacity(people.len());
    for who in people {
        let Some(w) = who.wa_id.as_deref() else {
            continue;
        };
        let m = merged.entry(w).or_insert_with(|| CustomerRef {
            wa_id: who.wa_id.clone(),
            ..CustomerRef::default()
        });
        if who.profile_name.as_deref().is_some_and(|n| !n.is_empty()) {
            m.profile_name.clone_from(&who.profile_name);
        }
        if who.username.is_some() {
            m.username.clone_from(&who.username);
        }
        if m.user_id.is_none() {
            m.user_id.clone_from(&who.user_id);
        }
    }
    merged
}

/// `wa_id` → contact id for everyone in the batch, creating or refreshing contacts one by one
/// only where needed.
fn resolve_contacts(
    r: &mut dyn Repos,
    merged: &HashMap<&str, CustomerRef>,
    now: DateTime<Utc>,
) -> Result<HashMap<String, String>, StoreError> {
    let mut wa_ids: Vec<&str> = merged.keys().copied().collect();
    wa_ids.sort_unstable();
    let known: HashMap<String, ContactIdentity> = r
        .find_contact_identities(&wa_ids)?
        .into_iter()
        .filter_map(|c| c.wa_id.clone().map(|w| (w, c)))
        .collect();
    let mut out: HashMap<String, String> = HashMap::with_capacity(wa_ids.len());
    for w in wa_ids {
        let who = &merged[w];
        let id = match known.get(w) {
            Some(c) if !needs_refresh(c, who) => Some(c.id.clone()),
            _ => ensure_contact(r, who, now)?,
        };
        if let Some(id) = id {
            out.insert(w.to_owned(), id);
        }
    }
    Ok(out)
}

fn apply_inbound_many(
    r: &mut dyn Repos,
    inbound: &[&InboundMessage],
    contact_of: &HashMap<String, String>,
) -> Result<(), StoreError> {
    if inbound.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewMessage> = inbound
        .iter()
        .map(|m| {
            let contact = m.customer.wa_id.as_ref().and_then(|w| contact_of.get(w));
            inbound_row(m, contact.cloned())
        })
        .collect();
    let fresh = r.insert_messages(&rows)?;
    let mut deltas: HashMap<&str, ContactDelta> = HashMap::new();
    for (m, is_new) in inbound.iter().zip(fresh) {
        let Some(cid) = m.customer.wa_id.as_ref().and_then(|w| contact_of.get(w)) else {
            continue;
        };
        if !is_new || !opens_window(&m.message_type) {
            continue; // the same wamid again, or a notice from Meta: no effect on the contact
        }
        let d = deltas.entry(cid.as_str()).or_insert_with(|| ContactDelta {
            contact_id: cid.clone(),
            at: m.timestamp,
            preview: None,
            direction: Direction::Inbound,
            unread_increment: 0,
            inbound_at: None,
        });
        d.inbound_at = Some(d.inbound_at.map_or(m.timestamp, |t| t.max(m.timestamp)));
        if is_notice(&m.message_type) {
            continue;
        }
        d.unread_increment += 1;
        if d.preview.is_none() || m.timestamp >= d.at {
            d.at = m.timestamp;
            d.preview = Some(preview(m.text.as_deref(), &m.message_type));
        }
    }
    let deltas: Vec<ContactDelta> = deltas.into_values().collect();
    r.record_contact_deltas(&deltas)
}

/// The time a step was first reported, in delivery order: as one-by-one application stamps it
/// (the first report wins, also against an earlier time reported later).
fn first_report(a: Option<DateTime<Utc>>, b: DateTime<Utc>) -> Option<DateTime<Utc>> {
    a.or(Some(b))
}

/// Folds statuses per message and applies them in one statement; returns the statuses that
/// need the one-by-one path (unknown `wamid` carrying `biz_opaque_callback_data`, which may
/// join a message whose send has not committed its `wamid` yet). `all` is every status of the
/// batch in delivery order (failures included): a placeholder is made from the first one, as
/// one-by-one application would.
fn apply_statuses_many<'a>(
    r: &mut dyn Repos,
    statuses: &[&'a StatusUpdate],
    all: &[&'a StatusUpdate],
) -> Result<Vec<&'a StatusUpdate>, StoreError> {
    if statuses.is_empty() {
        return Ok(Vec::new());
    }
    let mut order: Vec<&str> = Vec::new();
    let mut folds: HashMap<&str, (StatusFold, &StatusUpdate, bool)> = HashMap::new();
    for &s in statuses {
        let entry = folds.entry(s.wamid.as_str()).or_insert_with(|| {
            order.push(s.wamid.as_str());
            (
                StatusFold {
                    wamid: s.wamid.clone(),
                    message_id: None,
                    status: MessageStatus::Other(String::new()),
                    sent_at: None,
                    delivered_at: None,
                    read_at: None,
                    played_at: None,
                    conversation_id: None,
                    pricing_category: None,
                },
                s,
                false,
            )
        });
        let f = &mut entry.0;
        if s.status.rank() > f.status.rank() {
            f.status = s.status.clone();
        }
        match s.status {
            MessageStatus::Sent => f.sent_at = first_report(f.sent_at, s.timestamp),
            MessageStatus::Delivered => f.delivered_at = first_report(f.delivered_at, s.timestamp),
            MessageStatus::Read => f.read_at = first_report(f.read_at, s.timestamp),
            MessageStatus::Played => f.played_at = first_report(f.played_at, s.timestamp),
            _ => {}
        }
        if f.conversation_id.is_none() {
            f.conversation_id.clone_from(&s.conversation_id);
        }
        if f.pricing_category.is_none() {
            f.pricing_category.clone_from(&s.pricing_category);
        }
        entry.2 |= s.biz_opaque_callback_data.is_some();
    }
    let known: HashMap<String, String> = r.find_message_ids(&order)?.into_iter().collect();
    let mut late = Vec::new();
    let mut placeholders = Vec::new();
    let mut apply_now = Vec::with_capacity(order.len());
    for w in order {
        let Some((mut fold, first, has_callback)) = folds.remove(w) else {
            continue;
        };
        if let Some(id) = known.get(w) {
            fold.message_id = Some(id.clone());
            apply_now.push(fold);
        } else if has_callback {
            late.extend(statuses.iter().copied().filter(|s| s.wamid == w));
        } else {
            let first = all.iter().find(|s| s.wamid == w).copied().unwrap_or(first);
            let row = crate::usecases::ingest::placeholder(first);
            fold.message_id = Some(row.id.clone());
            placeholders.push(row);
            apply_now.push(fold);
        }
    }
    if !placeholders.is_empty() {
        let fresh = r.insert_messages(&placeholders)?;
        // A placeholder that did not go in (its wamid appeared meanwhile): find the message by
        // its wamid instead.
        for (row, is_new) in placeholders.iter().zip(fresh) {
            if !is_new {
                for f in &mut apply_now {
                    if f.message_id.as_deref() == Some(row.id.as_str()) {
                        f.message_id = None;
                    }
                }
            }
        }
    }
    r.apply_status_folds(&apply_now)?;
    Ok(late)
}

/// Turns a stored delivery's bytes into events (Meta's JSON is the binary's business).
pub type Parser = Arc<dyn Fn(&[u8], DateTime<Utc>) -> Result<ParsedDelivery, String> + Send + Sync>;

/// Stores deliveries raw, to be applied by the backlog processor: state `received` (or the
/// final `failed`/`foreign` when there is nothing to apply). Returns one result per delivery
/// and the plans of those left `received`, in order, for the processor.
async fn store_many(
    store: &dyn Store,
    ours: &OurNumbers,
    items: Vec<(NewWebhook, Result<ParsedDelivery, String>)>,
    now: DateTime<Utc>,
    ran: Ran,
) -> (Vec<Result<IngestOutcome, StoreError>>, Vec<(String, Plan)>) {
    let planned: Vec<(NewWebhook, Plan, WebhookOutcome)> = items
        .into_iter()
        .map(|(d, p)| {
            let plan = Plan::new(ours, p, now);
            let mut o = plan.outcome.clone();
            if o.state == WebhookState::Processed
                || (o.state == WebhookState::Failed && o.event_count > 0)
            {
                // Applied (and its final state decided) by the backlog processor.
                o.state = WebhookState::Received;
                o.error = None;
            }
            (d, plan, o)
        })
        .collect();
    let n = planned.len();
    let shared = Arc::new(planned);
    let batch = Arc::clone(&shared);
    let job = ran.after(move |r| {
        let rows: Vec<(&NewWebhook, &WebhookOutcome)> =
            batch.iter().map(|(d, _, o)| (d, o)).collect();
        r.insert_webhooks(&rows)
    });
    match crate::ports::write(store, job).await {
        Ok(fresh) => {
            let planned = Arc::try_unwrap(shared).unwrap_or_else(|a| (*a).clone());
            let mut out = Vec::with_capacity(n);
            let mut waiting = Vec::new();
            for ((d, plan, o), is_new) in planned.into_iter().zip(fresh) {
                if !is_new {
                    out.push(Ok(duplicate()));
                    continue;
                }
                out.push(Ok(stored(&d.id, &o)));
                if o.state == WebhookState::Received {
                    waiting.push((d.id, plan));
                }
            }
            (out, waiting)
        }
        Err(e) => (vec![Err(e); n], Vec::new()),
    }
}

/// Applies stored `received` deliveries, oldest first, in batches of `limit`; returns how many
/// were applied. Effects are idempotent, so a delivery applied twice (two instances, or a crash
/// between effects and the state change, which share one transaction anyway) has one effect.
///
/// # Errors
/// [`StoreError`] when the database fails.
pub async fn process_backlog(
    store: &dyn Store,
    ours: &OurNumbers,
    parse: &Parser,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<usize, StoreError> {
    let pending = crate::ports::read(store, move |r| r.pending_webhooks(false, limit)).await?;
    let plans: Vec<(String, Plan)> = pending
        .into_iter()
        .map(|w| (w.id, Plan::new(ours, parse(&w.body, now), now)))
        .collect();
    apply_plans(store, plans, now).await
}

/// Applies the plans of stored `received` deliveries in one transaction and marks each
/// finished; on a failure other than the database being unavailable, one by one, so that one
/// bad delivery is marked failed without holding up the others. Returns how many were applied.
async fn apply_plans(
    store: &dyn Store,
    mut plans: Vec<(String, Plan)>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    if plans.is_empty() {
        return Ok(0);
    }
    for (_, plan) in &mut plans {
        plan.outcome.processed_at = now;
    }
    let n = plans.len();
    let shared = Arc::new(plans);
    let batch = Arc::clone(&shared);
    let all = crate::ports::write_background(store, move |r| {
        let mut touched: HashSet<&str> = HashSet::new();
        let mut events: Vec<&WebhookEvent> = Vec::new();
        for (id, plan) in batch.iter() {
            // Marked finished first, in the same transaction as its effects: a delivery that
            // is no longer `received` was applied by another path and is skipped.
            if !r.finish_received_webhook(id, &plan.outcome)? {
                continue;
            }
            for pid in &plan.touch {
                if touched.insert(pid.as_str()) {
                    r.touch_session(pid, now)?;
                }
            }
            events.extend(plan.events.iter());
        }
        apply_events(r, &events, now)
    })
    .await;
    match all {
        Ok(()) => Ok(n),
        Err(e @ StoreError::Unavailable(_)) => Err(e),
        // One delivery's effects fail the batch: apply them one by one instead.
        Err(_) => {
            for (id, plan) in shared.iter() {
                let plan = plan.clone();
                let id = id.clone();
                let one = crate::ports::write_background(store, {
                    let plan = plan.clone();
                    let id = id.clone();
                    move |r| {
                        if !r.finish_received_webhook(&id, &plan.outcome)? {
                            return Ok(());
                        }
                        for pid in &plan.touch {
                            r.touch_session(pid, now)?;
                        }
                        for e in &plan.events {
                            apply(r, e, now)?;
                        }
                        Ok(())
                    }
                })
                .await;
                match one {
                    Ok(()) => {}
                    Err(e @ StoreError::Unavailable(_)) => return Err(e),
                    Err(e) => {
                        let mut failed = plan.outcome.clone();
                        failed.state = WebhookState::Failed;
                        failed.event_count = 0;
                        failed.error = Some(e.to_string());
                        crate::ports::write_background(store, move |r| {
                            r.finish_webhook(&id, &failed)
                        })
                        .await?;
                    }
                }
            }
            Ok(n)
        }
    }
}

/// Plans of deliveries stored raw and not yet applied, in the order they were stored, so that
/// the backlog processor applies them without reading and parsing them again.
///
/// A delivery is applied either from here or from the database, not both: while some
/// `received` deliveries may be in the database only (a previous run's, past the memory bound,
/// those of a batch that failed), no plans are queued and the processor reads the database
/// until it finds nothing there that was stored meanwhile; then queueing resumes. The database
/// has the last word: applying a delivery first moves it out of `received` in the same
/// transaction, and one that is no longer `received` is skipped (a race between a read and a
/// batch stored meanwhile costs a lookup, never a second effect).
struct Waiting {
    plans: std::collections::VecDeque<(String, Plan)>,
    read_database: bool,
    /// Batches stored without queueing their plans: a database read that finds nothing only
    /// ends database mode when none was stored while it ran.
    unqueued: u64,
}

impl Default for Waiting {
    fn default() -> Self {
        Self {
            plans: std::collections::VecDeque::new(),
            read_database: true,
            unqueued: 0,
        }
    }
}

/// Most deferred deliveries whose plans are kept in memory.
const MEMORY_PLANS: usize = 50_000;

impl Waiting {
    fn push(&mut self, plans: Vec<(String, Plan)>) {
        if self.read_database || self.plans.len() + plans.len() > MEMORY_PLANS {
            self.read_database = true;
            self.unqueued += 1;
            return;
        }
        self.plans.extend(plans);
    }

    /// Up to `limit` deliveries and about `max_events` events, oldest first.
    fn take(&mut self, limit: usize, max_events: usize) -> Vec<(String, Plan)> {
        let mut out = Vec::new();
        let mut events = 0;
        while out.len() < limit && events < max_events {
            let Some(p) = self.plans.pop_front() else {
                break;
            };
            events += p.1.events.len();
            out.push(p);
        }
        out
    }
}

/// Counts `n` deferred deliveries as applied.
fn applied_some(backlog: &AtomicUsize, n: usize) {
    let _ = backlog.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| {
        Some(b.saturating_sub(n))
    });
}

fn set_read_database(waiting: &std::sync::Mutex<Waiting>, value: bool) {
    if let Ok(mut w) = waiting.lock() {
        w.read_database = value;
    }
}

struct Submission {
    delivery: NewWebhook,
    parsed: Result<ParsedDelivery, String>,
    reply: oneshot::Sender<Result<IngestOutcome, StoreError>>,
}

/// Batches of deferred deliveries' effects waiting for their commits at once: the store's
/// writer runs one such batch per transaction, so a few keep it supplied.
const BACKLOG_IN_FLIGHT: usize = 2;

/// Tells the batcher that the store's writer has run a batch's job and is committing it (or
/// that it never will: the batch failed first). The batcher forms the next batch only then, so
/// that the batch holds everything that arrived while the writer was busy with this one and
/// reaches the writer as that commit ends: formed any sooner, batches are smaller (formed when
/// the job began: ~17 deliveries per transaction at 64 connections, against ~20–27), and a
/// transaction's fixed cost (~1 ms: the pages every commit writes) is shared by fewer.
#[derive(Clone, Default)]
pub(crate) struct Ran(Option<Arc<(std::sync::atomic::AtomicBool, Arc<Notify>)>>);

impl Ran {
    fn new(notify: &Arc<Notify>) -> Self {
        Self(Some(Arc::new((
            std::sync::atomic::AtomicBool::new(false),
            Arc::clone(notify),
        ))))
    }

    /// Marks the batch's job run; the first call wakes the batcher.
    pub(crate) fn fire(&self) {
        if let Some(inner) = &self.0 {
            if !inner.0.swap(true, Ordering::AcqRel) {
                inner.1.notify_one();
            }
        }
    }

    /// `job`, marking the batch run once it returns (whatever it returns).
    pub(crate) fn after<R>(
        self,
        job: impl FnOnce(&mut dyn Repos) -> Result<R, StoreError>,
    ) -> impl FnOnce(&mut dyn Repos) -> Result<R, StoreError> {
        move |r| {
            let out = job(r);
            self.fire();
            out
        }
    }

    fn fired(&self) -> bool {
        self.0
            .as_ref()
            .is_none_or(|inner| inner.0.load(Ordering::Acquire))
    }
}

/// A batch once committed (or failed): the answers to send and, when it was stored for the
/// backlog, the plans to apply.
struct Formed {
    replies: Vec<oneshot::Sender<Result<IngestOutcome, StoreError>>>,
    results: Vec<Result<IngestOutcome, StoreError>>,
    plans: Vec<(String, Plan)>,
    deferred: bool,
}

type FormedFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Formed> + Send>>;
type ApplyFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<usize, StoreError>> + Send>>;

/// Collects deliveries from concurrent requests into batches for [`ingest_many`].
#[derive(Debug, Clone)]
pub struct IngestBatcher {
    tx: mpsc::UnboundedSender<Submission>,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("id", &self.delivery.id)
            .finish_non_exhaustive()
    }
}

/// How the batcher works.
#[derive(Clone)]
pub struct BatcherConfig {
    /// Most deliveries in one transaction (`1` commits each delivery on its own, effects
    /// included: no deferral then).
    pub max_deliveries: usize,
    /// A batch stops growing past this many events.
    pub max_events: usize,
    /// Batches of more deliveries than this are stored raw and answered at once; their effects
    /// follow right after, in the background (Meta's "answer fast": durable first, heavy work
    /// after). While such a backlog exists, every delivery joins it, so effects keep Meta's
    /// order.
    pub inline_limit: usize,
    /// Batches of deliveries waiting for their commits at once (at most one of them not yet
    /// run by the writer; the others are being committed or wait until that is durable). With
    /// few slots a delivery that arrives while they are all taken waits for a whole extra
    /// commit. SQLite, whose writer commits cheaply and fsyncs on a thread beside it, does best
    /// with many (16); PostgreSQL, where every commit is a WAL flush in the writer, with one.
    pub in_flight: usize,
    /// Most deferred deliveries applied in one transaction by the backlog processor. Smaller
    /// keeps the single writer free sooner for new deliveries (their acknowledgement waits for
    /// it); larger applies more per commit.
    pub backlog_batch: usize,
    /// Parses stored bodies for the backlog.
    pub parse: Parser,
}

impl std::fmt::Debug for BatcherConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatcherConfig")
            .field("max_deliveries", &self.max_deliveries)
            .field("max_events", &self.max_events)
            .field("inline_limit", &self.inline_limit)
            .field("backlog_batch", &self.backlog_batch)
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}

impl IngestBatcher {
    /// Starts the batching task and the backlog processor on the current tokio runtime. The
    /// processor also applies, at once, deliveries a previous run stored but did not apply.
    #[must_use]
    pub fn start(
        store: Arc<dyn Store>,
        ours: OurNumbers,
        clock: Arc<dyn Clock>,
        config: BatcherConfig,
    ) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Submission>();
        let max_deliveries = config.max_deliveries.max(1);
        let max_events = config.max_events;
        let slots = config.in_flight.max(1);
        let inline_limit = if max_deliveries == 1 {
            usize::MAX
        } else {
            config.inline_limit
        };
        let backlog = Arc::new(AtomicUsize::new(0));
        let wake = Arc::new(Notify::new());
        let waiting: Arc<std::sync::Mutex<Waiting>> = Arc::default();
        {
            let (store, ours, clock, backlog, wake, waiting) = (
                Arc::clone(&store),
                ours.clone(),
                Arc::clone(&clock),
                Arc::clone(&backlog),
                Arc::clone(&wake),
                Arc::clone(&waiting),
            );
            let parse = config.parse.clone();
            let limit = config.backlog_batch.clamp(1, max_deliveries);
            tokio::spawn(async move {
                // Batches of queued plans waiting for their commits, applied in queue order.
                let mut in_flight: FuturesOrdered<ApplyFuture> = FuturesOrdered::new();
                loop {
                    while in_flight.len() < BACKLOG_IN_FLIGHT {
                        let plans = match waiting.lock() {
                            Ok(mut w) => w.take(limit, max_events),
                            Err(_) => Vec::new(),
                        };
                        if plans.is_empty() {
                            break;
                        }
                        let (store, now) = (Arc::clone(&store), clock.now());
                        in_flight.push_back(Box::pin(async move {
                            apply_plans(store.as_ref(), plans, now).await
                        }));
                    }
                    if let Some(r) = in_flight.next().await {
                        match r {
                            Ok(n) => applied_some(&backlog, n),
                            Err(_) => {
                                // They stay `received` in the database.
                                set_read_database(&waiting, true);
                                tokio::time::sleep(Duration::from_millis(500)).await;
                            }
                        }
                        continue;
                    }
                    // Nothing queued and nothing in flight.
                    let next = match waiting.lock() {
                        Ok(w) if !w.read_database => None,
                        Ok(w) => Some(w.unqueued),
                        Err(_) => Some(0),
                    };
                    let applied = match next {
                        Some(unqueued) => {
                            let limit = i64::try_from(limit).unwrap_or(64);
                            let r =
                                process_backlog(store.as_ref(), &ours, &parse, clock.now(), limit)
                                    .await;
                            if matches!(r, Ok(0)) {
                                if let Ok(mut w) = waiting.lock() {
                                    // Nothing left, and nothing stored meanwhile: queue again.
                                    if w.unqueued == unqueued {
                                        w.read_database = false;
                                    }
                                }
                            }
                            r
                        }
                        None => Ok(0),
                    };
                    match applied {
                        Ok(0) => {
                            backlog.store(0, Ordering::SeqCst);
                            tokio::select! {
                                () = wake.notified() => {}
                                () = tokio::time::sleep(Duration::from_secs(5)) => {
                                    // Idle: look in the database once more, in case.
                                    set_read_database(&waiting, true);
                                }
                            }
                        }
                        Ok(n) => applied_some(&backlog, n),
                        Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
                    }
                }
            });
        }
        tokio::spawn(async move {
            // Up to `in_flight` batches wait for their commits at once, so the writer has the
            // next batch at hand while the previous one's fsync runs; they are submitted, and
            // their outcomes handled, in the order they were formed.
            let mut in_flight = FuturesOrdered::new();
            // Deferred batches in flight: later batches defer too, so effects keep the order.
            let mut deferring = 0_usize;
            let mut open = true;
            // The next batch is formed once the writer has run the newest one's job (see
            // `Ran`): it then holds everything that arrived meanwhile and is at hand when that
            // commit ends.
            let ran_notify = Arc::new(Notify::new());
            let mut newest = Ran::default();
            loop {
                tokio::select! {
                    biased;
                    Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                        let Formed { replies, results, plans, deferred } = done;
                        if deferred {
                            deferring -= 1;
                        }
                        if !plans.is_empty() {
                            // Only deferred batches have plans left to apply.
                            let n = plans.len();
                            if let Ok(mut w) = waiting.lock() {
                                w.push(plans);
                            }
                            backlog.fetch_add(n, Ordering::SeqCst);
                            wake.notify_one();
                        }
                        for (reply, result) in replies.into_iter().zip(results) {
                            let _ = reply.send(result);
                        }
                    }
                    () = ran_notify.notified(), if !newest.fired() => {}
                    first = rx.recv(), if open && in_flight.len() < slots && newest.fired() => {
                        let Some(first) = first else {
                            open = false;
                            continue;
                        };
                        let mut events = first.parsed.as_ref().map_or(0, |p| p.events.len());
                        let mut batch = vec![first];
                        while batch.len() < max_deliveries && events < max_events {
                            match rx.try_recv() {
                                Ok(s) => {
                                    events += s.parsed.as_ref().map_or(0, |p| p.events.len());
                                    batch.push(s);
                                }
                                Err(_) => break,
                            }
                        }
                        let mut replies = Vec::with_capacity(batch.len());
                        let items: Vec<_> = batch
                            .into_iter()
                            .map(|s| {
                                replies.push(s.reply);
                                (s.delivery, s.parsed)
                            })
                            .collect();
                        let deferred = deferring > 0
                            || backlog.load(Ordering::SeqCst) > 0
                            || items.len() > inline_limit;
                        let (store, ours, now) = (Arc::clone(&store), ours.clone(), clock.now());
                        // One delivery per commit (`max_deliveries` 1): nothing to gather.
                        let ran = if max_deliveries > 1 {
                            Ran::new(&ran_notify)
                        } else {
                            Ran::default()
                        };
                        newest = ran.clone();
                        if deferred {
                            deferring += 1;
                            in_flight.push_back(Box::pin(async move {
                                let (results, plans) =
                                    store_many(store.as_ref(), &ours, items, now, ran.clone()).await;
                                ran.fire();
                                Formed { replies, results, plans, deferred }
                            }) as FormedFuture);
                        } else {
                            in_flight.push_back(Box::pin(async move {
                                let results =
                                    ingest_many_signalled(store.as_ref(), &ours, items, now, ran.clone()).await;
                                ran.fire();
                                Formed { replies, results, plans: Vec::new(), deferred }
                            }));
                        }
                    }
                    else => break,
                }
            }
        });
        Self { tx }
    }

    /// Stores and applies one delivery with whatever else is waiting; resolves once it is
    /// committed.
    ///
    /// # Errors
    /// [`StoreError`] as [`crate::usecases::ingest::ingest`].
    pub async fn submit(
        &self,
        delivery: NewWebhook,
        parsed: Result<ParsedDelivery, String>,
    ) -> Result<IngestOutcome, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Submission {
                delivery,
                parsed,
                reply,
            })
            .map_err(|_| StoreError::Unavailable("the ingest batcher stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the ingest batcher stopped".into()))?
    }
}
