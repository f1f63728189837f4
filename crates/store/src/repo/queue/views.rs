//! `whatsapp_queue` as the API shows it: one item, a batch's progress with a page of its items,
//! counts per state.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use wacloud_core::outbound::OutboundContent;
use wacloud_core::queue::{BatchItemOutcome, BatchQuery, BatchSummary, QueueItemView};

use crate::conn::DbConnection;
use crate::models::from_db;
use crate::schema::whatsapp_queue::dsl as q;
use crate::with_conn;

type ViewRow = (
    (
        String,
        Option<String>,
        String,
        String,
        i32,
        Option<String>,
        Option<String>,
        Option<i64>,
    ),
    (
        String,
        NaiveDateTime,
        NaiveDateTime,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
    ),
);

macro_rules! view_cols {
    () => {
        (
            (
                q::id,
                q::batch_id,
                q::recipient,
                q::state,
                q::attempts,
                q::message_id,
                q::last_error,
                q::last_error_code,
            ),
            (
                q::payload,
                q::due_at,
                q::created_at,
                q::updated_at,
                q::finished_at,
                q::source,
                q::retry_of,
            ),
        )
    };
}

fn view_from_row(r: ViewRow) -> QueueItemView {
    let (
        (id, batch_id, recipient, state, attempts, message_id, last_error, last_error_code),
        (payload, due_at, created_at, updated_at, finished_at, source, retry_of),
    ) = r;
    let message_type = serde_json::from_str::<OutboundContent>(&payload)
        .map_or_else(|_| "unknown".to_owned(), |c| c.message_type().to_owned());
    QueueItemView {
        id,
        batch_id,
        phone_number: recipient,
        state,
        attempts,
        message_id,
        last_error,
        last_error_code,
        message_type,
        due_at: from_db(due_at),
        created_at: from_db(created_at),
        updated_at: from_db(updated_at),
        finished_at: finished_at.map(from_db),
        source,
        retry_of,
    }
}

pub fn view(conn: &mut DbConnection, id: &str) -> QueryResult<Option<QueueItemView>> {
    let row: Option<ViewRow> = with_conn!(conn, |x| q::whatsapp_queue
        .find(id)
        .select(view_cols!())
        .first(x)
        .optional())?;
    Ok(row.map(view_from_row))
}

pub fn batch_summary(
    conn: &mut DbConnection,
    batch_id: &str,
    bq: &BatchQuery,
) -> QueryResult<Option<BatchSummary>> {
    let counted: Vec<(String, i64)> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::batch_id.eq(batch_id))
        .group_by(q::state)
        .select((q::state, diesel::dsl::count_star()))
        .load(x))?;
    if counted.is_empty() {
        return Ok(None);
    }
    let (created, due): (Option<NaiveDateTime>, Option<NaiveDateTime>) =
        with_conn!(conn, |x| q::whatsapp_queue
            .filter(q::batch_id.eq(batch_id))
            .select((diesel::dsl::min(q::created_at), diesel::dsl::min(q::due_at)))
            .first(x))?;
    let rows: Vec<ViewRow> = if bq.limit > 0 {
        let limit = bq.limit.min(10_000);
        let offset = bq.offset.max(0);
        match bq.state {
            Some(s) => with_conn!(conn, |x| q::whatsapp_queue
                .filter(q::batch_id.eq(batch_id))
                .filter(q::state.eq(s.as_str()))
                .order((q::created_at.asc(), q::id.asc()))
                .limit(limit)
                .offset(offset)
                .select(view_cols!())
                .load(x))?,
            None => with_conn!(conn, |x| q::whatsapp_queue
                .filter(q::batch_id.eq(batch_id))
                .order((q::created_at.asc(), q::id.asc()))
                .limit(limit)
                .offset(offset)
                .select(view_cols!())
                .load(x))?,
        }
    } else {
        Vec::new()
    };
    let counts: BTreeMap<String, i64> = counted.into_iter().collect();
    let now = chrono::Utc::now().naive_utc();
    let mut summary = BatchSummary {
        batch_id: batch_id.to_owned(),
        total: counts.values().sum(),
        counts,
        finished: 0,
        done: false,
        created_at: from_db(created.unwrap_or(now)),
        scheduled_at: from_db(due.unwrap_or(now)),
        items: rows.into_iter().map(view_from_row).collect(),
        budget: None,
    };
    summary.complete_counts();
    Ok(Some(summary))
}

/// Ids of the newest batches before `before`, newest first (the batch index, read backwards,
/// stops after `limit` distinct ids: the cost is that of the batches listed, not the history).
pub fn recent_batch_ids(
    conn: &mut DbConnection,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<String>> {
    // Past every id: ids are ASCII letters, digits, `-` and `_`.
    let before = before.unwrap_or("\u{7f}").to_owned();
    let ids: Vec<Option<String>> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::batch_id.is_not_null())
        .filter(q::batch_id.lt(&before))
        .select(q::batch_id)
        .distinct()
        .order(q::batch_id.desc())
        .limit(limit)
        .load(x))?;
    Ok(ids.into_iter().flatten().collect())
}

/// A page of a batch's items after the id `after`, in id order, each with what became of its
/// message.
pub fn batch_items_after(
    conn: &mut DbConnection,
    batch_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<BatchItemOutcome>> {
    use crate::schema::whatsapp_messages::dsl as m;
    type Sent = (String, Option<String>, String, Option<i64>, Option<String>);
    let after = after.unwrap_or("").to_owned();
    let rows: Vec<ViewRow> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::batch_id.eq(batch_id))
        .filter(q::id.gt(&after))
        .order(q::id.asc())
        .limit(limit)
        .select(view_cols!())
        .load(x))?;
    let items: Vec<QueueItemView> = rows.into_iter().map(view_from_row).collect();
    let ids: Vec<&str> = items
        .iter()
        .filter_map(|i| i.message_id.as_deref())
        .collect();
    let mut sent: std::collections::HashMap<String, Sent> = if ids.is_empty() {
        std::collections::HashMap::new()
    } else {
        let found: Vec<Sent> = with_conn!(conn, |x| m::whatsapp_messages
            .filter(m::id.eq_any(&ids))
            .select((
                m::id,
                m::message_id,
                m::status,
                m::error_code,
                m::error_title
            ))
            .load(x))?;
        found.into_iter().map(|r| (r.0.clone(), r)).collect()
    };
    Ok(items
        .into_iter()
        .map(|item| {
            let found = item.message_id.as_ref().and_then(|id| sent.remove(id));
            let (wamid, status, code, title) = match found {
                Some((_, wamid, status, code, title)) => (wamid, Some(status), code, title),
                None => (None, None, None, None),
            };
            BatchItemOutcome {
                item,
                wamid,
                message_status: status,
                message_error_code: code,
                message_error: title,
            }
        })
        .collect())
}
