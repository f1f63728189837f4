//! `whatsapp_conversations`, `whatsapp_conversation_events`, `whatsapp_note_mentions` and
//! `whatsapp_canned_replies`: [`InboxRepos`] for [`Repo`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use wacloud_core::canned::CannedReply;
use wacloud_core::conversation::{
    Assignee, Conversation, ConversationStatus, TimelineEntry, TimelineKind,
};
use wacloud_core::ports::{mentions_of, InboxRepos, StoreError};

use super::Repo;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_canned_replies::dsl as k;
use crate::schema::whatsapp_conversation_events::dsl as e;
use crate::schema::whatsapp_conversations::dsl as v;
use crate::schema::whatsapp_note_mentions::dsl as n;
use crate::schema::whatsapp_operators::dsl as o;
use crate::with_conn;

type ConversationRow = (
    String,
    String,
    Option<NaiveDateTime>,
    Option<String>,
    NaiveDateTime,
    String,
    Option<String>,
);

fn conversation(r: ConversationRow) -> Conversation {
    let (contact_id, status, snoozed_until, assignee_id, updated_at, updated_by, name) = r;
    Conversation {
        contact_id,
        // Only this crate writes the column, from a status; an unknown value reads open.
        status: ConversationStatus::parse(&status).unwrap_or(ConversationStatus::Open),
        snoozed_until: snoozed_until.map(from_db),
        assignee: assignee_id.map(|id| Assignee {
            display_name: name.unwrap_or_default(),
            id,
        }),
        updated_at: Some(from_db(updated_at)),
        updated_by: Some(updated_by),
    }
}

macro_rules! conversations {
    () => {
        v::whatsapp_conversations
            .left_join(o::whatsapp_operators.on(v::assignee_id.eq(o::id.nullable())))
            .select((
                v::contact_id,
                v::status,
                v::snoozed_until,
                v::assignee_id,
                v::updated_at,
                v::updated_by,
                o::display_name.nullable(),
            ))
    };
}

