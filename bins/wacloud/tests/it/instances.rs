//! Several server instances on one PostgreSQL database (skipped on SQLite, which serves one
//! instance): the same deliveries reaching two instances at once have one set of effects; an
//! instance killed in the middle of queue work leaves it to the other, and nobody gets a
//! message twice; migrations are safe when several instances start at once.

use std::collections::{BTreeMap, HashMap};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;
use wacloud_store::testdb::{Backend, TestDb};

use crate::app::{TestApp, SECRET};
use crate::bodies::{inbound_text, status_body};

pub(crate) fn on_postgres() -> bool {
    let yes = Backend::from_env() == Backend::Postgres;
    if !yes {
        eprintln!("skipped: several instances need WACLOUD_TEST_BACKEND=postgres");
    }
    yes
}

/// Posts `body` to both instances at the same moment, each retrying like Meta after a 5xx.
async fn to_both(a: &TestApp, b: &TestApp, body: Vec<u8>) -> [(u16, Value); 2] {
    let (ra, rb) = tokio::join!(a.post_webhook_as_meta(&body), b.post_webhook_as_meta(&body));
    [ra, rb]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_receiving_the_same_deliveries_at_once_have_one_set_of_effects() {
    if !on_postgres() {
        return;
    }
    let a = TestApp::spawn().await;
    let b = TestApp::builder().on_url(&a.database_url).spawn().await;
    let pid = a.phone_number_id.clone();

    // 12 new customers write 4 messages each, one delivery per message...
    let mut deliveries: Vec<Value> = Vec::new();
    let mut want: BTreeMap<String, (i64, String)> = BTreeMap::new();
    // In the past: timestamps no message can carry (the future) fall back to the delivery time.
    let base = 1_780_000_000_i64;
    for c in 0..12 {
        let from = format!("1555100{c:04}");
        for k in 0..4 {
            let ts = base + i64::from(k) * 60 + i64::from(c);
            let text = format!("message {k} from {c}");
            deliveries.push(inbound_text(
                &pid,
                &from,
                &format!("wamid.in.{c}.{k}"),
                ts,
                &text,
                &format!("Customer {c}"),
            ));
            want.insert(format!("+{from}"), (ts, text));
        }
    }
    // ...Meta also batches some of those same messages into other deliveries...
    for c in 0..8 {
        let mut d = inbound_text(
            &pid,
            &format!("1555100{c:04}"),
            &format!("wamid.in.{c}.0"),
            base + i64::from(c),
            &format!("message 0 from {c}"),
            &format!("Customer {c}"),
        );
        let again = inbound_text(
            &pid,
            &format!("1555100{c:04}"),
            &format!("wamid.in.{c}.1"),
            base + 60 + i64::from(c),
            &format!("message 1 from {c}"),
            &format!("Customer {c}"),
        );
        let second = again["entry"][0]["changes"][0]["value"]["messages"][0].clone();
        d["entry"][0]["changes"][0]["value"]["messages"]
            .as_array_mut()
            .unwrap()
            .push(second);
        deliveries.push(d);
    }
    // ...and statuses for messages neither instance knows yet, in every order.
    for k in 0..6 {
        for (i, s) in ["read", "sent", "delivered"].iter().enumerate() {
            deliveries.push(status_body(
                &pid,
                &format!("wamid.out.{k}"),
                s,
                base + 1000 + i64::try_from(i).unwrap(),
                "15551009999",
            ));
        }
    }
    let n = deliveries.len();
    let answers: Vec<[(u16, Value); 2]> = futures::stream::iter(deliveries.into_iter().map(|d| {
        let (a, b) = (&a, &b);
        async move { to_both(a, b, serde_json::to_vec(&d).unwrap()).await }
    }))
    .buffer_unordered(12)
    .collect()
    .await;

    for [ra, rb] in &answers {
        assert_eq!((ra.0, rb.0), (200, 200), "{ra:?} {rb:?}");
        let firsts = [&ra.1, &rb.1]
            .iter()
            .filter(|v| v["duplicate"] == false)
            .count();
        assert_eq!(
            firsts, 1,
            "exactly one instance stored each delivery: {ra:?} {rb:?}"
        );
    }

    // Under load deliveries are answered once stored and applied right after: wait for that
    // before looking (stats taken while the last batch commits can count the webhooks after it
    // and the messages before it).
    a.wait_for(20, "every delivery applied", || async {
        (a.stats().await["webhooks"]["received"] == 0).then_some(())
    })
    .await;
    let stats = a.stats().await;
    assert_eq!(stats["webhooks"]["total"], n, "{stats}");
    assert_eq!(stats["webhooks"]["processed"], n, "{stats}");
    assert_eq!(stats["received_messages"], 48, "{stats}");
    assert_eq!(stats["sent_messages"], 6, "{stats}");
    assert_eq!(stats["total_contacts"], 12, "{stats}");
    assert_eq!(stats["unread_messages"], 48, "{stats}");
    assert_eq!(b.stats().await, stats, "both instances see the same");

    let (_, list) = b.get("/api/whatsapp/contacts?limit=200").await;
    assert_eq!(list["total_count"], 12);
    assert_eq!(list["unread_count"], 48);
    for c in list["contacts"].as_array().unwrap() {
        let phone = c["phone_number"].as_str().unwrap();
        let (ts, text) = &want[phone];
        assert_eq!(c["unread_count"], 4, "{c}");
        assert_eq!(c["last_message_preview"], text.as_str(), "{c}");
        let t =
            chrono::DateTime::parse_from_rfc3339(c["last_message_time"].as_str().unwrap()).unwrap();
        assert_eq!(t.timestamp(), *ts, "{c}");
    }
    let outbound = a.all_messages("&direction=outbound").await;
    assert_eq!(outbound.len(), 6);
    for m in &outbound {
        assert_eq!(m["status"], "read", "{m}");
        for t in ["sent_at", "delivered_at", "read_at"] {
            assert!(m[t].is_string(), "{t} recorded: {m}");
        }
    }
}

/// A `wacloud` server process.
pub(crate) struct Server {
    child: tokio::process::Child,
    port: u16,
    pub(crate) log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) async fn start(env: &[(&str, &str)], dir: &std::path::Path) -> Self {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_wacloud"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start wacloud");
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (port_tx, mut port_rx) = tokio::sync::mpsc::unbounded_channel();
        for out in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = Arc::clone(&log);
            let port_tx = port_tx.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(out).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                        let digits: String =
                            rest.chars().take_while(char::is_ascii_digit).collect();
                        let _ = port_tx.send(digits.parse::<u16>().unwrap_or(0));
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let port = tokio::time::timeout(Duration::from_secs(30), port_rx.recv())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("wacloud did not start: {:?}", log.lock().unwrap()));
        Self { child, port, log }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) async fn kill(&mut self) {
        // SIGKILL: no chance to finish anything.
        self.child.start_kill().expect("kill");
        let _ = self.child.wait().await;
    }
}

