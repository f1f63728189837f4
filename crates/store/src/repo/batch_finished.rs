//! `batch.finished` (issue 21): written to the outbox once per batch, when the last of its items
//! reaches a final state. The event id is derived from the batch id
//! (`wacloud_core::outbox::batch_finished_event_id`) and inserted `ON CONFLICT DO NOTHING`, so
//! the queue's write paths (`finish_queue_item`, `cancel_batch`) and the periodic check
//! ([`emit_since`], for two transactions that each saw the other's last item still open) never
//! write it twice. Indexes: migration `2026-12-11-000020_outbox_claim`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::outbox::{batch_finished_event, batch_finished_event_id, EventType};
use wacloud_core::ports::new_id;
use wacloud_core::queue::{BatchQuery, QueueState};

use super::queue;
use crate::conn::DbConnection;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_outbox::dsl as o;
use crate::schema::whatsapp_outbox_events::dsl as ev;
use crate::schema::whatsapp_queue::dsl as q;
use crate::schema::whatsapp_subscriptions::dsl as s;
use crate::with_conn;

const OPEN: [&str; 3] = ["pending", "sending", "unknown"];

/// Writes `batch.finished` for `batch_id` if it finished, a subscription wants it, and it was
/// not written before. `true` when written now.
pub fn emit(conn: &mut DbConnection, batch_id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    debug_assert!(OPEN.iter().all(|s| QueueState::parse(s).is_some()));
    let wanting = wanting(conn)?;
    if wanting.is_empty() {
        return Ok(false);
    }
    emit_to(conn, &wanting, batch_id, now)
}

/// The active subscriptions that want `batch.finished`.
fn wanting(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let subs: Vec<(String, String)> = with_conn!(conn, |x| s::whatsapp_subscriptions
        .filter(s::active.eq(true))
        .order(s::id.asc())
        .select((s::id, s::events))
        .load(x))?;
    Ok(subs
        .into_iter()
        .filter(|(_, events)| {
            serde_json::from_str::<Vec<String>>(events)
                .unwrap_or_default()
                .iter()
                .any(|e| EventType::parse(e) == Some(EventType::BatchFinished))
        })
        .map(|(id, _)| id)
        .collect())
}

fn emit_to(
    conn: &mut DbConnection,
    wanting: &[String],
    batch_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let open: Option<String> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::batch_id.eq(batch_id))
        .filter(q::state.eq_any(OPEN))
        .select(q::id)
        .first(x)
        .optional())?;
    if open.is_some() {
        return Ok(false);
    }
    let event_id = batch_finished_event_id(batch_id);
    let written: i64 = with_conn!(conn, |x| ev::whatsapp_outbox_events
        .filter(ev::id.eq(&event_id))
        .count()
        .get_result(x))?;
    if written > 0 {
        return Ok(false);
    }
    let counts_only = BatchQuery {
        state: None,
        limit: 0,
        offset: 0,
    };
    let Some(summary) = queue::batch_summary(conn, batch_id, &counts_only)? else {
        return Ok(false);
    };
    let last: Option<NaiveDateTime> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::batch_id.eq(batch_id))
        .select(diesel::dsl::max(q::finished_at))
        .first(x))?;
    let event = batch_finished_event(&summary, last.map_or(now, from_db), now);
    let inserted = with_conn!(conn, |x| diesel::insert_into(ev::whatsapp_outbox_events)
        .values((
            ev::id.eq(&event.id),
            ev::event_type.eq(event.event_type.as_str()),
            ev::contact_id.eq(None::<String>),
            ev::payload.eq(&event.payload),
            ev::created_at.eq(to_db(now)),
        ))
        .on_conflict_do_nothing()
        .execute(x))?;
    if inserted == 0 {
        return Ok(false);
    }
    for sub in wanting {
        with_conn!(conn, |x| diesel::insert_into(o::whatsapp_outbox)
            .values((
                o::id.eq(new_id()),
                o::consumer.eq(wacloud_core::outbox::subscription_consumer(sub)),
                o::event_id.eq(&event.id),
                o::event_type.eq(EventType::BatchFinished.as_str()),
                o::ordering_key.eq(batch_id),
                o::state.eq("pending"),
                o::attempts.eq(0),
                o::next_attempt_at.eq(to_db(now)),
                o::redelivered.eq(false),
                o::created_at.eq(to_db(now)),
            ))
            .execute(x))?;
    }
    Ok(true)
}

/// [`emit`] for the batch of queue item `item_id`, if it has one.
pub fn emit_for_item(
    conn: &mut DbConnection,
    item_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let batch: Option<Option<String>> = with_conn!(conn, |x| q::whatsapp_queue
        .find(item_id)
        .select(q::batch_id)
        .first(x)
        .optional())?;
    match batch.flatten() {
        Some(b) => emit(conn, &b, now),
        None => Ok(false),
    }
}

/// [`emit`] for every batch with an item finished since `since` (index
/// `whatsapp_queue_finished`). How many events were written.
pub fn emit_since(
    conn: &mut DbConnection,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let wanting = wanting(conn)?;
    if wanting.is_empty() {
        return Ok(0);
    }
    let batches: Vec<Option<String>> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::finished_at.ge(to_db(since)))
        .filter(q::batch_id.is_not_null())
        .select(q::batch_id)
        .distinct()
        .load(x))?;
    let mut n = 0;
    for b in batches.into_iter().flatten() {
        if emit_to(conn, &wanting, &b, now)? {
            n += 1;
        }
    }
    Ok(n)
}
