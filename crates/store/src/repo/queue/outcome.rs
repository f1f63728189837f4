//! Outcomes on `whatsapp_queue`: applied to an item only from the states the core allows, a
//! batch cancelled, and the `unknown` items still waiting for a decision.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::queue::{BatchCancelled, QueueOutcome, QueueState};

use crate::conn::DbConnection;
use diesel::sql_types::{Nullable, Text, Timestamp};

use crate::models::{db_time, to_db};
use crate::repo::prepared::{statements, Prepared};
use crate::schema::whatsapp_queue::dsl as q;
use crate::with_conn;

statements! {
    /// [`finish`] with [`QueueOutcome::Sent`].
    FinishSent = "UPDATE whatsapp_queue SET state = 'sent', message_id = ?, last_error = ?, \
        last_error_code = NULL, unknown_since = NULL, finished_at = ?, lease_owner = NULL, \
        lease_until = NULL, attempt_started_at = NULL, updated_at = ? \
        WHERE id = ? AND (state = ? OR state = ? OR state = ? OR state = ?)";
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
        // Kept prepared: one run per message sent.
        QueueOutcome::Sent { message_id, note } => {
            with_conn!(conn, |x| Prepared::<_, FinishSent>::new()
                .bind::<Text, _>(message_id.as_str())
                .bind::<Nullable<Text>, _>(note.as_deref())
                .bind::<Timestamp, _>(db_time(now))
                .bind::<Timestamp, _>(db_time(now))
                .bind::<Text, _>(id)
                .bind::<Text, _>(s0)
                .bind::<Text, _>(s1)
                .bind::<Text, _>(s2)
                .bind::<Text, _>(s3)
                .execute(x))?
        }
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

pub fn cancel_batch(
    conn: &mut DbConnection,
    batch_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<BatchCancelled>> {
    let t = to_db(now);
    fail_unsent_messages_of_pending(conn, None, Some(batch_id), reason, t)?;
    let cancellable = [QueueState::Pending.as_str(), QueueState::Unknown.as_str()];
    // An item a worker holds but has not begun (waiting for the pacer or its turn) has not gone
    // out: cancelled too. `begin_attempt` is fenced on `sending`, so that worker then does not
    // send it; one whose attempt began is in flight and finishes.
    let waiting = q::state
        .eq(QueueState::Sending.as_str())
        .and(q::attempt_started_at.is_null());
    let cancelled = with_conn!(conn, |x| diesel::update(
        q::whatsapp_queue
            .filter(q::batch_id.eq(batch_id))
            .filter(q::state.eq_any(cancellable).or(waiting))
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
            .filter(
                q::state.eq(QueueState::Pending.as_str()).or(q::state
                    .eq(QueueState::Sending.as_str())
                    .and(q::attempt_started_at.is_null())),
            )
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
