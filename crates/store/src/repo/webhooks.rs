//! `whatsapp_webhooks`: every delivery, raw bytes first.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use wacloud_core::webhook::{NewWebhook, StoredWebhook, WebhookOutcome, WebhookState};

use crate::conn::DbConnection;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_webhooks::dsl as w;
use crate::with_conn;

use super::batch::bind_outcome;
use super::prepared::{statements, Prepared};

pub fn insert(conn: &mut DbConnection, n: &NewWebhook, o: &WebhookOutcome) -> QueryResult<bool> {
    let processed = (o.state != WebhookState::Received).then(|| to_db(o.processed_at));
    let rows = with_conn!(conn, |x| diesel::insert_into(w::whatsapp_webhooks)
        .values((
            w::id.eq(&n.id),
            w::received_at.eq(to_db(n.received_at)),
            w::body.eq(&n.body),
            w::body_sha256.eq(&n.body_sha256),
            w::signature.eq(&n.signature),
            w::state.eq(o.state.as_str()),
            w::error.eq(&o.error),
            w::event_count.eq(o.event_count),
            w::phone_number_id.eq(&o.phone_number_id),
            w::fields.eq(&o.fields),
            w::processed_at.eq(processed),
            w::attempts.eq(1),
        ))
        .on_conflict(w::body_sha256)
        .do_nothing()
        .execute(x))?;
    Ok(rows == 1)
}

/// `UPDATE` of a delivery's outcome (the columns of `bind_outcome!`, in its order) by id.
macro_rules! finish_sql {
    () => {
        "UPDATE whatsapp_webhooks SET state = ?, error = ?, event_count = ?, \
         phone_number_id = ?, fields = ?, processed_at = ?, attempts = attempts + 1 WHERE id = ?"
    };
}

statements! {
    /// A delivery's final state (SQLite).
    Finish = finish_sql!();
    /// A `received` delivery's final state (SQLite).
    FinishReceived = concat!(finish_sql!(), " AND state = 'received'");
}

pub fn finish(conn: &mut DbConnection, id: &str, o: &WebhookOutcome) -> QueryResult<()> {
    set_outcome(conn, id, o, false).map(drop)
}

/// [`finish`] for a delivery still `received`; `false` (nothing written) when it is not.
pub fn finish_received(conn: &mut DbConnection, id: &str, o: &WebhookOutcome) -> QueryResult<bool> {
    set_outcome(conn, id, o, true).map(|n| n == 1)
}

/// Writes a delivery's outcome (and counts the attempt); only while it is `received` when
/// `only_received`. Returns the rows written.
fn set_outcome(
    conn: &mut DbConnection,
    id: &str,
    o: &WebhookOutcome,
    only_received: bool,
) -> QueryResult<usize> {
    if let DbConnection::Sqlite(x) = conn {
        // Kept prepared: the backlog processor finishes every deferred delivery this way.
        return if only_received {
            bind_outcome!(Prepared::<_, FinishReceived>::new(), o)
                .bind::<Text, _>(id)
                .execute(x)
        } else {
            bind_outcome!(Prepared::<_, Finish>::new(), o)
                .bind::<Text, _>(id)
                .execute(x)
        };
    }
    with_conn!(conn, |x| {
        let mut q = diesel::update(w::whatsapp_webhooks)
            .filter(w::id.eq(id))
            .into_boxed();
        if only_received {
            q = q.filter(w::state.eq(WebhookState::Received.as_str()));
        }
        q.set((
            w::state.eq(o.state.as_str()),
            w::error.eq(&o.error),
            w::event_count.eq(o.event_count),
            w::phone_number_id.eq(&o.phone_number_id),
            w::fields.eq(&o.fields),
            w::processed_at.eq(to_db(o.processed_at)),
            w::attempts.eq(w::attempts + 1),
        ))
        .execute(x)
    })
}

pub fn pending(
    conn: &mut DbConnection,
    include_failed: bool,
    limit: i64,
) -> QueryResult<Vec<StoredWebhook>> {
    let mut states = vec![WebhookState::Received.as_str()];
    if include_failed {
        states.push(WebhookState::Failed.as_str());
    }
    let rows: Vec<(String, chrono::NaiveDateTime, Vec<u8>, String)> =
        with_conn!(conn, |x| w::whatsapp_webhooks
            .filter(w::state.eq_any(&states))
            .order((w::received_at.asc(), w::id.asc()))
            .limit(limit)
            .select((w::id, w::received_at, w::body, w::state))
            .load(x))?;
    Ok(rows
        .into_iter()
        .map(|(id, received_at, body, state)| StoredWebhook {
            id,
            received_at: from_db(received_at),
            body,
            state,
        })
        .collect())
}
