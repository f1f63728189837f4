//! [`NumberRepos`]: the business numbers configured through the API, in `whatsapp_numbers`
//! beside the account state Meta's webhooks record there.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::numbers::{BusinessNumber, NumberSettings, StoredNumber};
use wacloud_core::ports::{NumberRepos, StoreError};

use super::Repo;
use crate::conn::DbConnection;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_numbers::dsl as s;
use crate::with_conn;

type NumberRow = (
    (String, Option<String>, Option<String>, Option<String>, bool),
    (Option<i32>, Option<i64>, Option<String>, Option<String>),
    (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    ),
);

fn stored((a, b, st): NumberRow) -> StoredNumber {
    let (phone_number_id, waba_id, display_phone_number, label, marketing_messages) = a;
    let (rate, pair, app_secret, verified_name) = b;
    let (quality_rating, messaging_limit_tier, account_status, last_webhook_at, created_at) = st;
    StoredNumber {
        number: BusinessNumber {
            phone_number_id,
            waba_id,
            display_phone_number,
            label,
            messages_per_second: rate.and_then(|r| u32::try_from(r).ok()),
            pair_interval_ms: pair.and_then(|p| u64::try_from(p).ok()),
            has_app_secret: app_secret.is_some(),
            marketing_messages,
            source: "api".into(),
            is_default: false,
            verified_name,
            quality_rating,
            messaging_limit_tier,
            account_status,
            last_webhook_at: last_webhook_at.map(from_db),
            created_at: created_at.map(from_db),
            unread_count: 0,
            history: None,
        },
        app_secret,
    }
}

fn configured(conn: &mut DbConnection) -> QueryResult<Vec<StoredNumber>> {
    let rows: Vec<NumberRow> = with_conn!(conn, |x| s::whatsapp_numbers
        .filter(s::configured.eq(true))
        .order((s::created_at.asc(), s::phone_number_id.asc()))
        .select((
            (
                s::phone_number_id,
                s::waba_id,
                s::display_phone_number,
                s::label,
                s::marketing_messages,
            ),
            (
                s::messages_per_second,
                s::pair_interval_ms,
                s::app_secret,
                s::verified_name,
            ),
            (
                s::quality_rating,
                s::messaging_limit_tier,
                s::account_status,
                s::last_webhook_at,
                s::created_at,
            ),
        ))
        .load(x))?;
    Ok(rows.into_iter().map(stored).collect())
}

fn put(
    conn: &mut DbConnection,
    pid: &str,
    v: &NumberSettings,
    create: bool,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let t = to_db(now);
    if create {
        // A row may exist already: Meta's webhooks record every number's account state.
        with_conn!(conn, |x| diesel::insert_into(s::whatsapp_numbers)
            .values((s::phone_number_id.eq(pid), s::updated_at.eq(t)))
            .on_conflict(s::phone_number_id)
            .do_nothing()
            .execute(x))?;
    }
    let row = s::whatsapp_numbers
        .find(pid)
        .filter(s::configured.eq(!create));
    let rate = v.messages_per_second.and_then(|r| i32::try_from(r).ok());
    let pair = v.pair_interval_ms.and_then(|p| i64::try_from(p).ok());
    let n = with_conn!(conn, |x| diesel::update(row)
        .set((s::configured.eq(true), s::updated_at.eq(t),))
        .execute(x))?;
    if n == 0 {
        return Ok(false);
    }
    let target = s::whatsapp_numbers.find(pid);
    with_conn!(conn, |x| diesel::update(
        target.filter(s::created_at.is_null())
    )
    .set(s::created_at.eq(t))
    .execute(x))?;
    if let Some(w) = &v.waba_id {
        with_conn!(conn, |x| diesel::update(target)
            .set(s::waba_id.eq(w))
            .execute(x))?;
    }
    if let Some(d) = &v.display_phone_number {
        with_conn!(conn, |x| diesel::update(target)
            .set(s::display_phone_number.eq(d))
            .execute(x))?;
    }
    if let Some(l) = &v.label {
        with_conn!(conn, |x| diesel::update(target)
            .set(s::label.eq(l.trim()))
            .execute(x))?;
    }
    if let Some(r) = rate {
        with_conn!(conn, |x| diesel::update(target)
            .set(s::messages_per_second.eq(r))
            .execute(x))?;
    }
    if let Some(p) = pair {
        with_conn!(conn, |x| diesel::update(target)
            .set(s::pair_interval_ms.eq(p))
            .execute(x))?;
    }
    if let Some(a) = &v.app_secret {
        // `Some(None)`: the request's `null`, which removes the number's own secret.
        with_conn!(conn, |x| diesel::update(target)
            .set(s::app_secret.eq(a))
            .execute(x))?;
    }
    if let Some(m) = v.marketing_messages {
        with_conn!(conn, |x| diesel::update(target)
            .set(s::marketing_messages.eq(m))
            .execute(x))?;
    }
    Ok(true)
}

fn adopt(conn: &mut DbConnection, pid: &str) -> QueryResult<usize> {
    // A contact the number already has for the same customer (made since) keeps its place; the
    // older one stays without a number, still listed and searchable.
    const SQL: &str = "UPDATE whatsapp_contacts SET phone_number_id = {p} \
        WHERE phone_number_id = '' AND NOT EXISTS (SELECT 1 FROM whatsapp_contacts o \
        WHERE o.phone_number_id = {p} AND (o.wa_id = whatsapp_contacts.wa_id \
        OR o.user_id = whatsapp_contacts.user_id))";
    match conn {
        DbConnection::Sqlite(x) => diesel::sql_query(SQL.replace("{p}", "?1"))
            .bind::<diesel::sql_types::Text, _>(pid)
            .execute(x),
        DbConnection::Pg(x) => diesel::sql_query(SQL.replace("{p}", "$1"))
            .bind::<diesel::sql_types::Text, _>(pid)
            .execute(x),
    }
}

impl NumberRepos for Repo<'_> {
    fn number_stats(
        &mut self,
        phone_number_id: &str,
        default: bool,
    ) -> Result<wacloud_core::stats::Stats, StoreError> {
        super::stats::number_counts(self.conn, phone_number_id, default)
            .map(|rows| super::stats::from_rows(&rows))
            .map_err(map_err)
    }

    fn configured_numbers(&mut self) -> Result<Vec<StoredNumber>, StoreError> {
        configured(self.conn).map_err(map_err)
    }

    fn put_number(
        &mut self,
        phone_number_id: &str,
        settings: &NumberSettings,
        create: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        put(self.conn, phone_number_id, settings, create, now).map_err(map_err)
    }

    fn unread_by_number(&mut self) -> Result<Vec<(String, i64)>, StoreError> {
        use crate::schema::whatsapp_contacts::dsl as c;
        // Only contacts with unread messages are read (the partial index `whatsapp_contacts_unread`).
        let rows: Vec<(String, i64)> = with_conn!(self.conn, |x| c::whatsapp_contacts
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "whatsapp_contacts.unread_count > 0 AND whatsapp_contacts.merged_into IS NULL"
            ))
            .select((c::phone_number_id, c::unread_count))
            .load(x))
        .map_err(map_err)?;
        let mut out: Vec<(String, i64)> = Vec::new();
        for (n, u) in rows {
            match out.iter_mut().find(|(m, _)| *m == n) {
                Some(e) => e.1 += u,
                None => out.push((n, u)),
            }
        }
        Ok(out)
    }

    fn adopt_contacts(&mut self, phone_number_id: &str) -> Result<usize, StoreError> {
        adopt(self.conn, phone_number_id).map_err(map_err)
    }
}
