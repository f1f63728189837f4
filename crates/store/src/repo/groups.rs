//! `whatsapp_groups` and `whatsapp_group_participants` (migration `2026-12-09-000020_groups`):
//! [`GroupRepos`] for [`Repo`]. A group is read and written whole (its participants are few:
//! Meta allows 8), the fold itself being `wacloud_core::group::Group::apply`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::group::{Group, GroupParticipant, GroupStatus, ParticipantState};
use wacloud_core::message::Message;
use wacloud_core::ports::{GroupRepos, StoreError};

use super::Repo;
use crate::conn::DbConnection;
use crate::error::map_err;
use crate::models::{from_db, to_db, MessageRow};
use crate::schema::whatsapp_group_participants::dsl as p;
use crate::schema::whatsapp_groups::dsl as g;
use crate::with_conn;

type GroupRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
);

type ParticipantRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    NaiveDateTime,
);

macro_rules! group_columns {
    () => {
        (
            g::id,
            g::phone_number_id,
            g::group_id,
            g::request_id,
            g::subject,
            g::description,
            g::invite_link,
            g::join_approval_mode,
            g::picture_sha256,
            g::status,
            g::last_error,
            g::created_at,
            g::updated_at,
        )
    };
}

fn group_of(r: GroupRow) -> Group {
    Group {
        id: r.0,
        phone_number_id: r.1,
        group_id: r.2,
        request_id: r.3,
        subject: r.4,
        description: r.5,
        invite_link: r.6,
        join_approval_mode: r.7,
        picture_sha256: r.8,
        status: GroupStatus::parse(&r.9),
        last_error: r.10,
        created_at: from_db(r.11),
        updated_at: from_db(r.12),
        participants: Vec::new(),
    }
}

/// Loads the participants of `groups`, in the order first seen.
fn with_participants(conn: &mut DbConnection, mut groups: Vec<Group>) -> QueryResult<Vec<Group>> {
    if groups.is_empty() {
        return Ok(groups);
    }
    let ids: Vec<String> = groups.iter().map(|x| x.id.clone()).collect();
    let rows: Vec<ParticipantRow> = with_conn!(conn, |x| p::whatsapp_group_participants
        .filter(p::group_row_id.eq_any(&ids))
        .order((p::group_row_id.asc(), p::position.asc()))
        .select((
            p::group_row_id,
            p::wa_id,
            p::user_id,
            p::state,
            p::joined_at,
            p::left_at,
            p::changed_at,
        ))
        .load(x))?;
    for (gid, wa_id, user_id, state, joined, left, changed) in rows {
        if let Some(group) = groups.iter_mut().find(|x| x.id == gid) {
            group.participants.push(GroupParticipant {
                wa_id,
                user_id,
                state: ParticipantState::parse(&state),
                joined_at: joined.map(from_db),
                left_at: left.map(from_db),
                changed_at: from_db(changed),
            });
        }
    }
    Ok(groups)
}

fn one(conn: &mut DbConnection, row: Option<GroupRow>) -> QueryResult<Option<Group>> {
    let Some(row) = row else { return Ok(None) };
    Ok(with_participants(conn, vec![group_of(row)])?.pop())
}

