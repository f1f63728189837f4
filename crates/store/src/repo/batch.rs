//! Statements for batches of webhook events, written once for both backends.
//!
//! On PostgreSQL, where every statement is a round trip, each statement carries up to
//! [`CHUNK`] rows. On SQLite, which runs in-process, a multi-row statement saves nothing but
//! costs a fresh SQL parse for every batch size; there each statement carries one row and is
//! prepared once and kept ([`Prepared`]: diesel itself never keeps raw SQL or `UPDATE`
//! statements prepared).
//!
//! Only the parameter markers differ: `$n` for PostgreSQL, plain `?` for SQLite (SQLite looks
//! named and numbered markers up in a list, which is quadratic in their number; plain `?` is
//! not). Parameters are therefore bound in the order they appear. `VALUES` lists name their
//! columns `column1`, `column2`, … on both backends.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Bool, Integer, Nullable, Text, Timestamp};
use wacloud_core::contact::{Contact, ContactIdentity};
use wacloud_core::ports::{ContactDelta, NewMessage, StatusFold};
use wacloud_core::webhook::{NewWebhook, WebhookOutcome};

use crate::conn::DbConnection;
use crate::models::{db_time, ContactRow};
use crate::schema::whatsapp_contacts::dsl as c;
use crate::schema::whatsapp_messages::dsl as m;
use crate::with_conn;

use super::prepared::{statements, Prepared};

/// Rows per PostgreSQL statement.
const CHUNK: usize = 200;

/// How a backend marks parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// `$1`, `$2`, … (PostgreSQL).
    Dollar,
    /// `?` (SQLite).
    Question,
}

fn marker(conn: &DbConnection) -> Marker {
    match conn {
        DbConnection::Pg(_) => Marker::Dollar,
        DbConnection::Sqlite(_) => Marker::Question,
    }
}

/// Parameter number `n` (1-based).
fn param(m: Marker, n: usize) -> String {
    match m {
        Marker::Dollar => format!("${n}"),
        Marker::Question => "?".to_owned(),
    }
}

/// `(p, …), (…)` for `rows` rows of `cols` parameters, numbered from `start`.
fn placeholders(m: Marker, start: usize, rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for col in 0..cols {
            if col > 0 {
                out.push_str(", ");
            }
            out.push_str(&param(m, start + r * cols + col));
        }
        out.push(')');
    }
    out
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Binds one webhook row's 12 values, in the column order of [`WEBHOOK_COLUMNS`], to a query
/// with a diesel-style `.bind::<ST, _>(value)` (a boxed `sql_query` or a [`Prepared`]).
macro_rules! bind_webhook {
    ($q:expr, $w:expr, $o:expr) => {{
        let (w, o) = ($w, $o);
        bind_outcome!(
            $q.bind::<Text, _>(w.id.as_str())
                .bind::<Timestamp, _>(db_time(w.received_at))
                .bind::<Binary, _>(w.body.as_slice())
                .bind::<Text, _>(w.body_sha256.as_str())
                .bind::<Nullable<Text>, _>(w.signature.as_deref()),
            o
        )
        .bind::<Integer, _>(1)
    }};
}

/// Binds a delivery's outcome (state, error, event_count, phone_number_id, fields,
/// processed_at, in that order): the middle of a webhook row and the SET list of finishing one.
macro_rules! bind_outcome {
    ($q:expr, $o:expr) => {{
        let o = $o;
        $q.bind::<Text, _>(o.state.as_str())
            .bind::<Nullable<Text>, _>(o.error.as_deref())
            .bind::<BigInt, _>(o.event_count)
            .bind::<Nullable<Text>, _>(o.phone_number_id.as_deref())
            .bind::<Nullable<Text>, _>(o.fields.as_deref())
            .bind::<Timestamp, _>(crate::models::db_time(o.processed_at))
    }};
}
pub(crate) use bind_outcome;

/// `INSERT INTO whatsapp_webhooks (…) VALUES` (or another verb than `INSERT`), for both
/// backends' statements.
macro_rules! webhook_insert {
    () => {
        webhook_insert!("INSERT")
    };
    ($verb:literal) => {
        concat!(
            $verb,
            " INTO whatsapp_webhooks (id, received_at, body, body_sha256, signature, state, \
         error, event_count, phone_number_id, fields, processed_at, attempts) VALUES"
        )
    };
}

