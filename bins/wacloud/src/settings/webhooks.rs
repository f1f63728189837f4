//! `settings.webhooks`: the outbox worker and outgoing webhooks (Standard Webhooks).

use std::time::Duration;

use super::{parse_num, ConfigError};

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Outgoing webhooks")]
#[group(skip)]
pub(super) struct Raw {
    /// Milliseconds before the first retry of a failed delivery, doubling each time (half of
    /// each wait is random jitter).
    #[arg(
        long = "webhook-retry-base-ms",
        env,
        value_name = "MS",
        default_value = "5000"
    )]
    wacloud_webhook_retry_base_ms: Option<String>,
    /// Longest wait between two attempts, in milliseconds.
    #[arg(
        long = "webhook-retry-cap-ms",
        env,
        value_name = "MS",
        default_value = "3600000"
    )]
    wacloud_webhook_retry_cap_ms: Option<String>,
    /// Seconds after the event when a failed delivery is given up (`dead`): 3 days.
    #[arg(
        long = "webhook-max-age-secs",
        env,
        value_name = "SECS",
        default_value = "259200"
    )]
    wacloud_webhook_max_age_secs: Option<String>,
    /// Milliseconds a receiver has to answer (connection included), 100–60000.
    #[arg(
        long = "webhook-timeout-ms",
        env,
        value_name = "MS",
        default_value = "10000"
    )]
    wacloud_webhook_timeout_ms: Option<String>,
    /// Most deliveries in flight at once, 1–1024.
    #[arg(
        long = "webhook-concurrency",
        env,
        value_name = "N",
        default_value = "64"
    )]
    wacloud_webhook_concurrency: Option<String>,
    /// Milliseconds the outbox worker waits when nothing is due, 10–10000.
    #[arg(long = "outbox-poll-ms", env, value_name = "MS", default_value = "200")]
    wacloud_outbox_poll_ms: Option<String>,
    /// Days done and dead deliveries (and their attempts) are kept, 1–3650.
    #[arg(
        long = "webhook-retain-days",
        env,
        value_name = "DAYS",
        default_value = "7"
    )]
    wacloud_webhook_retain_days: Option<String>,
    /// `true` to allow subscriptions (and deliveries) to loopback, link-local and private
    /// addresses and `localhost`: receivers on this server's own network.
    #[arg(
        long = "webhook-allow-private",
        env,
        value_name = "BOOL",
        default_value = "false"
    )]
    wacloud_webhook_allow_private: Option<String>,
}

/// The outbox worker and outgoing webhooks.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSettings {
    /// `WACLOUD_WEBHOOK_RETRY_BASE_MS`: the first retry's wait (default 5 s), doubling.
    pub retry_base: Duration,
    /// `WACLOUD_WEBHOOK_RETRY_CAP_MS`: the longest wait (default 1 h).
    pub retry_cap: Duration,
    /// `WACLOUD_WEBHOOK_MAX_AGE_SECS`: a delivery failing this long after its event is
    /// `dead` (default 3 days).
    pub max_age: Duration,
    /// `WACLOUD_WEBHOOK_TIMEOUT_MS`: a receiver's time to answer (default 10 s).
    pub timeout: Duration,
    /// `WACLOUD_WEBHOOK_CONCURRENCY`: deliveries in flight at once (default 64).
    pub concurrency: usize,
    /// `WACLOUD_OUTBOX_POLL_MS`: the worker's wait when nothing is due (default 200 ms).
    pub poll: Duration,
    /// `WACLOUD_WEBHOOK_RETAIN_DAYS`: how long finished deliveries are kept (default 7).
    pub retain_days: u32,
    /// `WACLOUD_WEBHOOK_ALLOW_PRIVATE`: receivers may be on loopback, link-local or private
    /// addresses (default `false`: refused as `private_url`, and a delivery whose host
    /// resolves to one fails).
    pub allow_private: bool,
}

impl WebhookSettings {
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
        let ms = |name, v, d| parse_num(name, v, d).map(Duration::from_millis);
        let retry_base = ms(
            "WACLOUD_WEBHOOK_RETRY_BASE_MS",
            raw.wacloud_webhook_retry_base_ms,
            5000,
        )?
        .max(Duration::from_millis(1));
        let retry_cap = ms(
            "WACLOUD_WEBHOOK_RETRY_CAP_MS",
            raw.wacloud_webhook_retry_cap_ms,
            3_600_000,
        )?
        .max(retry_base);
        Ok(Self {
            retry_base,
            retry_cap,
            max_age: Duration::from_secs(parse_num(
                "WACLOUD_WEBHOOK_MAX_AGE_SECS",
                raw.wacloud_webhook_max_age_secs,
                259_200,
            )?),
            timeout: ms(
                "WACLOUD_WEBHOOK_TIMEOUT_MS",
                raw.wacloud_webhook_timeout_ms,
                10_000,
            )?
            .clamp(Duration::from_millis(100), Duration::from_secs(60)),
            concurrency: usize::try_from(parse_num(
                "WACLOUD_WEBHOOK_CONCURRENCY",
                raw.wacloud_webhook_concurrency,
                64,
            )?)
            .unwrap_or(64)
            .clamp(1, 1024),
            poll: ms("WACLOUD_OUTBOX_POLL_MS", raw.wacloud_outbox_poll_ms, 200)?
                .clamp(Duration::from_millis(10), Duration::from_secs(10)),
            retain_days: u32::try_from(parse_num(
                "WACLOUD_WEBHOOK_RETAIN_DAYS",
                raw.wacloud_webhook_retain_days,
                7,
            )?)
            .unwrap_or(7)
            .clamp(1, 3650),
            allow_private: super::flag(raw.wacloud_webhook_allow_private.as_deref()),
        })
    }
}
