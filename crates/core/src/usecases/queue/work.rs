//! Working claimed items: each attempt marked in flight with its message row, one request to
//! Meta, and the outcome by error class.
//!
//! The three steps take many items at once where the store is involved: [`begin_attempts`]
//! marks a group of items in flight in one write, [`send_attempt`] sends one, and
//! [`record_outcomes`] records the answers of many in one write. At Meta's highest throughput
//! (1,000 messages/s) a transaction per step and message would be most of the queue's CPU,
//! and a group's transaction costs about as much as one item's. [`work_item`] is the three steps
//! for a single item.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::contact::preview;
use crate::costs::{estimate, RateCard};
use crate::message::UNDELIVERABLE;
use crate::message::{DeliveryError, Direction, MessageStatus};
use crate::outbound::{FailureClass, OutboundContent, OutboundRequest, SendFailure};
use crate::phone::CustomerKey;
use crate::ports::{new_id, write, Clock, Messenger, Repos, Store, StoreError};
use crate::queue::{QueueItem, QueueOutcome, QueueState, SendingGate};
use crate::template::StoredTemplate;
use crate::usecases::contacts::key_ref;
use crate::usecases::send::{
    check_recipient, new_outbound_row, react_to_failure, text_with, validate_content,
};

const WORKING: [QueueState; 1] = [QueueState::Sending];

/// The recipient of an item, or why it has none.
///
/// # Errors
/// The phone error as text.
pub fn recipient(item: &QueueItem) -> Result<CustomerKey, String> {
    CustomerKey::parse_stored(&item.recipient).map_err(|e| e.to_string())
}

fn refusal_text(failure: &SendFailure) -> String {
    let e = failure.delivery_error();
    match (e.code, e.details.as_deref()) {
        (Some(code), Some(d)) if Some(d) != e.message.as_deref() => format!(
            "Meta error {code}: {} — {d}",
            e.message.as_deref().unwrap_or("")
        ),
        (Some(code), _) => format!("Meta error {code}: {}", e.message.as_deref().unwrap_or("")),
        (None, _) => failure.to_string(),
    }
}

/// An attempt recorded in flight ([`begin_attempts`]): its request may now go to Meta
/// ([`send_attempt`]).
#[derive(Debug, Clone)]
pub struct Attempt {
    item_id: String,
    message_id: String,
    contact_id: String,
    contact_wa_id: Option<String>,
    /// Attempts begun, this one included.
    attempts: u32,
    request: OutboundRequest,
}

impl Attempt {
    /// The queue item's id.
    #[must_use]
    pub fn item_id(&self) -> &str {
        &self.item_id
    }
}

/// What beginning a claimed item came to.
#[derive(Debug)]
pub enum Begun {
    /// Marked in flight: send it with [`send_attempt`].
    Send(Box<Attempt>),
    /// Settled without a request, already recorded: an attempt found in flight (`unknown`), an
    /// invalid recipient or content, a recipient the checks refuse, sending paused, or the
    /// item's lease lost to another worker (nothing recorded then).
    Settled(QueueOutcome),
}

/// What an item's pre-checks decided before the store is involved.
enum Plan {
    /// An attempt found in flight: its outcome is unknown.
    Orphaned,
    /// Settled as this outcome without a request.
    Settle(QueueOutcome),
    /// Check the recipient against the store, then send.
    Go(CustomerKey),
}

fn plan(item: &QueueItem, gate: &SendingGate, now: DateTime<Utc>) -> Plan {
    if item.attempt_started_at.is_some() {
        return Plan::Orphaned;
    }
    let failed = |error: String| {
        Plan::Settle(QueueOutcome::Failed {
            error,
            code: None,
            message_id: None,
        })
    };
    let to = match recipient(item) {
        Ok(k) => k,
        Err(error) => return failed(error),
    };
    if let Some(p) = gate.paused() {
        return Plan::Settle(QueueOutcome::Deferred {
            until: now,
            note: Some(format!("waiting: sending is paused ({})", p.reason)),
            undo_attempt: false,
        });
    }
    // The stored template was checked when the item was queued; Meta's own answer covers a
    // template changed since (132xxx, final).
    if let Err(e) = validate_content(&item.content) {
        return failed(e.to_string());
    }
    Plan::Go(to)
}

