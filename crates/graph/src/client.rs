//! The HTTP client: `POST {base}/{version}/{phone_number_id}/messages` for sends, read
//! receipts and the typing indicator.

use reqwest::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{ApiError, GraphError};
use crate::messages::OutboundMessage;

/// Default Graph API host.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// Default Graph API version.
pub const DEFAULT_API_VERSION: &str = "v25.0";
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of an unreadable body goes into a [`GraphError::Decode`] message.
const BODY_EXCERPT_CHARS: usize = 200;

struct Inner {
    http: reqwest::Client,
    auth: HeaderValue,
    #[expect(
        dead_code,
        reason = "kept for the media download of milestone 2, which sends it only to Meta's hosts"
    )]
    token: SecretString,
    base_url: String,
    api_version: String,
    phone_number_id: String,
    timeout: Duration,
}

/// A Cloud API client for one business phone number. Cheap to clone (an `Arc`
/// inside); `Debug` never shows the access token.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("base_url", &self.inner.base_url)
            .field("api_version", &self.inner.api_version)
            .field("phone_number_id", &self.inner.phone_number_id)
            .field("timeout", &self.inner.timeout)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

/// Builds a [`GraphClient`]; every setting is optional.
pub struct GraphClientBuilder {
    token: SecretString,
    phone_number_id: String,
    base_url: String,
    api_version: String,
    timeout: Duration,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for GraphClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("timeout", &self.timeout)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

impl GraphClientBuilder {
    /// The Graph host, default `https://graph.facebook.com`; requests go to
    /// `{base}/{version}/{phone_number_id}/messages`. Point it at a mock or the sandbox.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The Graph API version, default `v25.0`.
    pub fn api_version(mut self, v: impl Into<String>) -> Self {
        self.api_version = v.into();
        self
    }

    /// The per-request timeout, default 30 s.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Uses this `reqwest::Client` (connection pool, proxy) instead of a new one.
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self
    }

    /// Checks the settings and builds the client.
    ///
    /// Errors with [`GraphError::Config`] for an empty or non-header-safe token, an
    /// empty or path-unsafe phone number id or version, or a base URL that is not
    /// `http(s)://`.
    pub fn build(self) -> Result<GraphClient, GraphError> {
        let token = self.token.expose_secret();
        if token.trim().is_empty() {
            return Err(GraphError::Config("the access token is empty".into()));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            GraphError::Config(
                "the access token contains characters not allowed in a header".into(),
            )
        })?;
        auth.set_sensitive(true);
        let path_safe = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        if !path_safe(&self.phone_number_id) {
            return Err(GraphError::Config(format!(
                "phone_number_id {:?} must be a non-empty id of letters and digits",
                self.phone_number_id
            )));
        }
        if !path_safe(&self.api_version) {
            return Err(GraphError::Config(format!(
                "api_version {:?} must look like v25.0",
                self.api_version
            )));
        }
        let base = self.base_url.trim_end_matches('/').to_owned();
        let parsed = url::Url::parse(&base)
            .map_err(|e| GraphError::Config(format!("base_url {base:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(GraphError::Config(format!(
                "base_url {base:?} must be an http(s) URL with a host"
            )));
        }
        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .user_agent(concat!("wacloud-graph/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| GraphError::Config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                auth,
                token: self.token,
                base_url: base,
                api_version: self.api_version,
                phone_number_id: self.phone_number_id,
                timeout: self.timeout,
            }),
        })
    }
}

/// Meta's answer to a send: `{"messaging_product","contacts":[{"input","wa_id"}],
/// "messages":[{"id","message_status"?}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct SendMessageResponse {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// The recipient as Meta resolved it (the `wa_id` may differ from the input,
    /// e.g. Brazilian numbers without the ninth digit).
    #[serde(default)]
    pub contacts: Vec<SentContact>,
    /// The created message(s).
    #[serde(default)]
    pub messages: Vec<SentMessage>,
}

impl SendMessageResponse {
    /// The new message's `wamid`.
    pub fn wamid(&self) -> Option<&str> {
        self.messages.first().map(|m| m.id.as_str())
    }

    /// The recipient's `wa_id` as Meta resolved it (trimmed; Meta's docs show a
    /// trailing space).
    pub fn wa_id(&self) -> Option<&str> {
        self.contacts
            .first()
            .and_then(|c| c.wa_id.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// `contacts[]` of a send answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct SentContact {
    /// What was sent as `to` / `recipient`.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub input: Option<String>,
    /// The recipient's WhatsApp id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
    /// The recipient's BSUID.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub user_id: Option<String>,
}

/// `messages[]` of a send answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SentMessage {
    /// The `wamid`.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// `accepted`, `held_for_quality_assessment`, ... (template sends).
    #[serde(default)]
    pub message_status: Option<String>,
}

impl GraphClient {
    /// Starts a builder for the number `phone_number_id`, authenticating with
    /// `access_token` (a system-user or user access token).
    pub fn builder(
        access_token: SecretString,
        phone_number_id: impl Into<String>,
    ) -> GraphClientBuilder {
        GraphClientBuilder {
            token: access_token,
            phone_number_id: phone_number_id.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            http: None,
        }
    }

