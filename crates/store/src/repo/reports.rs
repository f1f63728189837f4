//! The reports' reads (`GET /reports/{name}`): pages in time order, each at most `limit` rows,
//! folded by `wacloud_core::usecases::reports`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::ports::{ReportCursor, ReportRepos, StoreError};
use wacloud_core::reports::{CampaignItem, ReportMessage, StatusEntry};

use super::Repo;
use crate::conn::DbConnection;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_contacts::dsl as c;
use crate::schema::whatsapp_conversation_events::dsl as e;
use crate::schema::whatsapp_messages::dsl as m;
use crate::schema::whatsapp_queue::dsl as q;
use crate::with_conn;

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit.max(1)).unwrap_or(i64::MAX)
}

type MessageRow = (
    String,
    String,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn messages(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    number: Option<&str>,
    after: Option<&ReportCursor>,
    limit: usize,
) -> QueryResult<Vec<(ReportCursor, ReportMessage)>> {
    let rows: Vec<MessageRow> = with_conn!(conn, |x| {
        let mut query = m::whatsapp_messages
            .inner_join(c::whatsapp_contacts.on(m::contact_id.eq(c::id.nullable())))
            .filter(m::group_id.is_null())
            .filter(m::created_at.ge(to_db(from)))
            .filter(m::created_at.lt(to_db(to)))
            .select((
                m::id,
                c::id,
                m::created_at,
                m::direction,
                m::source,
                m::actor,
                m::actor_name,
                m::phone_number_id,
                c::phone_number_id.nullable(),
            ))
            .order((m::created_at.asc(), m::id.asc()))
            .limit(limit_of(limit))
            .into_boxed();
        if let Some(n) = number {
            query = query.filter(
                m::phone_number_id
                    .eq(n)
                    .or(m::phone_number_id.is_null().and(c::phone_number_id.eq(n))),
            );
        }
        if let Some(a) = after {
            let at = to_db(a.at);
            // The `ge` lets the index start at the cursor (the `or` alone made SQLite scan
            // from the period's start on every page).
            query = query.filter(m::created_at.ge(at)).filter(
                m::created_at
                    .gt(at)
                    .or(m::created_at.eq(at).and(m::id.gt(a.id.clone()))),
            );
        }
        query.load(x)
    })?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (id, contact_id, at, direction, source, actor, actor_name, number, contact_number) =
                r;
            let at = from_db(at);
            (
                ReportCursor { at, id: id.clone() },
                ReportMessage {
                    id,
                    contact_id,
                    at,
                    inbound: direction == "inbound",
                    source,
                    actor,
                    actor_name,
                    phone_number_id: number.or(contact_number).filter(|n| !n.is_empty()),
                },
            )
        })
        .collect())
}

type StatusRow = (
    String,
    String,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
);

fn status_changes(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<&ReportCursor>,
    limit: usize,
) -> QueryResult<Vec<(ReportCursor, StatusEntry)>> {
    let rows: Vec<StatusRow> = with_conn!(conn, |x| {
        let mut query = e::whatsapp_conversation_events
            .filter(e::kind.eq("status_changed"))
            .filter(e::at.ge(to_db(from)))
            .filter(e::at.lt(to_db(to)))
            .select((
                e::id,
                e::contact_id,
                e::at,
                e::actor,
                e::actor_name,
                e::details,
            ))
            .order((e::at.asc(), e::id.asc()))
            .limit(limit_of(limit))
            .into_boxed();
        if let Some(a) = after {
            let at = to_db(a.at);
            query = query
                .filter(e::at.ge(at))
                .filter(e::at.gt(at).or(e::at.eq(at).and(e::id.gt(a.id.clone()))));
        }
        query.load(x)
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, contact_id, at, actor, actor_name, details)| {
            let at = from_db(at);
            (
                ReportCursor { at, id },
                StatusEntry {
                    contact_id,
                    at,
                    to: StatusEntry::status_in(details.as_deref()),
                    actor,
                    actor_name,
                },
            )
        })
        .collect())
}

