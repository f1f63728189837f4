//! [`PrivacyRepos`]: erasing a customer, reading everything held about one, and pruning what is
//! past its retention. Written once for both backends (diesel's DSL, and raw SQL only where the
//! backends differ: finding bytes in a raw delivery, and adding to the counts).
//!
//! Rows removed on purpose stay counted: [`keep_counted`] adds back to the counts what the
//! triggers took off, and records it in `whatsapp_removed_counts` (which `stats::recount` adds,
//! so the counts still equal a recount).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Bool, Text};
use serde_json::json;
use wacloud_core::contact::Contact;
use wacloud_core::message::Message;
use wacloud_core::ports::{ContactGroup, InboxRepos, PrivacyRepos, StoreError};
use wacloud_core::privacy::{Erasure, Needles, SubjectData};

use super::Repo;
use crate::conn::DbConnection;
use crate::error::map_err;
use crate::models::{from_db, to_db, ContactRow, MessageRow};
use crate::schema::whatsapp_audit::dsl as a;
use crate::schema::whatsapp_contacts::dsl as c;
use crate::schema::whatsapp_conversation_events::dsl as e;
use crate::schema::whatsapp_conversations::dsl as v;
use crate::schema::whatsapp_group_participants::dsl as gp;
use crate::schema::whatsapp_idempotency::dsl as i;
use crate::schema::whatsapp_media::dsl as md;
use crate::schema::whatsapp_messages::dsl as m;
use crate::schema::whatsapp_note_mentions::dsl as nm;
use crate::schema::whatsapp_queue::dsl as q;
use crate::schema::whatsapp_removed_counts::dsl as rc;
use crate::schema::whatsapp_webhooks::dsl as w;
use crate::with_conn;

/// Values per `IN (…)` list: far below both backends' limits on bound parameters.
const CHUNK: usize = 500;

/// Queue states after which an item is history (counted for good); an erased item in another
/// state simply leaves the queue's depth.
const FINAL_QUEUE_STATES: [&str; 3] = ["sent", "failed", "cancelled"];

/// Delivery states that mean applied: what retention may prune.
const PRUNABLE_WEBHOOK_STATES: [&str; 2] = ["processed", "foreign"];

