//! `settings.log`: what the server logs.

use super::non_empty;

/// The log filter when `RUST_LOG` is unset: everything at `info`, except actix's per-worker
/// start-up lines.
pub const DEFAULT_LOG_FILTER: &str = "info,actix_server=warn";

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Logging")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// What to log, in tracing's EnvFilter syntax (e.g. `warn,wacloud=debug`); an unreadable
    /// filter falls back to the default.
    #[arg(long = "log", env, value_name = "FILTER", default_value = DEFAULT_LOG_FILTER)]
    rust_log: Option<String>,
}

/// Logging.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// `RUST_LOG`, default [`DEFAULT_LOG_FILTER`]: the filter, in `tracing_subscriber`'s
    /// `EnvFilter` syntax; the binary falls back to the default when it cannot be read.
    pub filter: String,
}

impl LogSettings {
    pub(super) fn parse(raw: Raw) -> Self {
        Self {
            filter: non_empty(raw.rust_log).unwrap_or_else(|| DEFAULT_LOG_FILTER.to_owned()),
        }
    }
}
