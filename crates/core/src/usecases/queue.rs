//! Working the outbound queue: one attempt per claimed item, retries by error class, never a
//! message sent twice.
//!
//! **Never twice.** Before an item's request leaves, its attempt is marked in flight in the same
//! commit that stores its message row (`attempt_started_at`, fenced on the worker's lease), and
//! the message's wacloud id travels as `biz_opaque_callback_data`. When the outcome is lost — a
//! timeout, or a worker killed between the request and its commit (the next worker finds the
//! mark) — the item becomes `unknown` instead of being sent again, and the status webhooks that
//! carry the id settle it ([`reconcile_from_status`]): `sent` on `sent`/`delivered`/`read`,
//! `failed` on `failed`. An `unknown` item that hears nothing for the grace period
//! ([`QueuePolicy::unknown_grace`]) is decided by [`sweep_unknown`]: held for an operator
//! (default), or — only with [`QueuePolicy::resend_unknown`] — sent again as a new attempt.
//!
//! **Retries by class** ([`FailureClass`], from the Graph classifier): rate limits back off
//! (the whole number on 130429, the recipient only on 131056) and retry; passing faults retry
//! with the graph retry policy's jittered exponential back-off up to its attempt limit; an
//! authentication error (190) puts the item back untouched and pauses all sending
//! ([`SendingGate`]); everything else is final at once, with Meta's reason.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::contact::preview;
use crate::error::CoreError;
use crate::message::UNDELIVERABLE;
use crate::message::{DeliveryError, Direction, MessageStatus};
use crate::outbound::{FailureClass, OutboundRequest, SendFailure};
use crate::phone::CustomerKey;
use crate::ports::{new_id, read, write, Clock, Messenger, Repos, Store, StoreError};
use crate::queue::{NewQueueItem, QueueItem, QueueItemView, QueueOutcome, QueueState, SendingGate};
use crate::usecases::contacts::key_ref;
use crate::usecases::send::{
    check_recipient, check_template, new_outbound_row, react_to_failure, validate_content,
    SendCommand,
};

/// How the queue decides about outcomes it cannot see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePolicy {
    /// How long an `unknown` item waits for a status webhook before it is decided on.
    pub unknown_grace: chrono::Duration,
    /// After the grace period, send the item again as a new attempt (`true`) instead of holding
    /// it for an operator (`false`, the default). Meta sends a status for every message it
    /// accepted and retries webhooks for days, so silence after a long grace almost always
    /// means the request never arrived — almost: a resend can duplicate a message whose status
    /// is merely late.
    pub resend_unknown: bool,
}

impl Default for QueuePolicy {
    /// 15 minutes of grace, then hold.
    fn default() -> Self {
        Self {
            unknown_grace: chrono::Duration::minutes(15),
            resend_unknown: false,
        }
    }
}

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