/// A combination of the counts' key and how many rows of it left.
type Removed = BTreeMap<(&'static str, String, String, String, bool), i64>;

impl PrivacyRepos for Repo<'_> {
    fn contact_group(&mut self, id: &str) -> Result<Option<ContactGroup>, StoreError> {
        group(self.conn, id).map_err(map_err)
    }

    fn message_texts(&mut self, g: &ContactGroup) -> Result<Vec<String>, StoreError> {
        let texts: Vec<Option<String>> = with_conn!(self.conn, |x| m::whatsapp_messages
            .filter(m::contact_id.eq_any(&g.ids))
            .filter(m::message_text.is_not_null())
            .select(m::message_text)
            .load(x))
        .map_err(map_err)?;
        Ok(texts.into_iter().flatten().collect())
    }

    fn erase_group(&mut self, g: &ContactGroup, n: &Needles) -> Result<Erasure, StoreError> {
        erase(self.conn, g, n).map_err(map_err)
    }

    fn subject_data(
        &mut self,
        g: &ContactGroup,
        n: &Needles,
        now: DateTime<Utc>,
    ) -> Result<SubjectData, StoreError> {
        let contacts: Vec<ContactRow> = with_conn!(self.conn, |x| c::whatsapp_contacts
            .filter(c::id.eq_any(&g.ids))
            .select(ContactRow::as_select())
            .load(x))
        .map_err(map_err)?;
        let mut contacts: Vec<Contact> = contacts.into_iter().map(Contact::from).collect();
        // The root first, then its aliases.
        contacts.sort_by_key(|x| x.id != g.root.id);
        let conversation = self.conversations_of(&g.ids)?.into_iter().next();
        let mut timeline = Vec::new();
        for id in &g.ids {
            timeline.extend(self.list_timeline(id, None, None, i64::MAX)?);
        }
        timeline.sort_by(|x, y| x.id.cmp(&y.id));
        let rows: Vec<MessageRow> = with_conn!(self.conn, |x| m::whatsapp_messages
            .filter(m::contact_id.eq_any(&g.ids))
            .order((m::created_at.asc(), m::id.asc()))
            .select(MessageRow::as_select())
            .load(x))
        .map_err(map_err)?;
        let messages: Vec<Message> = rows.into_iter().map(Message::from).collect();
        let keys = message_keys(&messages);
        let (media, queue_items, deliveries) =
            held(self.conn, g, n, &keys, &messages).map_err(map_err)?;
        Ok(SubjectData {
            generated_at: now,
            contacts,
            conversation,
            timeline,
            messages,
            media,
            queue_items,
            deliveries,
        })
    }

    fn prune_webhooks(&mut self, before: DateTime<Utc>, limit: i64) -> Result<usize, StoreError> {
        prune_webhooks(self.conn, before, limit).map_err(map_err)
    }

    fn prune_message_texts(
        &mut self,
        before: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<wacloud_core::ports::TextsPruned, StoreError> {
        prune_message_texts(self.conn, before, after, limit).map_err(map_err)
    }
}

fn contact_row(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ContactRow>> {
    with_conn!(conn, |x| c::whatsapp_contacts
        .find(id)
        .select(ContactRow::as_select())
        .get_result(x)
        .optional())
}

fn group(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ContactGroup>> {
    let Some(mut root) = contact_row(conn, id)? else {
        return Ok(None);
    };
    // An alias points at the contact it was folded into (one hop; a few more are tolerated).
    for _ in 0..8 {
        let Some(into) = root.merged_into.clone() else {
            break;
        };
        match contact_row(conn, &into)? {
            Some(r) => root = r,
            None => break,
        }
    }
    // Its aliases, and the same customer's contacts on the other business numbers (a contact
    // belongs to one number; a person is erased from all of them) with their aliases.
    let mut ids = vec![root.id.clone()];
    loop {
        let more: Vec<String> = with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::merged_into.eq_any(&ids))
            .filter(c::id.ne_all(&ids))
            .select(c::id)
            .load(x))?;
        let keys: Vec<(Option<String>, Option<String>)> =
            with_conn!(conn, |x| c::whatsapp_contacts
                .filter(c::id.eq_any(&ids))
                .select((c::wa_id, c::user_id))
                .load(x))?;
        let wa_ids: Vec<String> = keys.iter().filter_map(|k| k.0.clone()).collect();
        let user_ids: Vec<String> = keys.iter().filter_map(|k| k.1.clone()).collect();
        let elsewhere: Vec<String> = with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::wa_id.eq_any(&wa_ids).or(c::user_id.eq_any(&user_ids)))
            .filter(c::id.ne_all(&ids))
            .select(c::id)
            .load(x))?;
        if more.is_empty() && elsewhere.is_empty() {
            break;
        }
        ids.extend(more);
        for e in elsewhere {
            if !ids.contains(&e) {
                ids.push(e);
            }
        }
    }
    let rows: Vec<ContactRow> = with_conn!(conn, |x| c::whatsapp_contacts
        .filter(c::id.eq_any(&ids))
        .select(ContactRow::as_select())
        .load(x))?;
    let mut identifiers = BTreeSet::new();
    let mut names = BTreeSet::new();
    for r in &rows {
        identifiers.extend(
            [
                &r.wa_id,
                &r.user_id,
                &r.parent_user_id,
                &r.phone_number,
                &r.username,
            ]
            .into_iter()
            .flatten()
            .cloned(),
        );
        names.extend(
            [&r.display_name, &r.profile_name, &r.business_name]
                .into_iter()
                .flatten()
                .cloned(),
        );
    }
    // The customer's side of each message: who wrote in, whom we wrote to.
    type Side = (String, Option<String>, Option<String>, Option<String>);
    let sides: Vec<Side> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::contact_id.eq_any(&ids))
        .select((m::direction, m::from_phone, m::to_phone, m::user_id))
        .distinct()
        .load(x))?;
    for (direction, from, to, user) in sides {
        let side = if direction == "inbound" { from } else { to };
        identifiers.extend(side.into_iter().chain(user));
    }
    Ok(Some(ContactGroup {
        root: Contact::from(root),
        ids,
        identifiers: identifiers.into_iter().collect(),
        names: names.into_iter().collect(),
    }))
}

