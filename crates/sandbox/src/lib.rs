//! # wacloud-sandbox
//!
//! A local stand-in for Meta's WhatsApp Cloud API, so that wacloud works end to end with no
//! Meta account, and tests and benchmarks run offline:
//!
//! - Graph-shaped endpoints under `/sandbox/graph/{version}/{phone_number_id}/messages` that
//!   answer like Meta: a realistic `wamid`, the recipient's `wa_id`, Graph error objects for bad
//!   requests, unknown templates (132001), the number's throughput (130429 above the cap), the
//!   pair rate (131056), an invalid token (190) and, when asked, the 24-hour window (accepted,
//!   then a `failed` status with 131047); `GET /sandbox/graph/{version}/{phone_number_id}` answers
//!   the number's details (a cheap call to check the token);
//! - signed status webhooks (`sent`, `delivered`, `read`) posted back to the server's own
//!   `/api/whatsapp/webhook` a moment later, through the same `X-Hub-Signature-256`
//!   verification as Meta's, retried like Meta's when the server does not answer 200;
//! - Meta's media endpoints: `POST /sandbox/graph/{version}/{phone_number_id}/media`
//!   (multipart upload, checked against Meta's MIME types and per-kind sizes),
//!   `GET`/`DELETE /sandbox/graph/{version}/{media_id}`, and the download at the URL the `GET`
//!   answers (bearer token required, valid 5 minutes); sends may name an upload's id. Uploads
//!   are kept in memory within [`SandboxConfig::media_max_count`] and
//!   [`SandboxConfig::media_max_bytes`], the oldest forgotten first;
//! - the Calling API's permission check, `GET
//!   /sandbox/graph/{version}/{phone_number_id}/call_permissions` (`pending` once a
//!   `call_permission_request` was sent to the user, `denied` before; never `granted`);
//! - `POST /sandbox/customers/{phone}/messages` to play a customer who writes in, with text or
//!   with an image or a document (kept like an upload, so its media id downloads like Meta's);
//!   `DELETE /sandbox/media/{media_id}` forgets a media as Meta's expiry does;
//! - Conversation Routing, the sandbox playing the other responder on the number: thread
//!   control (`POST /sandbox/graph/{version}/{phone_number_id}/thread_control`),
//!   `POST /sandbox/customers/{phone}/thread` (the other responder takes the thread or passes
//!   it back, with the `messaging_handovers` webhook) and `POST
//!   /sandbox/customers/{phone}/standby` (copies on `standby`; a customer's messages go there
//!   too while the other responder owns the thread);
//! - several business numbers on one webhook URL: the first from [`SandboxConfig`], more with
//!   [`Sandbox::add_number`] or `POST /sandbox/numbers`; each answers on its own Graph path and
//!   its webhooks carry its `metadata` (a simulated customer writes to one with `"to"`);
//! - the Groups API: create (`POST /sandbox/graph/{version}/{phone_number_id}/groups`, then
//!   the `group_lifecycle_update` webhook), the invite link (`GET`/`POST
//!   /sandbox/graph/{version}/{group_id}/invite_link`), removing participants (`DELETE
//!   /sandbox/graph/{version}/{group_id}/participants`, then `group_participants_update`),
//!   sends with `recipient_type: "group"`, and on the customers' side `POST
//!   /sandbox/groups/{group_id}/join` and `POST /sandbox/groups/{group_id}/messages`;
//! - template management (`crate::templates`): the template list a page at a time, creation
//!   with a review (`PENDING`, then `APPROVED` or `REJECTED` with a reason, and the signed
//!   `message_template_status_update` webhook), deletion, and the Resumable Upload API that
//!   gives a media header's sample handle;
//! - `GET /sandbox/sent` (what it received), `GET /sandbox/counts` (accepted per recipient,
//!   refusals per code, the busiest second), `GET`/`POST /sandbox/control` (latency, caps, token,
//!   error injection, all at run time) and `POST /sandbox/reset`.
//!
//! Mount it into an actix-web app with [`configure`], or run it alone with [`serve`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod calling;
mod control;
mod deliver;
mod graph;
mod graph_media;
mod groups;
mod limits;
mod marketing;
mod media;
mod numbers;
mod payloads;
mod routes;
mod routing;
mod serve;
mod templates;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;

