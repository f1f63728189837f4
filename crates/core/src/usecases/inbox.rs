//! The team inbox (issue 19): a conversation's status and assignee, its private notes and
//! timeline, canned replies, and what a customer's message does to a conversation.
//!
//! Every change is written in one transaction with its timeline entry and its audit trail
//! entry, and announced on the change feed (the contact, and its conversation).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::{Actor, AuditEntry};
use crate::canned::{check_content, check_short_code, CannedReply};
use crate::contact::{Contact, ContactList, ContactQuery};
use crate::conversation::{
    check_assignment, check_note, mentions, Assignee, Conversation, ConversationStatus,
    TimelineEntry, TimelineKind,
};
use crate::error::CoreError;
use crate::phone::ContactKey;
use crate::ports::{new_id, read, write, Repos, Store, StoreError};

/// Who makes a change, from where, and when: what the timeline and the audit trail record.
#[derive(Debug, Clone)]
pub struct Change {
    /// Who.
    pub actor: Actor,
    /// The client's address.
    pub address: Option<String>,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
    /// When.
    pub now: DateTime<Utc>,
}

impl Change {
    pub(crate) fn audit(
        &self,
        action: &str,
        target: &str,
        details: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            id: new_id(),
            at: self.now,
            actor: self.actor.tag(),
            actor_name: self.actor.name().map(str::to_owned),
            action: action.to_owned(),
            target: Some(target.to_owned()),
            address: self.address.clone(),
            user_agent: self.user_agent.clone(),
            details: Some(details),
        }
    }

    fn entry(&self, contact_id: &str, kind: TimelineKind) -> TimelineEntry {
        entry(contact_id, kind, &self.actor, self.now)
    }
}

fn entry(contact_id: &str, kind: TimelineKind, actor: &Actor, now: DateTime<Utc>) -> TimelineEntry {
    TimelineEntry {
        id: new_id(),
        contact_id: contact_id.to_owned(),
        kind,
        at: now,
        actor: actor.tag(),
        actor_name: actor.name().map(str::to_owned),
        body: None,
        mentions: Vec::new(),
        details: None,
    }
}

fn status_details(from: &Conversation, to: &Conversation) -> serde_json::Value {
    json!({
        "from": from.status,
        "to": to.status,
        "snoozed_until": to.snoozed_until,
    })
}

/// The stored conversation of `contact_id` (open and unassigned when none is), as it reads at
/// `now`.
fn current(
    r: &mut dyn Repos,
    contact_id: &str,
    now: DateTime<Utc>,
) -> Result<Conversation, StoreError> {
    Ok(r.conversations_of(&[contact_id.to_owned()])?
        .pop()
        .unwrap_or_else(|| Conversation::new(contact_id))
        .effective(now))
}

/// The contact `key` names, or [`CoreError::NotFound`].
pub(crate) fn contact(
    r: &mut dyn Repos,
    key: &ContactKey,
) -> Result<Result<Contact, CoreError>, StoreError> {
    Ok(r.find_contact(key.number.as_deref(), &key.customer)?
        .ok_or_else(|| CoreError::NotFound(format!("no contact {key}"))))
}

/// What new customer messages do to these contacts' conversations (inside the ingest
/// transaction): each pending, snoozed or resolved one opens again, with a `status_changed`
/// entry by `customer` in its timeline.
///
/// # Errors
/// [`StoreError`]; the caller's transaction then rolls back.
pub(crate) fn customers_wrote(
    r: &mut dyn Repos,
    contact_ids: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if contact_ids.is_empty() {
        return Ok(());
    }
    for c in r.conversations_not_open(contact_ids)? {
        if let Some(open) = c.reopen_on_customer_message(now) {
            r.put_conversation(&open)?;
            let mut e = entry(
                &c.contact_id,
                TimelineKind::StatusChanged,
                &Actor::Customer,
                now,
            );
            e.details = Some(status_details(&c, &open));
            r.insert_timeline_entry(&e)?;
        }
    }
    Ok(())
}