const WEBHOOK_COLUMNS: &str = webhook_insert!();

pub fn insert_webhooks(
    conn: &mut DbConnection,
    rows: &[(&NewWebhook, &WebhookOutcome)],
) -> QueryResult<Vec<bool>> {
    if let DbConnection::Sqlite(x) = conn {
        // One row per statement and no `RETURNING` (see `insert_messages`).
        return rows
            .iter()
            .map(|(w, o)| {
                let q = bind_webhook!(Prepared::<_, InsertWebhook>::new(), w, o);
                Ok(q.execute(x)? == 1)
            })
            .collect();
    }
    let mut inserted: HashSet<String> = HashSet::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "{WEBHOOK_COLUMNS} {} ON CONFLICT (body_sha256) DO NOTHING RETURNING id",
            placeholders(marker(conn), 1, chunk.len(), 12)
        );
        let ids: Vec<IdRow> = with_conn!(conn, |x| {
            let mut q = diesel::sql_query(sql.as_str()).into_boxed();
            for (w, o) in chunk {
                q = bind_webhook!(q, w, o);
            }
            q.load(x)
        })?;
        inserted.extend(ids.into_iter().map(|r| r.id));
    }
    Ok(rows.iter().map(|(w, _)| inserted.contains(&w.id)).collect())
}

/// Binds one message row's 30 values, in the column order of [`MESSAGE_COLUMNS`].
macro_rules! bind_message {
    ($q:expr, $n:expr, $now:expr) => {{
        let (n, now) = ($n, $now);
        let e = n.error.as_ref();
        $q.bind::<Text, _>(n.id.as_str())
            .bind::<Nullable<Text>, _>(n.message_id.as_deref())
            .bind::<Nullable<Text>, _>(n.contact_id.as_deref())
            .bind::<Text, _>(n.direction.as_str())
            .bind::<Nullable<Text>, _>(n.from_phone.as_deref())
            .bind::<Nullable<Text>, _>(n.to_phone.as_deref())
            .bind::<Nullable<Text>, _>(n.user_id.as_deref())
            .bind::<Text, _>(n.message_type.as_str())
            .bind::<Nullable<Text>, _>(n.message_text.as_deref())
            .bind::<Text, _>(n.status.as_str())
            .bind::<Integer, _>(n.status.rank())
            .bind::<Bool, _>(n.is_read)
            .bind::<Timestamp, _>(db_time(n.created_at))
            .bind::<Timestamp, _>(now)
            .bind::<Nullable<Text>, _>(n.reply_to.as_deref())
            .bind::<Bool, _>(n.is_forwarded)
            .bind::<Nullable<Text>, _>(n.media.as_deref())
            .bind::<Nullable<Text>, _>(n.raw.as_deref())
            .bind::<Nullable<Text>, _>(n.phone_number_id.as_deref())
            .bind::<Nullable<Text>, _>(n.source.as_deref())
            .bind::<Nullable<Text>, _>(n.queue_id.as_deref())
            .bind::<Nullable<Text>, _>(n.group_id.as_deref())
            .bind::<Nullable<Text>, _>(n.payload.as_deref())
            .bind::<Timestamp, _>(now)
            .bind::<Nullable<BigInt>, _>(e.and_then(|e| e.code))
            .bind::<Nullable<Text>, _>(e.and_then(|e| e.title.as_deref()))
            .bind::<Nullable<Text>, _>(e.and_then(|e| e.message.as_deref()))
            .bind::<Nullable<Text>, _>(e.and_then(|e| e.details.as_deref()))
            .bind::<Nullable<Text>, _>(n.actor.as_deref())
            .bind::<Nullable<Text>, _>(n.actor_name.as_deref())
    }};
}

