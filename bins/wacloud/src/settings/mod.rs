//! Settings from the environment (and a `.env` file) or `wacloud serve`'s flags, with the seed's
//! variable names.
//!
//! [`Settings`] is made of parts, one file each, each reading and checking its own variables:
//! [`http`](HttpSettings) (listen address, API key, CORS, body timeout, event streams), [`database`](DatabaseSettings),
//! [`meta`](MetaSettings) (account, number, credentials, Graph API),
//! [`throughput`](ThroughputSettings) (Meta's sending limits), [`queue`](QueueSettings),
//! [`sandbox`](SandboxSettings), [`log`](LogSettings) and [`auth`](AuthSettings) (operators'
//! sessions).
//!
//! Each part's `Raw` is a `clap::Args` struct and the only list of names: a field named
//! `wacloud_bind` is the variable `WACLOUD_BIND` (`#[arg(env)]`) and the flag `--bind`; its doc
//! comment is its `wacloud serve --help` text and says its range, and its `default_value` is
//! the default shown there (a test checks that it is the default `parse` applies). A default
//! that depends on another setting is said in the text instead. [`SettingsArgs`] gathers the
//! parts; `wacloud serve` flattens it, and [`Settings::from_env`] and [`Settings::from_pairs`]
//! read it through the same clap command. A new variable is a field in its part's `Raw` and
//! its part's struct, and a line in `.env.example` and docs/DEPLOYMENT.md (a test checks the
//! three agree).

mod auth;
mod costs;
mod database;
mod http;
mod log;
mod media;
mod meta;
mod queue;
mod retention;
mod sandbox;
mod throughput;
mod webhooks;

use clap::{Args as _, FromArgMatches as _};
use secrecy::{ExposeSecret, SecretString};

pub use auth::AuthSettings;
pub use costs::{parse_rate_card, CostSettings};
pub use database::{DatabaseSettings, DEFAULT_DATABASE_URL};
pub use http::{HttpSettings, DEFAULT_BIND};
pub use log::{LogSettings, DEFAULT_LOG_FILTER};
pub use media::MediaSettings;
pub use meta::{MetaSettings, Mode, SANDBOX_PHONE_NUMBER_ID};
pub use queue::QueueSettings;
pub use retention::RetentionSettings;
pub use sandbox::SandboxSettings;
pub use throughput::ThroughputSettings;
pub use webhooks::WebhookSettings;

/// Every setting as given (flag, environment variable or clap's default), part by part, before
/// it is checked: `wacloud serve`'s arguments. [`Settings::from_args`] checks them.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct SettingsArgs {
    #[command(flatten)]
    http: http::Raw,
    #[command(flatten)]
    database: database::Raw,
    #[command(flatten)]
    meta: meta::Raw,
    #[command(flatten)]
    throughput: throughput::Raw,
    #[command(flatten)]
    queue: queue::Raw,
    #[command(flatten)]
    sandbox: sandbox::Raw,
    #[command(flatten)]
    log: log::Raw,
    #[command(flatten)]
    auth: auth::Raw,
    #[command(flatten)]
    retention: retention::Raw,
    #[command(flatten)]
    media: media::Raw,
    #[command(flatten)]
    costs: costs::Raw,
    #[command(flatten)]
    webhooks: webhooks::Raw,
}

impl SettingsArgs {
    /// The settings alone as a clap command, as `wacloud serve` has them (flags, variables,
    /// defaults). Variables are read when it is built.
    #[must_use]
    pub fn command() -> clap::Command {
        Self::augment_args(clap::Command::new("wacloud serve").no_binary_name(true))
    }

    /// The settings from the process environment and the defaults alone (no flags), as
    /// `wacloud` with no subcommand, `migrate` and `webhooks reprocess` take them. Load `.env`
    /// first ([`load_dotenv`]).
    ///
    /// # Errors
    /// [`ConfigError`] when clap refuses a variable (a value that is not UTF-8).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_command(Self::command(), std::iter::empty::<String>())
    }

    fn from_command(
        command: clap::Command,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Self, ConfigError> {
        command
            .try_get_matches_from(args)
            .and_then(|m| Self::from_arg_matches(&m))
            .map_err(|e| ConfigError(e.to_string().trim().to_owned()))
    }
}

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address, API key, CORS origins.
    pub http: HttpSettings,
    /// The database and its writer.
    pub database: DatabaseSettings,
    /// Live or sandbox; Meta's account, number, credentials and Graph API.
    pub meta: MetaSettings,
    /// The number's sending pace, as Meta limits it.
    pub throughput: ThroughputSettings,
    /// The outbound queue.
    pub queue: QueueSettings,
    /// The embedded sandbox (sandbox mode only).
    pub sandbox: SandboxSettings,
    /// What is logged.
    pub log: LogSettings,
    /// Operators' sessions.
    pub auth: AuthSettings,
    /// How long raw deliveries and message texts are kept.
    pub retention: RetentionSettings,
    /// The media cache.
    pub media: MediaSettings,
    /// The rate card.
    pub costs: CostSettings,
    /// The outbox worker and outgoing webhooks.
    pub webhooks: WebhookSettings,
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