/// The stored templates a group's items use, each read once per group.
#[derive(Default)]
struct Templates(HashMap<(String, String), Option<StoredTemplate>>);

impl Templates {
    fn get(
        &mut self,
        r: &mut dyn Repos,
        name: &str,
        language: &str,
    ) -> Result<Option<&StoredTemplate>, StoreError> {
        let key = (name.to_owned(), language.to_owned());
        if !self.0.contains_key(&key) {
            let t = r.find_template(name, language)?;
            self.0.insert(key.clone(), t);
        }
        Ok(self.0.get(&key).and_then(Option::as_ref))
    }

    /// The pricing category `content` is billed in ([`crate::costs::category_of`]).
    fn category(
        &mut self,
        r: &mut dyn Repos,
        content: &OutboundContent,
    ) -> Result<Option<String>, StoreError> {
        let stored = match content {
            OutboundContent::Template { name, language, .. } => self
                .get(r, name, language)?
                .and_then(|t| t.category.clone()),
            _ => None,
        };
        Ok(crate::costs::category_of(content, stored.as_deref()))
    }

    /// What the message list shows for `content` (as `send::shown_text`).
    fn shown_text(
        &mut self,
        r: &mut dyn Repos,
        content: &OutboundContent,
    ) -> Result<String, StoreError> {
        let stored = self.stored(r, content)?;
        Ok(text_with(content, stored))
    }

    /// The stored template `content` sends, read once per group.
    fn stored(
        &mut self,
        r: &mut dyn Repos,
        content: &OutboundContent,
    ) -> Result<Option<&StoredTemplate>, StoreError> {
        let OutboundContent::Template { name, language, .. } = content else {
            return Ok(None);
        };
        let key = (name.clone(), language.clone());
        if !self.0.contains_key(&key) {
            let t = r.find_template(name, language)?;
            self.0.insert(key.clone(), t);
        }
        Ok(self.0.get(&key).and_then(Option::as_ref))
    }

    /// Whether `content` is a template stored with the category `MARKETING`.
    fn marketing(
        &mut self,
        r: &mut dyn Repos,
        content: &OutboundContent,
    ) -> Result<bool, StoreError> {
        Ok(self.stored(r, content)?.is_some_and(|t| {
            t.category
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case("MARKETING"))
        }))
    }
}

/// The settings a group's items share while they are begun.
struct Group<'a> {
    owner: &'a str,
    business_phone: Option<&'a str>,
    /// The sending number's `phone_number_id` (its contacts).
    number: Option<&'a str>,
    /// Prices the items of budgeted batches.
    card: &'a RateCard,
    now: DateTime<Utc>,
}

/// Counts an item of a budgeted batch against its budget before its first attempt (retries
/// were counted then), in the same transaction as the attempt, the budget's row locked: the
/// note to defer it with when the batch is (or now becomes) paused.
fn check_budget(
    r: &mut dyn Repos,
    g: &Group<'_>,
    templates: &mut Templates,
    item: &QueueItem,
    to: &CustomerKey,
) -> Result<Option<String>, StoreError> {
    let Some(batch) = item.batch_id.as_deref().filter(|_| item.attempts == 0) else {
        return Ok(None);
    };
    let Some(mut budget) = r.batch_budget(batch, true)? else {
        return Ok(None);
    };
    if budget.paused_reason.is_none() {
        let category = templates.category(r, &item.content)?;
        let rate = estimate(g.card, to, category.as_deref(), g.now.date_naive());
        if let Err(reason) = budget.take(rate) {
            budget.pause(reason, g.now);
        }
        r.put_batch_budget(&budget, g.now)?;
    }
    Ok(budget.paused_reason.map(|reason| {
        format!(
            "waiting: batch paused ({reason}): {} of its budget of {} {} committed; raise it with PATCH /batches/{batch}",
            budget.committed, budget.amount, budget.currency
        )
    }))
}

