//! Settings from the environment (and a `.env` file), with the seed's variable names.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Default database: a SQLite file, created if absent.
pub const DEFAULT_DATABASE_URL: &str = "data/wacloud.db";
/// Default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";
/// The sandbox's business number id when none is configured.
pub const SANDBOX_PHONE_NUMBER_ID: &str = "100000000000001";

/// The variables as read; every one optional.
#[derive(Debug, Default, Deserialize)]
struct Raw {
    whatsapp_business_account_id: Option<String>,
    whatsapp_phone_number_id: Option<String>,
    whatsapp_api_token: Option<SecretString>,
    whatsapp_webhook_verify_token: Option<SecretString>,
    whatsapp_webhook_url: Option<String>,
    whatsapp_app_secret: Option<SecretString>,
    whatsapp_graph_api_version: Option<String>,
    whatsapp_graph_base_url: Option<String>,
    database_url: Option<String>,
    wacloud_bind: Option<String>,
    wacloud_api_key: Option<SecretString>,
    wacloud_cors_origins: Option<String>,
    wacloud_sandbox_strict_window: Option<String>,
    wacloud_sandbox_status_delay_ms: Option<String>,
    wacloud_queue_workers: Option<String>,
    wacloud_read_pool_size: Option<String>,
    wacloud_writer_batch: Option<String>,
    wacloud_ingest_inline_limit: Option<String>,
    wacloud_ingest_backlog_batch: Option<String>,
    wacloud_sqlite_sync: Option<String>,
    wacloud_db_pool_size: Option<String>,
    wacloud_db_timeout_ms: Option<String>,
    wacloud_messages_per_second: Option<String>,
    wacloud_shared_with_business_app: Option<String>,
    wacloud_pair_interval_ms: Option<String>,
    wacloud_pair_burst: Option<String>,
    wacloud_queue_lease_secs: Option<String>,
    wacloud_queue_max_attempts: Option<String>,
    wacloud_queue_unknown_grace_secs: Option<String>,
    wacloud_queue_unknown_after_grace: Option<String>,
    wacloud_token_probe_secs: Option<String>,
    wacloud_graph_timeout_ms: Option<String>,
    wacloud_sandbox_latency_ms: Option<String>,
    wacloud_sandbox_messages_per_second: Option<String>,
}

/// Whether wacloud talks to Meta or to the embedded sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A `WHATSAPP_API_TOKEN` is set: Meta's Graph API.
    Live,
    /// No token: the embedded stand-in.
    Sandbox,
}

