//! Groups (Meta's Groups API): the `group_*` webhooks folded into each group's state
//! ([`apply_update`], on the ingest pipeline's one-by-one path), the listing and reading of
//! groups and their messages, and the calls to Meta through the [`Messenger`] port (create, the
//! invite link, removing participants, a text to the group), each checked against Meta's
//! limits ([`crate::group`]) before Meta is called.
//!
//! A group's messages are message rows carrying Meta's `group_id`: they belong to no contact,
//! are never counted unread and never open a customer service window.

use chrono::{DateTime, Utc};

use crate::error::CoreError;
use crate::group::{check_participants, check_text, Group, GroupStatus, GroupUpdate, NewGroup};
use crate::message::{Direction, Message, MessageStatus};
use crate::outbound::SendFailure;
use crate::ports::{new_id, read, write, Messenger, NewMessage, Repos, Store, StoreError};

/// Folds one `group_*` webhook event into its group (created when first heard of).
///
/// # Errors
/// [`StoreError`].
pub fn apply_update(
    r: &mut dyn Repos,
    u: &GroupUpdate,
    _now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if u.group_id.is_none() && u.request_id.is_none() {
        return Ok(()); // names no group: kept raw only
    }
    let found = r.find_group(
        &u.phone_number_id,
        u.group_id.as_deref(),
        u.request_id.as_deref(),
    )?;
    let mut g = match found {
        Some(g) => g,
        // A failed creation nobody here asked for names no group worth keeping.
        None if u.group_id.is_none() => return Ok(()),
        None => Group::seen(new_id(), u),
    };
    g.apply(u);
    r.put_group(&g)
}

/// The groups, of `phone_number_id` when given, most recently changed first (at most 500).
///
/// # Errors
/// [`CoreError::Store`].
pub async fn list(
    store: &dyn Store,
    phone_number_id: Option<String>,
) -> Result<Vec<Group>, CoreError> {
    Ok(read(store, move |r| {
        r.list_groups(phone_number_id.as_deref(), 500)
    })
    .await?)
}

/// The group whose wacloud id or Meta group id is `id`.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn get(store: &dyn Store, id: String) -> Result<Group, CoreError> {
    let i = id.clone();
    read(store, move |r| r.get_group(&i))
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("no group {id}")))
}

/// A page of the group's messages, newest first, and whether older ones remain.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn messages(
    store: &dyn Store,
    id: String,
    limit: i64,
    before: Option<(DateTime<Utc>, String)>,
) -> Result<(Vec<Message>, bool), CoreError> {
    let g = get(store, id).await?;
    let Some(group_id) = g.group_id else {
        return Ok((Vec::new(), false)); // still creating: no messages yet
    };
    Ok(read(store, move |r| {
        r.group_messages(&group_id, limit.clamp(1, 200), before)
    })
    .await?)
}

fn send_error(failure: SendFailure, message_id: Option<String>) -> CoreError {
    CoreError::Send {
        failure: Box::new(failure),
        message_id,
    }
}

/// Creates a group on `messenger`'s number: checks Meta's limits, calls Meta, and keeps the
/// group as `creating` until the `group_lifecycle_update` webhook names it.
///
/// # Errors
/// [`CoreError::Invalid`] (limits, see [`NewGroup::check`]), [`CoreError::Send`] (Meta refused
/// or did not answer), [`CoreError::Store`].
pub async fn create(
    store: &dyn Store,
    messenger: &dyn Messenger,
    new: NewGroup,
    now: DateTime<Utc>,
) -> Result<Group, CoreError> {
    new.check()?;
    let number = messenger.phone_number_id().ok_or_else(|| {
        CoreError::invalid(
            "number_required",
            "phone_number_id",
            "the business number is not known; set WHATSAPP_PHONE_NUMBER_ID",
        )
    })?;
    let request_id = messenger
        .create_group(&new)
        .await
        .map_err(|f| send_error(f, None))?;
    let g = Group::creating(new_id(), number, request_id, &new, now);
    let stored = g.clone();
    write(store, move |r| {
        // The webhook may have come first: it made the group under this request id.
        let existing = r.find_group(&stored.phone_number_id, None, stored.request_id.as_deref())?;
        match existing {
            Some(mut e) if stored.request_id.is_some() => {
                if e.subject.is_none() {
                    e.subject.clone_from(&stored.subject);
                }
                if e.description.is_none() {
                    e.description.clone_from(&stored.description);
                }
                r.put_group(&e)?;
                Ok(e)
            }
            _ => {
                r.put_group(&stored)?;
                Ok(stored)
            }
        }
    })
    .await
    .map_err(CoreError::from)
}

/// The group, when it can be written to: created (Meta named it) and not deleted.
fn usable(g: &Group) -> Result<&str, CoreError> {
    let conflict = |code, message: String| CoreError::Conflict { code, message };
    match g.status {
        GroupStatus::Deleted => {
            return Err(conflict(
                "group_deleted",
                format!("group {} was deleted", g.id),
            ))
        }
        GroupStatus::Failed => {
            return Err(conflict(
                "group_not_created",
                format!("Meta could not create group {}", g.id),
            ))
        }
        GroupStatus::Suspended => {
            return Err(conflict(
                "group_suspended",
                format!("group {} is suspended by WhatsApp (Meta's 131207)", g.id),
            ))
        }
        GroupStatus::Creating | GroupStatus::Active => {}
    }
    g.group_id.as_deref().ok_or_else(|| {
        conflict(
            "group_not_created",
            format!(
                "group {} is still being created: Meta has not named it yet (group_lifecycle_update)",
                g.id
            ),
        )
    })
}

