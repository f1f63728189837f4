//! Bulk sends through the durable queue.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::CoreError;
use crate::outbound::OutboundContent;
use crate::phone::CustomerKey;
use crate::ports::{new_id, Clock, Messenger, Store};
use crate::queue::{BatchCancelled, BatchItemOutcome, BatchQuery, BatchSummary, NewQueueItem};
use crate::usecases::send::{check_recipient, validate_content};

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejected {
    /// What was typed.
    pub phone_number: String,
    /// `invalid_phone_number`, `duplicate`, `blocked`, `opted_out`, `window_closed`,
    /// `invalid_template_parameter` or `template_mismatch`.
    pub code: &'static str,
    /// Why, in words.
    pub reason: String,
}

/// A bulk request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRequest {
    /// The recipients as typed.
    pub recipients: Vec<BulkRecipient>,
    /// The message for all of them.
    pub content: OutboundContent,
    /// Not before this time (default: now).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Send free-form content even to contacts without an open window.
    pub allow_outside_window: bool,
    /// The batch id to use (so an `Idempotency-Key` can name it); a new one when `None`.
    pub batch_id: Option<String>,
    /// Who sends it (recorded on its items and their messages).
    pub actor: Option<crate::auth::Actor>,
}

/// The answer to a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchAccepted {
    /// The batch id for `GET /batches/{id}`; `null` when no recipient was accepted.
    pub batch_id: Option<String>,
    /// Recipients queued.
    pub accepted: usize,
    /// Recipients refused.
    pub rejected: Vec<Rejected>,
    /// When sending starts.
    pub scheduled_at: DateTime<Utc>,
}

/// Validates the recipients and queues one item per accepted recipient, refusing (with a code and
/// a reason each) invalid numbers, duplicates in the request, blocked or opted-out contacts, and —
/// for free-form content — contacts whose customer service window is not open (unless
/// `allow_outside_window`).
///
/// # Errors
/// [`CoreError::Invalid`] for invalid content, no recipients or too many;
/// [`CoreError::Unprocessable`] for a stored template Meta would not send;
/// [`CoreError::Store`].
pub async fn enqueue_bulk(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    req: BulkRequest,
) -> Result<BatchAccepted, CoreError> {
    let BulkRequest {
        recipients,
        content,
        scheduled_at,
        allow_outside_window,
        batch_id,
        actor,
    } = req;
    let actor_tag = actor.as_ref().map(crate::auth::Actor::tag);
    let actor_name = actor.as_ref().and_then(|a| a.name().map(str::to_owned));
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
    let stored_template = match &content {
        OutboundContent::Template { name, language, .. } => {
            let (n, l) = (name.clone(), language.clone());
            let t = crate::ports::read(store, move |r| r.find_template(&n, &l)).await?;
            if let Some(t) = &t {
                if !t.sendable() {
                    return Err(CoreError::Unprocessable {
                        code: "template_not_sendable",
                        message: format!(
                            "template {n} ({l}) has status {}; Meta sends only approved templates",
                            t.status.as_deref().unwrap_or("unknown"),
                            n = t.name,
                            l = t.language
                        ),
                    });
                }
            }
            t.and_then(|t| t.components)
        }
        // A reaction answers one message of one conversation: never a bulk send.
        OutboundContent::Reaction { .. } => {
            return Err(CoreError::invalid(
                "invalid_request",
                "type",
                "a reaction answers one message; send it with POST /send",
            ))
        }
        _ => None,
    };
    let now = clock.now();
    if let Some(at) = scheduled_at {
        crate::usecases::queue::check_schedule(at, now)?;
    }
    let due = scheduled_at.unwrap_or(now).max(now);
    let batch_id = batch_id.unwrap_or_else(new_id);
    let mut seen = HashSet::new();
    let mut rejected = Vec::new();
    let mut candidates = Vec::new();
    for r in recipients {
        let key = match CustomerKey::parse(&r.input) {
            Ok(k) => k,
            Err(e) => {
                rejected.push(Rejected {
                    phone_number: r.input,
                    code: "invalid_phone_number",
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if !seen.insert(key.clone()) {
            rejected.push(Rejected {
                phone_number: r.input,
                code: "duplicate",
                reason: "duplicate in this batch".into(),
            });
            continue;
        }
        let item_content = match (&content, r.body_parameters) {
            (OutboundContent::Template { .. }, Some(params)) => {
                // This recipient's body; the header and buttons are the batch's.
                let mut c = content.clone();
                if let OutboundContent::Template {
                    body_parameters, ..
                } = &mut c
                {
                    *body_parameters = params;
                }
                if let Err(e) = validate_content(&c) {
                    rejected.push(Rejected {
                        phone_number: r.input,
                        code: "invalid_template_parameter",
                        reason: e.to_string(),
                    });
                    continue;
                }
                c
            }
            (c, _) => c.clone(),
        };
        if let Some(components) = stored_template.as_deref() {
            if let Err(why) = messenger.check_template(&item_content, components) {
                rejected.push(Rejected {
                    phone_number: r.input,
                    code: "template_mismatch",
                    reason: why,
                });
                continue;
            }
        }
        candidates.push((r.input, key, item_content));
    }
    let bid = batch_id.clone();
    let number = messenger.phone_number_id();
    let (accepted, refused) = crate::ports::write(store, move |r| {
        let mut items = Vec::new();
        let mut refused = Vec::new();
        for (input, key, c) in candidates {
            let contact = r.find_contact(number.as_deref(), &key)?;
            if let Some(contact) = &contact {
                if contact.is_blocked {
                    refused.push(Rejected {
                        phone_number: input,
                        code: "blocked",
                        reason: "contact is blocked".into(),
                    });
                    continue;
                }
                if contact.marketing_opt_out {
                    refused.push(Rejected {
                        phone_number: input,
                        code: "opted_out",
                        reason: "contact opted out of marketing messages".into(),
                    });
                    continue;
                }
            }
            if let Err(e) = check_recipient(contact.as_ref(), &key, &c, allow_outside_window, now) {
                refused.push(Rejected {
                    phone_number: input,
                    code: "window_closed",
                    reason: e.to_string(),
                });
                continue;
            }
            items.push(NewQueueItem {
                id: new_id(),
                batch_id: Some(bid.clone()),
                recipient: key.to_string(),
                content: c,
                due_at: due,
                created_at: now,
                allow_outside_window,
                source: "bulk".into(),
                retry_of: None,
                actor: actor_tag.clone(),
                actor_name: actor_name.clone(),
                phone_number_id: number.clone(),
            });
        }
        r.enqueue(&items)?;
        Ok((items.len(), refused))
    })
    .await?;
    rejected.extend(refused);
    Ok(BatchAccepted {
        batch_id: (accepted > 0).then_some(batch_id),
        accepted,
        rejected,
        scheduled_at: due,
    })
}

/// Progress of a batch and one page of its items.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn batch(
    store: &dyn Store,
    batch_id: String,
    q: BatchQuery,
) -> Result<BatchSummary, CoreError> {
    let id = batch_id.clone();
    crate::ports::read(store, move |r| r.batch_summary(&id, &q))
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no batch {batch_id}")))
}

/// Cancels what has not gone out of a batch: pending and scheduled items (and `unknown` ones,
/// which are then never resent). Items in flight finish.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn cancel_batch(
    store: &dyn Store,
    clock: &dyn Clock,
    batch_id: String,
) -> Result<BatchCancelled, CoreError> {
    let now = clock.now();
    let id = batch_id.clone();
    crate::ports::write(store, move |r| {
        r.cancel_batch(&id, "cancelled by the operator (batch)", now)
    })
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("no batch {batch_id}")))
}

