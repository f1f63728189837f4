//! Counts for `GET /stats`.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use wacloud_core::stats::{QueueStats, Stats, WebhookStats};

use crate::conn::DbConnection;
use crate::schema::whatsapp_contacts::dsl as c;
use crate::with_conn;

#[derive(QueryableByName)]
struct MessageCount {
    /// A reaction, edit or deletion row (an effect on another message, not a message).
    #[diesel(sql_type = Bool)]
    effect: bool,
    #[diesel(sql_type = Text)]
    direction: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Bool)]
    is_read: bool,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every count in one read transaction (one snapshot: a delivery being applied is either
/// counted whole or not at all), and `whatsapp_messages` read once, not three times: under
/// webhook load a long read also keeps SQLite's write-ahead log from starting over.
pub fn stats(conn: &mut DbConnection) -> QueryResult<Stats> {
    conn.transaction(|c| {
        if let DbConnection::Pg(pg) = c {
            pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        counts(c)
    })
}

fn counts(conn: &mut DbConnection) -> QueryResult<Stats> {
    let effect_kinds = super::messages::EFFECT_KINDS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT (message_type IN ({effect_kinds})) AS effect, direction, status, is_read, \
         COUNT(*) AS n FROM whatsapp_messages GROUP BY 1, 2, 3, 4"
    );
    let rows: Vec<MessageCount> = with_conn!(conn, |x| diesel::sql_query(sql.as_str()).load(x))?;
    let total_contacts: i64 = with_conn!(conn, |x| c::whatsapp_contacts
        .filter(c::merged_into.is_null())
        .count()
        .get_result(x))?;
    let mut s = Stats {
        total_contacts,
        ..Stats::default()
    };
    for r in rows {
        let inbound = r.direction == "inbound";
        if inbound && !r.is_read {
            s.unread_messages += r.n;
        }
        if r.effect {
            continue;
        }
        s.total_messages += r.n;
        if inbound {
            s.received_messages += r.n;
        } else {
            s.sent_messages += r.n;
        }
        *s.messages_by_status.entry(r.status).or_insert(0) += r.n;
    }
    let mut queue = QueueStats::default();
    for (state, n) in super::queue::counts(conn)? {
        if state == "pending" || state == "sending" {
            queue.depth += n;
        }
        queue.by_state.insert(state, n);
    }
    s.queue = queue;
    let mut wh = WebhookStats::default();
    for (state, n) in super::webhooks::counts(conn)? {
        wh.total += n;
        match state.as_str() {
            "processed" => wh.processed += n,
            "failed" => wh.failed += n,
            "foreign" => wh.foreign += n,
            _ => wh.received += n,
        }
    }
    s.webhooks = wh;
    Ok(s)
}
