//! Full-text search over message text: SQLite's FTS5 index (filled in the background up to a
//! mark, `index_pending`) and PostgreSQL's GIN index of `to_tsvector('simple', …)`.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use wacloud_core::message::Message;
use wacloud_core::search::{self, SearchHit, SearchPage, SearchQuery};

use crate::conn::DbConnection;
use crate::models::{to_db, MessageRow};
use crate::repo::messages::EFFECT_KINDS;
use crate::schema::whatsapp_contacts::dsl as c;
use crate::schema::whatsapp_messages::dsl as m;
use crate::with_conn;

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    position: String,
    #[diesel(sql_type = Text)]
    snippet: String,
}

#[derive(QueryableByName)]
struct Mark {
    #[diesel(sql_type = BigInt)]
    indexed_rowid: i64,
}

#[derive(QueryableByName)]
struct Upto {
    #[diesel(sql_type = Nullable<BigInt>)]
    upto: Option<i64>,
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

/// FTS5's query for `terms` in the text column (and, with `contact`, that contact's id in its
/// column): each a quoted whole word, all required. Not a prefix query
/// (`"word"*`): FTS5 merges the lists of every word with that start into one before reading
/// any, so a common start costs all its matches (25 ms for a word in each of a million
/// messages), where a whole word's list is read from its newest end and stopped at the page.
fn fts5_query(terms: &[String], contact: Option<&str>) -> String {
    let quoted = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    contact
        .map(|c| format!("contact_id : {}", quoted(c)))
        .into_iter()
        .chain(
            terms
                .iter()
                .map(|t| format!("message_text : {}", quoted(t))),
        )
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// PostgreSQL's `to_tsquery` text for `terms`: each a quoted whole lexeme, all required.
fn tsquery(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The kinds that change another message and are not messages themselves, as an SQL list.
fn excluded() -> String {
    format!("('{}')", EFFECT_KINDS.join("', '"))
}

/// One page of messages whose text holds every term, newest first.
pub fn search(conn: &mut DbConnection, q: &SearchQuery) -> QueryResult<SearchPage> {
    let excluded = excluded();
    let limit = q.limit.clamp(1, 200);
    let direction = q.direction.map(|d| d.as_str().to_owned());
    let found: Vec<Found> = match conn {
        DbConnection::Sqlite(x) => {
            let before = match q.before.as_deref() {
                None => i64::MAX,
                Some(b) => match b.parse::<i64>() {
                    Ok(n) => n,
                    Err(_) => return Ok(SearchPage::default()),
                },
            };
            let head = "SELECT m.id AS id, CAST(whatsapp_messages_fts.rowid AS TEXT) AS position, \
                 snippet(whatsapp_messages_fts, 0, char(2), char(3), '…', 16) AS snippet \
                 FROM whatsapp_messages_fts JOIN whatsapp_messages m ON m.rowid = whatsapp_messages_fts.rowid \
                 WHERE whatsapp_messages_fts MATCH ?";
            let tail = format!(
                "AND (? IS NULL OR m.direction = ?) AND m.message_type NOT IN {excluded} \
                 ORDER BY whatsapp_messages_fts.rowid DESC LIMIT ?"
            );
            // The index is read newest row first and stops at the page's end: the cost is the
            // page's, however common the words (one conversation's: its id's list intersected
            // with theirs). Row order is the order messages were stored.
            diesel::sql_query(format!("{head} AND whatsapp_messages_fts.rowid < ? {tail}"))
                .bind::<Text, _>(fts5_query(&q.terms, q.contact_id.as_deref()))
                .bind::<BigInt, _>(before)
                .bind::<Nullable<Text>, _>(direction.as_deref())
                .bind::<Nullable<Text>, _>(direction.as_deref())
                .bind::<BigInt, _>(limit + 1)
                .load(x)?
        }
        DbConnection::Pg(x) => {
            let before = match q.before.as_deref() {
                None => None,
                Some(b) => {
                    let parsed = b.split_once('|').and_then(|(t, id)| {
                        let t = chrono::DateTime::from_timestamp_micros(t.parse().ok()?)?;
                        Some((to_db(t), id.to_owned()))
                    });
                    match parsed {
                        Some(p) => Some(p),
                        None => return Ok(SearchPage::default()),
                    }
                }
            };
            // The words' matches are ordered by time and cut to the page, then only the page's
            // rows get a headline (ts_headline reads the whole text).
            let sql = format!(
                "WITH page AS ( \
                   SELECT id, created_at, message_text FROM whatsapp_messages \
                   WHERE to_tsvector('simple', coalesce(message_text, '')) @@ to_tsquery('simple', $1) \
                   AND ($2::timestamp IS NULL OR (created_at, id) < ($2, $3)) \
                   AND ($4::text IS NULL OR contact_id = $4) AND ($5::text IS NULL OR direction = $5) \
                   AND message_type NOT IN {excluded} \
                   ORDER BY created_at DESC, id DESC LIMIT $6) \
                 SELECT id, (floor(extract(epoch FROM created_at) * 1000000)::bigint)::text || '|' || id AS position, \
                 ts_headline('simple', coalesce(message_text, ''), to_tsquery('simple', $1), \
                   'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=16, MinWords=6, MaxFragments=1, FragmentDelimiter=\"…\"') AS snippet \
                 FROM page ORDER BY created_at DESC, id DESC"
            );
            let (t, id) = before.map_or((None, None), |(t, id)| (Some(t), Some(id)));
            diesel::sql_query(sql)
                .bind::<Text, _>(tsquery(&q.terms))
                .bind::<Nullable<Timestamp>, _>(t)
                .bind::<Nullable<Text>, _>(id)
                .bind::<Nullable<Text>, _>(q.contact_id.as_deref())
                .bind::<Nullable<Text>, _>(direction.as_deref())
                .bind::<BigInt, _>(limit + 1)
                .load(x)?
        }
    };
    let more = i64::try_from(found.len()).is_ok_and(|n| n > limit);
    let found: Vec<Found> = found
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
    let rows: Vec<MessageRow> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::id.eq_any(&ids))
        .select(MessageRow::as_select())
        .load(x))?;
    let mut messages: HashMap<String, Message> = rows
        .into_iter()
        .map(|r| (r.id.clone(), Message::from(r)))
        .collect();
    let contact_ids: Vec<String> = messages
        .values()
        .filter_map(|m| m.contact_id.clone())
        .collect();
    type Who = (String, Option<String>, Option<String>, Option<String>);
    let who: Vec<Who> = with_conn!(conn, |x| c::whatsapp_contacts
        .filter(c::id.eq_any(&contact_ids))
        .select((c::id, c::phone_number, c::display_name, c::profile_name))
        .load(x))?;
    let who: HashMap<String, (Option<String>, Option<String>)> = who
        .into_iter()
        .map(|(id, phone, name, profile)| (id, (phone, name.or(profile))))
        .collect();
    let next = if more {
        found.last().map(|f| f.position.clone())
    } else {
        None
    };
    let hits = found
        .into_iter()
        .filter_map(|f| {
            let message = messages.remove(&f.id)?;
            let (contact_phone, contact_name) = message
                .contact_id
                .as_ref()
                .and_then(|id| who.get(id).cloned())
                .unwrap_or_default();
            let (snippet, highlights) = search::highlights(&f.snippet);
            Some(SearchHit {
                message,
                snippet,
                highlights,
                contact_phone,
                contact_name,
            })
        })
        .collect();
    Ok(SearchPage { hits, next })
}

/// SQLite: adds to the index up to `limit` messages stored after the mark, oldest first, and
/// moves the mark past them; how many rows it looked at (fewer than `limit`: it has caught up).
/// PostgreSQL indexes each message as it is written: 0.
pub fn index_pending(conn: &mut DbConnection, limit: i64) -> QueryResult<usize> {
    let DbConnection::Sqlite(x) = conn else {
        return Ok(0);
    };
    let mark: Mark =
        diesel::sql_query("SELECT indexed_rowid FROM whatsapp_search_state WHERE id = 1")
            .get_result(x)?;
    let upto: Upto = diesel::sql_query(
        "SELECT max(rowid) AS upto, count(*) AS rows FROM \
         (SELECT rowid FROM whatsapp_messages WHERE rowid > ? ORDER BY rowid LIMIT ?)",
    )
    .bind::<BigInt, _>(mark.indexed_rowid)
    .bind::<BigInt, _>(limit)
    .get_result(x)?;
    let upto_rows = upto.rows;
    let Some(upto) = upto.upto else {
        return Ok(0);
    };
    diesel::sql_query(
        "INSERT INTO whatsapp_messages_fts (rowid, message_text, contact_id) \
         SELECT rowid, message_text, contact_id FROM whatsapp_messages \
         WHERE rowid > ? AND rowid <= ? AND message_text IS NOT NULL",
    )
    .bind::<BigInt, _>(mark.indexed_rowid)
    .bind::<BigInt, _>(upto)
    .execute(x)?;
    diesel::sql_query("UPDATE whatsapp_search_state SET indexed_rowid = ? WHERE id = 1")
        .bind::<BigInt, _>(upto)
        .execute(x)?;
    Ok(usize::try_from(upto_rows).unwrap_or(0))
}