pub use control::{Control, Fault, FaultMode};
pub use numbers::{SandboxNumber, MAX_NUMBERS};
pub use routes::configure;
pub use serve::serve;

/// How the sandbox behaves from the start ([`Control`] changes the run-time part later).
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The business number's id (what the Graph client sends to).
    pub phone_number_id: String,
    /// The business number, digits (shown as `display_phone_number`).
    pub display_phone_number: String,
    /// The WhatsApp Business Account id (`entry[].id`).
    pub waba_id: String,
    /// The Meta app's id, the one the Resumable Upload API takes sessions on
    /// (`POST /{app_id}/uploads`).
    pub app_id: String,
    /// How long the review of a submitted template takes before it is `APPROVED` or
    /// `REJECTED` (default 2 s).
    pub template_review: Duration,
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
    /// Time taken to answer each send, like Meta's own latency (default 0).
    pub latency: Duration,
    /// The number's throughput in messages per second; above it a send gets 130429. `None`: no
    /// cap.
    pub messages_per_second: Option<u32>,
    /// Messages to one recipient: one per this interval (Meta: 6 s) …
    pub pair_interval: Duration,
    /// … after a burst of this many (Meta: 45); above it a send gets 131056.
    pub pair_burst: u32,
    /// Most statuses put in one webhook delivery when several are due at once (Meta batches
    /// too). Default 1: one status per delivery.
    pub status_batch: usize,
    /// How many times a webhook delivery is tried before the sandbox gives up (Meta keeps
    /// trying for days; default 8 tries over about 25 s).
    pub webhook_attempts: u32,
    /// Most uploads kept in memory (default 200); past it the oldest is forgotten.
    pub media_max_count: usize,
    /// Most bytes of uploads kept in memory (default 256 MiB, above Meta's largest file, a
    /// 100 MB document); past it the oldest uploads are forgotten.
    pub media_max_bytes: u64,
}