/// `INSERT INTO whatsapp_messages (…) VALUES` (or another verb than `INSERT`), for both
/// backends' statements.
macro_rules! message_insert {
    () => {
        message_insert!("INSERT")
    };
    ($verb:literal) => {
        concat!(
            $verb,
            " INTO whatsapp_messages (id, message_id, contact_id, direction, from_phone, \
         to_phone, user_id, message_type, message_text, status, status_rank, is_read, \
         created_at, received_at, reply_to, is_forwarded, media, raw, phone_number_id, source, \
         queue_id, group_id, payload, updated_at, error_code, error_title, error_message, \
         error_details, actor, actor_name) VALUES"
        )
    };
}

const MESSAGE_COLUMNS: &str = message_insert!();

statements! {
    /// One webhook row (SQLite); a `body_sha256` already stored is skipped. `OR IGNORE`, not
    /// `ON CONFLICT … DO NOTHING`: a statement that fires a trigger (the counts') and could
    /// abort (a NOT NULL column under the default ABORT) makes SQLite copy the pages it changes
    /// into a statement journal, and `OR IGNORE` leaves nothing that aborts. The only other
    /// unique key is our own fresh id, and every NOT NULL column is bound from a non-optional
    /// value.
    InsertWebhook = concat!(
        webhook_insert!("INSERT OR IGNORE"),
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    );
    /// One message row (SQLite); a `message_id` already stored is skipped (`OR IGNORE` for the
    /// reason given at [`InsertWebhook`]).
    InsertMessage = concat!(
        message_insert!("INSERT OR IGNORE"),
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    );
    /// One message's folded statuses, by our id (SQLite). No `FROM` and no `RETURNING`, and
    /// `OR IGNORE` (see [`InsertWebhook`]), so SQLite needs no statement journal.
    UpdateStatus = "UPDATE OR IGNORE whatsapp_messages SET updated_at = ?, \
        sent_at = COALESCE(sent_at, ?), \
        delivered_at = COALESCE(delivered_at, ?), \
        read_at = COALESCE(read_at, ?), \
        played_at = COALESCE(played_at, ?), \
        status = CASE WHEN status_rank < ? THEN ? ELSE status END, \
        status_rank = CASE WHEN status_rank < ? THEN ? ELSE status_rank END, \
        conversation_id = COALESCE(?, conversation_id), \
        pricing_category = COALESCE(pricing_category, ?), \
        pricing_model = COALESCE(pricing_model, ?), \
        pricing_billable = COALESCE(pricing_billable, ?), \
        pricing_type = COALESCE(pricing_type, ?) \
        WHERE id = ?";
    /// One contact's delta (SQLite). Every SET sees the old row.
    UpdateContact = "UPDATE whatsapp_contacts SET \
        unread_count = unread_count + ?, \
        last_message_preview = CASE WHEN ? IS NOT NULL AND (last_message_time IS NULL OR last_message_time <= ?) THEN ? ELSE last_message_preview END, \
        last_message_direction = CASE WHEN ? IS NOT NULL AND (last_message_time IS NULL OR last_message_time <= ?) THEN ? ELSE last_message_direction END, \
        last_message_time = CASE WHEN ? IS NOT NULL AND (last_message_time IS NULL OR last_message_time <= ?) THEN ? ELSE last_message_time END, \
        last_inbound_at = CASE WHEN ? IS NOT NULL AND (last_inbound_at IS NULL OR last_inbound_at < ?) THEN ? ELSE last_inbound_at END \
        WHERE id = ?";
}

pub fn insert_messages(
    conn: &mut DbConnection,
    rows: &[NewMessage],
    now: DateTime<Utc>,
) -> QueryResult<Vec<bool>> {
    let now = db_time(now);
    if let DbConnection::Sqlite(x) = conn {
        // One row per statement, kept prepared, and no `RETURNING`: in SQLite a `RETURNING`
        // clause (like a multi-row `VALUES`) makes the statement open a statement journal, and
        // closing one walks the batch's whole in-memory journal, which is quadratic in the
        // batch. The row count says whether the row went in.
        return rows
            .iter()
            .map(|n| {
                Ok(bind_message!(Prepared::<_, InsertMessage>::new(), n, now).execute(x)? == 1)
            })
            .collect();
    }
    let mut inserted: HashSet<String> = HashSet::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "{MESSAGE_COLUMNS} {} ON CONFLICT (message_id) DO NOTHING RETURNING id",
            placeholders(marker(conn), 1, chunk.len(), 30)
        );
        let ids: Vec<IdRow> = with_conn!(conn, |x| {
            let mut q = diesel::sql_query(sql.as_str()).into_boxed();
            for n in chunk {
                q = bind_message!(q, n, now);
            }
            q.load(x)
        })?;
        inserted.extend(ids.into_iter().map(|r| r.id));
    }
    Ok(rows.iter().map(|n| inserted.contains(&n.id)).collect())
}

type IdentityRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn identity(
    (id, phone_number_id, wa_id, user_id, parent_user_id, profile_name, username): IdentityRow,
) -> ContactIdentity {
    ContactIdentity {
        id,
        phone_number_id,
        wa_id,
        user_id,
        parent_user_id,
        profile_name,
        username,
    }
}

/// The contacts holding `(phone_number_id, wa_id)` pairs (identity fields only).
pub fn find_contact_identities(
    conn: &mut DbConnection,
    keys: &[(String, String)],
) -> QueryResult<Vec<ContactIdentity>> {
    let fields = (
        c::id,
        c::phone_number_id,
        c::wa_id,
        c::user_id,
        c::parent_user_id,
        c::profile_name,
        c::username,
    );
    let mut out = Vec::with_capacity(keys.len());
    if let DbConnection::Sqlite(x) = conn {
        // One key per lookup: the statement stays prepared (an `IN` list is parsed anew).
        for (n, w) in keys {
            let row: Option<IdentityRow> = c::whatsapp_contacts
                .filter(c::phone_number_id.eq(n))
                .filter(c::wa_id.eq(w))
                .select(fields)
                .first(x)
                .optional()?;
            out.extend(row.map(identity));
        }
        return Ok(out);
    }
    for chunk in keys.chunks(CHUNK * 4) {
        let wa_ids: Vec<&str> = chunk.iter().map(|(_, w)| w.as_str()).collect();
        let rows: Vec<IdentityRow> = with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::wa_id.eq_any(&wa_ids))
            .select(fields)
            .load(x))?;
        out.extend(
            rows.into_iter()
                .filter(|r| {
                    chunk
                        .iter()
                        .any(|(n, w)| *n == r.1 && Some(w) == r.2.as_ref())
                })
                .map(identity),
        );
    }
    Ok(out)
}

/// The contacts holding `(phone_number_id, wa_id)` pairs.
pub fn find_contacts_by_wa_ids(
    conn: &mut DbConnection,
    keys: &[(String, String)],
) -> QueryResult<Vec<Contact>> {
    let mut out = Vec::with_capacity(keys.len());
    if let DbConnection::Sqlite(x) = conn {
        // One key per lookup: the statement stays prepared (an `IN` list is parsed anew).
        for (n, w) in keys {
            let row: Option<ContactRow> = c::whatsapp_contacts
                .filter(c::phone_number_id.eq(n))
                .filter(c::wa_id.eq(w))
                .select(ContactRow::as_select())
                .first(x)
                .optional()?;
            out.extend(row.map(Contact::from));
        }
        return Ok(out);
    }
    for chunk in keys.chunks(CHUNK * 4) {
        let wa_ids: Vec<&str> = chunk.iter().map(|(_, w)| w.as_str()).collect();
        let rows: Vec<ContactRow> = with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::wa_id.eq_any(&wa_ids))
            .select(ContactRow::as_select())
            .load(x))?;
        out.extend(
            rows.into_iter()
                .filter(|r| {
                    chunk
                        .iter()
                        .any(|(n, w)| *n == r.phone_number_id && Some(w) == r.wa_id.as_ref())
                })
                .map(Contact::from),
        );
    }
    Ok(out)
}

pub fn find_message_ids(
    conn: &mut DbConnection,
    wamids: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(wamids.len());
    if let DbConnection::Sqlite(x) = conn {
        for w in wamids {
            let row: Option<String> = m::whatsapp_messages
                .filter(m::message_id.eq(w))
                .select(m::id)
                .first(x)
                .optional()?;
            out.extend(row.map(|id| ((*w).to_owned(), id)));
        }
        return Ok(out);
    }
    for chunk in wamids.chunks(CHUNK * 4) {
        let rows: Vec<(Option<String>, String)> = with_conn!(conn, |x| m::whatsapp_messages
            .filter(m::message_id.eq_any(chunk))
            .select((m::message_id, m::id))
            .load(x))?;
        out.extend(rows.into_iter().filter_map(|(w, id)| w.map(|w| (w, id))));
    }
    Ok(out)
}

