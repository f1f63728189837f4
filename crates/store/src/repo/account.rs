//! `whatsapp_templates` and `whatsapp_numbers` (the number's account state; the table was
//! `whatsapp_session` before the operators' sessions took that name).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use wacloud_core::events::{AccountEvent, TemplateUpdate};
use wacloud_core::ports::new_id;
use wacloud_core::template::{SessionState, StoredTemplate};

use crate::conn::DbConnection;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_numbers::dsl as s;
use crate::schema::whatsapp_templates::dsl as t;
use crate::with_conn;

/// Finds the template by Meta's id, else by name and language; creates it when the update names
/// both. Only the fields the update carries change.
pub fn upsert_template(conn: &mut DbConnection, u: &TemplateUpdate) -> QueryResult<()> {
    let now = to_db(u.at);
    let mut existing: Option<String> = None;
    if let Some(tid) = &u.template_id {
        existing = with_conn!(conn, |x| t::whatsapp_templates
            .filter(t::template_id.eq(tid))
            .select(t::id)
            .get_result(x)
            .optional())?;
    }
    if existing.is_none() {
        if let (Some(name), Some(lang)) = (&u.name, &u.language) {
            existing = with_conn!(conn, |x| t::whatsapp_templates
                .filter(t::name.eq(name))
                .filter(t::language.eq(lang))
                .select(t::id)
                .get_result(x)
                .optional())?;
        }
    }
    let id = match existing {
        Some(id) => id,
        None => {
            let (Some(name), Some(lang)) = (&u.name, &u.language) else {
                // Nothing to key a new row on; the raw delivery keeps the event.
                return Ok(());
            };
            let id = new_id();
            with_conn!(conn, |x| diesel::insert_into(t::whatsapp_templates)
                .values((
                    t::id.eq(&id),
                    t::template_id.eq(&u.template_id),
                    t::name.eq(name),
                    t::language.eq(lang),
                    t::created_at.eq(now),
                    t::updated_at.eq(now),
                ))
                .execute(x))?;
            id
        }
    };
    let row = t::whatsapp_templates.find(&id);
    if let Some(v) = &u.template_id {
        with_conn!(conn, |x| diesel::update(row)
            .set(t::template_id.eq(v))
            .execute(x))?;
    }
    if let Some(v) = &u.status {
        with_conn!(conn, |x| diesel::update(row)
            .set(t::status.eq(v))
            .execute(x))?;
    }
    if let Some(v) = &u.quality_score {
        with_conn!(conn, |x| diesel::update(row)
            .set(t::quality_score.eq(v))
            .execute(x))?;
    }
    if let Some(v) = &u.category {
        with_conn!(conn, |x| diesel::update(row)
            .set(t::category.eq(v))
            .execute(x))?;
    }
    if let Some(v) = &u.reason {
        with_conn!(conn, |x| diesel::update(row)
            .set(t::reason.eq(v))
            .execute(x))?;
    }
    if let Some(v) = &u.components {
        with_conn!(conn, |x| diesel::update(row)
            .set(t::components.eq(v))
            .execute(x))?;
    }
    with_conn!(conn, |x| diesel::update(row)
        .set(t::updated_at.eq(now))
        .execute(x))
    .map(drop)
}

pub(super) fn ensure_session(
    conn: &mut DbConnection,
    pid: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    with_conn!(conn, |x| diesel::insert_into(s::whatsapp_numbers)
        .values((s::phone_number_id.eq(pid), s::updated_at.eq(to_db(at))))
        .on_conflict(s::phone_number_id)
        .do_nothing()
        .execute(x))
    .map(drop)
}

/// The session row exists and records the last delivery's time. Two cached statements rather
/// than one `ON CONFLICT DO UPDATE`, which diesel never caches.
pub fn touch(conn: &mut DbConnection, pid: &str, at: DateTime<Utc>) -> QueryResult<()> {
    let t = to_db(at);
    let n = with_conn!(conn, |x| diesel::update(s::whatsapp_numbers.find(pid))
        .set(s::last_webhook_at.eq(t))
        .execute(x))?;
    if n == 0 {
        with_conn!(conn, |x| diesel::insert_into(s::whatsapp_numbers)
            .values((
                s::phone_number_id.eq(pid),
                s::last_webhook_at.eq(t),
                s::updated_at.eq(t),
            ))
            .on_conflict_do_nothing()
            .execute(x))?;
    }
    Ok(())
}

