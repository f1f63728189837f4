//! Test harness: the real server on port 0 with a fresh database of its own and the embedded
//! sandbox, talked to over HTTP.
//!
//! The backend is the one `WACLOUD_TEST_BACKEND` names (`sqlite`, the default, or `postgres`
//! with `WACLOUD_TEST_POSTGRES_URL`; see `wacloud_store::testdb`): `.ci/run` runs these tests
//! once on each.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::Value;
use wacloud::{Application, Settings};
use wacloud_store::testdb::TestDb;

/// The App Secret tests sign with (FAULTS.md: `test-secret`).
pub const SECRET: &str = "test-secret";
/// The verify token tests use.
pub const VERIFY_TOKEN: &str = "test-verify-token";
/// The business number id in tests (the sandbox's default).
pub const PHONE_NUMBER_ID: &str = "100000000000001";

/// A running server.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub handle: actix_web::dev::ServerHandle,
    pub secret: SecretString,
    pub phone_number_id: String,
    /// The test's database (removed when the app is dropped), unless another app owns it.
    pub db: Option<TestDb>,
    /// The database URL.
    pub database_url: String,
    /// The server's store (e.g. to shut it down and see the server answer 503).
    pub store: wacloud_store::DbStore,
}

/// Starts a sandbox-mode server with test settings plus `extra` (NAME, value) pairs, on a
/// fresh database.
pub async fn spawn(extra: &[(&str, &str)]) -> TestApp {
    spawn_on(TestDb::new(), extra).await
}

/// Starts a sandbox-mode server on `db`.
pub async fn spawn_on(db: TestDb, extra: &[(&str, &str)]) -> TestApp {
    let url = db.url().to_owned();
    let mut app = spawn_url(&url, extra).await;
    app.db = Some(db);
    app
}

/// Starts a sandbox-mode server on the database at `url`, which another [`TestApp`] (or the
/// caller) owns: several instances on one database.
pub async fn spawn_url(url: &str, extra: &[(&str, &str)]) -> TestApp {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("DATABASE_URL", url),
        ("WACLOUD_BIND", "127.0.0.1:0"),
        ("WHATSAPP_APP_SECRET", SECRET),
        ("WHATSAPP_WEBHOOK_VERIFY_TOKEN", VERIFY_TOKEN),
        ("WACLOUD_SANDBOX_STATUS_DELAY_MS", "30"),
        // A read still waiting for a connection when a test drops its database holds the
        // test's runtime that long.
        ("WACLOUD_DB_TIMEOUT_MS", "2000"),
    ];
    for (k, v) in extra {
        pairs.retain(|(pk, _)| pk != k);
        pairs.push((k, v));
    }
    let settings = Settings::from_pairs(pairs.iter().copied()).expect("settings");
    let secret = settings.meta.app_secrets[0].clone();
    let phone_number_id = settings.meta.phone_number_id.clone().unwrap_or_default();
    let app = Application::build(settings).expect("app builds");
    let port = app.port();
    let handle = app.handle();
    let store = app.store();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        http: reqwest::Client::new(),
        handle,
        secret,
        phone_number_id,
        db: None,
        database_url: url.to_owned(),
        store,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn put_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .put(self.url(path))
            .json(body)
            .send()
            .await
            .expect("PUT");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Posts raw bytes to the webhook with the given signature header (None: no header).
    pub async fn post_webhook_raw(&self, body: &[u8], signature: Option<&str>) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.url("/api/whatsapp/webhook"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        let r = req.send().await.expect("POST webhook");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Signs `body` with the test secret and posts it.
    pub async fn post_webhook(&self, body: &[u8]) -> (u16, Value) {
        let sig = wacloud_graph::webhook::sign(body, &self.secret);
        self.post_webhook_raw(body, Some(&sig)).await
    }

    /// Signs and posts a JSON value (compact).
    pub async fn post_webhook_json(&self, v: &Value) -> (u16, Value) {
        self.post_webhook(&serde_json::to_vec(v).expect("json"))
            .await
    }

    /// Signs and posts `body` as Meta does: again after a 5xx (Meta retries), until it is
    /// answered; returns the final status and answer.
    pub async fn post_webhook_as_meta(&self, body: &[u8]) -> (u16, Value) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let sig = wacloud_graph::webhook::sign(body, &self.secret);
            let mut req = self
                .http
                .post(self.url("/api/whatsapp/webhook"))
                .header("content-type", "application/json")
                .header("x-hub-signature-256", sig)
                .body(body.to_vec());
            req = req.timeout(Duration::from_secs(30));
            let (status, v) = match req.send().await {
                Ok(r) => {
                    let s = r.status().as_u16();
                    (s, r.json().await.unwrap_or(Value::Null))
                }
                Err(_) => (599, Value::Null),
            };
            if status < 500 || Instant::now() > deadline {
                return (status, v);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Opens `GET /api/whatsapp/events` and waits for its `ready` event.
    pub async fn events(&self) -> Events {
        let r = self
            .http
            .get(self.url("/api/whatsapp/events"))
            .send()
            .await
            .expect("GET /events");
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/event-stream")
        );
        let mut ev = Events {
            stream: Box::pin(r.bytes_stream()),
            buf: String::new(),
        };
        let (name, _) = ev.next(Duration::from_secs(10)).await.expect("ready");
        assert_eq!(name, "ready");
        ev
    }

    pub async fn stats(&self) -> Value {
        self.get("/api/whatsapp/stats").await.1
    }

    /// Changes the embedded sandbox's run-time settings (`POST /sandbox/control`).
    pub async fn sandbox(&self, patch: Value) -> Value {
        let (status, v) = self.post_json("/sandbox/control", &patch).await;
        assert_eq!(status, 200, "sandbox control: {v}");
        v
    }

    /// What the embedded sandbox counted (`GET /sandbox/counts`).
    pub async fn counts(&self) -> Value {
        self.get("/sandbox/counts").await.1
    }

    /// Stops the server and hands back its database (to start another server on it).
    pub async fn stop(mut self) -> TestDb {
        self.handle.stop(true).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.db.take().expect("this app owns its database")
    }

    /// Every message the history API returns, following the cursor.
    pub async fn all_messages(&self, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let mut path = format!("/api/whatsapp/messages?limit=200{query}");
            if let Some(b) = &before {
                path.push_str(&format!("&before={b}"));
            }
            let (status, page) = self.get(&path).await;
            assert_eq!(status, 200, "{page}");
            out.extend(page["messages"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) => before = Some(c.to_owned()),
                None => break,
            }
        }
        out
    }

    /// Polls `f` until it returns Some, or panics after `secs`.
    pub async fn wait_for<T, F, Fut>(&self, secs: u64, what: &str, mut f: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = f().await {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `../shared/fixtures/meta`, or None (with a printed reason) when that folder is absent.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/meta");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: fixtures folder {} is absent (it lives beside the repository in ../shared)",
            dir.display()
        );
        None
    }
}

