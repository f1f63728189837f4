//! `whatsapp_operators`, `whatsapp_session` (operators' sessions, by the keyed hash of their
//! id), `whatsapp_login_failures` and `whatsapp_audit`: [`AuthRepos`] for [`Repo`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::auth::session::LoginFailures;
use wacloud_core::auth::{AuditEntry, Operator, PasswordHash, Role};
use wacloud_core::ports::{AuthRepos, StoreError, StoredSession};

use super::Repo;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_audit::dsl as a;
use crate::schema::whatsapp_login_failures::dsl as f;
use crate::schema::whatsapp_operators::dsl as o;
use crate::schema::whatsapp_session::dsl as s;
use crate::with_conn;

type OperatorRow = (
    String,
    String,
    String,
    String,
    bool,
    NaiveDateTime,
    NaiveDateTime,
);

macro_rules! operator_cols {
    () => {
        (
            o::id,
            o::email,
            o::display_name,
            o::role,
            o::is_active,
            o::created_at,
            o::updated_at,
        )
    };
}

fn operator(r: OperatorRow) -> Operator {
    let (id, email, display_name, role, is_active, created_at, updated_at) = r;
    Operator {
        id,
        email,
        display_name,
        // Only this crate writes the column, from a `Role`; an unknown value gets least rights.
        role: Role::parse(&role).unwrap_or(Role::Agent),
        is_active,
        created_at: from_db(created_at),
        updated_at: from_db(updated_at),
    }
}

type SessionRow = (
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<String>,
    Option<String>,
);

