//! `whatsapp_rules`, `whatsapp_automation_settings`, `whatsapp_automation_runs` and the
//! automation columns of `whatsapp_conversations` (migration `2026-12-10-000020_automations`):
//! [`AutomationRepos`] for [`Repo`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::automation::{AutomationSettings, Rule};
use wacloud_core::conversation::ConversationStatus;
use wacloud_core::ports::{AutomationRepos, ConversationAutomation, StoreError};

use super::Repo;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_automation_runs::dsl as ar;
use crate::schema::whatsapp_automation_settings::dsl as st;
use crate::schema::whatsapp_conversations::dsl as v;
use crate::schema::whatsapp_messages::dsl as m;
use crate::schema::whatsapp_rules::dsl as ru;
use crate::schema::whatsapp_subscriptions::dsl as sb;
use crate::with_conn;

/// Whether a number's stored settings (JSON) give a welcome or an away reply.
pub(super) fn replies(settings: &str) -> bool {
    serde_json::from_str::<AutomationSettings>(settings).is_ok_and(|s| {
        s.welcome_text.is_some() || s.away_text.is_some() || s.away_template.is_some()
    })
}

type RuleRow = (
    String,
    String,
    i64,
    bool,
    bool,
    String,
    String,
    i64,
    i64,
    Option<NaiveDateTime>,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

macro_rules! rule_columns {
    () => {
        (
            ru::id,
            ru::name,
            ru::position,
            ru::enabled,
            ru::stop_after,
            ru::conditions,
            ru::actions,
            ru::runs,
            ru::failures,
            ru::last_run_at,
            ru::last_error,
            ru::created_at,
            ru::updated_at,
        )
    };
}

fn corrupt(what: &str, e: &serde_json::Error) -> StoreError {
    StoreError::Internal(format!("stored {what} does not parse: {e}"))
}

fn rule(r: RuleRow) -> Result<Rule, StoreError> {
    let (
        id,
        name,
        position,
        enabled,
        stop_after,
        conditions,
        actions,
        runs,
        failures,
        last,
        err,
        c,
        u,
    ) = r;
    Ok(Rule {
        conditions: serde_json::from_str(&conditions)
            .map_err(|e| corrupt("rule conditions", &e))?,
        actions: serde_json::from_str(&actions).map_err(|e| corrupt("rule actions", &e))?,
        id,
        name,
        position,
        enabled,
        stop_after,
        runs,
        failures,
        last_run_at: last.map(from_db),
        last_error: err,
        created_at: from_db(c),
        updated_at: from_db(u),
    })
}

fn json(v: serde_json::Result<String>) -> Result<String, StoreError> {
    v.map_err(|e| StoreError::Internal(e.to_string()))
}

/// Longest `last_error` kept, in characters.
const MAX_ERROR_CHARS: usize = 500;

impl AutomationRepos for Repo<'_> {
    fn claim_automation_run(
        &mut self,
        message_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = with_conn!(self.conn, |x| diesel::insert_into(
            ar::whatsapp_automation_runs
        )
        .values((ar::message_id.eq(message_id), ar::ran_at.eq(to_db(at))))
        .on_conflict_do_nothing()
        .execute(x))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    fn prune_automation_runs(
        &mut self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<usize, StoreError> {
        let ids: Vec<String> = with_conn!(self.conn, |x| ar::whatsapp_automation_runs
            .filter(ar::ran_at.lt(to_db(before)))
            .order(ar::ran_at.asc())
            .limit(limit)
            .select(ar::message_id)
            .load(x))
        .map_err(map_err)?;
        if ids.is_empty() {
            return Ok(0);
        }
        with_conn!(self.conn, |x| diesel::delete(
            ar::whatsapp_automation_runs.filter(ar::message_id.eq_any(&ids))
        )
        .execute(x))
        .map_err(map_err)
    }

    fn automations_active(&mut self) -> Result<bool, StoreError> {
        let rule: Option<String> = with_conn!(self.conn, |x| ru::whatsapp_rules
            .filter(ru::enabled.eq(true))
            .select(ru::id)
            .first(x)
            .optional())
        .map_err(map_err)?;
        if rule.is_some() {
            return Ok(true);
        }
        // One row per number: few.
        let all: Vec<String> = with_conn!(self.conn, |x| st::whatsapp_automation_settings
            .select(st::settings)
            .load(x))
        .map_err(map_err)?;
        Ok(all.iter().any(|s| replies(s)))
    }

    fn automation_settings(
        &mut self,
        phone_number_id: &str,
    ) -> Result<Option<AutomationSettings>, StoreError> {
        let s: Option<String> = with_conn!(self.conn, |x| st::whatsapp_automation_settings
            .filter(st::phone_number_id.eq(phone_number_id))
            .select(st::settings)
            .first(x)
            .optional())
        .map_err(map_err)?;
        s.map(|s| serde_json::from_str(&s).map_err(|e| corrupt("automation settings", &e)))
            .transpose()
    }

    fn put_automation_settings(
        &mut self,
        phone_number_id: &str,
        s: &AutomationSettings,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<(), StoreError> {
        let values = (
            st::settings.eq(json(serde_json::to_string(s))?),
            st::updated_at.eq(to_db(at)),
            st::updated_by.eq(by),
        );
        with_conn!(self.conn, |x| diesel::insert_into(
            st::whatsapp_automation_settings
        )
        .values((st::phone_number_id.eq(phone_number_id), values.clone()))
        .on_conflict(st::phone_number_id)
        .do_update()
        .set(values.clone())
        .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn list_rules(&mut self) -> Result<Vec<Rule>, StoreError> {
        let rows: Vec<RuleRow> = with_conn!(self.conn, |x| ru::whatsapp_rules
            .order((ru::position.asc(), ru::created_at.asc(), ru::id.asc()))
            .select(rule_columns!())
            .load(x))
        .map_err(map_err)?;
        rows.into_iter().map(rule).collect()
    }

    fn get_rule(&mut self, id: &str) -> Result<Option<Rule>, StoreError> {
        let row: Option<RuleRow> = with_conn!(self.conn, |x| ru::whatsapp_rules
            .filter(ru::id.eq(id))
            .select(rule_columns!())
            .first(x)
            .optional())
        .map_err(map_err)?;
        row.map(rule).transpose()
    }

    fn put_rule(&mut self, r: &Rule) -> Result<(), StoreError> {
        let values = (
            ru::name.eq(&r.name),
            ru::position.eq(r.position),
            ru::enabled.eq(r.enabled),
            ru::stop_after.eq(r.stop_after),
            ru::conditions.eq(json(serde_json::to_string(&r.conditions))?),
            ru::actions.eq(json(serde_json::to_string(&r.actions))?),
            ru::updated_at.eq(to_db(r.updated_at)),
        );
        with_conn!(self.conn, |x| diesel::insert_into(ru::whatsapp_rules)
            .values((
                ru::id.eq(&r.id),
                ru::runs.eq(r.runs),
                ru::failures.eq(r.failures),
                ru::created_at.eq(to_db(r.created_at)),
                values.clone(),
            ))
            .on_conflict(ru::id)
            .do_update()
            .set(values.clone())
            .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn delete_rule(&mut self, id: &str) -> Result<bool, StoreError> {
        let n = with_conn!(self.conn, |x| diesel::delete(
            ru::whatsapp_rules.filter(ru::id.eq(id))
        )
        .execute(x))
        .map_err(map_err)?;
        Ok(n > 0)
    }

    fn count_rule_run(
        &mut self,
        id: &str,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let failed = i64::from(error.is_some());
        let error: Option<String> = error.map(|e| e.chars().take(MAX_ERROR_CHARS).collect());
        with_conn!(self.conn, |x| {
            let q = ru::whatsapp_rules.filter(ru::id.eq(id));
            if let Some(e) = &error {
                diesel::update(q)
                    .set((
                        ru::runs.eq(ru::runs + 1),
                        ru::failures.eq(ru::failures + failed),
                        ru::last_run_at.eq(Some(to_db(at))),
                        ru::last_error.eq(Some(e)),
                    ))
                    .execute(x)
            } else {
                diesel::update(q)
                    .set((
                        ru::runs.eq(ru::runs + 1),
                        ru::last_run_at.eq(Some(to_db(at))),
                    ))
                    .execute(x)
            }
        })
        .map_err(map_err)?;
        Ok(())
    }

    fn conversation_automation(
        &mut self,
        contact_id: &str,
    ) -> Result<ConversationAutomation, StoreError> {
        let row: Option<(Option<String>, Option<NaiveDateTime>, Option<NaiveDateTime>)> =
            with_conn!(self.conn, |x| v::whatsapp_conversations
                .filter(v::contact_id.eq(contact_id))
                .select((v::bot_subscription_id, v::bot_since, v::last_auto_reply_at))
                .first(x)
                .optional())
            .map_err(map_err)?;
        let Some((bot, since, last)) = row else {
            return Ok(ConversationAutomation::default());
        };
        // A bot whose subscription was deleted, disabled or is no longer a bot owns nothing:
        // otherwise its conversations would wait for an answer that never comes.
        let bot = match bot {
            Some(id) => {
                let alive: i64 = with_conn!(self.conn, |x| sb::whatsapp_subscriptions
                    .filter(sb::id.eq(&id))
                    .filter(sb::active.eq(true))
                    .filter(sb::bot.eq(true))
                    .count()
                    .get_result(x))
                .map_err(map_err)?;
                (alive > 0).then_some(id)
            }
            None => None,
        };
        Ok(ConversationAutomation {
            bot_since: bot.as_ref().and(since.map(from_db)),
            bot_subscription_id: bot,
            last_auto_reply_at: last.map(from_db),
        })
    }

    fn put_conversation_bot(
        &mut self,
        contact_id: &str,
        subscription_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let values = (
            v::bot_subscription_id.eq(subscription_id),
            v::bot_since.eq(subscription_id.map(|_| to_db(at))),
        );
        // A new row is an open, unassigned conversation, as a contact without one reads.
        with_conn!(self.conn, |x| diesel::insert_into(
            v::whatsapp_conversations
        )
        .values((
            v::contact_id.eq(contact_id),
            v::status.eq(ConversationStatus::Open.as_str()),
            v::updated_at.eq(to_db(at)),
            v::updated_by.eq("automation"),
            values,
        ))
        .on_conflict(v::contact_id)
        .do_update()
        .set(values)
        .execute(x))
        .map_err(map_err)?;
        self.contact_changed(contact_id);
        self.conversation_changed(contact_id);
        Ok(())
    }

    fn set_last_auto_reply(
        &mut self,
        contact_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let value = v::last_auto_reply_at.eq(Some(to_db(at)));
        with_conn!(self.conn, |x| diesel::insert_into(
            v::whatsapp_conversations
        )
        .values((
            v::contact_id.eq(contact_id),
            v::status.eq(ConversationStatus::Open.as_str()),
            v::updated_at.eq(to_db(at)),
            v::updated_by.eq("automation"),
            value,
        ))
        .on_conflict(v::contact_id)
        .do_update()
        .set(value)
        .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn has_earlier_inbound(
        &mut self,
        contact_id: &str,
        message_id: &str,
    ) -> Result<bool, StoreError> {
        let found: Option<String> = with_conn!(self.conn, |x| m::whatsapp_messages
            .filter(m::contact_id.eq(contact_id))
            .filter(m::direction.eq("inbound"))
            .filter(m::id.lt(message_id))
            .select(m::id)
            .first(x)
            .optional())
        .map_err(map_err)?;
        Ok(found.is_some())
    }
}

/// A rule's reply (a queue item whose `actor` is `rule:<id>`) that ended failed (Meta refused
/// it, e.g. 132001 for a template it does not know, or a `failed` status came back) counts as a
/// failure of that rule, with Meta's reason as its last error: the run itself only queued it.
pub(super) fn count_reply_failure(
    conn: &mut crate::conn::DbConnection,
    queue_id: &str,
    error: &str,
) -> QueryResult<()> {
    use crate::schema::whatsapp_queue::dsl as q;
    let actor: Option<Option<String>> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::id.eq(queue_id))
        .select(q::actor)
        .first(x)
        .optional())?;
    let Some(rule_id) = actor
        .flatten()
        .and_then(|a| a.strip_prefix("rule:").map(str::to_owned))
    else {
        return Ok(());
    };
    let error: String = format!("reply failed: {error}")
        .chars()
        .take(MAX_ERROR_CHARS)
        .collect();
    with_conn!(conn, |x| diesel::update(
        ru::whatsapp_rules.filter(ru::id.eq(&rule_id))
    )
    .set((
        ru::failures.eq(ru::failures + 1),
        ru::last_error.eq(Some(&error)),
    ))
    .execute(x))?;
    Ok(())
}
