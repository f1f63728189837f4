//! Shared pieces of wacloud's load tools: starting the real server as a process, and realistic
//! signed webhook deliveries.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{json, Value};

/// The business number id the sandbox-mode server answers for.
pub const PHONE_NUMBER_ID: &str = "100000000000001";

/// A `wacloud` server process on a temporary database; killed on drop.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:port`.
    pub base: String,
    _dir: tempfile::TempDir,
}

/// A free loopback port.
///
/// # Panics
/// When no port can be bound.
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The `wacloud` binary next to this one (same target profile), or `WACLOUD_BIN`.
#[must_use]
pub fn default_server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("WACLOUD_BIN") {
        return PathBuf::from(p);
    }
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("wacloud")))
        .unwrap_or_else(|| PathBuf::from("target/release/wacloud"))
}

impl ServerProcess {
    /// Starts `binary` in sandbox mode with `secret` as App Secret and `env` on top, and waits
    /// until `/health` answers.
    ///
    /// # Panics
    /// When the server cannot be started or does not answer within 30 s.
    pub fn start(binary: &Path, secret: &str, env: &[(&str, String)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", dir.path().join("wacloud.db"))
            .env("WACLOUD_BIND", format!("127.0.0.1:{port}"))
            .env("WHATSAPP_APP_SECRET", secret)
            .env("RUST_LOG", "warn")
            // Benchmarks subscribe receivers on loopback (`ingest-bench --subscribe`).
            .env("WACLOUD_WEBHOOK_ALLOW_PRIVATE", "true")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            base,
            _dir: dir,
        }
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds realistic deliveries: inbound texts from a pool of customers and status callbacks
/// (`sent`, `delivered`, `read`) for outbound messages, `events` per delivery.
#[derive(Debug)]
pub struct DeliveryFactory {
    seq: u64,
    prefix: String,
    customers: u64,
}

impl DeliveryFactory {
    /// A factory whose ids start with `prefix` (unique per run and worker).
    #[must_use]
    pub fn new(prefix: impl Into<String>, customers: u64) -> Self {
        Self {
            seq: 0,
            prefix: prefix.into(),
            customers: customers.max(1),
        }
    }

    /// One delivery with `events` events (about 30 % inbound messages, 70 % statuses) and
    /// the number of events in it.
    pub fn next(&mut self, events: usize) -> (Vec<u8>, usize) {
        let mut rng = rand::rng();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut messages = Vec::new();
        let mut statuses = Vec::new();
        let mut contacts = Vec::new();
        for _ in 0..events {
            self.seq += 1;
            let customer = 15_550_000_000_u64 + rng.random_range(0..self.customers);
            let wa_id = customer.to_string();
            if rng.random_range(0..10) < 3 {
                contacts.push(
                    json!({"profile": {"name": format!("Customer {customer}")}, "wa_id": wa_id}),
                );
                messages.push(json!({
                    "from": wa_id,
                    "id": format!("wamid.{}.in.{}", self.prefix, self.seq),
                    "timestamp": now.to_string(),
                    "type": "text",
                    "text": {"body": format!("Hello, is order {} on its way? Merci, café ☕", self.seq)}
                }));
            } else {
                // Statuses walk a small set of outbound wamids through the ladder.
                let target = self.seq / 3;
                let status =
                    ["sent", "delivered", "read"][usize::try_from(self.seq % 3).unwrap_or(0)];
                let mut s = json!({
                    "id": format!("wamid.{}.out.{target}", self.prefix),
                    "status": status,
                    "timestamp": now.to_string(),
                    "recipient_id": wa_id,
                });
                if status != "read" {
                    s["conversation"] =
                        json!({"id": "CONVERSATION_ID", "origin": {"type": "service"}});
                    s["pricing"] = json!({"billable": true, "pricing_model": "PMP", "category": "service", "type": "free_customer_service"});
                }
                statuses.push(s);
            }
        }
        let mut value = json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
        });
        if !contacts.is_empty() {
            value["contacts"] = Value::Array(contacts);
            value["messages"] = Value::Array(messages);
        }
        if !statuses.is_empty() {
            value["statuses"] = Value::Array(statuses);
        }
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "100000000000002", "changes": [{"field": "messages", "value": value}]}]
        });
        (serde_json::to_vec(&body).unwrap_or_default(), events)
    }
}