type AuditRow = (
    String,
    NaiveDateTime,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl AuthRepos for Repo<'_> {
    fn operators_exist(&mut self) -> Result<bool, StoreError> {
        let found: Option<String> = with_conn!(self.conn, |x| o::whatsapp_operators
            .select(o::id)
            .first(x)
            .optional())
        .map_err(map_err)?;
        Ok(found.is_some())
    }

    fn insert_operator(&mut self, op: &Operator, hash: &PasswordHash) -> Result<bool, StoreError> {
        let n = with_conn!(self.conn, |x| diesel::insert_into(o::whatsapp_operators)
            .values((
                o::id.eq(&op.id),
                o::email.eq(&op.email),
                o::display_name.eq(&op.display_name),
                o::role.eq(op.role.as_str()),
                o::is_active.eq(op.is_active),
                o::password_hash.eq(&hash.0),
                o::created_at.eq(to_db(op.created_at)),
                o::updated_at.eq(to_db(op.updated_at)),
            ))
            .on_conflict(o::email)
            .do_nothing()
            .execute(x))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    fn get_operator(&mut self, id: &str) -> Result<Option<Operator>, StoreError> {
        let row: Option<OperatorRow> = with_conn!(self.conn, |x| o::whatsapp_operators
            .find(id)
            .select(operator_cols!())
            .first(x)
            .optional())
        .map_err(map_err)?;
        Ok(row.map(operator))
    }

    fn operator_by_email(
        &mut self,
        email: &str,
    ) -> Result<Option<(Operator, PasswordHash)>, StoreError> {
        let row: Option<(OperatorRow, String)> = with_conn!(self.conn, |x| o::whatsapp_operators
            .filter(o::email.eq(email))
            .select((operator_cols!(), o::password_hash))
            .first(x)
            .optional())
        .map_err(map_err)?;
        Ok(row.map(|(r, h)| (operator(r), PasswordHash(h))))
    }

    fn list_operators(&mut self) -> Result<Vec<Operator>, StoreError> {
        let rows: Vec<OperatorRow> = with_conn!(self.conn, |x| o::whatsapp_operators
            .order(o::email.asc())
            .select(operator_cols!())
            .load(x))
        .map_err(map_err)?;
        Ok(rows.into_iter().map(operator).collect())
    }

    fn update_operator(&mut self, op: &Operator) -> Result<bool, StoreError> {
        let n = with_conn!(self.conn, |x| diesel::update(
            o::whatsapp_operators.find(&op.id)
        )
        .set((
            o::display_name.eq(&op.display_name),
            o::role.eq(op.role.as_str()),
            o::is_active.eq(op.is_active),
            o::updated_at.eq(to_db(op.updated_at)),
        ))
        .execute(x))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    fn set_password_hash(
        &mut self,
        id: &str,
        hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = with_conn!(self.conn, |x| diesel::update(
            o::whatsapp_operators.find(id)
        )
        .set((o::password_hash.eq(&hash.0), o::updated_at.eq(to_db(now))))
        .execute(x))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    fn login_failures(&mut self, email: &str) -> Result<Option<LoginFailures>, StoreError> {
        let row: Option<(i32, NaiveDateTime, Option<NaiveDateTime>)> =
            with_conn!(self.conn, |x| f::whatsapp_login_failures
                .find(email)
                .select((f::failures, f::last_failed_at, f::locked_until))
                .first(x)
                .optional())
            .map_err(map_err)?;
        Ok(row.map(|(failures, last, locked)| LoginFailures {
            failures,
            last_failed_at: from_db(last),
            locked_until: locked.map(from_db),
        }))
    }

    fn put_login_failures(&mut self, email: &str, r: &LoginFailures) -> Result<(), StoreError> {
        let values = (
            f::failures.eq(r.failures),
            f::last_failed_at.eq(to_db(r.last_failed_at)),
            f::locked_until.eq(r.locked_until.map(to_db)),
        );
        with_conn!(self.conn, |x| diesel::insert_into(
            f::whatsapp_login_failures
        )
        .values((f::email.eq(email), values))
        .on_conflict(f::email)
        .do_update()
        .set(values)
        .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn clear_login_failures(&mut self, email: &str) -> Result<(), StoreError> {
        with_conn!(self.conn, |x| diesel::delete(
            f::whatsapp_login_failures.find(email)
        )
        .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn insert_operator_session(&mut self, r: &StoredSession) -> Result<(), StoreError> {
        with_conn!(self.conn, |x| diesel::insert_into(s::whatsapp_session)
            .values((
                s::id_hash.eq(&r.id_hash),
                s::operator_id.eq(&r.operator_id),
                s::created_at.eq(to_db(r.created_at)),
                s::last_seen_at.eq(to_db(r.last_seen_at)),
                s::address.eq(&r.address),
                s::user_agent.eq(&r.user_agent),
            ))
            .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn operator_session(
        &mut self,
        id_hash: &str,
    ) -> Result<Option<(StoredSession, Operator)>, StoreError> {
        let row: Option<(SessionRow, OperatorRow)> = with_conn!(self.conn, |x| s::whatsapp_session
            .inner_join(o::whatsapp_operators.on(o::id.eq(s::operator_id)))
            .filter(s::id_hash.eq(id_hash))
            .select((
                (
                    s::id_hash,
                    s::operator_id,
                    s::created_at,
                    s::last_seen_at,
                    s::address,
                    s::user_agent,
                ),
                operator_cols!(),
            ))
            .first(x)
            .optional())
        .map_err(map_err)?;
        Ok(row.map(|(r, op)| {
            let (id_hash, operator_id, created, seen, address, user_agent) = r;
            (
                StoredSession {
                    id_hash,
                    operator_id,
                    created_at: from_db(created),
                    last_seen_at: from_db(seen),
                    address,
                    user_agent,
                },
                operator(op),
            )
        }))
    }

    fn touch_operator_session(
        &mut self,
        id_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_conn!(self.conn, |x| diesel::update(
            s::whatsapp_session.find(id_hash)
        )
        .set(s::last_seen_at.eq(to_db(at)))
        .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn delete_operator_session(&mut self, id_hash: &str) -> Result<bool, StoreError> {
        let n = with_conn!(self.conn, |x| diesel::delete(
            s::whatsapp_session.find(id_hash)
        )
        .execute(x))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    fn delete_operator_sessions(
        &mut self,
        operator_id: &str,
        keep: Option<&str>,
    ) -> Result<usize, StoreError> {
        let keep = keep.unwrap_or_default();
        with_conn!(self.conn, |x| diesel::delete(
            s::whatsapp_session
                .filter(s::operator_id.eq(operator_id))
                .filter(s::id_hash.ne(keep))
        )
        .execute(x))
        .map_err(map_err)
    }

    fn purge_auth(
        &mut self,
        idle_before: DateTime<Utc>,
        made_before: DateTime<Utc>,
        failures_before: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let (idle, made, old) = (
            to_db(idle_before),
            to_db(made_before),
            to_db(failures_before),
        );
        let sessions = with_conn!(self.conn, |x| diesel::delete(
            s::whatsapp_session.filter(s::last_seen_at.lt(idle).or(s::created_at.lt(made)))
        )
        .execute(x))
        .map_err(map_err)?;
        let failures = with_conn!(self.conn, |x| diesel::delete(
            f::whatsapp_login_failures
                .filter(f::last_failed_at.lt(old))
                .filter(f::locked_until.is_null().or(f::locked_until.lt(old)))
        )
        .execute(x))
        .map_err(map_err)?;
        Ok(sessions + failures)
    }

    fn insert_audit(&mut self, e: &AuditEntry) -> Result<(), StoreError> {
        let details = e.details.as_ref().map(ToString::to_string);
        with_conn!(self.conn, |x| diesel::insert_into(a::whatsapp_audit)
            .values((
                a::id.eq(&e.id),
                a::at.eq(to_db(e.at)),
                a::actor.eq(&e.actor),
                a::actor_name.eq(&e.actor_name),
                a::action.eq(&e.action),
                a::target.eq(&e.target),
                a::address.eq(&e.address),
                a::user_agent.eq(&e.user_agent),
                a::details.eq(&details),
            ))
            .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn list_audit(
        &mut self,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Ids are UUIDv7, so their order is the order the entries were made in.
        let rows: Vec<AuditRow> = with_conn!(self.conn, |x| {
            let mut q = a::whatsapp_audit
                .select((
                    a::id,
                    a::at,
                    a::actor,
                    a::actor_name,
                    a::action,
                    a::target,
                    a::address,
                    a::user_agent,
                    a::details,
                ))
                .order(a::id.desc())
                .limit(limit)
                .into_boxed();
            if let Some(b) = before {
                q = q.filter(a::id.lt(b.to_owned()));
            }
            q.load(x)
        })
        .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, at, actor, actor_name, action, target, address, user_agent, details)| {
                    AuditEntry {
                        id,
                        at: from_db(at),
                        actor,
                        actor_name,
                        action,
                        target,
                        address,
                        user_agent,
                        details: details.and_then(|d| serde_json::from_str(&d).ok()),
                    }
                },
            )
            .collect())
    }
}
