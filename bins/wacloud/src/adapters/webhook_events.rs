//! Meta's webhook payload (typed by `wacloud-graph`) → the core's events.

use super::webhook_bounds::{bad_duration, bad_id, bad_saved_name, group_type_ok};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use wacloud_core::events::{
    AccountEvent, CallEvent, CallEventKind, CustomerRef, HistoryChunk, HistoryMessage,
    HistoryProgress, InboundEffect, InboundMessage, OutboundEcho, ParsedDelivery, PreferenceUpdate,
    SavedContact, StatusUpdate, TemplateUpdate, ThreadHandover, WebhookEvent,
};
use wacloud_core::group::{GroupChange, GroupUpdate, ParticipantRef};
use wacloud_core::message::{DeliveryError, Direction, MessageStatus};
use wacloud_core::routing::{ThreadOwner, ThreadState};
use wacloud_graph::webhook::{
    CallsValue, ChangeValue, Contact, GroupEvent, GroupParticipant, GroupSettingResult,
    GroupsValue, HistoryValue, InteractiveReply, Message, MessageContent, MessagesValue,
    MessagingHandoversValue, SmbAppStateSyncValue, Status, WebhookError, WebhookPayload,
};

/// Parses a raw delivery into events. `Err` carries a reason fit for the stored delivery and
/// the log (never the body itself).
///
/// A delivery some of whose elements do not parse (a message without a timestamp, a change of
/// the wrong shape) still yields the events of every element that does: one bad element must
/// not lose the others, since Meta does not send the delivery again after a 200. The skipped
/// elements are listed in [`ParsedDelivery::skipped`], and the delivery is kept `failed` for
/// `wacloud webhooks reprocess`.
pub fn parse_delivery(body: &[u8], now: DateTime<Utc>) -> Result<ParsedDelivery, String> {
    match WebhookPayload::from_slice(body) {
        Ok(payload) => Ok(to_events(&payload, now)),
        Err(e) if e.invalid_json => Err(e.to_string()),
        Err(e) => lenient(body, now).ok_or_else(|| e.to_string()),
    }
}

/// Element by element: every entry, change, message, status, contact and error that parses on
/// its own. `None` when nothing is a delivery at all.
fn lenient(body: &[u8], now: DateTime<Utc>) -> Option<ParsedDelivery> {
    let v: Value = serde_json::from_slice(body).ok().or_else(|| {
        serde_json::from_slice(&wacloud_graph::webhook::replace_lone_surrogates(body)?).ok()
    })?;
    let entries = v.get("entry")?.as_array()?;
    let mut out = ParsedDelivery::default();
    for (ei, entry) in entries.iter().enumerate() {
        let waba = entry
            .get("id")
            .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_owned))
            .unwrap_or_default();
        let at = entry
            .get("time")
            .and_then(Value::as_i64)
            .and_then(ts)
            .unwrap_or(now);
        let Some(changes) = entry.get("changes").and_then(Value::as_array) else {
            out.skipped
                .push(format!("entry[{ei}]: changes is not a list"));
            continue;
        };
        for (ci, change) in changes.iter().enumerate() {
            let Some(field) = change.get("field").and_then(Value::as_str) else {
                out.skipped
                    .push(format!("entry[{ei}].changes[{ci}]: no field"));
                continue;
            };
            if !out.fields.iter().any(|f| f == field) {
                out.fields.push(field.to_owned());
            }
            let value = change.get("value").cloned().unwrap_or(Value::Null);
            let here = format!("entry[{ei}].changes[{ci}]");
            if field == "messages" || field == "smb_message_echoes" {
                if let Some(mv) = lenient_messages(value, &here, &mut out.skipped) {
                    messages_value(&mut out, &mv, field == "smb_message_echoes", at);
                }
                continue;
            }
            if field == "standby" {
                if let Some(mv) = lenient_messages(value, &here, &mut out.skipped) {
                    standby_value(&mut out, &mv, at);
                }
                continue;
            }
            match ChangeValue::parse(field, value) {
                Ok(cv) => change_events(&mut out, &waba, field, &cv, at),
                Err(e) => out.skipped.push(format!("{here} ({field}): {e}")),
            }
        }
    }
    Some(out)
}

