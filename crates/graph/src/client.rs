//! The HTTP client: `POST {base}/{version}/{phone_number_id}/messages` for sends, read
//! receipts and the typing indicator.

use reqwest::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{ApiError, GraphError};
use crate::messages::OutboundMessage;
use crate::pacer::Pacer;
use crate::retry::{RequestKind, RetryPolicy};

/// Default Graph API host.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// Default Graph API version.
pub const DEFAULT_API_VERSION: &str = "v25.0";
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of an unreadable body goes into a [`GraphError::Decode`] message.
const BODY_EXCERPT_CHARS: usize = 200;

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) auth: HeaderValue,
    #[expect(
        dead_code,
        reason = "kept so the client owns its secret; requests use the prepared `auth` header"
    )]
    token: SecretString,
    base_url: String,
    /// Scheme, host and port of `base_url`: the one non-Meta origin the token may go to.
    pub(crate) base_origin: url::Origin,
    api_version: String,
    phone_number_id: String,
    pub(crate) waba_id: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) pacer: Option<Pacer>,
}

/// A Cloud API client for one business phone number. Cheap to clone (an `Arc`
/// inside); `Debug` never shows the access token.
#[derive(Clone)]
pub struct GraphClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("base_url", &self.inner.base_url)
            .field("api_version", &self.inner.api_version)
            .field("phone_number_id", &self.inner.phone_number_id)
            .field("waba_id", &self.inner.waba_id)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("pacer", &self.inner.pacer)
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
    waba_id: Option<String>,
    retry: RetryPolicy,
    pacer: Option<Pacer>,
}

