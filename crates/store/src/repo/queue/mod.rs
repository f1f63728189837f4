//! `whatsapp_queue`: outbound work claimed under leases, attempts fenced on the lease, outcomes
//! applied only from the states the core allows.
//!
//! This module queues items and claims them under leases; `outcome` applies what came of an
//! item (and cancels a batch), `views` reads items and batches as the API shows them.

mod outcome;
mod views;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::outbound::OutboundContent;
use wacloud_core::queue::{NewQueueItem, QueueItem, QueueState};

use crate::conn::DbConnection;
use diesel::sql_types::{Text, Timestamp};

use crate::models::{db_time, from_db, to_db};
use crate::repo::prepared::{statements, Prepared};
use crate::schema::whatsapp_queue::dsl as q;
use crate::with_conn;

pub use outcome::{cancel_batch, finish, undecided_unknown};
pub use views::{batch_items_after, batch_summary, recent_batch_ids, view};

pub fn enqueue(conn: &mut DbConnection, items: &[NewQueueItem]) -> QueryResult<()> {
    // Chunked: SQLite limits the number of bound parameters per statement.
    for chunk in items.chunks(250) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|i| {
                (
                    (
                        q::id.eq(i.id.clone()),
                        q::batch_id.eq(i.batch_id.clone()),
                        q::recipient.eq(i.recipient.clone()),
                        q::payload.eq(serde_json::to_string(&i.content).unwrap_or_default()),
                        q::state.eq(QueueState::Pending.as_str()),
                        q::attempts.eq(0),
                        q::due_at.eq(to_db(i.due_at)),
                    ),
                    (
                        q::created_at.eq(to_db(i.created_at)),
                        q::updated_at.eq(to_db(i.created_at)),
                        q::allow_outside_window.eq(i.allow_outside_window),
                        q::source.eq(Some(i.source.clone())),
                        q::retry_of.eq(i.retry_of.clone()),
                        q::actor.eq(i.actor.clone()),
                        q::actor_name.eq(i.actor_name.clone()),
                        q::phone_number_id.eq(i.phone_number_id.clone()),
                    ),
                )
            })
            .collect();
        with_conn!(conn, |x| diesel::insert_into(q::whatsapp_queue)
            .values(&rows)
            .execute(x))?;
    }
    Ok(())
}

type ItemRow = (
    String,
    Option<String>,
    String,
    String,
    i32,
    bool,
    Option<String>,
    Option<NaiveDateTime>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn item_from_row(r: ItemRow) -> Option<QueueItem> {
    let (
        id,
        batch_id,
        recipient,
        payload,
        attempts,
        allow_outside_window,
        message_id,
        attempt_started_at,
        state,
        lease_owner,
        actor,
        actor_name,
        phone_number_id,
    ) = r;
    let content: OutboundContent = serde_json::from_str(&payload).ok()?;
    Some(QueueItem {
        id,
        actor,
        actor_name,
        batch_id,
        recipient,
        content,
        attempts,
        allow_outside_window,
        message_id,
        attempt_started_at: attempt_started_at.map(from_db),
        state: QueueState::parse(&state)?,
        lease_owner,
        phone_number_id,
    })
}

macro_rules! item_cols {
    () => {
        (
            q::id,
            q::batch_id,
            q::recipient,
            q::payload,
            q::attempts,
            q::allow_outside_window,
            q::message_id,
            q::attempt_started_at,
            q::state,
            q::lease_owner,
            q::actor,
            q::actor_name,
            q::phone_number_id,
        )
    };
}

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
    let lapsed = q::state
        .eq(QueueState::Sending.as_str())
        .and(q::lease_until.lt(t));
    // The items of a batch its budget paused wait until it is raised (`PATCH /batches/{id}`).
    let paused = crate::schema::whatsapp_batch_budgets::table
        .filter(crate::schema::whatsapp_batch_budgets::paused_reason.is_not_null())
        .select(crate::schema::whatsapp_batch_budgets::batch_id.nullable());
    let due = q::state
        .eq(QueueState::Pending.as_str())
        .and(q::due_at.le(t))
        .and(q::batch_id.is_null().or(q::batch_id.ne_all(paused)));
    // Several instances claim concurrently: on PostgreSQL rows another transaction holds are
    // skipped.
    let mut rows: Vec<ItemRow> = match conn {
        DbConnection::Pg(x) => q::whatsapp_queue
            .filter(lapsed)
            .order((q::lease_until.asc(), q::id.asc()))
            .limit(limit)
            .select(item_cols!())
            .for_update()
            .skip_locked()
            .load(x)?,
        // One writer per SQLite database: the surrounding write transaction is enough.
        DbConnection::Sqlite(x) => q::whatsapp_queue
            .filter(lapsed)
            .order((q::lease_until.asc(), q::id.asc()))
            .limit(limit)
            .select(item_cols!())
            .load(x)?,
    };
    let rest = limit - i64::try_from(rows.len()).unwrap_or(limit);
    if rest > 0 {
        let more: Vec<ItemRow> = match conn {
            DbConnection::Pg(x) => q::whatsapp_queue
                .filter(due)
                .order((q::due_at.asc(), q::id.asc()))
                .limit(rest)
                .select(item_cols!())
                .for_update()
                .skip_locked()
                .load(x)?,
            DbConnection::Sqlite(x) => q::whatsapp_queue
                .filter(due)
                .order((q::due_at.asc(), q::id.asc()))
                .limit(rest)
                .select(item_cols!())
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
        .filter_map(|r| {
            let mut item = item_from_row(r)?;
            item.state = QueueState::Sending;
            item.lease_owner = Some(owner.to_owned());
            Some(item)
        })
        .collect())
}

statements! {
    /// [`begin_attempt`]'s update.
    BeginAttempt = "UPDATE whatsapp_queue SET attempt_started_at = ?, attempts = attempts + 1, \
        message_id = ?, updated_at = ? WHERE id = ? AND state = ? AND lease_owner = ?";
}

/// Marks an attempt in flight, only while `owner` holds the lease.
pub fn begin_attempt(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let t = db_time(now);
    // Kept prepared: one run per message sent.
    let n = with_conn!(conn, |x| Prepared::<_, BeginAttempt>::new()
        .bind::<Timestamp, _>(t)
        .bind::<Text, _>(message_id)
        .bind::<Timestamp, _>(t)
        .bind::<Text, _>(id)
        .bind::<Text, _>(QueueState::Sending.as_str())
        .bind::<Text, _>(owner)
        .execute(x))?;
    Ok(n > 0)
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<QueueItem>> {
    let row: Option<ItemRow> = with_conn!(conn, |x| q::whatsapp_queue
        .find(id)
        .select(item_cols!())
        .first(x)
        .optional())?;
    Ok(row.and_then(item_from_row))
}