/// A `messages` value whose lists are parsed item by item; `None` when even its metadata fails.
fn lenient_messages(
    mut value: Value,
    here: &str,
    skipped: &mut Vec<String>,
) -> Option<MessagesValue> {
    let obj = value.as_object_mut()?;
    let mut take = |k: &str| match obj.remove(k) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => {
            skipped.push(format!("{here}: {k} is not a list"));
            Vec::new()
        }
    };
    let (messages, echoes, statuses, contacts, errors) = (
        take("messages"),
        take("message_echoes"),
        take("statuses"),
        take("contacts"),
        take("errors"),
    );
    let mut mv: MessagesValue = match serde_json::from_value(value) {
        Ok(mv) => mv,
        Err(e) => {
            skipped.push(format!("{here}: {e}"));
            return None;
        }
    };
    for (i, m) in messages.into_iter().enumerate() {
        match Message::from_value(m) {
            Ok(m) => mv.messages.push(m),
            Err(e) => skipped.push(format!("{here}.messages[{i}]: {e}")),
        }
    }
    for (i, m) in echoes.into_iter().enumerate() {
        match Message::from_value(m) {
            Ok(m) => mv.message_echoes.push(m),
            Err(e) => skipped.push(format!("{here}.message_echoes[{i}]: {e}")),
        }
    }
    for (i, x) in statuses.into_iter().enumerate() {
        match serde_json::from_value::<Status>(x) {
            Ok(x) => mv.statuses.push(x),
            Err(e) => skipped.push(format!("{here}.statuses[{i}]: {e}")),
        }
    }
    for (i, x) in contacts.into_iter().enumerate() {
        match serde_json::from_value::<Contact>(x) {
            Ok(x) => mv.contacts.push(x),
            Err(e) => skipped.push(format!("{here}.contacts[{i}]: {e}")),
        }
    }
    for (i, x) in errors.into_iter().enumerate() {
        match serde_json::from_value::<WebhookError>(x) {
            Ok(x) => mv.errors.push(x),
            Err(e) => skipped.push(format!("{here}.errors[{i}]: {e}")),
        }
    }
    Some(mv)
}

/// Translates a parsed payload: every entry, every change, every message, status and error.
#[must_use]
pub fn to_events(payload: &WebhookPayload, now: DateTime<Utc>) -> ParsedDelivery {
    let mut out = ParsedDelivery::default();
    for entry in &payload.entry {
        let at = entry.time.and_then(ts).unwrap_or(now);
        for change in &entry.changes {
            if !out.fields.contains(&change.field) {
                out.fields.push(change.field.clone());
            }
            change_events(&mut out, &entry.id, &change.field, &change.value, at);
        }
    }
    out
}

fn note_pid(out: &mut ParsedDelivery, pid: &str) {
    if !out.phone_number_ids.iter().any(|p| p == pid) {
        out.phone_number_ids.push(pid.to_owned());
    }
}

/// Meta's unix-seconds timestamp; `None` (the delivery's time is used) for values no real
/// message can carry: before 2009 (WhatsApp's birth) or more than a day in the future.
fn ts(secs: i64) -> Option<DateTime<Utc>> {
    let latest = Utc::now().timestamp() + 86_400;
    if !(1_230_768_000..=latest).contains(&secs) {
        return None;
    }
    DateTime::from_timestamp(secs, 0)
}

