//! Crash safety of the retention pruner, on the backend under test: the real server process is
//! killed with SIGKILL several times while it prunes thousands of old applied deliveries, and
//! restarted on the same database. After every kill, each delivery left is whole (its body still
//! hashes to what was stored), no failed, unapplied or recent delivery is gone, and the count of
//! pruned deliveries (`whatsapp_removed_counts`, `/stats`' `webhooks.pruned`) equals exactly the
//! rows gone: a batch and its count commit together or not at all. When the restarted server is
//! done, exactly the due deliveries are gone and `/stats` shows the counts it showed before.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use serde_json::{json, Value};
use wacloud_store::conn::{establish, run_migrations, DatabaseUrl, DbConnection};
use wacloud_store::schema::whatsapp_webhooks::dsl as w;
use wacloud_store::testdb::TestDb;
use wacloud_store::with_conn;

const PID: &str = "100000000000001";
/// Applied deliveries past their age: `processed` ones, then `foreign` ones.
const DUE_PROCESSED: u64 = 9_000;
const DUE_FOREIGN: u64 = 1_000;
/// Deliveries the pruner must leave: failed and unapplied ones as old as the due ones, and
/// applied ones younger than the retention.
const KEPT_EACH: u64 = 200;

fn start(url: &str, port: u16, retain: &str) -> Child {
    crate::crash::start_server(
        url,
        port,
        &[
            ("WACLOUD_RETAIN_WEBHOOK_DAYS", retain),
            // Small transactions back to back: many commits for a kill to fall between or into.
            ("WACLOUD_RETAIN_BATCH", "40"),
            ("WACLOUD_RETAIN_PAUSE_MS", "0"),
        ],
    )
}

async fn stats(http: &reqwest::Client, base: &str) -> Option<Value> {
    let r = http
        .get(format!("{base}/api/whatsapp/stats"))
        .send()
        .await
        .ok()?;
    r.status().is_success().then_some(())?;
    r.json().await.ok()
}

async fn wait_up(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if stats(http, base).await.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("server did not come up");
}

fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/meta");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no Meta fixtures at {}", dir.display());
        None
    }
}

/// Meta's message deliveries (pywa's recorded ones), addressed to our number.
fn templates(dir: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("pywa/updates/message.json")).expect("fixture");
    let all: Value = serde_json::from_str(&text).expect("fixture json");
    [
        "text",
        "reply",
        "reaction",
        "contacts",
        "order",
        "current_location",
    ]
    .iter()
    .map(|k| all[*k].clone())
    .filter(Value::is_object)
    .collect()
}

fn body(templates: &[Value], seq: u64) -> Vec<u8> {
    let mut v = templates[usize::try_from(seq).unwrap() % templates.len()].clone();
    let value = v.pointer_mut("/entry/0/changes/0/value").expect("value");
    value["metadata"]["phone_number_id"] = json!(PID);
    for m in value["messages"].as_array_mut().into_iter().flatten() {
        m["id"] = json!(format!("wamid.prunecrash.{seq}"));
    }
    serde_json::to_vec(&v).expect("json")
}

fn sha(body: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, body))
}

/// One stored delivery: (id, state, body digest, received days ago, applied).
struct Row {
    id: String,
    state: &'static str,
    days_ago: i64,
    applied: bool,
}

/// Inserts the rows, oldest first, as the server stores deliveries (the counts' triggers count
/// them); returns each id's body digest.
fn fill(conn: &mut DbConnection, templates: &[Value], rows: &[Row]) -> HashMap<String, String> {
    let now = Utc::now();
    let mut digests = HashMap::new();
    for (chunk_no, chunk) in rows.chunks(1000).enumerate() {
        let mut values = Vec::new();
        for (k, r) in chunk.iter().enumerate() {
            let seq = u64::try_from(chunk_no * 1000 + k).unwrap();
            let b = body(templates, seq);
            let digest = sha(&b);
            digests.insert(r.id.clone(), digest.clone());
            let received = now - chrono::Duration::days(r.days_ago)
                + chrono::Duration::milliseconds(i64::try_from(seq).unwrap());
            values.push((
                w::id.eq(r.id.clone()),
                w::received_at.eq(received.naive_utc()),
                w::body.eq(b),
                w::body_sha256.eq(digest),
                w::signature.eq(None::<String>),
                w::state.eq(r.state),
                w::error.eq((r.state == "failed").then(|| "a test failure".to_owned())),
                w::event_count.eq(1_i64),
                w::phone_number_id.eq(Some(PID)),
                w::fields.eq(Some("messages")),
                w::processed_at.eq(r
                    .applied
                    .then(|| (received + chrono::Duration::milliseconds(30)).naive_utc())),
                w::attempts.eq(1),
            ));
        }
        with_conn!(conn, |c| diesel::insert_into(w::whatsapp_webhooks)
            .values(&values)
            .execute(c))
        .expect("insert");
    }
    digests
}

/// Every stored delivery: id → (state, digest of its body as stored now, digest column).
fn stored(conn: &mut DbConnection) -> HashMap<String, (String, String, String)> {
    let rows: Vec<(String, String, Vec<u8>, String)> = with_conn!(conn, |c| w::whatsapp_webhooks
        .select((w::id, w::state, w::body, w::body_sha256))
        .load(c))
    .expect("load deliveries");
    rows.into_iter()
        .map(|(id, state, b, d)| (id, (state, sha(&b), d)))
        .collect()
}