/// Begins one item inside the group's transaction. The lease is checked first
/// (`begin_queue_attempt`, fenced on `owner`), so an item another worker took writes nothing.
fn begin_one(
    r: &mut dyn Repos,
    g: &Group<'_>,
    templates: &mut Templates,
    item: &QueueItem,
    plan: &Plan,
) -> Result<Begun, StoreError> {
    let now = g.now;
    let settle = |r: &mut dyn Repos, outcome: QueueOutcome| {
        r.finish_queue_item(&item.id, &outcome, now, &WORKING)?;
        Ok(Begun::Settled(outcome))
    };
    let to = match plan {
        Plan::Orphaned => {
            // The worker that began this attempt stopped before recording its outcome.
            let error = "the worker sending it stopped after its request may have reached Meta; waiting for a status webhook with its id instead of sending it again".to_owned();
            if let Some(m) = &item.message_id {
                r.note_message_error(m, &format!("outcome unknown: {error}"))?;
            }
            let outcome = QueueOutcome::Unknown {
                error,
                message_id: item.message_id.clone(),
            };
            return settle(r, outcome);
        }
        Plan::Settle(outcome) => return settle(r, outcome.clone()),
        Plan::Go(to) => to,
    };
    let content = &item.content;
    let existing = r.find_contact(g.number, to)?;
    let refused = match check_recipient(
        existing.as_ref(),
        to,
        content,
        item.allow_outside_window,
        now,
    ) {
        Err(e) => Some(e.to_string()),
        // A thread another responder took since the item was queued: refused as `/send`
        // refuses it, the code first so that programs reading the queue can tell.
        Ok(()) => crate::usecases::routing::check_send(r, existing.as_ref(), to, content)?
            .err()
            .map(|e| format!("not_thread_owner: {e}")),
    };
    if let Some(error) = refused {
        let outcome = QueueOutcome::Failed {
            error,
            code: None,
            message_id: None,
        };
        return settle(r, outcome);
    }
    if let Some(note) = check_budget(r, g, templates, item, to)? {
        let outcome = QueueOutcome::Deferred {
            until: now,
            note: Some(note),
            undo_attempt: false,
        };
        return settle(r, outcome);
    }
    let (message_id, new_row) =
        attempt_message(r, &item.id, item.attempts, item.message_id.as_deref())?;
    if !r.begin_queue_attempt(&item.id, g.owner, &message_id, now)? {
        return Ok(Begun::Settled(QueueOutcome::Deferred {
            until: now,
            note: Some("another worker holds the item".into()),
            undo_attempt: false,
        }));
    }
    let contact = match existing {
        Some(c) => c,
        None => r.insert_contact(&new_id(), &key_ref(to, g.number), now)?,
    };
    if new_row {
        let text = templates.shown_text(r, content)?;
        let p = preview(Some(&text), content.message_type());
        // Its messages are the queuer's; `queue` when it was not recorded.
        let stamp = match &item.actor {
            Some(tag) => (Some(tag.clone()), item.actor_name.clone()),
            None => (Some(crate::auth::Actor::Queue.tag()), None),
        };
        let batch_source = if item.batch_id.is_some() {
            "bulk"
        } else {
            "queue"
        };
        let row = new_outbound_row(
            &message_id,
            &contact,
            content,
            text,
            g.business_phone.map(str::to_owned),
            None,
            batch_source,
            Some(item.id.clone()),
            stamp,
            now,
        );
        r.insert_message(&row)?;
        r.record_contact_message(&contact.id, now, Some(&p), Direction::Outbound, 0)?;
    }
    let marketing = templates.marketing(r, content)?;
    Ok(Begun::Send(Box::new(Attempt {
        item_id: item.id.clone(),
        request: OutboundRequest {
            to: to.clone(),
            content: content.clone(),
            reply_to: None,
            callback_data: Some(message_id.clone()),
            marketing,
        },
        message_id,
        contact_id: contact.id,
        contact_wa_id: contact.wa_id,
        attempts: u32::try_from(item.attempts + 1).unwrap_or(u32::MAX),
    })))
}

