//! One Graph request: the bearer token, User-Agent and timeout, run under the retry
//! policy and the pacer; a 2xx body decoded, anything else turned into a [`GraphError`]
//! that names the request by method and path (never the host, the query or the token),
//! keeps the cause of a transport failure, and shows no more than an excerpt of the body.

use reqwest::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use serde_json::Value;
use std::time::Duration;

use super::config::GraphClient;
use crate::error::{ApiError, GraphError};
use crate::retry::RequestKind;

/// How much of an unreadable body goes into a [`GraphError::Decode`] message.
const BODY_EXCERPT_CHARS: usize = 200;

impl GraphClient {
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
            self.pace(pace_key).await;
            match self.once(method.clone(), url, query, payload, kind).await {
                Ok(r) => return Ok(r),
                Err(e) => {
                    self.learn_from_refusal(pace_key, &e);
                    match self.inner.retry.next_delay(attempt, &e, kind) {
                        Some(d) => {
                            tokio::time::sleep(d).await;
                            attempt += 1;
                        }
                        None => return Err(e),
                    }
                }
            }
        }
    }

    /// Waits for the pacer's slot for `pace_key`, when both are there.
    #[cfg(feature = "pacer")]
    async fn pace(&self, pace_key: Option<&str>) {
        if let (Some(p), Some(k)) = (&self.inner.pacer, pace_key) {
            p.until_ready(k).await;
        }
    }

    #[cfg(not(feature = "pacer"))]
    async fn pace(&self, _pace_key: Option<&str>) {}

    /// Meta's throughput and pair-rate refusals hold the number or the recipient in
    /// the pacer, so the next attempt or send waits.
    #[cfg(feature = "pacer")]
    fn learn_from_refusal(&self, pace_key: Option<&str>, e: &GraphError) {
        if let (Some(p), Some(k)) = (&self.inner.pacer, pace_key) {
            p.learn_from_refusal(k, e);
        }
    }

    #[cfg(not(feature = "pacer"))]
    fn learn_from_refusal(&self, _pace_key: Option<&str>, _e: &GraphError) {}

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
        let label = request_label(&method, url);
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
            Payload::Form(fields) => req.form(fields),
            Payload::UploadChunk { bytes, file_offset } => {
                headers.insert(AUTHORIZATION, self.inner.oauth.clone());
                headers.insert("file_offset", HeaderValue::from(*file_offset));
                req.body(bytes.clone())
            }
            Payload::OAuthOnly => {
                headers.insert(AUTHORIZATION, self.inner.oauth.clone());
                req
            }
        };
        let resp = req
            .headers(headers)
            .send()
            .await
            .map_err(|e| map_reqwest(e, idempotent, &label))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = resp
            .bytes()
            .await
            .map_err(|e| map_reqwest(e, idempotent, &label))?
            .to_vec();
        if (200..300).contains(&status) {
            return Ok((status, body));
        }
        Err(error_from(status, retry_after, &body, &label))
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
    /// `application/x-www-form-urlencoded` fields (encoded by reqwest).
    Form(Vec<(&'static str, String)>),
    /// Raw bytes of a resumable upload, with `Authorization: OAuth …` and the
    /// `file_offset` header the Resumable Upload API asks for.
    UploadChunk {
        /// The bytes from `file_offset` on.
        bytes: bytes::Bytes,
        /// Where they start in the file.
        file_offset: u64,
    },
    /// No body, `Authorization: OAuth …` (the upload session's status).
    OAuthOnly,
}

/// A request as errors name it: the method and the URL's path, without the host, the
/// query (media URLs carry secrets there) or anything else.
pub(crate) fn request_label(method: &reqwest::Method, url: &str) -> String {
    let path = match url::Url::parse(url) {
        Ok(u) => u.path().to_owned(),
        Err(_) => {
            let no_query = url.split(['?', '#']).next().unwrap_or_default();
            match no_query.split_once("://") {
                Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]).to_owned(),
                None => no_query.to_owned(),
            }
        }
    };
    format!("{method} {path}")
}

/// Meta's error object from a non-2xx answer to `request` (see [`request_label`]), or a
/// decode error when there is none.
pub(crate) fn error_from(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    request: &str,
) -> GraphError {
    match ApiError::from_body(status, body) {
        Some(mut e) => {
            e.retry_after = retry_after;
            e.request = Some(request.to_owned());
            GraphError::Api(e)
        }
        None if status == 404 && body.iter().all(u8::is_ascii_whitespace) => GraphError::Decode {
            status,
            message: format!(
                "{request} answered 404 with an empty body: no such Graph path, so the base URL \
                 or the API version is probably wrong (Meta answers a wrong id with its error object)"
            ),
        },
        None => GraphError::Decode {
            status,
            message: format!(
                "{request}: error answer without Meta's error object; body starts {}",
                excerpt(body)
            ),
        },
    }
}

/// `e`'s message followed by its causes ("error sending request: client error
/// (Connect): tcp connect error: Connection refused"), each cause once.
fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let m = c.to_string();
        if !m.is_empty() && !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        cause = c.source();
    }
    out
}

/// Maps a reqwest error of `request` (see [`request_label`]); `idempotent` requests
/// never have an unknown outcome. The message keeps the whole cause chain.
pub(crate) fn map_reqwest(e: reqwest::Error, idempotent: bool, request: &str) -> GraphError {
    // Never include the URL or headers: strip them from reqwest's message.
    let e = e.without_url();
    let message = || format!("{request}: {}", with_causes(&e));
    if e.is_connect() {
        // Connect errors (including connect timeouts) happen before any byte of the
        // request is sent: Meta cannot have acted.
        return GraphError::Transport(message());
    }
    if e.is_timeout() {
        return GraphError::Timeout {
            outcome_unknown: !idempotent,
        };
    }
    if e.is_builder() {
        return GraphError::Config(message());
    }
    GraphError::Interrupted {
        message: message(),
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