/// A whole number, `default` when unset or blank.
fn parse_num(name: &str, v: Option<String>, default: u64) -> Result<u64, ConfigError> {
    match non_empty(v) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| ConfigError(format!("{name} must be a whole number, got {s:?}"))),
    }
}

/// Loads `./.env` into the process environment, if there is one; variables already set win.
/// Call it before clap reads the environment (before the command is built).
///
/// # Errors
/// [`ConfigError`] for a file that cannot be read; it names the line and its variable, never
/// the value (which may be a token).
pub fn load_dotenv() -> Result<(), ConfigError> {
    match dotenvy::dotenv() {
        Ok(_) => Ok(()),
        Err(e) if e.not_found() => Ok(()),
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
            Err(ConfigError(format!(
                "the .env file cannot be read at line {number} (setting {name:?}); quote values that contain spaces or special characters, e.g. NAME=\"a b\""
            )))
        }
        Err(e) => Err(ConfigError(format!("cannot read the .env file: {e}"))),
    }
}

impl Settings {
    /// Reads the process environment (after loading `.env` if present), with no flags.
    ///
    /// # Errors
    /// [`ConfigError`] for a value that cannot be used.
    pub fn from_env() -> Result<Self, ConfigError> {
        load_dotenv()?;
        Self::from_args(SettingsArgs::from_env()?)
    }

    /// Settings from explicit `(NAME, value)` pairs (names as the environment variables, in any
    /// case), ignoring the process environment: for tests and embedding. Each pair is given to
    /// the same clap command as `wacloud serve --flag=value`, so unset ones take the defaults
    /// `--help` shows.
    ///
    /// # Errors
    /// [`ConfigError`] for a name that is no setting, or a value that cannot be used.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        let command = SettingsArgs::command();
        let flags: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|a| Some((a.get_env()?.to_str()?.to_owned(), a.get_long()?.to_owned())))
            .collect();
        let mut args = Vec::new();
        for (name, value) in pairs {
            let (_, long) = flags
                .iter()
                .find(|(env, _)| env.eq_ignore_ascii_case(name))
                .ok_or_else(|| ConfigError(format!("{name} is not a setting")))?;
            args.push(format!("--{long}={value}"));
        }
        // The process environment stays out; a later pair for the same name wins.
        let command = command
            .mut_args(|a| a.env(clap::builder::Resettable::Reset))
            .args_override_self(true);
        Self::from_args(SettingsArgs::from_command(command, args)?)
    }

    /// Each part checks its own variables; the queue's lease is checked against the Graph
    /// timeout, and the sandbox's throughput defaults to the number's.
    ///
    /// # Errors
    /// [`ConfigError`] for a value that cannot be used.
    pub fn from_args(raw: SettingsArgs) -> Result<Self, ConfigError> {
        let meta = MetaSettings::parse(raw.meta)?;
        let database = DatabaseSettings::parse(raw.database)?;
        let throughput = ThroughputSettings::parse(raw.throughput)?;
        let queue = QueueSettings::parse(raw.queue, &meta)?;
        let sandbox = SandboxSettings::parse(raw.sandbox, &throughput)?;
        Ok(Self {
            http: HttpSettings::parse(raw.http)?,
            database,
            meta,
            throughput,
            queue,
            sandbox,
            log: LogSettings::parse(raw.log),
            auth: AuthSettings::parse(raw.auth)?,
            retention: RetentionSettings::parse(raw.retention)?,
            media: MediaSettings::parse(raw.media)?,
            costs: CostSettings::parse(raw.costs)?,
            webhooks: WebhookSettings::parse(raw.webhooks)?,
        })
    }
}

