//! Items whose outcome was lost (`unknown`): settled by their messages' status webhooks, or,
//! after the grace period, held for an operator or sent again, as [`QueuePolicy`] says.

use chrono::{DateTime, Utc};

use crate::message::{DeliveryError, MessageStatus};
use crate::ports::{read, write, Clock, Repos, Store, StoreError};
use crate::queue::{QueueOutcome, QueueState};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_holds_unknown_items() {
        let p = QueuePolicy::default();
        assert!(!p.resend_unknown);
        assert_eq!(p.unknown_grace.num_minutes(), 15);
    }
}
