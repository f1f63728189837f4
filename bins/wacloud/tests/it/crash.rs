//! Crash safety of webhook ingestion: the real server process is killed with SIGKILL several
//! times under a load of signed deliveries and restarted on the same database. Every delivery
//! that got a 200 must then be stored exactly once, with its message; deliveries that got no
//! answer are retried, as Meta retries them, and must not be duplicated either.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::{json, Value};

const SECRET: &str = "test-secret";
const PID: &str = "100000000000001";

/// The real server binary on `database` at `port`, signing with [`SECRET`], with only these
/// settings and `extra`: a process of its own, for tests that kill it.
pub(crate) fn start_server(
    database: impl AsRef<std::ffi::OsStr>,
    port: u16,
    extra: &[(&str, &str)],
) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wacloud"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database)
        .env("WACLOUD_BIND", format!("127.0.0.1:{port}"))
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("RUST_LOG", "error")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wacloud")
}

fn start(db: &std::path::Path, port: u16) -> Child {
    // Defer effects for all but the smallest batches, so that kills also land between a
    // delivery's commit and its effects: the restarted server must apply them once.
    start_server(db, port, &[("WACLOUD_INGEST_INLINE_LIMIT", "2")])
}

async fn wait_up(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{base}/api/whatsapp/health")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not come back");
}

fn delivery(i: usize) -> (String, Vec<u8>) {
    let wamid = format!("wamid.crash.{i}");
    let from = format!("1555001{:04}", i % 500);
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": PID},
        "contacts": [{"profile": {"name": format!("C{i}")}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": (1_730_000_000 + i).to_string(), "type": "text", "text": {"body": format!("crash test {i}")}}]
    }}]}]});
    (wamid, serde_json::to_vec(&body).expect("json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_deliveries_survive_sigkill_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("crash.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let secret = SecretString::from(SECRET.to_owned());
    let mut child = start(&db, port);
    wait_up(&http, &base).await;

    let total = 3000;
    let acked: Arc<Mutex<HashSet<usize>>> = Arc::default();
    let next = Arc::new(Mutex::new(0_usize));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (http, base, secret) = (http.clone(), base.clone(), secret.clone());
        let (acked, next, stop) = (acked.clone(), next.clone(), stop.clone());
        senders.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let i = {
                    let mut n = next.lock().expect("lock");
                    if *n >= total {
                        break;
                    }
                    *n += 1;
                    *n - 1
                };
                let (_, body) = delivery(i);
                let sig = wacloud_graph::webhook::sign(&body, &secret);
                let ok = http
                    .post(format!("{base}/api/whatsapp/webhook"))
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", sig)
                    .body(body)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    acked.lock().expect("lock").insert(i);
                }
            }
        }));
    }
    // Kill the server four times while the load runs, restarting it on the same database.
    let mut kills = 0;
    while kills < 4 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        kills += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
        child = start(&db, port);
        wait_up(&http, &base).await;
    }
    for s in senders {
        let _ = s.await;
    }
    let acked_now: HashSet<usize> = acked.lock().expect("lock").clone();
    assert!(
        acked_now.len() > 500,
        "the load ran: {} acknowledged",
        acked_now.len()
    );
    assert!(
        acked_now.len() < total,
        "some deliveries hit a dead server: the kills landed"
    );

    // Meta retries what got no 200; so do we, until everything is acknowledged.
    let mut retried = 0;
    for i in (0..total).filter(|i| !acked_now.contains(i)) {
        let (_, body) = delivery(i);
        let sig = wacloud_graph::webhook::sign(&body, &secret);
        let r = http
            .post(format!("{base}/api/whatsapp/webhook"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sig)
            .body(body)
            .send()
            .await
            .expect("retry");
        assert!(r.status().is_success());
        retried += 1;
    }
    assert!(retried > 0);

    // Exactly once: every delivery stored once, every message once, nothing else.
    let stats: Value = http
        .get(format!("{base}/api/whatsapp/stats"))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    assert_eq!(stats["webhooks"]["total"], total, "{stats}");
    assert_eq!(stats["webhooks"]["processed"], total, "{stats}");
    assert_eq!(stats["received_messages"], total, "{stats}");
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut before: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/whatsapp/messages?limit=200");
        if let Some(b) = &before {
            url.push_str(&format!("&before={b}"));
        }
        let page: Value = http
            .get(url)
            .send()
            .await
            .expect("page")
            .json()
            .await
            .expect("json");
        for m in page["messages"].as_array().into_iter().flatten() {
            *seen
                .entry(m["message_id"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => before = Some(c.to_owned()),
            None => break,
        }
    }
    for i in 0..total {
        let (w, _) = delivery(i);
        assert_eq!(
            seen.get(&w),
            Some(&1),
            "{w} stored {:?} times",
            seen.get(&w)
        );
    }
    let unread: i64 = stats["unread_messages"].as_i64().unwrap_or(-1);
    assert_eq!(unread, total as i64, "every message unread once");
    let contacts: Value = http
        .get(format!("{base}/api/whatsapp/contacts?limit=1"))
        .send()
        .await
        .expect("contacts")
        .json()
        .await
        .expect("json");
    assert_eq!(
        contacts["unread_count"], total,
        "one unread increment per message on the contacts"
    );
    assert_eq!(contacts["total_count"], 500);
    child.kill().expect("kill");
    let _ = child.wait();
}
