//! PostgreSQL uses an index for every selective query the API and the queue run.
//!
//! The queries are the store's own (called through the repositories, as the use cases call
//! them) on a database filled with a realistic amount of rows and analysed; PostgreSQL's
//! per-transaction counters (`pg_stat_get_xact_numscans`) then tell which indexes each query
//! read and whether it read a table sequentially. Whole-table counts (`GET /stats`, the
//! `total_count` of `GET /contacts`) and substring search are scans by nature and are not
//! checked here.

use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::PgConnection;
use wacloud_core::changes::ChangeSet;
use wacloud_core::contact::ContactQuery;
use wacloud_core::message::Direction;
use wacloud_core::phone::CustomerKey;
use wacloud_core::ports::{MessageQuery, Repos};

use crate::conn::DbConnection;
use crate::repo::Repo;
use crate::testdb::TestDb;

const FILL: &str = "
INSERT INTO whatsapp_contacts (id, wa_id, phone_number, tags, unread_count, last_message_time,
                               is_pinned, created_at, updated_at)
SELECT 'c' || i, (15550000000 + i)::text, '+' || (15550000000 + i)::text, '[]', (i % 7 = 0)::int,
       CASE WHEN i % 10 = 0 THEN NULL ELSE now() - (i || ' minutes')::interval END,
       i % 1000 = 0, now(), now()
  FROM generate_series(1, 5000) i;
INSERT INTO whatsapp_contacts (id, phone_number, tags, created_at, updated_at)
SELECT 'n' || i, '+1666' || lpad(i::text, 7, '0'), '[]', now(), now()
  FROM generate_series(1, 500) i;
INSERT INTO whatsapp_messages (id, message_id, contact_id, direction, message_type, message_text,
                               status, status_rank, is_read, created_at, received_at, updated_at,
                               queue_id)
SELECT 'm' || lpad(i::text, 8, '0'), 'wamid.' || i, 'c' || (i % 5000 + 1),
       CASE WHEN i % 2 = 0 THEN 'inbound' ELSE 'outbound' END,
       CASE WHEN i % 50 = 0 THEN 'reaction' ELSE 'text' END, 'hello ' || i,
       CASE WHEN i % 2 = 0 THEN 'received' ELSE 'read' END, 4, i % 3 <> 0,
       now() - (i || ' seconds')::interval, now(), now(),
       CASE WHEN i % 4 = 1 THEN 'q' || (i / 4) END
  FROM generate_series(1, 50000) i;
INSERT INTO whatsapp_queue (id, batch_id, recipient, payload, state, due_at, lease_owner,
                            lease_until, created_at, updated_at)
SELECT 'q' || i, 'b' || (i / 500), '+1555' || lpad(i::text, 7, '0'),
       '{\"type\":\"text\",\"body\":\"hi\"}',
       CASE WHEN i % 20 = 0 THEN 'pending' WHEN i % 997 = 0 THEN 'sending' ELSE 'sent' END,
       now() - (i || ' seconds')::interval,
       CASE WHEN i % 997 = 0 THEN 'worker-x' END,
       CASE WHEN i % 997 = 0 THEN now() - interval '1 minute' END, now(), now()
  FROM generate_series(1, 10000) i;
INSERT INTO whatsapp_webhooks (id, received_at, body, body_sha256, state, event_count, attempts)
SELECT 'w' || i, now() - (i || ' seconds')::interval, '{}'::bytea, md5(i::text),
       CASE WHEN i % 100 = 0 THEN 'received' ELSE 'processed' END, 1, 1
  FROM generate_series(1, 10000) i;
ANALYZE;
";

#[derive(QueryableByName)]
struct Scans {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn scans(c: &mut PgConnection, rel: &str) -> i64 {
    diesel::sql_query("SELECT pg_stat_get_xact_numscans($1::regclass) AS n")
        .bind::<Text, _>(rel)
        .get_result::<Scans>(c)
        .map(|s| s.n)
        .unwrap_or_else(|e| panic!("scans of {rel}: {e}"))
}

/// Runs `f` in a transaction that is rolled back, and returns how often each of `rels` (tables:
/// sequential scans; indexes: index scans) was scanned meanwhile.
fn scanned(
    conn: &mut DbConnection,
    rels: &[&str],
    f: impl FnOnce(&mut dyn Repos),
) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let _ = conn.transaction::<(), diesel::result::Error, _>(|c| {
        let DbConnection::Pg(pg) = c else {
            unreachable!("PostgreSQL only")
        };
        let before: Vec<i64> = rels.iter().map(|r| scans(pg, r)).collect();
        {
            let mut changes = ChangeSet::default();
            let mut repo = Repo::new(c, &mut changes);
            f(&mut repo);
        }
        let DbConnection::Pg(pg) = c else {
            unreachable!()
        };
        for (r, b) in rels.iter().zip(before) {
            out.push(((*r).to_owned(), scans(pg, r) - b));
        }
        Err(diesel::result::Error::RollbackTransaction)
    });
    out
}

fn assert_plan(what: &str, got: &[(String, i64)], no_seq_scan_of: &[&str], uses_index: &[&str]) {
    for (rel, n) in got {
        if no_seq_scan_of.contains(&rel.as_str()) {
            assert_eq!(*n, 0, "{what}: read {rel} sequentially ({got:?})");
        }
        if uses_index.contains(&rel.as_str()) {
            assert!(*n > 0, "{what}: did not use the index {rel} ({got:?})");
        }
    }
}

