//! Conversation Routing (issue 16): keeping each conversation's thread owner from Meta's
//! webhooks, storing what arrives on `standby`, refusing service messages on a thread another
//! responder owns, and the operators' thread control (`take`, `release`, `pass`). The rules
//! are [`crate::routing`]'s.
//!
//! - `messaging_handovers` ([`apply_handover`]): the owner Meta names, unless an
//!   older notice than the last change.
//! - `standby` ([`apply_standby`], [`apply_standby_echo`]): the messages are stored once (by
//!   `wamid`) as the conversation's context, with `source` `standby`, read, never counted
//!   unread and never reopening the conversation; the thread becomes another's.
//! - a customer's message on `messages` ([`customers_wrote_here`]): the thread is wacloud's
//!   again (after a release, or an owner's idle timeout, which Meta does not announce).
//!
//! Every change of owner goes to the conversation's timeline (`thread_owner_changed`).

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::contact::{preview, Contact};
use crate::conversation::{TimelineEntry, TimelineKind};
use crate::error::CoreError;
use crate::events::{InboundEffect, InboundMessage, OutboundEcho, ThreadHandover};
use crate::message::{is_notice, opens_window, Direction};
use crate::outbound::{OutboundContent, SendFailure};
use crate::phone::{ContactKey, CustomerKey};
use crate::ports::{new_id, read, write, Messenger, Repos, Store, StoreError};
use crate::routing::{check_thread_owner, PassTarget, ThreadAction, ThreadOwner, ThreadState};
use crate::usecases::inbox::Change;
use crate::usecases::ingest::rows::{apply_effect, echo_row, ensure_contact, inbound_row};

/// `source` of a message row received on the `standby` webhook field.
pub const STANDBY_SOURCE: &str = "standby";

/// The actor of a change Meta reported (the timeline's `actor`).
const META: &str = "meta";

/// The thread of `contact_id` as stored (wacloud's when never routed).
///
/// # Errors
/// [`StoreError`].
pub(crate) fn thread_of(r: &mut dyn Repos, contact_id: &str) -> Result<ThreadState, StoreError> {
    Ok(r.thread_states(&[contact_id.to_owned()])?
        .pop()
        .map(|(_, t)| t)
        .unwrap_or_default())
}

/// Refuses a service message to `contact` (the stored contact of `to`, if any) when another
/// responder owns its thread ([`check_thread_owner`]); the inner `Err` is the refusal.
///
/// # Errors
/// [`StoreError`].
pub(crate) fn check_send(
    r: &mut dyn Repos,
    contact: Option<&Contact>,
    to: &CustomerKey,
    content: &OutboundContent,
) -> Result<Result<(), CoreError>, StoreError> {
    let Some(c) = contact.filter(|_| content.needs_open_window()) else {
        return Ok(Ok(()));
    };
    let thread = thread_of(r, &c.id)?;
    Ok(check_thread_owner(&thread, &to.to_string(), content))
}

