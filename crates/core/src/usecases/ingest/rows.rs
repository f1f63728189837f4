//! What the one-by-one path and the conversation-routing rules both write for an inbound
//! message: its contact and its row.

use chrono::{DateTime, Utc};

use crate::events::{CustomerRef, InboundEffect, InboundMessage};
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
        InboundEffect::Plain | InboundEffect::IdentityChange { .. } => m.reply_to.clone(),
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
