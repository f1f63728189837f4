//! The one transaction every delivery's effects go through, and its one fallback.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::events::WebhookEvent;
use crate::ports::{write, write_background, Repos, Store, StoreError};
use crate::usecases::ingest::effects::apply_events;
use crate::usecases::ingest::outcome::IngestOutcome;
use crate::usecases::ingest::plan::Plan;
use crate::webhook::{NewWebhook, WebhookOutcome};

/// Where a delivery stands before its transaction.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Not stored yet: inserted raw with its outcome; an identical body already stored makes it
    /// a duplicate, with no effects.
    New(Arc<NewWebhook>),
    /// Stored `received` earlier (by [`super::store_for_later`], or a run that stopped): marked
    /// finished in the same transaction as its effects; skipped, with no effects, when it is no
    /// longer `received` (another path or instance applied it).
    Received(String),
    /// Stored in any state (`wacloud webhooks reprocess`): applied again and marked finished.
    /// Effects are idempotent, so a delivery partly applied before is safe.
    Stored(String),
}

impl Source {
    /// The id of a delivery stored before this transaction.
    fn stored_id(&self) -> Option<String> {
        match self {
            Self::New(_) => None,
            Self::Received(id) | Self::Stored(id) => Some(id.clone()),
        }
    }
}

/// A delivery and what to do with it.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub(crate) source: Source,
    pub(crate) plan: Plan,
}

/// Which of the store's write queues a commit goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Urgency {
    /// Somebody waits for the commit (Meta's request, the command line).
    Waited,
    /// Nobody waits (deferred effects): the store may put later waited jobs first.
    Background,
}

/// Records every delivery of `batch` and applies the events of those it recorded, in one write
/// transaction; one result per delivery, in order, once committed.
///
/// If the transaction fails for a reason other than the database being unavailable (a
/// delivery whose effects break a rule of the store), each delivery is committed on its own, so
/// that one bad delivery cannot fail the others; one that fails on its own is recorded
/// `failed` with the reason and no effects (a stored delivery can be reprocessed later).
pub(crate) async fn commit(
    store: &dyn Store,
    batch: Vec<Planned>,
    now: DateTime<Utc>,
    urgency: Urgency,
) -> Vec<Result<IngestOutcome, StoreError>> {
    let n = batch.len();
    if n == 0 {
        return Vec::new();
    }
    let shared = Arc::new(batch);
    let job = Arc::clone(&shared);
    let first = run(store, urgency, move |r| record_and_apply(r, &job, now)).await;
    match first {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e @ StoreError::Unavailable(_)) => vec![Err(e); n],
        Err(e) if n == 1 => vec![record_failed(store, &shared[0], e.to_string(), urgency).await],
        Err(_) => {
            let mut out = Vec::with_capacity(n);
            for item in shared.iter() {
                let one = vec![item.clone()];
                let alone = run(store, urgency, move |r| record_and_apply(r, &one, now)).await;
                let result = match alone {
                    Ok(mut o) => o
                        .pop()
                        .ok_or_else(|| StoreError::Internal("no outcome".into())),
                    Err(e @ StoreError::Unavailable(_)) => Err(e),
                    Err(e) => record_failed(store, item, e.to_string(), urgency).await,
                };
                out.push(result);
            }
            out
        }
    }
}

async fn run<R, F>(store: &dyn Store, urgency: Urgency, f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    match urgency {
        Urgency::Waited => write(store, f).await,
        Urgency::Background => write_background(store, f).await,
    }
}

/// The transaction's body: records each delivery (new ones in one statement), notes the
/// business numbers they name, reads who listens for outbox events
/// ([`OutboxRepos::outbox_interest`](crate::ports::OutboxRepos::outbox_interest), once, when
/// there are events), and applies the events of every delivery recorded here.
fn record_and_apply(
    r: &mut dyn Repos,
    batch: &[Planned],
    now: DateTime<Utc>,
) -> Result<Vec<IngestOutcome>, StoreError> {
    let new: Vec<(&NewWebhook, &WebhookOutcome)> = batch
        .iter()
        .filter_map(|p| match &p.source {
            Source::New(d) => Some((d.as_ref(), &p.plan.outcome)),
            _ => None,
        })
        .collect();
    let mut fresh = match new.as_slice() {
        [] => Vec::new(),
        [(d, o)] => vec![r.insert_webhook(d, o)?],
        rows => r.insert_webhooks(rows)?,
    }
    .into_iter();
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut touched: HashSet<&str> = HashSet::new();
    let mut events: Vec<&WebhookEvent> = Vec::new();
    for p in batch {
        let (id, recorded) = match &p.source {
            Source::New(d) => (d.id.as_str(), fresh.next().unwrap_or(false)),
            Source::Received(id) => (id.as_str(), r.finish_received_webhook(id, &p.plan.outcome)?),
            Source::Stored(id) => {
                r.finish_webhook(id, &p.plan.outcome)?;
                (id.as_str(), true)
            }
        };
        if !recorded {
            outcomes.push(IngestOutcome::duplicate(p.source.stored_id()));
            continue;
        }
        for pid in &p.plan.touch {
            if touched.insert(pid.as_str()) {
                r.touch_session(pid, now)?;
            }
        }
        events.extend(p.plan.events.iter());
        outcomes.push(IngestOutcome::recorded(id, &p.plan.outcome));
    }
    if events.is_empty() {
        return Ok(outcomes);
    }
    // Who listens, read in this transaction: a subscription or rule committed by any instance
    // before it began gets the rows of every event applied here.
    let interest = Arc::new(r.outbox_interest()?);
    apply_events(r, &events, &interest, now)?;
    Ok(outcomes)
}

/// Records `item` `failed` with `why` and without effects, after its effects failed.
async fn record_failed(
    store: &dyn Store,
    item: &Planned,
    why: String,
    urgency: Urgency,
) -> Result<IngestOutcome, StoreError> {
    let failed = item.plan.failed(why);
    let source = item.source.clone();
    run(store, urgency, move |r| {
        let (id, recorded) = match &source {
            Source::New(d) => (d.id.as_str(), r.insert_webhook(d, &failed)?),
            Source::Received(id) => (id.as_str(), r.finish_received_webhook(id, &failed)?),
            Source::Stored(id) => {
                r.finish_webhook(id, &failed)?;
                (id.as_str(), true)
            }
        };
        Ok(if recorded {
            IngestOutcome::recorded(id, &failed)
        } else {
            IngestOutcome::duplicate(source.stored_id())
        })
    })
    .await
}
