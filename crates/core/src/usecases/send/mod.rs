//! Sending one message now: store it, hand it to Meta, record Meta's answer.
//!
//! `checks` holds what is refused before anything is stored or sent (content over Meta's
//! limits, a blocked contact, a closed window, a template Meta would refuse); `rows` what a
//! send writes (the outbound message row, the contact, Meta's `wa_id`). Both are shared with
//! the queue.

mod checks;
pub mod kinds;
mod rows;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::contact::preview;
use crate::error::CoreError;
use crate::message::UNDELIVERABLE;
use crate::message::{Direction, Message, MessageStatus};
use crate::outbound::{FailureClass, OutboundContent, OutboundRequest, SendFailure};
use crate::phone::CustomerKey;
use crate::ports::{new_id, Clock, Messenger, Store, StoreError};
use crate::queue::{Pause, SendingGate};

pub use checks::{check_recipient, check_template, validate_content};
pub(crate) use rows::{
    find_or_create_contact, link_wa_id, new_outbound_row, shown_text, text_with,
};

/// A request to send one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendCommand {
    /// Recipient.
    pub to: CustomerKey,
    /// What to send.
    pub content: OutboundContent,
    /// `wamid` to quote.
    pub reply_to: Option<String>,
    /// `api`, `widget` or `bulk`.
    pub source: String,
    /// The queue item sending it, if any.
    pub queue_id: Option<String>,
    /// The wacloud id to store the message under (so an `Idempotency-Key` can name it before it
    /// exists); a new one when `None`.
    pub id: Option<String>,
    /// Send free-form content even though wacloud sees no open customer service window (for a
    /// window wacloud cannot see, e.g. the customer wrote through another system).
    pub allow_outside_window: bool,
    /// Who sends it (recorded on the message); `None` records nobody.
    pub actor: Option<crate::auth::Actor>,
}

impl SendCommand {
    /// A command with the defaults: no quote, no preset id, the window enforced.
    #[must_use]
    pub fn new(to: CustomerKey, content: OutboundContent, source: impl Into<String>) -> Self {
        Self {
            to,
            content,
            reply_to: None,
            source: source.into(),
            queue_id: None,
            id: None,
            allow_outside_window: false,
            actor: None,
        }
    }
}

/// What the use cases do about a failure beyond recording it: pause all sending on an
/// authentication error (190), hold the number (130429) or the recipient (131056) in the pacer.
pub(crate) fn react_to_failure(
    messenger: &dyn Messenger,
    gate: &SendingGate,
    to: &CustomerKey,
    failure: &SendFailure,
    wait: Duration,
    now: DateTime<Utc>,
) {
    match failure.class() {
        FailureClass::Authentication => {
            let err = failure.delivery_error();
            gate.pause(Pause {
                since: now,
                code: err.code,
                reason: err.message.clone().unwrap_or_else(|| failure.to_string()),
            });
        }
        c @ (FailureClass::RateLimited | FailureClass::PairRateLimited) => {
            messenger.back_off(to, c, wait);
        }
        _ => {}
    }
}