fn open_at(conn: &mut DbConnection, ids: &[String], at: DateTime<Utc>) -> QueryResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let t = to_db(at);
    // The last status change of each before `at` (a contact's changes are few: people make
    // them by hand).
    let changes: Vec<(String, NaiveDateTime, String, Option<String>)> = with_conn!(conn, |x| {
        e::whatsapp_conversation_events
            .filter(e::kind.eq("status_changed"))
            .filter(e::contact_id.eq_any(ids))
            .filter(e::at.lt(t))
            .select((e::contact_id, e::at, e::id, e::details))
            .load(x)
    })?;
    let mut last: HashMap<String, (NaiveDateTime, String, Option<String>)> = HashMap::new();
    for (contact, when, id, details) in changes {
        let newer = last
            .get(&contact)
            .is_none_or(|(w, i, _)| (when, &id) > (*w, i));
        if newer {
            last.insert(
                contact,
                (when, id, StatusEntry::status_in(details.as_deref())),
            );
        }
    }
    let rest: Vec<&String> = ids.iter().filter(|id| !last.contains_key(*id)).collect();
    let mut open: Vec<String> = last
        .into_iter()
        .filter(|(_, (_, _, to))| to.as_deref() != Some("resolved"))
        .map(|(id, _)| id)
        .collect();
    if !rest.is_empty() {
        let written: Vec<Option<String>> = with_conn!(conn, |x| {
            m::whatsapp_messages
                .filter(m::contact_id.eq_any(rest.clone()))
                .filter(m::created_at.lt(t))
                .select(m::contact_id)
                .distinct()
                .load(x)
        })?;
        open.extend(written.into_iter().flatten());
    }
    Ok(open)
}

type CampaignRow = (
    String,
    Option<String>,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn campaign_items(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    number: Option<&str>,
    after: Option<&ReportCursor>,
    limit: usize,
) -> QueryResult<Vec<(ReportCursor, CampaignItem)>> {
    let rows: Vec<CampaignRow> = with_conn!(conn, |x| {
        let mut query = q::whatsapp_queue
            .left_join(m::whatsapp_messages.on(q::message_id.eq(m::id.nullable())))
            .filter(q::batch_id.is_not_null())
            .filter(q::created_at.ge(to_db(from)))
            .filter(q::created_at.lt(to_db(to)))
            .select((
                q::id,
                q::batch_id,
                q::created_at,
                q::state,
                m::status.nullable(),
                q::phone_number_id,
                q::actor,
                q::actor_name,
            ))
            .order((q::created_at.asc(), q::id.asc()))
            .limit(limit_of(limit))
            .into_boxed();
        if let Some(n) = number {
            query = query.filter(q::phone_number_id.eq(n));
        }
        if let Some(a) = after {
            let at = to_db(a.at);
            query = query.filter(q::created_at.ge(at)).filter(
                q::created_at
                    .gt(at)
                    .or(q::created_at.eq(at).and(q::id.gt(a.id.clone()))),
            );
        }
        query.load(x)
    })?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (id, batch, at, state, status, number, actor, actor_name) = r;
            let at = from_db(at);
            (
                ReportCursor { at, id },
                CampaignItem {
                    batch_id: batch.unwrap_or_default(),
                    queued_at: at,
                    state,
                    message_status: status,
                    phone_number_id: number,
                    actor,
                    actor_name,
                },
            )
        })
        .collect())
}

impl ReportRepos for Repo<'_> {
    fn report_messages(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        number: Option<&str>,
        after: Option<&ReportCursor>,
        limit: usize,
    ) -> Result<Vec<(ReportCursor, ReportMessage)>, StoreError> {
        messages(self.conn, from, to, number, after, limit).map_err(map_err)
    }

    fn report_status_changes(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<&ReportCursor>,
        limit: usize,
    ) -> Result<Vec<(ReportCursor, StatusEntry)>, StoreError> {
        status_changes(self.conn, from, to, after, limit).map_err(map_err)
    }

    fn open_at(
        &mut self,
        contact_ids: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        open_at(self.conn, contact_ids, at).map_err(map_err)
    }

    fn report_campaign_items(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        number: Option<&str>,
        after: Option<&ReportCursor>,
        limit: usize,
    ) -> Result<Vec<(ReportCursor, CampaignItem)>, StoreError> {
        campaign_items(self.conn, from, to, number, after, limit).map_err(map_err)
    }
}
