//! Counts for `GET /stats`, read from `whatsapp_counts` (kept by the triggers of the migration
//! `2026-12-06-000001_counts` in the transactions that change the counted rows), so a read costs
//! the same at a thousand messages as at ten million.
//!
//! On PostgreSQL the triggers record deltas ([`fold`] moves them into the counts); a read adds
//! both tables, so it is exact whether or not the fold has run. [`recount`] counts every row
//! again, for tests and for checking a database by hand.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use wacloud_core::stats::{QueueStats, Stats, WebhookStats};

use crate::conn::DbConnection;
use crate::with_conn;

/// One row of the counts: what `/stats` groups by, and how many rows have it.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    /// `message`, `contact`, `queue` or `webhook`.
    #[diesel(sql_type = Text)]
    pub subject: String,
    /// The message's `message_type` (empty for the other subjects).
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The message's direction (empty for the other subjects).
    #[diesel(sql_type = Text)]
    pub direction: String,
    /// The message's status, the queue item's or the delivery's state (empty for contacts).
    #[diesel(sql_type = Text)]
    pub state: String,
    /// Whether the message was read (false for the other subjects).
    #[diesel(sql_type = Bool)]
    pub is_read: bool,
    /// How many rows.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

const KEY: &str = "subject, kind, direction, state, is_read";

/// Every count in one read transaction (one snapshot: a delivery being applied is either
/// counted whole or not at all).
pub fn stats(conn: &mut DbConnection) -> QueryResult<Stats> {
    let (rows, removed) = snapshot(conn, |c| Ok((counted(c)?, removed(c)?)))?;
    let mut s = from_rows(&rows);
    s.webhooks.pruned = removed
        .iter()
        .filter(|r| r.subject == "webhook")
        .map(|r| r.n)
        .sum();
    Ok(s)
}

/// What left the counted tables on purpose (erasure, retention) and is still counted: the rows
/// of `whatsapp_removed_counts` (a few dozen at most).
pub fn removed(conn: &mut DbConnection) -> QueryResult<Vec<CountRow>> {
    let sql = format!("SELECT {KEY}, n FROM whatsapp_removed_counts WHERE n <> 0 ORDER BY {KEY}");
    with_conn!(conn, |x| diesel::sql_query(sql.as_str()).load(x))
}

/// Queue items per state, from the counts.
pub fn queue_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    Ok(counted(conn)?
        .into_iter()
        .filter(|r| r.subject == "queue" && r.n != 0)
        .map(|r| (r.state, r.n))
        .collect())
}

/// Contacts not merged into another, from the counts.
pub fn contacts_total(conn: &mut DbConnection) -> QueryResult<i64> {
    Ok(counted(conn)?
        .iter()
        .filter(|r| r.subject == "contact")
        .map(|r| r.n)
        .sum())
}

/// The counts as kept, every delta added in, zero counts left out.
pub fn counted(conn: &mut DbConnection) -> QueryResult<Vec<CountRow>> {
    let sql = format!(
        "SELECT {KEY}, CAST(SUM(n) AS BIGINT) AS n FROM ( \
           SELECT {KEY}, n FROM whatsapp_counts \
           UNION ALL SELECT {KEY}, n FROM whatsapp_count_deltas \
         ) t GROUP BY {KEY} HAVING SUM(n) <> 0 ORDER BY {KEY}"
    );
    with_conn!(conn, |x| diesel::sql_query(sql.as_str()).load(x))
}

/// The same rows as [`counted`], by counting every counted row again, plus the rows removed
/// on purpose and still counted ([`removed`]) (the cost grows with the tables; never on a
/// request path).
pub fn recount(conn: &mut DbConnection) -> QueryResult<Vec<CountRow>> {
    let sql = format!(
        "SELECT {KEY}, CAST(SUM(n) AS BIGINT) AS n FROM ( \
           SELECT 'message' AS subject, message_type AS kind, direction, status AS state, \
                  is_read, COUNT(*) AS n \
             FROM whatsapp_messages GROUP BY message_type, direction, status, is_read \
           UNION ALL SELECT 'contact', '', '', '', FALSE, COUNT(*) FROM whatsapp_contacts \
             WHERE merged_into IS NULL \
           UNION ALL SELECT 'queue', '', '', state, FALSE, COUNT(*) FROM whatsapp_queue \
             GROUP BY state \
           UNION ALL SELECT 'webhook', '', '', state, FALSE, COUNT(*) FROM whatsapp_webhooks \
             GROUP BY state \
           UNION ALL SELECT {KEY}, n FROM whatsapp_removed_counts \
         ) t GROUP BY {KEY} HAVING SUM(n) <> 0 ORDER BY {KEY}"
    );
    snapshot(conn, |c| {
        with_conn!(c, |x| diesel::sql_query(sql.as_str()).load(x))
    })
}