/// Sends one message now and returns it as stored.
///
/// The number's and the recipient's pacing come first; then the message is stored `pending`,
/// with its wacloud id as `biz_opaque_callback_data`, so a status webhook that beats Meta's
/// response still finds it; then Meta is called once (never retried here).
///
/// # Errors
/// - [`CoreError::Invalid`] for content over Meta's limits;
/// - [`CoreError::Paused`] while sending is paused (an access token Meta refused);
/// - [`CoreError::WindowClosed`] for free-form content without an open window (nothing stored);
/// - [`CoreError::Unprocessable`] for a blocked contact or a template Meta would refuse;
/// - [`CoreError::Send`] when Meta refused (the message is stored `failed` with Meta's
///   error), could not be reached, or the outcome is unknown;
/// - [`CoreError::Store`] when the database failed.
pub async fn send(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    gate: &SendingGate,
    cmd: SendCommand,
) -> Result<Message, CoreError> {
    validate_content(&cmd.content)?;
    if let Some(p) = gate.paused() {
        return Err(CoreError::Paused(p));
    }
    check_template(store, messenger, &cmd.content).await?;
    {
        // Refuse a closed window before waiting for a pacing slot.
        let to = cmd.to.clone();
        let number = messenger.phone_number_id();
        let content = cmd.content.clone();
        let (contact, owner) = crate::ports::read(store, move |r| {
            let c = r.find_contact(number.as_deref(), &to)?;
            let owner = crate::usecases::routing::check_send(r, c.as_ref(), &to, &content)?;
            Ok((c, owner))
        })
        .await?;
        check_recipient(
            contact.as_ref(),
            &cmd.to,
            &cmd.content,
            cmd.allow_outside_window,
            clock.now(),
        )?;
        owner?;
    }
    // A direct send never waits for the recipient's pair rate (Meta: one message every 6 s
    // after a burst): the caller hears at once when to try again, or can use the queue.
    if let Err(wait) = messenger.reserve_recipient(&cmd.to) {
        return Err(CoreError::RateLimited {
            code: "pair_rate_limited",
            message: format!(
                "{} got as many messages as Meta allows in a short time (its pair rate); try again in {} s, or queue it with scheduled_at / send-bulk, which wait for the slot",
                cmd.to,
                wait.as_secs_f64().ceil()
            ),
            retry_after: wait,
        });
    }
    messenger.until_number_ready().await;
    let now = clock.now();
    let id = cmd.id.clone().unwrap_or_else(new_id);
    let business_phone = messenger.business_phone();
    let (to, content, source, queue_id) = (
        cmd.to.clone(),
        cmd.content.clone(),
        cmd.source.clone(),
        cmd.queue_id.clone(),
    );
    let reply_to = cmd.reply_to.clone();
    let allow = cmd.allow_outside_window;
    let actor = cmd.actor.clone();
    let row_id = id.clone();
    let number = messenger.phone_number_id();
    let stored = crate::ports::write(store, move |r| {
        let existing = r.find_contact(number.as_deref(), &to)?;
        if let Err(e) = check_recipient(existing.as_ref(), &to, &content, allow, now) {
            return Ok(Err(e));
        }
        if let Err(e) = crate::usecases::routing::check_send(r, existing.as_ref(), &to, &content)? {
            return Ok(Err(e));
        }
        let contact = match existing {
            Some(c) => c,
            None => find_or_create_contact(r, number.as_deref(), &to, now)?,
        };
        let text = shown_text(r, &content)?;
        let p = preview(Some(&text), content.message_type());
        let row = new_outbound_row(
            &row_id,
            &contact,
            &content,
            text,
            business_phone,
            reply_to,
            &source,
            queue_id,
            (
                actor.as_ref().map(crate::auth::Actor::tag),
                actor.as_ref().and_then(|a| a.name().map(str::to_owned)),
            ),
            now,
        );
        if !r.insert_message(&row)? {
            return Ok(Err(CoreError::Conflict {
                code: "already_retried",
                message: format!(
                    "message {row_id} exists already (this was retried before): not sent again"
                ),
            }));
        }
        r.record_contact_message(&contact.id, now, Some(&p), Direction::Outbound, 0)?;
        let marketing = crate::usecases::templates::is_marketing(r, &content)?;
        Ok(Ok((contact.id, marketing)))
    })
    .await?;
    let (contact_id, marketing) = stored?;

    let request = OutboundRequest {
        to: cmd.to.clone(),
        content: cmd.content,
        reply_to: cmd.reply_to,
        callback_data: Some(id.clone()),
        marketing,
    };
    match messenger.send(&request).await {
        Ok(receipt) => {
            let now = clock.now();
            let msg_id = id.clone();
            // Our reaction shows on the message it answers, beside the customer's.
            let reacted = match &request.content {
                OutboundContent::Reaction { message_id, emoji } => Some((
                    message_id.clone(),
                    (!emoji.is_empty()).then(|| emoji.clone()),
                )),
                _ => None,
            };
            let message = crate::ports::write(store, move |r| {
                let m = r.attach_wamid(&msg_id, &receipt.wamid, now)?;
                if let Some((target, emoji)) = &reacted {
                    r.set_business_reaction(target, emoji.as_deref())?;
                }
                if let Some(wa_id) = receipt.wa_id.as_deref() {
                    link_wa_id(r, &contact_id, wa_id, now)?;
                    return r
                        .get_message(&msg_id)?
                        .ok_or_else(|| StoreError::NotFound(format!("message {msg_id} vanished")));
                }
                Ok(m)
            })
            .await?;
            Ok(message)
        }
        Err(failure) => {
            let wait = match &failure {
                SendFailure::Rejected {
                    retry_after_secs, ..
                } => messenger.retry_delay(1, retry_after_secs.map(Duration::from_secs)),
                _ => messenger.retry_delay(1, None),
            };
            react_to_failure(messenger, gate, &cmd.to, &failure, wait, clock.now());
            record_failure(store, clock, &id, &contact_id, &failure).await?;
            Err(CoreError::Send {
                failure: Box::new(failure),
                message_id: Some(id),
            })
        }
    }
}

