//! Bulk sends through the durable queue.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::error::CoreError;
use crate::message::MessageStatus;
use crate::outbound::{OutboundContent, SendFailure};
use crate::phone::CustomerKey;
use crate::ports::{new_id, Clock, Messenger, Store, StoreError};
use crate::queue::{BatchSummary, NewQueueItem, QueueItem, QueueOutcome};
use crate::usecases::send::{send, validate_content, SendCommand};

/// Most recipients in one bulk request.
pub const MAX_RECIPIENTS: usize = 10_000;

/// One recipient of a bulk request, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRecipient {
    /// Number or BSUID as typed.
    pub input: String,
    /// Per-recipient template body parameters (override the message's).
    pub body_parameters: Option<Vec<String>>,
}

/// A recipient refused before queueing, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    /// What was typed.
    pub phone_number: String,
    /// Why (invalid number, duplicate in the batch, blocked, opted out).
    pub reason: String,
}

/// The answer to a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BatchAccepted {
    /// The batch id for `GET /batches/{id}`.
    pub batch_id: String,
    /// Recipients queued.
    pub accepted: usize,
    /// Recipients refused.
    pub rejected: Vec<Rejected>,
    /// When sending starts.
    pub scheduled_at: DateTime<Utc>,
}

/// Validates the recipients and queues one item per accepted recipient.
///
/// # Errors
/// [`CoreError::Invalid`] for invalid content, no recipients or too many;
/// [`CoreError::Store`].
pub async fn enqueue_bulk(
    store: &dyn Store,
    clock: &dyn Clock,
    recipients: Vec<BulkRecipient>,
    content: OutboundContent,
    scheduled_at: Option<DateTime<Utc>>,
) -> Result<BatchAccepted, CoreError> {
    validate_content(&content)?;
    if recipients.is_empty() {
        return Err(CoreError::invalid(
            "invalid_request",
            "recipients",
            "recipients is empty",
        ));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(CoreError::invalid(
            "too_many_recipients",
            "recipients",
            format!(
                "{} recipients; at most {MAX_RECIPIENTS} per request",
                recipients.len()
            ),
        ));
    }
    let now = clock.now();
    let due = scheduled_at.unwrap_or(now);
    let batch_id = new_id();
    let mut seen = HashSet::new();
    let mut rejected = Vec::new();
    let mut candidates = Vec::new();
    for r in recipients {
        let key = match CustomerKey::parse(&r.input) {
            Ok(k) => k,
            Err(e) => {
                rejected.push(Rejected {
                    phone_number: r.input,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if !seen.insert(key.clone()) {
            rejected.push(Rejected {
                phone_number: r.input,
                reason: "duplicate in this batch".into(),
            });
            continue;
        }
        let item_content = match (&content, r.body_parameters) {
            (OutboundContent::Template { name, language, .. }, Some(params)) => {
                let c = OutboundContent::Template {
                    name: name.clone(),
                    language: language.clone(),
                    body_parameters: params,
                };
                if let Err(e) = validate_content(&c) {
                    rejected.push(Rejected {
                        phone_number: r.input,
                        reason: e.to_string(),
                    });
                    continue;
                }
                c
            }
            (c, _) => c.clone(),
        };
        candidates.push((r.input, key, item_content));
    }
    let bid = batch_id.clone();
    let (accepted, refused) = crate::ports::write(store, move |r| {
        let mut items = Vec::new();
        let mut refused = Vec::new();
        for (input, key, c) in candidates {
            if let Some(contact) = r.find_contact(&key)? {
                if contact.is_blocked {
                    refused.push(Rejected {
                        phone_number: input,
                        reason: "contact is blocked".into(),
                    });
                    continue;
                }
                if contact.marketing_opt_out {
                    refused.push(Rejected {
                        phone_number: input,
                        reason: "contact opted out of marketing messages".into(),
                    });
                    continue;
                }
            }
            items.push(NewQueueItem {
                id: new_id(),
                batch_id: Some(bid.clone()),
                recipient: key.to_string(),
                content: c,
                due_at: due,
                created_at: now,
            });
        }
        r.enqueue(&items)?;
        Ok((items.len(), refused))
    })
    .await?;
    rejected.extend(refused);
    Ok(BatchAccepted {
        batch_id,
        accepted,
        rejected,
        scheduled_at: due,
    })
}

/// Progress of a batch.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn batch(store: &dyn Store, batch_id: String) -> Result<BatchSummary, CoreError> {
    let id = batch_id.clone();
    crate::ports::read(store, move |r| r.batch_summary(&id))
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no batch {batch_id}")))
}

/// Most attempts for a retryable failure before the item fails for good.
pub const MAX_ATTEMPTS: i32 = 8;

/// Back-off before attempt `attempts + 1`: 2^attempts seconds, capped at 10 minutes, or
/// Meta's `Retry-After` when it gave one.
#[must_use]
pub fn backoff(attempts: i32, retry_after_secs: Option<u64>) -> Duration {
    if let Some(s) = retry_after_secs {
        return Duration::seconds(i64::try_from(s.min(3600)).unwrap_or(3600));
    }
    let exp = 1_i64 << attempts.clamp(0, 10);
    Duration::seconds(exp.min(600))
}

/// Sends one claimed queue item and records the outcome.
///
/// # Errors
/// [`StoreError`] when the outcome could not be recorded (the lease then expires and the item
/// is claimed again; the `biz_opaque_callback_data` reconciles a send that did go out).
pub async fn work_item(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    item: QueueItem,
) -> Result<QueueOutcome, StoreError> {
    // The item may come from a lapsed lease: the instance that claimed it before may have
    // handed it to Meta and died before recording the outcome. Never send it a second time.
    let qid = item.id.clone();
    let prior = crate::ports::read(store, move |r| r.latest_message_for_queue_item(&qid)).await?;
    let outcome = match prior {
        Some(m) if m.message_id.is_some() => Some(QueueOutcome::Sent { message_id: m.id }),
        Some(m) if m.status == MessageStatus::Pending => Some(QueueOutcome::Unknown {
            error: "an earlier attempt stopped before its outcome was recorded (its server \
                    stopped); not sent again, to never send twice. Meta's status webhooks \
                    complete the message if Meta accepted it"
                .into(),
            message_id: Some(m.id),
        }),
        // None, or an earlier attempt that failed: this is a (re)try.
        _ => None,
    };
    let outcome = match outcome {
        Some(o) => o,
        None => send_item(store, messenger, clock, &item).await?,
    };
    let now = clock.now();
    let (id, o) = (item.id.clone(), outcome.clone());
    crate::ports::write(store, move |r| r.finish_queue_item(&id, &o, now)).await?;
    Ok(outcome)
}

async fn send_item(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    item: &QueueItem,
) -> Result<QueueOutcome, StoreError> {
    Ok(match CustomerKey::parse(&item.recipient) {
        Err(e) => QueueOutcome::Failed {
            error: e.to_string(),
            code: None,
            message_id: None,
        },
        Ok(to) => {
            let cmd = SendCommand {
                to,
                content: item.content.clone(),
                reply_to: None,
                source: "bulk".into(),
                queue_id: Some(item.id.clone()),
            };
            match send(store, messenger, clock, cmd).await {
                Ok(m) => QueueOutcome::Sent { message_id: m.id },
                Err(CoreError::Send {
                    failure,
                    message_id,
                }) => classify(&failure, message_id, item.attempts, clock.now()),
                Err(CoreError::Store(e)) => return Err(e),
                Err(other) => QueueOutcome::Failed {
                    error: other.to_string(),
                    code: None,
                    message_id: None,
                },
            }
        }
    })
}

fn classify(
    failure: &SendFailure,
    message_id: Option<String>,
    attempts: i32,
    now: DateTime<Utc>,
) -> QueueOutcome {
    let err = failure.delivery_error();
    let text = failure.to_string();
    match failure {
        SendFailure::OutcomeUnknown(_) => QueueOutcome::Unknown {
            error: text,
            message_id,
        },
        SendFailure::Rejected {
            retry_after_secs, ..
        } if failure.class().is_retryable() && attempts + 1 < MAX_ATTEMPTS => QueueOutcome::Retry {
            retry_at: now + backoff(attempts, *retry_after_secs),
            error: text,
            code: err.code,
        },
        SendFailure::Unreachable(_) if attempts + 1 < MAX_ATTEMPTS => QueueOutcome::Retry {
            retry_at: now + backoff(attempts, None),
            error: text,
            code: None,
        },
        _ => QueueOutcome::Failed {
            error: text,
            code: err.code,
            message_id,
        },
    }
}
