//! Calls (issue 17): the `calls` webhooks folded into one log entry per call
//! ([`crate::calls::CallLog`]), the log of a contact, and the call permission request.
//!
//! - [`apply_call`] (ingest, one by one): the call's contact is found or created on the
//!   delivery's number; the stored entry, if any, takes the event ([`CallLog::apply`]); an event
//!   already applied writes nothing.
//! - [`request_permission`]: Meta's `interactive` `call_permission_request` goes out through the
//!   ordinary send ([`crate::usecases::send::send`]), so Meta's rule for a free-form request —
//!   only inside the customer service window, a template otherwise — is the window check every
//!   free-form send has; the contact's permission becomes `requested`. The customer's answer
//!   (`call_permission_reply`) arrives as a message, [`crate::events::InboundEffect::CallPermission`].

use chrono::{DateTime, Utc};

use crate::calls::{CallLog, CallPermission};
use crate::error::CoreError;
use crate::events::CallEvent;
use crate::message::Message;
use crate::outbound::{InteractiveAction, InteractiveContent, OutboundContent};
use crate::phone::ContactKey;
use crate::ports::{read, write, Clock, Messenger, Repos, Store, StoreError};
use crate::queue::SendingGate;
use crate::usecases::ingest::rows::ensure_contact;
use crate::usecases::send::{send, SendCommand};

/// The most calls one answer lists.
pub const MAX_CALLS: i64 = 200;

/// The text of a call permission request when the caller gives none.
pub const DEFAULT_PERMISSION_TEXT: &str = "May we call you on WhatsApp?";

/// Applies one call event (see the module's text).
///
/// # Errors
/// [`StoreError`].
pub(crate) fn apply_call(
    r: &mut dyn Repos,
    e: &CallEvent,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let contact_id = ensure_contact(r, &e.customer, now)?;
    let log = match r.get_call(&e.call_id)? {
        Some(stored) => {
            let mut next = stored.clone().apply(e);
            if next.contact_id.is_none() {
                next.contact_id = contact_id;
            }
            if next == stored {
                return Ok(()); // redelivered: nothing new
            }
            next
        }
        None => CallLog::new(e, contact_id),
    };
    r.put_call(&log, now)
}

/// The calls of the contact `key`, newest first, at most `limit` (1 to [`MAX_CALLS`]).
///
/// # Errors
/// [`CoreError::NotFound`] (no such contact), [`CoreError::Store`].
pub async fn list(
    store: &dyn Store,
    key: ContactKey,
    limit: i64,
) -> Result<Vec<CallLog>, CoreError> {
    let limit = limit.clamp(1, MAX_CALLS);
    read(store, move |r| {
        Ok(match crate::usecases::inbox::contact(r, &key)? {
            Ok(c) => Ok(r.calls_of(&c.id, limit)?),
            Err(e) => Err(e),
        })
    })
    .await?
}

/// Sends Meta's call permission request (`interactive` `call_permission_request` with `body`,
/// 1–1024 characters) to the contact `key` from `messenger`'s number and records the contact's
/// permission as `requested`. Returns the message sent and the permission as recorded.
///
/// # Errors
/// What [`send`] answers: [`CoreError::WindowClosed`] outside the customer service window
/// (Meta accepts a free-form request only inside it; send an approved template with a call
/// permission request component instead), [`CoreError::Invalid`] for the body,
/// [`CoreError::Send`] when Meta refused (e.g. more than one request a day or two a week to
/// one customer), [`CoreError::Store`].
pub async fn request_permission(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    gate: &SendingGate,
    key: ContactKey,
    body: Option<String>,
    actor: Option<crate::auth::Actor>,
) -> Result<(Message, CallPermission), CoreError> {
    let content = OutboundContent::Interactive(InteractiveContent {
        body: body.unwrap_or_else(|| DEFAULT_PERMISSION_TEXT.to_owned()),
        header: None,
        footer: None,
        action: InteractiveAction::CallPermissionRequest,
    });
    let mut cmd = SendCommand::new(key.customer.clone(), content, "api");
    cmd.actor = actor;
    let message = send(store, messenger, clock, gate, cmd).await?;
    // Whole seconds, as Meta times the reply: a reply in the same second is the newer.
    let now = clock.now();
    let at = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let permission = CallPermission {
        state: "requested".into(),
        at,
        expires_at: None,
    };
    if let Some(cid) = message.contact_id.clone() {
        let p = permission.clone();
        write(store, move |r| r.set_call_permission(&cid, &p)).await?;
    }
    Ok((message, permission))
}