/// PostgreSQL text cannot hold NUL, and no person types one: it becomes U+FFFD, the same on
/// both backends, so the message is kept rather than failing the delivery.
fn clean(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

fn clean_opt(s: Option<&str>) -> Option<String> {
    s.map(clean)
}

fn delivery_error(e: &WebhookError) -> DeliveryError {
    DeliveryError {
        code: Some(e.code),
        title: clean_opt(e.title.as_deref()),
        message: clean_opt(e.message.as_deref()),
        details: clean_opt(e.details.as_deref()),
    }
}

fn change_events(
    out: &mut ParsedDelivery,
    waba_id: &str,
    field: &str,
    value: &ChangeValue,
    at: DateTime<Utc>,
) {
    let field = field.to_owned();
    let template = |template_id: &Option<String>, name: &Option<String>, lang: &Option<String>| {
        TemplateUpdate {
            template_id: template_id.clone(),
            name: name.clone(),
            language: lang.clone(),
            status: None,
            quality_score: None,
            category: None,
            reason: None,
            components: None,
            at,
        }
    };
    let account = |event: Option<String>, raw: Value| AccountEvent {
        phone_number_id: None,
        waba_id: Some(waba_id.to_owned()),
        field: field.clone(),
        event,
        quality_rating: None,
        messaging_limit_tier: None,
        verified_name: None,
        raw: raw.to_string(),
        at,
    };
    match value {
        ChangeValue::Messages(v) => messages_value(out, v, false, at),
        ChangeValue::SmbMessageEchoes(v) => messages_value(out, v, true, at),
        ChangeValue::TemplateStatusUpdate(t) => {
            let mut u = template(
                &t.message_template_id,
                &t.message_template_name,
                &t.message_template_language,
            );
            u.status = t.event.clone();
            u.category = t.message_template_category.clone();
            u.reason = t.reason.clone();
            out.events.push(WebhookEvent::Template(u));
        }
        ChangeValue::TemplateQualityUpdate(t) => {
            let mut u = template(
                &t.message_template_id,
                &t.message_template_name,
                &t.message_template_language,
            );
            u.quality_score = t.new_quality_score.clone();
            out.events.push(WebhookEvent::Template(u));
        }
        ChangeValue::TemplateCategoryUpdate(t) => {
            let mut u = template(
                &t.message_template_id,
                &t.message_template_name,
                &t.message_template_language,
            );
            u.category = t
                .new_category
                .clone()
                .or_else(|| t.correct_category.clone());
            out.events.push(WebhookEvent::Template(u));
        }
        ChangeValue::TemplateComponentsUpdate(t) => {
            let mut u = template(
                &t.message_template_id,
                &t.message_template_name,
                &t.message_template_language,
            );
            u.components = Some(
                json!({
                    "title": t.message_template_title,
                    "body": t.message_template_element,
                    "footer": t.message_template_footer,
                    "buttons": t.message_template_buttons,
                })
                .to_string(),
            );
            out.events.push(WebhookEvent::Template(u));
        }
        ChangeValue::PhoneNumberQualityUpdate(q) => {
            let mut a = account(q.event.clone(), serde_json::to_value(q).unwrap_or_default());
            a.quality_rating = q.event.clone();
            a.messaging_limit_tier = q.current_limit.clone();
            out.events.push(WebhookEvent::Account(a));
        }
        ChangeValue::PhoneNumberNameUpdate(n) => {
            let mut a = account(
                n.decision.clone(),
                serde_json::to_value(n).unwrap_or_default(),
            );
            if n.decision.as_deref() == Some("APPROVED") {
                a.verified_name = n.requested_verified_name.clone();
            }
            out.events.push(WebhookEvent::Account(a));
        }
        ChangeValue::AccountUpdate(u) => {
            let a = account(u.event.clone(), serde_json::to_value(u).unwrap_or_default());
            out.events.push(WebhookEvent::Account(a));
        }
        ChangeValue::AccountReviewUpdate(u) => {
            let a = account(
                u.decision.clone(),
                serde_json::to_value(u).unwrap_or_default(),
            );
            out.events.push(WebhookEvent::Account(a));
        }
        ChangeValue::UserPreferences(v) => {
            let pid = v.metadata.as_ref().map(|m| m.phone_number_id.clone());
            if let Some(p) = &pid {
                note_pid(out, p);
            }
            for p in &v.user_preferences {
                if p.category.as_deref() != Some("marketing_messages") {
                    continue;
                }
                let opt_out = match p.value.as_deref() {
                    Some("stop") => true,
                    Some("resume") => false,
                    _ => continue,
                };
                out.events.push(WebhookEvent::Preference(PreferenceUpdate {
                    phone_number_id: pid.clone(),
                    customer: CustomerRef {
                        wa_id: p.wa_id.clone(),
                        user_id: p.user_id.clone(),
                        ..CustomerRef::default()
                    },
                    marketing_opt_out: opt_out,
                    at: p.timestamp.and_then(ts).unwrap_or(at),
                }));
            }
        }
        ChangeValue::Standby(v) => standby_value(out, v, at),
        ChangeValue::History(v) => history_value(out, v, at),
        ChangeValue::SmbAppStateSync(v) => state_sync_value(out, v, at),
        ChangeValue::MessagingHandovers(h) => handover(out, h, at),
        ChangeValue::Calls(v) => calls_value(out, v, at),
        ChangeValue::GroupLifecycleUpdate(v)
        | ChangeValue::GroupParticipantsUpdate(v)
        | ChangeValue::GroupSettingsUpdate(v)
        | ChangeValue::GroupStatusUpdate(v) => groups_value(out, &field, v, at),
        _ => out.events.push(WebhookEvent::Unhandled { field }),
    }
}

fn customer_ref(c: &Contact) -> CustomerRef {
    CustomerRef {
        // The delivery's number is put on it when the delivery is planned.
        phone_number_id: None,
        wa_id: c.wa_id.clone(),
        user_id: c.user_id.clone(),
        parent_user_id: clean_opt(c.parent_user_id.as_deref()),
        phone_number: None,
        profile_name: clean_opt(c.profile.as_ref().and_then(|p| p.name.as_deref())),
        username: clean_opt(c.profile.as_ref().and_then(|p| p.username.as_deref())),
    }
}

/// The sender of `m`, with the profile from `contacts[]` when one matches.
fn sender(m: &Message, contacts: &[Contact]) -> CustomerRef {
    let matching = contacts.iter().find(|c| {
        (m.from.is_some() && c.wa_id == m.from)
            || (m.from_user_id.is_some() && c.user_id == m.from_user_id)
    });
    let matching = matching.or(if contacts.len() == 1 {
        contacts.first()
    } else {
        None
    });
    let mut who = matching.map(customer_ref).unwrap_or_default();
    if m.from.is_some() {
        who.wa_id.clone_from(&m.from);
    }
    if who.user_id.is_none() {
        who.user_id.clone_from(&m.from_user_id);
    }
    if who.parent_user_id.is_none() {
        who.parent_user_id = clean_opt(m.from_parent_user_id.as_deref());
    }
    who
}

fn messages_value(out: &mut ParsedDelivery, v: &MessagesValue, echoes: bool, at: DateTime<Utc>) {
    let pid = v.metadata.phone_number_id.clone();
    note_pid(out, &pid);
    // Group participants are not private contacts: a value about a group records none.
    let grouped = v.statuses.iter().any(Status::is_group)
        || v.messages.iter().any(|m| m.raw.get("group_id").is_some());
    if !echoes && !grouped {
        // A contact that sent a message here is handled with that message; the others (in
        // status callbacks) are recorded on their own.
        let senders = |c: &Contact| {
            v.messages.iter().any(|m| {
                (c.wa_id.is_some() && m.from == c.wa_id)
                    || (c.user_id.is_some() && m.from_user_id == c.user_id)
            })
        };
        for c in v.contacts.iter().filter(|c| !senders(c)) {
            let who = customer_ref(c);
            if !who.is_empty() {
                out.events.push(WebhookEvent::ContactSeen {
                    phone_number_id: pid.clone(),
                    customer: who,
                    at,
                });
            }
        }
    }
    for m in &v.messages {
        out.events
            .push(WebhookEvent::Inbound(inbound(m, &v.contacts, &pid, at)));
    }
    for m in &v.message_echoes {
        out.events.push(WebhookEvent::Echo(echo(m, &pid, at)));
    }
    for s in &v.statuses {
        out.events.push(WebhookEvent::Status(status(s, &pid, at)));
    }
    for e in &v.errors {
        out.events.push(WebhookEvent::ValueError {
            phone_number_id: Some(pid.clone()),
            error: delivery_error(e),
        });
    }
}

/// Text for the chat: the text or caption, else a readable summary of the content.
fn text_of(m: &Message) -> Option<String> {
    summary_of(m).map(|t| clean(&t))
}

fn summary_of(m: &Message) -> Option<String> {
    if let Some(t) = m.text_or_caption() {
        return Some(t.to_owned());
    }
    match &m.content {
        MessageContent::Location(l) => {
            let place = [l.name.as_deref(), l.address.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let coords = if l.latitude.is_finite() && l.longitude.is_finite() {
                format!("{:.5}, {:.5}", l.latitude, l.longitude)
            } else {
                String::new()
            };
            Some(
                [place, coords]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
            )
            .filter(|s| !s.is_empty())
        }
        MessageContent::Contacts(cards) => {
            let names: Vec<String> = cards
                .iter()
                .filter_map(|c| c.pointer("/name/formatted_name").and_then(Value::as_str))
                .map(str::to_owned)
                .collect();
            Some(if names.is_empty() {
                "Shared a contact".to_owned()
            } else {
                format!("Shared contact: {}", names.join(", "))
            })
        }
        MessageContent::Interactive(InteractiveReply::NfmReply { body, name, .. }) => body
            .clone()
            .or_else(|| name.as_ref().map(|n| format!("Completed flow {n}"))),
        MessageContent::Interactive(InteractiveReply::CallPermissionReply { response, .. }) => {
            Some(format!(
                "Call permission: {}",
                response.as_deref().unwrap_or("answered")
            ))
        }
        MessageContent::Reaction { emoji, .. } => emoji.clone().filter(|e| !e.is_empty()),
        MessageContent::Order(o) => {
            let n = o
                .get("product_items")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let text = o.get("text").and_then(Value::as_str);
            Some(match text {
                Some(t) => format!("Order ({n} items): {t}"),
                None => format!("Order ({n} items)"),
            })
        }
        MessageContent::System { body, .. } => body.clone(),
        _ => None,
    }
}

fn media_of(m: &MessageContent) -> Option<Value> {
    match m {
        MessageContent::Image(x)
        | MessageContent::Audio(x)
        | MessageContent::Video(x)
        | MessageContent::Document(x)
        | MessageContent::Sticker(x) => serde_json::to_value(x).ok(),
        _ => None,
    }
}

fn effect_of(m: &Message) -> InboundEffect {
    match &m.content {
        MessageContent::Reaction { message_id, emoji } => InboundEffect::Reaction {
            target: message_id.clone(),
            emoji: emoji.clone().filter(|e| !e.is_empty()),
        },
        MessageContent::Edit {
            original_message_id: Some(target),
            message,
        } => InboundEffect::Edit {
            target: target.clone(),
            text: clean_opt(message.as_ref().and_then(|x| x.content.text_or_caption())),
        },
        MessageContent::Revoke {
            original_message_id: Some(target),
        } => InboundEffect::Revoke {
            target: target.clone(),
        },
        MessageContent::System {
            kind: Some(kind),
            wa_id,
            new_wa_id,
            user_id,
            parent_user_id,
            ..
        } if kind == "user_changed_number" || kind == "user_changed_user_id" => {
            let wa_id = clean_opt(wa_id.as_deref().or(new_wa_id.as_deref()));
            let user_id = clean_opt(user_id.as_deref());
            let parent_user_id = clean_opt(parent_user_id.as_deref());
            if wa_id.is_none() && user_id.is_none() && parent_user_id.is_none() {
                InboundEffect::Plain
            } else {
                InboundEffect::IdentityChange {
                    wa_id,
                    user_id,
                    parent_user_id,
                }
            }
        }
        MessageContent::Interactive(InteractiveReply::CallPermissionReply {
            response: Some(response),
            expiration_timestamp,
            ..
        }) => InboundEffect::CallPermission {
            response: clean(response),
            // Days ahead (an acceptance lasts 7 days): not a message time, so not `ts`.
            expires_at: expiration_timestamp.and_then(|t| DateTime::from_timestamp(t, 0)),
        },
        _ => InboundEffect::Plain,
    }
}

/// Who a message is from. A `system` notice of a changed identity names the customer by the
/// identities stored before the change (`previous_user_id`), the new ones are its effect.
fn sender_of(m: &Message, contacts: &[Contact]) -> CustomerRef {
    let mut who = sender(m, contacts);
    if let MessageContent::System {
        previous_user_id,
        previous_parent_user_id,
        ..
    } = &m.content
    {
        if let Some(u) = clean_opt(previous_user_id.as_deref()) {
            who.user_id = Some(u);
        }
        if let Some(p) = clean_opt(previous_parent_user_id.as_deref()) {
            who.parent_user_id = Some(p);
        }
    }
    who
}

fn inbound(m: &Message, contacts: &[Contact], pid: &str, at: DateTime<Utc>) -> InboundMessage {
    InboundMessage {
        wamid: m.id.clone(),
        phone_number_id: pid.to_owned(),
        customer: sender_of(m, contacts),
        timestamp: ts(m.timestamp).unwrap_or(at),
        message_type: m.type_name().to_owned(),
        text: text_of(m),
        reply_to: m.context.as_ref().and_then(|c| c.id.clone()),
        is_forwarded: m
            .context
            .as_ref()
            .is_some_and(|c| c.forwarded || c.frequently_forwarded),
        media: media_of(&m.content),
        error: m.errors.first().map(delivery_error),
        group_id: m
            .raw
            .get("group_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        effect: effect_of(m),
        raw: m.raw.to_string(),
    }
}

fn echo(m: &Message, pid: &str, at: DateTime<Utc>) -> OutboundEcho {
    OutboundEcho {
        wamid: m.id.clone(),
        phone_number_id: pid.to_owned(),
        customer: CustomerRef {
            wa_id: m.to.clone(),
            user_id: m.to_user_id.clone(),
            ..CustomerRef::default()
        },
        timestamp: ts(m.timestamp).unwrap_or(at),
        message_type: m.type_name().to_owned(),
        text: text_of(m),
        effect: effect_of(m),
        raw: m.raw.to_string(),
    }
}

fn status(s: &Status, pid: &str, at: DateTime<Utc>) -> StatusUpdate {
    let group = s.is_group();
    StatusUpdate {
        wamid: s.id.clone(),
        phone_number_id: pid.to_owned(),
        status: MessageStatus::from(s.status.as_str()),
        timestamp: ts(s.timestamp).unwrap_or(at),
        recipient: if group {
            CustomerRef::default()
        } else {
            CustomerRef {
                wa_id: s.recipient_id.clone(),
                user_id: s.recipient_user_id.clone(),
                ..CustomerRef::default()
            }
        },
        error: s.errors.first().map(delivery_error),
        biz_opaque_callback_data: s.biz_opaque_callback_data.clone(),
        conversation_id: s.conversation.as_ref().and_then(|c| c.id.clone()),
        pricing: s
            .pricing
            .as_ref()
            .map(|p| wacloud_core::costs::Pricing {
                model: p.pricing_model.clone(),
                billable: p.billable,
                category: p.category.clone(),
                kind: p.kind.clone(),
            })
            .unwrap_or_default(),
        group_id: if group { s.recipient_id.clone() } else { None },
    }
}

/// `standby` (Conversation Routing): the same shape as `messages`, for a thread another
/// responder owns. Its messages and the owner's echoes are kept as the conversation's context;
/// its statuses (of the owner's messages) and contacts are left in the stored delivery.
fn standby_value(out: &mut ParsedDelivery, v: &MessagesValue, at: DateTime<Utc>) {
    let pid = v.metadata.phone_number_id.clone();
    note_pid(out, &pid);
    for m in &v.messages {
        out.events
            .push(WebhookEvent::Standby(inbound(m, &v.contacts, &pid, at)));
    }
    for m in &v.message_echoes {
        out.events
            .push(WebhookEvent::StandbyEcho(echo(m, &pid, at)));
    }
}

/// The owner a `control_taken` notice names, from the change object's members as Meta sends
/// them (Meta's WhatsApp reference names roles, not apps: `new_owner_role` or `new_owner`, with
/// `new_owner_app_id` where an app id is given). Unnamed: another app.
fn new_owner(extra: &serde_json::Map<String, Value>) -> (ThreadOwner, Option<String>) {
    let text = |k: &str| {
        extra.get(k).and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let app_id = text("new_owner_app_id");
    let role = text("new_owner_role").or_else(|| text("new_owner"));
    let owner = match role.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("ai_agent" | "business_ai" | "meta_ai" | "business_agent") => ThreadOwner::AiAgent,
        Some("business_app" | "smb_app" | "whatsapp_business_app") => ThreadOwner::BusinessApp,
        _ => ThreadOwner::App,
    };
    (owner, app_id)
}

/// `messaging_handovers`: `control_passed` makes the thread ours, `control_taken` another's.
fn handover(out: &mut ParsedDelivery, h: &MessagingHandoversValue, at: DateTime<Utc>) {
    let pid = h
        .recipient
        .as_ref()
        .and_then(|r| r.phone_number_id.clone())
        .or_else(|| h.metadata.as_ref().map(|m| m.phone_number_id.clone()));
    if let Some(p) = &pid {
        note_pid(out, p);
    }
    let customer = h
        .sender
        .as_ref()
        .map(|s| CustomerRef {
            wa_id: s
                .phone_number
                .as_deref()
                .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
                .filter(|d| !d.is_empty()),
            user_id: s.user_id.clone(),
            ..CustomerRef::default()
        })
        .unwrap_or_default();
    let when = h.timestamp.and_then(ts).unwrap_or(at);
    let thread = if h.is_passed_to_this_app() {
        ThreadState::new(ThreadOwner::Wacloud, None, when)
    } else if h.is_taken_from_this_app() {
        let (owner, app_id) = h
            .control_taken
            .as_ref()
            .map_or((ThreadOwner::App, None), |c| new_owner(&c.extra));
        ThreadState::new(owner, app_id, when)
    } else {
        out.events.push(WebhookEvent::Unhandled {
            field: "messaging_handovers".into(),
        });
        return;
    };
    if customer.is_empty() {
        out.skipped
            .push("messaging_handovers: no sender phone_number or user_id".into());
        return;
    }
    out.events.push(WebhookEvent::Handover(ThreadHandover {
        phone_number_id: pid,
        customer,
        thread,
        metadata: h.change().and_then(|c| c.metadata.as_deref()).map(clean),
    }));
}

/// Digits of a phone number as Meta writes it in coexistence payloads (`+1 555…` or `1555…`).
fn wa_id_of(phone: Option<&str>) -> Option<String> {
    phone
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| !d.is_empty())
}

/// `history` (coexistence): one event per chunk. A thread's id is the customer's number; a
/// message is the business's when its `from` is not the customer (or `history_context.from_me`),
/// with `history_context.status` as what became of it (`error` read as `failed`). Shapes: Meta's
/// "Onboarding WhatsApp Business app users" (coexistence) webhooks, as reproduced at
/// <https://dualhook.com/docs/webhook-history> and
/// <https://docs.360dialog.com/partner/onboarding/whatsapp-coexistence/coexistence-webhooks>.
fn history_value(out: &mut ParsedDelivery, v: &HistoryValue, at: DateTime<Utc>) {
    let Some(pid) = v.metadata.as_ref().map(|m| m.phone_number_id.clone()) else {
        out.skipped
            .push("history: no metadata.phone_number_id".into());
        return;
    };
    note_pid(out, &pid);
    for (ci, chunk) in v.history.iter().enumerate() {
        let progress = chunk
            .metadata
            .as_ref()
            .map(|m| HistoryProgress {
                phase: m.phase,
                chunk_order: m.chunk_order,
                progress: m.progress,
            })
            .unwrap_or_default();
        let mut messages = Vec::new();
        for (ti, thread) in chunk.threads.iter().enumerate() {
            if let Some(why) = thread.id.as_deref().and_then(bad_id) {
                out.skipped
                    .push(format!("history[{ci}].threads[{ti}]: id {why}"));
                continue;
            }
            let Some(wa_id) = wa_id_of(thread.id.as_deref()) else {
                out.skipped
                    .push(format!("history[{ci}].threads[{ti}]: no customer id"));
                continue;
            };
            let customer = CustomerRef {
                phone_number_id: Some(pid.clone()),
                wa_id: Some(wa_id.clone()),
                ..CustomerRef::default()
            };
            for m in &thread.messages {
                let from_me = m
                    .raw
                    .pointer("/history_context/from_me")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let from_business = from_me
                    || m.from
                        .as_deref()
                        .is_some_and(|f| wa_id_of(Some(f)).as_deref() != Some(wa_id.as_str()));
                let mut message = inbound(m, &[], &pid, at);
                message.customer = customer.clone();
                let status = m
                    .history_status()
                    .map(|s| match s.to_ascii_lowercase().as_str() {
                        "error" => MessageStatus::Failed,
                        other => MessageStatus::from(other),
                    });
                messages.push(HistoryMessage {
                    message,
                    from_business,
                    status,
                });
            }
        }
        out.events.push(WebhookEvent::History(HistoryChunk {
            phone_number_id: pid.clone(),
            progress,
            messages,
            error: chunk.errors.first().map(delivery_error),
            at,
        }));
    }
}

/// `smb_app_state_sync` (coexistence): each `type: contact` item names a customer by phone
/// number with the name saved in the Business app (`full_name`, else `first_name`), or
/// `action: remove`. Shape: Meta's coexistence webhooks, as reproduced at
/// <https://docs.360dialog.com/partner/onboarding/whatsapp-coexistence/coexistence-webhooks>.
fn state_sync_value(out: &mut ParsedDelivery, v: &SmbAppStateSyncValue, at: DateTime<Utc>) {
    let Some(pid) = v.metadata.as_ref().map(|m| m.phone_number_id.clone()) else {
        out.skipped
            .push("smb_app_state_sync: no metadata.phone_number_id".into());
        return;
    };
    note_pid(out, &pid);
    for (i, item) in v.state_sync.iter().enumerate() {
        if item.kind.as_deref().is_some_and(|k| k != "contact") {
            out.events.push(WebhookEvent::Unhandled {
                field: "smb_app_state_sync".into(),
            });
            continue;
        }
        let contact = item.contact.as_ref();
        let Some(wa_id) = wa_id_of(contact.and_then(|c| c.phone_number.as_deref())) else {
            out.skipped.push(format!(
                "smb_app_state_sync.state_sync[{i}]: no phone_number"
            ));
            continue;
        };
        let removed = item.action.as_deref() == Some("remove");
        let name = contact
            .and_then(|c| c.full_name.as_deref().or(c.first_name.as_deref()))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(clean);
        if let Some(why) = name.as_deref().and_then(bad_saved_name) {
            out.skipped
                .push(format!("smb_app_state_sync.state_sync[{i}]: {why}"));
            continue;
        }
        out.events.push(WebhookEvent::SavedContact(SavedContact {
            phone_number_id: pid.clone(),
            customer: CustomerRef {
                phone_number_id: Some(pid.clone()),
                wa_id: Some(wa_id),
                ..CustomerRef::default()
            },
            name: if removed { None } else { name },
            removed,
            at: item
                .metadata
                .as_ref()
                .and_then(|m| m.timestamp)
                .and_then(ts)
                .unwrap_or(at),
        }));
    }
}

/// `calls` (WhatsApp Business Calling): each `calls[]` item (`connect`, `terminate`) and each
/// call status (`statuses[]`, `RINGING`, `ACCEPTED`, `REJECTED`) becomes a [`CallEvent`]. The
/// customer is the value's only contact when there is one (it carries `wa_id` and BSUIDs),
/// else the caller of a customer's call or the callee of the business's. Shapes: Meta's
/// Calling webhooks (fixtures `pywa/updates/call_connect.json`, `call_terminate.json`,
/// `call_status.json`).
fn calls_value(out: &mut ParsedDelivery, v: &CallsValue, at: DateTime<Utc>) {
    let Some(pid) = v.metadata.as_ref().map(|m| m.phone_number_id.clone()) else {
        out.skipped
            .push("calls: no metadata.phone_number_id".into());
        return;
    };
    note_pid(out, &pid);
    let only = match v.contacts.as_slice() {
        [c] => Some(customer_ref(c)).filter(|w| !w.is_empty()),
        _ => None,
    };
    let error = v.errors.first().map(|e| {
        let title = e.title.as_deref().or(e.message.as_deref()).unwrap_or("");
        clean(format!("{} {title}", e.code).trim())
    });
    for (i, call) in v.calls.iter().enumerate() {
        let Some(id) = call.id.clone() else {
            out.skipped.push(format!("calls[{i}]: no id"));
            continue;
        };
        if let Some(why) = bad_id(&id).or_else(|| call.duration.and_then(bad_duration)) {
            out.skipped.push(format!("calls[{i}]: {why}"));
            continue;
        }
        let direction = match call.direction.as_deref() {
            Some("USER_INITIATED") => Some(Direction::Inbound),
            Some("BUSINESS_INITIATED") => Some(Direction::Outbound),
            _ => None,
        };
        let customer = only.clone().unwrap_or_else(|| {
            let (wa_id, user_id) = if direction == Some(Direction::Inbound) {
                (&call.from, &call.from_user_id)
            } else {
                (&call.to, &call.to_user_id)
            };
            CustomerRef {
                wa_id: wa_id.clone(),
                user_id: user_id.clone(),
                ..CustomerRef::default()
            }
        });
        let kind = match call.event.as_deref() {
            Some("connect") => CallEventKind::Connect,
            Some("terminate") => CallEventKind::Terminate {
                status: call.status.clone(),
                start_time: call.start_time.and_then(ts),
                end_time: call.end_time.and_then(ts),
                duration: call.duration,
            },
            _ => {
                out.events.push(WebhookEvent::Unhandled {
                    field: "calls".into(),
                });
                continue;
            }
        };
        out.events.push(WebhookEvent::Call(CallEvent {
            phone_number_id: pid.clone(),
            call_id: id,
            customer,
            direction,
            kind,
            at: call.timestamp.and_then(ts).unwrap_or(at),
            error: error.clone(),
        }));
    }
    for (i, s) in v.statuses.iter().enumerate() {
        let (Some(id), Some(status)) = (s.id.clone(), s.status.clone()) else {
            out.skipped
                .push(format!("calls.statuses[{i}]: no id or status"));
            continue;
        };
        if let Some(why) = bad_id(&id) {
            out.skipped.push(format!("calls.statuses[{i}]: id {why}"));
            continue;
        }
        let customer = only.clone().unwrap_or_else(|| CustomerRef {
            wa_id: s.recipient_id.clone(),
            ..CustomerRef::default()
        });
        out.events.push(WebhookEvent::Call(CallEvent {
            phone_number_id: pid.clone(),
            call_id: id,
            customer,
            // Call statuses are sent for the business's calls only.
            direction: Some(Direction::Outbound),
            kind: CallEventKind::Status {
                status: status.to_ascii_uppercase(),
            },
            at: s.timestamp.and_then(ts).unwrap_or(at),
            error: error.clone(),
        }));
    }
}

/// The `group_*` fields (Meta's "Webhooks for Groups API"; the `GroupValue` schema of its
/// OpenAPI description): one [`WebhookEvent::Group`] per `groups[]` event. What happened is
/// read from the field and the event's `type`; the participant lists are passed on whatever
/// the type says (Meta's own removal example is typed `group_create`). A setting change counts
/// only when `update_successful` is not `false`.
fn groups_value(out: &mut ParsedDelivery, field: &str, v: &GroupsValue, at: DateTime<Utc>) {
    let Some(pid) = v.metadata.as_ref().map(|m| m.phone_number_id.clone()) else {
        out.skipped
            .push(format!("{field}: no metadata.phone_number_id"));
        return;
    };
    note_pid(out, &pid);
    for (i, e) in v.groups.iter().enumerate() {
        // A creation that failed may name no group yet (only its `request_id`).
        if let Some(why) = e.group_id.as_deref().and_then(bad_id) {
            out.skipped
                .push(format!("{field}.groups[{i}]: group_id {why}"));
            continue;
        }
        if e.kind.as_deref().is_some_and(|k| !group_type_ok(k)) {
            out.skipped.push(format!(
                "{field}.groups[{i}]: type is not one of Meta's (group_…)"
            ));
            continue;
        }
        out.events
            .push(WebhookEvent::Group(group_update(field, &pid, e, at)));
    }
}

fn group_change(field: &str, kind: Option<&str>) -> GroupChange {
    match (field, kind) {
        (_, Some("group_delete")) => GroupChange::Deleted,
        ("group_lifecycle_update", _) => GroupChange::Created,
        ("group_participants_update", _) => GroupChange::Participants,
        ("group_settings_update", _) => GroupChange::Settings,
        ("group_status_update", Some("group_suspend_cleared")) => GroupChange::SuspensionCleared,
        ("group_status_update", Some("group_suspend")) => GroupChange::Suspended,
        _ => GroupChange::Other,
    }
}

fn participant(p: &GroupParticipant) -> ParticipantRef {
    ParticipantRef {
        wa_id: clean_opt(p.wa_id.as_deref().or(p.input.as_deref())),
        user_id: clean_opt(p.user_id.as_deref()),
    }
}

/// The new text of a setting that Meta applied.
fn applied(s: Option<&GroupSettingResult>) -> Option<&GroupSettingResult> {
    s.filter(|r| r.update_successful != Some(false) && r.errors.is_empty())
}

fn group_update(field: &str, pid: &str, e: &GroupEvent, at: DateTime<Utc>) -> GroupUpdate {
    let error = e.errors.first().map(|x| {
        clean(&format!(
            "{} {}",
            x.code,
            x.title.as_deref().or(x.message.as_deref()).unwrap_or("")
        ))
    });
    GroupUpdate {
        phone_number_id: pid.to_owned(),
        group_id: e.group_id.clone(),
        request_id: e.request_id.clone(),
        change: group_change(field, e.kind.as_deref()),
        event_type: e.kind.clone(),
        at: e.timestamp.and_then(ts).unwrap_or(at),
        subject: clean_opt(
            e.subject
                .as_deref()
                .or(applied(e.group_subject.as_ref()).and_then(|r| r.text.as_deref())),
        ),
        description: clean_opt(
            e.description
                .as_deref()
                .or(applied(e.group_description.as_ref()).and_then(|r| r.text.as_deref())),
        ),
        invite_link: clean_opt(e.invite_link.as_deref()),
        join_approval_mode: clean_opt(e.join_approval_mode.as_deref()),
        picture_sha256: applied(e.profile_picture.as_ref())
            .and_then(|r| clean_opt(r.sha256.as_deref())),
        added: e.added_participants.iter().map(participant).collect(),
        removed: e.removed_participants.iter().map(participant).collect(),
        initiated_by: e.initiated_by.clone(),
        error,
    }
}