impl Mode {
    /// `live` or `sandbox`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Sandbox => "sandbox",
        }
    }
}

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Live or sandbox.
    pub mode: Mode,
    /// `WHATSAPP_BUSINESS_ACCOUNT_ID`.
    pub business_account_id: Option<String>,
    /// `WHATSAPP_PHONE_NUMBER_ID` (in sandbox mode, a fixed stand-in id when unset).
    pub phone_number_id: Option<String>,
    /// `WHATSAPP_API_TOKEN`, never logged.
    pub api_token: Option<SecretString>,
    /// `WHATSAPP_WEBHOOK_VERIFY_TOKEN` (a random one in sandbox mode when unset).
    pub verify_token: Option<SecretString>,
    /// `WHATSAPP_WEBHOOK_URL`: the public URL Meta posts to (informational).
    pub webhook_url: Option<String>,
    /// `WHATSAPP_APP_SECRET`: one or more App Secrets, comma-separated for rotation (a random
    /// one in sandbox mode when unset).
    pub app_secrets: Vec<SecretString>,
    /// `WHATSAPP_GRAPH_API_VERSION`, default `v25.0`.
    pub graph_api_version: String,
    /// `WHATSAPP_GRAPH_BASE_URL`, default `https://graph.facebook.com` (the sandbox in sandbox
    /// mode).
    pub graph_base_url: Option<String>,
    /// `DATABASE_URL`, default `data/wacloud.db`.
    pub database_url: String,
    /// `WACLOUD_BIND`, default `127.0.0.1:8000`; port 0 picks a free port.
    pub bind: String,
    /// `WACLOUD_API_KEY`: when set, the REST API (not the webhook) requires
    /// `Authorization: Bearer <key>` or `X-API-Key: <key>`.
    pub api_key: Option<SecretString>,
    /// `WACLOUD_CORS_ORIGINS`: origins allowed to call the API and load the widget from
    /// another page (comma-separated, or `*`).
    pub cors_origins: Vec<String>,
    /// `WACLOUD_SANDBOX_STRICT_WINDOW`: the sandbox fails free-form messages outside the
    /// 24-hour window with 131047, as Meta does.
    pub sandbox_strict_window: bool,
    /// `WACLOUD_SANDBOX_STATUS_DELAY_MS`: delay between the sandbox's statuses.
    pub sandbox_status_delay: Duration,
    /// `WACLOUD_QUEUE_WORKERS`: most queue sends in flight at once (default 512; at 1,000
    /// messages/s and 300 ms of Meta latency about 300 are in flight).
    pub queue_workers: usize,
    /// `WACLOUD_DB_POOL_SIZE` (or its older name `WACLOUD_READ_POOL_SIZE`), default 4, 1–64:
    /// most pooled read connections. Each instance also holds one writer connection and, on
    /// PostgreSQL, one listening connection, so an instance uses at most this plus 2.
    pub read_pool_size: u32,
    /// `WACLOUD_WRITER_BATCH`: most write jobs committed together (1 = one commit per job).
    pub writer_batch: usize,
    /// `WACLOUD_INGEST_INLINE_LIMIT`, default 64: webhook batches of more deliveries than this
    /// (that many arrived during one commit) are stored and answered first, their effects
    /// applied right after, and so are later deliveries until that backlog is applied
    /// (0: always).
    pub ingest_inline_limit: usize,
    /// `WACLOUD_INGEST_BACKLOG_BATCH`, default 128, 1–4096: most deferred deliveries applied
    /// in one transaction.
    pub ingest_backlog_batch: usize,
    /// `WACLOUD_SQLITE_SYNC`: `full` (default; an acknowledged delivery survives power loss) or
    /// `normal` (survives process crashes only).
    pub sqlite_full_sync: bool,
    /// `WACLOUD_DB_TIMEOUT_MS`, default 5000, 100–600000: how long a request waits for a
    /// database connection before it is answered 503, and the bound on opening a PostgreSQL
    /// connection (rounded to whole seconds, at least 1).
    pub db_timeout: Duration,
    /// `WACLOUD_MESSAGES_PER_SECOND`: the number's throughput, 1–1000 (default 80, Meta's
    /// default; 20 with `WACLOUD_SHARED_WITH_BUSINESS_APP`).
    pub messages_per_second: u32,
    /// `WACLOUD_SHARED_WITH_BUSINESS_APP`: the number is also used in the WhatsApp Business app
    /// (coexistence), whose throughput Meta fixes at 20 messages/s.
    pub shared_with_business_app: bool,
    /// `WACLOUD_PAIR_INTERVAL_MS`: spacing of messages to one recipient (default 6000, Meta's
    /// pair rate).
    pub pair_interval: Duration,
    /// `WACLOUD_PAIR_BURST`: messages one recipient may get at once before the spacing
    /// applies (default 10; Meta allows 45).
    pub pair_burst: u32,
    /// `WACLOUD_QUEUE_LEASE_SECS`: how long a worker holds a claimed item (default 60); must
    /// be longer than the Graph timeout. After it another instance takes over a dead instance's
    /// items.
    pub queue_lease: Duration,
    /// `WACLOUD_QUEUE_MAX_ATTEMPTS`: attempts for a send refused for a passing reason
    /// (default 8).
    pub queue_max_attempts: u32,
    /// `WACLOUD_QUEUE_UNKNOWN_GRACE_SECS`: how long an item whose send's answer was lost waits
    /// for a status webhook before it is decided on (default 900).
    pub unknown_grace: Duration,
    /// `WACLOUD_QUEUE_UNKNOWN_AFTER_GRACE`: `hold` (default: leave it `unknown` for an
    /// operator) or `resend` (send it again as a new attempt).
    pub resend_unknown: bool,
    /// `WACLOUD_TOKEN_PROBE_SECS`: while sending is paused by an access token Meta refused,
    /// how often the token is tried again (default 30).
    pub token_probe_interval: Duration,
    /// `WACLOUD_GRAPH_TIMEOUT_MS`: timeout of one Graph call (default 30000). A send that
    /// times out has an unknown outcome.
    pub graph_timeout: Duration,
    /// `WACLOUD_SANDBOX_LATENCY_MS`: the sandbox's answer time for a send (default 0).
    pub sandbox_latency: Duration,
    /// `WACLOUD_SANDBOX_MESSAGES_PER_SECOND`: the sandbox's throughput cap (default: the
    /// number's `messages_per_second`; 0: none).
    pub sandbox_messages_per_second: u32,
}