impl fmt::Debug for GraphClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("phone_number_id", &self.phone_number_id)
            .field("waba_id", &self.waba_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("pacer", &self.pacer)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

impl GraphClientBuilder {
    /// The WhatsApp Business Account (WABA) id, needed by the template calls
    /// (`/{waba_id}/message_templates`); those return [`GraphError::Config`] without it.
    pub fn waba_id(mut self, id: impl Into<String>) -> Self {
        self.waba_id = Some(id.into());
        self
    }

    /// The retry policy, default [`RetryPolicy::none`] (one attempt). Reads retry on
    /// transient failures; sends only when Meta provably refused them before acting
    /// (see [`crate::retry`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Paces every [`GraphClient::send_message`] with this pacer (opt-in; clones of a
    /// pacer share their budget). Each attempt, retries included, waits for the
    /// recipient's and the number's slot.
    pub fn pacer(mut self, pacer: Pacer) -> Self {
        self.pacer = Some(pacer);
        self
    }

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
        if let Some(w) = &self.waba_id {
            if !path_safe(w) {
                return Err(GraphError::Config(format!(
                    "waba_id {w:?} must be a non-empty id of letters and digits"
                )));
            }
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
                base_origin: parsed.origin(),
                api_version: self.api_version,
                phone_number_id: self.phone_number_id,
                waba_id: self.waba_id,
                timeout: self.timeout,
                retry: self.retry,
                pacer: self.pacer,
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
            waba_id: None,
            retry: RetryPolicy::none(),
            pacer: None,
        }
    }

    /// The WhatsApp Business Account id, when configured.
    pub fn waba_id(&self) -> Option<&str> {
        self.inner.waba_id.as_deref()
    }

    /// The retry policy in use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The pacer in use, when one was set.
    pub fn pacer(&self) -> Option<&Pacer> {
        self.inner.pacer.as_ref()
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
        self.node_url(&[&self.inner.phone_number_id, "messages"])
    }

    /// `{base}/{version}/{segments...}`, each segment percent-encoded.
    pub(crate) fn node_url(&self, segments: &[&str]) -> String {
        let mut u = format!("{}/{}", self.inner.base_url, self.inner.api_version);
        for s in segments {
            u.push('/');
            u.push_str(&url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>());
        }
        u
    }

    /// The WABA id, or [`GraphError::Config`] naming the call that needs it.
    pub(crate) fn require_waba(&self, call: &str) -> Result<&str, GraphError> {
        self.inner.waba_id.as_deref().ok_or_else(|| {
            GraphError::Config(format!(
                "{call} needs the WhatsApp Business Account id: set GraphClientBuilder::waba_id"
            ))
        })
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
        let pace_key = match msg.recipient() {
            crate::messages::Recipient::PhoneNumber(p) => p.trim_start_matches('+'),
            crate::messages::Recipient::UserId(u) => u.as_str(),
        };
        let (status, body) = self
            .execute(
                reqwest::Method::POST,
                &self.messages_url(),
                &[],
                &Payload::Json(msg.to_json()),
                RequestKind::Write,
                Some(pace_key),
            )
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
        let mut receipt = crate::messages::ReadReceipt::new(wamid)?;
        if typing {
            receipt = receipt.with_typing_indicator();
        }
        // A read receipt is idempotent: replaying it is harmless, so its outcome is
        // never "unknown" and it retries like a read.
        let (status, bytes) = self
            .execute(
                reqwest::Method::POST,
                &self.messages_url(),
                &[],
                &Payload::Json(receipt.to_json()),
                RequestKind::Read,
                None,
            )
            .await?;
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

    /// Runs a request under the retry policy (and the pacer, when `pace_key` is given
    /// and a pacer is set) and returns the 2xx status and body, or the last error.
    pub(crate) async fn execute(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, &str)],
        payload: &Payload,
        kind: RequestKind,
        pace_key: Option<&str>,
    ) -> Result<(u16, Vec<u8>), GraphError> {
        let mut attempt = 1;
        loop {
            if let (Some(p), Some(k)) = (&self.inner.pacer, pace_key) {
                p.until_ready(k).await;
            }
            match self.once(method.clone(), url, query, payload, kind).await {
                Ok(r) => return Ok(r),
                Err(e) => match self.inner.retry.next_delay(attempt, &e, kind) {
                    Some(d) => {
                        tokio::time::sleep(d).await;
                        attempt += 1;
                    }
                    None => return Err(e),
                },
            }
        }
    }

    /// One attempt: the bearer token (to the configured Graph host), a User-Agent,
    /// the timeout; the 2xx status and body, or the error.
    async fn once(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, &str)],
        payload: &Payload,
        kind: RequestKind,
    ) -> Result<(u16, Vec<u8>), GraphError> {
        let idempotent = kind == RequestKind::Read;
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, self.inner.auth.clone());
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        let mut req = self
            .inner
            .http
            .request(method, url)
            .timeout(self.inner.timeout);
        if !query.is_empty() {
            req = req.query(query);
        }
        req = match payload {
            Payload::None => req,
            Payload::Json(body) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                let bytes = serde_json::to_vec(body).map_err(|e| {
                    GraphError::Config(format!("could not encode the request: {e}"))
                })?;
                req.body(bytes)
            }
            Payload::Multipart(build) => req.multipart(build()?),
        };
        let resp = req
            .headers(headers)
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
        Err(error_from(status, retry_after, &body))
    }

    /// Decodes a 2xx body as `T`, or a [`GraphError::Decode`] naming `what`.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        status: u16,
        body: &[u8],
        what: &str,
    ) -> Result<T, GraphError> {
        serde_json::from_slice(body).map_err(|e| GraphError::Decode {
            status,
            message: format!("{what}: {e}; body starts {}", excerpt(body)),
        })
    }
}

/// The User-Agent of every request.
pub(crate) const USER_AGENT_VALUE: &str = concat!("wacloud-graph/", env!("CARGO_PKG_VERSION"));

/// A request body.
pub(crate) enum Payload {
    /// No body.
    None,
    /// `application/json`.
    Json(Value),
    /// `multipart/form-data`, rebuilt for each attempt.
    Multipart(Box<dyn Fn() -> Result<reqwest::multipart::Form, GraphError> + Send + Sync>),
}

/// Meta's error object from a non-2xx answer, or a decode error when there is none.
pub(crate) fn error_from(status: u16, retry_after: Option<Duration>, body: &[u8]) -> GraphError {
    match ApiError::from_body(status, body) {
        Some(mut e) => {
            e.retry_after = retry_after;
            GraphError::Api(e)
        }
        None => GraphError::Decode {
            status,
            message: format!(
                "error answer without Meta's error object; body starts {}",
                excerpt(body)
            ),
        },
    }
}

/// Maps a reqwest error; `idempotent` requests never have an unknown outcome.
pub(crate) fn map_reqwest(e: reqwest::Error, idempotent: bool) -> GraphError {
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
pub(crate) fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

pub(crate) fn excerpt(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let mut out: String = s.chars().take(BODY_EXCERPT_CHARS).collect();
    if s.chars().count() > BODY_EXCERPT_CHARS {
        out.push('…');
    }
    format!("{out:?}")
}
