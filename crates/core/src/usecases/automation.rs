//! Automations (issue 21): running the rules and automatic replies for one customer message
//! ([`run`]), managing rules and a number's automatic replies, and handing a conversation to a
//! bot subscription and back.
//!
//! [`run`] is one write job: it claims the message's run (`whatsapp_automation_runs`, so a
//! second call, a redelivery or another instance finds it done), reads the message, contact,
//! conversation, rules and the number's settings, decides ([`decide`]), applies tags,
//! assignment, status and bot changes (timeline + audit by `rule:<id>`), queues replies into
//! `whatsapp_queue` (paced, window-checked, never resent blindly by the queue worker) with the
//! actor `rule:<id>`, `automation:welcome` or `automation:away`, and counts each rule's run.
//! A crash before the commit leaves nothing, so the run happens again; after it, never again.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::{Actor, AuditEntry};
use crate::automation::rules::Incoming;
use crate::automation::{
    decide, Action, AutoKind, AutomationProblem, AutomationSettings, Facts, PlannedReply, Rule,
    RuleDraft, Skip,
};
use crate::contact::{Contact, ContactUpdate};
use crate::conversation::{
    Assignee, Conversation, ConversationStatus, TimelineEntry, TimelineKind,
};
use crate::error::CoreError;
use crate::message::Direction;
use crate::outbound::OutboundContent;
use crate::phone::ContactKey;
use crate::ports::{new_id, read, write, ConversationAutomation, Repos, Store, StoreError};
use crate::queue::NewQueueItem;
use crate::usecases::coexistence::HISTORY_SOURCE;
use crate::usecases::inbox::{contact, Change};
use crate::usecases::routing::STANDBY_SOURCE;

/// The `source` of queue items and messages an automation sends.
pub const AUTOMATION_SOURCE: &str = "automation";

impl From<AutomationProblem> for CoreError {
    fn from(p: AutomationProblem) -> Self {
        // The path is in the message; `field` names the top-level member.
        let top = match p.field.split(['.', '[']).next() {
            Some("conditions") => "conditions",
            Some("actions") => "actions",
            Some("hours") => "hours",
            Some("name") => "name",
            Some("welcome_text") => "welcome_text",
            Some("away_text") => "away_text",
            Some("away_template") => "away_template",
            Some("interval_minutes") => "interval_minutes",
            _ => "body",
        };
        CoreError::Invalid {
            code: p.code,
            message: p.message,
            field: Some(top),
        }
    }
}

/// One `rules` item of the outbox: a customer's new message.
#[derive(Debug, Clone)]
pub struct RulesItem {
    /// wacloud's id of the message (`whatsapp_messages.id`).
    pub message_id: String,
}

/// What [`run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Automations had already run for this message: nothing was done.
    pub already_ran: bool,
    /// The rules that matched and ran, in order.
    pub rules: Vec<String>,
    /// Messages queued (rule replies and automatic replies).
    pub queued: usize,
    /// The automatic reply queued, if any.
    pub auto: Option<AutoKind>,
}

/// Runs the rules and automatic replies for the message of `item`, exactly once: see the
/// module's comment. `finish` runs last in the same write job (the outbox marks its row done
/// there); when it answers `false` (the lease was lost) the job rolls back and nothing is done.
///
/// # Errors
/// [`StoreError`] (nothing was done; run again), [`StoreError::Conflict`]-like failures of
/// `finish` roll back too.
pub async fn run<F>(
    store: &dyn Store,
    item: RulesItem,
    now: DateTime<Utc>,
    finish: F,
) -> Result<RunReport, StoreError>
where
    F: FnOnce(&mut dyn Repos) -> Result<bool, StoreError> + Send + 'static,
{
    write(store, move |r| {
        if !r.claim_automation_run(&item.message_id, now)? {
            let report = RunReport {
                already_ran: true,
                ..RunReport::default()
            };
            return if finish(r)? { Ok(report) } else { Err(lost()) };
        }
        let report = run_in(r, &item.message_id, now)?;
        if finish(r)? {
            Ok(report)
        } else {
            Err(lost())
        }
    })
    .await
}

