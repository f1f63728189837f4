//! `settings.auth`: operators' sessions (their secret, how long they last) and their cookie.

use std::time::Duration;

use secrecy::SecretString;

use super::{flag, non_empty_secret, parse_num, random_secret, ConfigError};

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Operators' sessions")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// The key sessions are hashed under in the database (HMAC-SHA256 of the cookie's id): a
    /// cookie is only taken by servers with the same secret, and a copy of the database holds
    /// no usable session. Give every instance the same one. Default: a random secret at each
    /// start (every operator logs in again after a restart).
    #[arg(
        long = "session-secret",
        env,
        value_name = "SECRET",
        hide_env_values = true
    )]
    wacloud_session_secret: Option<SecretString>,
    /// Seconds a session may go unused before it ends, 1–31536000 (default 12 hours).
    #[arg(
        long = "session-idle-seconds",
        env,
        value_name = "SECONDS",
        default_value = "43200"
    )]
    wacloud_session_idle_seconds: Option<String>,
    /// Seconds after login a session ends however much it is used, 1–31536000 (default 7
    /// days).
    #[arg(
        long = "session-max-seconds",
        env,
        value_name = "SECONDS",
        default_value = "604800"
    )]
    wacloud_session_max_seconds: Option<String>,
    /// `true` when clients reach this server over HTTPS through a proxy that speaks HTTP to
    /// it: the session cookie is then always `Secure` (it is anyway for a request that came
    /// over TLS).
    #[arg(long = "behind-tls", env, value_name = "BOOL", default_value = "false")]
    wacloud_behind_tls: Option<String>,
}

/// Operators' sessions.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// `WACLOUD_SESSION_SECRET`, default random at each start: the key of the sessions' ids'
    /// hashes in the database.
    pub session_secret: SecretString,
    /// Whether `session_secret` was given (when not, sessions end at a restart).
    pub session_secret_given: bool,
    /// `WACLOUD_SESSION_IDLE_SECONDS`, default 43200 (12 h), 1–31536000.
    pub session_idle: Duration,
    /// `WACLOUD_SESSION_MAX_SECONDS`, default 604800 (7 days), 1–31536000.
    pub session_max: Duration,
    /// `WACLOUD_BEHIND_TLS`, default false: the cookie is always `Secure`.
    pub behind_tls: bool,
}

impl AuthSettings {
    /// # Errors
    /// [`ConfigError`] for a number that is not one.
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
        let given = non_empty_secret(raw.wacloud_session_secret);
        let secs = |name, v, default| -> Result<Duration, ConfigError> {
            Ok(Duration::from_secs(
                parse_num(name, v, default)?.clamp(1, 31_536_000),
            ))
        };
        Ok(Self {
            session_secret_given: given.is_some(),
            session_secret: given.unwrap_or_else(random_secret),
            session_idle: secs(
                "WACLOUD_SESSION_IDLE_SECONDS",
                raw.wacloud_session_idle_seconds,
                43_200,
            )?,
            session_max: secs(
                "WACLOUD_SESSION_MAX_SECONDS",
                raw.wacloud_session_max_seconds,
                604_800,
            )?,
            behind_tls: flag(raw.wacloud_behind_tls.as_deref()),
        })
    }
}
