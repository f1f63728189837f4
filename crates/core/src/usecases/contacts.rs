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
    crate::ports::read(store, move |r| r.find_contact(None, &k))
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no contact {key}")))
}

/// Finds the contact `key` (on `key.number` when it names one, else the customer's oldest
/// contact on any number).
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn get_on(
    store: &dyn Store,
    key: crate::phone::ContactKey,
) -> Result<Contact, CoreError> {
    crate::ports::read(store, move |r| crate::usecases::inbox::contact(r, &key)).await?
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
    number: Option<String>,
    key: CustomerKey,
    update: ContactUpdate,
) -> Result<Contact, CoreError> {
    check_update(&update)?;
    let now = clock.now();
    Ok(crate::ports::write(store, move |r| {
        let id = match r.find_contact(number.as_deref(), &key)? {
            Some(c) => c.id,
            None => {
                r.insert_contact(&new_id(), &key_ref(&key, number.as_deref()), now)?
                    .id
            }
        };
        r.update_contact(&id, &update, now)
    })
    .await?)
}

/// The identity a contact key stands for, on business number `number` (`phone_number_id`).
#[must_use]
pub fn key_ref(key: &CustomerKey, number: Option<&str>) -> CustomerRef {
    let phone_number_id = number.map(str::to_owned);
    match key {
        CustomerKey::Phone(p) => CustomerRef {
            phone_number_id,
            phone_number: Some(p.as_e164().to_owned()),
            ..CustomerRef::default()
        },
        CustomerKey::UserId(u) => CustomerRef {
            phone_number_id,
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
    read_and_receipt(store, messenger, key, false).await
}

/// Shows the customer that an operator is typing (`POST /contacts/{phone}/typing`): Meta ties
/// its typing indicator to a read receipt for the message being answered, so this marks the
/// conversation read as [`mark_read`] does and sends the receipt for the customer's newest
/// message with the indicator — even when nothing was unread. Meta shows it until the next
/// message or for at most 25 seconds.
///
/// # Errors
/// [`CoreError::NotFound`] for no such contact, [`CoreError::Conflict`]
/// `no_inbound_message` when the customer never wrote (there is nothing to answer),
/// [`CoreError::Store`]. A failed receipt is reported in [`MarkedRead::receipt_error`].
pub async fn typing(
    store: &dyn Store,
    messenger: &dyn Messenger,
    key: CustomerKey,
) -> Result<MarkedRead, CoreError> {
    read_and_receipt(store, messenger, key, true).await
}

async fn read_and_receipt(
    store: &dyn Store,
    messenger: &dyn Messenger,
    key: CustomerKey,
    typing: bool,
) -> Result<MarkedRead, CoreError> {
    let k = key.clone();
    let number = messenger.phone_number_id();
    let (count, newest, contact) = crate::ports::write(store, move |r| {
        let Some(c) = r.find_contact(number.as_deref(), &k)? else {
            return Ok(None);
        };
        let (count, newest) = r.mark_contact_read(&c.id)?;
        let contact = r.get_contact(&c.id)?;
        Ok(contact.map(|c| (count, newest, c)))
    })
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("no contact {key}")))?;
    let receipt = match (newest, typing) {
        (Some(wamid), true) => Some(messenger.mark_read_typing(&wamid).await),
        (Some(wamid), false) if count > 0 => Some(messenger.mark_read(&wamid).await),
        (None, true) => {
            return Err(CoreError::Conflict {
                code: "no_inbound_message",
                message: format!(
                    "{key} has not written yet: the typing indicator answers a customer's message"
                ),
            })
        }
        _ => None,
    };
    Ok(MarkedRead {
        marked_read: count,
        contact,
        receipt_error: receipt.and_then(Result::err).map(|e| e.to_string()),
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
    number: Option<String>,
    contact: Option<CustomerKey>,
    direction: Option<Direction>,
    limit: i64,
    before: Option<(DateTime<Utc>, String)>,
) -> Result<MessagePage, CoreError> {
    let page = crate::ports::read(store, move |r| {
        let contact_id = match &contact {
            None => None,
            Some(k) => match r.find_contact(number.as_deref(), k)? {
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

/// Most rows one contact import may hold.
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// Rows applied per write transaction of an import: the writer serves webhooks in between.
const IMPORT_CHUNK: usize = 500;

/// One data row of a contact import, as read from the file (cells trimmed, not checked yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// The customer's phone number in international form (`+` optional) or a BSUID.
    pub phone: String,
    /// The display name; `None` or empty leaves the contact's name as it is.
    pub name: Option<String>,
    /// Tags to add (a contact's other tags stay).
    pub tags: Vec<String>,
}

/// A row an import refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRefusal {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// Why, e.g. `invalid phone number: …` or `the same contact as line 4`.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Contacts created.
    pub imported: u64,
    /// Existing contacts that got a new name or new tags.
    pub updated: u64,
    /// Rows whose contact already had that name and those tags.
    pub unchanged: u64,
    /// Rows refused, in file order; the other rows were applied all the same.
    pub refused: Vec<ImportRefusal>,
}

/// What one applied row did.
enum Outcome {
    Imported,
    Updated,
    Unchanged,
}

/// A checked row: its contact and the change it asks.
struct Checked {
    key: CustomerKey,
    name: Option<String>,
    tags: Vec<String>,
}

fn check_row(row: &ImportRow) -> Result<Checked, String> {
    let key = CustomerKey::parse(&row.phone).map_err(|e| format!("invalid phone number: {e}"))?;
    let name = row.name.clone().filter(|n| !n.is_empty());
    let mut tags: Vec<String> = Vec::new();
    for t in &row.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let update = ContactUpdate {
        display_name: name.clone(),
        tags: Some(tags.clone()),
        ..ContactUpdate::default()
    };
    check_update(&update).map_err(|e| e.to_string())?;
    Ok(Checked { key, name, tags })
}

/// Imports contacts (`POST /contacts/import`): each row creates its contact or gives an
/// existing one the row's name (when the row has one) and adds the row's tags to its own. A
/// bad row (unreadable number, a name or tag over its limit, more than [`MAX_TAGS`] tags once
/// added, the same contact as an earlier row) is refused with its line and never stops the
/// others; a row that would change nothing changes nothing, so importing the same file again
/// reports every row `unchanged`. Rows are applied [`IMPORT_CHUNK`] to a transaction.
///
/// # Errors
/// [`CoreError::Invalid`] when there are more than [`MAX_IMPORT_ROWS`] rows (nothing is
/// applied); [`CoreError::Store`] when a write fails (the chunks before it stay applied; the
/// same import again completes it).
pub async fn import(
    store: &dyn Store,
    clock: &dyn Clock,
    number: Option<String>,
    rows: Vec<ImportRow>,
) -> Result<ImportReport, CoreError> {
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(CoreError::invalid(
            "too_many_rows",
            "file",
            format!(
                "an import holds at most {MAX_IMPORT_ROWS} rows; this one has {}",
                rows.len()
            ),
        ));
    }
    let mut report = ImportReport::default();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut checked = Vec::with_capacity(rows.len());
    for row in &rows {
        match check_row(row) {
            Ok(c) => match seen.entry(c.key.to_string()) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    report.refused.push(ImportRefusal {
                        line: row.line,
                        reason: format!("the same contact as line {}", first.get()),
                    });
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(row.line);
                    checked.push((row.line, c));
                }
            },
            Err(reason) => report.refused.push(ImportRefusal {
                line: row.line,
                reason,
            }),
        }
    }
    let mut rest = checked.into_iter().peekable();
    while rest.peek().is_some() {
        let chunk: Vec<(u64, Checked)> = rest.by_ref().take(IMPORT_CHUNK).collect();
        let now = clock.now();
        let number = number.clone();
        let done = crate::ports::write(store, move |r| {
            let mut out = Vec::with_capacity(chunk.len());
            for (line, c) in chunk {
                let existing = r.find_contact(number.as_deref(), &c.key)?;
                let (id, created, name, tags) = match existing {
                    Some(e) => (e.id, false, e.display_name, e.tags),
                    None => {
                        let e =
                            r.insert_contact(&new_id(), &key_ref(&c.key, number.as_deref()), now)?;
                        (e.id, true, e.display_name, e.tags)
                    }
                };
                let new_name = c.name.filter(|n| name.as_deref() != Some(n.as_str()));
                let mut merged = tags.clone();
                merged.extend(c.tags.into_iter().filter(|t| !tags.contains(t)));
                if merged.len() > MAX_TAGS {
                    out.push(Err(ImportRefusal {
                        line,
                        reason: format!(
                            "the contact would carry {} tags; at most {MAX_TAGS}",
                            merged.len()
                        ),
                    }));
                    continue;
                }
                let new_tags = (merged.len() > tags.len()).then_some(merged);
                let changed = new_name.is_some() || new_tags.is_some();
                if changed {
                    let update = ContactUpdate {
                        display_name: new_name,
                        tags: new_tags,
                        ..ContactUpdate::default()
                    };
                    r.update_contact(&id, &update, now)?;
                }
                out.push(Ok(match (created, changed) {
                    (true, _) => Outcome::Imported,
                    (false, true) => Outcome::Updated,
                    (false, false) => Outcome::Unchanged,
                }));
            }
            Ok(out)
        })
        .await?;
        for d in done {
            match d {
                Ok(Outcome::Imported) => report.imported += 1,
                Ok(Outcome::Updated) => report.updated += 1,
                Ok(Outcome::Unchanged) => report.unchanged += 1,
                Err(refusal) => report.refused.push(refusal),
            }
        }
    }
    report.refused.sort_by_key(|r| r.line);
    Ok(report)
}

/// Finds messages by their text (`GET /messages?search=`): every word of `input` must match
/// (as a whole word, case and — on SQLite — diacritics aside), optionally one
/// contact's messages and one direction; one page, newest first, each with a snippet and where
/// the words are in it. On SQLite a message is found once the background indexer has reached it
/// (within about a second of being stored).
///
/// # Errors
/// [`CoreError::Invalid`] `invalid_search` ([`crate::search::terms`]), [`CoreError::Store`].
/// An unknown contact finds nothing.
pub async fn search(
    store: &dyn Store,
    input: &str,
    contact: Option<CustomerKey>,
    direction: Option<Direction>,
    limit: i64,
    before: Option<String>,
) -> Result<crate::search::SearchPage, CoreError> {
    let terms = crate::search::terms(input)?;
    Ok(crate::ports::read(store, move |r| {
        let contact_id = match contact {
            None => None,
            Some(k) => match r.find_contact(None, &k)? {
                Some(c) => Some(c.id),
                None => return Ok(crate::search::SearchPage::default()),
            },
        };
        r.search_messages(&crate::search::SearchQuery {
            terms,
            contact_id,
            direction,
            limit,
            before,
        })
    })
    .await?)
}

/// Messages the search index takes per write.
pub const SEARCH_INDEX_BATCH: i64 = 2000;

/// Brings the search index up to date, [`SEARCH_INDEX_BATCH`] messages per background write,
/// for at most `budget` writes; whether it caught up.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn index_for_search(store: &dyn Store, budget: usize) -> Result<bool, CoreError> {
    for _ in 0..budget {
        let looked =
            crate::ports::write_background(store, |r| r.index_for_search(SEARCH_INDEX_BATCH))
                .await?;
        if i64::try_from(looked).unwrap_or(i64::MAX) < SEARCH_INDEX_BATCH {
            return Ok(true);
        }
    }
    Ok(false)
}