/// A stand-in for Meta that both servers send to, so every message is counted in one place.
pub(crate) async fn standalone_sandbox(
    pid: &str,
    token: &str,
) -> (Arc<wacloud_sandbox::Sandbox>, u16) {
    let mut cfg = wacloud_sandbox::SandboxConfig::new(
        pid.to_owned(),
        secrecy::SecretString::from(SECRET.to_owned()),
        secrecy::SecretString::from(token.to_owned()),
    );
    cfg.sent_after = Duration::from_millis(50);
    cfg.delivered_after = Duration::from_millis(100);
    cfg.read_after = None;
    let sb = wacloud_sandbox::Sandbox::new(cfg);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sb2 = Arc::clone(&sb);
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new().configure(wacloud_sandbox::configure(Arc::clone(&sb2)))
    })
    .listen(listener)
    .unwrap()
    .disable_signals()
    .workers(2)
    .run();
    tokio::spawn(server);
    (sb, port)
}

/// How many messages each recipient got, counted where Meta would count them.
fn received_per_recipient(sb: &wacloud_sandbox::Sandbox) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for r in sb.received() {
        if r.status == 200 && r.wamid.is_some() {
            if let Some(to) = r.body["to"].as_str() {
                *out.entry(to.to_owned()).or_insert(0) += 1;
            }
        }
    }
    out
}

