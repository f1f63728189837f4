//! Ingesting a webhook delivery: store the raw bytes, then apply every event, exactly once, in
//! the same transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::events::{
    AccountEvent, CustomerRef, InboundEffect, InboundMessage, OutboundEcho, ParsedDelivery,
};
use crate::events::{StatusUpdate, WebhookEvent};
use crate::message::{Direction, MessageStatus};
use crate::phone::PhoneNumber;
use crate::ports::{new_id, NewMessage, Repos, StatusChange, Store, StoreError};
use crate::webhook::{NewWebhook, WebhookOutcome, WebhookState};

/// Meta's error code for an undeliverable recipient.
pub const UNDELIVERABLE: i64 = 131_026;

/// The business numbers this server answers for. Deliveries naming none of them are kept raw and
/// counted as foreign, not attributed. Empty means "accept any number".
#[derive(Debug, Clone, Default)]
pub struct OurNumbers(pub Vec<String>);

impl OurNumbers {
    pub(crate) fn contains(&self, phone_number_id: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|n| n == phone_number_id)
    }
}

/// What happened to one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    /// The stored delivery's id (of the first copy, for a duplicate: unknown, so `None`).
    pub webhook_id: Option<String>,
    /// An identical body was already stored: nothing was applied again.
    pub duplicate: bool,
    /// Final state.
    pub state: WebhookState,
    /// Events applied.
    pub events: i64,
    /// Error text when processing failed (the delivery is still stored).
    pub error: Option<String>,
}

/// Stores `delivery` and applies `parsed` in one write transaction. The future resolves once
/// that transaction is committed.
///
/// - An identical redelivery (same bytes) is a no-op reported as `duplicate`.
/// - `parsed = Err(reason)` (a body the parser cannot handle) stores the delivery `failed` with
///   the reason; it can be reprocessed later.
/// - A delivery naming only business numbers that are not ours is stored `foreign`.
/// - A failure while applying events rolls the whole attempt back; the raw delivery is then
///   stored alone, marked `failed` with the reason.
///
/// # Errors
/// [`StoreError`] when the delivery could not be stored (the caller answers 503 so Meta retries).
pub async fn ingest(
    store: &dyn Store,
    ours: OurNumbers,
    delivery: NewWebhook,
    parsed: Result<ParsedDelivery, String>,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    ingest_planned(
        store,
        Arc::new(delivery),
        Plan::new(&ours, parsed, now),
        now,
        &crate::usecases::ingest_batch::Ran::default(),
    )
    .await
}

/// [`ingest`] of a delivery already planned.
pub(crate) async fn ingest_planned(
    store: &dyn Store,
    delivery: Arc<NewWebhook>,
    plan: Plan,
    now: DateTime<Utc>,
    ran: &crate::usecases::ingest_batch::Ran,
) -> Result<IngestOutcome, StoreError> {
    let outcome = plan.outcome.clone();
    let first = {
        let delivery = Arc::clone(&delivery);
        crate::ports::write(
            store,
            ran.clone().after(move |r| {
                if !r.insert_webhook(&delivery, &plan.outcome)? {
                    return Ok(duplicate());
                }
                for pid in &plan.touch {
                    r.touch_session(pid, now)?;
                }
                for event in &plan.events {
                    apply(r, event, now)?;
                }
                Ok(stored(&delivery.id, &plan.outcome))
            }),
        )
        .await
    };
    match first {
        Err(e @ StoreError::Unavailable(_)) => Err(e),
        Err(e) => {
            let mut failed = outcome;
            failed.state = WebhookState::Failed;
            failed.event_count = 0;
            failed.error = Some(e.to_string());
            crate::ports::write(store, move |r| {
                if !r.insert_webhook(&delivery, &failed)? {
                    return Ok(duplicate());
                }
                Ok(stored(&delivery.id, &failed))
            })
            .await
        }
        ok => ok,
    }
}

pub(crate) fn duplicate() -> IngestOutcome {
    IngestOutcome {
        webhook_id: None,
        duplicate: true,
        state: WebhookState::Processed,
        events: 0,
        error: None,
    }
}