/// Every JSON object at any depth of `v` that is a webhook body
/// (`"object": "whatsapp_business_account"` with an `entry` array).
pub fn webhook_bodies(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if m.get("object").and_then(Value::as_str) == Some("whatsapp_business_account")
                && m.get("entry").is_some_and(Value::is_array)
            {
                out.push(v.clone());
                return;
            }
            for x in m.values() {
                webhook_bodies(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| webhook_bodies(x, out)),
        _ => {}
    }
}

/// Every `.json` file under `dir`, sorted.
pub fn json_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Sets every `metadata.phone_number_id` in a webhook body to `pid`.
pub fn retarget(body: &mut Value, pid: &str) {
    if let Some(entries) = body.get_mut("entry").and_then(Value::as_array_mut) {
        for e in entries {
            if let Some(changes) = e.get_mut("changes").and_then(Value::as_array_mut) {
                for c in changes {
                    if let Some(md) = c.pointer_mut("/value/metadata") {
                        if md.is_object() {
                            md["phone_number_id"] = Value::String(pid.to_owned());
                        }
                    }
                }
            }
        }
    }
}

/// A minimal signed-delivery builder for inbound text.
pub fn inbound_text(pid: &str, from: &str, wamid: &str, ts: i64, text: &str, name: &str) -> Value {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": ts.to_string(), "type": "text", "text": {"body": text}}]
        }}]}]
    })
}

/// A signed-delivery builder for one status.
pub fn status_body(pid: &str, wamid: &str, status: &str, ts: i64, recipient: &str) -> Value {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
            "statuses": [{"id": wamid, "status": status, "timestamp": ts.to_string(), "recipient_id": recipient}]
        }}]}]
    })
}

/// A server-sent event stream being read.
pub struct Events {
    stream: std::pin::Pin<
        Box<dyn futures::Stream<Item = reqwest::Result<actix_web::web::Bytes>> + Send>,
    >,
    buf: String,
}

impl Events {
    /// The next event as (name, data), skipping comments; None when the stream ends or
    /// nothing comes within `within`.
    pub async fn next(&mut self, within: Duration) -> Option<(String, String)> {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        name = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                if block
                    .lines()
                    .all(|l| l.starts_with(':') || l.starts_with("retry:") || l.is_empty())
                {
                    continue;
                }
                return Some((name, data));
            }
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// Reads `change` events until `pred` holds for the union of what they carried.
    pub async fn until_change(
        &mut self,
        within: Duration,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        let mut seen = serde_json::json!({"messages": [], "statuses": [], "contacts": []});
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (name, data) = self
                .next(left)
                .await
                .unwrap_or_else(|| panic!("no matching change event; saw {seen}"));
            if name != "change" {
                continue;
            }
            let v: Value = serde_json::from_str(&data).expect("change is JSON");
            for k in ["messages", "statuses", "contacts"] {
                if let Some(ids) = v[k].as_array() {
                    seen[k]
                        .as_array_mut()
                        .expect("array")
                        .extend(ids.iter().cloned());
                }
            }
            if pred(&seen) {
                return seen;
            }
        }
    }
}