impl GroupRepos for Repo<'_> {
    fn find_group(
        &mut self,
        phone_number_id: &str,
        group_id: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<Option<Group>, StoreError> {
        let mut row: Option<GroupRow> = None;
        if let Some(gid) = group_id {
            row = with_conn!(&mut *self.conn, |x| g::whatsapp_groups
                .filter(g::phone_number_id.eq(phone_number_id))
                .filter(g::group_id.eq(gid))
                .select(group_columns!())
                .first(x)
                .optional())
            .map_err(map_err)?;
        }
        if row.is_none() {
            if let Some(rid) = request_id {
                // The group created by this request; an event that names another group id
                // only matches a creation not yet named.
                row = with_conn!(&mut *self.conn, |x| {
                    let mut q = g::whatsapp_groups
                        .filter(g::phone_number_id.eq(phone_number_id.to_owned()))
                        .filter(g::request_id.eq(rid.to_owned()))
                        .into_boxed();
                    if group_id.is_some() {
                        q = q.filter(g::group_id.is_null());
                    }
                    q.select(group_columns!()).first(x).optional()
                })
                .map_err(map_err)?;
            }
        }
        one(self.conn, row).map_err(map_err)
    }

    fn get_group(&mut self, id: &str) -> Result<Option<Group>, StoreError> {
        let row: Option<GroupRow> = with_conn!(&mut *self.conn, |x| g::whatsapp_groups
            .filter(g::id.eq(id).or(g::group_id.eq(id)))
            .order(g::updated_at.desc())
            .select(group_columns!())
            .first(x)
            .optional())
        .map_err(map_err)?;
        one(self.conn, row).map_err(map_err)
    }

    fn put_group(&mut self, group: &Group) -> Result<(), StoreError> {
        let values = (
            g::phone_number_id.eq(&group.phone_number_id),
            g::group_id.eq(group.group_id.as_deref()),
            g::request_id.eq(group.request_id.as_deref()),
            g::subject.eq(group.subject.as_deref()),
            g::description.eq(group.description.as_deref()),
            g::invite_link.eq(group.invite_link.as_deref()),
            g::join_approval_mode.eq(group.join_approval_mode.as_deref()),
            g::picture_sha256.eq(group.picture_sha256.as_deref()),
            g::status.eq(group.status.as_str()),
            g::last_error.eq(group.last_error.as_deref()),
            g::updated_at.eq(to_db(group.updated_at)),
        );
        with_conn!(&mut *self.conn, |x| diesel::insert_into(g::whatsapp_groups)
            .values((
                g::id.eq(&group.id),
                g::created_at.eq(to_db(group.created_at)),
                values,
            ))
            .on_conflict(g::id)
            .do_update()
            .set(values)
            .execute(x))
        .map_err(map_err)?;
        with_conn!(&mut *self.conn, |x| diesel::delete(
            p::whatsapp_group_participants.filter(p::group_row_id.eq(&group.id))
        )
        .execute(x))
        .map_err(map_err)?;
        // A group has a handful of participants (Meta allows 8): one statement each.
        for (i, q) in group.participants.iter().enumerate() {
            let row = (
                p::group_row_id.eq(group.id.as_str()),
                p::participant_key.eq(q.key()),
                p::wa_id.eq(q.wa_id.as_deref()),
                p::user_id.eq(q.user_id.as_deref()),
                p::state.eq(q.state.as_str()),
                p::joined_at.eq(q.joined_at.map(to_db)),
                p::left_at.eq(q.left_at.map(to_db)),
                p::changed_at.eq(to_db(q.changed_at)),
                p::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
            );
            with_conn!(&mut *self.conn, |x| diesel::insert_into(
                p::whatsapp_group_participants
            )
            .values(row)
            .execute(x))
            .map_err(map_err)?;
        }
        Ok(())
    }

    fn list_groups(
        &mut self,
        phone_number_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Group>, StoreError> {
        let rows: Vec<GroupRow> = with_conn!(&mut *self.conn, |x| {
            let mut q = g::whatsapp_groups.into_boxed();
            if let Some(n) = phone_number_id {
                q = q.filter(g::phone_number_id.eq(n.to_owned()));
            }
            q.order((g::updated_at.desc(), g::id.desc()))
                .limit(limit)
                .select(group_columns!())
                .load(x)
        })
        .map_err(map_err)?;
        with_participants(self.conn, rows.into_iter().map(group_of).collect()).map_err(map_err)
    }

    fn group_messages(
        &mut self,
        group_id: &str,
        limit: i64,
        before: Option<(DateTime<Utc>, String)>,
    ) -> Result<(Vec<Message>, bool), StoreError> {
        use crate::schema::whatsapp_messages::dsl as m;
        let rows: Vec<MessageRow> = with_conn!(&mut *self.conn, |x| {
            let mut q = m::whatsapp_messages
                .filter(m::group_id.eq(group_id.to_owned()))
                .filter(m::message_type.ne_all(super::EFFECT_KINDS))
                .into_boxed();
            if let Some((t, id)) = &before {
                let t = to_db(*t);
                q = q
                    .filter(m::created_at.le(t))
                    .filter(m::created_at.lt(t).or(m::id.lt(id.clone())));
            }
            q.order((m::created_at.desc(), m::id.desc()))
                .limit(limit + 1)
                .select(MessageRow::as_select())
                .load(x)
        })
        .map_err(map_err)?;
        let has_more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
        let n = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok((
            rows.into_iter().take(n).map(Message::from).collect(),
            has_more,
        ))
    }
}