/// Returns the ids of the messages updated.
pub fn apply_status_folds(
    conn: &mut DbConnection,
    folds: &[StatusFold],
    now: DateTime<Utc>,
) -> QueryResult<Vec<String>> {
    let now = db_time(now);
    let mut updated = Vec::with_capacity(folds.len());
    if let DbConnection::Sqlite(x) = conn {
        for f in folds {
            let id = match &f.message_id {
                Some(id) => Some(id.clone()),
                None => m::whatsapp_messages
                    .filter(m::message_id.eq(f.wamid.as_str()))
                    .select(m::id)
                    .first(x)
                    .optional()?,
            };
            let Some(id) = id else { continue };
            let rank = f.status.rank();
            let q = Prepared::<_, UpdateStatus>::new()
                .bind::<Timestamp, _>(now)
                .bind::<Nullable<Timestamp>, _>(f.sent_at.map(db_time))
                .bind::<Nullable<Timestamp>, _>(f.delivered_at.map(db_time))
                .bind::<Nullable<Timestamp>, _>(f.read_at.map(db_time))
                .bind::<Nullable<Timestamp>, _>(f.played_at.map(db_time))
                .bind::<Integer, _>(rank)
                .bind::<Text, _>(f.status.as_str())
                .bind::<Integer, _>(rank)
                .bind::<Integer, _>(rank)
                .bind::<Nullable<Text>, _>(f.conversation_id.as_deref())
                .bind::<Nullable<Text>, _>(f.pricing.category.as_deref())
                .bind::<Nullable<Text>, _>(f.pricing.model.as_deref())
                .bind::<Nullable<Bool>, _>(f.pricing.billable)
                .bind::<Nullable<Text>, _>(f.pricing.kind.as_deref())
                .bind::<Text, _>(id.as_str());
            if q.execute(x)? > 0 {
                updated.push(id);
            }
        }
        return Ok(updated);
    }
    for chunk in folds.chunks(CHUNK) {
        // v.column1 wamid, 2 sent, 3 delivered, 4 read, 5 played, 6 rank, 7 status,
        // 8 conversation, 9–12 pricing (category, model, billable, type).
        let m = marker(conn);
        let sql = format!(
            "UPDATE whatsapp_messages SET updated_at = {}, \
             sent_at = COALESCE(sent_at, v.column2), \
             delivered_at = COALESCE(delivered_at, v.column3), \
             read_at = COALESCE(read_at, v.column4), \
             played_at = COALESCE(played_at, v.column5), \
             status = CASE WHEN status_rank < v.column6 THEN v.column7 ELSE status END, \
             status_rank = CASE WHEN status_rank < v.column6 THEN v.column6 ELSE status_rank END, \
             conversation_id = COALESCE(v.column8, conversation_id), \
             pricing_category = COALESCE(pricing_category, v.column9), \
             pricing_model = COALESCE(pricing_model, v.column10), \
             pricing_billable = COALESCE(pricing_billable, v.column11), \
             pricing_type = COALESCE(pricing_type, v.column12) \
             FROM (VALUES {}) AS v WHERE whatsapp_messages.message_id = v.column1 \
             RETURNING whatsapp_messages.id",
            param(m, 1),
            placeholders(m, 2, chunk.len(), 12)
        );
        with_conn!(conn, |x| {
            let mut q = diesel::sql_query(sql.as_str())
                .into_boxed()
                .bind::<Timestamp, _>(now);
            for f in chunk {
                q = q
                    .bind::<Text, _>(f.wamid.as_str())
                    .bind::<Nullable<Timestamp>, _>(f.sent_at.map(db_time))
                    .bind::<Nullable<Timestamp>, _>(f.delivered_at.map(db_time))
                    .bind::<Nullable<Timestamp>, _>(f.read_at.map(db_time))
                    .bind::<Nullable<Timestamp>, _>(f.played_at.map(db_time))
                    .bind::<Integer, _>(f.status.rank())
                    .bind::<Text, _>(f.status.as_str())
                    .bind::<Nullable<Text>, _>(f.conversation_id.as_deref())
                    .bind::<Nullable<Text>, _>(f.pricing.category.as_deref())
                    .bind::<Nullable<Text>, _>(f.pricing.model.as_deref())
                    .bind::<Nullable<Bool>, _>(f.pricing.billable)
                    .bind::<Nullable<Text>, _>(f.pricing.kind.as_deref());
            }
            q.load::<IdRow>(x)
        })?
        .into_iter()
        .for_each(|r| updated.push(r.id));
    }
    Ok(updated)
}