fn count(conn: &mut DbConnection) -> i64 {
    with_conn!(conn, |c| w::whatsapp_webhooks.count().get_result(c)).expect("count")
}

#[derive(QueryableByName)]
struct Sum {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Pruned deliveries as recorded in `whatsapp_removed_counts`.
fn recorded_pruned(conn: &mut DbConnection) -> i64 {
    let q = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM whatsapp_removed_counts \
             WHERE subject = 'webhook'";
    let s: Sum = with_conn!(conn, |c| diesel::sql_query(q).get_result(c)).expect("removed counts");
    s.n
}

/// Everything that must hold whenever the server is down: kept deliveries all there, every
/// delivery left whole, and the pruned count equal to the rows gone.
fn check(
    url: &str,
    digests: &HashMap<String, String>,
    due: &[String],
    kept: &[String],
    when: &str,
) -> usize {
    let mut conn = establish(&DatabaseUrl::parse(url), false).expect("connect");
    let now = stored(&mut conn);
    for id in kept {
        assert!(now.contains_key(id), "{when}: kept delivery {id} is gone");
    }
    for (id, (_, body, column)) in &now {
        if let Some(d) = digests.get(id) {
            assert_eq!(body, d, "{when}: delivery {id}'s body changed");
            assert_eq!(column, d, "{when}: delivery {id}'s digest changed");
        }
    }
    let gone = due.iter().filter(|id| !now.contains_key(*id)).count();
    assert_eq!(
        recorded_pruned(&mut conn),
        i64::try_from(gone).unwrap(),
        "{when}: the pruned count is the rows gone"
    );
    gone
}

/// `/stats` without the pruned count (which pruning raises on purpose).
fn without_pruned(mut s: Value) -> Value {
    if let Some(o) = s["webhooks"].as_object_mut() {
        o.remove("pruned");
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_pruning_leaves_every_batch_whole_and_counted() {
    let Some(dir) = fixtures_dir() else { return };
    let templates = templates(&dir);
    let db = TestDb::new();
    let url = db.url().to_owned();
    let mut conn = establish(&DatabaseUrl::parse(&url), false).expect("connect");
    run_migrations(&mut conn).expect("migrate");
    let mut rows = Vec::new();
    let mut push = |state: &'static str, days_ago: i64, applied: bool, n: u64| {
        let ids: Vec<String> = (0..n).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        for id in &ids {
            rows.push(Row {
                id: id.clone(),
                state,
                days_ago,
                applied,
            });
        }
        ids
    };
    let mut due = push("processed", 90, true, DUE_PROCESSED);
    due.extend(push("foreign", 90, true, DUE_FOREIGN));
    let mut kept = push("failed", 90, true, KEPT_EACH);
    kept.extend(push("received", 90, false, KEPT_EACH));
    kept.extend(push("processed", 10, true, KEPT_EACH));
    let digests = fill(&mut conn, &templates, &rows);
    drop(conn);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    // The counts before any pruning, once the server has applied what it applies at start.
    let mut child = start(&url, port, "forever");
    wait_up(&http, &base).await;
    // The deliveries stored `received` are applied in the background after start: wait until
    // none is left and the counts stay still.
    let mut before = stats(&http, &base).await.expect("stats");
    for _ in 0..150 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = stats(&http, &base).await.expect("stats");
        if now == before && now["webhooks"]["received"] == 0 {
            break;
        }
        before = now;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert_eq!(before["webhooks"]["pruned"], 0, "retention off: {before}");
    assert_eq!(
        check(&url, &digests, &due, &kept, "before pruning"),
        0,
        "nothing pruned yet"
    );

    // Kill it while it prunes, each time once more of the due deliveries are gone.
    let total = i64::try_from(rows.len()).unwrap();
    let due_n = i64::try_from(due.len()).unwrap();
    let mut watcher = establish(&DatabaseUrl::parse(&url), true).expect("connect");
    let mut gone_at_kills = Vec::new();
    for k in 1..=3_i64 {
        let target = due_n * k / 4;
        child = start(&url, port, "30");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let gone = total - count(&mut watcher);
            if gone >= target {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the pruner did not get to {target}"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let gone = check(&url, &digests, &due, &kept, &format!("after kill {k}"));
        eprintln!("kill {k}: {gone} of {due_n} pruned");
        gone_at_kills.push(gone);
    }
    assert!(
        gone_at_kills
            .iter()
            .all(|&g| g > 0 && i64::try_from(g).unwrap() < due_n),
        "every kill landed while pruning: {gone_at_kills:?} of {due_n}"
    );

    // The restarted server finishes: exactly the due deliveries gone, counts as before.
    child = start(&url, port, "30");
    wait_up(&http, &base).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while total - count(&mut watcher) < due_n {
        assert!(Instant::now() < deadline, "the pruner did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // PostgreSQL folds its count changes in the background: wait for /stats to show them.
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        let s = stats(&http, &base).await.expect("stats");
        if s["webhooks"]["pruned"] == due_n || Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert_eq!(after["webhooks"]["pruned"], due_n, "{after}");
    assert_eq!(
        without_pruned(after.clone()),
        without_pruned(before.clone())
    );
    assert_eq!(
        check(&url, &digests, &due, &kept, "at the end"),
        due.len(),
        "every due delivery pruned"
    );
    let mut conn = establish(&DatabaseUrl::parse(&url), false).expect("connect");
    assert_eq!(
        count(&mut conn),
        i64::try_from(kept.len()).unwrap(),
        "only the kept deliveries are left"
    );
}