/// Runs `each` for every element of `items` in one write job (`S` is what the job's elements
/// share, such as a cache); when that job fails for any reason but an unavailable database,
/// runs each element in a job of its own, so one bad item does not hold up the others. Results
/// in the order of `items`.
async fn write_all<T, R, S, F>(
    store: &dyn Store,
    items: Vec<T>,
    each: F,
) -> Vec<Result<R, StoreError>>
where
    T: Send + Sync + 'static,
    R: Send + 'static,
    S: Default,
    F: Fn(&mut dyn Repos, &mut S, &T) -> Result<R, StoreError> + Send + Sync + 'static,
{
    let (items, each) = (Arc::new(items), Arc::new(each));
    let all = {
        let (items, each) = (Arc::clone(&items), Arc::clone(&each));
        write(store, move |r| {
            let mut shared = S::default();
            items
                .iter()
                .map(|t| each(r, &mut shared, t))
                .collect::<Result<Vec<R>, _>>()
        })
        .await
    };
    match all {
        Ok(results) => results.into_iter().map(Ok).collect(),
        Err(e) if items.len() == 1 || matches!(e, StoreError::Unavailable(_)) => {
            (0..items.len()).map(|_| Err(e.clone())).collect()
        }
        Err(_) => {
            let mut out = Vec::with_capacity(items.len());
            for i in 0..items.len() {
                let (items, each) = (Arc::clone(&items), Arc::clone(&each));
                out.push(write(store, move |r| each(r, &mut S::default(), &items[i])).await);
            }
            out
        }
    }
}

/// Begins claimed items (held by `owner`'s lease) in one write: each is settled without a
/// request ([`Begun::Settled`], recorded), or its attempt is marked in flight together with its
/// message row and contact ([`Begun::Send`]). The caller has taken the pacer's slots for the
/// items to send (see [`Messenger::reserve_recipient`] and [`Messenger::until_number_ready`]).
///
/// Results in the order of `items`. An item whose result is an error wrote nothing: its lease
/// runs out and the next worker claims it again (nothing was sent).
pub async fn begin_attempts(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    gate: &SendingGate,
    owner: &str,
    card: Arc<RateCard>,
    items: Vec<QueueItem>,
) -> Vec<Result<Begun, StoreError>> {
    let now = clock.now();
    let planned: Vec<(QueueItem, Plan)> = items
        .into_iter()
        .map(|item| {
            let p = plan(&item, gate, now);
            (item, p)
        })
        .collect();
    let (owner, business_phone) = (owner.to_owned(), messenger.business_phone());
    let number = messenger.phone_number_id();
    write_all(
        store,
        planned,
        move |r, templates: &mut Templates, (item, plan)| {
            let g = Group {
                owner: &owner,
                business_phone: business_phone.as_deref(),
                number: number.as_deref(),
                card: &card,
                now,
            };
            begin_one(r, &g, templates, item, plan)
        },
    )
    .await
}

/// What came of an attempt's request, to record.
#[derive(Debug, Clone)]
enum Answer {
    /// Meta accepted it.
    Accepted {
        wamid: String,
        wa_id: Option<String>,
    },
    /// The request may have reached Meta: noted on the message.
    Unknown { note: String },
    /// Nothing went out; `failed` is recorded on the message when the item ends here.
    Refused { failed: Option<DeliveryError> },
}

/// An attempt's answer and the item's outcome, to record with [`record_outcomes`].
#[derive(Debug, Clone)]
pub struct Finished {
    attempt: Attempt,
    answer: Answer,
    outcome: QueueOutcome,
    at: DateTime<Utc>,
}