#[cfg(test)]
mod args_tests;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn no_token_means_sandbox_with_generated_secrets() {
        let s = Settings::from_pairs([]).unwrap();
        assert_eq!(s.meta.mode, Mode::Sandbox);
        assert_eq!(
            s.meta.phone_number_id.as_deref(),
            Some(SANDBOX_PHONE_NUMBER_ID)
        );
        assert_eq!(s.meta.app_secrets.len(), 1);
        assert!(s.meta.verify_token.is_some());
        assert_eq!(s.database.url, DEFAULT_DATABASE_URL);
        assert_eq!(s.http.bind, DEFAULT_BIND);
        assert_eq!(s.http.body_timeout, Duration::from_secs(10));
        assert_eq!(s.http.events_max_clients, 512);
        assert_eq!(s.http.body_bytes_in_flight, 32 << 20);
        assert_eq!(s.http.socket_receive_buffer, Some(16_384));
        assert_eq!(s.meta.graph_api_version, "v25.0");
        assert!(!s.meta.is_configured());
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
        assert_eq!(s.meta.mode, Mode::Live);
        assert_eq!(s.meta.app_secrets.len(), 2);
        assert!(s.meta.is_configured());
        assert!(s.meta.missing().is_empty());
    }

    #[test]
    fn live_without_secret_says_what_is_missing() {
        let s = Settings::from_pairs([("WHATSAPP_API_TOKEN", "EAAG-token")]).unwrap();
        assert!(!s.meta.is_configured());
        let missing = s.meta.missing().join("\n");
        assert!(missing.contains("WHATSAPP_PHONE_NUMBER_ID"));
        assert!(missing.contains("WHATSAPP_APP_SECRET"));
    }

    #[test]
    fn database_pool_timeout_and_lease_are_read_with_defaults() {
        let s = Settings::from_pairs([]).unwrap();
        assert_eq!(s.database.read_pool_size, 4);
        assert_eq!(s.database.timeout, Duration::from_secs(5));
        assert_eq!(s.queue.lease, Duration::from_secs(60));
        let s = Settings::from_pairs([
            ("WACLOUD_DB_POOL_SIZE", "16"),
            ("WACLOUD_READ_POOL_SIZE", "2"),
            ("WACLOUD_DB_TIMEOUT_MS", "1500"),
            ("WACLOUD_QUEUE_LEASE_SECS", "45"),
        ])
        .unwrap();
        assert_eq!(s.database.read_pool_size, 16);
        assert_eq!(s.database.timeout, Duration::from_millis(1500));
        assert_eq!(s.queue.lease, Duration::from_secs(45));
        let s = Settings::from_pairs([("WACLOUD_READ_POOL_SIZE", "2")]).unwrap();
        assert_eq!(s.database.read_pool_size, 2);
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
        assert_eq!(s.throughput.messages_per_second, 80);
        assert_eq!(s.sandbox.messages_per_second, 80);
        let s = Settings::from_pairs([("WACLOUD_MESSAGES_PER_SECOND", "1000")]).unwrap();
        assert_eq!(s.throughput.messages_per_second, 1000);
        assert!(Settings::from_pairs([("WACLOUD_MESSAGES_PER_SECOND", "1001")]).is_err());
        assert!(Settings::from_pairs([("WACLOUD_MESSAGES_PER_SECOND", "0")]).is_err());
        let s = Settings::from_pairs([("WACLOUD_SHARED_WITH_BUSINESS_APP", "true")]).unwrap();
        assert_eq!(
            s.throughput.messages_per_second, 20,
            "coexistence numbers get 20/s"
        );
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
        assert!(s.queue.resend_unknown);
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

    /// Every variable lands in its part (the parts read through `#[serde(flatten)]`).
    #[test]
    fn every_variable_reaches_its_part() {
        let s = Settings::from_pairs([
            ("WHATSAPP_BUSINESS_ACCOUNT_ID", "102290129340398"),
            ("WHATSAPP_PHONE_NUMBER_ID", "106540352242922"),
            ("WHATSAPP_API_TOKEN", "EAAG-token"),
            ("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "verify-me"),
            ("WHATSAPP_WEBHOOK_URL", "https://example.com/hook"),
            ("WHATSAPP_APP_SECRET", "s1"),
            ("WHATSAPP_GRAPH_API_VERSION", "v24.0"),
            ("WHATSAPP_GRAPH_BASE_URL", "http://127.0.0.1:9"),
            ("DATABASE_URL", "postgres://u@h/db"),
            ("WACLOUD_BIND", "0.0.0.0:9000"),
            ("WACLOUD_API_KEY", "k"),
            (
                "WACLOUD_CORS_ORIGINS",
                "https://a.example, https://b.example",
            ),
            ("WACLOUD_SANDBOX_STRICT_WINDOW", "yes"),
            ("WACLOUD_SANDBOX_STATUS_DELAY_MS", "7"),
            ("WACLOUD_QUEUE_WORKERS", "9"),
            ("WACLOUD_WRITER_BATCH", "11"),
            ("WACLOUD_INGEST_INLINE_LIMIT", "12"),
            ("WACLOUD_INGEST_BACKLOG_BATCH", "13"),
            ("WACLOUD_SQLITE_SYNC", "normal"),
            ("WACLOUD_DB_POOL_SIZE", "14"),
            ("WACLOUD_DB_TIMEOUT_MS", "1500"),
            ("WACLOUD_MESSAGES_PER_SECOND", "15"),
            ("WACLOUD_SHARED_WITH_BUSINESS_APP", "on"),
            ("WACLOUD_PAIR_INTERVAL_MS", "16"),
            ("WACLOUD_PAIR_BURST", "17"),
            ("WACLOUD_QUEUE_LEASE_SECS", "90"),
            ("WACLOUD_QUEUE_MAX_ATTEMPTS", "18"),
            ("WACLOUD_QUEUE_UNKNOWN_GRACE_SECS", "19"),
            ("WACLOUD_QUEUE_UNKNOWN_AFTER_GRACE", "resend"),
            ("WACLOUD_TOKEN_PROBE_SECS", "21"),
            ("WACLOUD_GRAPH_TIMEOUT_MS", "22000"),
            ("WACLOUD_SANDBOX_LATENCY_MS", "23"),
            ("WACLOUD_SANDBOX_MESSAGES_PER_SECOND", "24"),
            ("WACLOUD_BODY_TIMEOUT_MS", "2500"),
            ("WACLOUD_BODY_BYTES_IN_FLIGHT", "5242880"),
            ("WACLOUD_EVENTS_MAX_CLIENTS", "25"),
            ("WACLOUD_SOCKET_RECEIVE_BUFFER", "65536"),
        ])
        .unwrap();
        let m = &s.meta;
        assert_eq!(m.business_account_id.as_deref(), Some("102290129340398"));
        assert_eq!(m.phone_number_id.as_deref(), Some("106540352242922"));
        assert_eq!(m.api_token.as_ref().unwrap().expose_secret(), "EAAG-token");
        assert_eq!(
            m.verify_token.as_ref().unwrap().expose_secret(),
            "verify-me"
        );
        assert_eq!(m.webhook_url.as_deref(), Some("https://example.com/hook"));
        assert_eq!(m.app_secrets[0].expose_secret(), "s1");
        assert_eq!(m.graph_api_version, "v24.0");
        assert_eq!(m.graph_base_url.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(m.graph_timeout, Duration::from_secs(22));
        assert_eq!(m.token_probe_interval, Duration::from_secs(21));
        let d = &s.database;
        assert_eq!(d.url, "postgres://u@h/db");
        assert_eq!(d.read_pool_size, 14);
        assert_eq!(d.timeout, Duration::from_millis(1500));
        assert_eq!(d.writer_batch, 11);
        assert!(!d.sqlite_full_sync);
        assert_eq!((d.ingest_inline_limit, d.ingest_backlog_batch), (12, 13));
        assert_eq!(s.http.bind, "0.0.0.0:9000");
        assert_eq!(s.http.api_key.as_ref().unwrap().expose_secret(), "k");
        assert_eq!(
            s.http.cors_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(s.http.body_timeout, Duration::from_millis(2500));
        assert_eq!(s.http.events_max_clients, 25);
        assert_eq!(s.http.body_bytes_in_flight, 5 << 20);
        assert_eq!(s.http.socket_receive_buffer, Some(65_536));
        let t = &s.throughput;
        assert_eq!(t.messages_per_second, 15);
        assert!(t.shared_with_business_app);
        assert_eq!(t.pair_interval, Duration::from_millis(16));
        assert_eq!(t.pair_burst, 17);
        let q = &s.queue;
        assert_eq!(q.workers, 9);
        assert_eq!(q.lease, Duration::from_secs(90));
        assert_eq!(q.max_attempts, 18);
        assert_eq!(q.unknown_grace, Duration::from_secs(19));
        assert!(q.resend_unknown);
        let sb = &s.sandbox;
        assert!(sb.strict_window);
        assert_eq!(sb.status_delay, Duration::from_millis(7));
        assert_eq!(sb.latency, Duration::from_millis(23));
        assert_eq!(sb.messages_per_second, 24);
    }
}