/// A page of contacts (see [`crate::usecases::contacts::list`]) with their conversations as
/// they read at `now`, by contact id (every contact of the page has one).
///
/// # Errors
/// [`CoreError::Store`].
pub async fn list(
    store: &dyn Store,
    q: ContactQuery,
    now: DateTime<Utc>,
) -> Result<(ContactList, HashMap<String, Conversation>), CoreError> {
    Ok(read(store, move |r| {
        let list = r.list_contacts(&q)?;
        let ids: Vec<String> = list.contacts.iter().map(|c| c.id.clone()).collect();
        let mut by_id: HashMap<String, Conversation> = r
            .conversations_of(&ids)?
            .into_iter()
            .map(|c| (c.contact_id.clone(), c.effective(now)))
            .collect();
        for id in ids {
            by_id
                .entry(id.clone())
                .or_insert_with(|| Conversation::new(&id));
        }
        Ok((list, by_id))
    })
    .await?)
}

/// A contact's conversation as it reads at `now`.
///
/// # Errors
/// [`CoreError::NotFound`] (no such contact), [`CoreError::Store`].
pub async fn conversation(
    store: &dyn Store,
    key: ContactKey,
    now: DateTime<Utc>,
) -> Result<Conversation, CoreError> {
    read(store, move |r| {
        Ok(match contact(r, &key)? {
            Ok(c) => Ok(current(r, &c.id, now)?),
            Err(e) => Err(e),
        })
    })
    .await?
}

/// Sets a conversation's status (with `snoozed_until` for `snoozed`). Setting the status it has
/// changes nothing and records nothing.
///
/// # Errors
/// 400 `invalid_snooze` ([`Conversation::with_status`]), [`CoreError::NotFound`],
/// [`CoreError::Store`].
pub async fn set_status(
    store: &dyn Store,
    key: ContactKey,
    to: ConversationStatus,
    until: Option<DateTime<Utc>>,
    who: Change,
) -> Result<Conversation, CoreError> {
    write(store, move |r| {
        let c = match contact(r, &key)? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let old = current(r, &c.id, who.now)?;
        let new = match old.with_status(to, until, &who.actor, who.now) {
            Ok(Some(new)) => new,
            Ok(None) => return Ok(Ok(old)),
            Err(e) => return Ok(Err(e)),
        };
        r.put_conversation(&new)?;
        if new.status == ConversationStatus::Resolved && old.status != ConversationStatus::Resolved
        {
            crate::usecases::subscriptions::conversation_resolved(
                r,
                &c.id,
                &who.actor.tag(),
                who.now,
            )?;
        }
        let details = status_details(&old, &new);
        let mut e = who.entry(&c.id, TimelineKind::StatusChanged);
        e.details = Some(details.clone());
        r.insert_timeline_entry(&e)?;
        r.insert_audit(&who.audit("conversation_status_changed", &c.id, details))?;
        Ok(Ok(new))
    })
    .await?
}

/// Assigns a conversation to an active operator, or unassigns it (`to: None`), as
/// [`check_assignment`] allows. Giving it to whoever has it changes nothing.
///
/// # Errors
/// 400 `invalid_assignee` (no active operator has the id), 403 `assigned_to_other`,
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn assign(
    store: &dyn Store,
    key: ContactKey,
    to: Option<String>,
    who: Change,
) -> Result<Conversation, CoreError> {
    write(store, move |r| {
        let c = match contact(r, &key)? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let old = current(r, &c.id, who.now)?;
        let assignee = match &to {
            None => None,
            Some(id) => match r.get_operator(id)? {
                Some(op) if op.is_active => Some(Assignee {
                    id: op.id,
                    display_name: op.display_name,
                }),
                _ => {
                    return Ok(Err(CoreError::invalid(
                        "invalid_assignee",
                        "assignee_id",
                        "assignee_id: no active operator has this id",
                    )))
                }
            },
        };
        if let Err(e) = check_assignment(&who.actor, old.assignee.as_ref(), to.as_deref()) {
            return Ok(Err(e));
        }
        if old.assignee.as_ref().map(|a| &a.id) == to.as_ref() {
            return Ok(Ok(old));
        }
        let new = Conversation {
            assignee,
            updated_at: Some(who.now),
            updated_by: Some(who.actor.tag()),
            ..old.clone()
        };
        r.put_conversation(&new)?;
        crate::usecases::subscriptions::conversation_assigned(
            r,
            &c.id,
            new.assignee.as_ref().map(|a| a.id.as_str()),
            &who.actor.tag(),
            who.now,
        )?;
        let details = json!({ "from": old.assignee, "to": new.assignee });
        let mut e = who.entry(&c.id, TimelineKind::AssigneeChanged);
        e.details = Some(details.clone());
        r.insert_timeline_entry(&e)?;
        r.insert_audit(&who.audit("conversation_assigned", &c.id, details))?;
        Ok(Ok(new))
    })
    .await?
}