pub fn record_contact_deltas(conn: &mut DbConnection, deltas: &[ContactDelta]) -> QueryResult<()> {
    if let DbConnection::Sqlite(x) = conn {
        for d in deltas {
            let (at, preview) = (db_time(d.at), d.preview.as_deref());
            let inbound = d.inbound_at.map(db_time);
            let q = Prepared::<_, UpdateContact>::new()
                .bind::<BigInt, _>(d.unread_increment)
                // last_message_preview
                .bind::<Nullable<Text>, _>(preview)
                .bind::<Timestamp, _>(at)
                .bind::<Nullable<Text>, _>(preview)
                // last_message_direction
                .bind::<Nullable<Text>, _>(preview)
                .bind::<Timestamp, _>(at)
                .bind::<Text, _>(d.direction.as_str())
                // last_message_time
                .bind::<Nullable<Text>, _>(preview)
                .bind::<Timestamp, _>(at)
                .bind::<Timestamp, _>(at)
                // last_inbound_at
                .bind::<Nullable<Timestamp>, _>(inbound)
                .bind::<Nullable<Timestamp>, _>(inbound)
                .bind::<Nullable<Timestamp>, _>(inbound)
                .bind::<Text, _>(d.contact_id.as_str());
            q.execute(x)?;
        }
        return Ok(());
    }
    for chunk in deltas.chunks(CHUNK) {
        // v.column1 id, 2 unread increment, 3 at, 4 preview, 5 direction, 6 inbound_at.
        // Every SET sees the old row, so each condition compares with the previous values.
        let sql = format!(
            "UPDATE whatsapp_contacts SET \
             unread_count = unread_count + v.column2, \
             last_message_preview = CASE WHEN v.column4 IS NOT NULL AND (last_message_time IS NULL OR last_message_time <= v.column3) THEN v.column4 ELSE last_message_preview END, \
             last_message_direction = CASE WHEN v.column4 IS NOT NULL AND (last_message_time IS NULL OR last_message_time <= v.column3) THEN v.column5 ELSE last_message_direction END, \
             last_message_time = CASE WHEN v.column4 IS NOT NULL AND (last_message_time IS NULL OR last_message_time <= v.column3) THEN v.column3 ELSE last_message_time END, \
             last_inbound_at = CASE WHEN v.column6 IS NOT NULL AND (last_inbound_at IS NULL OR last_inbound_at < v.column6) THEN v.column6 ELSE last_inbound_at END \
             FROM (VALUES {}) AS v WHERE whatsapp_contacts.id = v.column1",
            placeholders(marker(conn), 1, chunk.len(), 6)
        );
        with_conn!(conn, |x| {
            let mut q = diesel::sql_query(sql.as_str()).into_boxed();
            for d in chunk {
                q = q
                    .bind::<Text, _>(d.contact_id.as_str())
                    .bind::<BigInt, _>(d.unread_increment)
                    .bind::<Timestamp, _>(db_time(d.at))
                    .bind::<Nullable<Text>, _>(d.preview.as_deref())
                    .bind::<Text, _>(d.direction.as_str())
                    .bind::<Nullable<Timestamp>, _>(d.inbound_at.map(db_time));
            }
            q.execute(x)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{placeholders, Marker};

    #[test]
    fn placeholders_number_in_order() {
        assert_eq!(
            placeholders(Marker::Dollar, 2, 2, 3),
            "($2, $3, $4), ($5, $6, $7)"
        );
        assert_eq!(placeholders(Marker::Question, 2, 1, 3), "(?, ?, ?)");
    }
}