/// Moves the thread of `contact_id` to `to` if [`ThreadState::after`] says it changes, with a
/// `thread_owner_changed` timeline entry by `actor` (`meta`, or the operator's tag). `Ok(None)`
/// when nothing changed.
fn change_thread(
    r: &mut dyn Repos,
    contact_id: &str,
    to: Option<ThreadState>,
    actor: (String, Option<String>),
    metadata: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<ThreadState>, StoreError> {
    let from = thread_of(r, contact_id)?;
    let Some(to) = to.and_then(|t| from.after(&t)) else {
        return Ok(None);
    };
    r.put_thread_state(contact_id, &to)?;
    r.insert_timeline_entry(&TimelineEntry {
        id: new_id(),
        contact_id: contact_id.to_owned(),
        kind: TimelineKind::ThreadOwnerChanged,
        at: now,
        actor: actor.0,
        actor_name: actor.1,
        body: None,
        mentions: Vec::new(),
        details: Some(json!({ "from": from, "to": to, "metadata": metadata })),
    })?;
    Ok(Some(to))
}

/// `messaging_handovers`: the thread's owner is the one Meta names.
pub(crate) fn apply_handover(
    r: &mut dyn Repos,
    h: &ThreadHandover,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(cid) = ensure_contact(r, &h.customer, now)? {
        change_thread(
            r,
            &cid,
            Some(h.thread.clone()),
            (META.to_owned(), None),
            h.metadata.as_deref(),
            now,
        )?;
    }
    Ok(())
}

/// A customer's message received on `standby`: stored once as context, read, not counted
/// unread, the conversation left as it is; the thread is another responder's.
pub(crate) fn apply_standby(
    r: &mut dyn Repos,
    m: &InboundMessage,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let contact_id = if m.group_id.is_some() {
        None
    } else {
        ensure_contact(r, &m.customer, now)?
    };
    let mut row = inbound_row(m, contact_id.clone());
    row.is_read = true;
    row.source = Some(STANDBY_SOURCE.to_owned());
    if !r.insert_message(&row)? {
        return Ok(()); // the same wamid again: no second effect
    }
    apply_effect(r, m, contact_id.as_deref(), now)?;
    let Some(cid) = contact_id else {
        return Ok(());
    };
    if opens_window(&m.message_type) {
        // The customer wrote to the number: the window is Meta's per number and customer,
        // whichever app owns the thread. Never unread: it is not a message for us to answer.
        let p = (m.effect == InboundEffect::Plain && !is_notice(&m.message_type))
            .then(|| preview(m.text.as_deref(), &m.message_type));
        r.record_contact_message(&cid, m.timestamp, p.as_deref(), Direction::Inbound, 0)?;
    }
    let to = thread_of(r, &cid)?.after_standby(m.timestamp);
    change_thread(r, &cid, to, (META.to_owned(), None), None, now)?;
    Ok(())
}

/// The owning responder's message to the customer, received on `standby`: stored once as the
/// conversation's context.
pub(crate) fn apply_standby_echo(
    r: &mut dyn Repos,
    e: &OutboundEcho,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let contact_id = ensure_contact(r, &e.customer, now)?;
    let row = echo_row(e, contact_id.clone(), STANDBY_SOURCE);
    if !r.insert_message(&row)? {
        return Ok(());
    }
    if let Some(cid) = contact_id {
        if e.effect == InboundEffect::Plain {
            let p = preview(e.text.as_deref(), &e.message_type);
            r.record_contact_message(&cid, e.timestamp, Some(&p), Direction::Outbound, 0)?;
        }
        let to = thread_of(r, &cid)?.after_standby(e.timestamp);
        change_thread(r, &cid, to, (META.to_owned(), None), None, now)?;
    }
    Ok(())
}

/// Customers whose messages arrived on `messages` (each with its newest message's time): their
/// threads are wacloud's again where they were another's or released before that time. One
/// read of the stored owners (usually finding nothing).
///
/// # Errors
/// [`StoreError`]; the caller's transaction then rolls back.
pub(crate) fn customers_wrote_here(
    r: &mut dyn Repos,
    wrote: &[(String, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if wrote.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = wrote.iter().map(|(c, _)| c.clone()).collect();
    for (cid, t) in r.thread_states(&ids)? {
        let Some(at) = wrote
            .iter()
            .filter(|(c, _)| *c == cid)
            .map(|(_, a)| *a)
            .max()
        else {
            continue;
        };
        let to = t.after_own_message(at);
        change_thread(r, &cid, to, (META.to_owned(), None), None, now)?;
    }
    Ok(())
}

/// The thread of the contact `key` (wacloud's when never routed).
///
/// # Errors
/// [`CoreError::NotFound`] (no such contact), [`CoreError::Store`].
pub async fn thread(store: &dyn Store, key: ContactKey) -> Result<ThreadState, CoreError> {
    read(store, move |r| {
        Ok(match crate::usecases::inbox::contact(r, &key)? {
            Ok(c) => Ok(thread_of(r, &c.id)?),
            Err(e) => Err(e),
        })
    })
    .await?
}

/// Calls Meta's thread control for the contact `key` (on `messenger`'s number) and records the thread's new owner:
/// `take` makes it wacloud's, `release` nobody's, `pass` the `target`'s (the escalation partner
/// when `None`). Meta announces none of these to us (`control_passed` goes to the new owner,
/// `control_taken` to the previous one), so the answer is the record. In the timeline and the
/// audit trail (`thread_control`).
///
/// # Errors
/// [`CoreError::NotFound`] (no such contact), [`CoreError::Invalid`] (`metadata` over 2000
/// characters), [`CoreError::Send`] (Meta refused, e.g. 2494191: a `take` by an app that is not
/// the escalation partner, or the outcome is unknown), [`CoreError::Store`].
pub async fn control(
    store: &dyn Store,
    messenger: &dyn Messenger,
    key: CustomerKey,
    action: ThreadAction,
    target: Option<PassTarget>,
    metadata: Option<String>,
    who: Change,
) -> Result<ThreadState, CoreError> {
    if metadata.as_ref().is_some_and(|m| m.chars().count() > 2000) {
        return Err(CoreError::invalid(
            "metadata_too_long",
            "metadata",
            "metadata is at most 2000 characters (Meta's limit for thread control)",
        ));
    }
    let (k, number) = (key.clone(), messenger.phone_number_id());
    let contact = read(store, move |r| r.find_contact(number.as_deref(), &k))
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no contact {key}")))?;
    let target = match action {
        ThreadAction::Pass => Some(target.unwrap_or(PassTarget::Partner(None))),
        ThreadAction::Take | ThreadAction::Release => None,
    };
    messenger
        .thread_control(&key, action, target.as_ref(), metadata.as_deref())
        .await
        .map_err(|f: SendFailure| CoreError::Send {
            failure: Box::new(f),
            message_id: None,
        })?;
    let to = match (&target, action) {
        (Some(t), _) => t.state(who.now),
        (None, ThreadAction::Release) => ThreadState::new(ThreadOwner::Released, None, who.now),
        (None, _) => ThreadState::new(ThreadOwner::Wacloud, None, who.now),
    };
    write(store, move |r| {
        let actor = (who.actor.tag(), who.actor.name().map(str::to_owned));
        change_thread(
            r,
            &contact.id,
            Some(to),
            actor,
            metadata.as_deref(),
            who.now,
        )?;
        let now = thread_of(r, &contact.id)?;
        let details = json!({ "action": action, "thread": now, "metadata": metadata });
        r.insert_audit(&who.audit("thread_control", &contact.id, details))?;
        Ok(now)
    })
    .await
    .map_err(CoreError::from)
}
