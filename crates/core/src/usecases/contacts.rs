//! Contacts and conversations: list, update, mark read, history.

use chrono::{DateTime, Utc};

use crate::contact::{Contact, ContactList, ContactQuery, ContactUpdate};
use crate::error::CoreError;
use crate::events::CustomerRef;
use crate::message::{Direction, Message};
use crate::phone::CustomerKey;
use crate::ports::{new_id, Clock, MessageQuery, Messenger, Store};

/// Most tags a contact may carry.
pub const MAX_TAGS: usize = 32;

/// Lists contacts, pinned first, then newest conversation first.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn list(store: &dyn Store, q: ContactQuery) -> Result<ContactList, CoreError> {
    Ok(crate::ports::read(store, move |r| r.list_contacts(&q)).await?)
}

/// One page of an export of every contact (not merged into another): up to `limit` after the
/// id `after`, in id order; fewer than `limit` means the last page.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn export_page(
    store: &dyn Store,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<Contact>, CoreError> {
    Ok(crate::ports::read(store, move |r| r.contacts_after(after.as_deref(), limit)).await?)
}

/// Finds a contact.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn get(store: &dyn Store, key: CustomerKey) -> Result<Contact, CoreError> {
    let k = key.clone();
    crate::ports::read(store, move |r| r.find_contact(&k))
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no contact {key}")))
}

fn check_update(u: &ContactUpdate) -> Result<(), CoreError> {
    let nul = |s: &Option<String>| s.as_deref().is_some_and(|v| v.contains('\0'));
    if nul(&u.display_name)
        || nul(&u.business_name)
        || u.tags
            .as_ref()
            .is_some_and(|t| t.iter().any(|x| x.contains('\0')))
    {
        return Err(CoreError::invalid(
            "invalid_request",
            "display_name",
            "names and tags must not contain NUL characters",
        ));
    }
    if let Some(n) = &u.display_name {
        if n.chars().count() > 256 {
            return Err(CoreError::invalid(
                "invalid_request",
                "display_name",
                "display_name is longer than 256 characters",
            ));
        }
    }
    if let Some(n) = &u.business_name {
        if n.chars().count() > 256 {
            return Err(CoreError::invalid(
                "invalid_request",
                "business_name",
                "business_name is longer than 256 characters",
            ));
        }
    }
    if let Some(tags) = &u.tags {
        if tags.len() > MAX_TAGS {
            return Err(CoreError::invalid(
                "invalid_request",
                "tags",
                format!("a contact can carry at most {MAX_TAGS} tags"),
            ));
        }
        if let Some(bad) = tags
            .iter()
            .find(|t| t.trim().is_empty() || t.chars().count() > 64)
        {
            return Err(CoreError::invalid(
                "invalid_request",
                "tags",
                format!("tag {bad:?} must be 1–64 characters"),
            ));
        }
    }
    Ok(())
}

/// Applies an operator's change to a contact, creating the contact if it does not exist.
///
/// # Errors
/// [`CoreError::Invalid`] for over-long names or bad tags, [`CoreError::Store`].
pub async fn update(
    store: &dyn Store,
    clock: &dyn Clock,
    key: CustomerKey,
    update: ContactUpdate,
) -> Result<Contact, CoreError> {
    check_update(&update)?;
    let now = clock.now();
    Ok(crate::ports::write(store, move |r| {
        let id = match r.find_contact(&key)? {
            Some(c) => c.id,
            None => r.insert_contact(&new_id(), &key_ref(&key), now)?.id,
        };
        r.update_contact(&id, &update, now)
    })
    .await?)
}

/// The identity a contact key stands for.
#[must_use]
pub fn key_ref(key: &CustomerKey) -> CustomerRef {
    match key {
        CustomerKey::Phone(p) => CustomerRef {
            phone_number: Some(p.as_e164().to_owned()),
            ..CustomerRef::default()
        },
        CustomerKey::UserId(u) => CustomerRef {
            user_id: Some(u.clone()),
            ..CustomerRef::default()
        },
    }
}

/// Result of marking a conversation read.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkedRead {
    /// Messages that were unread.
    pub marked_read: i64,
    /// The contact after the change.
    pub contact: Contact,
    /// Why the read receipt to Meta failed, if it did (the local change stands).
    pub receipt_error: Option<String>,
}

/// Marks every inbound message of a contact read and sends Meta a read receipt for the newest.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`]. A failed receipt is reported in
/// [`MarkedRead::receipt_error`], not as an error.
pub async fn mark_read(
    store: &dyn Store,
    messenger: &dyn Messenger,
    key: CustomerKey,
) -> Result<MarkedRead, CoreError> {
    let k = key.clone();
    let (count, newest, contact) = crate::ports::write(store, move |r| {
        let Some(c) = r.find_contact(&k)? else {
            return Ok(None);
        };
        let (count, newest) = r.mark_contact_read(&c.id)?;
        let contact = r.get_contact(&c.id)?;
        Ok(contact.map(|c| (count, newest, c)))
    })
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("no contact {key}")))?;
    let receipt_error = match newest {
        Some(wamid) if count > 0 => messenger
            .mark_read(&wamid)
            .await
            .err()
            .map(|e| e.to_string()),
        _ => None,
    };
    Ok(MarkedRead {
        marked_read: count,
        contact,
        receipt_error,
    })
}

/// A page of history.
#[derive(Debug, Clone, PartialEq)]
pub struct MessagePage {
    /// Newest first.
    pub messages: Vec<Message>,
    /// Whether older messages exist.
    pub has_more: bool,
}

/// Message history, newest first, optionally for one contact and direction, before a cursor.
///
/// # Errors
/// [`CoreError::Store`]. An unknown contact has an empty history.
pub async fn history(
    store: &dyn Store,
    contact: Option<CustomerKey>,
    direction: Option<Direction>,
    limit: i64,
    before: Option<(DateTime<Utc>, String)>,
) -> Result<MessagePage, CoreError> {
    let page = crate::ports::read(store, move |r| {
        let contact_id = match &contact {
            None => None,
            Some(k) => match r.find_contact(k)? {
                Some(c) => Some(c.id),
                None => return Ok(None),
            },
        };
        let q = MessageQuery {
            contact_id,
            direction,
            limit,
            before,
        };
        r.list_messages(&q).map(Some)
    })
    .await?;
    match page {
        Some((messages, has_more)) => Ok(MessagePage { messages, has_more }),
        None => Ok(MessagePage {
            messages: Vec::new(),
            has_more: false,
        }),
    }
}