/// A message's keys as other tables name it: wacloud's id and Meta's `wamid`.
fn message_keys(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .flat_map(|x| std::iter::once(x.id.clone()).chain(x.message_id.clone()))
        .collect()
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The ids of the stored deliveries whose raw bytes mention one of the identifiers (a scan of
/// every stored body: erasure and subject access are rare; retention bounds the table).
fn deliveries_mentioning(conn: &mut DbConnection, n: &Needles) -> QueryResult<Vec<String>> {
    let mut ids = BTreeSet::new();
    for needle in &n.identifiers {
        let rows: Vec<IdRow> = match conn {
            DbConnection::Sqlite(x) => {
                diesel::sql_query("SELECT id FROM whatsapp_webhooks WHERE instr(body, ?) > 0")
                    .bind::<Binary, _>(needle.as_bytes())
                    .load(x)?
            }
            DbConnection::Pg(x) => {
                diesel::sql_query("SELECT id FROM whatsapp_webhooks WHERE position($1 in body) > 0")
                    .bind::<Binary, _>(needle.as_bytes())
                    .load(x)?
            }
        };
        ids.extend(rows.into_iter().map(|r| r.id));
    }
    Ok(ids.into_iter().collect())
}

type HeldRows = (
    Vec<serde_json::Value>,
    Vec<serde_json::Value>,
    Vec<serde_json::Value>,
);

/// Media rows, queue items and raw deliveries of a group, as JSON.
fn held(
    conn: &mut DbConnection,
    g: &ContactGroup,
    n: &Needles,
    keys: &[String],
    messages: &[Message],
) -> QueryResult<HeldRows> {
    let mut media = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        type MediaRow = (
            String,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<String>,
            chrono::NaiveDateTime,
        );
        let rows: Vec<MediaRow> = with_conn!(conn, |x| md::whatsapp_media
            .filter(md::message_id.eq_any(chunk))
            .select((
                md::id,
                md::media_id,
                md::message_id,
                md::direction,
                md::mime_type,
                md::sha256,
                md::file_size,
                md::filename,
                md::url,
                md::created_at,
            ))
            .load(x))?;
        media.extend(rows.into_iter().map(|r| {
            json!({
                "id": r.0, "media_id": r.1, "message_id": r.2, "direction": r.3,
                "mime_type": r.4, "sha256": r.5, "file_size": r.6, "filename": r.7,
                "url": r.8, "created_at": from_db(r.9),
            })
        }));
    }
    let queue_ids = queue_items_of(conn, g, messages)?;
    let mut queue_items = Vec::new();
    for chunk in queue_ids.chunks(CHUNK) {
        type QueueRow = (
            String,
            Option<String>,
            String,
            String,
            String,
            i32,
            chrono::NaiveDateTime,
            Option<String>,
            Option<String>,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
        );
        let rows: Vec<QueueRow> = with_conn!(conn, |x| q::whatsapp_queue
            .filter(q::id.eq_any(chunk))
            .select((
                q::id,
                q::batch_id,
                q::recipient,
                q::payload,
                q::state,
                q::attempts,
                q::due_at,
                q::last_error,
                q::message_id,
                q::created_at,
                q::finished_at,
            ))
            .load(x))?;
        queue_items.extend(rows.into_iter().map(|r| {
            json!({
                "id": r.0, "batch_id": r.1, "recipient": r.2,
                "payload": serde_json::from_str::<serde_json::Value>(&r.3)
                    .unwrap_or(serde_json::Value::String(r.3.clone())),
                "state": r.4, "attempts": r.5, "due_at": from_db(r.6), "last_error": r.7,
                "message_id": r.8, "created_at": from_db(r.9), "finished_at": r.10.map(from_db),
            })
        }));
    }
    let mut deliveries = Vec::new();
    for chunk in deliveries_mentioning(conn, n)?.chunks(CHUNK) {
        let rows: Vec<(String, chrono::NaiveDateTime, String, Vec<u8>)> =
            with_conn!(conn, |x| w::whatsapp_webhooks
                .filter(w::id.eq_any(chunk))
                .order(w::received_at.asc())
                .select((w::id, w::received_at, w::state, w::body))
                .load(x))?;
        deliveries.extend(rows.into_iter().map(|(id, at, state, body)| {
            let body = serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&body).into_owned())
            });
            json!({ "id": id, "received_at": from_db(at), "state": state, "body": body })
        }));
    }
    Ok((media, queue_items, deliveries))
}

