//! Sending one message now: store it, hand it to Meta, record Meta's answer.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::contact::preview;
use crate::contact::Contact;
use crate::error::CoreError;
use crate::events::CustomerRef;
use crate::message::UNDELIVERABLE;
use crate::message::{Direction, Message, MessageStatus};
use crate::outbound::{
    FailureClass, OutboundContent, OutboundRequest, SendFailure, MAX_TEXT_CHARS,
};
use crate::phone::CustomerKey;
use crate::ports::{new_id, Clock, Messenger, NewMessage, Repos, Store, StoreError};
use crate::queue::{Pause, SendingGate};

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
        }
    }
}

/// Meta's template language codes: `en`, `fil`, `en_US`, `zh_HK` — two or three lowercase
/// letters, then optionally `_` and two to four uppercase letters or digits.
fn is_language_code(code: &str) -> bool {
    let (lang, region) = code.split_once('_').unwrap_or((code, ""));
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && (region.is_empty()
            || ((2..=4).contains(&region.len())
                && region
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())))
        && !code.ends_with('_')
}

/// Checks `content` against Meta's documented limits before anything is stored or sent.
///
/// # Errors
/// [`CoreError::Invalid`] naming the limit.
pub fn validate_content(content: &OutboundContent) -> Result<(), CoreError> {
    match content {
        OutboundContent::Text { body, .. } => {
            if body.trim().is_empty() {
                return Err(CoreError::invalid(
                    "empty_text",
                    "message_text",
                    "message_text is empty",
                ));
            }
            if body.contains('\0') {
                return Err(CoreError::invalid(
                    "invalid_text",
                    "message_text",
                    "message_text contains a NUL character, which WhatsApp cannot carry",
                ));
            }
            let n = body.chars().count();
            if n > MAX_TEXT_CHARS {
                return Err(CoreError::invalid(
                    "text_too_long",
                    "message_text",
                    format!(
                        "message_text has {n} characters; WhatsApp allows at most {MAX_TEXT_CHARS}"
                    ),
                ));
            }
        }
        OutboundContent::Template {
            name,
            language,
            body_parameters,
        } => {
            // Meta's rule for template names: lowercase letters, digits and underscores, at most
            // 512 characters.
            if name.is_empty()
                || name.len() > 512
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(CoreError::invalid(
                    "invalid_template",
                    "template.name",
                    "template.name must be 1–512 lowercase letters, digits or underscores, as Meta names templates (e.g. hello_world)",
                ));
            }
            if !is_language_code(language) {
                return Err(CoreError::invalid(
                    "invalid_template",
                    "template.language",
                    "template.language must be a language code such as en, en_US or pt_BR",
                ));
            }
            for (i, p) in body_parameters.iter().enumerate() {
                if p.contains('\n') || p.contains('\t') || p.contains('\0') || p.contains("     ") {
                    return Err(CoreError::invalid(
                        "invalid_template_parameter",
                        "template.body_parameters",
                        format!(
                            "template body parameter {} contains a newline, a tab or more than 4 consecutive spaces, which Meta refuses (error 132000-series)",
                            i + 1
                        ),
                    ));
                }
                if p.is_empty() {
                    return Err(CoreError::invalid(
                        "invalid_template_parameter",
                        "template.body_parameters",
                        format!("template body parameter {} is empty", i + 1),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Refuses content that cannot go to this contact now: a blocked contact, or free-form content
/// outside the customer service window (measured from Meta's timestamp of the customer's last
/// message) unless `allow_outside_window`. Templates are always allowed.
///
/// # Errors
/// [`CoreError::Unprocessable`] (`contact_blocked`), [`CoreError::WindowClosed`].
pub fn check_recipient(
    contact: Option<&Contact>,
    to: &CustomerKey,
    content: &OutboundContent,
    allow_outside_window: bool,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    if let Some(c) = contact {
        if c.is_blocked {
            return Err(CoreError::Unprocessable {
                code: "contact_blocked",
                message: format!("{} is blocked; unblock the contact to send", c.key()),
            });
        }
    }
    if content.needs_open_window() && !allow_outside_window {
        let last = contact.and_then(|c| c.last_inbound_at);
        let open = contact.is_some_and(|c| c.window(now).open);
        if !open {
            return Err(CoreError::WindowClosed {
                recipient: to.to_string(),
                last_inbound_at: last,
            });
        }
    }
    Ok(())
}

/// Checks a template message against the template as wacloud stored it (from Meta's template
/// webhooks): refused when Meta would refuse it — a template that is paused, disabled or not
/// approved, or a parameter count that does not match its variables (Meta's 132000). A template
/// wacloud does not know is left to Meta (132001 comes back as a Graph error).
///
/// # Errors
/// [`CoreError::Unprocessable`] (`template_not_sendable`, `template_mismatch`), [`CoreError::Store`].
pub async fn check_template(
    store: &dyn Store,
    messenger: &dyn Messenger,
    content: &OutboundContent,
) -> Result<(), CoreError> {
    let OutboundContent::Template { name, language, .. } = content else {
        return Ok(());
    };
    let (n, l) = (name.clone(), language.clone());
    let Some(t) = crate::ports::read(store, move |r| r.find_template(&n, &l)).await? else {
        return Ok(());
    };
    if !t.sendable() {
        return Err(CoreError::Unprocessable {
            code: "template_not_sendable",
            message: format!(
                "template {name} ({language}) has status {}; Meta sends only approved templates",
                t.status.as_deref().unwrap_or("unknown")
            ),
        });
    }
    if let Some(components) = t.components.as_deref() {
        messenger
            .check_template(content, components)
            .map_err(|why| CoreError::Unprocessable {
                code: "template_mismatch",
                message: format!("template {name} ({language}): {why}"),
            })?;
    }
    Ok(())
}

/// The outbound message row for a send of `content` to `contact`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_outbound_row(
    id: &str,
    contact: &Contact,
    content: &OutboundContent,
    business_phone: Option<String>,
    reply_to: Option<String>,
    source: &str,
    queue_id: Option<String>,
    now: DateTime<Utc>,
) -> NewMessage {
    NewMessage {
        id: id.to_owned(),
        message_id: None,
        contact_id: Some(contact.id.clone()),
        direction: Direction::Outbound,
        from_phone: business_phone,
        to_phone: contact.phone_number.clone(),
        user_id: contact.user_id.clone(),
        message_type: content.message_type().to_owned(),
        message_text: Some(content.summary()),
        status: MessageStatus::Pending,
        is_read: true,
        created_at: now,
        reply_to,
        is_forwarded: false,
        media: None,
        raw: None,
        error: None,
        phone_number_id: None,
        source: Some(source.to_owned()),
        queue_id,
        group_id: None,
        payload: serde_json::to_string(content).ok(),
    }
}

/// Finds the contact for `to`, or creates it.
pub(crate) fn find_or_create_contact(
    r: &mut dyn Repos,
    to: &CustomerKey,
    now: DateTime<Utc>,
) -> Result<Contact, StoreError> {
    match r.find_contact(to)? {
        Some(c) => Ok(c),
        None => r.insert_contact(&new_id(), &crate::usecases::contacts::key_ref(to), now),
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
        let contact = crate::ports::read(store, move |r| r.find_contact(&to)).await?;
        check_recipient(
            contact.as_ref(),
            &cmd.to,
            &cmd.content,
            cmd.allow_outside_window,
            clock.now(),
        )?;
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
    let row_id = id.clone();
    let stored = crate::ports::write(store, move |r| {
        let existing = r.find_contact(&to)?;
        if let Err(e) = check_recipient(existing.as_ref(), &to, &content, allow, now) {
            return Ok(Err(e));
        }
        let contact = match existing {
            Some(c) => c,
            None => find_or_create_contact(r, &to, now)?,
        };
        let row = new_outbound_row(
            &row_id,
            &contact,
            &content,
            business_phone,
            reply_to,
            &source,
            queue_id,
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
        let summary = content.summary();
        let p = preview(Some(&summary), content.message_type());
        r.record_contact_message(&contact.id, now, Some(&p), Direction::Outbound, 0)?;
        Ok(Ok(contact.id))
    })
    .await?;
    let contact_id = stored?;

    let request = OutboundRequest {
        to: cmd.to.clone(),
        content: cmd.content,
        reply_to: cmd.reply_to,
        callback_data: Some(id.clone()),
    };
    match messenger.send(&request).await {
        Ok(receipt) => {
            let now = clock.now();
            let msg_id = id.clone();
            let message = crate::ports::write(store, move |r| {
                let m = r.attach_wamid(&msg_id, &receipt.wamid, now)?;
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

/// Meta's `wa_id` for a number is the customer's identity. When it differs from the number typed
/// (Brazil's ninth digit, Argentina's `549`, Mexico's `521`) and another contact already holds it,
/// the typed contact is folded into that one, so both forms lead to one conversation.
pub(crate) fn link_wa_id(
    r: &mut dyn crate::ports::Repos,
    contact_id: &str,
    wa_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    let Some(current) = r.get_contact(contact_id)? else {
        return Ok(());
    };
    if current.wa_id.as_deref() == Some(wa_id) {
        return Ok(());
    }
    let holder = r
        .find_contacts_by_wa_ids(&[wa_id])?
        .into_iter()
        .find(|c| c.id != contact_id);
    match holder {
        Some(other) if current.wa_id.is_none() => r.merge_contacts(contact_id, &other.id, now),
        Some(_) => Ok(()),
        None => {
            let who = CustomerRef {
                wa_id: Some(wa_id.to_owned()),
                ..CustomerRef::default()
            };
            r.refresh_contact_identity(&current, &who, now)
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
/// `wamid` (the failed one stays as it was, with its reason).
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
        ..SendCommand::new(to, content, "retry")
    };
    send(store, messenger, clock, gate, cmd).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(name: &str, language: &str) -> OutboundContent {
        OutboundContent::Template {
            name: name.into(),
            language: language.into(),
            body_parameters: vec![],
        }
    }

    #[test]
    fn template_names_and_languages_follow_metas_rules() {
        for (n, l) in [
            ("hello_world", "en_US"),
            ("order_2", "en"),
            ("x", "fil"),
            ("a_b", "zh_HK"),
        ] {
            assert!(validate_content(&template(n, l)).is_ok(), "{n} {l}");
        }
        for (n, l) in [
            ("HELLO_WORLD", "en_US"),
            ("a\0", "en_US"),
            ("x\ny", "en_US"),
            ("<script>", "en_US"),
            ("", "en_US"),
            ("hello_world", "en US"),
            ("hello_world", "e"),
            ("hello_world", "en_US\n"),
            ("hello_world", "en_"),
            ("hello_world", "😀😀"),
        ] {
            assert!(
                matches!(
                    validate_content(&template(n, l)),
                    Err(CoreError::Invalid { .. })
                ),
                "{n:?} {l:?}"
            );
        }
    }
}
