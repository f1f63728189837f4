//! `whatsapp_calls` and the contacts' call permission (migration `2026-12-09-000002_calls`):
//! [`CallRepos`] for [`Repo`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::calls::{CallLog, CallOutcome, CallPermission};
use wacloud_core::message::Direction;
use wacloud_core::ports::{CallRepos, StoreError};

use super::Repo;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_calls::dsl as k;
use crate::schema::whatsapp_contacts::dsl as c;
use crate::with_conn;

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::whatsapp_calls)]
struct CallRow {
    id: String,
    phone_number_id: String,
    contact_id: Option<String>,
    wa_id: Option<String>,
    direction: String,
    outcome: String,
    status: Option<String>,
    started_at: NaiveDateTime,
    connected_at: Option<NaiveDateTime>,
    ended_at: Option<NaiveDateTime>,
    duration_seconds: Option<i64>,
    events: String,
    error: Option<String>,
}

impl From<CallRow> for CallLog {
    fn from(r: CallRow) -> Self {
        Self {
            id: r.id,
            phone_number_id: r.phone_number_id,
            contact_id: r.contact_id,
            wa_id: r.wa_id,
            direction: r.direction.parse().unwrap_or(Direction::Outbound),
            outcome: CallOutcome::parse(&r.outcome),
            status: r.status,
            started_at: from_db(r.started_at),
            connected_at: r.connected_at.map(from_db),
            ended_at: r.ended_at.map(from_db),
            duration_seconds: r.duration_seconds,
            events: serde_json::from_str(&r.events).unwrap_or_default(),
            error: r.error,
        }
    }
}

impl CallRepos for Repo<'_> {
    fn get_call(&mut self, call_id: &str) -> Result<Option<CallLog>, StoreError> {
        let row: Option<CallRow> = with_conn!(self.conn, |x| k::whatsapp_calls
            .find(call_id)
            .select(CallRow::as_select())
            .get_result(x)
            .optional())
        .map_err(map_err)?;
        Ok(row.map(CallLog::from))
    }

    fn put_call(&mut self, call: &CallLog, now: DateTime<Utc>) -> Result<(), StoreError> {
        let events = serde_json::to_string(&call.events).unwrap_or_else(|_| "[]".into());
        let t = to_db(now);
        let values = (
            k::phone_number_id.eq(&call.phone_number_id),
            k::contact_id.eq(&call.contact_id),
            k::wa_id.eq(&call.wa_id),
            k::direction.eq(call.direction.as_str()),
            k::outcome.eq(call.outcome.as_str()),
            k::status.eq(&call.status),
            k::started_at.eq(to_db(call.started_at)),
            k::connected_at.eq(call.connected_at.map(to_db)),
            k::ended_at.eq(call.ended_at.map(to_db)),
            k::duration_seconds.eq(call.duration_seconds),
            k::events.eq(&events),
            k::error.eq(&call.error),
            k::updated_at.eq(t),
        );
        let n = with_conn!(self.conn, |x| diesel::update(
            k::whatsapp_calls.find(&call.id)
        )
        .set(values)
        .execute(x))
        .map_err(map_err)?;
        if n == 0 {
            with_conn!(self.conn, |x| diesel::insert_into(k::whatsapp_calls)
                .values((k::id.eq(&call.id), k::created_at.eq(t), values))
                .execute(x))
            .map_err(map_err)?;
        }
        if let Some(cid) = &call.contact_id {
            self.contact_changed(cid);
        }
        Ok(())
    }

    fn calls_of(&mut self, contact_id: &str, limit: i64) -> Result<Vec<CallLog>, StoreError> {
        let rows: Vec<CallRow> = with_conn!(self.conn, |x| k::whatsapp_calls
            .filter(k::contact_id.eq(contact_id))
            .order((k::started_at.desc(), k::id.desc()))
            .limit(limit)
            .select(CallRow::as_select())
            .load(x))
        .map_err(map_err)?;
        Ok(rows.into_iter().map(CallLog::from).collect())
    }

    fn set_call_permission(
        &mut self,
        contact_id: &str,
        p: &CallPermission,
    ) -> Result<(), StoreError> {
        let at = to_db(p.at);
        let n = with_conn!(self.conn, |x| diesel::update(
            c::whatsapp_contacts.find(contact_id).filter(
                c::call_permission_at
                    .is_null()
                    .or(c::call_permission_at.le(at))
            )
        )
        .set((
            c::call_permission.eq(&p.state),
            c::call_permission_at.eq(at),
            c::call_permission_expires_at.eq(p.expires_at.map(to_db)),
        ))
        .execute(x))
        .map_err(map_err)?;
        if n > 0 {
            self.contact_changed(contact_id);
        }
        Ok(())
    }
}