/// The queue items of a group: addressed to one of its identities, or the queue items of its
/// messages.
fn queue_items_of(
    conn: &mut DbConnection,
    g: &ContactGroup,
    messages: &[Message],
) -> QueryResult<Vec<String>> {
    let mut ids: BTreeSet<String> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::recipient.eq_any(&g.identifiers))
        .select(q::id)
        .load::<String>(x))?
    .into_iter()
    .collect();
    let message_ids: Vec<String> = messages.iter().map(|x| x.id.clone()).collect();
    for chunk in message_ids.chunks(CHUNK) {
        let more: Vec<String> = with_conn!(conn, |x| q::whatsapp_queue
            .filter(q::message_id.eq_any(chunk))
            .select(q::id)
            .load(x))?;
        ids.extend(more);
    }
    let queued: Vec<Option<String>> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::contact_id.eq_any(&g.ids))
        .filter(m::queue_id.is_not_null())
        .select(m::queue_id)
        .load(x))?;
    ids.extend(queued.into_iter().flatten());
    Ok(ids.into_iter().collect())
}

fn erase(conn: &mut DbConnection, g: &ContactGroup, n: &Needles) -> QueryResult<Erasure> {
    let mut out = Erasure {
        contact_id: g.root.id.clone(),
        ..Erasure::default()
    };
    let mut removed = Removed::new();
    // Messages, by what the counts group them by.
    type Counted = (
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
        bool,
    );
    let counted = (
        m::id,
        m::message_id,
        m::queue_id,
        m::message_type,
        m::direction,
        m::status,
        m::is_read,
    );
    let mut msgs: Vec<Counted> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::contact_id.eq_any(&g.ids))
        .select(counted)
        .load(x))?;
    // What they wrote in groups belongs to no contact: found by the sender's identities.
    let in_groups: Vec<Counted> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::group_id.is_not_null())
        .filter(m::contact_id.is_null())
        .filter(
            m::from_phone
                .eq_any(&g.identifiers)
                .or(m::user_id.eq_any(&g.identifiers)),
        )
        .select(counted)
        .load(x))?;
    let group_message_ids: Vec<String> = in_groups.iter().map(|r| r.0.clone()).collect();
    msgs.extend(in_groups);
    // The media ids of their files (a customer's in `media`, an upload's in the send's
    // `payload`), for the media cache.
    let files: Vec<(Option<String>, Option<String>)> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::contact_id.eq_any(&g.ids))
        .filter(m::media.is_not_null().or(m::payload.is_not_null()))
        .select((m::media, m::payload))
        .load(x))?;
    let mut files = files;
    for chunk in group_message_ids.chunks(CHUNK) {
        files.extend(with_conn!(conn, |x| m::whatsapp_messages
            .filter(m::id.eq_any(chunk))
            .filter(m::media.is_not_null().or(m::payload.is_not_null()))
            .select((m::media, m::payload))
            .load::<(Option<String>, Option<String>)>(x))?);
    }
    for (media, payload) in files {
        let id_in = |json: Option<String>, pointer: &str| {
            let v: serde_json::Value = serde_json::from_str(json.as_deref()?).ok()?;
            v.pointer(pointer)?.as_str().map(str::to_owned)
        };
        out.media_ids.extend(id_in(media, "/id"));
        out.media_ids.extend(id_in(payload, "/source/id"));
    }
    let mut keys = Vec::with_capacity(msgs.len() * 2);
    for (id, wamid, _, kind, direction, status, _) in &msgs {
        keys.push(id.clone());
        keys.extend(wamid.clone());
        // Still counted, but no longer unread: nobody can read them now.
        *removed
            .entry((
                "message",
                kind.clone(),
                direction.clone(),
                status.clone(),
                true,
            ))
            .or_default() += 1;
    }
    out.messages = msgs.len();
    for chunk in keys.chunks(CHUNK) {
        out.media += with_conn!(conn, |x| diesel::delete(
            md::whatsapp_media.filter(md::message_id.eq_any(chunk))
        )
        .execute(x))?;
    }
    // Queue items.
    let mut queue_ids: BTreeSet<String> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::recipient.eq_any(&g.identifiers))
        .select(q::id)
        .load::<String>(x))?
    .into_iter()
    .collect();
    let message_ids: Vec<&String> = msgs.iter().map(|r| &r.0).collect();
    for chunk in message_ids.chunks(CHUNK) {
        let more: Vec<String> = with_conn!(conn, |x| q::whatsapp_queue
            .filter(q::message_id.eq_any(chunk))
            .select(q::id)
            .load(x))?;
        queue_ids.extend(more);
    }
    queue_ids.extend(msgs.iter().filter_map(|r| r.2.clone()));
    let queue_ids: Vec<String> = queue_ids.into_iter().collect();
    for chunk in queue_ids.chunks(CHUNK) {
        let states: Vec<String> = with_conn!(conn, |x| q::whatsapp_queue
            .filter(q::id.eq_any(chunk))
            .select(q::state)
            .load(x))?;
        for s in states {
            if FINAL_QUEUE_STATES.contains(&s.as_str()) {
                *removed
                    .entry(("queue", String::new(), String::new(), s, false))
                    .or_default() += 1;
            }
        }
        out.queue_items += with_conn!(conn, |x| diesel::delete(
            q::whatsapp_queue.filter(q::id.eq_any(chunk))
        )
        .execute(x))?;
    }
    // Idempotent answers naming a message or queue item of theirs, or their identities.
    let answers: Vec<(String, Option<String>, Option<String>)> =
        with_conn!(conn, |x| i::whatsapp_idempotency
            .select((i::idempotency_key, i::resource_id, i::response))
            .load(x))?;
    let named: BTreeSet<&String> = keys.iter().chain(&queue_ids).collect();
    let doomed: Vec<String> = answers
        .into_iter()
        .filter(|(_, resource, response)| {
            resource.as_ref().is_some_and(|r| named.contains(r))
                || response
                    .as_deref()
                    .is_some_and(|r| n.matches(r) || named.iter().any(|k| r.contains(k.as_str())))
        })
        .map(|(k, _, _)| k)
        .collect();
    for chunk in doomed.chunks(CHUNK) {
        out.idempotency_answers += with_conn!(conn, |x| diesel::delete(
            i::whatsapp_idempotency.filter(i::idempotency_key.eq_any(chunk))
        )
        .execute(x))?;
    }
    // The timeline and the conversation.
    let events: Vec<String> = with_conn!(conn, |x| e::whatsapp_conversation_events
        .filter(e::contact_id.eq_any(&g.ids))
        .select(e::id)
        .load(x))?;
    for chunk in events.chunks(CHUNK) {
        with_conn!(conn, |x| diesel::delete(
            nm::whatsapp_note_mentions.filter(nm::event_id.eq_any(chunk))
        )
        .execute(x))?;
    }
    out.timeline_entries = with_conn!(conn, |x| diesel::delete(
        e::whatsapp_conversation_events.filter(e::contact_id.eq_any(&g.ids))
    )
    .execute(x))?;
    with_conn!(conn, |x| diesel::delete(
        v::whatsapp_conversations.filter(v::contact_id.eq_any(&g.ids))
    )
    .execute(x))?;
    // The call log names the customer (`wa_id`) too.
    with_conn!(conn, |x| diesel::delete(
        crate::schema::whatsapp_calls::table
            .filter(crate::schema::whatsapp_calls::contact_id.eq_any(&g.ids))
    )
    .execute(x))?;
    // What the outbox holds about them (events carry their messages), wherever it stands.
    let mut keys = g.ids.clone();
    keys.extend(
        g.identifiers
            .iter()
            .map(|i| i.trim_start_matches('+').to_owned()),
    );
    super::outbox::erase(conn, &g.ids, &keys)?;
    // Their places in groups' member lists.
    let digits: Vec<String> = g
        .identifiers
        .iter()
        .map(|i| i.trim_start_matches('+').to_owned())
        .collect();
    with_conn!(conn, |x| diesel::delete(
        gp::whatsapp_group_participants.filter(
            gp::wa_id
                .eq_any(&digits)
                .or(gp::wa_id.eq_any(&g.identifiers))
                .or(gp::user_id.eq_any(&g.identifiers))
        )
    )
    .execute(x))?;
    // The messages (the search index's triggers take their entries) and the contacts.
    with_conn!(conn, |x| diesel::delete(
        m::whatsapp_messages.filter(m::contact_id.eq_any(&g.ids))
    )
    .execute(x))?;
    for chunk in group_message_ids.chunks(CHUNK) {
        with_conn!(conn, |x| diesel::delete(
            m::whatsapp_messages.filter(m::id.eq_any(chunk))
        )
        .execute(x))?;
    }
    let roots: i64 = with_conn!(conn, |x| c::whatsapp_contacts
        .filter(c::id.eq_any(&g.ids))
        .filter(c::merged_into.is_null())
        .count()
        .get_result(x))?;
    if roots > 0 {
        removed.insert(
            (
                "contact",
                String::new(),
                String::new(),
                String::new(),
                false,
            ),
            roots,
        );
    }
    out.contacts = with_conn!(conn, |x| diesel::delete(
        c::whatsapp_contacts.filter(c::id.eq_any(&g.ids))
    )
    .execute(x))?;
    keep_counted(conn, &removed)?;
    out.deliveries_scrubbed = scrub_deliveries(conn, n)?;
    out.audit_entries_scrubbed = scrub_audit(conn, n)?;
    Ok(out)
}

