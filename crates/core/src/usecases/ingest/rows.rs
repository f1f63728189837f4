//! What the one-by-one path and the conversation-routing rules both write for an inbound
//! message: its contact and its row.

use chrono::{DateTime, Utc};

use crate::events::{CustomerRef, InboundEffect, InboundMessage, OutboundEcho};
use crate::message::{is_notice, Direction, MessageStatus};
use crate::phone::PhoneNumber;
use crate::ports::{new_id, NewMessage, Repos, StoreError};

/// Finds or creates the contact for `who`, refreshing the identity fields Meta sent.
/// `None` when the event identifies nobody.
pub(crate) fn ensure_contact(
    r: &mut dyn Repos,
    who: &CustomerRef,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    if who.is_empty() {
        return Ok(None);
    }
    r.ensure_contact(&new_id(), who, now).map(Some)
}

/// The row of an inbound message.
pub(crate) fn inbound_row(m: &InboundMessage, contact_id: Option<String>) -> NewMessage {
    let reply_to = match &m.effect {
        InboundEffect::Plain
        | InboundEffect::IdentityChange { .. }
        | InboundEffect::CallPermission { .. } => m.reply_to.clone(),
        InboundEffect::Reaction { target, .. }
        | InboundEffect::Edit { target, .. }
        | InboundEffect::Revoke { target } => Some(target.clone()),
    };
    NewMessage {
        id: new_id(),
        message_id: Some(m.wamid.clone()),
        contact_id,
        direction: Direction::Inbound,
        from_phone: PhoneNumber::e164_of_wa_id(m.customer.wa_id.as_deref()),
        to_phone: None,
        user_id: m.customer.user_id.clone(),
        message_type: m.message_type.clone(),
        message_text: m.text.clone(),
        status: MessageStatus::Received,
        // A group's message belongs to no contact's conversation, so nothing could mark it
        // read: counted unread it would stay in `/stats` for ever.
        is_read: !matches!(m.effect, InboundEffect::Plain)
            || is_notice(&m.message_type)
            || m.group_id.is_some(),
        created_at: m.timestamp,
        reply_to,
        is_forwarded: m.is_forwarded,
        media: m.media.as_ref().map(ToString::to_string),
        raw: Some(m.raw.clone()),
        error: m.error.clone(),
        phone_number_id: Some(m.phone_number_id.clone()),
        source: None,
        queue_id: None,
        group_id: m.group_id.clone(),
        payload: None,
        actor: None,
        actor_name: None,
    }
}

/// The row of a message the business sent from elsewhere (an echo: the Business app, or the
/// owning responder on `standby`), stored with `source`.
pub(crate) fn echo_row(e: &OutboundEcho, contact_id: Option<String>, source: &str) -> NewMessage {
    NewMessage {
        id: new_id(),
        message_id: Some(e.wamid.clone()),
        contact_id: contact_id.clone(),
        direction: Direction::Outbound,
        from_phone: None,
        to_phone: PhoneNumber::e164_of_wa_id(e.customer.wa_id.as_deref()),
        user_id: e.customer.user_id.clone(),
        message_type: e.message_type.clone(),
        message_text: e.text.clone(),
        status: MessageStatus::Sent,
        is_read: true,
        created_at: e.timestamp,
        reply_to: None,
        is_forwarded: false,
        media: None,
        raw: Some(e.raw.clone()),
        error: None,
        phone_number_id: Some(e.phone_number_id.clone()),
        source: Some(source.to_owned()),
        queue_id: None,
        group_id: None,
        payload: None,
        actor: None,
        actor_name: None,
    }
}

/// What an inbound message does besides being stored: a reaction, an edit, a revocation, or
/// (Meta's notice) a new identity for `contact_id`.
pub(crate) fn apply_effect(
    r: &mut dyn Repos,
    m: &InboundMessage,
    contact_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match &m.effect {
        InboundEffect::Plain => {}
        InboundEffect::Reaction { target, emoji } => {
            r.set_reaction(target, emoji.as_deref().filter(|e| !e.is_empty()))?;
        }
        InboundEffect::Edit { target, text } => {
            r.edit_message(target, text.as_deref(), m.timestamp)?;
        }
        InboundEffect::Revoke { target } => {
            r.revoke_message(target, m.timestamp)?;
        }
        InboundEffect::CallPermission {
            response,
            expires_at,
        } => {
            if let Some(id) = contact_id {
                let p = crate::calls::CallPermission {
                    state: response.clone(),
                    at: m.timestamp,
                    expires_at: *expires_at,
                };
                r.set_call_permission(id, &p)?;
            }
        }
        InboundEffect::IdentityChange {
            wa_id,
            user_id,
            parent_user_id,
        } => {
            if let Some(id) = contact_id {
                r.change_contact_identity(
                    id,
                    wa_id.as_deref(),
                    user_id.as_deref(),
                    parent_user_id.as_deref(),
                    now,
                )?;
            }
        }
    }
    Ok(())
}