fn lost() -> StoreError {
    StoreError::Conflict("automation run: the outbox lease was lost; another worker runs it".into())
}

fn skip_of(m: &crate::message::Message) -> Option<Skip> {
    if m.direction != Direction::Inbound || m.source.as_deref() == Some(HISTORY_SOURCE) {
        return Some(Skip::NotFromCustomer);
    }
    if m.source.as_deref() == Some(STANDBY_SOURCE) {
        return Some(Skip::Standby);
    }
    // Group messages are stored without a contact.
    if m.contact_id.is_none() {
        return Some(Skip::Group);
    }
    None
}

fn run_in(
    r: &mut dyn Repos,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<RunReport, StoreError> {
    let mut report = RunReport::default();
    let Some(m) = r.get_message(message_id)? else {
        return Ok(report);
    };
    if skip_of(&m).is_some() {
        return Ok(report);
    }
    let Some(contact_id) = m.contact_id.clone() else {
        return Ok(report);
    };
    let Some(contact) = r.get_contact(&contact_id)? else {
        return Ok(report);
    };
    let settings = r.automation_settings(&contact.phone_number_id)?;
    let schedule = settings
        .as_ref()
        .and_then(|s| s.hours.as_ref())
        .and_then(|h| h.check().ok());
    // Hours as of when the customer wrote: a run delayed by a backlog answers as it would have.
    let outside_hours = schedule.is_some_and(|s| !s.is_open(m.created_at));
    let rules = r.list_rules()?;
    let conv = r.conversation_automation(&contact_id)?;
    let first_message = !r.has_earlier_inbound(&contact_id, message_id)?;
    let facts = Facts {
        incoming: Incoming {
            text: m.message_text.as_deref(),
            kind: &m.message_type,
            first_message,
            outside_hours,
            tags: &contact.tags,
            phone_number_id: &contact.phone_number_id,
        },
        skip: None,
        no_replies: contact.marketing_opt_out || contact.is_blocked,
        bot_owned: conv.bot_subscription_id.is_some(),
        window_open: contact.window(now).open,
        last_auto_reply_at: conv.last_auto_reply_at,
        now,
    };
    let plan = decide(&rules, settings.as_ref(), &facts);
    let mut contact = contact;
    let mut queue = Vec::new();
    for outcome in &plan.rules {
        let actor = Actor::Rule {
            id: outcome.rule_id.clone(),
        };
        let mut problem = outcome.problem.clone();
        for a in &outcome.actions {
            if let Err(e) = apply_action(r, &mut contact, a, &actor, message_id, now)? {
                problem.get_or_insert(e);
            }
        }
        if let Some(reply) = &outcome.reply {
            queue.push(queue_item(&contact, reply, &actor, now));
        }
        r.count_rule_run(&outcome.rule_id, problem.as_deref(), now)?;
        report.rules.push(outcome.rule_id.clone());
    }
    if let Some((kind, reply)) = &plan.auto {
        queue.push(queue_item(&contact, reply, &Actor::Automation(*kind), now));
        r.set_last_auto_reply(&contact_id, now)?;
        report.auto = Some(*kind);
    }
    report.queued = queue.len();
    if !queue.is_empty() {
        r.enqueue(&queue)?;
    }
    Ok(report)
}

fn queue_item(
    c: &Contact,
    reply: &PlannedReply,
    actor: &Actor,
    now: DateTime<Utc>,
) -> NewQueueItem {
    let content = match reply {
        PlannedReply::Text(body) => OutboundContent::Text {
            body: body.clone(),
            preview_url: false,
        },
        PlannedReply::Template(t) => OutboundContent::Template {
            name: t.name.clone(),
            language: t.language.clone(),
            body_parameters: Vec::new(),
            header_text: None,
            header_media: None,
            buttons: Vec::new(),
        },
    };
    NewQueueItem {
        id: new_id(),
        batch_id: None,
        recipient: c.key(),
        content,
        due_at: now,
        created_at: now,
        allow_outside_window: false,
        source: AUTOMATION_SOURCE.to_owned(),
        retry_of: None,
        actor: Some(actor.tag()),
        actor_name: None,
        phone_number_id: (!c.phone_number_id.is_empty()).then(|| c.phone_number_id.clone()),
    }
}

fn timeline(
    contact_id: &str,
    kind: TimelineKind,
    actor: &Actor,
    now: DateTime<Utc>,
    details: serde_json::Value,
) -> TimelineEntry {
    TimelineEntry {
        id: new_id(),
        contact_id: contact_id.to_owned(),
        kind,
        at: now,
        actor: actor.tag(),
        actor_name: None,
        body: None,
        mentions: Vec::new(),
        details: Some(details),
    }
}

fn audit(
    actor: &Actor,
    action: &str,
    target: &str,
    now: DateTime<Utc>,
    details: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        at: now,
        actor: actor.tag(),
        actor_name: None,
        action: action.to_owned(),
        target: Some(target.to_owned()),
        address: None,
        user_agent: None,
        details: Some(details),
    }
}

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

