//! `settings.queue`: the outbound queue's workers, leases and retries.

use std::time::Duration;

use super::{non_empty, parse_num, ConfigError, MetaSettings};

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Queue")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// Most queue sends in flight at once, 1–4096 (1,000 messages/s at 300 ms of Meta's latency
    /// keeps about 300 in flight).
    #[arg(long = "queue-workers", env, value_name = "N", default_value = "512")]
    wacloud_queue_workers: Option<String>,
    /// Seconds a claimed queue item stays with the instance that claimed it, up to 86400; after
    /// that (the instance died) another takes it over. Must be longer than the Graph timeout.
    #[arg(
        long = "queue-lease-secs",
        env,
        value_name = "SECS",
        default_value = "60"
    )]
    wacloud_queue_lease_secs: Option<String>,
    /// Attempts for a send refused for a passing reason, 1–100.
    #[arg(
        long = "queue-max-attempts",
        env,
        value_name = "N",
        default_value = "8"
    )]
    wacloud_queue_max_attempts: Option<String>,
    /// Seconds a send whose answer was lost waits for Meta's status webhook before it is decided
    /// on.
    #[arg(
        long = "queue-unknown-grace-secs",
        env,
        value_name = "SECS",
        default_value = "900"
    )]
    wacloud_queue_unknown_grace_secs: Option<String>,
    /// What then: `hold` (leave it `unknown` for an operator) or `resend` (send it again: may
    /// duplicate a message whose status is only late).
    #[arg(
        long = "queue-unknown-after-grace",
        env,
        value_name = "hold|resend",
        default_value = "hold"
    )]
    wacloud_queue_unknown_after_grace: Option<String>,
}

/// The outbound queue.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// `WACLOUD_QUEUE_WORKERS`: most queue sends in flight at once, 1–4096 (default 512). Sends
    /// in flight are the throughput times Meta's answer time, so the default leaves room for
    /// Meta's highest throughput (1,000 messages/s).
    pub workers: usize,
    /// `WACLOUD_QUEUE_LEASE_SECS`: how long a worker holds a claimed item (default 60); must
    /// be longer than the Graph timeout. After it another instance takes over a dead instance's
    /// items.
    pub lease: Duration,
    /// `WACLOUD_QUEUE_MAX_ATTEMPTS`: attempts for a send refused for a passing reason
    /// (default 8).
    pub max_attempts: u32,
    /// `WACLOUD_QUEUE_UNKNOWN_GRACE_SECS`: how long an item whose send's answer was lost waits
    /// for a status webhook before it is decided on (default 900).
    pub unknown_grace: Duration,
    /// `WACLOUD_QUEUE_UNKNOWN_AFTER_GRACE`: `hold` (default: leave it `unknown` for an
    /// operator) or `resend` (send it again as a new attempt).
    pub resend_unknown: bool,
}

impl QueueSettings {
    /// The lease is checked against `meta`'s Graph timeout.
    pub(super) fn parse(raw: Raw, meta: &MetaSettings) -> Result<Self, ConfigError> {
        let graph_timeout = meta.graph_timeout;
        let lease = Duration::from_secs(
            parse_num("WACLOUD_QUEUE_LEASE_SECS", raw.wacloud_queue_lease_secs, 60)?.min(86_400),
        );
        if lease <= graph_timeout {
            return Err(ConfigError(format!(
                "WACLOUD_QUEUE_LEASE_SECS ({} s) must be longer than the Graph timeout ({} ms), or another worker could take an item whose send is still running",
                lease.as_secs(),
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
        Ok(Self {
            workers: usize::try_from(parse_num(
                "WACLOUD_QUEUE_WORKERS",
                raw.wacloud_queue_workers,
                512,
            )?)
            .unwrap_or(512)
            .clamp(1, 4096),
            lease,
            max_attempts: u32::try_from(parse_num(
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
        })
    }
}
