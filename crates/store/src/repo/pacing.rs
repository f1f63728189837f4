//! `whatsapp_pacing_shares`: [`PacingRepos`] for [`Repo`], the records by which instances share
//! a number's throughput.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::pacing::PacingShare;
use wacloud_core::ports::{PacingRepos, StoreError};

use super::Repo;
use crate::conn::DbConnection;
use crate::error::map_err;
use crate::models::to_db;
use crate::schema::whatsapp_pacing_shares::dsl as p;
use crate::with_conn;

type Row = (String, bool, i32, NaiveDateTime);

impl PacingRepos for Repo<'_> {
    fn live_pacing_shares(
        &mut self,
        phone_number_id: &str,
        instance_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<PacingShare>, StoreError> {
        let now = to_db(now);
        let query = p::whatsapp_pacing_shares
            .filter(p::phone_number_id.eq(phone_number_id))
            .order(p::instance_id.asc())
            .select((p::instance_id, p::sending, p::share, p::live_until));
        // Every row of the number, the renewing instance's own included, locked in one order:
        // two instances renewing at once then wait for each other instead of each holding the
        // row the other wants.
        let rows: Vec<Row> = match &mut *self.conn {
            DbConnection::Pg(x) => query.for_update().load(x),
            // One writer per SQLite database: the write transaction is enough.
            DbConnection::Sqlite(x) => query.load(x),
        }
        .map_err(map_err)?;
        let expired: Vec<&str> = rows
            .iter()
            .filter(|r| r.3 <= now)
            .map(|r| r.0.as_str())
            .collect();
        if !expired.is_empty() {
            with_conn!(&mut *self.conn, |x| diesel::delete(
                p::whatsapp_pacing_shares
                    .filter(p::phone_number_id.eq(phone_number_id))
                    .filter(p::instance_id.eq_any(&expired))
            )
            .execute(x))
            .map_err(map_err)?;
        }
        Ok(rows
            .into_iter()
            .filter(|r| r.3 > now && r.0 != instance_id)
            .map(|(instance_id, sending, share, _)| PacingShare {
                instance_id,
                sending,
                share: u32::try_from(share).unwrap_or(0),
            })
            .collect())
    }

    fn put_pacing_share(
        &mut self,
        phone_number_id: &str,
        record: &PacingShare,
        live_until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let share = i32::try_from(record.share).unwrap_or(i32::MAX);
        let live_until = to_db(live_until);
        with_conn!(&mut *self.conn, |x| diesel::insert_into(
            p::whatsapp_pacing_shares
        )
        .values((
            p::phone_number_id.eq(phone_number_id),
            p::instance_id.eq(&record.instance_id),
            p::sending.eq(record.sending),
            p::share.eq(share),
            p::live_until.eq(live_until),
        ))
        .on_conflict((p::phone_number_id, p::instance_id))
        .do_update()
        .set((
            p::sending.eq(record.sending),
            p::share.eq(share),
            p::live_until.eq(live_until),
        ))
        .execute(x))
        .map_err(map_err)?;
        Ok(())
    }

    fn drop_pacing_share(
        &mut self,
        phone_number_id: &str,
        instance_id: &str,
    ) -> Result<(), StoreError> {
        with_conn!(&mut *self.conn, |x| diesel::delete(
            p::whatsapp_pacing_shares
                .filter(p::phone_number_id.eq(phone_number_id))
                .filter(p::instance_id.eq(instance_id))
        )
        .execute(x))
        .map_err(map_err)?;
        Ok(())
    }
}
