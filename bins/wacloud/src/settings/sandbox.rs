//! `settings.sandbox`: how the embedded Meta stand-in behaves (sandbox mode only).

use std::time::Duration;

use serde::Deserialize;

use super::{flag, parse_num, ConfigError, ThroughputSettings};

/// The variables of this part as read; every one optional.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Raw {
    wacloud_sandbox_strict_window: Option<String>,
    wacloud_sandbox_status_delay_ms: Option<String>,
    wacloud_sandbox_latency_ms: Option<String>,
    wacloud_sandbox_messages_per_second: Option<String>,
}

/// The embedded sandbox.
#[derive(Debug, Clone)]
pub struct SandboxSettings {
    /// `WACLOUD_SANDBOX_STRICT_WINDOW`: the sandbox fails free-form messages outside the
    /// 24-hour window with 131047, as Meta does.
    pub strict_window: bool,
    /// `WACLOUD_SANDBOX_STATUS_DELAY_MS`: delay between the sandbox's statuses.
    pub status_delay: Duration,
    /// `WACLOUD_SANDBOX_LATENCY_MS`: the sandbox's answer time for a send (default 0).
    pub latency: Duration,
    /// `WACLOUD_SANDBOX_MESSAGES_PER_SECOND`: the sandbox's throughput cap (default: the
    /// number's `messages_per_second`; 0: none).
    pub messages_per_second: u32,
}

impl SandboxSettings {
    /// The throughput cap defaults to `throughput`'s messages per second.
    pub(super) fn parse(raw: Raw, throughput: &ThroughputSettings) -> Result<Self, ConfigError> {
        Ok(Self {
            strict_window: flag(raw.wacloud_sandbox_strict_window.as_deref()),
            status_delay: Duration::from_millis(parse_num(
                "WACLOUD_SANDBOX_STATUS_DELAY_MS",
                raw.wacloud_sandbox_status_delay_ms,
                500,
            )?),
            latency: Duration::from_millis(parse_num(
                "WACLOUD_SANDBOX_LATENCY_MS",
                raw.wacloud_sandbox_latency_ms,
                0,
            )?),
            messages_per_second: u32::try_from(parse_num(
                "WACLOUD_SANDBOX_MESSAGES_PER_SECOND",
                raw.wacloud_sandbox_messages_per_second,
                u64::from(throughput.messages_per_second),
            )?)
            .unwrap_or(0),
        })
    }
}