pub(crate) fn stored(id: &str, o: &WebhookOutcome) -> IngestOutcome {
    IngestOutcome {
        webhook_id: Some(id.to_owned()),
        duplicate: false,
        state: o.state,
        events: o.event_count,
        error: o.error.clone(),
    }
}

/// What to do with a delivery, decided before the transaction.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) outcome: WebhookOutcome,
    pub(crate) touch: Vec<String>,
    pub(crate) events: Vec<WebhookEvent>,
}

impl Plan {
    pub(crate) fn new(
        ours: &OurNumbers,
        parsed: Result<ParsedDelivery, String>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut outcome = WebhookOutcome {
            state: WebhookState::Processed,
            error: None,
            event_count: 0,
            phone_number_id: None,
            fields: None,
            processed_at: now,
        };
        let parsed = match parsed {
            Ok(p) => p,
            Err(reason) => {
                outcome.state = WebhookState::Failed;
                outcome.error = Some(reason);
                return Self {
                    outcome,
                    touch: Vec::new(),
                    events: Vec::new(),
                };
            }
        };
        outcome.phone_number_id = parsed.phone_number_ids.first().cloned();
        outcome.fields = (!parsed.fields.is_empty()).then(|| parsed.fields.join(","));
        let touch: Vec<String> = parsed
            .phone_number_ids
            .iter()
            .filter(|p| ours.contains(p))
            .cloned()
            .collect();
        if !parsed.phone_number_ids.is_empty() && touch.is_empty() {
            outcome.state = WebhookState::Foreign;
            return Self {
                outcome,
                touch,
                events: Vec::new(),
            };
        }
        let events: Vec<WebhookEvent> = parsed
            .events
            .into_iter()
            .filter(|e| e.phone_number_id().is_none_or(|p| ours.contains(p)))
            .map(|e| match e {
                // Account-wide events name no number; a server for one number shows them on it.
                WebhookEvent::Account(mut a)
                    if a.phone_number_id.is_none() && ours.0.len() == 1 =>
                {
                    a.phone_number_id = ours.0.first().cloned();
                    WebhookEvent::Account(a)
                }
                other => other,
            })
            .collect();
        outcome.event_count = i64::try_from(events.len()).unwrap_or(i64::MAX);
        if !parsed.skipped.is_empty() {
            // What parsed is applied; the delivery stays failed so that a fixed parser can
            // apply the rest with `wacloud webhooks reprocess`.
            let mut why = format!(
                "{} element(s) left out because they do not parse: {}",
                parsed.skipped.len(),
                parsed.skipped.join("; ")
            );
            if why.len() > 2000 {
                let cut = (0..=2000)
                    .rev()
                    .find(|i| why.is_char_boundary(*i))
                    .unwrap_or(0);
                why.truncate(cut);
                why.push('…');
            }
            outcome.state = WebhookState::Failed;
            outcome.error = Some(why);
        }
        Self {
            outcome,
            touch,
            events,
        }
    }
}

/// Applies an already stored delivery again (`wacloud webhooks reprocess`, start-up recovery).
/// Effects are idempotent, so a delivery partly applied before is safe.
///
/// # Errors
/// [`StoreError`] when the database fails.
pub async fn reprocess(
    store: &dyn Store,
    ours: OurNumbers,
    webhook_id: String,
    parsed: Result<ParsedDelivery, String>,
    now: DateTime<Utc>,
) -> Result<WebhookOutcome, StoreError> {
    let plan = Plan::new(&ours, parsed, now);
    let outcome = plan.outcome.clone();
    let id = webhook_id.clone();
    let first = crate::ports::write(store, move |r| {
        for pid in &plan.touch {
            r.touch_session(pid, now)?;
        }
        for event in &plan.events {
            apply(r, event, now)?;
        }
        r.finish_webhook(&id, &plan.outcome)?;
        Ok(plan.outcome)
    })
    .await;
    match first {
        Err(e @ StoreError::Unavailable(_)) => Err(e),
        Err(e) => {
            let mut failed = outcome;
            failed.state = WebhookState::Failed;
            failed.event_count = 0;
            failed.error = Some(e.to_string());
            crate::ports::write(store, move |r| {
                r.finish_webhook(&webhook_id, &failed)?;
                Ok(failed)
            })
            .await
        }
        ok => ok,
    }
}