/// Rewrites the stored deliveries that mention the customer without their identifiers and
/// texts; the rows stay (their state, counts and hashes).
fn scrub_deliveries(conn: &mut DbConnection, n: &Needles) -> QueryResult<usize> {
    let mut changed = 0;
    for chunk in deliveries_mentioning(conn, n)?.chunks(CHUNK) {
        let rows: Vec<(String, Vec<u8>)> = with_conn!(conn, |x| w::whatsapp_webhooks
            .filter(w::id.eq_any(chunk))
            .select((w::id, w::body))
            .load(x))?;
        for (id, body) in rows {
            if let Some(clean) = n.scrub_body(&body) {
                changed += with_conn!(conn, |x| diesel::update(w::whatsapp_webhooks.find(&id))
                    .set(w::body.eq(&clean))
                    .execute(x))?;
            }
        }
    }
    Ok(changed)
}

/// Rewrites the audit entries whose target or details name the customer (a request's path
/// holding their number).
fn scrub_audit(conn: &mut DbConnection, n: &Needles) -> QueryResult<usize> {
    let mut ids = BTreeSet::new();
    for needle in &n.identifiers {
        let pattern = format!(
            "%{}%",
            needle
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let found: Vec<String> = with_conn!(conn, |x| a::whatsapp_audit
            .filter(
                a::target
                    .like(&pattern)
                    .escape('\\')
                    .or(a::details.like(&pattern).escape('\\'))
            )
            .select(a::id)
            .load(x))?;
        ids.extend(found);
    }
    let mut changed = 0;
    for id in ids {
        let (target, details): (Option<String>, Option<String>) =
            with_conn!(conn, |x| a::whatsapp_audit
                .find(&id)
                .select((a::target, a::details))
                .get_result(x))?;
        let t = target.as_deref().and_then(|s| n.scrub_text(s));
        let d = details.as_deref().and_then(|s| n.scrub_text(s));
        if t.is_some() || d.is_some() {
            changed += with_conn!(conn, |x| diesel::update(a::whatsapp_audit.find(&id))
                .set((a::target.eq(t.or(target)), a::details.eq(d.or(details)),))
                .execute(x))?;
        }
    }
    Ok(changed)
}

/// Adds back to `/stats`'s counts what just left the counted tables, and records it in
/// `whatsapp_removed_counts`.
fn keep_counted(conn: &mut DbConnection, removed: &Removed) -> QueryResult<()> {
    for ((subject, kind, direction, state, is_read), &n) in removed {
        if n == 0 {
            continue;
        }
        match conn {
            DbConnection::Sqlite(x) => {
                diesel::sql_query(
                    "INSERT OR IGNORE INTO whatsapp_counts VALUES (?, ?, ?, ?, ?, 0)",
                )
                .bind::<Text, _>(*subject)
                .bind::<Text, _>(kind)
                .bind::<Text, _>(direction)
                .bind::<Text, _>(state)
                .bind::<Bool, _>(*is_read)
                .execute(x)?;
                diesel::sql_query(
                    "UPDATE whatsapp_counts SET n = n + ? WHERE subject = ? AND kind = ? \
                     AND direction = ? AND state = ? AND is_read = ?",
                )
                .bind::<BigInt, _>(n)
                .bind::<Text, _>(*subject)
                .bind::<Text, _>(kind)
                .bind::<Text, _>(direction)
                .bind::<Text, _>(state)
                .bind::<Bool, _>(*is_read)
                .execute(x)?;
            }
            DbConnection::Pg(x) => {
                diesel::sql_query(
                    "INSERT INTO whatsapp_count_deltas (subject, kind, direction, state, is_read, n) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind::<Text, _>(*subject)
                .bind::<Text, _>(kind)
                .bind::<Text, _>(direction)
                .bind::<Text, _>(state)
                .bind::<Bool, _>(*is_read)
                .bind::<BigInt, _>(n)
                .execute(x)?;
            }
        }
        with_conn!(conn, |x| diesel::insert_into(rc::whatsapp_removed_counts)
            .values((
                rc::subject.eq(*subject),
                rc::kind.eq(kind),
                rc::direction.eq(direction),
                rc::state.eq(state),
                rc::is_read.eq(*is_read),
                rc::n.eq(n),
            ))
            .on_conflict((rc::subject, rc::kind, rc::direction, rc::state, rc::is_read))
            .do_update()
            .set(rc::n.eq(rc::n + n))
            .execute(x))?;
    }
    Ok(())
}

fn prune_webhooks(
    conn: &mut DbConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<usize> {
    let cut = to_db(before);
    let mut removed = Removed::new();
    let mut left = limit;
    for state in PRUNABLE_WEBHOOK_STATES {
        if left <= 0 {
            break;
        }
        // Oldest first along the (state, received_at) index; applied before the cut too (a
        // delivery applied late from the backlog is kept its full time).
        let ids: Vec<String> = with_conn!(conn, |x| w::whatsapp_webhooks
            .filter(w::state.eq(state))
            .filter(w::received_at.lt(cut))
            .filter(w::processed_at.lt(cut))
            .order(w::received_at.asc())
            .limit(left)
            .select(w::id)
            .load(x))?;
        if ids.is_empty() {
            continue;
        }
        // By primary key alone on SQLite: with the state as a second condition its planner
        // walks the `(state, received_at)` index and reads every row of that state to match the
        // ids. The single writer's transaction holds since the SELECT above, so the rows are
        // still in that state; PostgreSQL's planner takes the key either way, and there the
        // state guards against another instance's reprocessing in between.
        let n = match conn {
            DbConnection::Sqlite(x) => {
                diesel::delete(w::whatsapp_webhooks.filter(w::id.eq_any(&ids))).execute(x)?
            }
            DbConnection::Pg(x) => diesel::delete(
                w::whatsapp_webhooks
                    .filter(w::id.eq_any(&ids))
                    .filter(w::state.eq(state)),
            )
            .execute(x)?,
        };
        left -= i64::try_from(n).unwrap_or(i64::MAX);
        removed.insert(
            (
                "webhook",
                String::new(),
                String::new(),
                state.to_owned(),
                false,
            ),
            i64::try_from(n).unwrap_or(i64::MAX),
        );
    }
    keep_counted(conn, &removed)?;
    Ok(removed
        .values()
        .map(|&n| usize::try_from(n).unwrap_or(0))
        .sum())
}

fn prune_message_texts(
    conn: &mut DbConnection,
    before: DateTime<Utc>,
    after: Option<DateTime<Utc>>,
    limit: i64,
) -> QueryResult<wacloud_core::ports::TextsPruned> {
    let cut = to_db(before);
    let rows: Vec<(String, chrono::NaiveDateTime)> = with_conn!(conn, |x| {
        let mut s = m::whatsapp_messages
            .filter(m::created_at.lt(cut))
            .filter(
                m::message_text
                    .is_not_null()
                    .or(m::payload.is_not_null())
                    .or(m::raw.is_not_null())
                    .or(m::media.is_not_null()),
            )
            .order((m::created_at.asc(), m::id.asc()))
            .limit(limit)
            .select((m::id, m::created_at))
            .into_boxed();
        if let Some(t) = after {
            s = s.filter(m::created_at.ge(to_db(t)));
        }
        s.load(x)
    })?;
    let newest = rows.last().map(|r| from_db(r.1));
    let ids: Vec<String> = rows.into_iter().map(|r| r.0).collect();
    // Their files' records go with their media JSON; the caller removes the cached files.
    let media_ids: Vec<String> = if ids.is_empty() {
        Vec::new()
    } else {
        let found: Vec<Option<String>> = with_conn!(conn, |x| md::whatsapp_media
            .filter(md::message_id.eq_any(&ids))
            .select(md::media_id)
            .load(x))?;
        with_conn!(conn, |x| diesel::delete(
            md::whatsapp_media.filter(md::message_id.eq_any(&ids))
        )
        .execute(x))?;
        // An outbound file sent by the id `POST /media` answered is named in the message's
        // media JSON (its upload's record has no message).
        let named: Vec<Option<String>> = with_conn!(conn, |x| m::whatsapp_messages
            .filter(m::id.eq_any(&ids))
            .filter(m::media.is_not_null())
            .select(m::media)
            .load(x))?;
        let mut all: Vec<String> = found.into_iter().flatten().collect();
        for json in named.into_iter().flatten() {
            if let Some(id) = serde_json::from_str::<serde_json::Value>(&json)
                .ok()
                .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
            {
                if !all.contains(&id) {
                    all.push(id);
                }
            }
        }
        all
    };
    let n = if ids.is_empty() {
        0
    } else {
        with_conn!(conn, |x| diesel::update(
            m::whatsapp_messages.filter(m::id.eq_any(&ids))
        )
        .set((
            m::message_text.eq(None::<String>),
            m::payload.eq(None::<String>),
            m::raw.eq(None::<String>),
            m::media.eq(None::<String>),
        ))
        .execute(x))?
    };
    if i64::try_from(n).unwrap_or(i64::MAX) < limit {
        // The last batch: the previews of conversations whose last message is that old.
        with_conn!(conn, |x| diesel::update(
            c::whatsapp_contacts
                .filter(c::last_message_time.lt(cut))
                .filter(c::last_message_preview.is_not_null())
        )
        .set(c::last_message_preview.eq(None::<String>))
        .execute(x))?;
    }
    Ok((n, newest, media_ids))
}
