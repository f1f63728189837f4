//! Working one claimed item: the attempt marked in flight with its message row, one request to
//! Meta, and the outcome by error class.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::contact::preview;
use crate::error::CoreError;
use crate::message::UNDELIVERABLE;
use crate::message::{Direction, MessageStatus};
use crate::outbound::{FailureClass, OutboundRequest, SendFailure};
use crate::phone::CustomerKey;
use crate::ports::{new_id, write, Clock, Messenger, Repos, Store, StoreError};
use crate::queue::{QueueItem, QueueOutcome, QueueState, SendingGate};
use crate::usecases::contacts::key_ref;
use crate::usecases::send::{
    check_recipient, new_outbound_row, react_to_failure, shown_text, validate_content,
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

async fn finish(
    store: &dyn Store,
    id: &str,
    outcome: QueueOutcome,
    now: DateTime<Utc>,
    only_if: &'static [QueueState],
) -> Result<QueueOutcome, StoreError> {
    let (id, o) = (id.to_owned(), outcome.clone());
    write(store, move |r| r.finish_queue_item(&id, &o, now, only_if)).await?;
    Ok(outcome)
}

/// Whether an item's attempt may go to Meta, decided in the transaction that records it.
enum AttemptStart {
    /// Recorded: send it as this message.
    Go {
        message_id: String,
        contact_id: String,
        contact_wa_id: Option<String>,
    },
    /// The recipient check refused it (the window, a blocked contact…).
    Refused(CoreError),
    /// Another worker took the item (its lease ran out): do not send.
    Lost,
}

/// Sends one claimed item once and records the outcome. The caller has taken the pacer's slots
/// for it (see [`Messenger::reserve_recipient`] and [`Messenger::until_number_ready`]).
///
/// # Errors
/// [`StoreError`] when a step could not be recorded. The lease then runs out and the next
/// worker finds the attempt mark, so a request that did go out is reconciled, not repeated.
pub async fn work_item(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    gate: &SendingGate,
    owner: &str,
    item: QueueItem,
) -> Result<QueueOutcome, StoreError> {
    let now = clock.now();
    if item.attempt_started_at.is_some() {
        // The worker that began this attempt stopped before recording its outcome.
        let error = "the worker sending it stopped after its request may have reached Meta; waiting for a status webhook with its id instead of sending it again".to_owned();
        if let Some(m) = item.message_id.clone() {
            let note = format!("outcome unknown: {error}");
            write(store, move |r| r.note_message_error(&m, &note)).await?;
        }
        let outcome = QueueOutcome::Unknown {
            error,
            message_id: item.message_id.clone(),
        };
        return finish(store, &item.id, outcome, now, &WORKING).await;
    }
    let to = match recipient(&item) {
        Ok(k) => k,
        Err(error) => {
            let outcome = QueueOutcome::Failed {
                error,
                code: None,
                message_id: None,
            };
            return finish(store, &item.id, outcome, now, &WORKING).await;
        }
    };
    if let Some(p) = gate.paused() {
        let outcome = QueueOutcome::Deferred {
            until: now,
            note: Some(format!("waiting: sending is paused ({})", p.reason)),
            undo_attempt: false,
        };
        return finish(store, &item.id, outcome, now, &WORKING).await;
    }
    // The stored template was checked when the item was queued; Meta's own answer covers a
    // template changed since (132xxx, final).
    if let Err(e) = validate_content(&item.content) {
        let outcome = QueueOutcome::Failed {
            error: e.to_string(),
            code: None,
            message_id: None,
        };
        return finish(store, &item.id, outcome, now, &WORKING).await;
    }

    let begin = {
        let (id, owner, to, content) = (
            item.id.clone(),
            owner.to_owned(),
            to.clone(),
            item.content.clone(),
        );
        let (allow, previous, attempts) = (
            item.allow_outside_window,
            item.message_id.clone(),
            item.attempts,
        );
        let business_phone = messenger.business_phone();
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
        // Fenced on the lease by `begin_queue_attempt` below: if another worker took the item,
        // the whole job (contact, message row) is rolled back.
        let result = write(store, move |r| {
            let existing = r.find_contact(&to)?;
            if let Err(e) = check_recipient(existing.as_ref(), &to, &content, allow, now) {
                return Ok(AttemptStart::Refused(e));
            }
            let contact = match existing {
                Some(c) => c,
                None => r.insert_contact(&new_id(), &key_ref(&to), now)?,
            };
            let message_id = attempt_message(r, &id, attempts, previous.as_deref())?;
            if message_id.1 {
                let text = shown_text(r, &content)?;
                let p = preview(Some(&text), content.message_type());
                let row = new_outbound_row(
                    &message_id.0,
                    &contact,
                    &content,
                    text,
                    business_phone,
                    None,
                    batch_source,
                    Some(id.clone()),
                    stamp.clone(),
                    now,
                );
                r.insert_message(&row)?;
                r.record_contact_message(&contact.id, now, Some(&p), Direction::Outbound, 0)?;
            }
            if !r.begin_queue_attempt(&id, &owner, &message_id.0, now)? {
                // Undo the row: another worker took the item.
                return Err(StoreError::Conflict("lease lost".into()));
            }
            Ok(AttemptStart::Go {
                message_id: message_id.0,
                contact_id: contact.id,
                contact_wa_id: contact.wa_id,
            })
        })
        .await;
        match result {
            Err(StoreError::Conflict(_)) => AttemptStart::Lost,
            other => other?,
        }
    };
    let (message_id, contact_id, contact_wa_id) = match begin {
        AttemptStart::Lost => {
            return Ok(QueueOutcome::Deferred {
                until: now,
                note: Some("another worker holds the item".into()),
                undo_attempt: false,
            })
        }
        AttemptStart::Refused(e) => {
            let outcome = QueueOutcome::Failed {
                error: e.to_string(),
                code: None,
                message_id: None,
            };
            return finish(store, &item.id, outcome, now, &WORKING).await;
        }
        AttemptStart::Go {
            message_id,
            contact_id,
            contact_wa_id,
        } => (message_id, contact_id, contact_wa_id),
    };

    let request = OutboundRequest {
        to: to.clone(),
        content: item.content.clone(),
        reply_to: None,
        callback_data: Some(message_id.clone()),
    };
    let sent = messenger.send(&request).await;
    let now = clock.now();
    let attempts = u32::try_from(item.attempts + 1).unwrap_or(u32::MAX);
    match sent {
        Ok(receipt) => {
            let (id, m) = (item.id.clone(), message_id.clone());
            let outcome = QueueOutcome::Sent {
                message_id: message_id.clone(),
                note: None,
            };
            let o = outcome.clone();
            write(store, move |r| {
                r.attach_wamid(&m, &receipt.wamid, now)?;
                // Meta's wa_id joins the contact once (it may differ from the number typed).
                if let Some(wa_id) = receipt
                    .wa_id
                    .as_deref()
                    .filter(|w| contact_wa_id.as_deref() != Some(*w))
                {
                    crate::usecases::send::link_wa_id(r, &contact_id, wa_id, now)?;
                }
                r.finish_queue_item(&id, &o, now, &[QueueState::Sending, QueueState::Unknown])
            })
            .await?;
            Ok(outcome)
        }
        Err(failure @ SendFailure::OutcomeUnknown(_)) => {
            let error = format!(
                "{failure}; waiting for a status webhook with its id instead of sending it again"
            );
            let m = message_id.clone();
            let note = error.clone();
            write(store, move |r| r.note_message_error(&m, &note)).await?;
            let outcome = QueueOutcome::Unknown {
                error,
                message_id: Some(message_id),
            };
            finish(store, &item.id, outcome, now, &WORKING).await
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
            react_to_failure(messenger, gate, &to, &failure, wait, now);
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
                    message_id: Some(message_id.clone()),
                },
            };
            if let QueueOutcome::Failed { .. } = outcome {
                let err = failure.delivery_error();
                let (m, c) = (message_id.clone(), contact_id.clone());
                write(store, move |r| {
                    r.fail_message(&m, &err, now)?;
                    if err.code == Some(UNDELIVERABLE) {
                        r.set_undeliverable(&c, Some(now))?;
                    }
                    Ok(())
                })
                .await?;
            }
            finish(store, &item.id, outcome, now, &WORKING).await
        }
    }
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
