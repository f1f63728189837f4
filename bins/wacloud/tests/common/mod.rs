//! Test harness: the real server on port 0 with a temporary SQLite database and the embedded
//! sandbox, talked to over HTTP.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::Value;
use wacloud::{Application, Settings};

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
    _dir: tempfile::TempDir,
    pub db_path: PathBuf,
}

/// Starts a sandbox-mode server with test settings plus `extra` (NAME, value) pairs.
pub async fn spawn(extra: &[(&str, &str)]) -> TestApp {
    spawn_in(tempfile::tempdir().expect("tempdir"), extra).await
}

/// As [`spawn`], with the database in `dir` (to start a second server on the same database).
pub async fn spawn_in(dir: tempfile::TempDir, extra: &[(&str, &str)]) -> TestApp {
    let db_path = dir.path().join("wacloud.db");
    let db = db_path.to_string_lossy().to_string();
    let mut pairs: Vec<(&str, &str)> = vec![
        ("DATABASE_URL", db.as_str()),
        ("WACLOUD_BIND", "127.0.0.1:0"),
        ("WHATSAPP_APP_SECRET", SECRET),
        ("WHATSAPP_WEBHOOK_VERIFY_TOKEN", VERIFY_TOKEN),
        ("WACLOUD_SANDBOX_STATUS_DELAY_MS", "30"),
    ];
    for (k, v) in extra {
        pairs.retain(|(pk, _)| pk != k);
        pairs.push((k, v));
    }
    let settings = Settings::from_pairs(pairs.iter().copied()).expect("settings");
    let secret = settings.app_secrets[0].clone();
    let phone_number_id = settings.phone_number_id.clone().unwrap_or_default();
    let app = Application::build(settings).expect("app builds");
    let port = app.port();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        http: reqwest::Client::new(),
        handle,
        secret,
        phone_number_id,
        _dir: dir,
        db_path,
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

    /// Stops the server and hands back its database folder.
    pub async fn stop(self) -> tempfile::TempDir {
        self.handle.stop(true).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        self._dir
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
