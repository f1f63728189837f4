//! What a client acting against the server (or a page in someone's browser) cannot do: hold a
//! webhook body open forever, open event streams without end, write across sites, send an
//! oversized template to Graph, get an empty answer for an over-long URL, or fill the log during
//! an outage; and the API key does not lock the server out of its own sandbox.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::app::{TestApp, PHONE_NUMBER_ID};
use crate::bodies::inbound_text;
use crate::events::Events;

/// Reads one HTTP/1.1 answer from `tcp` (head and a `Content-Length` body) as text, or what
/// came before the connection closed or `within` ran out.
pub(crate) async fn read_answer(tcp: &mut TcpStream, within: Duration) -> String {
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return text;
            }
        }
        match tokio::time::timeout_at(deadline, tcp.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return String::from_utf8_lossy(&buf).into_owned(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_webhook_body_is_answered_408_within_the_timeout() {
    let app = TestApp::builder()
        .with(|s| s.http.body_timeout = Duration::from_millis(500))
        .spawn()
        .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    // Declares the largest body the webhook takes, sends a few bytes of it, then nothing.
    let head = format!(
        "POST /api/whatsapp/webhook HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: {}\r\n\r\n{{\"object\":",
        3 * 1024 * 1024
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let answer = read_answer(&mut tcp, Duration::from_secs(10)).await;
    let took = started.elapsed();
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "after {took:?}: {answer:?}"
    );
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "request_timeout", "{body}");
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "answered after {took:?}, the timeout is 500 ms"
    );
    // The server goes on answering, and a delivery sent in time is taken.
    let (status, _) = app
        .deliver(&inbound_text(
            PHONE_NUMBER_ID,
            "15550000079",
            "wamid.ab1",
            1_730_000_000,
            "in time",
            "T",
        ))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_streams_are_capped_and_a_closed_one_frees_its_place() {
    let app = TestApp::builder()
        .with(|s| s.http.events_max_clients = 2)
        .spawn()
        .await;
    let first = app.events().await;
    let _second = app.events().await;
    let r = app
        .http
        .get(app.url("/api/whatsapp/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().get("retry-after").is_some(), "{r:?}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_event_streams", "{body}");
    let (_, h) = app.get("/api/whatsapp/health").await;
    assert_eq!(h["event_streams"], json!({"clients": 2, "max": 2}), "{h}");

    drop(first);
    // The server notices a closed client when it next writes to it: commits make it write.
    let n = AtomicU32::new(0);
    let r = app
        .wait_for(
            30,
            "the closed stream's place to be given again",
            || async {
                let i = n.fetch_add(1, Ordering::Relaxed);
                app.deliver(&inbound_text(
                    PHONE_NUMBER_ID,
                    "15550000078",
                    &format!("wamid.ab-ev{i}"),
                    1_730_000_000 + i64::from(i),
                    "wake",
                    "W",
                ))
                .await;
                let r = app
                    .http
                    .get(app.url("/api/whatsapp/events"))
                    .send()
                    .await
                    .unwrap();
                (r.status() == 200).then_some(r)
            },
        )
        .await;
    let mut third = Events::new(r);
    let (name, _) = third.next(Duration::from_secs(10)).await.expect("ready");
    assert_eq!(name, "ready");
}

/// `POST /contacts/{phone}/read` as a page would send it without a preflight: `text/plain`,
/// with `origin` (None: as curl sends it).
async fn mark_read(app: &TestApp, phone: &str, origin: Option<&str>) -> (u16, Value) {
    let mut req = app
        .http
        .post(app.url(&format!("/api/whatsapp/contacts/{phone}/read")))
        .header("content-type", "text/plain")
        .body("{}");
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn unread(app: &TestApp, phone: &str) -> Value {
    let (_, c) = app
        .get(&format!("/api/whatsapp/contacts?search={phone}"))
        .await;
    c["contacts"][0]["unread_count"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_write_is_refused_and_changes_nothing() {
    let allowed = "https://widget.example";
    let app = TestApp::builder()
        .with(|s| s.http.cors_origins = vec![allowed.to_owned()])
        .spawn()
        .await;
    let phone = "15550000077";
    let ts = chrono::Utc::now().timestamp();
    for i in 0..3 {
        let w = format!("wamid.ab-cs{i}");
        let body = inbound_text(PHONE_NUMBER_ID, phone, &w, ts + i, "hello", "C");
        assert_eq!(app.deliver(&body).await.0, 200);
    }
    assert_eq!(unread(&app, phone).await, 3);

    let (status, e) = mark_read(&app, phone, Some("https://evil.example")).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (403, Some("cross_site_request")),
        "{e}"
    );
    let r = app
        .http
        .post(app.url(&format!("/api/whatsapp/contacts/{phone}/read")))
        .header("content-type", "text/plain")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .http
        .post(app.url("/sandbox/control"))
        .header("origin", "https://evil.example")
        .header("content-type", "text/plain")
        .body(r#"{"token_valid": false}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(unread(&app, phone).await, 3, "nothing was marked read");
    assert_eq!(app.get("/sandbox/control").await.1["token_valid"], true);
    let (_, sent) = app.get("/sandbox/sent").await;
    assert_eq!(sent["requests"], json!([]), "no read receipt went out");

    // The widget embedded on an allowed origin, the bundled dashboard (same origin) and
    // programs (no Origin) keep working.
    let (status, v) = mark_read(&app, phone, Some(allowed)).await;
    assert_eq!((status, v["marked_read"].as_u64()), (200, Some(3)), "{v}");
    let (status, v) = mark_read(&app, phone, Some(&app.base)).await;
    assert_eq!(status, 200, "{v}");
    let r = app
        .http
        .post(app.url(&format!("/api/whatsapp/contacts/{phone}/read")))
        .header("origin", &app.base)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, v) = mark_read(&app, phone, None).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(unread(&app, phone).await, 0);
    // Meta's webhook is not a browser's: it is taken whatever it says.
    let body = inbound_text(PHONE_NUMBER_ID, phone, "wamid.ab-cs9", ts + 9, "again", "C");
    let bytes = serde_json::to_vec(&body).unwrap();
    let r = app
        .http
        .post(app.url("/api/whatsapp/webhook"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            wacloud_graph::webhook::sign(&bytes, &app.secret),
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_api_key_sandbox_mode_still_sends() {
    let key = "k-789";
    let mut app = TestApp::builder()
        .with(|s| s.http.api_key = Some(key.into()))
        .spawn()
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-api-key", key.parse().unwrap());
    app.http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let app = app;
    let (status, v) = app
        .post_json(
            "/sandbox/customers/%2B15550000076/messages",
            &json!({"text": "hello?"}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    app.wait_for(10, "the customer's message", || async {
        (app.conversation("+15550000076").await.len() == 1).then_some(())
    })
    .await;
    let (status, v) = app
        .send(&json!({"phone_number": "+15550000076", "message_text": "hello back"}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["message_id"]
            .as_str()
            .is_some_and(|w| w.starts_with("wamid.")),
        "{v}"
    );
    // The sandbox's controls still need the key.
    let r = reqwest::Client::new()
        .get(app.url("/sandbox/sent"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_template_is_refused_400_before_graph() {
    let app = TestApp::spawn().await;
    let template = |body_parameters: Vec<String>| {
        json!({"phone_number": "+15550000075", "type": "template",
               "template": {"name": "hello_world", "language": "en_US",
                            "body_parameters": body_parameters}})
    };
    let (status, e) = app.send(&template(vec!["x".to_owned(); 50_000])).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("too_many_template_parameters")),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap_or("").contains("100"),
        "names the limit: {e}"
    );
    let (status, e) = app.send(&template(vec!["y".repeat(1025)])).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("template_parameter_too_long")),
        "{e}"
    );
    let (status, e) = app.send(&template(vec!["z".repeat(1000); 40])).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("template_parameter_too_long")),
        "{e}"
    );
    let (status, e) = app
        .send_bulk(&json!({"recipients": ["+15550000075"], "type": "template",
            "template": {"name": "hello_world", "language": "en_US",
                         "body_parameters": vec!["x"; 101]}}))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("too_many_template_parameters")),
        "{e}"
    );
    let (_, sent) = app.get("/sandbox/sent").await;
    assert_eq!(sent["requests"], json!([]), "nothing went to Graph");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_url_is_answered_414_with_the_json_error() {
    let app = TestApp::spawn().await;
    let long = format!("/api/whatsapp/contacts?search={}", "a".repeat(16 * 1024));
    let r = app.http.get(app.url(&long)).send().await.unwrap();
    assert_eq!(r.status(), 414);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "uri_too_long", "{body}");
    assert_eq!(body["error"]["limit_bytes"], 8192, "{body}");
    // Not only the API: whatever path, before routing.
    let r = app
        .http
        .get(app.url(&format!("/{}", "b".repeat(9000))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 414);
    // A URL of 100 KB is past what actix-http parses (65,534 bytes; reqwest will not even send
    // it): actix answers it itself, an empty 400, before any code of ours runs. The server goes
    // on answering.
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "GET /api/whatsapp/contacts?search={} HTTP/1.1\r\nHost: {addr}\r\n\r\n",
        "c".repeat(100 * 1024)
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut tcp, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer:?}");
    let (status, _) = app.get("/api/whatsapp/contacts?search=a").await;
    assert_eq!(status, 200);
}

/// Log lines the server writes, as text.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_writes_one_warning_per_interval_not_one_per_request() {
    // nextest runs each test in a process of its own: the subscriber sees this server only.
    let logs = Captured::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .expect("no other subscriber in this process");
    let app = TestApp::spawn().await;
    app.store.shutdown();
    for i in 0..200 {
        let body = inbound_text(
            PHONE_NUMBER_ID,
            "15550000074",
            &format!("wamid.ab-down{i}"),
            1_730_000_000 + i,
            "hi",
            "D",
        );
        let (status, e) = app.deliver(&body).await;
        assert_eq!(status, 503, "{e}");
        assert_eq!(e["error"]["code"], "database_unavailable", "{e}");
        let (status, _) = app.post_webhook_raw(b"{}", Some("sha256=00")).await;
        assert_eq!(status, 401);
    }
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    let count = |what: &str| text.lines().filter(|l| l.contains(what)).count();
    // One line per 10 s interval: 200 requests take far less than 30 s. (The background tasks —
    // queue, retention, pacing — each say it once more, in lines of their own.)
    assert!(
        (1..=3).contains(&count("wacloud::errors: database unavailable")),
        "{text}"
    );
    assert!((1..=3).contains(&count("bad signature")), "{text}");
    let warnings = text.lines().filter(|l| l.contains("WARN")).count();
    assert!(warnings <= 10, "{warnings} warning lines:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_liveness_without_the_key_and_details_only_with_it() {
    let app = TestApp::builder()
        .with(|s| s.http.api_key = Some("k-live".into()))
        .spawn()
        .await;
    let (status, bare) = app.get("/api/whatsapp/health").await;
    assert_eq!(status, 200, "a load balancer needs no key: {bare}");
    assert_eq!(bare, json!({ "status": "ok" }), "nothing about the set-up");
    let r = app
        .http
        .get(app.url("/api/whatsapp/health"))
        .header("x-api-key", "k-live")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let full: Value = r.json().await.unwrap();
    assert_eq!(full["mode"], "sandbox", "details with the key: {full}");
    assert!(full["database"]["backend"].is_string());
    let (status, _) = app.get("/api/whatsapp/stats").await;
    assert_eq!(status, 401, "the rest of the API still needs the key");
    let r = app
        .http
        .post(app.url("/api/whatsapp/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "only GET is open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_raises_its_open_files_limit_to_the_hard_one_and_reports_it() {
    let Ok((_, hard)) = rlimit::getrlimit(rlimit::Resource::NOFILE) else {
        eprintln!("skipped: the open-files limit cannot be read here");
        return;
    };
    if hard <= 256 {
        eprintln!("skipped: the hard open-files limit ({hard}) leaves nothing to raise");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    // Started with a soft limit of 256, as many systems set it.
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -Sn 256 && exec \"$0\"")
        .arg(env!("CARGO_BIN_EXE_wacloud"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", dir.path().join("fd.db"))
        .env("WACLOUD_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/whatsapp/health");
    let deadline = Instant::now() + Duration::from_secs(30);
    let health: Value = loop {
        if let Ok(r) = http.get(&url).send().await {
            if r.status().is_success() {
                break r.json().await.unwrap();
            }
        }
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        health["open_files_limit"],
        json!(hard),
        "raised from 256 to the hard limit: {health}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_api_body_is_answered_408_too() {
    let app = TestApp::builder()
        .with(|s| s.http.body_timeout = Duration::from_millis(500))
        .spawn()
        .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut tcp = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/whatsapp/send HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"phone_number\":"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let answer = read_answer(&mut tcp, Duration::from_secs(10)).await;
    let took = started.elapsed();
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "after {took:?}: {answer:?}"
    );
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "request_timeout", "{body}");
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    let (status, _) = app.get("/api/whatsapp/health").await;
    assert_eq!(status, 200, "the server goes on answering");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_actix_refuses_by_itself_is_answered_in_json() {
    let app = TestApp::spawn().await;
    // A body over the raw-body limit of an endpoint that reads it whole (actix's extractor).
    let r = app
        .http
        .post(app.url("/api/whatsapp/queue/q1/retry"))
        .header("content-type", "application/json")
        .body(vec![b' '; 300 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "payload_too_large", "{e}");
    // A method the dashboard's files do not take.
    let r = app
        .http
        .delete(app.url("/dashboard.html"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let e: Value = r.json().await.unwrap();
    assert!(e["error"]["code"].is_string(), "{e}");
}