/// A page of batches, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchList {
    /// Each batch's progress (counts per state, `finished`, `done`), without its items.
    pub batches: Vec<BatchSummary>,
    /// Give it as `before` for the next (older) page; `null` on the last page.
    pub next: Option<String>,
}

/// The newest batches before the batch `before`, newest first, each with its counts per state
/// (`GET /batches`). Reads only the batches of the page: the cost does not grow with history.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn list_batches(
    store: &dyn Store,
    before: Option<String>,
    limit: i64,
) -> Result<BatchList, CoreError> {
    let counts_only = BatchQuery {
        state: None,
        limit: 0,
        offset: 0,
    };
    Ok(crate::ports::read(store, move |r| {
        let ids = r.recent_batch_ids(before.as_deref(), limit + 1)?;
        let more = usize::try_from(limit).is_ok_and(|l| ids.len() > l);
        let mut batches = Vec::with_capacity(ids.len());
        for id in ids.iter().take(usize::try_from(limit).unwrap_or(0)) {
            if let Some(b) = r.batch_summary(id, &counts_only)? {
                batches.push(b);
            }
        }
        let next = more
            .then(|| batches.last().map(|b| b.batch_id.clone()))
            .flatten();
        Ok(BatchList { batches, next })
    })
    .await?)
}

/// One page of a batch's export: up to `limit` items after the item `after`, in the order they
/// were queued, each with what became of its message; `Ok(None)` when there is no such batch.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn export_page(
    store: &dyn Store,
    batch_id: String,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<BatchItemOutcome>, CoreError> {
    Ok(crate::ports::read(store, move |r| {
        r.batch_items_after(&batch_id, after.as_deref(), limit)
    })
    .await?)
}
