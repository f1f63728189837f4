//! `settings.http`: where the server listens and who may call it.

use secrecy::SecretString;
use serde::Deserialize;

use super::{non_empty, non_empty_secret};

/// Default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";

/// The variables of this part as read; every one optional.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Raw {
    wacloud_bind: Option<String>,
    wacloud_api_key: Option<SecretString>,
    wacloud_cors_origins: Option<String>,
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
}

impl HttpSettings {
    /// None of these values is refused: an unusable address fails when it is bound.
    pub(super) fn parse(raw: Raw) -> Self {
        Self {
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
        }
    }
}