/// Applies one non-reply action of a rule; `Ok(Err(why))` when it cannot be done (counted as
/// the run's failure; the other actions still run).
fn apply_action(
    r: &mut dyn Repos,
    c: &mut Contact,
    a: &Action,
    actor: &Actor,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), String>, StoreError> {
    let details = |d: serde_json::Value| {
        let mut d = d;
        d["message"] = json!(message_id);
        d
    };
    match a {
        Action::AddTag { tag } | Action::RemoveTag { tag } => {
            let add = matches!(a, Action::AddTag { .. });
            let has = c.tags.contains(tag);
            if add == has {
                return Ok(Ok(()));
            }
            let mut tags = c.tags.clone();
            if add {
                if tags.len() >= 32 {
                    return Ok(Err(format!(
                        "add_tag: the contact already has 32 tags ({tag})"
                    )));
                }
                tags.push(tag.clone());
            } else {
                tags.retain(|t| t != tag);
            }
            *c = r.update_contact(
                &c.id,
                &ContactUpdate {
                    tags: Some(tags),
                    ..ContactUpdate::default()
                },
                now,
            )?;
            let d = if add {
                json!({ "added": [tag], "removed": [] })
            } else {
                json!({ "added": [], "removed": [tag] })
            };
            r.insert_timeline_entry(&timeline(
                &c.id,
                TimelineKind::TagsChanged,
                actor,
                now,
                details(d.clone()),
            ))?;
            r.insert_audit(&audit(
                actor,
                "contact_tags_changed",
                &c.id,
                now,
                details(d),
            ))?;
        }
        Action::Assign { .. } | Action::Unassign => {
            let to = match a {
                Action::Assign { operator_id } => match r.get_operator(operator_id)? {
                    Some(op) if op.is_active => Some(Assignee {
                        id: op.id,
                        display_name: op.display_name,
                    }),
                    _ => {
                        return Ok(Err(format!(
                            "assign: no active operator has the id {operator_id}"
                        )))
                    }
                },
                _ => None,
            };
            let old = current(r, &c.id, now)?;
            if old.assignee.as_ref().map(|x| &x.id) == to.as_ref().map(|x| &x.id) {
                return Ok(Ok(()));
            }
            let new = Conversation {
                assignee: to,
                updated_at: Some(now),
                updated_by: Some(actor.tag()),
                ..old.clone()
            };
            r.put_conversation(&new)?;
            // Subscribers hear of a rule's assignment as of an operator's.
            crate::usecases::subscriptions::conversation_assigned(
                r,
                &c.id,
                new.assignee.as_ref().map(|a| a.id.as_str()),
                &actor.tag(),
                now,
            )?;
            let d = details(json!({ "from": old.assignee, "to": new.assignee }));
            r.insert_timeline_entry(&timeline(
                &c.id,
                TimelineKind::AssigneeChanged,
                actor,
                now,
                d.clone(),
            ))?;
            r.insert_audit(&audit(actor, "conversation_assigned", &c.id, now, d))?;
        }
        Action::SetStatus { status } => {
            let old = current(r, &c.id, now)?;
            let new = match old.with_status(*status, None, actor, now) {
                Ok(Some(new)) => new,
                Ok(None) => return Ok(Ok(())),
                Err(e) => return Ok(Err(format!("set_status: {e}"))),
            };
            r.put_conversation(&new)?;
            if new.status == ConversationStatus::Resolved
                && old.status != ConversationStatus::Resolved
            {
                crate::usecases::subscriptions::conversation_resolved(r, &c.id, &actor.tag(), now)?;
            }
            let d = details(json!({ "from": old.status, "to": new.status, "snoozed_until": null }));
            r.insert_timeline_entry(&timeline(
                &c.id,
                TimelineKind::StatusChanged,
                actor,
                now,
                d.clone(),
            ))?;
            r.insert_audit(&audit(actor, "conversation_status_changed", &c.id, now, d))?;
        }
        Action::HandOver { subscription_id } => {
            let old = r.conversation_automation(&c.id)?;
            if old.bot_subscription_id.as_deref() == Some(subscription_id.as_str()) {
                return Ok(Ok(()));
            }
            if let Err(e) = check_bot(r, subscription_id)? {
                return Ok(Err(format!("hand_over: {e}")));
            }
            set_bot(
                r,
                &c.id,
                &old,
                Some(subscription_id),
                actor,
                now,
                Some(message_id),
            )?;
        }
        Action::ReplyText { .. } | Action::ReplyTemplate { .. } => {}
    }
    Ok(Ok(()))
}