#[test]
fn every_selective_query_reads_an_index_on_postgres() {
    let Some(db) = TestDb::postgres() else {
        eprintln!("skipped: WACLOUD_TEST_POSTGRES_URL is not set");
        return;
    };
    let mut conn = DbConnection::Pg(PgConnection::establish(db.url()).expect("connect"));
    if let DbConnection::Pg(pg) = &mut conn {
        pg.batch_execute(FILL).expect("fill");
    }
    let contacts = "whatsapp_contacts";
    let messages = "whatsapp_messages";
    let queue = "whatsapp_queue";
    let webhooks = "whatsapp_webhooks";

    let got = scanned(
        &mut conn,
        &[
            contacts,
            "whatsapp_contacts_list",
            "whatsapp_contacts_unread",
        ],
        |r| {
            let page = r
                .list_contacts(&ContactQuery {
                    search: None,
                    tag: None,
                    filter: None,
                    limit: 50,
                    offset: 100,
                    ..ContactQuery::default()
                })
                .expect("list");
            assert_eq!(page.contacts.len(), 50);
        },
    );
    // The page and the unread total each read their index (the total count may scan).
    assert_plan(
        "GET /contacts",
        &got,
        &[],
        &["whatsapp_contacts_list", "whatsapp_contacts_unread"],
    );

    let got = scanned(&mut conn, &[contacts], |r| {
        let by_wa_id = r
            .find_contact(None, &CustomerKey::parse("+15550000042").expect("number"))
            .expect("find");
        assert_eq!(by_wa_id.map(|c| c.id).as_deref(), Some("c42"));
        let by_number = r
            .find_contact(None, &CustomerKey::parse("+16660000042").expect("number"))
            .expect("find");
        assert_eq!(by_number.map(|c| c.id).as_deref(), Some("n42"));
        r.get_contact("c7").expect("get");
    });
    assert_plan("contact by number, wa_id, id", &got, &[contacts], &[]);

    let got = scanned(&mut conn, &[messages, "whatsapp_messages_history"], |r| {
        let (page, more) = r
            .list_messages(&MessageQuery {
                contact_id: None,
                direction: None,
                limit: 50,
                before: None,
            })
            .expect("history");
        assert!(more && page.len() == 50);
        let last = page.last().expect("a page");
        let (older, _) = r
            .list_messages(&MessageQuery {
                contact_id: None,
                direction: Some(Direction::Inbound),
                limit: 50,
                before: Some((last.created_at, last.id.clone())),
            })
            .expect("older page");
        assert!(older.iter().all(|m| m.created_at <= last.created_at));
    });
    assert_plan(
        "GET /messages (newest first, cursor)",
        &got,
        &[messages],
        &["whatsapp_messages_history"],
    );

    let got = scanned(&mut conn, &[messages], |r| {
        let (page, _) = r
            .list_messages(&MessageQuery {
                contact_id: Some("c42".into()),
                direction: None,
                limit: 50,
                before: None,
            })
            .expect("contact history");
        assert!(!page.is_empty());
        assert!(r
            .find_message_by_wamid("wamid.4242")
            .expect("by wamid")
            .is_some());
        assert!(r.get_message("m00004242").expect("by id").is_some());
        r.latest_message_for_queue_item("q10")
            .expect("by queue item");
    });
    assert_plan(
        "history of a contact; message by wamid, id, queue item",
        &got,
        &[messages],
        &[],
    );

    let got = scanned(&mut conn, &[messages, contacts], |r| {
        let (n, newest) = r.mark_contact_read("c43").expect("mark read");
        assert!(n > 0 && newest.is_some());
    });
    assert_plan(
        "POST /contacts/{phone}/read",
        &got,
        &[messages, contacts],
        &[],
    );

    let got = scanned(
        &mut conn,
        &[queue, "whatsapp_queue_due", "whatsapp_queue_lease"],
        |r| {
            let now = Utc::now();
            let items = r
                .claim_queue_items("worker-y", now, now + Duration::seconds(60), 16)
                .expect("claim");
            // The 10 lapsed leases first, then pending items in order.
            assert_eq!(items.len(), 16);
            let mut lapsed: Vec<String> = items[..10].iter().map(|i| i.id.clone()).collect();
            lapsed.sort();
            let mut want: Vec<String> = (1..=10).map(|k| format!("q{}", 997 * k)).collect();
            want.sort();
            assert_eq!(lapsed, want);
        },
    );
    assert_plan(
        "queue claim",
        &got,
        &[queue],
        &["whatsapp_queue_due", "whatsapp_queue_lease"],
    );

    let got = scanned(&mut conn, &[queue], |r| {
        let b = r
            .batch_summary("b3", &wacloud_core::queue::BatchQuery::default())
            .expect("batch")
            .expect("exists");
        assert_eq!(b.total, 500);
    });
    assert_plan("GET /batches/{id}", &got, &[queue], &[]);

    let got = scanned(&mut conn, &[webhooks, "whatsapp_webhooks_state"], |r| {
        let pending = r.pending_webhooks(false, 1000).expect("pending");
        assert_eq!(pending.len(), 100);
    });
    assert_plan(
        "deliveries left unprocessed",
        &got,
        &[webhooks],
        &["whatsapp_webhooks_state"],
    );
}
