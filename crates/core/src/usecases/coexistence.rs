//! Coexistence with the WhatsApp Business app (issue 16): a number the business also uses
//! from the app. Meta shares the app's chat history (`history`) and address book
//! (`smb_app_state_sync`); the app's new messages arrive as echoes (`smb_message_echoes`, see
//! [`super::ingest`]).
//!
//! - [`apply_history`]: each chunk's messages become message rows of the thread's contact on
//!   the delivery's number (`source` = [`HISTORY_SOURCE`]), both directions (the business's
//!   messages outbound, with `history_context.status`), Meta's timestamps, inserted
//!   [`HISTORY_ROWS`] at a time and skipped when their `wamid` is stored. History is the past:
//!   read, never counted unread, never reopening a conversation, never opening the customer
//!   service window, never moving the thread's owner; a thread's newest message is shown on its
//!   contact only if newer than what it shows. The chunk's progress, or the business's refusal
//!   (`errors`), is kept on the number ([`crate::numbers::HistorySync`], `GET /numbers`).
//! - [`apply_saved_contact`]: the app's saved name becomes the contact's `saved_name`, apart
//!   from the WhatsApp profile name; the operator's name in wacloud (`display_name`) still wins
//!   where one is set. `remove` clears the saved name and keeps the contact and its history; a
//!   removal of a customer wacloud does not know creates nothing.

use chrono::{DateTime, Utc};

use crate::contact::preview;
use crate::events::{HistoryChunk, HistoryMessage, SavedContact};
use crate::message::{Direction, MessageStatus};
use crate::phone::PhoneNumber;
use crate::ports::{NewMessage, Repos, StoreError};
use crate::usecases::ingest::rows::{ensure_contact, inbound_row};

/// `source` of a message row imported from the WhatsApp Business app's history.
pub const HISTORY_SOURCE: &str = "history";

/// Rows inserted per statement group: a chunk may hold thousands of messages.
pub const HISTORY_ROWS: usize = 500;

/// The row of one history message for `contact_id`.
fn history_row(h: &HistoryMessage, contact_id: Option<String>) -> NewMessage {
    let m = &h.message;
    let mut row = inbound_row(m, contact_id);
    row.is_read = true;
    row.source = Some(HISTORY_SOURCE.to_owned());
    if h.from_business {
        row.direction = Direction::Outbound;
        row.from_phone = None;
        row.to_phone = PhoneNumber::e164_of_wa_id(m.customer.wa_id.as_deref());
        row.status = h.status.clone().unwrap_or(MessageStatus::Sent);
    }
    row
}

/// The newest message of a thread as it would show on the contact.
struct Newest {
    at: DateTime<Utc>,
    preview: String,
    direction: Direction,
}

/// Applies one chunk of history (see the module's text).
///
/// # Errors
/// [`StoreError`]; the delivery's transaction then rolls back.
pub(crate) fn apply_history(
    r: &mut dyn Repos,
    chunk: &HistoryChunk,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let error = chunk.error.as_ref().map(|e| {
        format!(
            "{} {}",
            e.code.map_or_else(String::new, |c| c.to_string()),
            e.title.as_deref().or(e.message.as_deref()).unwrap_or("")
        )
        .trim()
        .to_owned()
    });
    r.record_history_chunk(
        &chunk.phone_number_id,
        &chunk.progress,
        error.as_deref(),
        chunk.at,
    )?;
    let mut rows: Vec<NewMessage> = Vec::with_capacity(HISTORY_ROWS.min(chunk.messages.len()));
    // Messages come thread by thread: one contact lookup per thread.
    let mut current: Option<(&crate::events::CustomerRef, Option<String>)> = None;
    let mut newest: Vec<(String, Newest)> = Vec::new();
    for h in &chunk.messages {
        let who = &h.message.customer;
        let contact_id = match &current {
            Some((c, id)) if *c == who => id.clone(),
            _ => {
                let id = ensure_contact(r, who, now)?;
                current = Some((who, id.clone()));
                id
            }
        };
        if let Some(cid) = &contact_id {
            let m = &h.message;
            let seen = newest.iter_mut().find(|(c, _)| c == cid);
            if seen.as_ref().is_none_or(|(_, n)| n.at <= m.timestamp) {
                let n = Newest {
                    at: m.timestamp,
                    preview: preview(m.text.as_deref(), &m.message_type),
                    direction: if h.from_business {
                        Direction::Outbound
                    } else {
                        Direction::Inbound
                    },
                };
                match seen {
                    Some((_, old)) => *old = n,
                    None => newest.push((cid.clone(), n)),
                }
            }
        }
        rows.push(history_row(h, contact_id));
        if rows.len() == HISTORY_ROWS {
            r.insert_history_rows(&rows)?;
            rows.clear();
        }
    }
    if !rows.is_empty() {
        r.insert_history_rows(&rows)?;
    }
    for (cid, n) in newest {
        r.show_history_message(&cid, n.at, &n.preview, n.direction)?;
    }
    Ok(())
}

/// Applies a change of the app's address book (see the module's text).
///
/// # Errors
/// [`StoreError`].
pub(crate) fn apply_saved_contact(
    r: &mut dyn Repos,
    c: &SavedContact,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if c.removed {
        let Some(wa_id) = c.customer.wa_id.as_deref() else {
            return Ok(());
        };
        if let Ok(phone) = PhoneNumber::from_wa_id(wa_id) {
            let key = crate::phone::CustomerKey::Phone(phone);
            if let Some(found) = r.find_contact(Some(c.customer.number()), &key)? {
                r.set_saved_name(&found.id, None, c.at)?;
            }
        }
        return Ok(());
    }
    if let Some(id) = ensure_contact(r, &c.customer, now)? {
        r.set_saved_name(&id, c.name.as_deref(), c.at)?;
    }
    Ok(())
}