/// Account-wide events without a number are recorded against the WABA id as the key.
pub fn record_account_event(conn: &mut DbConnection, e: &AccountEvent) -> QueryResult<()> {
    let Some(pid) = e.phone_number_id.clone().or_else(|| e.waba_id.clone()) else {
        return Ok(());
    };
    ensure_session(conn, &pid, e.at)?;
    let row = s::whatsapp_numbers.find(&pid);
    let summary = format!("{}: {}", e.field, e.event.as_deref().unwrap_or(""));
    with_conn!(conn, |x| diesel::update(row)
        .set((s::last_event.eq(&summary), s::updated_at.eq(to_db(e.at))))
        .execute(x))?;
    if let Some(v) = &e.waba_id {
        with_conn!(conn, |x| diesel::update(row)
            .set(s::waba_id.eq(v))
            .execute(x))?;
    }
    if let Some(v) = &e.quality_rating {
        with_conn!(conn, |x| diesel::update(row)
            .set(s::quality_rating.eq(v))
            .execute(x))?;
    }
    if let Some(v) = &e.messaging_limit_tier {
        with_conn!(conn, |x| diesel::update(row)
            .set(s::messaging_limit_tier.eq(v))
            .execute(x))?;
    }
    if let Some(v) = &e.verified_name {
        with_conn!(conn, |x| diesel::update(row)
            .set(s::verified_name.eq(v))
            .execute(x))?;
    }
    if e.field == "account_update" {
        if let Some(v) = &e.event {
            with_conn!(conn, |x| diesel::update(row)
                .set(s::account_status.eq(v))
                .execute(x))?;
        }
    }
    Ok(())
}

type TemplateRow = (
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    chrono::NaiveDateTime,
);

macro_rules! template_cols {
    () => {
        (
            t::template_id,
            t::name,
            t::language,
            t::category,
            t::status,
            t::quality_score,
            t::reason,
            t::components,
            t::updated_at,
        )
    };
}

fn template_from_row(r: TemplateRow) -> StoredTemplate {
    let (template_id, name, language, category, status, quality_score, reason, components, at) = r;
    StoredTemplate {
        template_id,
        name,
        language,
        category,
        status,
        quality_score,
        reason,
        components,
        updated_at: from_db(at),
    }
}

pub fn list_templates(conn: &mut DbConnection) -> QueryResult<Vec<StoredTemplate>> {
    let rows: Vec<TemplateRow> = with_conn!(conn, |x| t::whatsapp_templates
        .order((t::name.asc(), t::language.asc()))
        .select(template_cols!())
        .load(x))?;
    Ok(rows.into_iter().map(template_from_row).collect())
}

/// Deletes the templates named `name`, or only the one with Meta's id `template_id`.
pub fn delete_templates(
    conn: &mut DbConnection,
    name: &str,
    template_id: Option<&str>,
) -> QueryResult<usize> {
    match template_id {
        Some(tid) => with_conn!(conn, |x| diesel::delete(
            t::whatsapp_templates
                .filter(t::name.eq(name))
                .filter(t::template_id.eq(tid))
        )
        .execute(x)),
        None => with_conn!(conn, |x| diesel::delete(
            t::whatsapp_templates.filter(t::name.eq(name))
        )
        .execute(x)),
    }
}

/// The stored template `name` in `language`.
pub fn find_template(
    conn: &mut DbConnection,
    name: &str,
    language: &str,
) -> QueryResult<Option<StoredTemplate>> {
    let row: Option<TemplateRow> = with_conn!(conn, |x| t::whatsapp_templates
        .filter(t::name.eq(name))
        .filter(t::language.eq(language))
        .select(template_cols!())
        .first(x)
        .optional())?;
    Ok(row.map(template_from_row))
}

type SessionRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<chrono::NaiveDateTime>,
    chrono::NaiveDateTime,
);

pub fn get_session(conn: &mut DbConnection, pid: &str) -> QueryResult<Option<SessionState>> {
    let row: Option<SessionRow> = with_conn!(conn, |x| s::whatsapp_numbers
        .find(pid)
        .select((
            s::phone_number_id,
            s::waba_id,
            s::verified_name,
            s::quality_rating,
            s::messaging_limit_tier,
            s::account_status,
            s::last_event,
            s::last_webhook_at,
            s::updated_at,
        ))
        .get_result(x)
        .optional())?;
    Ok(row.map(
        |(
            phone_number_id,
            waba_id,
            verified_name,
            quality_rating,
            tier,
            account_status,
            last_event,
            last_webhook_at,
            updated_at,
        )| {
            SessionState {
                phone_number_id,
                waba_id,
                verified_name,
                quality_rating,
                messaging_limit_tier: tier,
                account_status,
                last_event,
                last_webhook_at: last_webhook_at.map(from_db),
                updated_at: from_db(updated_at),
            }
        },
    ))
}