async fn record_failure(
    store: &dyn Store,
    clock: &dyn Clock,
    id: &str,
    contact_id: &str,
    failure: &SendFailure,
) -> Result<(), StoreError> {
    let now = clock.now();
    let (id, contact_id, failure) = (id.to_owned(), contact_id.to_owned(), failure.clone());
    crate::ports::write(store, move |r| {
        match &failure {
            SendFailure::OutcomeUnknown(reason) => {
                r.note_message_error(&id, &format!("outcome unknown: {reason}"))?;
            }
            other => {
                let err = other.delivery_error();
                r.fail_message(&id, &err, now)?;
                if err.code == Some(UNDELIVERABLE) {
                    r.set_undeliverable(&contact_id, Some(now))?;
                }
            }
        }
        Ok(())
    })
    .await
}

/// Sends a failed outbound message again, now: a new attempt, stored as a new message with a new
/// `wamid` (the failed one stays as it was, with its reason), recorded as `actor`'s.
///
/// # Errors
/// [`CoreError::NotFound`]; [`CoreError::Conflict`] (`not_retryable`) for an inbound message or
/// one that did not fail; otherwise as [`send`].
pub async fn retry_message(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    gate: &SendingGate,
    id: String,
    allow_outside_window: bool,
    actor: Option<crate::auth::Actor>,
) -> Result<Message, CoreError> {
    let i = id.clone();
    let (message, payload) = crate::ports::read(store, move |r| {
        Ok((r.get_message(&i)?, r.outbound_payload(&i)?))
    })
    .await?;
    let message = message.ok_or_else(|| CoreError::NotFound(format!("no message {id}")))?;
    if message.direction != Direction::Outbound || message.status != MessageStatus::Failed {
        return Err(CoreError::Conflict {
            code: "not_retryable",
            message: format!(
                "message {id} is {} {}: only a failed outbound message can be retried",
                message.direction.as_str(),
                message.status
            ),
        });
    }
    let content: OutboundContent = payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .ok_or_else(|| CoreError::Conflict {
            code: "not_retryable",
            message: format!("message {id} was not sent by wacloud, so its content is not known"),
        })?;
    let to = message
        .to_phone
        .as_deref()
        .or(message.user_id.as_deref())
        .ok_or_else(|| CoreError::Conflict {
            code: "not_retryable",
            message: format!("message {id} has no recipient"),
        })
        .and_then(|k| {
            CustomerKey::parse(k).map_err(|e| {
                CoreError::invalid("invalid_phone_number", "phone_number", e.to_string())
            })
        })?;
    // One retry per failed message: its id is derived from this one.
    let again = crate::ports::retry_id(&id);
    let a = again.clone();
    if crate::ports::read(store, move |r| r.get_message(&a))
        .await?
        .is_some()
    {
        return Err(CoreError::Conflict {
            code: "already_retried",
            message: format!(
                "message {id} was retried already, as message {again}; retry that one if it failed"
            ),
        });
    }
    let cmd = SendCommand {
        reply_to: message.reply_to.clone(),
        allow_outside_window,
        id: Some(again),
        actor,
        ..SendCommand::new(to, content, "retry")
    };
    send(store, messenger, clock, gate, cmd).await
}
