//! `settings.meta`: the WhatsApp Business Account, its number, and how wacloud talks to Meta's
//! Graph API (or to the embedded sandbox when no access token is set).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{non_empty, non_empty_secret, parse_num, random_secret, ConfigError};

/// The sandbox's business number id when none is configured.
pub const SANDBOX_PHONE_NUMBER_ID: &str = "100000000000001";

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Meta (WhatsApp Cloud API)")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// The WhatsApp Business Account id (App Dashboard > WhatsApp > API Setup). Default: unset.
    #[arg(long = "business-account-id", env, value_name = "ID")]
    whatsapp_business_account_id: Option<String>,
    /// The Meta app's id (App Dashboard > App settings > Basic), for the Resumable Upload API
    /// that takes a template header's sample file. Default: unset in live mode (templates with
    /// an image, video or document header then need a handle given in the request), the
    /// sandbox's own in sandbox mode.
    #[arg(long = "app-id", env, value_name = "ID")]
    whatsapp_app_id: Option<String>,
    /// The business number's phone number id: the numeric id from the App Dashboard, not the
    /// phone number. Default: unset in live mode, 100000000000001 in sandbox mode.
    #[arg(long = "phone-number-id", env, value_name = "ID")]
    whatsapp_phone_number_id: Option<String>,
    /// A System User access token with whatsapp_business_messaging (and _management); setting
    /// it selects live mode. Default: unset, and wacloud runs against its embedded sandbox.
    #[arg(long = "api-token", env, value_name = "TOKEN", hide_env_values = true)]
    whatsapp_api_token: Option<SecretString>,
    /// The string Meta's webhook handshake must present (the same one goes into the App
    /// Dashboard). Default: unset in live mode, a random one in sandbox mode.
    #[arg(
        long = "webhook-verify-token",
        env,
        value_name = "TOKEN",
        hide_env_values = true
    )]
    whatsapp_webhook_verify_token: Option<SecretString>,
    /// The public HTTPS URL Meta posts to, e.g. https://your.host/api/whatsapp/webhook
    /// (informational). Default: unset.
    #[arg(long = "webhook-url", env, value_name = "URL")]
    whatsapp_webhook_url: Option<String>,
    /// The App Secret that signs Meta's webhooks (X-Hub-Signature-256); several comma-separated
    /// while rotating. Default: unset in live mode (webhooks are refused), a random one in
    /// sandbox mode.
    #[arg(
        long = "app-secret",
        env,
        value_name = "SECRET[,SECRET…]",
        hide_env_values = true
    )]
    whatsapp_app_secret: Option<SecretString>,
    /// The Graph API version wacloud calls.
    #[arg(
        long = "graph-api-version",
        env,
        value_name = "VERSION",
        default_value = wacloud_graph::DEFAULT_API_VERSION
    )]
    whatsapp_graph_api_version: Option<String>,
    /// The Graph API's base URL. Default: https://graph.facebook.com in live mode, the embedded
    /// sandbox in sandbox mode.
    #[arg(long = "graph-base-url", env, value_name = "URL")]
    whatsapp_graph_base_url: Option<String>,
    /// Milliseconds one Graph call may take, 100 or more; a send that times out has an unknown
    /// outcome.
    #[arg(
        long = "graph-timeout-ms",
        env,
        value_name = "MS",
        default_value = "30000"
    )]
    wacloud_graph_timeout_ms: Option<String>,
    /// While sending is paused because Meta refused the access token, seconds between tries of
    /// the token, 1 or more.
    #[arg(
        long = "token-probe-secs",
        env,
        value_name = "SECS",
        default_value = "30"
    )]
    wacloud_token_probe_secs: Option<String>,
    /// Read every template of the WABA from Meta once at start (`false` to skip; `POST
    /// /api/whatsapp/templates/sync` does it on demand). Needs the WABA id in live mode.
    #[arg(
        long = "sync-templates-at-start",
        env,
        value_name = "BOOL",
        default_value = "true"
    )]
    wacloud_sync_templates_at_start: Option<String>,
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

/// Meta's side: account, number, credentials and the Graph API.
#[derive(Debug, Clone)]
pub struct MetaSettings {
    /// Live or sandbox.
    pub mode: Mode,
    /// `WHATSAPP_BUSINESS_ACCOUNT_ID`.
    pub business_account_id: Option<String>,
    /// `WHATSAPP_APP_ID`: the Meta app's id, for the Resumable Upload API (in sandbox mode the
    /// sandbox's when unset).
    pub app_id: Option<String>,
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
    /// `WACLOUD_GRAPH_TIMEOUT_MS`: timeout of one Graph call (default 30000). A send that
    /// times out has an unknown outcome.
    pub graph_timeout: Duration,
    /// `WACLOUD_TOKEN_PROBE_SECS`: while sending is paused by an access token Meta refused,
    /// how often the token is tried again (default 30).
    pub token_probe_interval: Duration,
    /// `WACLOUD_SYNC_TEMPLATES_AT_START` (default true): read the WABA's templates from Meta
    /// once at start.
    pub sync_templates_at_start: bool,
}

impl MetaSettings {
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
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
        let graph_api_version = non_empty(raw.whatsapp_graph_api_version)
            .unwrap_or_else(|| wacloud_graph::DEFAULT_API_VERSION.to_owned());
        let graph_timeout = Duration::from_millis(parse_num(
            "WACLOUD_GRAPH_TIMEOUT_MS",
            raw.wacloud_graph_timeout_ms,
            30_000,
        )?)
        .max(Duration::from_millis(100));
        let token_probe_interval = Duration::from_secs(
            parse_num("WACLOUD_TOKEN_PROBE_SECS", raw.wacloud_token_probe_secs, 30)?.max(1),
        );
        Ok(Self {
            mode,
            business_account_id: non_empty(raw.whatsapp_business_account_id),
            app_id: non_empty(raw.whatsapp_app_id),
            phone_number_id,
            api_token,
            verify_token,
            webhook_url: non_empty(raw.whatsapp_webhook_url),
            app_secrets,
            graph_api_version,
            graph_base_url: non_empty(raw.whatsapp_graph_base_url),
            graph_timeout,
            token_probe_interval,
            sync_templates_at_start: !matches!(
                raw.wacloud_sync_templates_at_start
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                Some("0" | "false" | "no" | "off")
            ),
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
