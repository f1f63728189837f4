//! What a send writes: the outbound message row, the recipient's contact, and Meta's `wa_id`
//! joined to that contact.

use chrono::{DateTime, Utc};

use crate::contact::Contact;
use crate::events::CustomerRef;
use crate::message::{Direction, MessageStatus};
use crate::outbound::{MediaSource, OutboundContent};
use crate::phone::CustomerKey;
use crate::ports::{new_id, NewMessage, Repos, StoreError};
use crate::template::StoredTemplate;

/// What the message list shows for `content`: a template's body text with its parameters in
/// place when wacloud knows the template (from Meta's template webhooks), else
/// [`OutboundContent::summary`].
///
/// # Errors
/// [`StoreError`] reading the stored template.
pub(crate) fn shown_text(
    r: &mut dyn Repos,
    content: &OutboundContent,
) -> Result<String, StoreError> {
    let stored = match content {
        OutboundContent::Template { name, language, .. } => r.find_template(name, language)?,
        _ => None,
    };
    Ok(text_with(content, stored.as_ref()))
}

/// [`shown_text`] with the stored template already read (`None`: wacloud does not know it).
pub(crate) fn text_with(content: &OutboundContent, stored: Option<&StoredTemplate>) -> String {
    if let (
        OutboundContent::Template {
            body_parameters, ..
        },
        Some(t),
    ) = (content, stored)
    {
        if let Some(text) = t.body_text(body_parameters) {
            return text;
        }
    }
    content.summary()
}

/// The outbound message row for a send of `content` to `contact`, listed as `text`
/// ([`shown_text`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_outbound_row(
    id: &str,
    contact: &Contact,
    content: &OutboundContent,
    text: String,
    business_phone: Option<String>,
    reply_to: Option<String>,
    source: &str,
    queue_id: Option<String>,
    actor: (Option<String>, Option<String>),
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
        message_text: Some(text),
        status: MessageStatus::Pending,
        is_read: true,
        created_at: now,
        reply_to,
        is_forwarded: false,
        media: outbound_media(content),
        raw: None,
        error: None,
        // The contact is the customer on the number the send goes out from.
        phone_number_id: Some(contact.phone_number_id.clone()).filter(|p| !p.is_empty()),
        source: Some(source.to_owned()),
        queue_id,
        group_id: None,
        payload: serde_json::to_string(content).ok(),
        actor: actor.0,
        actor_name: actor.1,
    }
}

/// What the message list shows of an outbound media message's file, as inbound media is shown:
/// Meta's media `id` (from `POST /media`) or the `link` Meta fetched, and a document's
/// `filename`. `None` for other kinds.
fn outbound_media(content: &OutboundContent) -> Option<String> {
    let OutboundContent::Media {
        source, filename, ..
    } = content
    else {
        return None;
    };
    let mut m = serde_json::Map::new();
    match source {
        MediaSource::Id(id) => m.insert("id".into(), id.clone().into()),
        MediaSource::Link(link) => m.insert("link".into(), link.clone().into()),
    };
    if let Some(f) = filename {
        m.insert("filename".into(), f.clone().into());
    }
    Some(serde_json::Value::Object(m).to_string())
}

/// Finds the contact for `to` on business number `number`, or creates it there.
pub(crate) fn find_or_create_contact(
    r: &mut dyn Repos,
    number: Option<&str>,
    to: &CustomerKey,
    now: DateTime<Utc>,
) -> Result<Contact, StoreError> {
    match r.find_contact(number, to)? {
        Some(c) => Ok(c),
        None => r.insert_contact(
            &new_id(),
            &crate::usecases::contacts::key_ref(to, number),
            now,
        ),
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
        .find_contacts_by_wa_ids(&[(current.phone_number_id.clone(), wa_id.to_owned())])?
        .into_iter()
        .find(|c| c.id != contact_id);
    match holder {
        Some(other) if current.wa_id.is_none() => r.merge_contacts(contact_id, &other.id, now),
        Some(_) => Ok(()),
        None => {
            let who = CustomerRef {
                phone_number_id: Some(current.phone_number_id.clone()),
                wa_id: Some(wa_id.to_owned()),
                ..CustomerRef::default()
            };
            r.refresh_contact_identity(&current, &who, now)
        }
    }
}