impl SandboxConfig {
    /// A sandbox for `phone_number_id`, signing with `app_secret`, with the default timings
    /// (sent 0.3 s, delivered 0.8 s, read 1.8 s), no latency and no throughput cap, Meta's pair
    /// rate (one message per 6 s after a burst of 45), the `hello_world` (`en_US`) template
    /// that every WhatsApp Business Account has, `order_update` (`en_US`, body parameters
    /// unchecked) that wacloud-graph's `send_template` example sends, and `order_shipped`
    /// (`en_US`: a text header's, a body's and two buttons' values).
    #[must_use]
    pub fn new(
        phone_number_id: impl Into<String>,
        app_secret: SecretString,
        access_token: SecretString,
    ) -> Self {
        let mut templates = HashSet::new();
        templates.insert(("hello_world".to_owned(), "en_US".to_owned()));
        templates.insert(("order_update".to_owned(), "en_US".to_owned()));
        templates.insert(("order_shipped".to_owned(), "en_US".to_owned()));
        Self {
            phone_number_id: phone_number_id.into(),
            display_phone_number: "15550100001".into(),
            waba_id: "100000000000002".into(),
            app_id: "100000000000003".into(),
            template_review: Duration::from_secs(2),
            app_secret,
            access_token,
            sent_after: Duration::from_millis(300),
            delivered_after: Duration::from_millis(800),
            read_after: Some(Duration::from_millis(1800)),
            strict_window: false,
            templates,
            latency: Duration::ZERO,
            messages_per_second: None,
            pair_interval: Duration::from_secs(6),
            pair_burst: 45,
            status_batch: 1,
            webhook_attempts: 8,
            media_max_count: 200,
            media_max_bytes: 256 * 1024 * 1024,
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
    /// Meta's error code, for a refused request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    /// When it arrived (RFC 3339).
    pub received_at: String,
}

/// What the sandbox counted: `GET /sandbox/counts`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Messages accepted (given a `wamid`).
    pub accepted: u64,
    /// Accepted messages per recipient (`wa_id` digits).
    pub per_recipient: BTreeMap<String, u64>,
    /// Refused requests per Meta error code.
    pub refused: BTreeMap<i64, u64>,
    /// The most messages accepted within any one second (a sliding window).
    pub max_per_second: u64,
    /// When the first message was accepted (RFC 3339).
    pub first_accepted_at: Option<String>,
    /// When the last message was accepted (RFC 3339).
    pub last_accepted_at: Option<String>,
    /// Webhook deliveries that got a 2xx.
    pub webhooks_delivered: u64,
    /// Webhook deliveries given up after every retry.
    pub webhooks_given_up: u64,
    /// Uploads kept now (at most [`SandboxConfig::media_max_count`]).
    pub media_kept: usize,
    /// Their bytes (at most [`SandboxConfig::media_max_bytes`]).
    pub media_bytes: u64,
    /// Upload requests received (`POST /{phone_number_id}/media`), refused ones included.
    pub media_uploads: u64,
    /// Files served from download URLs (the lookaside route), with their bytes.
    pub media_downloads: u64,
    /// Template management requests received (creations, deletions, upload sessions and
    /// their bytes), refused ones included.
    pub template_requests: u64,
    /// Sends received on the Marketing Messages API (`/marketing_messages`) and passed on.
    pub marketing_messages: u64,
    /// Pages of the template list answered (`GET /{waba_id}/message_templates`).
    pub template_list_pages: u64,
}

#[derive(Debug, Default)]
struct Tally {
    per_recipient: HashMap<String, u64>,
    refused: BTreeMap<i64, u64>,
    accepted_at: Vec<chrono::DateTime<chrono::Utc>>,
    webhooks_delivered: u64,
    webhooks_given_up: u64,
    media_uploads: u64,
    media_downloads: u64,
    template_requests: u64,
    marketing_messages: u64,
    template_list_pages: u64,
}

/// The sandbox's state, shared by its routes and delivery tasks.
#[derive(Debug)]
pub struct Sandbox {
    config: SandboxConfig,
    control: RwLock<Control>,
    limits: limits::Limits,
    webhook_url: RwLock<Option<String>>,
    received: Mutex<Vec<ReceivedRequest>>,
    tally: Mutex<Tally>,
    /// Meta's timestamp of each customer's last message, for the 24-hour window.
    last_inbound: Mutex<HashMap<String, i64>>,
    /// Each customer's WhatsApp profile name, which Meta sends with every message: the last one
    /// a simulated message gave.
    profile_names: Mutex<HashMap<String, String>>,
    statuses: deliver::StatusQueue,
    media: media::MediaStore,
    /// Who owns each customer's thread (Conversation Routing).
    threads: routing::Threads,
    /// The numbers played besides the first ([`Sandbox::add_number`]).
    numbers: RwLock<Vec<SandboxNumber>>,
    /// The number's groups (Groups API).
    groups: groups::Groups,
    /// Templates submitted and upload sessions (template management).
    templates: templates::TemplateState,
    http: reqwest::Client,
}

impl Sandbox {
    /// The profile name a simulated customer writes with: `given` (remembered for the next
    /// message), else the one the customer last had, else "Sandbox Customer". A real customer's
    /// name does not change because a message says nothing of it.
    pub(crate) fn profile_name(&self, wa_id: &str, given: Option<String>) -> String {
        let Ok(mut names) = self.profile_names.lock() else {
            return given.unwrap_or_else(|| "Sandbox Customer".into());
        };
        match given {
            Some(name) => {
                names.insert(wa_id.to_owned(), name.clone());
                name
            }
            None => names
                .get(wa_id)
                .cloned()
                .unwrap_or_else(|| "Sandbox Customer".into()),
        }
    }

    /// A sandbox with `config`. Set where to deliver webhooks with [`Sandbox::set_webhook_url`].
    /// Needs a tokio runtime (it starts the status deliverers).
    #[must_use]
    pub fn new(config: SandboxConfig) -> Arc<Self> {
        let control = Control::from_config(&config);
        let limits = limits::Limits::new(&control, &config);
        let sb = Arc::new(Self {
            control: RwLock::new(control),
            limits,
            webhook_url: RwLock::new(None),
            received: Mutex::new(Vec::new()),
            tally: Mutex::new(Tally::default()),
            last_inbound: Mutex::new(HashMap::new()),
            profile_names: Mutex::new(HashMap::new()),
            statuses: deliver::StatusQueue::default(),
            media: media::MediaStore::new(&config),
            threads: routing::Threads::default(),
            numbers: RwLock::new(Vec::new()),
            groups: groups::Groups::default(),
            templates: templates::TemplateState::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(64)
                .build()
                .unwrap_or_default(),
            config,
        });
        deliver::start(&sb);
        sb
    }

