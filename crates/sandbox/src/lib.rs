//! # wacloud-sandbox
//!
//! A local stand-in for Meta's WhatsApp Cloud API, so that wacloud works end to end with no
//! Meta account, and tests and benchmarks run offline:
//!
//! - Graph-shaped endpoints under `/sandbox/graph/{version}/{phone_number_id}/messages` that
//!   answer like Meta: a realistic `wamid`, the recipient's `wa_id`, Graph error objects for bad
//!   requests, unknown templates (132001) and, when asked, the 24-hour window (131047);
//! - signed status webhooks (`sent`, `delivered`, `read`) posted back to the server's own
//!   `/api/whatsapp/webhook` a moment later, through the same `X-Hub-Signature-256`
//!   verification as Meta's;
//! - `POST /sandbox/customers/{phone}/messages` to play a customer who writes in;
//! - `GET /sandbox/sent` to see what the sandbox received.
//!
//! Mount it into an actix-web app with [`configure`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod deliver;
mod graph;
mod payloads;
mod routes;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;

pub use routes::configure;

/// How the sandbox behaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The business number's id (what the Graph client sends to).
    pub phone_number_id: String,
    /// The business number, digits (shown as `display_phone_number`).
    pub display_phone_number: String,
    /// The WhatsApp Business Account id (`entry[].id`).
    pub waba_id: String,
    /// The App Secret the webhooks are signed with.
    pub app_secret: SecretString,
    /// The access token the Graph endpoints expect as `Authorization: Bearer …`.
    pub access_token: SecretString,
    /// Delay before the `sent` status.
    pub sent_after: Duration,
    /// Delay before the `delivered` status.
    pub delivered_after: Duration,
    /// Delay before the `read` status; `None`: customers never read.
    pub read_after: Option<Duration>,
    /// Refuse free-form messages outside the 24-hour window as Meta does (accepted, then a
    /// `failed` status with 131047). Off by default so a first message from the dashboard
    /// reaches `read`.
    pub strict_window: bool,
    /// Templates the sandbox knows, as `(name, language)`; others get 132001.
    pub templates: HashSet<(String, String)>,
}

impl SandboxConfig {
    /// A sandbox for `phone_number_id`, signing with `app_secret`, with the default timings
    /// (sent 0.3 s, delivered 0.8 s, read 1.8 s) and the `hello_world` (`en_US`) template that
    /// every WhatsApp Business Account has.
    #[must_use]
    pub fn new(
        phone_number_id: impl Into<String>,
        app_secret: SecretString,
        access_token: SecretString,
    ) -> Self {
        let mut templates = HashSet::new();
        templates.insert(("hello_world".to_owned(), "en_US".to_owned()));
        Self {
            phone_number_id: phone_number_id.into(),
            display_phone_number: "15550100001".into(),
            waba_id: "100000000000002".into(),
            app_secret,
            access_token,
            sent_after: Duration::from_millis(300),
            delivered_after: Duration::from_millis(800),
            read_after: Some(Duration::from_millis(1800)),
            strict_window: false,
            templates,
        }
    }
}

/// One request the sandbox's Graph endpoint received.
#[derive(Debug, Clone, Serialize)]
pub struct ReceivedRequest {
    /// The `wamid` it was given (`None` for read receipts and refused requests).
    pub wamid: Option<String>,
    /// The request body.
    pub body: serde_json::Value,
    /// HTTP status answered.
    pub status: u16,
    /// When it arrived (RFC 3339).
    pub received_at: String,
}

/// The sandbox's state, shared by its routes and delivery tasks.
#[derive(Debug)]
pub struct Sandbox {
    config: SandboxConfig,
    webhook_url: RwLock<Option<String>>,
    received: Mutex<Vec<ReceivedRequest>>,
    /// Meta's timestamp of each customer's last message, for the 24-hour window.
    last_inbound: Mutex<HashMap<String, i64>>,
    http: reqwest::Client,
}

impl Sandbox {
    /// A sandbox with `config`. Set where to deliver webhooks with [`Sandbox::set_webhook_url`].
    #[must_use]
    pub fn new(config: SandboxConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            webhook_url: RwLock::new(None),
            received: Mutex::new(Vec::new()),
            last_inbound: Mutex::new(HashMap::new()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
        })
    }

    /// Where status and inbound webhooks are posted (the server's `/api/whatsapp/webhook`).
    pub fn set_webhook_url(&self, url: impl Into<String>) {
        if let Ok(mut w) = self.webhook_url.write() {
            *w = Some(url.into());
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Everything the Graph endpoint received so far, oldest first.
    #[must_use]
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn webhook_url(&self) -> Option<String> {
        self.webhook_url.read().ok().and_then(|w| w.clone())
    }

    fn record(&self, r: ReceivedRequest) {
        if let Ok(mut v) = self.received.lock() {
            v.push(r);
        }
    }
}