    /// The business phone number id.
    pub fn phone_number_id(&self) -> &str {
        &self.inner.phone_number_id
    }

    /// The Graph API version in use.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// The base URL in use (without trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    fn messages_url(&self) -> String {
        format!(
            "{}/{}/{}/messages",
            self.inner.base_url, self.inner.api_version, self.inner.phone_number_id
        )
    }

    /// Sends a message (`POST /{phone_number_id}/messages`).
    ///
    /// The message is validated first ([`GraphError::Validation`], no request made).
    /// A timeout or a connection broken after sending gives an error whose
    /// [`GraphError::is_outcome_unknown`] is true: the message may have gone out, so
    /// it must not be replayed blindly.
    pub async fn send_message(
        &self,
        msg: &OutboundMessage,
    ) -> Result<SendMessageResponse, GraphError> {
        msg.validate()?;
        let (status, body) = self
            .post_json(&self.messages_url(), &msg.to_json(), false)
            .await?;
        serde_json::from_slice::<SendMessageResponse>(&body)
            .map_err(|e| GraphError::Decode {
                status,
                message: format!("send answer: {e}; body starts {}", excerpt(&body)),
            })
            .and_then(|r| {
                if r.wamid().is_none() {
                    Err(GraphError::Decode {
                        status,
                        message: format!(
                            "send answer has no messages[0].id; body starts {}",
                            excerpt(&body)
                        ),
                    })
                } else {
                    Ok(r)
                }
            })
    }

    /// Marks an inbound message (and the ones before it) as read: blue ticks.
    /// Body `{"messaging_product":"whatsapp","status":"read","message_id":wamid}`.
    pub async fn mark_read(&self, wamid: &str) -> Result<(), GraphError> {
        self.read_receipt(wamid, false).await
    }

    /// Marks as read and shows the typing indicator for up to 25 s or until the
    /// next message: as [`GraphClient::mark_read`] plus `"typing_indicator":{"type":"text"}`.
    pub async fn mark_read_with_typing(&self, wamid: &str) -> Result<(), GraphError> {
        self.read_receipt(wamid, true).await
    }

    async fn read_receipt(&self, wamid: &str, typing: bool) -> Result<(), GraphError> {
        if wamid.trim().is_empty() {
            return Err(GraphError::Validation(
                crate::messages::ValidationError::new(
                    "message_id",
                    "the message id to mark as read is empty",
                ),
            ));
        }
        let mut body = json!({
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": wamid,
        });
        if typing {
            body["typing_indicator"] = json!({"type": "text"});
        }
        // A read receipt is idempotent: replaying it is harmless, so its outcome is never "unknown".
        let (status, bytes) = self.post_json(&self.messages_url(), &body, true).await?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| GraphError::Decode {
            status,
            message: format!("read receipt answer: {e}; body starts {}", excerpt(&bytes)),
        })?;
        if v.get("success").and_then(Value::as_bool) == Some(false) {
            return Err(GraphError::Decode {
                status,
                message: "Meta answered success=false to the read receipt".into(),
            });
        }
        Ok(())
    }

    /// POSTs JSON and returns the 2xx status and body, or the error.
    async fn post_json(
        &self,
        url: &str,
        body: &Value,
        idempotent: bool,
    ) -> Result<(u16, Vec<u8>), GraphError> {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, self.inner.auth.clone());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("wacloud-graph/", env!("CARGO_PKG_VERSION"))),
        );
        let bytes = serde_json::to_vec(body)
            .map_err(|e| GraphError::Config(format!("could not encode the request: {e}")))?;
        let resp = self
            .inner
            .http
            .post(url)
            .headers(headers)
            .timeout(self.inner.timeout)
            .body(bytes)
            .send()
            .await
            .map_err(|e| map_reqwest(e, idempotent))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = resp
            .bytes()
            .await
            .map_err(|e| map_reqwest(e, idempotent))?
            .to_vec();
        if (200..300).contains(&status) {
            return Ok((status, body));
        }
        match ApiError::from_body(status, &body) {
            Some(mut e) => {
                e.retry_after = retry_after;
                Err(GraphError::Api(e))
            }
            None => Err(GraphError::Decode {
                status,
                message: format!(
                    "error answer without Meta's error object; body starts {}",
                    excerpt(&body)
                ),
            }),
        }
    }
}

/// Maps a reqwest error; `idempotent` requests never have an unknown outcome.
fn map_reqwest(e: reqwest::Error, idempotent: bool) -> GraphError {
    // Never include the URL or headers: strip them from reqwest's message.
    let e = e.without_url();
    if e.is_connect() {
        // Connect errors (including connect timeouts) happen before any byte of the
        // request is sent: Meta cannot have acted.
        return GraphError::Transport(e.to_string());
    }
    if e.is_timeout() {
        return GraphError::Timeout {
            outcome_unknown: !idempotent,
        };
    }
    if e.is_builder() {
        return GraphError::Config(e.to_string());
    }
    GraphError::Interrupted {
        message: e.to_string(),
        outcome_unknown: !idempotent,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by Meta).
fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn excerpt(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let mut out: String = s.chars().take(BODY_EXCERPT_CHARS).collect();
    if s.chars().count() > BODY_EXCERPT_CHARS {
        out.push('…');
    }
    format!("{out:?}")
}
