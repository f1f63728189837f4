//! Never twice, across crashes: the real `wacloud` binary sends a batch to a sandbox running as
//! a separate process (`wacloud sandbox`, which outlives the server and counts what it got), is
//! killed with SIGKILL several times in the middle, and is started again on the same database.
//! Afterwards every recipient got exactly one message, counted at the sandbox, and every queue
//! item is final.
//!
//! Sends that were on their way when the server died are settled from the status webhooks that
//! carry their id (the sandbox keeps retrying them until the server is back). A request that was
//! marked in flight but never left before the kill produces no status at all; with
//! `WACLOUD_QUEUE_UNKNOWN_AFTER_GRACE=resend` (set here, with a 10 s grace) it is sent once
//! more after the grace period — the default, `hold`, would leave it `unknown` for an operator.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const SECRET: &str = "test-secret";
const TOKEN: &str = "EAAG-fake-token-for-the-crash-test";
const PHONE_NUMBER_ID: &str = "100000000000001";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn base_env(cmd: &mut Command) {
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_API_TOKEN", TOKEN)
        .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
}

fn start_sandbox(port: u16, server: u16, log: &Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wacloud"));
    base_env(&mut cmd);
    cmd.arg("sandbox")
        .env("WACLOUD_SANDBOX_BIND", format!("127.0.0.1:{port}"))
        .env(
            "WACLOUD_SANDBOX_WEBHOOK_URL",
            format!("http://127.0.0.1:{server}/api/whatsapp/webhook"),
        )
        .env("WACLOUD_SANDBOX_LATENCY_MS", "150")
        .env("WACLOUD_SANDBOX_MESSAGES_PER_SECOND", "80")
        // Statuses come after the lease runs out, so sends cut off by a kill become `unknown`
        // first and are settled by their status afterwards.
        .env("WACLOUD_SANDBOX_STATUS_DELAY_MS", "4000")
        .args(["--webhook-attempts", "40", "--no-read"])
        .stderr(std::fs::File::create(log).unwrap());
    cmd.spawn().expect("start the sandbox")
}

fn start_server(port: u16, sandbox: u16, db: &Path, log: &Path) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wacloud"));
    base_env(&mut cmd);
    let errors = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    cmd.env("DATABASE_URL", db)
        .env("WACLOUD_BIND", format!("127.0.0.1:{port}"))
        .env("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "verify")
        .env(
            "WHATSAPP_GRAPH_BASE_URL",
            format!("http://127.0.0.1:{sandbox}/sandbox/graph"),
        )
        .env("WACLOUD_MESSAGES_PER_SECOND", "80")
        .env("WACLOUD_GRAPH_TIMEOUT_MS", "2000")
        .env("WACLOUD_QUEUE_LEASE_SECS", "3")
        .env("WACLOUD_QUEUE_UNKNOWN_GRACE_SECS", "10")
        .env("WACLOUD_QUEUE_UNKNOWN_AFTER_GRACE", "resend")
        .stderr(errors);
    cmd.spawn().expect("start the server")
}

async fn wait_up(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if http
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        assert!(Instant::now() < deadline, "{url} did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get(http: &reqwest::Client, url: &str) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_batch_loses_nothing_and_sends_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wacloud.db");
    let server_log = dir.path().join("server.log");
    let (sp, pp) = (free_port(), free_port());
    let http = reqwest::Client::new();
    let mut sandbox = start_sandbox(sp, pp, &dir.path().join("sandbox.log"));
    let api = format!("http://127.0.0.1:{pp}/api/whatsapp");
    let sb = format!("http://127.0.0.1:{sp}/sandbox");
    let mut server = start_server(pp, sp, &db, &server_log);
    wait_up(&http, &format!("{sb}/control")).await;
    wait_up(&http, &format!("{api}/health")).await;

    const N: usize = 600;
    let recipients: Vec<String> = (0..N).map(|i| format!("+1555200{i:04}")).collect();
    let r = http
        .post(format!("{api}/send-bulk"))
        .json(&json!({"recipients": recipients, "type": "template",
                      "template": {"name": "hello_world", "language": "en_US"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let batch: Value = r.json().await.unwrap();
    let id = batch["batch_id"].as_str().unwrap().to_owned();

    // Kill it four times while it sends, each time at a different point, and restart at once.
    for (round, after_ms) in [1300_u64, 1700, 1100, 1900].into_iter().enumerate() {
        tokio::time::sleep(Duration::from_millis(after_ms)).await;
        server.kill().expect("SIGKILL");
        server.wait().unwrap();
        let accepted = get(&http, &format!("{sb}/counts")).await["accepted"].clone();
        eprintln!("kill {}: sandbox had accepted {accepted}", round + 1);
        server = start_server(pp, sp, &db, &server_log);
        wait_up(&http, &format!("{api}/health")).await;
    }

    // Let it finish: every item final (unknown ones are settled by their status, or resent
    // after the grace period if their request never left).
    let deadline = Instant::now() + Duration::from_secs(120);
    let summary = loop {
        let b = get(&http, &format!("{api}/batches/{id}?limit={N}")).await;
        if b["done"] == true {
            break b;
        }
        assert!(
            Instant::now() < deadline,
            "batch not done: {}\n{}",
            b["counts"],
            std::fs::read_to_string(&server_log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Statuses still in flight must not change the count: wait a little and count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = get(&http, &format!("{sb}/counts")).await;
    server.kill().ok();
    sandbox.kill().ok();
    let _ = server.wait();
    let _ = sandbox.wait();

    let per = counts["per_recipient"].as_object().unwrap();
    let twice: Vec<_> = per.iter().filter(|(_, n)| n.as_u64() != Some(1)).collect();
    assert!(
        twice.is_empty(),
        "recipients not sent exactly once: {twice:?}"
    );
    assert_eq!(
        per.len(),
        N,
        "every recipient got its message: {}",
        counts["accepted"]
    );
    assert_eq!(counts["accepted"], N);
    assert!(
        counts["refused"].as_object().unwrap().is_empty(),
        "{}",
        counts["refused"]
    );

    let items = summary["items"].as_array().unwrap();
    assert_eq!(items.len(), N);
    for i in items {
        assert_eq!(i["state"], "sent", "{i}");
        assert!(i["finished_at"].is_string(), "{i}");
    }
    let reconciled = items
        .iter()
        .filter(|i| {
            i["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("answer was lost"))
        })
        .count();
    let resent = items
        .iter()
        .filter(|i| i["attempts"].as_i64().unwrap_or(0) > 1)
        .count();
    eprintln!(
        "{N} recipients, one message each; {reconciled} items settled from status webhooks after a kill, {resent} sent again after the grace period"
    );
    assert!(
        reconciled > 0,
        "the kills cut off sends in flight, settled from their statuses"
    );
    let log = std::fs::read_to_string(&server_log).unwrap_or_default();
    assert!(!log.contains(TOKEN), "the token never reaches the log");
}
