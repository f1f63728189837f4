//! `whatsapp_queue`: outbound work claimed under leases.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use wacloud_core::outbound::OutboundContent;
use wacloud_core::queue::{
    BatchItem, BatchSummary, NewQueueItem, QueueItem, QueueOutcome, QueueState,
};

use crate::conn::DbConnection;
use crate::models::to_db;
use crate::schema::whatsapp_queue::dsl as q;
use crate::with_conn;

pub fn enqueue(conn: &mut DbConnection, items: &[NewQueueItem]) -> QueryResult<()> {
    // Chunked: SQLite limits the number of bound parameters per statement.
    for chunk in items.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|i| {
                (
                    q::id.eq(i.id.clone()),
                    q::batch_id.eq(i.batch_id.clone()),
                    q::recipient.eq(i.recipient.clone()),
                    q::payload.eq(serde_json::to_string(&i.content).unwrap_or_default()),
                    q::state.eq(QueueState::Pending.as_str()),
                    q::attempts.eq(0),
                    q::due_at.eq(to_db(i.due_at)),
                    q::created_at.eq(to_db(i.created_at)),
                    q::updated_at.eq(to_db(i.created_at)),
                )
            })
            .collect();
        with_conn!(conn, |x| diesel::insert_into(q::whatsapp_queue)
            .values(&rows)
            .execute(x))?;
    }
    Ok(())
}

type ClaimRow = (String, Option<String>, String, String, i32);

