//! Applying one event at a time: the rules for every kind of event, used for the kinds the
//! set-based path ([`super::effects`]) leaves to it (reactions, edits, revokes, echoes,
//! failures, group messages, group changes, templates, account and preference changes) and for a status that
//! may join a send not committed yet.

use chrono::{DateTime, Utc};

use crate::contact::preview;
use crate::events::{
    AccountEvent, InboundEffect, InboundMessage, OutboundEcho, StatusUpdate, WebhookEvent,
};
use crate::message::{is_notice, opens_window, Direction, MessageStatus, UNDELIVERABLE};
use crate::outbox::{EventType, Interest, OutboxWrite};
use crate::phone::PhoneNumber;
use crate::ports::{new_id, NewMessage, Repos, StatusChange, StoreError};
use crate::usecases::ingest::rows::{apply_effect, echo_row, ensure_contact, inbound_row};

/// Applies one event.
pub(crate) fn apply(
    r: &mut dyn Repos,
    event: &WebhookEvent,
    outbox: &Interest,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match event {
        WebhookEvent::Inbound(m) => apply_inbound(r, m, outbox, now),
        WebhookEvent::Echo(e) => apply_echo(r, e, now),
        WebhookEvent::Status(s) => apply_status(r, s, now),
        WebhookEvent::ContactSeen { customer, .. } => {
            ensure_contact(r, customer, now)?;
            Ok(())
        }
        WebhookEvent::Template(t) => r.upsert_template(t),
        WebhookEvent::Account(a) => r.record_account_event(a),
        WebhookEvent::Preference(p) => {
            if let Some(id) = ensure_contact(r, &p.customer, now)? {
                r.set_marketing_opt_out(&id, p.marketing_opt_out, now)?;
            }
            Ok(())
        }
        WebhookEvent::ValueError {
            phone_number_id,
            error,
        } => r.record_account_event(&AccountEvent {
            phone_number_id: phone_number_id.clone(),
            waba_id: None,
            field: "errors".into(),
            event: Some(format!(
                "{} {}",
                error.code.map_or_else(String::new, |c| c.to_string()),
                error
                    .title
                    .as_deref()
                    .or(error.message.as_deref())
                    .unwrap_or("")
            )),
            quality_rating: None,
            messaging_limit_tier: None,
            verified_name: None,
            raw: serde_json::to_string(error).unwrap_or_default(),
            at: now,
        }),
        WebhookEvent::Standby(m) => crate::usecases::routing::apply_standby(r, m, now),
        WebhookEvent::StandbyEcho(e) => crate::usecases::routing::apply_standby_echo(r, e, now),
        WebhookEvent::Handover(h) => crate::usecases::routing::apply_handover(r, h, now),
        WebhookEvent::History(h) => crate::usecases::coexistence::apply_history(r, h, now),
        WebhookEvent::SavedContact(c) => {
            crate::usecases::coexistence::apply_saved_contact(r, c, now)
        }
        WebhookEvent::Call(c) => crate::usecases::calls::apply_call(r, c, now),
        WebhookEvent::Group(g) => crate::usecases::groups::apply_update(r, g, now),
        WebhookEvent::Unhandled { .. } => Ok(()),
    }
}

fn apply_inbound(
    r: &mut dyn Repos,
    m: &InboundMessage,
    outbox: &Interest,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Group messages are stored apart: no private contact, never in a one-to-one chat.
    let contact_id = if m.group_id.is_some() {
        None
    } else {
        ensure_contact(r, &m.customer, now)?
    };
    let row = inbound_row(m, contact_id.clone());
    if !r.insert_message(&row)? {
        return Ok(()); // the same wamid again: no second effect
    }
    if outbox.wants(EventType::MessageReceived) {
        r.enqueue_outbox(&OutboxWrite::received(
            outbox,
            std::slice::from_ref(&row),
            &[true],
            now,
        ))?;
    }
    apply_effect(r, m, contact_id.as_deref(), now)?;
    // Meta's own notices (number changed, identity changed) are not the customer writing: they
    // neither count as unread nor open the customer service window.
    let Some(cid) = contact_id.filter(|_| opens_window(&m.message_type)) else {
        return Ok(());
    };
    let (preview_text, unread) = match &m.effect {
        InboundEffect::Plain if !is_notice(&m.message_type) => {
            (Some(preview(m.text.as_deref(), &m.message_type)), 1)
        }
        _ => (None, 0),
    };
    r.record_contact_message(
        &cid,
        m.timestamp,
        preview_text.as_deref(),
        Direction::Inbound,
        unread,
    )?;
    // A customer's message (one counted unread) reopens a pending, snoozed or resolved
    // conversation.
    if unread > 0 {
        crate::usecases::inbox::customers_wrote(r, std::slice::from_ref(&cid), now)?;
        // Meta sends the owner's traffic on `messages`: the thread is ours.
        crate::usecases::routing::customers_wrote_here(r, &[(cid, m.timestamp)], now)?;
    }
    Ok(())
}