/// The group's invite link from Meta (a new one, replacing the old, when `reset`), kept on
/// the group.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Conflict`] (`group_not_created`, `group_deleted`,
/// `group_suspended`), [`CoreError::Send`], [`CoreError::Store`].
pub async fn invite_link(
    store: &dyn Store,
    messenger: &dyn Messenger,
    id: String,
    reset: bool,
) -> Result<String, CoreError> {
    let g = get(store, id).await?;
    let group_id = usable(&g)?.to_owned();
    let link = messenger
        .group_invite_link(&group_id, reset)
        .await
        .map_err(|f| send_error(f, None))?;
    let l = link.clone();
    write(store, move |r| {
        if let Some(mut g) = r.get_group(&g.id)? {
            if g.invite_link.as_deref() != Some(l.as_str()) {
                g.invite_link = Some(l);
                r.put_group(&g)?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(link)
}

/// Asks Meta to remove participants (1 to 8, each in the group now); the
/// `group_participants_update` webhook records the removal.
///
/// # Errors
/// [`CoreError::Invalid`] (`invalid_participants`, `not_a_participant`: Meta's 131212),
/// [`CoreError::NotFound`], [`CoreError::Conflict`], [`CoreError::Send`], [`CoreError::Store`].
pub async fn remove_participants(
    store: &dyn Store,
    messenger: &dyn Messenger,
    id: String,
    participants: Vec<String>,
) -> Result<Group, CoreError> {
    let list = check_participants(&participants)?;
    let g = get(store, id).await?;
    let group_id = usable(&g)?.to_owned();
    let members = g.members();
    if let Some(p) = list.iter().find(|p| {
        !members.iter().any(|m| {
            m.wa_id.as_deref() == Some(p.as_str()) || m.user_id.as_deref() == Some(p.as_str())
        })
    }) {
        return Err(CoreError::invalid(
            "not_a_participant",
            "participants",
            format!(
                "{p} is not a participant of group {} (Meta would answer 131212)",
                g.id
            ),
        ));
    }
    messenger
        .remove_group_participants(&group_id, &list)
        .await
        .map_err(|f| send_error(f, None))?;
    Ok(g)
}

/// Sends a text to the group and keeps it as one of the group's messages (no contact).
///
/// # Errors
/// [`CoreError::Invalid`] (`invalid_text`, `text_too_long`), [`CoreError::NotFound`],
/// [`CoreError::Conflict`] (as [`invite_link`], and `group_has_no_participants`: Meta's
/// 131020), [`CoreError::Send`] (with the stored message's id), [`CoreError::Store`].
pub async fn send_text(
    store: &dyn Store,
    messenger: &dyn Messenger,
    id: String,
    text: String,
    actor: Option<crate::auth::Actor>,
    now: DateTime<Utc>,
) -> Result<Message, CoreError> {
    check_text(&text)?;
    let g = get(store, id).await?;
    let group_id = usable(&g)?.to_owned();
    if g.members().is_empty() {
        return Err(CoreError::Conflict {
            code: "group_has_no_participants",
            message: format!(
                "group {} has no participant but the business; Meta refuses messages to it (131020)",
                g.id
            ),
        });
    }
    let row = NewMessage {
        id: new_id(),
        message_id: None,
        contact_id: None,
        direction: Direction::Outbound,
        from_phone: messenger.business_phone(),
        to_phone: None,
        user_id: None,
        message_type: "text".into(),
        message_text: Some(text.clone()),
        status: MessageStatus::Pending,
        is_read: true,
        created_at: now,
        reply_to: None,
        is_forwarded: false,
        media: None,
        raw: None,
        error: None,
        phone_number_id: Some(g.phone_number_id.clone()),
        source: Some("api".into()),
        queue_id: None,
        group_id: Some(group_id.clone()),
        payload: None,
        actor: actor.as_ref().map(|a| a.tag()),
        actor_name: actor.as_ref().and_then(|a| a.name().map(str::to_owned)),
    };
    let msg_id = row.id.clone();
    write(store, move |r| r.insert_message(&row).map(drop)).await?;
    // Paced as a one-to-one send is, the group being the recipient: parallel sends to one
    // group wait their turn rather than draw Meta's 131056.
    messenger.pace_group(&group_id).await;
    match messenger
        .send_group_text(&group_id, &text, Some(&msg_id))
        .await
    {
        Ok(receipt) => {
            let id = msg_id.clone();
            Ok(write(store, move |r| r.attach_wamid(&id, &receipt.wamid, now)).await?)
        }
        Err(failure) => {
            let (id, f) = (msg_id.clone(), failure.clone());
            write(store, move |r| match &f {
                SendFailure::OutcomeUnknown(reason) => {
                    r.note_message_error(&id, &format!("outcome unknown: {reason}"))
                }
                other => r.fail_message(&id, &other.delivery_error(), now),
            })
            .await?;
            Err(send_error(failure, Some(msg_id)))
        }
    }
}