impl Finished {
    /// The queue item's id.
    #[must_use]
    pub fn item_id(&self) -> &str {
        &self.attempt.item_id
    }
}

/// Sends a begun attempt once and decides the item's outcome by Meta's answer: accepted;
/// unknown (a timeout, a broken connection: never sent again blindly); or refused, then
/// retried by class (rate limits always, passing faults up to the attempt limit), deferred
/// with sending paused (190), or failed. The pacer and the sending gate learn from a refusal
/// at once; the outcome is recorded by [`record_outcomes`].
pub async fn send_attempt(
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    gate: &SendingGate,
    attempt: Attempt,
) -> Finished {
    let sent = messenger.send(&attempt.request).await;
    let now = clock.now();
    let attempts = attempt.attempts;
    let message_id = attempt.message_id.clone();
    let (answer, outcome) = match sent {
        Ok(receipt) => (
            Answer::Accepted {
                wamid: receipt.wamid,
                wa_id: receipt.wa_id,
            },
            QueueOutcome::Sent {
                message_id,
                note: None,
            },
        ),
        Err(failure @ SendFailure::OutcomeUnknown(_)) => {
            let error = format!(
                "{failure}; waiting for a status webhook with its id instead of sending it again"
            );
            (
                Answer::Unknown {
                    note: error.clone(),
                },
                QueueOutcome::Unknown {
                    error,
                    message_id: Some(message_id),
                },
            )
        }
        Err(failure) => {
            // Nothing went out: Meta refused the request, or it never reached Meta.
            let class = failure.class();
            let retry_after = match &failure {
                SendFailure::Rejected {
                    retry_after_secs, ..
                } => retry_after_secs.map(Duration::from_secs),
                _ => None,
            };
            let rate_limited = matches!(
                class,
                FailureClass::RateLimited | FailureClass::PairRateLimited
            );
            // A rate limit is a refusal before acting: always safe to retry, so it never uses
            // up the attempts; its back-off grows to about 8 s and is at least 1 s, so the hold
            // on the number (or recipient) is long enough to matter.
            let wait = if rate_limited {
                messenger
                    .retry_delay(attempts.min(4), retry_after)
                    .max(Duration::from_secs(1))
            } else {
                messenger.retry_delay(attempts, retry_after)
            };
            react_to_failure(messenger, gate, &attempt.request.to, &failure, wait, now);
            let error = refusal_text(&failure);
            let code = failure.delivery_error().code;
            let outcome = match class {
                FailureClass::Authentication => QueueOutcome::Deferred {
                    until: now,
                    note: Some(format!("waiting: sending paused — {error}")),
                    undo_attempt: true,
                },
                c if c.is_retryable() && (rate_limited || attempts < messenger.max_attempts()) => {
                    QueueOutcome::Retry {
                        retry_at: now + chrono::Duration::from_std(wait).unwrap_or_default(),
                        error: format!("attempt {attempts}: {error}"),
                        code,
                    }
                }
                _ => QueueOutcome::Failed {
                    error: if class.is_retryable() {
                        format!("gave up after {attempts} attempts: {error}")
                    } else {
                        error
                    },
                    code,
                    message_id: Some(message_id),
                },
            };
            let failed =
                matches!(outcome, QueueOutcome::Failed { .. }).then(|| failure.delivery_error());
            (Answer::Refused { failed }, outcome)
        }
    };
    Finished {
        attempt,
        answer,
        outcome,
        at: now,
    }
}

