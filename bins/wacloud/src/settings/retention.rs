//! `settings.retention`: how long raw deliveries and message texts are kept.

use std::time::Duration;

use wacloud_core::privacy::Retention;
use wacloud_core::usecases::privacy::{PRUNE_BATCH, PRUNE_PAUSE_MS};

use super::{non_empty, parse_num, ConfigError};

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Retention")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// Days a raw webhook delivery is kept after it was applied, 1–36500, or `forever`. Failed
    /// deliveries and ones not applied yet are kept until handled, whatever their age. Pruned
    /// ones stay counted in /stats (`webhooks.pruned`).
    #[arg(
        long = "retain-webhook-days",
        env,
        value_name = "DAYS|forever",
        default_value = "30"
    )]
    wacloud_retain_webhook_days: Option<String>,
    /// Days a message's text, payload and raw JSON are kept, 1–36500, or `forever`; after that
    /// they are cleared (and leave the search index) while the message, its status and the
    /// counts stay.
    #[arg(
        long = "retain-message-text-days",
        env,
        value_name = "DAYS|forever",
        default_value = "forever"
    )]
    wacloud_retain_message_text_days: Option<String>,
    /// Rows the pruner removes or clears per transaction, 1–10000: each is a write ingestion may
    /// wait behind.
    #[arg(long = "retain-batch", env, value_name = "ROWS", default_value = "10")]
    wacloud_retain_batch: Option<String>,
    /// Milliseconds the pruner rests between two transactions, 0–60000: leaves the writer and the
    /// CPU to ingestion while a large backlog is pruned.
    #[arg(long = "retain-pause-ms", env, value_name = "MS", default_value = "50")]
    wacloud_retain_pause_ms: Option<String>,
}

/// Retention.
#[derive(Debug, Clone, Copy)]
pub struct RetentionSettings {
    /// `WACLOUD_RETAIN_WEBHOOK_DAYS` (default 30) and `WACLOUD_RETAIN_MESSAGE_TEXT_DAYS`
    /// (default `forever`).
    pub policy: Retention,
    /// `WACLOUD_RETAIN_BATCH`: rows per pruning transaction (default [`PRUNE_BATCH`]).
    pub batch: i64,
    /// `WACLOUD_RETAIN_PAUSE_MS`: the rest between two pruning transactions (default
    /// [`PRUNE_PAUSE_MS`]).
    pub pause: Duration,
}

fn bounded(
    name: &str,
    v: Option<String>,
    default: u64,
    max: u64,
    min: u64,
) -> Result<u64, ConfigError> {
    let n = parse_num(name, v, default)?;
    if !(min..=max).contains(&n) {
        return Err(ConfigError(format!(
            "{name} must be {min} to {max}; got {n}"
        )));
    }
    Ok(n)
}

fn days(name: &str, v: Option<String>, default: Option<u32>) -> Result<Option<u32>, ConfigError> {
    match non_empty(v) {
        None => Ok(default),
        Some(s) if s.eq_ignore_ascii_case("forever") => Ok(None),
        Some(s) => {
            let n = parse_num(name, Some(s), 0)?;
            if !(1..=36_500).contains(&n) {
                return Err(ConfigError(format!(
                    "{name} must be 1 to 36500 days, or forever; got {n}"
                )));
            }
            Ok(u32::try_from(n).ok())
        }
    }
}

impl RetentionSettings {
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
        Ok(Self {
            policy: Retention {
                webhook_days: days(
                    "WACLOUD_RETAIN_WEBHOOK_DAYS",
                    raw.wacloud_retain_webhook_days,
                    Some(30),
                )?,
                message_text_days: days(
                    "WACLOUD_RETAIN_MESSAGE_TEXT_DAYS",
                    raw.wacloud_retain_message_text_days,
                    None,
                )?,
            },
            batch: i64::try_from(bounded(
                "WACLOUD_RETAIN_BATCH",
                raw.wacloud_retain_batch,
                PRUNE_BATCH.unsigned_abs(),
                10_000,
                1,
            )?)
            .unwrap_or(PRUNE_BATCH),
            pause: Duration::from_millis(bounded(
                "WACLOUD_RETAIN_PAUSE_MS",
                raw.wacloud_retain_pause_ms,
                PRUNE_PAUSE_MS,
                60_000,
                0,
            )?),
        })
    }
}