pub(crate) fn apply(
    r: &mut dyn Repos,
    event: &WebhookEvent,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match event {
        WebhookEvent::Inbound(m) => apply_inbound(r, m, now),
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
        WebhookEvent::Unhandled { .. } => Ok(()),
    }
}

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
    match r.find_contact_by_ref(who)? {
        Some(c) => {
            r.refresh_contact_identity(&c, who, now)?;
            Ok(Some(c.id))
        }
        None => Ok(Some(r.insert_contact(&new_id(), who, now)?.id)),
    }
}

pub(crate) fn e164(wa_id: Option<&String>) -> Option<String> {
    wa_id.and_then(|w| PhoneNumber::from_wa_id(w).ok().map(String::from))
}

/// The preview text for the contact list: the first 120 characters.
pub(crate) fn preview(text: Option<&str>, kind: &str) -> String {
    match text {
        Some(t) if !t.trim().is_empty() => t.chars().take(120).collect(),
        _ => format!("[{kind}]"),
    }
}

/// The row of an inbound message.
pub(crate) fn inbound_row(m: &InboundMessage, contact_id: Option<String>) -> NewMessage {
    let reply_to = match &m.effect {
        InboundEffect::Plain => m.reply_to.clone(),
        InboundEffect::Reaction { target, .. }
        | InboundEffect::Edit { target, .. }
        | InboundEffect::Revoke { target } => Some(target.clone()),
    };
    NewMessage {
        id: new_id(),
        message_id: Some(m.wamid.clone()),
        contact_id,
        direction: Direction::Inbound,
        from_phone: e164(m.customer.wa_id.as_ref()),
        to_phone: None,
        user_id: m.customer.user_id.clone(),
        message_type: m.message_type.clone(),
        message_text: m.text.clone(),
        status: MessageStatus::Received,
        is_read: !matches!(m.effect, InboundEffect::Plain) || is_notice(&m.message_type),
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
    }
}

fn apply_inbound(
    r: &mut dyn Repos,
    m: &InboundMessage,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Group messages are stored apart: no private contact, never in a one-to-one chat.
    let contact_id = if m.group_id.is_some() {
        None
    } else {
        ensure_contact(r, &m.customer, now)?
    };
    if !r.insert_message(&inbound_row(m, contact_id.clone()))? {
        return Ok(()); // the same wamid again: no second effect
    }
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
    }
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
    )
}

/// Whether a message from the customer opens the customer service window: everything but
/// Meta's `system` notices (a `request_welcome` does: the customer opened the chat).
pub(crate) fn opens_window(message_type: &str) -> bool {
    message_type != "system"
}

/// Kinds that are notices about the chat rather than something the customer said.
pub(crate) fn is_notice(message_type: &str) -> bool {
    matches!(message_type, "system" | "request_welcome")
}

fn apply_echo(r: &mut dyn Repos, e: &OutboundEcho, now: DateTime<Utc>) -> Result<(), StoreError> {
    let contact_id = ensure_contact(r, &e.customer, now)?;
    let row = NewMessage {
        id: new_id(),
        message_id: Some(e.wamid.clone()),
        contact_id: contact_id.clone(),
        direction: Direction::Outbound,
        from_phone: None,
        to_phone: e164(e.customer.wa_id.as_ref()),
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
        source: Some("business_app".into()),
        queue_id: None,
        group_id: None,
        payload: None,
    };
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
    }
    Ok(())
}

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
        pricing_category: s.pricing_category.clone(),
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
        to_phone: e164(s.recipient.wa_id.as_ref()),
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
    }
}