fn record_one(r: &mut dyn Repos, f: &Finished) -> Result<QueueOutcome, StoreError> {
    let (a, now) = (&f.attempt, f.at);
    match &f.answer {
        Answer::Accepted { wamid, wa_id } => {
            r.attach_wamid(&a.message_id, wamid, now)?;
            // Meta's wa_id joins the contact once (it may differ from the number typed).
            if let Some(wa_id) = wa_id
                .as_deref()
                .filter(|w| a.contact_wa_id.as_deref() != Some(*w))
            {
                crate::usecases::send::link_wa_id(r, &a.contact_id, wa_id, now)?;
            }
            r.finish_queue_item(
                &a.item_id,
                &f.outcome,
                now,
                &[QueueState::Sending, QueueState::Unknown],
            )?;
        }
        Answer::Unknown { note } => {
            r.note_message_error(&a.message_id, note)?;
            r.finish_queue_item(&a.item_id, &f.outcome, now, &WORKING)?;
        }
        Answer::Refused { failed } => {
            if let Some(err) = failed {
                r.fail_message(&a.message_id, err, now)?;
                if err.code == Some(UNDELIVERABLE) {
                    r.set_undeliverable(&a.contact_id, Some(now))?;
                }
            }
            r.finish_queue_item(&a.item_id, &f.outcome, now, &WORKING)?;
        }
    }
    Ok(f.outcome.clone())
}

/// Records the answers of sent attempts in one write (each alone if that write fails for
/// another reason than an unavailable database). Results in the order of `finished`.
///
/// An error means the step could not be recorded: the item's lease then runs out and the next
/// worker finds the attempt mark, so a request that did go out is reconciled, not repeated.
pub async fn record_outcomes(
    store: &dyn Store,
    finished: Vec<Finished>,
) -> Vec<Result<QueueOutcome, StoreError>> {
    write_all(store, finished, |r, (): &mut (), f| record_one(r, f)).await
}

/// Sends one claimed item once and records the outcome: [`begin_attempts`],
/// [`send_attempt`] and [`record_outcomes`] for a single item. The caller has taken the
/// pacer's slots for it.
///
/// # Errors
/// [`StoreError`] when a step could not be recorded (see [`record_outcomes`]).
pub async fn work_item(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    gate: &SendingGate,
    owner: &str,
    card: Arc<RateCard>,
    item: QueueItem,
) -> Result<QueueOutcome, StoreError> {
    let begun = begin_attempts(store, messenger, clock, gate, owner, card, vec![item])
        .await
        .pop()
        .unwrap_or_else(|| Err(StoreError::Conflict("nothing begun".into())))?;
    let attempt = match begun {
        Begun::Settled(outcome) => return Ok(outcome),
        Begun::Send(a) => *a,
    };
    let finished = send_attempt(messenger, clock, gate, attempt).await;
    record_outcomes(store, vec![finished])
        .await
        .pop()
        .unwrap_or_else(|| Err(StoreError::Conflict("nothing recorded".into())))
}
/// The message row for a new attempt: the previous attempt's row when that attempt provably did
/// not go out (no `wamid`, still `pending`), else a new row — under the item's own id for its
/// first attempt. The bool says whether the row must be created.
fn attempt_message(
    r: &mut dyn Repos,
    item_id: &str,
    attempts: i32,
    previous: Option<&str>,
) -> Result<(String, bool), StoreError> {
    if attempts == 0 && previous.is_none() {
        return Ok((item_id.to_owned(), true));
    }
    if let Some(prev) = previous {
        if let Some(m) = r.get_message(prev)? {
            if m.message_id.is_none() && m.status == MessageStatus::Pending {
                return Ok((m.id, false));
            }
        }
    }
    if r.get_message(item_id)?.is_none() {
        return Ok((item_id.to_owned(), true));
    }
    Ok((new_id(), true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::DeliveryError;

    #[test]
    fn refusals_name_metas_code_and_details() {
        let f = SendFailure::Rejected {
            http_status: 400,
            error: DeliveryError {
                code: Some(131_026),
                title: None,
                message: Some("Message undeliverable".into()),
                details: Some("the number is not on WhatsApp".into()),
            },
            class: FailureClass::Undeliverable,
            retry_after_secs: None,
        };
        let t = refusal_text(&f);
        assert!(t.contains("131026") && t.contains("not on WhatsApp"), "{t}");
    }
}