/// Whether `subscription_id` may own conversations: an active subscription flagged `bot`.
fn check_bot(r: &mut dyn Repos, subscription_id: &str) -> Result<Result<(), String>, StoreError> {
    Ok(match r.get_subscription(subscription_id)? {
        Some(s) if s.bot && s.active => Ok(()),
        Some(_) => Err(format!(
            "the subscription {subscription_id} is not an active bot subscription (\"bot\": true)"
        )),
        None => Err(format!("no subscription {subscription_id}")),
    })
}

fn set_bot(
    r: &mut dyn Repos,
    contact_id: &str,
    old: &ConversationAutomation,
    to: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
    message_id: Option<&str>,
) -> Result<(), StoreError> {
    r.put_conversation_bot(contact_id, to, now)?;
    let mut d = json!({ "from": old.bot_subscription_id, "to": to });
    if let Some(m) = message_id {
        d["message"] = json!(m);
    }
    let mut e = timeline(contact_id, TimelineKind::BotChanged, actor, now, d.clone());
    e.actor_name = actor.name().map(str::to_owned);
    r.insert_timeline_entry(&e)?;
    let mut a = audit(
        actor,
        if to.is_some() {
            "conversation_bot_started"
        } else {
            "conversation_bot_ended"
        },
        contact_id,
        now,
        d,
    );
    a.actor_name = actor.name().map(str::to_owned);
    r.insert_audit(&a)?;
    Ok(())
}

/// The bot that owns a contact's conversation (`None`: none does).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotOwner {
    /// The bot subscription's id.
    pub subscription_id: String,
    /// Since when it answers.
    pub since: Option<DateTime<Utc>>,
}

/// The bot owning the conversation of the contact `contact_id` (wacloud's id), if any.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn bot_of(store: &dyn Store, contact_id: String) -> Result<Option<BotOwner>, CoreError> {
    let a = read(store, move |r| r.conversation_automation(&contact_id)).await?;
    Ok(a.bot_subscription_id.map(|s| BotOwner {
        subscription_id: s,
        since: a.bot_since,
    }))
}

