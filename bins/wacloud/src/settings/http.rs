//! `settings.http`: where the server listens, who may call it, and how much a client may hold.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::{non_empty, non_empty_secret, parse_num, ConfigError};

/// Default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

/// The variables of this part as read; every one optional.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Raw {
    wacloud_bind: Option<String>,
    wacloud_api_key: Option<SecretString>,
    wacloud_cors_origins: Option<String>,
    wacloud_body_timeout_ms: Option<String>,
    wacloud_events_max_clients: Option<String>,
    wacloud_body_bytes_in_flight: Option<String>,
}

/// The HTTP server.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `WACLOUD_BIND`, default `127.0.0.1:8000`; port 0 picks a free port.
    pub bind: String,
    /// `WACLOUD_API_KEY`: when set, the REST API (not the webhook) requires
    /// `Authorization: Bearer <key>` or `X-API-Key: <key>`.
    pub api_key: Option<SecretString>,
    /// `WACLOUD_CORS_ORIGINS`: origins allowed to call the API and load the widget from
    /// another page (comma-separated, or `*`).
    pub cors_origins: Vec<String>,
    /// `WACLOUD_BODY_TIMEOUT_MS`, default 10000, 100–600000: how long a webhook delivery's
    /// body may take to arrive, from the handler's first read; a slower sender is answered 408
    /// `request_timeout`.
    pub body_timeout: Duration,
    /// `WACLOUD_EVENTS_MAX_CLIENTS`, default 512, 1–100000: most `GET /events` streams open at
    /// once on this instance; past it a new one is answered 503 `too_many_event_streams`.
    pub events_max_clients: usize,
    /// `WACLOUD_BODY_BYTES_IN_FLIGHT`, default 67108864 (64 MiB), 4194304–4294967296: most
    /// bytes of request bodies (webhook deliveries and API writes together) the server holds
    /// at once while reading them. A request whose body would pass it is answered 503
    /// `server_busy` with `Retry-After` (Meta delivers such a webhook again later), so memory
    /// stays bounded however many clients send slowly.
    pub body_bytes_in_flight: usize,
}

impl HttpSettings {
    /// An unusable address is not refused here: it fails when it is bound.
    ///
    /// # Errors
    /// [`ConfigError`] for a number that is not one.
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
        Ok(Self {
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
            body_timeout: Duration::from_millis(
                parse_num(
                    "WACLOUD_BODY_TIMEOUT_MS",
                    raw.wacloud_body_timeout_ms,
                    10_000,
                )?
                .clamp(100, 600_000),
            ),
            events_max_clients: usize::try_from(
                parse_num(
                    "WACLOUD_EVENTS_MAX_CLIENTS",
                    raw.wacloud_events_max_clients,
                    512,
                )?
                .clamp(1, 100_000),
            )
            .unwrap_or(512),
            body_bytes_in_flight: usize::try_from(
                parse_num(
                    "WACLOUD_BODY_BYTES_IN_FLIGHT",
                    raw.wacloud_body_bytes_in_flight,
                    64 << 20,
                )?
                .clamp(4 << 20, 4 << 30),
            )
            .unwrap_or(64 << 20),
        })
    }
}
