//! The cost ledger: outbound messages Meta reported pricing for, read for `GET /costs`,
//! `/stats` and budgets. One row per message, so a status delivered twice is counted once.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::costs::{BatchBudget, LedgerCursor, LedgerEntry, LedgerPage, Pricing};
use wacloud_core::ports::{CostRepos, StoreError};

use super::Repo;
use crate::conn::DbConnection;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_batch_budgets::dsl as bb;
use crate::schema::whatsapp_contacts::dsl as c;
use crate::schema::whatsapp_messages::dsl as m;
use crate::schema::whatsapp_queue::dsl as q;
use crate::with_conn;

/// Meta keeps trying to deliver a message for at most 30 days, so a message billed (delivered)
/// in a range was written at most this long before it: the bound lets the query use the index
/// `whatsapp_messages_priced` on `created_at`.
const LONGEST_DELIVERY: Duration = Duration::days(31);

type Row = (
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
    Option<bool>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn entry(r: Row) -> LedgerEntry {
    let (
        _id,
        created,
        sent,
        delivered,
        model,
        billable,
        category,
        kind,
        to_phone,
        wa_id,
        number,
        batch,
        contact,
    ) = r;
    LedgerEntry {
        billed_at: from_db(delivered.or(sent).unwrap_or(created)),
        pricing: Pricing {
            model,
            billable,
            category,
            kind,
        },
        wa_id: wa_id.or(to_phone),
        phone_number_id: number,
        batch_id: batch,
        contact_id: contact,
    }
}

/// A page of the ledger entries billed in `[from, to)` (billed: first delivered, else sent,
/// else written), optionally only those of one batch: at most `limit` messages read in the
/// order they were written (`created_at`, then `id`), after `after`.
pub fn ledger(
    conn: &mut DbConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    batch_id: Option<&str>,
    after: Option<&LedgerCursor>,
    limit: usize,
) -> QueryResult<LedgerPage> {
    let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
    let rows: Vec<Row> = with_conn!(conn, |x| {
        let mut query = m::whatsapp_messages
            .left_join(q::whatsapp_queue.on(m::queue_id.eq(q::id.nullable())))
            .left_join(c::whatsapp_contacts.on(m::contact_id.eq(c::id.nullable())))
            .filter(m::direction.eq("outbound"))
            .filter(m::pricing_category.is_not_null())
            .filter(m::created_at.ge(to_db(from - LONGEST_DELIVERY)))
            .filter(m::created_at.lt(to_db(to)))
            .select((
                m::id,
                m::created_at,
                m::sent_at,
                m::delivered_at,
                m::pricing_model,
                m::pricing_billable,
                m::pricing_category,
                m::pricing_type,
                m::to_phone,
                c::wa_id.nullable(),
                m::phone_number_id,
                q::batch_id.nullable(),
                m::contact_id,
            ))
            .order((m::created_at.asc(), m::id.asc()))
            .limit(limit)
            .into_boxed();
        if let Some(b) = batch_id {
            query = query.filter(q::batch_id.eq(b));
        }
        if let Some(a) = after {
            let at = to_db(a.created_at);
            query = query.filter(
                m::created_at
                    .gt(at)
                    .or(m::created_at.eq(at).and(m::id.gt(a.id.clone()))),
            );
        }
        query.load(x)
    })?;
    let next = (i64::try_from(rows.len()).unwrap_or(i64::MAX) >= limit)
        .then(|| rows.last())
        .flatten()
        .map(|r| LedgerCursor {
            created_at: from_db(r.1),
            id: r.0.clone(),
        });
    let entries = rows
        .into_iter()
        .map(entry)
        .filter(|e| e.billed_at >= from && e.billed_at < to)
        .collect();
    Ok(LedgerPage { entries, next })
}

impl CostRepos for Repo<'_> {
    fn cost_ledger(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        batch_id: Option<&str>,
        after: Option<&LedgerCursor>,
        limit: usize,
    ) -> Result<LedgerPage, StoreError> {
        ledger(self.conn, from, to, batch_id, after, limit).map_err(map_err)
    }

    fn put_batch_budget(&mut self, b: &BatchBudget, now: DateTime<Utc>) -> Result<(), StoreError> {
        put_budget(self.conn, b, now).map_err(map_err)
    }

    fn batch_budget(
        &mut self,
        batch_id: &str,
        lock: bool,
    ) -> Result<Option<BatchBudget>, StoreError> {
        budget(self.conn, batch_id, lock).map_err(map_err)
    }
}

type BudgetRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<NaiveDateTime>,
);

fn budget_from(r: BudgetRow) -> BatchBudget {
    let (batch_id, amount, currency, committed, paused_reason, paused_at) = r;
    // Written by `put_budget` from exact decimals; a row edited by hand into something else
    // reads as zero committed and, for the amount, as nothing left to spend.
    let dec = |s: &str| s.parse().unwrap_or_default();
    BatchBudget {
        batch_id,
        amount: dec(&amount),
        currency,
        committed: dec(&committed),
        state: if paused_reason.is_some() {
            "paused"
        } else {
            "running"
        },
        paused_reason,
        paused_at: paused_at.map(from_db),
    }
}

fn budget(conn: &mut DbConnection, batch_id: &str, lock: bool) -> QueryResult<Option<BatchBudget>> {
    let cols = (
        bb::batch_id,
        bb::amount,
        bb::currency,
        bb::committed,
        bb::paused_reason,
        bb::paused_at,
    );
    let row: Option<BudgetRow> = match conn {
        DbConnection::Pg(x) if lock => bb::whatsapp_batch_budgets
            .find(batch_id)
            .select(cols)
            .for_update()
            .first(x)
            .optional()?,
        DbConnection::Pg(x) => bb::whatsapp_batch_budgets
            .find(batch_id)
            .select(cols)
            .first(x)
            .optional()?,
        // One writer per SQLite database: the write transaction is the lock.
        DbConnection::Sqlite(x) => bb::whatsapp_batch_budgets
            .find(batch_id)
            .select(cols)
            .first(x)
            .optional()?,
    };
    Ok(row.map(budget_from))
}

fn put_budget(conn: &mut DbConnection, b: &BatchBudget, now: DateTime<Utc>) -> QueryResult<()> {
    let t = to_db(now);
    let values = (
        bb::amount.eq(b.amount.to_string()),
        bb::currency.eq(&b.currency),
        bb::committed.eq(b.committed.to_string()),
        bb::paused_reason.eq(&b.paused_reason),
        bb::paused_at.eq(b.paused_at.map(to_db)),
        bb::updated_at.eq(t),
    );
    let n = with_conn!(conn, |x| diesel::update(
        bb::whatsapp_batch_budgets.find(&b.batch_id)
    )
    .set(values.clone())
    .execute(x))?;
    if n == 0 {
        with_conn!(conn, |x| diesel::insert_into(bb::whatsapp_batch_budgets)
            .values((
                bb::batch_id.eq(&b.batch_id),
                bb::created_at.eq(t),
                values.clone()
            ))
            .execute(x))?;
    }
    Ok(())
}