    /// Where status and inbound webhooks are posted (the server's `/api/whatsapp/webhook`).
    pub fn set_webhook_url(&self, url: impl Into<String>) {
        if let Ok(mut w) = self.webhook_url.write() {
            *w = Some(url.into());
        }
    }

    /// The configuration it started with.
    #[must_use]
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// The run-time settings in force.
    #[must_use]
    pub fn control(&self) -> Control {
        self.control.read().map(|c| c.clone()).unwrap_or_default()
    }

    /// Replaces the run-time settings (the throughput and pair limiters restart when their
    /// settings change).
    pub fn set_control(&self, c: Control) {
        self.limits.reconfigure(&c, &self.config);
        if let Ok(mut cur) = self.control.write() {
            *cur = c;
        }
    }

    /// Everything the Graph endpoint received so far, oldest first.
    #[must_use]
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// What it counted so far.
    #[must_use]
    pub fn counts(&self) -> Counts {
        let Ok(t) = self.tally.lock() else {
            return Counts::default();
        };
        let mut times = t.accepted_at.clone();
        times.sort_unstable();
        let mut max = 0u64;
        let mut start = 0usize;
        for (end, at) in times.iter().enumerate() {
            while *at - times[start] >= chrono::Duration::seconds(1) {
                start += 1;
            }
            max = max.max(u64::try_from(end - start + 1).unwrap_or(u64::MAX));
        }
        let (media_kept, media_bytes) = self.media.usage();
        Counts {
            media_kept,
            media_bytes,
            accepted: u64::try_from(times.len()).unwrap_or(u64::MAX),
            per_recipient: t
                .per_recipient
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            refused: t.refused.clone(),
            max_per_second: max,
            first_accepted_at: times.first().map(chrono::DateTime::to_rfc3339),
            last_accepted_at: times.last().map(chrono::DateTime::to_rfc3339),
            webhooks_delivered: t.webhooks_delivered,
            webhooks_given_up: t.webhooks_given_up,
            media_uploads: t.media_uploads,
            media_downloads: t.media_downloads,
            template_requests: t.template_requests,
            marketing_messages: t.marketing_messages,
            template_list_pages: t.template_list_pages,
        }
    }

    /// Forgets what it received and counted (the limiters and the windows stay).
    pub fn reset(&self) {
        if let Ok(mut r) = self.received.lock() {
            r.clear();
        }
        if let Ok(mut t) = self.tally.lock() {
            *t = Tally::default();
        }
    }

    fn webhook_url(&self) -> Option<String> {
        self.webhook_url.read().ok().and_then(|w| w.clone())
    }

    fn record(&self, r: ReceivedRequest) {
        if let Ok(mut t) = self.tally.lock() {
            match (&r.wamid, r.error_code) {
                (Some(_), _) => {
                    if let Some(to) = r.body.get("to").and_then(|v| v.as_str()) {
                        *t.per_recipient
                            .entry(to.trim_start_matches('+').to_owned())
                            .or_insert(0) += 1;
                    }
                    t.accepted_at.push(chrono::Utc::now());
                }
                (None, Some(code)) => *t.refused.entry(code).or_insert(0) += 1,
                (None, None) => {}
            }
        }
        if let Ok(mut v) = self.received.lock() {
            v.push(r);
        }
    }

    fn note_media(&self, upload: bool) {
        if let Ok(mut t) = self.tally.lock() {
            if upload {
                t.media_uploads += 1;
            } else {
                t.media_downloads += 1;
            }
        }
    }

    /// Forgets the upload with Meta's media id `id`, as Meta does once a media expires: its
    /// `GET /{media_id}` then answers code 100 and its download URL 404. False when not kept.
    pub fn expire_media(&self, id: &str) -> bool {
        self.media.remove(id)
    }

    fn note_template_list_page(&self) {
        if let Ok(mut t) = self.tally.lock() {
            t.template_list_pages += 1;
        }
    }

    fn note_marketing_message(&self) {
        if let Ok(mut t) = self.tally.lock() {
            t.marketing_messages += 1;
        }
    }

    fn note_template_request(&self) {
        if let Ok(mut t) = self.tally.lock() {
            t.template_requests += 1;
        }
    }

    fn note_webhook(&self, delivered: bool) {
        if let Ok(mut t) = self.tally.lock() {
            if delivered {
                t.webhooks_delivered += 1;
            } else {
                t.webhooks_given_up += 1;
            }
        }
    }
}
