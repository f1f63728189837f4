//! Counts for `GET /stats`.

use diesel::prelude::*;
use wacloud_core::stats::{QueueStats, Stats, WebhookStats};

use crate::conn::DbConnection;
use crate::schema::whatsapp_contacts::dsl as c;
use crate::schema::whatsapp_messages::dsl as m;
use crate::with_conn;

pub fn stats(conn: &mut DbConnection) -> QueryResult<Stats> {
    let by_dir: Vec<(String, i64)> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::message_type.ne_all(super::messages::EFFECT_KINDS))
        .group_by(m::direction)
        .select((m::direction, diesel::dsl::count_star()))
        .load(x))?;
    let by_status: Vec<(String, i64)> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::message_type.ne_all(super::messages::EFFECT_KINDS))
        .group_by(m::status)
        .select((m::status, diesel::dsl::count_star()))
        .load(x))?;
    let total_contacts: i64 = with_conn!(conn, |x| c::whatsapp_contacts
        .filter(c::merged_into.is_null())
        .count()
        .get_result(x))?;
    let unread_messages: i64 = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::direction.eq("inbound"))
        .filter(m::is_read.eq(false))
        .count()
        .get_result(x))?;
    let mut s = Stats {
        total_contacts,
        unread_messages,
        ..Stats::default()
    };
    for (dir, n) in by_dir {
        s.total_messages += n;
        match dir.as_str() {
            "inbound" => s.received_messages += n,
            _ => s.sent_messages += n,
        }
    }
    s.messages_by_status = by_status.into_iter().collect();
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