fn apply_echo(r: &mut dyn Repos, e: &OutboundEcho, now: DateTime<Utc>) -> Result<(), StoreError> {
    let contact_id = ensure_contact(r, &e.customer, now)?;
    let row = echo_row(e, contact_id.clone(), "business_app");
    if !r.insert_message(&row)? {
        return Ok(());
    }
    match &e.effect {
        InboundEffect::Edit { target, text } => {
            r.edit_message(target, text.as_deref(), e.timestamp)?;
        }
        InboundEffect::Revoke { target } => {
            r.revoke_message(target, e.timestamp)?;
        }
        InboundEffect::Plain => {
            if let Some(cid) = contact_id {
                let p = preview(e.text.as_deref(), &e.message_type);
                r.record_contact_message(&cid, e.timestamp, Some(&p), Direction::Outbound, 0)?;
            }
        }
        InboundEffect::Reaction { target, emoji } => {
            r.set_reaction(target, emoji.as_deref().filter(|x| !x.is_empty()))?;
        }
        // Meta's notices and the customer's call permission are about customers, never the
        // business's own messages.
        InboundEffect::IdentityChange { .. } | InboundEffect::CallPermission { .. } => {}
    }
    Ok(())
}

/// Applies one status. Its outbox rows are written for the whole batch afterwards
/// (`effects::status_events`), in delivery order.
pub(crate) fn apply_status(
    r: &mut dyn Repos,
    s: &StatusUpdate,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let change = StatusChange {
        status: s.status.clone(),
        at: s.timestamp,
        error: s.error.clone(),
        conversation_id: s.conversation_id.clone(),
        pricing: s.pricing.clone(),
    };
    // The common case in one statement; failures (error fields, 131026) take the full path.
    let fast = s.status != MessageStatus::Failed;
    if fast && r.apply_status_by_wamid(&s.wamid, &change)? {
        return Ok(());
    }
    let mut message = if fast {
        None // the statement above found no message with this wamid
    } else {
        r.find_message_by_wamid(&s.wamid)?
    };
    if message.is_none() {
        // The status may have beaten the send's response: wacloud put its own message id in
        // biz_opaque_callback_data, so join them now.
        if let Some(own_id) = s.biz_opaque_callback_data.as_deref() {
            if let Some(m) = r.get_message(own_id)? {
                if m.message_id.is_none() && m.direction == Direction::Outbound {
                    message = Some(r.attach_wamid(&m.id, &s.wamid, now)?);
                }
            }
        }
    }
    let (id, queue_id) = match message {
        // A queue item learns from its message's first status past `accepted` (later ones cannot
        // change it) and from a failure.
        Some(m) => {
            let settles =
                s.status == MessageStatus::Failed || m.status.rank() < MessageStatus::Sent.rank();
            (m.id, m.queue_id.filter(|_| settles))
        }
        None => {
            // Unknown wamid (sent by another tool, or its send is not committed yet): keep a
            // placeholder that the send joins when it lands.
            let row = placeholder(s);
            let id = row.id.clone();
            let inserted = r.insert_message(&row)?;
            if fast {
                // Applies to this row, or to the one another instance made at the same moment.
                r.apply_status_by_wamid(&s.wamid, &change)?;
                return Ok(());
            }
            if inserted {
                (id, None)
            } else {
                // Another server instance made the placeholder for this wamid at the same
                // moment: apply this status to that row.
                match r.find_message_by_wamid(&s.wamid)? {
                    Some(m) => (m.id, None),
                    None => return Ok(()),
                }
            }
        }
    };
    r.apply_status(&id, &change)?;
    if let Some(q) = queue_id {
        // The queue item that sent it learns what happened (also when its send's answer was lost).
        crate::usecases::queue::reconcile_from_status(
            r,
            &q,
            &id,
            &s.status,
            s.error.as_ref(),
            now,
        )?;
    }
    if s.status == MessageStatus::Failed
        && s.error.as_ref().and_then(|e| e.code) == Some(UNDELIVERABLE)
    {
        // The recipient is kept, and marked, even if this status is the first wacloud hears of it.
        if let Some(id) = ensure_contact(r, &s.recipient, now)? {
            r.set_undeliverable(&id, Some(s.timestamp))?;
        }
    }
    Ok(())
}

/// A row for a status whose message wacloud has not seen (sent by another tool, or not yet
/// committed): the send joins it when it lands.
pub(crate) fn placeholder(s: &StatusUpdate) -> NewMessage {
    NewMessage {
        id: new_id(),
        message_id: Some(s.wamid.clone()),
        contact_id: None,
        direction: Direction::Outbound,
        from_phone: None,
        to_phone: PhoneNumber::e164_of_wa_id(s.recipient.wa_id.as_deref()),
        user_id: s.recipient.user_id.clone(),
        message_type: "unknown".into(),
        message_text: None,
        status: MessageStatus::Pending,
        is_read: true,
        created_at: s.timestamp,
        reply_to: None,
        is_forwarded: false,
        media: None,
        raw: None,
        error: None,
        phone_number_id: Some(s.phone_number_id.clone()),
        source: Some("unknown".into()),
        queue_id: None,
        group_id: s.group_id.clone(),
        payload: None,
        actor: None,
        actor_name: None,
    }
}
