//! PostgreSQL stopped and started again under webhook traffic: while it is down `/health` says
//! so (503) and the webhook answers 503 (Meta retries); the server stays up and recovers by
//! itself; every delivery that was answered 200 is in the database exactly once.
//!
//! The test runs its own throwaway cluster (`.ci/postgres.sh`), so stopping it disturbs no
//! other test. Skipped unless `WACLOUD_TEST_BACKEND=postgres`.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wacloud_store::testdb::{database_url, Backend};

use crate::app::TestApp;
use crate::bodies::inbound_text;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/postgres.sh");

/// A private cluster made by `.ci/postgres.sh`, removed when dropped.
struct Cluster {
    vars: std::collections::HashMap<String, String>,
}

impl Cluster {
    fn start() -> Self {
        let out = Command::new("bash")
            .arg(SCRIPT)
            .arg("start")
            .output()
            .expect("run .ci/postgres.sh");
        assert!(
            out.status.success(),
            "cannot start a cluster: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let vars = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self { vars }
    }

    fn var(&self, k: &str) -> &str {
        self.vars.get(k).map_or("", String::as_str)
    }

    /// `pg_ctl <args>` as the cluster's owner.
    fn pg_ctl(&self, args: &[&str]) {
        let data = self.var("WACLOUD_TEST_PG_DATA");
        let log = format!("{}/server.log", self.var("PG_TEST_DIR"));
        let mut all = vec!["-D", data, "-l", log.as_str(), "-w", "-t", "60"];
        all.extend_from_slice(args);
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let status = if is_root {
            Command::new("runuser")
                .args(["-u", self.var("WACLOUD_TEST_PG_OWNER"), "--"])
                .arg(self.var("WACLOUD_TEST_PG_CTL"))
                .args(&all)
                .output()
        } else {
            Command::new(self.var("WACLOUD_TEST_PG_CTL"))
                .args(&all)
                .output()
        }
        .expect("run pg_ctl");
        assert!(
            status.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(SCRIPT)
            .arg("stop")
            .arg(self.var("PG_TEST_DIR"))
            .output();
    }
}

/// What the traffic saw.
#[derive(Default)]
struct Seen {
    /// Deliveries answered 200, by number.
    acked: Mutex<BTreeSet<u32>>,
    /// Deliveries answered 503, to post again as Meta would.
    refused: Mutex<BTreeSet<u32>>,
    /// Anything else (a bug).
    other: Mutex<Vec<String>>,
    next: AtomicUsize,
}

fn delivery(app: &TestApp, k: u32) -> Vec<u8> {
    let from = format!("1555300{:04}", k % 50);
    serde_json::to_vec(&inbound_text(
        &app.phone_number_id,
        &from,
        &format!("wamid.restart.{k}"),
        1_780_000_000 + i64::from(k),
        &format!("message {k}"),
        "Restart",
    ))
    .expect("json")
}

async fn traffic(app: Arc<TestApp>, seen: Arc<Seen>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let k = u32::try_from(seen.next.fetch_add(1, Ordering::Relaxed)).unwrap_or(u32::MAX);
        let body = delivery(&app, k);
        let sig = wacloud_graph::webhook::sign(&body, &app.secret);
        let r = app
            .http
            .post(app.url("/api/whatsapp/webhook"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sig)
            .timeout(Duration::from_secs(30))
            .body(body)
            .send()
            .await;
        match r.map(|r| r.status().as_u16()) {
            Ok(200) => {
                seen.acked.lock().unwrap().insert(k);
            }
            Ok(503) => {
                seen.refused.lock().unwrap().insert(k);
            }
            other => seen.other.lock().unwrap().push(format!("{k}: {other:?}")),
        }
    }
}

async fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn health(app: &TestApp) -> (u16, Value) {
    app.get("/api/whatsapp/health").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_and_restarted_under_traffic_loses_no_acknowledged_delivery() {
    if Backend::from_env() != Backend::Postgres {
        eprintln!("skipped: needs WACLOUD_TEST_BACKEND=postgres");
        return;
    }
    let cluster = Cluster::start();
    let admin = cluster.var("WACLOUD_TEST_POSTGRES_URL").to_owned();
    {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut c = diesel::PgConnection::establish(&admin).expect("connect");
        c.batch_execute("CREATE DATABASE wacloud").expect("create");
    }
    let url = database_url(&admin, "wacloud");
    let app = Arc::new(
        TestApp::builder()
            .on_url(&url)
            .with(|s| s.database.timeout = Duration::from_millis(1000))
            .spawn()
            .await,
    );
    assert_eq!(health(&app).await.0, 200);

    let seen = Arc::new(Seen::default());
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(traffic(
                Arc::clone(&app),
                Arc::clone(&seen),
                Arc::clone(&stop),
            ))
        })
        .collect();
    wait_for("traffic", 30, || seen.acked.lock().unwrap().len() >= 50).await;

    cluster.pg_ctl(&["-m", "fast", "stop"]);
    let down_at = Instant::now();
    // /health says so, and deliveries are refused with 503 so that Meta retries them.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, h) = health(&app).await;
        if status == 503 {
            assert_eq!(h["status"], "down");
            assert_eq!(
                h["database"],
                json!({"backend": "postgres", "status": "unavailable"})
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "health never said the database was down: {h}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused_before = seen.refused.lock().unwrap().len();
    wait_for("deliveries refused with 503", 20, || {
        seen.refused.lock().unwrap().len() >= refused_before + 20
    })
    .await;
    let (status, body) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable");

    cluster.pg_ctl(&["start"]);
    // It recovers by itself: health, reads and writes.
    let deadline = Instant::now() + Duration::from_secs(30);
    while health(&app).await.0 != 200 {
        assert!(Instant::now() < deadline, "health never recovered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let outage = down_at.elapsed();
    let acked_at_restart = seen.acked.lock().unwrap().len();
    wait_for("traffic after the restart", 30, || {
        seen.acked.lock().unwrap().len() >= acked_at_restart + 50
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.await.expect("traffic task");
    }
    let other = seen.other.lock().unwrap().clone();
    assert!(
        other.is_empty(),
        "answers other than 200 and 503: {other:?}"
    );
    let (status, _) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(status, 200);

    // Meta retries what was refused.
    let refused: Vec<u32> = seen.refused.lock().unwrap().iter().copied().collect();
    for k in &refused {
        let (status, _) = app.post_webhook_as_meta(&delivery(&app, *k)).await;
        assert_eq!(status, 200);
    }

    // Every delivery is in the database exactly once: each body once, each message once.
    let acked: BTreeSet<u32> = seen.acked.lock().unwrap().clone();
    let all: BTreeSet<u32> = acked.iter().chain(refused.iter()).copied().collect();
    let stats = app.stats().await;
    assert_eq!(stats["webhooks"]["total"], all.len(), "{stats}");
    assert_eq!(stats["webhooks"]["processed"], all.len(), "{stats}");
    assert_eq!(stats["received_messages"], all.len(), "{stats}");
    let stored: Vec<String> = app
        .all_messages("&direction=inbound")
        .await
        .iter()
        .map(|m| m["message_id"].as_str().unwrap_or("").to_owned())
        .collect();
    let distinct: BTreeSet<&String> = stored.iter().collect();
    assert_eq!(stored.len(), distinct.len(), "a message stored twice");
    for k in &acked {
        assert!(
            distinct.contains(&format!("wamid.restart.{k}")),
            "delivery {k} was answered 200 but is not stored"
        );
    }
    // Sending works again too (its status webhooks come after the counts above).
    let (status, sent) = app
        .send(
            &json!({"phone_number": "+15553000001", "message_text": "back", "allow_outside_window": true}),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    eprintln!(
        "acknowledged {} deliveries ({} during/after the restart), refused {} with 503 during \
         {:.1} s from the stop to a healthy /health, all stored exactly once after Meta-style retries",
        acked.len(),
        acked.len() - acked_at_restart.min(acked.len()),
        refused.len(),
        outage.as_secs_f64()
    );
    drop(app);
    drop(cluster);
}
