//! `settings.sandbox`: how the embedded Meta stand-in behaves (sandbox mode only).

use std::time::Duration;

use super::{flag, parse_num, ConfigError, ThroughputSettings};

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Sandbox (without WHATSAPP_API_TOKEN)")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// The sandbox fails free-form messages outside the 24-hour customer service window with
    /// 131047, as Meta does (`true`, `1`, `yes` or `on`).
    #[arg(
        long = "sandbox-strict-window",
        env,
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        default_value = "false"
    )]
    wacloud_sandbox_strict_window: Option<String>,
    /// Milliseconds between the sandbox's statuses of a message (sent, delivered, read).
    #[arg(
        long = "sandbox-status-delay-ms",
        env,
        value_name = "MS",
        default_value = "500"
    )]
    wacloud_sandbox_status_delay_ms: Option<String>,
    /// Milliseconds the sandbox takes to answer a send.
    #[arg(
        long = "sandbox-latency-ms",
        env,
        value_name = "MS",
        default_value = "0"
    )]
    wacloud_sandbox_latency_ms: Option<String>,
    /// The sandbox's throughput cap in messages per second (0: none); above it, 130429.
    /// Default: the number's (WACLOUD_MESSAGES_PER_SECOND).
    #[arg(long = "sandbox-messages-per-second", env, value_name = "N")]
    wacloud_sandbox_messages_per_second: Option<String>,
    /// Milliseconds the sandbox takes to review a submitted template (PENDING, then APPROVED
    /// or REJECTED with the status webhook).
    #[arg(
        long = "sandbox-template-review-ms",
        env,
        value_name = "MS",
        default_value = "2000"
    )]
    wacloud_sandbox_template_review_ms: Option<String>,
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
    /// `WACLOUD_SANDBOX_TEMPLATE_REVIEW_MS`: how long the sandbox's review of a submitted
    /// template takes (default 2000).
    pub template_review: Duration,
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
            template_review: Duration::from_millis(parse_num(
                "WACLOUD_SANDBOX_TEMPLATE_REVIEW_MS",
                raw.wacloud_sandbox_template_review_ms,
                2000,
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