enum Begin {
    Go {
        message_id: String,
        contact_id: String,
        contact_wa_id: Option<String>,
    },
    Refused(CoreError),
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
                return Ok(Begin::Refused(e));
            }
            let contact = match existing {
                Some(c) => c,
                None => r.insert_contact(&new_id(), &key_ref(&to), now)?,
            };
            let message_id = attempt_message(r, &id, attempts, previous.as_deref())?;
            if message_id.1 {
                let row = new_outbound_row(
                    &message_id.0,
                    &contact,
                    &content,
                    business_phone,
                    None,
                    batch_source,
                    Some(id.clone()),
                    now,
                );
                r.insert_message(&row)?;
                let summary = content.summary();
                let p = preview(Some(&summary), content.message_type());
                r.record_contact_message(&contact.id, now, Some(&p), Direction::Outbound, 0)?;
            }
            if !r.begin_queue_attempt(&id, &owner, &message_id.0, now)? {
                // Undo the row: another worker took the item.
                return Err(StoreError::Conflict("lease lost".into()));
            }
            Ok(Begin::Go {
                message_id: message_id.0,
                contact_id: contact.id,
                contact_wa_id: contact.wa_id,
            })
        })
        .await;
        match result {
            Err(StoreError::Conflict(_)) => Begin::Lost,
            other => other?,
        }
    };
    let (message_id, contact_id, contact_wa_id) = match begin {
        Begin::Lost => {
            return Ok(QueueOutcome::Deferred {
                until: now,
                note: Some("another worker holds the item".into()),
                undo_attempt: false,
            })
        }
        Begin::Refused(e) => {
            let outcome = QueueOutcome::Failed {
                error: e.to_string(),
                code: None,
                message_id: None,
            };
            return finish(store, &item.id, outcome, now, &WORKING).await;
        }
        Begin::Go {
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

/// Settles a queue item from a status webhook of one of its messages (called by the webhook
/// ingest, inside its transaction): `sent`, `delivered`, `read` or `played` prove the attempt
/// went out; `failed` ends the item with Meta's reason. Nothing else changes an item.
///
/// # Errors
/// [`StoreError`].
pub fn reconcile_from_status(
    r: &mut dyn Repos,
    queue_id: &str,
    message_id: &str,
    status: &MessageStatus,
    error: Option<&DeliveryError>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(item) = r.get_queue_item(queue_id)? else {
        return Ok(());
    };
    match status {
        MessageStatus::Sent
        | MessageStatus::Delivered
        | MessageStatus::Read
        | MessageStatus::Played => {
            if matches!(
                item.state,
                QueueState::Sending | QueueState::Unknown | QueueState::Pending
            ) {
                // A status that beats the send's own answer is the ordinary race: no note. After a
                // lost answer, say how the item was settled.
                let note = (item.state != QueueState::Sending).then(|| {
                    "confirmed by Meta's status webhook after its send's answer was lost; not sent again".to_owned()
                });
                let outcome = QueueOutcome::Sent {
                    message_id: message_id.to_owned(),
                    note,
                };
                r.finish_queue_item(
                    queue_id,
                    &outcome,
                    now,
                    &[
                        QueueState::Sending,
                        QueueState::Unknown,
                        QueueState::Pending,
                    ],
                )?;
            }
        }
        MessageStatus::Failed => {
            let e = error.cloned().unwrap_or_default();
            let text = match (e.code, e.message.as_deref(), e.details.as_deref()) {
                (Some(c), m, Some(d)) => {
                    format!(
                        "Meta reported it failed: error {c}: {} — {d}",
                        m.unwrap_or("")
                    )
                }
                (Some(c), m, None) => {
                    format!("Meta reported it failed: error {c}: {}", m.unwrap_or(""))
                }
                _ => "Meta reported it failed".to_owned(),
            };
            r.finish_queue_item(
                queue_id,
                &QueueOutcome::Failed {
                    error: text,
                    code: e.code,
                    message_id: Some(message_id.to_owned()),
                },
                now,
                &[
                    QueueState::Sending,
                    QueueState::Unknown,
                    QueueState::Pending,
                    QueueState::Sent,
                ],
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Decides on `unknown` items that heard nothing for the grace period: held for an operator,
/// or sent again as a new attempt with [`QueuePolicy::resend_unknown`]. Returns how many.
///
/// # Errors
/// [`StoreError`].
pub async fn sweep_unknown(
    store: &dyn Store,
    clock: &dyn Clock,
    policy: QueuePolicy,
) -> Result<usize, StoreError> {
    let now = clock.now();
    let before = now - policy.unknown_grace;
    let ids = read(store, move |r| r.undecided_unknown_items(before, 500)).await?;
    let n = ids.len();
    if n == 0 {
        return Ok(0);
    }
    let secs = policy.unknown_grace.num_seconds();
    write(store, move |r| {
        for id in ids {
            let outcome = if policy.resend_unknown {
                // The attempt's message never got a status: show it as not delivered (a late
                // `delivered` would still move it on), and send a new one.
                if let Some(m) = r.get_queue_item(&id)?.and_then(|i| i.message_id) {
                    let why = DeliveryError {
                        message: Some(format!("no status from Meta within {secs} s of a send whose answer was lost; sent again as a new message")),
                        ..DeliveryError::default()
                    };
                    r.fail_message(&m, &why, now)?;
                }
                QueueOutcome::Resend {
                    note: format!("no status webhook within {secs} s of an attempt whose answer was lost: Meta most likely never got it; sending it again as a new attempt (resend policy)"),
                }
            } else {
                QueueOutcome::Held {
                    note: format!("no status webhook within {secs} s of an attempt whose answer was lost: Meta may or may not have it, so wacloud does not send it again by itself; if the customer did not get it, retry it (POST /api/whatsapp/queue/{{id}}/retry)"),
                }
            };
            r.finish_queue_item(&id, &outcome, now, &[QueueState::Unknown])?;
        }
        Ok(())
    })
    .await?;
    Ok(n)
}

/// One queue item.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn item(store: &dyn Store, id: String) -> Result<QueueItemView, CoreError> {
    let i = id.clone();
    read(store, move |r| r.queue_item_view(&i))
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no queue item {id}")))
}

/// Cancels one item that has not gone out: `pending` (also scheduled) or `unknown`.
///
/// # Errors
/// [`CoreError::NotFound`]; [`CoreError::Conflict`] (`not_cancellable`) for an item being sent
/// or already final; [`CoreError::Store`].
pub async fn cancel_item(
    store: &dyn Store,
    clock: &dyn Clock,
    id: String,
) -> Result<QueueItemView, CoreError> {
    let now = clock.now();
    let i = id.clone();
    let (applied, view) = write(store, move |r| {
        let applied = r.finish_queue_item(
            &i,
            &QueueOutcome::Cancelled {
                reason: "cancelled by the operator".into(),
            },
            now,
            &[QueueState::Pending, QueueState::Unknown],
        )?;
        Ok((applied, r.queue_item_view(&i)?))
    })
    .await?;
    let view = view.ok_or_else(|| CoreError::NotFound(format!("no queue item {id}")))?;
    if !applied && view.state != QueueState::Cancelled.as_str() {
        return Err(CoreError::Conflict {
            code: "not_cancellable",
            message: format!(
                "queue item {id} is {}: only pending, scheduled or unknown items can be cancelled",
                view.state
            ),
        });
    }
    Ok(view)
}

/// Queues a new attempt of an item that failed, was cancelled, or is `unknown` (an operator who
/// checked that the customer did not get it): a new item, a new message, a new `wamid`.
///
/// # Errors
/// [`CoreError::NotFound`]; [`CoreError::Conflict`] (`not_retryable`) for an item still
/// pending, being sent, or sent; [`CoreError::WindowClosed`] for free-form content without an
/// open window; [`CoreError::Store`].
pub async fn retry_item(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    id: String,
    allow_outside_window: bool,
) -> Result<QueueItemView, CoreError> {
    let now = clock.now();
    let i = id.clone();
    let old = read(store, move |r| r.get_queue_item(&i))
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no queue item {id}")))?;
    if !matches!(
        old.state,
        QueueState::Failed | QueueState::Cancelled | QueueState::Unknown
    ) {
        return Err(CoreError::Conflict {
            code: "not_retryable",
            message: format!(
                "queue item {id} is {}: only failed, cancelled or unknown items can be retried",
                old.state.as_str()
            ),
        });
    }
    let to = recipient(&old)
        .map_err(|e| CoreError::invalid("invalid_phone_number", "phone_number", e))?;
    enqueue_one(
        store,
        messenger,
        clock,
        SendCommand {
            allow_outside_window: allow_outside_window || old.allow_outside_window,
            // One retry per item: its id is derived from this one (see below).
            id: Some(crate::ports::retry_id(&id)),
            ..SendCommand::new(to, old.content, "retry")
        },
        now,
        Some(id),
    )
    .await
}

/// The furthest ahead a message can be scheduled: 366 days.
pub const MAX_SCHEDULE_AHEAD_DAYS: i64 = 366;

/// Refuses a `scheduled_at` more than [`MAX_SCHEDULE_AHEAD_DAYS`] ahead (a typo in the year,
/// not a plan); one in the past means now.
///
/// # Errors
/// [`CoreError::Invalid`] naming `scheduled_at`.
pub fn check_schedule(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), CoreError> {
    if at > now + chrono::Duration::days(MAX_SCHEDULE_AHEAD_DAYS) {
        return Err(CoreError::invalid(
            "invalid_request",
            "scheduled_at",
            format!("scheduled_at is more than {MAX_SCHEDULE_AHEAD_DAYS} days ahead"),
        ));
    }
    Ok(())
}

/// Queues one message for `due_at` (a scheduled send, or a retry): refused before the queue when
/// the content breaks a limit, the contact is blocked, or free-form content has no open window.
///
/// # Errors
/// As [`crate::usecases::send::send`] refuses before sending; [`CoreError::Store`].
pub async fn enqueue_one(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    cmd: SendCommand,
    due_at: DateTime<Utc>,
    retry_of: Option<String>,
) -> Result<QueueItemView, CoreError> {
    validate_content(&cmd.content)?;
    check_schedule(due_at, clock.now())?;
    check_template(store, messenger, &cmd.content).await?;
    let now = clock.now();
    let id = cmd.id.clone().unwrap_or_else(new_id);
    let source = if retry_of.is_some() {
        "retry"
    } else {
        "scheduled"
    };
    write(store, move |r| {
        let contact = r.find_contact(&cmd.to)?;
        if let Err(e) = check_recipient(
            contact.as_ref(),
            &cmd.to,
            &cmd.content,
            cmd.allow_outside_window,
            now,
        ) {
            return Ok(Err(e));
        }
        if let Some(of) = retry_of.as_deref() {
            // The item's first message has the item's id, so a retry of that message through
            // `/messages/{id}/retry` took the same retry id: either way, one retry.
            if r.get_queue_item(&id)?.is_some() || r.get_message(&id)?.is_some() {
                return Ok(Err(CoreError::Conflict {
                    code: "already_retried",
                    message: format!(
                        "queue item {of} was retried already, as item {id}; retry that one if it fails"
                    ),
                }));
            }
        }
        r.enqueue(&[NewQueueItem {
            id: id.clone(),
            batch_id: None,
            recipient: cmd.to.to_string(),
            content: cmd.content,
            due_at: due_at.max(now),
            created_at: now,
            allow_outside_window: cmd.allow_outside_window,
            source: source.into(),
            retry_of,
        }])?;
        Ok(Ok(r.queue_item_view(&id)?))
    })
    .await??
    .ok_or_else(|| CoreError::Store(StoreError::Internal("queued item not found".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_default_policy_holds_unknown_items() {
        let p = QueuePolicy::default();
        assert!(!p.resend_unknown);
        assert_eq!(p.unknown_grace.num_minutes(), 15);
    }
}