/// Due items: claimed by a worker whose lease ran out (first: that work is the oldest), then
/// pending and due, in order. Each part reads its own index (`whatsapp_queue_lease`,
/// `whatsapp_queue_due`). On PostgreSQL the rows are locked `FOR UPDATE SKIP LOCKED`, so
/// instances claiming at the same moment take different items, and the lease taken in the same
/// transaction keeps them apart afterwards.
pub fn claim(
    conn: &mut DbConnection,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<QueueItem>> {
    let t = to_db(now);
    let cols = (q::id, q::batch_id, q::recipient, q::payload, q::attempts);
    let lapsed = q::state
        .eq(QueueState::Sending.as_str())
        .and(q::lease_until.lt(t));
    let due = q::state
        .eq(QueueState::Pending.as_str())
        .and(q::due_at.le(t));
    let mut rows: Vec<ClaimRow> = match conn {
        DbConnection::Pg(x) => q::whatsapp_queue
            .filter(lapsed)
            .order((q::lease_until.asc(), q::id.asc()))
            .limit(limit)
            .select(cols)
            .for_update()
            .skip_locked()
            .load(x)?,
        // One writer per SQLite database: the surrounding write transaction is enough.
        DbConnection::Sqlite(x) => q::whatsapp_queue
            .filter(lapsed)
            .order((q::lease_until.asc(), q::id.asc()))
            .limit(limit)
            .select(cols)
            .load(x)?,
    };
    let rest = limit - i64::try_from(rows.len()).unwrap_or(limit);
    if rest > 0 {
        let more: Vec<ClaimRow> = match conn {
            DbConnection::Pg(x) => q::whatsapp_queue
                .filter(due)
                .order((q::due_at.asc(), q::id.asc()))
                .limit(rest)
                .select(cols)
                .for_update()
                .skip_locked()
                .load(x)?,
            DbConnection::Sqlite(x) => q::whatsapp_queue
                .filter(due)
                .order((q::due_at.asc(), q::id.asc()))
                .limit(rest)
                .select(cols)
                .load(x)?,
        };
        rows.extend(more);
    }
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    if !ids.is_empty() {
        with_conn!(conn, |x| diesel::update(
            q::whatsapp_queue.filter(q::id.eq_any(&ids))
        )
        .set((
            q::state.eq(QueueState::Sending.as_str()),
            q::lease_owner.eq(owner),
            q::lease_until.eq(to_db(lease_until)),
            q::updated_at.eq(t),
        ))
        .execute(x))?;
    }
    Ok(rows
        .into_iter()
        .filter_map(|(id, batch_id, recipient, payload, attempts)| {
            let content: OutboundContent = serde_json::from_str(&payload).ok()?;
            Some(QueueItem {
                id,
                batch_id,
                recipient,
                content,
                attempts,
            })
        })
        .collect())
}

pub fn finish(
    conn: &mut DbConnection,
    id: &str,
    outcome: &QueueOutcome,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let t = to_db(now);
    let target = q::whatsapp_queue.find(id);
    let clear_lease = (
        q::lease_owner.eq(None::<String>),
        q::lease_until.eq(None::<chrono::NaiveDateTime>),
    );
    match outcome {
        QueueOutcome::Sent { message_id } => with_conn!(conn, |x| diesel::update(target)
            .set((
                q::state.eq(QueueState::Sent.as_str()),
                q::message_id.eq(message_id),
                q::attempts.eq(q::attempts + 1),
                q::last_error.eq(None::<String>),
                q::last_error_code.eq(None::<i64>),
                clear_lease,
                q::updated_at.eq(t),
            ))
            .execute(x)),
        QueueOutcome::Retry {
            retry_at,
            error,
            code,
        } => with_conn!(conn, |x| diesel::update(target)
            .set((
                q::state.eq(QueueState::Pending.as_str()),
                q::due_at.eq(to_db(*retry_at)),
                q::attempts.eq(q::attempts + 1),
                q::last_error.eq(error),
                q::last_error_code.eq(code),
                clear_lease,
                q::updated_at.eq(t),
            ))
            .execute(x)),
        QueueOutcome::Failed {
            error,
            code,
            message_id,
        } => with_conn!(conn, |x| diesel::update(target)
            .set((
                q::state.eq(QueueState::Failed.as_str()),
                q::attempts.eq(q::attempts + 1),
                q::last_error.eq(error),
                q::last_error_code.eq(code),
                q::message_id.eq(message_id),
                clear_lease,
                q::updated_at.eq(t),
            ))
            .execute(x)),
        QueueOutcome::Unknown { error, message_id } => with_conn!(conn, |x| diesel::update(target)
            .set((
                q::state.eq(QueueState::Unknown.as_str()),
                q::attempts.eq(q::attempts + 1),
                q::last_error.eq(error),
                q::message_id.eq(message_id),
                clear_lease,
                q::updated_at.eq(t),
            ))
            .execute(x)),
    }
    .map(drop)
}

type BatchRow = (
    String,
    String,
    String,
    i32,
    Option<String>,
    Option<String>,
    Option<i64>,
);

pub fn batch_summary(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Option<BatchSummary>> {
    let rows: Vec<BatchRow> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::batch_id.eq(batch_id))
        .order((q::created_at.asc(), q::id.asc()))
        .select((
            q::id,
            q::recipient,
            q::state,
            q::attempts,
            q::message_id,
            q::last_error,
            q::last_error_code,
        ))
        .load(x))?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut counts = BTreeMap::new();
    let items: Vec<BatchItem> = rows
        .into_iter()
        .map(
            |(id, recipient, state, attempts, message_id, last_error, code)| {
                *counts.entry(state.clone()).or_insert(0) += 1;
                BatchItem {
                    id,
                    phone_number: recipient,
                    state,
                    attempts,
                    message_id,
                    last_error,
                    last_error_code: code,
                }
            },
        )
        .collect();
    Ok(Some(BatchSummary {
        batch_id: batch_id.to_owned(),
        total: i64::try_from(items.len()).unwrap_or(i64::MAX),
        counts,
        items,
    }))
}

/// Counts per state.
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    with_conn!(conn, |x| q::whatsapp_queue
        .group_by(q::state)
        .select((q::state, diesel::dsl::count_star()))
        .load(x))
}