type EventRow = (
    String,
    String,
    String,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn timeline_entry(r: EventRow) -> Option<TimelineEntry> {
    let (id, contact_id, kind, at, actor, actor_name, body, details) = r;
    let kind = TimelineKind::parse(&kind)?;
    let details: Option<serde_json::Value> = details.and_then(|d| serde_json::from_str(&d).ok());
    let (mentions, details) = if kind == TimelineKind::Note {
        (mentions_of(details.as_ref()), None)
    } else {
        (Vec::new(), details)
    };
    Some(TimelineEntry {
        id,
        contact_id,
        kind,
        at: from_db(at),
        actor,
        actor_name,
        body,
        mentions,
        details,
    })
}

macro_rules! event_cols {
    () => {
        (
            e::id,
            e::contact_id,
            e::kind,
            e::at,
            e::actor,
            e::actor_name,
            e::body,
            e::details,
        )
    };
}

type CannedRow = (String, String, String, NaiveDateTime, NaiveDateTime, String);

fn canned((id, short_code, content, created, updated, updated_by): CannedRow) -> CannedReply {
    CannedReply {
        id,
        short_code,
        content,
        created_at: from_db(created),
        updated_at: from_db(updated),
        updated_by,
    }
}

macro_rules! canned_cols {
    () => {
        (
            k::id,
            k::short_code,
            k::content,
            k::created_at,
            k::updated_at,
            k::updated_by,
        )
    };
}

impl InboxRepos for Repo<'_> {
    fn conversations_of(
        &mut self,
        contact_ids: &[String],
    ) -> Result<Vec<Conversation>, StoreError> {
        if contact_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ConversationRow> = with_conn!(self.conn, |x| conversations!()
            .filter(v::contact_id.eq_any(contact_ids))
            .load(x))
        .map_err(map_err)?;
        Ok(rows.into_iter().map(conversation).collect())
    }

    fn conversations_not_open(
        &mut self,
        contact_ids: &[String],
    ) -> Result<Vec<Conversation>, StoreError> {
        let rows: Vec<ConversationRow> = with_conn!(self.conn, |x| conversations!()
            .filter(v::contact_id.eq_any(contact_ids))
            .filter(v::status.ne(ConversationStatus::Open.as_str()))
            .load(x))
        .map_err(map_err)?;
        Ok(rows.into_iter().map(conversation).collect())
    }

    fn put_conversation(&mut self, c: &Conversation) -> Result<(), StoreError> {
        let at = to_db(c.updated_at.unwrap_or_else(chrono::Utc::now));
        let by = c.updated_by.clone().unwrap_or_default();
        let values = (
            v::status.eq(c.status.as_str()),
            v::snoozed_until.eq(c.snoozed_until.map(to_db)),
            v::assignee_id.eq(c.assignee.as_ref().map(|a| a.id.clone())),
            v::updated_at.eq(at),
            v::updated_by.eq(by),
        );
        with_conn!(self.conn, |x| diesel::insert_into(
            v::whatsapp_conversations
        )
        .values((v::contact_id.eq(&c.contact_id), values.clone()))
        .on_conflict(v::contact_id)
        .do_update()
        .set(values.clone())
        .execute(x))
        .map_err(map_err)?;
        self.contact_changed(&c.contact_id);
        self.conversation_changed(&c.contact_id);
        Ok(())
    }

    fn insert_timeline_entry(&mut self, t: &TimelineEntry) -> Result<(), StoreError> {
        let details = if t.kind == TimelineKind::Note {
            Some(serde_json::json!({ "mentions": t.mentions }).to_string())
        } else {
            t.details.as_ref().map(ToString::to_string)
        };
        with_conn!(self.conn, |x| diesel::insert_into(
            e::whatsapp_conversation_events
        )
        .values((
            e::id.eq(&t.id),
            e::contact_id.eq(&t.contact_id),
            e::kind.eq(t.kind.as_str()),
            e::at.eq(to_db(t.at)),
            e::actor.eq(&t.actor),
            e::actor_name.eq(&t.actor_name),
            e::body.eq(&t.body),
            e::details.eq(&details),
        ))
        .execute(x))
        .map_err(map_err)?;
        for m in &t.mentions {
            with_conn!(self.conn, |x| diesel::insert_into(
                n::whatsapp_note_mentions
            )
            .values((n::event_id.eq(&t.id), n::operator_id.eq(&m.id)))
            .on_conflict_do_nothing()
            .execute(x))
            .map_err(map_err)?;
        }
        self.conversation_changed(&t.contact_id);
        Ok(())
    }

    fn list_timeline(
        &mut self,
        contact_id: &str,
        kind: Option<TimelineKind>,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        let rows: Vec<EventRow> = with_conn!(self.conn, |x| {
            let mut q = e::whatsapp_conversation_events
                .filter(e::contact_id.eq(contact_id))
                .select(event_cols!())
                .order(e::id.desc())
                .limit(limit)
                .into_boxed();
            if let Some(k) = kind {
                q = q.filter(e::kind.eq(k.as_str()));
            }
            if let Some(b) = before {
                q = q.filter(e::id.lt(b.to_owned()));
            }
            q.load(x)
        })
        .map_err(map_err)?;
        Ok(rows.into_iter().filter_map(timeline_entry).collect())
    }

    fn notes_mentioning(
        &mut self,
        operator_id: &str,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>, StoreError> {
        let rows: Vec<EventRow> = with_conn!(self.conn, |x| e::whatsapp_conversation_events
            .inner_join(n::whatsapp_note_mentions.on(n::event_id.eq(e::id)))
            .filter(n::operator_id.eq(operator_id))
            .select(event_cols!())
            .order(e::id.desc())
            .limit(limit)
            .load(x))
        .map_err(map_err)?;
        Ok(rows.into_iter().filter_map(timeline_entry).collect())
    }

    fn list_canned_replies(&mut self) -> Result<Vec<CannedReply>, StoreError> {
        let rows: Vec<CannedRow> = with_conn!(self.conn, |x| k::whatsapp_canned_replies
            .order(k::short_code.asc())
            .select(canned_cols!())
            .load(x))
        .map_err(map_err)?;
        Ok(rows.into_iter().map(canned).collect())
    }

    fn get_canned_reply(&mut self, id: &str) -> Result<Option<CannedReply>, StoreError> {
        let row: Option<CannedRow> = with_conn!(self.conn, |x| k::whatsapp_canned_replies
            .find(id)
            .select(canned_cols!())
            .first(x)
            .optional())
        .map_err(map_err)?;
        Ok(row.map(canned))
    }

    fn put_canned_reply(&mut self, c: &CannedReply) -> Result<bool, StoreError> {
        let taken: Option<String> = with_conn!(self.conn, |x| k::whatsapp_canned_replies
            .filter(k::short_code.eq(&c.short_code))
            .filter(k::id.ne(&c.id))
            .select(k::id)
            .first(x)
            .optional())
        .map_err(map_err)?;
        if taken.is_some() {
            return Ok(false);
        }
        let values = (
            k::short_code.eq(&c.short_code),
            k::content.eq(&c.content),
            k::updated_at.eq(to_db(c.updated_at)),
            k::updated_by.eq(&c.updated_by),
        );
        with_conn!(self.conn, |x| diesel::insert_into(
            k::whatsapp_canned_replies
        )
        .values((
            k::id.eq(&c.id),
            k::created_at.eq(to_db(c.created_at)),
            values,
        ))
        .on_conflict(k::id)
        .do_update()
        .set(values)
        .execute(x))
        .map_err(map_err)?;
        Ok(true)
    }

    fn delete_canned_reply(&mut self, id: &str) -> Result<bool, StoreError> {
        let gone = with_conn!(self.conn, |x| diesel::delete(
            k::whatsapp_canned_replies.find(id)
        )
        .execute(x))
        .map_err(map_err)?;
        Ok(gone == 1)
    }
}
