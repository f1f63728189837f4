//! `settings.http`: where the server listens, who may call it, and how much a client may hold.

use std::time::Duration;

use secrecy::SecretString;

use super::{non_empty, non_empty_secret, parse_num, ConfigError};

/// Default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

/// The variables of this part as read; every one optional. Each field is one setting: its name
/// in upper case is the environment variable, its doc comment is its `wacloud serve --help`
/// text, and its `default_value` must be what [`HttpSettings::parse`] applies when it is unset
/// (checked by a test).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "HTTP server")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// Address and port to listen on; port 0 picks a free port. `0.0.0.0:8000` accepts
    /// connections from other machines (behind a load balancer).
    #[arg(long = "bind", env, value_name = "ADDR", default_value = DEFAULT_BIND)]
    wacloud_bind: Option<String>,
    /// When set, the REST API and `/events` require `Authorization: Bearer <key>` or
    /// `X-API-Key: <key>` (the webhook and the health check's bare answer do not). Default:
    /// unset, no key.
    #[arg(long = "api-key", env, value_name = "KEY", hide_env_values = true)]
    wacloud_api_key: Option<SecretString>,
    /// Origins (comma-separated, or `*`) whose pages may call the API and embed the widget; a
    /// write a browser sends from any other site is refused 403 `cross_site_request`. Default:
    /// none.
    #[arg(long = "cors-origins", env, value_name = "ORIGINS")]
    wacloud_cors_origins: Option<String>,
    /// Milliseconds a request's body (a webhook delivery or an API write) may take to arrive,
    /// 100–600000; a slower sender is answered 408 `request_timeout`.
    #[arg(
        long = "body-timeout-ms",
        env,
        value_name = "MS",
        default_value = "10000"
    )]
    wacloud_body_timeout_ms: Option<String>,
    /// Most `GET /events` streams open at once on this instance, 1–100000; past it 503
    /// `too_many_event_streams` with `Retry-After`. Keep it well below the open-files limit
    /// (`ulimit -n`).
    #[arg(
        long = "events-max-clients",
        env,
        value_name = "N",
        default_value = "512"
    )]
    wacloud_events_max_clients: Option<String>,
    /// Most bytes of request bodies (webhook deliveries and API writes together) held at once
    /// while they are read, 4194304–4294967296 (4 MiB–4 GiB; default 32 MiB); past it 503
    /// `server_busy` with `Retry-After`.
    #[arg(
        long = "body-bytes-in-flight",
        env,
        value_name = "BYTES",
        default_value = "33554432"
    )]
    wacloud_body_bytes_in_flight: Option<String>,
    /// Bytes the kernel may buffer on each accepted connection before the server reads them
    /// (`SO_RCVBUF`), 4096–16777216, or 0 for the kernel's own (autotuned, up to
    /// `net.ipv4.tcp_rmem`'s maximum). The HTTP layer reads up to 128 KiB of what is buffered
    /// before a request's head is even parsed, so this bounds what each connection costs before
    /// the body budget sees it; raise it for large uploads over slow, distant links.
    #[arg(
        long = "socket-receive-buffer",
        env,
        value_name = "BYTES",
        default_value = "16384"
    )]
    wacloud_socket_receive_buffer: Option<String>,
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
    /// `WACLOUD_BODY_TIMEOUT_MS`, default 10000, 100–600000: how long a request's body (a
    /// webhook delivery or an API write) may take to arrive; a slower sender is answered 408
    /// `request_timeout`.
    pub body_timeout: Duration,
    /// `WACLOUD_EVENTS_MAX_CLIENTS`, default 512, 1–100000: most `GET /events` streams open at
    /// once on this instance; past it a new one is answered 503 `too_many_event_streams`.
    pub events_max_clients: usize,
    /// `WACLOUD_BODY_BYTES_IN_FLIGHT`, default 33554432 (32 MiB), 4194304–4294967296: most
    /// bytes of request bodies (webhook deliveries and API writes together) the server holds
    /// at once while reading them. A request whose body would pass it is answered 503
    /// `server_busy` with `Retry-After` (Meta delivers such a webhook again later), so memory
    /// stays bounded however many clients send slowly.
    pub body_bytes_in_flight: usize,
    /// `WACLOUD_SOCKET_RECEIVE_BUFFER`, default 16384, 4096–16777216 or 0 (`None`: the
    /// kernel's autotuned size): `SO_RCVBUF` of every accepted connection, which bounds what
    /// the HTTP layer reads ahead of the handlers per connection (up to 128 KiB otherwise).
    pub socket_receive_buffer: Option<usize>,
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
                    32 << 20,
                )?
                .clamp(4 << 20, 4 << 30),
            )
            .unwrap_or(32 << 20),
            socket_receive_buffer: match parse_num(
                "WACLOUD_SOCKET_RECEIVE_BUFFER",
                raw.wacloud_socket_receive_buffer,
                16_384,
            )? {
                0 => None,
                n => Some(usize::try_from(n.clamp(4096, 16 << 20)).unwrap_or(16_384)),
            },
        })
    }
}