#[derive(diesel::QueryableByName, Debug)]
struct Leased {
    #[diesel(sql_type = diesel::sql_types::Text)]
    recipient: String,
}

/// Recipients of the items `owner` holds claimed.
fn leased_by(url: &str, owner: &str) -> Vec<String> {
    use diesel::{Connection, RunQueryDsl};
    let mut c = diesel::PgConnection::establish(url).expect("connect");
    diesel::sql_query(
        "SELECT recipient FROM whatsapp_queue WHERE state = 'sending' AND lease_owner = $1",
    )
    .bind::<diesel::sql_types::Text, _>(owner)
    .load::<Leased>(&mut c)
    .expect("leased")
    .into_iter()
    .map(|l| l.recipient)
    .collect()
}

impl Server {
    /// The queue worker's lease owner, from the start-up log.
    async fn queue_owner(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The queue worker's (`worker-…`), not the outbox worker's (`outbox-…`).
            let found = self.log.lock().unwrap().iter().find_map(|l| {
                let rest = l.split("owner=worker-").nth(1)?;
                Some(format!("worker-{}", rest.split_whitespace().next()?))
            });
            if let Some(o) = found {
                return o;
            }
            assert!(
                Instant::now() < deadline,
                "no queue worker in the log: {:?}",
                self.log.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_during_queue_work_leaves_it_to_the_other_and_nobody_gets_a_message_twice(
) {
    if !on_postgres() {
        return;
    }
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let pid = "100000000000001";
    let token = "sandbox-token";
    let (sb, sb_port) = standalone_sandbox(pid, token).await;
    let graph = format!("http://127.0.0.1:{sb_port}/sandbox/graph");
    let env = [
        ("DATABASE_URL", db.url()),
        ("WACLOUD_BIND", "127.0.0.1:0"),
        ("WHATSAPP_API_TOKEN", token),
        ("WHATSAPP_PHONE_NUMBER_ID", pid),
        ("WHATSAPP_APP_SECRET", SECRET),
        ("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "v"),
        ("WHATSAPP_GRAPH_BASE_URL", graph.as_str()),
        ("WACLOUD_QUEUE_WORKERS", "16"),
        ("WACLOUD_QUEUE_LEASE_SECS", "3"),
        // The lease must outlast one Graph call.
        ("WACLOUD_GRAPH_TIMEOUT_MS", "2000"),
        ("WACLOUD_DB_TIMEOUT_MS", "2000"),
    ];
    // Two instances work the same queue; Meta's webhooks (the sandbox's statuses) reach the
    // one that lives, as a load balancer would send them.
    let survivor = Server::start(&env, dir.path()).await;
    let mut doomed = Server::start(&env, dir.path()).await;
    sb.set_webhook_url(survivor.url("/api/whatsapp/webhook"));
    let doomed_owner = doomed.queue_owner().await;
    let http = reqwest::Client::new();
    let recipients: Vec<String> = (0..600).map(|i| format!("+1555200{i:04}")).collect();
    let r = http
        .post(doomed.url("/api/whatsapp/send-bulk"))
        .json(&json!({"recipients": recipients, "message_text": "Your order shipped", "allow_outside_window": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let batch: Value = r.json().await.unwrap();
    assert_eq!(batch["accepted"], 600);
    let batch_id = batch["batch_id"].as_str().unwrap().to_owned();

    // Kill one once both are well into the batch.
    let deadline = Instant::now() + Duration::from_secs(30);
    while received_per_recipient(&sb).len() < 60 {
        assert!(Instant::now() < deadline, "the instances never got going");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    doomed.kill().await;
    let sent_before_kill = received_per_recipient(&sb).len();
    let orphaned = leased_by(db.url(), &doomed_owner);
    assert!(
        sent_before_kill < 600,
        "the kill came after the whole batch: {sent_before_kill}"
    );
    assert!(
        !orphaned.is_empty(),
        "the killed instance held no claimed items"
    );

    // The survivor finishes everything, including what the dead one had claimed once its
    // leases lapse.
    let deadline = Instant::now() + Duration::from_secs(60);
    let summary = loop {
        let s: Value = http
            .get(survivor.url(&format!("/api/whatsapp/batches/{batch_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let open = ["pending", "sending"]
            .iter()
            .map(|k| s["counts"][k].as_i64().unwrap_or(0))
            .sum::<i64>();
        if open == 0 {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the batch never finished: {s}\n{:?}",
            survivor.log.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let got = received_per_recipient(&sb);
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "recipients messaged twice: {twice:?}");
    let (mut sent, mut unknown) = (0, 0);
    for item in summary["items"].as_array().unwrap() {
        let phone = item["phone_number"].as_str().unwrap();
        let at_meta = got.get(phone.trim_start_matches('+')).copied().unwrap_or(0);
        match item["state"].as_str().unwrap() {
            "sent" => {
                sent += 1;
                assert_eq!(at_meta, 1, "a sent item reached its recipient once: {item}");
            }
            // Claimed by the dead instance, which stored the attempt but never handed it to
            // Meta (an attempt Meta accepted is matched by its status webhook and counts as
            // sent): reported, not sent blindly a second time.
            "unknown" => {
                unknown += 1;
                assert!(orphaned.iter().any(|o| o == phone), "{item}");
                assert_eq!(at_meta, 0, "{item}");
            }
            other => panic!("item in state {other}: {item}"),
        }
    }
    assert_eq!(sent + unknown, 600);
    eprintln!(
        "reached Meta before the kill: {sent_before_kill}; claimed by the killed instance: {}; \
         finally sent: {sent}; unknown (never left the killed instance): {unknown}",
        orphaned.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrations_are_safe_when_several_instances_start_at_once() {
    if !on_postgres() {
        return;
    }
    // An empty database: whoever comes first migrates, the others wait and find nothing to do.
    let db = TestDb::postgres_empty().expect("postgres");
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("DATABASE_URL", db.url()),
        ("WACLOUD_BIND", "127.0.0.1:0"),
        ("WACLOUD_DB_TIMEOUT_MS", "5000"),
    ];
    let migrations: Vec<_> = (0..4)
        .map(|_| {
            let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_wacloud"));
            cmd.arg("migrate")
                .env_clear()
                .env("NO_COLOR", "1")
                .current_dir(dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            for (k, v) in env {
                cmd.env(k, v);
            }
            cmd.output()
        })
        .collect();
    let (servers, outputs) = tokio::join!(
        async {
            let mut v = Vec::new();
            for _ in 0..2 {
                v.push(Server::start(&env, dir.path()));
            }
            futures::future::join_all(v).await
        },
        futures::future::join_all(migrations)
    );
    for o in outputs {
        let o = o.expect("run wacloud migrate");
        assert!(
            o.status.success(),
            "wacloud migrate failed: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let http = reqwest::Client::new();
    for s in &servers {
        let h: Value = http
            .get(s.url("/api/whatsapp/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            h["database"],
            json!({"backend": "postgres", "status": "ok"})
        );
    }
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel::{Connection, RunQueryDsl};
    let mut c = diesel::PgConnection::establish(db.url()).unwrap();
    let applied = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut c)
        .unwrap()
        .n;
    let dirs = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/postgres"
    ))
    .unwrap()
    .count();
    assert_eq!(
        applied,
        i64::try_from(dirs).unwrap(),
        "each migration applied once"
    );
}
