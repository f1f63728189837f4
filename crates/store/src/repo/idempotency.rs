//! `whatsapp_idempotency`: the answers given to requests that carried an `Idempotency-Key`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::idempotency::IdempotencyRecord;

use crate::conn::DbConnection;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_idempotency::dsl as k;
use crate::with_conn;

type Row = (
    String,
    String,
    Option<String>,
    Option<i32>,
    Option<String>,
    NaiveDateTime,
);

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<IdempotencyRecord>> {
    let row: Option<Row> = with_conn!(conn, |x| k::whatsapp_idempotency
        .find(key)
        .select((
            k::idempotency_key,
            k::request_hash,
            k::resource_id,
            k::status_code,
            k::response,
            k::created_at,
        ))
        .first(x)
        .optional())?;
    Ok(row.map(
        |(key, request_hash, resource_id, status, response, created_at)| IdempotencyRecord {
            key,
            request_hash,
            resource_id,
            status_code: status.and_then(|s| u16::try_from(s).ok()),
            response,
            created_at: from_db(created_at),
        },
    ))
}

/// Inserts the key; `false` when it exists.
pub fn insert(conn: &mut DbConnection, r: &IdempotencyRecord) -> QueryResult<bool> {
    let n = with_conn!(conn, |x| diesel::insert_into(k::whatsapp_idempotency)
        .values((
            k::idempotency_key.eq(&r.key),
            k::request_hash.eq(&r.request_hash),
            k::resource_id.eq(&r.resource_id),
            k::status_code.eq(r.status_code.map(i32::from)),
            k::response.eq(&r.response),
            k::created_at.eq(to_db(r.created_at)),
        ))
        .on_conflict(k::idempotency_key)
        .do_nothing()
        .execute(x))?;
    Ok(n > 0)
}

pub fn complete(
    conn: &mut DbConnection,
    key: &str,
    status: u16,
    response: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    with_conn!(conn, |x| diesel::update(k::whatsapp_idempotency.find(key))
        .set((
            k::status_code.eq(Some(i32::from(status))),
            k::response.eq(Some(response)),
            k::completed_at.eq(Some(to_db(now))),
        ))
        .execute(x))
    .map(drop)
}

pub fn delete(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    with_conn!(conn, |x| diesel::delete(k::whatsapp_idempotency.find(key))
        .execute(x))
    .map(drop)
}

pub fn purge(conn: &mut DbConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    with_conn!(conn, |x| diesel::delete(
        k::whatsapp_idempotency.filter(k::created_at.lt(to_db(before)))
    )
    .execute(x))
}