/// Hands the conversation of the contact `key` names to the bot subscription
/// `subscription_id` (`Some`), or back to the operators (`None`). Giving it to whoever has it
/// changes nothing.
///
/// # Errors
/// 400 `invalid_subscription` (no such bot subscription), [`CoreError::NotFound`],
/// [`CoreError::Store`].
pub async fn hand_over(
    store: &dyn Store,
    key: ContactKey,
    subscription_id: Option<String>,
    who: Change,
) -> Result<Option<BotOwner>, CoreError> {
    write(store, move |r| {
        let c = match contact(r, &key)? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let old = r.conversation_automation(&c.id)?;
        if old.bot_subscription_id == subscription_id {
            return Ok(Ok(old.bot_subscription_id.map(|s| BotOwner {
                subscription_id: s,
                since: old.bot_since,
            })));
        }
        if let Some(s) = &subscription_id {
            if let Err(e) = check_bot(r, s)? {
                return Ok(Err(CoreError::invalid(
                    "invalid_subscription",
                    "subscription_id",
                    format!("subscription_id: {e}"),
                )));
            }
        }
        set_bot(
            r,
            &c.id,
            &old,
            subscription_id.as_deref(),
            &who.actor,
            who.now,
            None,
        )?;
        Ok(Ok(subscription_id.map(|s| BotOwner {
            subscription_id: s,
            since: Some(who.now),
        })))
    })
    .await?
}

/// Whether any automation is active (an enabled rule, or a number with a welcome or away reply): the outbox
/// writes a `rules` row for new customer messages only then.
///
/// # Errors
/// [`StoreError`].
pub async fn active(store: &dyn Store) -> Result<bool, StoreError> {
    read(store, |r| r.automations_active()).await
}

/// Every rule, in order.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn rules(store: &dyn Store) -> Result<Vec<Rule>, CoreError> {
    Ok(read(store, |r| r.list_rules()).await?)
}

/// One rule with its counters.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn rule(store: &dyn Store, id: String) -> Result<Rule, CoreError> {
    read(store, move |r| r.get_rule(&id))
        .await?
        .ok_or_else(|| CoreError::NotFound("no such rule".into()))
}

/// Creates a rule (`id: None`; placed after the last when its `position` is `null`) or
/// replaces one's definition (its counters stay).
///
/// # Errors
/// 400 with the field's path ([`RuleDraft::check`]); 400 (`field: actions`, the action's path
/// in the message) `unknown_template` for a `reply_template` not stored, `unknown_operator`
/// for an `assign` to no active operator, `unknown_subscription` for a `hand_over` to no
/// active bot subscription; [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn put_rule(
    store: &dyn Store,
    id: Option<String>,
    draft: RuleDraft,
    who: Change,
) -> Result<Rule, CoreError> {
    draft.check()?;
    write(store, move |r| {
        // A reply naming a template wacloud does not know would only fail at Meta (132001),
        // after the customer wrote; refused here instead (`POST /templates/sync` first). So
        // are an operator or a bot subscription that the rule could only fail to find.
        for (i, a) in draft.actions.iter().enumerate() {
            let refused = match a {
                Action::ReplyTemplate { name, language } => {
                    r.find_template(name, language)?.is_none().then(|| CoreError::Invalid {
                        code: "unknown_template",
                        message: format!(
                            "actions[{i}]: no template {name:?} in {language:?} is known; create it or sync the templates (POST /templates/sync) first"
                        ),
                        field: Some("actions"),
                    })
                }
                Action::Assign { operator_id } => {
                    let active = r.get_operator(operator_id)?.is_some_and(|o| o.is_active);
                    (!active).then(|| CoreError::invalid(
                        "unknown_operator",
                        "actions",
                        format!("actions[{i}].operator_id: no active operator has the id {operator_id:?} (GET /api/whatsapp/operators lists them)"),
                    ))
                }
                Action::HandOver { subscription_id } => {
                    check_bot(r, subscription_id)?.err().map(|e| {
                        CoreError::invalid(
                            "unknown_subscription",
                            "actions",
                            format!("actions[{i}].subscription_id: {e}"),
                        )
                    })
                }
                _ => None,
            };
            if let Some(e) = refused {
                return Ok(Err(e));
            }
        }
        let existing = r.list_rules()?;
        let (rule, action) = match id {
            Some(id) => {
                let Some(old) = existing.into_iter().find(|x| x.id == id) else {
                    return Ok(Err(CoreError::NotFound("no such rule".into())));
                };
                (
                    Rule {
                        name: draft.name.trim().to_owned(),
                        position: draft.position.unwrap_or(old.position),
                        enabled: draft.enabled,
                        stop_after: draft.stop_after,
                        conditions: draft.conditions,
                        actions: draft.actions,
                        updated_at: who.now,
                        ..old
                    },
                    "rule_changed",
                )
            }
            None => {
                if existing.len() >= crate::automation::MAX_RULES {
                    return Ok(Err(CoreError::Conflict {
                        code: "too_many_rules",
                        message: format!(
                            "at most {} rules: delete one, or change one instead",
                            crate::automation::MAX_RULES
                        ),
                    }));
                }
                let last = existing.iter().map(|x| x.position).max().unwrap_or(0);
                (
                    Rule {
                        id: new_id(),
                        name: draft.name.trim().to_owned(),
                        position: draft.position.unwrap_or(
                            last.saturating_add(10).min(crate::automation::MAX_POSITION),
                        ),
                        enabled: draft.enabled,
                        stop_after: draft.stop_after,
                        conditions: draft.conditions,
                        actions: draft.actions,
                        runs: 0,
                        failures: 0,
                        last_run_at: None,
                        last_error: None,
                        created_at: who.now,
                        updated_at: who.now,
                    },
                    "rule_created",
                )
            }
        };
        r.put_rule(&rule)?;
        r.insert_audit(&who.audit(
            action,
            &rule.id,
            json!({ "name": rule.name, "enabled": rule.enabled }),
        ))?;
        Ok(Ok(rule))
    })
    .await?
}