/// A setting that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

fn random_secret() -> SecretString {
    use rand::Rng;
    let bytes: [u8; 24] = rand::rng().random();
    SecretString::from(hex::encode(bytes))
}

fn flag(v: Option<&str>) -> bool {
    matches!(
        v.map(str::to_ascii_lowercase).as_deref(),
        Some("1" | "true" | "yes" | "on")
    )
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn non_empty_secret(v: Option<SecretString>) -> Option<SecretString> {
    v.filter(|s| !s.expose_secret().trim().is_empty())
}

impl Settings {
    /// Reads the process environment (after loading `.env` if present).
    ///
    /// # Errors
    /// [`ConfigError`] for a value that cannot be used.
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            // Never echo the line itself: it may hold a token.
            Err(dotenvy::Error::LineParse(fragment, _)) => {
                // dotenvy reports the unreadable part of the line, which may be a secret value:
                // name the line by its number and variable instead.
                let text = std::fs::read_to_string(".env").unwrap_or_default();
                let (number, name) = text
                    .lines()
                    .enumerate()
                    .find(|(_, l)| !fragment.is_empty() && l.contains(fragment.as_str()))
                    .map(|(i, l)| (i + 1, l.split('=').next().unwrap_or("").trim().to_owned()))
                    .unwrap_or((0, String::new()));
                return Err(ConfigError(format!(
                    "the .env file cannot be read at line {number} (setting {name:?}); quote values that contain spaces or special characters, e.g. NAME=\"a b\""
                )));
            }
            Err(e) => return Err(ConfigError(format!("cannot read the .env file: {e}"))),
        }
        let raw: Raw = config::Config::builder()
            .add_source(config::Environment::default().try_parsing(false))
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|e| ConfigError(e.to_string()))?;
        Self::from_raw(raw)
    }

    /// Settings from explicit `(NAME, value)` pairs, ignoring the process environment: for
    /// tests and embedding.
    ///
    /// # Errors
    /// [`ConfigError`] for a value that cannot be used.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        let map: std::collections::HashMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect();
        let raw: Raw = config::Config::builder()
            .add_source(
                config::Environment::default().source(Some(
                    map.into_iter()
                        .map(|(k, v)| (k.to_ascii_uppercase(), v))
                        .collect(),
                )),
            )
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|e| ConfigError(e.to_string()))?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: Raw) -> Result<Self, ConfigError> {
        let api_token = non_empty_secret(raw.whatsapp_api_token);
        let mode = if api_token.is_some() {
            Mode::Live
        } else {
            Mode::Sandbox
        };
        let mut app_secrets: Vec<SecretString> = raw
            .whatsapp_app_secret
            .map(|s| {
                s.expose_secret()
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| SecretString::from(s.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let mut verify_token = non_empty_secret(raw.whatsapp_webhook_verify_token);
        let mut phone_number_id = non_empty(raw.whatsapp_phone_number_id);
        if mode == Mode::Sandbox {
            if app_secrets.is_empty() {
                app_secrets.push(random_secret());
            }
            if verify_token.is_none() {
                verify_token = Some(random_secret());
            }
            if phone_number_id.is_none() {
                phone_number_id = Some(SANDBOX_PHONE_NUMBER_ID.to_owned());
            }
        }
        if let Some(id) = &phone_number_id {
            if !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ConfigError(
                    "WHATSAPP_PHONE_NUMBER_ID must be the numeric phone number id from Meta's App Dashboard, not the phone number".into(),
                ));
            }
        }
        if let Some(url) = raw.database_url.as_deref().map(str::trim) {
            if let Some((scheme, _)) = url.split_once("://") {
                if !matches!(scheme, "postgres" | "postgresql" | "sqlite") {
                    return Err(ConfigError(format!(
                        "DATABASE_URL: unsupported scheme {scheme:?}; use postgres://… for PostgreSQL, or a file path (or sqlite://path) for SQLite"
                    )));
                }
            }
        }
        let graph_api_version = non_empty(raw.whatsapp_graph_api_version)
            .unwrap_or_else(|| wacloud_graph::DEFAULT_API_VERSION.to_owned());
        let parse_num = |name: &str, v: Option<String>, default: u64| -> Result<u64, ConfigError> {
            match non_empty(v) {
                None => Ok(default),
                Some(s) => s
                    .parse()
                    .map_err(|_| ConfigError(format!("{name} must be a whole number, got {s:?}"))),
            }
        };
        let shared_with_business_app = flag(raw.wacloud_shared_with_business_app.as_deref());
        let mps_default = if shared_with_business_app {
            wacloud_graph::pacer::SHARED_NUMBER_MESSAGES_PER_SECOND
        } else {
            wacloud_graph::pacer::DEFAULT_MESSAGES_PER_SECOND
        };
        let mps_set = non_empty(raw.wacloud_messages_per_second.clone()).is_some();
        let messages_per_second = parse_num(
            "WACLOUD_MESSAGES_PER_SECOND",
            raw.wacloud_messages_per_second,
            u64::from(mps_default),
        )?;
        let max = u64::from(wacloud_graph::pacer::MAX_MESSAGES_PER_SECOND);
        if !(1..=max).contains(&messages_per_second) {
            return Err(ConfigError(format!(
                "WACLOUD_MESSAGES_PER_SECOND must be 1 to {max} (Meta's throughput levels are 80 by default and up to 1000), got {messages_per_second}"
            )));
        }
        let shared_cap = u64::from(wacloud_graph::pacer::SHARED_NUMBER_MESSAGES_PER_SECOND);
        if shared_with_business_app && mps_set && messages_per_second > shared_cap {
            return Err(ConfigError(format!(
                "WACLOUD_MESSAGES_PER_SECOND is {messages_per_second} but WACLOUD_SHARED_WITH_BUSINESS_APP is set: Meta allows {shared_cap} messages per second for a number shared with the WhatsApp Business app"
            )));
        }
        let messages_per_second = u32::try_from(messages_per_second).unwrap_or(80);
        let graph_timeout = Duration::from_millis(parse_num(
            "WACLOUD_GRAPH_TIMEOUT_MS",
            raw.wacloud_graph_timeout_ms,
            30_000,
        )?)
        .max(Duration::from_millis(100));
        let queue_lease = Duration::from_secs(
            parse_num("WACLOUD_QUEUE_LEASE_SECS", raw.wacloud_queue_lease_secs, 60)?.min(86_400),
        );
        if queue_lease <= graph_timeout {
            return Err(ConfigError(format!(
                "WACLOUD_QUEUE_LEASE_SECS ({} s) must be longer than the Graph timeout ({} ms), or another worker could take an item whose send is still running",
                queue_lease.as_secs(),
                graph_timeout.as_millis()
            )));
        }
        let resend_unknown = match non_empty(raw.wacloud_queue_unknown_after_grace)
            .map(|s| s.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("hold") => false,
            Some("resend") => true,
            Some(other) => {
                return Err(ConfigError(format!(
                    "WACLOUD_QUEUE_UNKNOWN_AFTER_GRACE must be hold or resend, got {other:?}"
                )))
            }
        };
        let pair_burst = parse_num("WACLOUD_PAIR_BURST", raw.wacloud_pair_burst, 10)?;
        let pair_interval = parse_num(
            "WACLOUD_PAIR_INTERVAL_MS",
            raw.wacloud_pair_interval_ms,
            6000,
        )?;
        if pair_burst == 0 || pair_interval == 0 {
            return Err(ConfigError(
                "WACLOUD_PAIR_BURST and WACLOUD_PAIR_INTERVAL_MS must be at least 1".into(),
            ));
        }
        Ok(Self {
            mode,
            business_account_id: non_empty(raw.whatsapp_business_account_id),
            phone_number_id,
            api_token,
            verify_token,
            webhook_url: non_empty(raw.whatsapp_webhook_url),
            app_secrets,
            graph_api_version,
            graph_base_url: non_empty(raw.whatsapp_graph_base_url),
            database_url: non_empty(raw.database_url)
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            bind: non_empty(raw.wacloud_bind).unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            api_key: non_empty_secret(raw.wacloud_api_key),
            cors_origins: non_empty(raw.wacloud_cors_origins)
                .map(|s| {
                    s.split(',')
                        .map(|o| o.trim().to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            sandbox_strict_window: flag(raw.wacloud_sandbox_strict_window.as_deref()),
            sandbox_status_delay: Duration::from_millis(parse_num(
                "WACLOUD_SANDBOX_STATUS_DELAY_MS",
                raw.wacloud_sandbox_status_delay_ms,
                500,
            )?),
            queue_workers: usize::try_from(parse_num(
                "WACLOUD_QUEUE_WORKERS",
                raw.wacloud_queue_workers,
                512,
            )?)
            .unwrap_or(512)
            .clamp(1, 4096),
            read_pool_size: {
                let (name, v) = match non_empty(raw.wacloud_db_pool_size) {
                    Some(v) => ("WACLOUD_DB_POOL_SIZE", Some(v)),
                    None => ("WACLOUD_READ_POOL_SIZE", raw.wacloud_read_pool_size),
                };
                u32::try_from(parse_num(name, v, 4)?)
                    .unwrap_or(4)
                    .clamp(1, 64)
            },
            db_timeout: Duration::from_millis(
                parse_num("WACLOUD_DB_TIMEOUT_MS", raw.wacloud_db_timeout_ms, 5000)?
                    .clamp(100, 600_000),
            ),
            ingest_inline_limit: usize::try_from(parse_num(
                "WACLOUD_INGEST_INLINE_LIMIT",
                raw.wacloud_ingest_inline_limit,
                64,
            )?)
            .unwrap_or(64),
            ingest_backlog_batch: usize::try_from(
                parse_num(
                    "WACLOUD_INGEST_BACKLOG_BATCH",
                    raw.wacloud_ingest_backlog_batch,
                    128,
                )?
                .clamp(1, 4096),
            )
            .unwrap_or(128),
            writer_batch: usize::try_from(parse_num(
                "WACLOUD_WRITER_BATCH",
                raw.wacloud_writer_batch,
                512,
            )?)
            .unwrap_or(512)
            .clamp(1, 10_000),
            sqlite_full_sync: match non_empty(raw.wacloud_sqlite_sync)
                .map(|s| s.to_ascii_lowercase())
                .as_deref()
            {
                None | Some("full") => true,
                Some("normal") => false,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "WACLOUD_SQLITE_SYNC must be full or normal, got {other:?}"
                    )))
                }
            },
            messages_per_second,
            shared_with_business_app,
            pair_interval: Duration::from_millis(pair_interval),
            pair_burst: u32::try_from(pair_burst).unwrap_or(u32::MAX),
            queue_lease,
            queue_max_attempts: u32::try_from(parse_num(
                "WACLOUD_QUEUE_MAX_ATTEMPTS",
                raw.wacloud_queue_max_attempts,
                8,
            )?)
            .unwrap_or(8)
            .clamp(1, 100),
            unknown_grace: Duration::from_secs(parse_num(
                "WACLOUD_QUEUE_UNKNOWN_GRACE_SECS",
                raw.wacloud_queue_unknown_grace_secs,
                900,
            )?),
            resend_unknown,
            token_probe_interval: Duration::from_secs(
                parse_num("WACLOUD_TOKEN_PROBE_SECS", raw.wacloud_token_probe_secs, 30)?.max(1),
            ),
            graph_timeout,
            sandbox_latency: Duration::from_millis(parse_num(
                "WACLOUD_SANDBOX_LATENCY_MS",
                raw.wacloud_sandbox_latency_ms,
                0,
            )?),
            sandbox_messages_per_second: u32::try_from(parse_num(
                "WACLOUD_SANDBOX_MESSAGES_PER_SECOND",
                raw.wacloud_sandbox_messages_per_second,
                u64::from(messages_per_second),
            )?)
            .unwrap_or(0),
        })
    }

    /// Whether everything needed to talk to Meta is set.
    #[must_use]
    pub fn is_configured(&self) -> bool {
        self.mode == Mode::Live
            && self.api_token.is_some()
            && self.phone_number_id.is_some()
            && !self.app_secrets.is_empty()
    }

    /// What is missing for live mode, as operator-facing sentences.
    #[must_use]
    pub fn missing(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.mode == Mode::Live {
            if self.phone_number_id.is_none() {
                out.push("WHATSAPP_PHONE_NUMBER_ID is not set: messages cannot be sent".into());
            }
            if self.app_secrets.is_empty() {
                out.push(
                    "WHATSAPP_APP_SECRET is not set: webhooks from Meta are refused (401)".into(),
                );
            }
            if self.verify_token.is_none() {
                out.push("WHATSAPP_WEBHOOK_VERIFY_TOKEN is not set: Meta's webhook handshake is refused (403)".into());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_token_means_sandbox_with_generated_secrets() {
        let s = Settings::from_pairs([]).unwrap();
        assert_eq!(s.mode, Mode::Sandbox);
        assert_eq!(s.phone_number_id.as_deref(), Some(SANDBOX_PHONE_NUMBER_ID));
        assert_eq!(s.app_secrets.len(), 1);
        assert!(s.verify_token.is_some());
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.bind, DEFAULT_BIND);
        assert_eq!(s.graph_api_version, "v25.0");
        assert!(!s.is_configured());
    }

    #[test]
    fn token_means_live_and_secrets_rotate() {
        let s = Settings::from_pairs([
            ("WHATSAPP_API_TOKEN", "EAAG-token"),
            ("WHATSAPP_PHONE_NUMBER_ID", "106540352242922"),
            ("WHATSAPP_APP_SECRET", "old-secret, new-secret"),
            ("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "verify-me"),
        ])
        .unwrap();
        assert_eq!(s.mode, Mode::Live);
        assert_eq!(s.app_secrets.len(), 2);
        assert!(s.is_configured());
        assert!(s.missing().is_empty());
    }

    #[test]
    fn live_without_secret_says_what_is_missing() {
        let s = Settings::from_pairs([("WHATSAPP_API_TOKEN", "EAAG-token")]).unwrap();
        assert!(!s.is_configured());
        let missing = s.missing().join("\n");
        assert!(missing.contains("WHATSAPP_PHONE_NUMBER_ID"));
        assert!(missing.contains("WHATSAPP_APP_SECRET"));
    }

    #[test]
    fn database_pool_timeout_and_lease_are_read_with_defaults() {
        let s = Settings::from_pairs([]).unwrap();
        assert_eq!(s.read_pool_size, 4);
        assert_eq!(s.db_timeout, Duration::from_secs(5));
        assert_eq!(s.queue_lease, Duration::from_secs(60));
        let s = Settings::from_pairs([
            ("WACLOUD_DB_POOL_SIZE", "16"),
            ("WACLOUD_READ_POOL_SIZE", "2"),
            ("WACLOUD_DB_TIMEOUT_MS", "1500"),
            ("WACLOUD_QUEUE_LEASE_SECS", "45"),
        ])
        .unwrap();
        assert_eq!(s.read_pool_size, 16);
        assert_eq!(s.db_timeout, Duration::from_millis(1500));
        assert_eq!(s.queue_lease, Duration::from_secs(45));
        let s = Settings::from_pairs([("WACLOUD_READ_POOL_SIZE", "2")]).unwrap();
        assert_eq!(s.read_pool_size, 2);
        let e = Settings::from_pairs([("WACLOUD_DB_TIMEOUT_MS", "soon")]).unwrap_err();
        assert!(e.to_string().contains("WACLOUD_DB_TIMEOUT_MS"));
    }

    #[test]
    fn an_unknown_database_scheme_is_refused_not_taken_for_a_path() {
        let e = Settings::from_pairs([("DATABASE_URL", "mysql://x/db")]).unwrap_err();
        assert!(e.to_string().contains("unsupported scheme"), "{e}");
        assert!(Settings::from_pairs([("DATABASE_URL", "sqlite://data/x.db")]).is_ok());
    }

    #[test]
    fn throughput_settings() {
        let s = Settings::from_pairs([]).unwrap();
        assert_eq!(s.messages_per_second, 80);
        assert_eq!(s.sandbox_messages_per_second, 80);
        let s = Settings::from_pairs([("WACLOUD_MESSAGES_PER_SECOND", "1000")]).unwrap();
        assert_eq!(s.messages_per_second, 1000);
        assert!(Settings::from_pairs([("WACLOUD_MESSAGES_PER_SECOND", "1001")]).is_err());
        assert!(Settings::from_pairs([("WACLOUD_MESSAGES_PER_SECOND", "0")]).is_err());
        let s = Settings::from_pairs([("WACLOUD_SHARED_WITH_BUSINESS_APP", "true")]).unwrap();
        assert_eq!(s.messages_per_second, 20, "coexistence numbers get 20/s");
        let e = Settings::from_pairs([
            ("WACLOUD_SHARED_WITH_BUSINESS_APP", "true"),
            ("WACLOUD_MESSAGES_PER_SECOND", "80"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("20"), "{e}");
        let e = Settings::from_pairs([("WACLOUD_QUEUE_LEASE_SECS", "10")]).unwrap_err();
        assert!(
            e.to_string().contains("longer than the Graph timeout"),
            "{e}"
        );
        let s = Settings::from_pairs([("WACLOUD_QUEUE_UNKNOWN_AFTER_GRACE", "resend")]).unwrap();
        assert!(s.resend_unknown);
        assert!(Settings::from_pairs([("WACLOUD_QUEUE_UNKNOWN_AFTER_GRACE", "maybe")]).is_err());
    }

    #[test]
    fn a_phone_number_is_not_a_phone_number_id() {
        let e = Settings::from_pairs([
            ("WHATSAPP_API_TOKEN", "t"),
            ("WHATSAPP_PHONE_NUMBER_ID", "+1 555 000 0001"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("numeric phone number id"));
    }
}