/// The count rows of one business number, counted from its rows in one snapshot (see
/// `NumberRepos::number_stats`): messages through their contact's number, queue items by the
/// number they are sent from (`default`: with those queued without one), deliveries by theirs.
pub fn number_counts(
    conn: &mut DbConnection,
    phone_number_id: &str,
    default: bool,
) -> QueryResult<Vec<CountRow>> {
    let sql = format!(
        "SELECT {KEY}, CAST(SUM(n) AS BIGINT) AS n FROM ( \
           SELECT 'message' AS subject, m.message_type AS kind, m.direction, m.status AS state, \
                  m.is_read, COUNT(*) AS n \
             FROM whatsapp_messages m JOIN whatsapp_contacts c ON c.id = m.contact_id \
             WHERE c.phone_number_id = {{p}} \
             GROUP BY m.message_type, m.direction, m.status, m.is_read \
           UNION ALL SELECT 'contact', '', '', '', FALSE, COUNT(*) FROM whatsapp_contacts \
             WHERE merged_into IS NULL AND phone_number_id = {{p}} \
           UNION ALL SELECT 'queue', '', '', state, FALSE, COUNT(*) FROM whatsapp_queue \
             WHERE phone_number_id = {{p}} OR ({{d}} AND phone_number_id IS NULL) GROUP BY state \
           UNION ALL SELECT 'webhook', '', '', state, FALSE, COUNT(*) FROM whatsapp_webhooks \
             WHERE phone_number_id = {{p}} GROUP BY state \
         ) t GROUP BY {KEY} HAVING SUM(n) <> 0 ORDER BY {KEY}"
    );
    snapshot(conn, |c| match c {
        DbConnection::Sqlite(x) => diesel::sql_query(sql.replace("{p}", "?1").replace("{d}", "?2"))
            .bind::<Text, _>(phone_number_id)
            .bind::<Bool, _>(default)
            .load(x),
        DbConnection::Pg(x) => diesel::sql_query(sql.replace("{p}", "$1").replace("{d}", "$2"))
            .bind::<Text, _>(phone_number_id)
            .bind::<Bool, _>(default)
            .load(x),
    })
}

/// Moves the recorded deltas into the counts (PostgreSQL; SQLite's triggers add to the counts
/// directly and this does nothing). Returns how many delta rows were folded. Two instances
/// folding at once: the second does nothing (a transaction-scoped advisory lock).
pub fn fold(conn: &mut DbConnection) -> QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Folded {
        #[diesel(sql_type = BigInt)]
        folded: i64,
    }
    let DbConnection::Pg(pg) = conn else {
        return Ok(0);
    };
    pg.transaction(|pg| {
        let got: Vec<Folded> = diesel::sql_query(
            "WITH locked AS (SELECT pg_try_advisory_xact_lock(2002871149) AS ok), \
             moved AS ( \
               DELETE FROM whatsapp_count_deltas WHERE (SELECT ok FROM locked) \
               RETURNING subject, kind, direction, state, is_read, n), \
             summed AS ( \
               INSERT INTO whatsapp_counts (subject, kind, direction, state, is_read, n) \
               SELECT subject, kind, direction, state, is_read, SUM(n) FROM moved \
                 GROUP BY subject, kind, direction, state, is_read \
                 ORDER BY subject, kind, direction, state, is_read \
               ON CONFLICT (subject, kind, direction, state, is_read) \
               DO UPDATE SET n = whatsapp_counts.n + EXCLUDED.n \
               RETURNING 1) \
             SELECT COUNT(*) AS folded FROM moved",
        )
        .load(pg)?;
        Ok(got
            .first()
            .map_or(0, |f| usize::try_from(f.folded).unwrap_or(0)))
    })
}

/// Runs `f` in one read transaction (on PostgreSQL a repeatable-read snapshot).
fn snapshot<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    conn.transaction(|c| {
        if let DbConnection::Pg(pg) = c {
            pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        f(c)
    })
}

/// `/stats` from count rows. Reactions, edits and deletions are effects on another message:
/// they count as unread while unread, but not as messages.
pub fn from_rows(rows: &[CountRow]) -> Stats {
    let mut s = Stats::default();
    let mut queue = QueueStats::default();
    let mut wh = WebhookStats::default();
    for r in rows.iter().filter(|r| r.n != 0) {
        match r.subject.as_str() {
            "message" => {
                let inbound = r.direction == "inbound";
                if inbound && !r.is_read {
                    s.unread_messages += r.n;
                }
                if super::messages::EFFECT_KINDS.contains(&r.kind.as_str()) {
                    continue;
                }
                s.total_messages += r.n;
                if inbound {
                    s.received_messages += r.n;
                } else {
                    s.sent_messages += r.n;
                }
                *s.messages_by_status.entry(r.state.clone()).or_insert(0) += r.n;
            }
            "contact" => s.total_contacts += r.n,
            "queue" => {
                if r.state == "pending" || r.state == "sending" {
                    queue.depth += r.n;
                }
                *queue.by_state.entry(r.state.clone()).or_insert(0) += r.n;
            }
            "webhook" => {
                wh.total += r.n;
                match r.state.as_str() {
                    "processed" => wh.processed += r.n,
                    "failed" => wh.failed += r.n,
                    "foreign" => wh.foreign += r.n,
                    _ => wh.received += r.n,
                }
            }
            _ => {}
        }
    }
    s.queue = queue;
    s.webhooks = wh;
    s
}
