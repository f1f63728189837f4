//! Queue items as the API manages them: one item, cancelling it, retrying it, and queueing one
//! message for later.

use chrono::{DateTime, Utc};

use super::work::recipient;
use crate::error::CoreError;
use crate::ports::{new_id, read, write, Clock, Messenger, Store, StoreError};
use crate::queue::{NewQueueItem, QueueItemView, QueueOutcome, QueueState};
use crate::usecases::send::{check_recipient, check_template, validate_content, SendCommand};

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
    let number = messenger.phone_number_id();
    write(store, move |r| {
        let contact = r.find_contact(number.as_deref(), &cmd.to)?;
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
            actor: cmd.actor.as_ref().map(crate::auth::Actor::tag),
            actor_name: cmd.actor.as_ref().and_then(|a| a.name().map(str::to_owned)),
            phone_number_id: number.clone(),
        }])?;
        Ok(Ok(r.queue_item_view(&id)?))
    })
    .await??
    .ok_or_else(|| CoreError::Store(StoreError::Internal("queued item not found".into())))
}