/// Removes a rule.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn delete_rule(store: &dyn Store, id: String, who: Change) -> Result<(), CoreError> {
    write(store, move |r| {
        let Some(old) = r.get_rule(&id)? else {
            return Ok(Err(CoreError::NotFound("no such rule".into())));
        };
        r.delete_rule(&id)?;
        r.insert_audit(&who.audit("rule_deleted", &id, json!({ "name": old.name })))?;
        Ok(Ok(()))
    })
    .await?
}

/// A number's automatic replies (the defaults, all off, when never set). The caller checks
/// that the number is one of ours.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn settings(
    store: &dyn Store,
    phone_number_id: String,
) -> Result<AutomationSettings, CoreError> {
    read(store, move |r| {
        Ok(r.automation_settings(&phone_number_id)?.unwrap_or_default())
    })
    .await
    .map_err(CoreError::from)
}

/// Replaces a number's automatic replies.
///
/// # Errors
/// 400 with the field's path ([`AutomationSettings::check`]), 400 `unknown_template`
/// (`away_template`) for a template not stored (`POST /templates/sync`), [`CoreError::Store`].
pub async fn put_settings(
    store: &dyn Store,
    phone_number_id: String,
    s: AutomationSettings,
    who: Change,
) -> Result<AutomationSettings, CoreError> {
    s.check()?;
    write(store, move |r| {
        // As a rule's `reply_template`: a template wacloud does not know would only fail at
        // Meta (132001) when a customer writes after hours.
        if let Some(t) = &s.away_template {
            if r.find_template(&t.name, &t.language)?.is_none() {
                return Ok(Err(CoreError::invalid(
                    "unknown_template",
                    "away_template",
                    format!(
                        "away_template: no template {:?} in {:?} is known; create it or sync the templates (POST /templates/sync) first",
                        t.name, t.language
                    ),
                )));
            }
        }
        r.put_automation_settings(&phone_number_id, &s, who.now, &who.actor.tag())?;
        r.insert_audit(&who.audit(
            "automation_changed",
            &phone_number_id,
            serde_json::to_value(&s).unwrap_or_default(),
        ))?;
        Ok(Ok(s))
    })
    .await?
}
