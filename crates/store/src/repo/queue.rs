//! `whatsapp_queue`: outbound work claimed under leases, attempts fenced on the lease, outcomes
//! applied only from the states the core allows.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::outbound::OutboundContent;
use wacloud_core::queue::{
    BatchCancelled, BatchQuery, BatchSummary, NewQueueItem, QueueItem, QueueItemView, QueueOutcome,
    QueueState,
};

use crate::conn::DbConnection;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_queue::dsl as q;
use crate::with_conn;

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
    ) = r;
    let content: OutboundContent = serde_json::from_str(&payload).ok()?;
    Some(QueueItem {
        id,
        batch_id,
        recipient,
        content,
        attempts,
        allow_outside_window,
        message_id,
        attempt_started_at: attempt_started_at.map(from_db),
        state: QueueState::parse(&state)?,
        lease_owner,
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
    let due = q::state
        .eq(QueueState::Pending.as_str())
        .and(q::due_at.le(t));
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

/// Marks an attempt in flight, only while `owner` holds the lease.
pub fn begin_attempt(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let t = to_db(now);
    let n = with_conn!(conn, |x| diesel::update(
        q::whatsapp_queue
            .filter(q::id.eq(id))
            .filter(q::state.eq(QueueState::Sending.as_str()))
            .filter(q::lease_owner.eq(owner))
    )
    .set((
        q::attempt_started_at.eq(Some(t)),
        q::attempts.eq(q::attempts + 1),
        q::message_id.eq(message_id),
        q::updated_at.eq(t),
    ))
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

/// Applies `outcome` when the item's state is one of `only_if`.
pub fn finish(
    conn: &mut DbConnection,
    id: &str,
    outcome: &QueueOutcome,
    now: DateTime<Utc>,
    only_if: &[QueueState],
) -> QueryResult<bool> {
    let t = to_db(now);
    // Always four states (the list padded with its first), so the statement's SQL is the same
    // every time and stays prepared (`eq_any` is never cached).
    let pick = |i: usize| {
        only_if
            .get(i)
            .or_else(|| only_if.first())
            .map_or("", |s| s.as_str())
    };
    let (s0, s1, s2, s3) = (pick(0), pick(1), pick(2), pick(3));
    let target = q::whatsapp_queue.filter(q::id.eq(id)).filter(
        q::state
            .eq(s0)
            .or(q::state.eq(s1))
            .or(q::state.eq(s2))
            .or(q::state.eq(s3)),
    );
    let no_lease = (
        q::lease_owner.eq(None::<String>),
        q::lease_until.eq(None::<NaiveDateTime>),
        q::attempt_started_at.eq(None::<NaiveDateTime>),
        q::updated_at.eq(t),
    );
    let n = match outcome {
        QueueOutcome::Sent { message_id, note } => with_conn!(conn, |x| diesel::update(target)
            .set((
                q::state.eq(QueueState::Sent.as_str()),
                q::message_id.eq(message_id),
                q::last_error.eq(note),
                q::last_error_code.eq(None::<i64>),
                q::unknown_since.eq(None::<NaiveDateTime>),
                q::finished_at.eq(Some(t)),
                no_lease,
            ))
            .execute(x))?,
        QueueOutcome::Retry {
            retry_at,
            error,
            code,
        } => with_conn!(conn, |x| diesel::update(target)
            .set((
                q::state.eq(QueueState::Pending.as_str()),
                q::due_at.eq(to_db(*retry_at)),
                q::last_error.eq(error),
                q::last_error_code.eq(code),
                no_lease,
            ))
            .execute(x))?,
        QueueOutcome::Deferred {
            until,
            note,
            undo_attempt,
        } => {
            let n = match note {
                Some(note) => with_conn!(conn, |x| diesel::update(target)
                    .set((
                        q::state.eq(QueueState::Pending.as_str()),
                        q::due_at.eq(to_db(*until)),
                        q::last_error.eq(note),
                        no_lease,
                    ))
                    .execute(x))?,
                None => with_conn!(conn, |x| diesel::update(target)
                    .set((
                        q::state.eq(QueueState::Pending.as_str()),
                        q::due_at.eq(to_db(*until)),
                        no_lease,
                    ))
                    .execute(x))?,
            };
            if n > 0 && *undo_attempt {
                with_conn!(conn, |x| diesel::update(
                    q::whatsapp_queue
                        .filter(q::id.eq(id))
                        .filter(q::attempts.gt(0))
                )
                .set(q::attempts.eq(q::attempts - 1))
                .execute(x))?;
            }
            n
        }
        QueueOutcome::Failed {
            error,
            code,
            message_id,
        } => {
            let n = with_conn!(conn, |x| diesel::update(target)
                .set((
                    q::state.eq(QueueState::Failed.as_str()),
                    q::last_error.eq(error),
                    q::last_error_code.eq(code),
                    q::unknown_since.eq(None::<NaiveDateTime>),
                    q::finished_at.eq(Some(t)),
                    no_lease,
                ))
                .execute(x))?;
            if n > 0 {
                if let Some(m) = message_id {
                    with_conn!(conn, |x| diesel::update(q::whatsapp_queue.find(id))
                        .set(q::message_id.eq(m))
                        .execute(x))?;
                }
            }
            n
        }
        QueueOutcome::Unknown { error, message_id } => {
            let n = with_conn!(conn, |x| diesel::update(target)
                .set((
                    q::state.eq(QueueState::Unknown.as_str()),
                    q::last_error.eq(error),
                    q::unknown_since.eq(Some(t)),
                    q::finished_at.eq(None::<NaiveDateTime>),
                    no_lease,
                ))
                .execute(x))?;
            if n > 0 {
                if let Some(m) = message_id {
                    with_conn!(conn, |x| diesel::update(q::whatsapp_queue.find(id))
                        .set(q::message_id.eq(m))
                        .execute(x))?;
                }
            }
            n
        }
        QueueOutcome::Cancelled { reason } => {
            fail_unsent_messages_of_pending(conn, Some(id), None, reason, t)?;
            with_conn!(conn, |x| diesel::update(target)
                .set((
                    q::state.eq(QueueState::Cancelled.as_str()),
                    q::last_error.eq(reason),
                    q::finished_at.eq(Some(t)),
                    no_lease,
                ))
                .execute(x))?
        }
        QueueOutcome::Held { note } => with_conn!(conn, |x| diesel::update(target)
            .set((
                q::last_error.eq(note),
                q::finished_at.eq(Some(t)),
                q::updated_at.eq(t),
            ))
            .execute(x))?,
        QueueOutcome::Resend { note } => with_conn!(conn, |x| diesel::update(target)
            .set((
                q::state.eq(QueueState::Pending.as_str()),
                q::due_at.eq(t),
                q::message_id.eq(None::<String>),
                q::unknown_since.eq(None::<NaiveDateTime>),
                q::finished_at.eq(None::<NaiveDateTime>),
                q::last_error.eq(note),
                no_lease,
            ))
            .execute(x))?,
    };
    Ok(n > 0)
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
    };
    summary.complete_counts();
    Ok(Some(summary))
}

pub fn cancel_batch(
    conn: &mut DbConnection,
    batch_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<BatchCancelled>> {
    let t = to_db(now);
    fail_unsent_messages_of_pending(conn, None, Some(batch_id), reason, t)?;
    let cancellable = [QueueState::Pending.as_str(), QueueState::Unknown.as_str()];
    let cancelled = with_conn!(conn, |x| diesel::update(
        q::whatsapp_queue
            .filter(q::batch_id.eq(batch_id))
            .filter(q::state.eq_any(cancellable))
    )
    .set((
        q::state.eq(QueueState::Cancelled.as_str()),
        q::last_error.eq(reason),
        q::finished_at.eq(Some(t)),
        q::lease_owner.eq(None::<String>),
        q::lease_until.eq(None::<NaiveDateTime>),
        q::updated_at.eq(t),
    ))
    .execute(x))?;
    let counted: Vec<(String, i64)> = with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::batch_id.eq(batch_id))
        .group_by(q::state)
        .select((q::state, diesel::dsl::count_star()))
        .load(x))?;
    if counted.is_empty() {
        return Ok(None);
    }
    let cancelled = i64::try_from(cancelled).unwrap_or(i64::MAX);
    let mut in_flight = 0;
    let mut already_final = 0;
    for (state, n) in counted {
        match QueueState::parse(&state) {
            Some(QueueState::Sending) => in_flight += n,
            Some(s) if s.is_final() => already_final += n,
            _ => {}
        }
    }
    Ok(Some(BatchCancelled {
        batch_id: batch_id.to_owned(),
        cancelled,
        in_flight,
        already_final: already_final - cancelled,
    }))
}

/// A pending item being cancelled may hold the message row of an attempt that never left
/// (sending paused by a refused token, then cancelled): that message is marked failed with the
/// reason, so no chat shows it pending for ever. Items in `unknown` keep theirs (Meta may have
/// it; its status webhook still settles it).
fn fail_unsent_messages_of_pending(
    conn: &mut DbConnection,
    item: Option<&str>,
    batch: Option<&str>,
    reason: &str,
    t: NaiveDateTime,
) -> QueryResult<()> {
    use crate::schema::whatsapp_messages::dsl as m;
    use wacloud_core::message::MessageStatus;
    let ids: Vec<String> = match (item, batch) {
        (Some(i), _) => with_conn!(conn, |x| q::whatsapp_queue
            .filter(q::id.eq(i))
            .filter(q::state.eq(QueueState::Pending.as_str()))
            .select(q::id)
            .load(x))?,
        (None, Some(b)) => with_conn!(conn, |x| q::whatsapp_queue
            .filter(q::batch_id.eq(b))
            .filter(q::state.eq(QueueState::Pending.as_str()))
            .filter(q::message_id.is_not_null())
            .select(q::id)
            .load(x))?,
        (None, None) => return Ok(()),
    };
    for chunk in ids.chunks(500) {
        with_conn!(conn, |x| diesel::update(
            m::whatsapp_messages
                .filter(m::queue_id.eq_any(chunk))
                .filter(m::message_id.is_null())
                .filter(m::status.eq(MessageStatus::Pending.as_str()))
        )
        .set((
            m::status.eq(MessageStatus::Failed.as_str()),
            m::status_rank.eq(MessageStatus::Failed.rank()),
            m::failed_at.eq(Some(t)),
            m::error_message.eq(Some(reason)),
            m::updated_at.eq(t),
        ))
        .execute(x))?;
    }
    Ok(())
}

pub fn undecided_unknown(
    conn: &mut DbConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<String>> {
    with_conn!(conn, |x| q::whatsapp_queue
        .filter(q::state.eq(QueueState::Unknown.as_str()))
        .filter(q::unknown_since.le(to_db(before)))
        .filter(q::finished_at.is_null())
        .order(q::unknown_since.asc())
        .limit(limit)
        .select(q::id)
        .load(x))
}

/// Counts per state.
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    with_conn!(conn, |x| q::whatsapp_queue
        .group_by(q::state)
        .select((q::state, diesel::dsl::count_star()))
        .load(x))
}
