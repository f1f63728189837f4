//! Sending one message now: store it, hand it to Meta, record Meta's answer.

use crate::error::CoreError;
use crate::events::CustomerRef;
use crate::message::{Direction, Message, MessageStatus};
use crate::outbound::{OutboundContent, OutboundRequest, SendFailure, MAX_TEXT_CHARS};
use crate::phone::CustomerKey;
use crate::ports::{new_id, Clock, Messenger, NewMessage, Store, StoreError};
use crate::usecases::ingest::{preview, UNDELIVERABLE};

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
            if name.trim().is_empty() || name.len() > 512 {
                return Err(CoreError::invalid(
                    "invalid_template",
                    "template.name",
                    "template.name must be 1–512 characters",
                ));
            }
            if language.trim().is_empty() || language.len() > 16 {
                return Err(CoreError::invalid(
                    "invalid_template",
                    "template.language",
                    "template.language must be a language code such as en_US",
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

/// Sends one message now and returns it as stored.
///
/// The message is stored `pending` before Meta is called, with its wacloud id as
/// `biz_opaque_callback_data`, so a status webhook that beats Meta's response still finds it.
///
/// # Errors
/// - [`CoreError::Invalid`] for content over Meta's limits;
/// - [`CoreError::Unprocessable`] (`contact_blocked`) for a blocked contact;
/// - [`CoreError::Send`] when Meta refused (the message is stored `failed` with Meta's
///   error), could not be reached, or the outcome is unknown;
/// - [`CoreError::Store`] when the database failed.
pub async fn send(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    cmd: SendCommand,
) -> Result<Message, CoreError> {
    validate_content(&cmd.content)?;
    let now = clock.now();
    let id = new_id();
    let business_phone = messenger.business_phone();
    let (to, content, source, queue_id) = (
        cmd.to.clone(),
        cmd.content.clone(),
        cmd.source.clone(),
        cmd.queue_id.clone(),
    );
    let reply_to = cmd.reply_to.clone();
    let row_id = id.clone();
    let stored = crate::ports::write(store, move |r| {
        let contact = match r.find_contact(&to)? {
            Some(c) => c,
            None => r.insert_contact(&new_id(), &crate::usecases::contacts::key_ref(&to), now)?,
        };
        if contact.is_blocked {
            return Ok(Err(CoreError::Unprocessable {
                code: "contact_blocked",
                message: format!("{} is blocked; unblock the contact to send", contact.key()),
            }));
        }
        let summary = content.summary();
        r.insert_message(&NewMessage {
            id: row_id.clone(),
            message_id: None,
            contact_id: Some(contact.id.clone()),
            direction: Direction::Outbound,
            from_phone: business_phone,
            to_phone: contact.phone_number.clone(),
            user_id: contact.user_id.clone(),
            message_type: content.message_type().to_owned(),
            message_text: Some(summary.clone()),
            status: MessageStatus::Pending,
            is_read: true,
            created_at: now,
            reply_to,
            is_forwarded: false,
            media: None,
            raw: None,
            error: None,
            phone_number_id: None,
            source: Some(source),
            queue_id,
            group_id: None,
            payload: serde_json::to_string(&content).ok(),
        })?;
        let p = preview(Some(&summary), content.message_type());
        r.record_contact_message(&contact.id, now, Some(&p), Direction::Outbound, 0)?;
        Ok(Ok(contact.id))
    })
    .await?;
    let contact_id = stored?;

    let request = OutboundRequest {
        to: cmd.to,
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
fn link_wa_id(
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