/// Adds a private note to a conversation (never sent to WhatsApp), with the operators it
/// mentions ([`mentions`]).
///
/// # Errors
/// 400 `invalid_note`, [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn add_note(
    store: &dyn Store,
    key: ContactKey,
    body: &str,
    who: Change,
) -> Result<TimelineEntry, CoreError> {
    let body = check_note(body)?;
    write(store, move |r| {
        let c = match contact(r, &key)? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let mut e = who.entry(&c.id, TimelineKind::Note);
        e.mentions = mentions(&body, &r.list_operators()?);
        e.body = Some(body);
        r.insert_timeline_entry(&e)?;
        let ids: Vec<&str> = e.mentions.iter().map(|m| m.id.as_str()).collect();
        r.insert_audit(&who.audit(
            "note_added",
            &c.id,
            json!({ "note": e.id, "mentions": ids }),
        ))?;
        Ok(Ok(e))
    })
    .await?
}

/// A conversation's timeline (notes, status changes, assignments), newest first: at most
/// `limit` entries of `kind` (all kinds when `None`) older than the entry `before`.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn timeline(
    store: &dyn Store,
    key: ContactKey,
    kind: Option<TimelineKind>,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<TimelineEntry>, CoreError> {
    read(store, move |r| {
        Ok(match contact(r, &key)? {
            Ok(c) => Ok(r.list_timeline(&c.id, kind, before.as_deref(), limit)?),
            Err(e) => Err(e),
        })
    })
    .await?
}

/// Every canned reply, by `short_code`.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn canned_replies(store: &dyn Store) -> Result<Vec<CannedReply>, CoreError> {
    Ok(read(store, |r| r.list_canned_replies()).await?)
}

/// Adds a canned reply (`id: None`) or changes one.
///
/// # Errors
/// 400 `invalid_short_code`, `invalid_content`, `unknown_placeholder`; 409
/// `short_code_taken`; [`CoreError::NotFound`] (no reply with `id`); [`CoreError::Store`].
pub async fn put_canned_reply(
    store: &dyn Store,
    id: Option<String>,
    short_code: &str,
    content: &str,
    who: Change,
) -> Result<CannedReply, CoreError> {
    let short_code = check_short_code(short_code)?;
    let content = check_content(content)?;
    write(store, move |r| {
        let (reply, action) = match id {
            Some(id) => match r.get_canned_reply(&id)? {
                Some(old) => (
                    CannedReply {
                        short_code,
                        content,
                        updated_at: who.now,
                        updated_by: who.actor.tag(),
                        ..old
                    },
                    "canned_reply_changed",
                ),
                None => return Ok(Err(CoreError::NotFound("no such canned reply".into()))),
            },
            None => (
                CannedReply {
                    id: new_id(),
                    short_code,
                    content,
                    created_at: who.now,
                    updated_at: who.now,
                    updated_by: who.actor.tag(),
                },
                "canned_reply_created",
            ),
        };
        if !r.put_canned_reply(&reply)? {
            return Ok(Err(CoreError::Conflict {
                code: "short_code_taken",
                message: format!(
                    "another canned reply has the short_code {}",
                    reply.short_code
                ),
            }));
        }
        r.insert_audit(&who.audit(action, &reply.id, json!({ "short_code": reply.short_code })))?;
        Ok(Ok(reply))
    })
    .await?
}

/// Removes a canned reply.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn delete_canned_reply(
    store: &dyn Store,
    id: String,
    who: Change,
) -> Result<(), CoreError> {
    write(store, move |r| {
        let Some(old) = r.get_canned_reply(&id)? else {
            return Ok(Err(CoreError::NotFound("no such canned reply".into())));
        };
        r.delete_canned_reply(&id)?;
        r.insert_audit(&who.audit(
            "canned_reply_deleted",
            &id,
            json!({ "short_code": old.short_code }),
        ))?;
        Ok(Ok(()))
    })
    .await?
}
