//! `settings.throughput`: how fast the business number may send, as Meta limits it (the number's
//! messages per second, and the pair rate to one recipient).

use std::time::Duration;

use wacloud_graph::pacer::{
    DEFAULT_MESSAGES_PER_SECOND, MAX_MESSAGES_PER_SECOND, SHARED_NUMBER_MESSAGES_PER_SECOND,
};

use super::{flag, non_empty, parse_num, ConfigError};

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Sending pace")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// The number's throughput in messages per second, 1–1000: 80 is Meta's default; 20 (and no
    /// more) with WACLOUD_SHARED_WITH_BUSINESS_APP.
    #[arg(
        long = "messages-per-second",
        env,
        value_name = "N",
        default_value = "80",
        // With the coexistence flag given, its own default (20) applies.
        default_value_if(
            "wacloud_shared_with_business_app",
            clap::builder::ArgPredicate::IsPresent,
            None
        )
    )]
    wacloud_messages_per_second: Option<String>,
    /// The number is also used in the WhatsApp Business app (coexistence), whose throughput Meta
    /// fixes at 20 messages/s (`true`, `1`, `yes` or `on`).
    // Declared after the throughput: clap fills defaults in order, and the throughput's default
    // must see only a flag that was given.
    #[arg(
        long = "shared-with-business-app",
        env,
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        default_value = "false"
    )]
    wacloud_shared_with_business_app: Option<String>,
    /// Milliseconds between messages to one recipient, 1 or more (Meta's pair rate is one every
    /// 6 s).
    #[arg(
        long = "pair-interval-ms",
        env,
        value_name = "MS",
        default_value = "6000"
    )]
    wacloud_pair_interval_ms: Option<String>,
    /// Messages one recipient may get at once before the spacing applies, 1 or more (Meta
    /// allows 45).
    #[arg(long = "pair-burst", env, value_name = "N", default_value = "10")]
    wacloud_pair_burst: Option<String>,
}

/// The number's sending pace, applied to every send (direct or queued).
#[derive(Debug, Clone)]
pub struct ThroughputSettings {
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
}

impl ThroughputSettings {
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
        let shared_with_business_app = flag(raw.wacloud_shared_with_business_app.as_deref());
        let mps_default = if shared_with_business_app {
            SHARED_NUMBER_MESSAGES_PER_SECOND
        } else {
            DEFAULT_MESSAGES_PER_SECOND
        };
        let mps_set = non_empty(raw.wacloud_messages_per_second.clone()).is_some();
        let messages_per_second = parse_num(
            "WACLOUD_MESSAGES_PER_SECOND",
            raw.wacloud_messages_per_second,
            u64::from(mps_default),
        )?;
        let max = u64::from(MAX_MESSAGES_PER_SECOND);
        if !(1..=max).contains(&messages_per_second) {
            return Err(ConfigError(format!(
                "WACLOUD_MESSAGES_PER_SECOND must be 1 to {max} (Meta's throughput levels are 80 by default and up to 1000), got {messages_per_second}"
            )));
        }
        let shared_cap = u64::from(SHARED_NUMBER_MESSAGES_PER_SECOND);
        if shared_with_business_app && mps_set && messages_per_second > shared_cap {
            return Err(ConfigError(format!(
                "WACLOUD_MESSAGES_PER_SECOND is {messages_per_second} but WACLOUD_SHARED_WITH_BUSINESS_APP is set: Meta allows {shared_cap} messages per second for a number shared with the WhatsApp Business app"
            )));
        }
        let messages_per_second = u32::try_from(messages_per_second).unwrap_or(80);
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
            messages_per_second,
            shared_with_business_app,
            pair_interval: Duration::from_millis(pair_interval),
            pair_burst: u32::try_from(pair_burst).unwrap_or(u32::MAX),
        })
    }
}
