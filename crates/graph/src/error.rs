//! Errors of the Graph client: Meta's error object kept whole ([`ApiError`]), what went
//! wrong on our side ([`GraphError`]), and a classifier from Meta's code to what a
//! sender should do ([`ErrorClass`]).
//!
//! Meta's error object (Graph API "Handling errors", Cloud API "Error codes") is
//! `{"error": {"message", "type", "code", "error_subcode", "error_data": {"details"},
//! "fbtrace_id", "is_transient", "error_user_title", "error_user_msg"}}`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

use crate::messages::ValidationError;

/// Codes with which Meta refuses a request before acting on it: rate limits of the
/// app (4), of the endpoint (613), of the account (80007), of the number's
/// throughput (130429) and of the pair business–recipient (131056).
pub const REFUSED_BEFORE_ACTING_CODES: [i64; 5] = [4, 613, 80007, 130429, 131056];

/// Everything that can go wrong when calling the Cloud API.
///
/// No variant ever contains the access token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum GraphError {
    /// Meta answered with an error object (any HTTP status).
    Api(ApiError),
    /// No answer within the configured timeout. For a send, `outcome_unknown` is
    /// true: the message may or may not have gone out, so it must not be replayed
    /// blindly.
    Timeout {
        /// True when the request may have been acted on by Meta.
        outcome_unknown: bool,
    },
    /// The request could not be delivered (connection refused, DNS, TLS handshake):
    /// Meta provably did not act on it.
    Transport(String),
    /// The connection broke after the request may have been sent (reset, truncated
    /// answer). For a send, `outcome_unknown` is true.
    Interrupted {
        /// What broke.
        message: String,
        /// True when the request may have been acted on by Meta.
        outcome_unknown: bool,
    },
    /// An answer we could not parse: a 2xx body of the wrong shape, or an error
    /// status without Meta's error object (e.g. an HTML page from a proxy).
    Decode {
        /// HTTP status of the answer.
        status: u16,
        /// What was wrong, with at most a short excerpt of the body.
        message: String,
    },
    /// Refused locally before any request, because Meta would refuse it.
    Validation(ValidationError),
    /// The client is misconfigured (bad base URL, empty token, missing WABA id, ...).
    Config(String),
    /// A downloaded media file does not have the SHA-256 Meta gave for it (truncated
    /// or altered): discard the bytes.
    MediaIntegrity {
        /// The SHA-256 Meta gave, hex.
        expected: String,
        /// The SHA-256 of the bytes received, hex.
        actual: String,
    },
}

/// " (outcome unknown: …)" after a timeout or broken connection that may have been
/// acted on.
fn outcome_note(outcome_unknown: bool) -> &'static str {
    if outcome_unknown {
        " (outcome unknown: the message may have been sent)"
    } else {
        ""
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Api(e) => write!(f, "{e}"),
            GraphError::Timeout { outcome_unknown } => write!(
                f,
                "request to the Graph API timed out{}",
                outcome_note(*outcome_unknown)
            ),
            GraphError::Transport(m) => write!(f, "could not reach the Graph API: {m}"),
            GraphError::Interrupted {
                message,
                outcome_unknown,
            } => write!(
                f,
                "connection to the Graph API broke: {message}{}",
                outcome_note(*outcome_unknown)
            ),
            GraphError::Decode { status, message } => write!(
                f,
                "could not decode the Graph API answer (HTTP {status}): {message}"
            ),
            GraphError::Validation(e) => write!(f, "{e}"),
            GraphError::Config(m) => write!(f, "Graph client configuration: {m}"),
            GraphError::MediaIntegrity { expected, actual } => write!(
                f,
                "downloaded media does not match its SHA-256 (expected {expected}, got {actual})"
            ),
        }
    }
}

impl std::error::Error for GraphError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GraphError::Validation(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ValidationError> for GraphError {
    fn from(e: ValidationError) -> Self {
        GraphError::Validation(e)
    }
}

impl GraphError {
    /// Meta's error object, when Meta answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            GraphError::Api(e) => Some(e),
            _ => None,
        }
    }

    /// What kind of failure this is (token, permission, rate limit, window, template,
    /// request, transient, ...), to decide what to fix or how long to back off.
    ///
    /// The class alone does not say whether a **send** may be sent again: a send that
    /// timed out or broke mid-way is [`ErrorClass::Transient`] (the network or Meta had a
    /// passing problem), yet Meta may already have delivered it. Before sending the same
    /// message again, ask [`GraphError::may_resend`].
    pub fn class(&self) -> ErrorClass {
        if self.is_outcome_unknown() {
            return ErrorClass::OutcomeUnknown;
        }
        match self {
            GraphError::Api(e) => e.class(),
            GraphError::Timeout { .. }
            | GraphError::Transport(_)
            | GraphError::Interrupted { .. } => ErrorClass::Transient,
            GraphError::Decode { status, .. } if *status >= 500 || *status == 429 => {
                if *status == 429 {
                    ErrorClass::RateLimited
                } else {
                    ErrorClass::Transient
                }
            }
            GraphError::Decode { .. } => ErrorClass::Unknown,
            GraphError::Validation(_) | GraphError::Config(_) => ErrorClass::InvalidRequest,
            GraphError::MediaIntegrity { .. } => ErrorClass::Transient,
        }
    }

    /// **The one answer to "may I send this again?"**: true only when the failure
    /// proves Meta did not act on the request, so sending it again cannot reach the
    /// customer twice. That is Meta's rate-limit refusals
    /// ([`REFUSED_BEFORE_ACTING_CODES`]:
    /// 4, 613, 80007, 130429, 131056), HTTP 429 with `Retry-After`, or a connection that
    /// was never established ([`GraphError::Transport`]).
    ///
    /// False for everything else, in particular whenever
    /// [`GraphError::is_outcome_unknown`] is true (a send that timed out, broke after
    /// being sent, or whose answer could not be read): the message may have gone out,
    /// so check the status webhooks instead of sending again. False too for final
    /// refusals (token, permission, window, template, invalid request).
    ///
    /// The [`RetryPolicy`](crate::RetryPolicy) replays a send, or any other write, only
    /// when this is true. Reads (GET, read receipts) are safe to repeat on any
    /// retryable [`ErrorClass`].
    ///
    /// ```
    /// use wacloud_graph::{ApiError, ErrorClass, GraphError};
    /// let timed_out = GraphError::Timeout { outcome_unknown: true };
    /// assert!(timed_out.is_outcome_unknown());
    /// assert!(!timed_out.may_resend(), "it may have been delivered");
    /// let throttled = GraphError::Api(ApiError::new(400, 130429, "throughput"));
    /// assert_eq!(throttled.class(), ErrorClass::RateLimited);
    /// assert!(throttled.may_resend(), "Meta refused it before acting");
    /// ```
    pub fn may_resend(&self) -> bool {
        match self {
            GraphError::Transport(_) => true,
            GraphError::Api(e) => {
                REFUSED_BEFORE_ACTING_CODES.contains(&e.code)
                    || (e.http_status == 429 && e.retry_after.is_some())
            }
            _ => false,
        }
    }

    /// True when the request may or may not have been acted on (a send that timed
    /// out, broke mid-way, or whose success answer could not be read). Such a send
    /// must not be replayed blindly: it could reach the customer twice
    /// ([`GraphError::may_resend`] is then false).
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            GraphError::Timeout { outcome_unknown } => *outcome_unknown,
            GraphError::Interrupted {
                outcome_unknown, ..
            } => *outcome_unknown,
            GraphError::Decode { status, .. } => (200..300).contains(status) || *status >= 500,
            _ => false,
        }
    }

    /// The `Retry-After` Meta asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }
}

/// Meta's error object, with every field Meta sends, plus the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status of the answer (0 when the error came from a webhook or a body alone).
    pub http_status: u16,
    /// Meta's `code` (e.g. 190, 131047).
    pub code: i64,
    /// Meta's `type` (e.g. `OAuthException`).
    pub error_type: Option<String>,
    /// Meta's `message`.
    pub message: String,
    /// Meta's `error_subcode` (e.g. 463 for an expired token).
    pub error_subcode: Option<i64>,
    /// `error_data.details`: the most specific explanation Meta gives.
    pub details: Option<String>,
    /// `fbtrace_id`, to quote to Meta support.
    pub fbtrace_id: Option<String>,
    /// Meta's `is_transient` hint.
    pub is_transient: Option<bool>,
    /// `error_user_title` (localised, for end users).
    pub error_user_title: Option<String>,
    /// `error_user_msg` (localised, for end users).
    pub error_user_msg: Option<String>,
    /// From the `Retry-After` header, when present.
    pub retry_after: Option<Duration>,
    /// The request Meta refused, as method and path (`POST /v25.0/1065…/messages`),
    /// set by the client; never the host, the query or the token. `None` for an error
    /// parsed from a body alone or from a webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: RawApiError,
}

#[derive(Deserialize)]
struct RawApiError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "type")]
    error_type: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    code: Option<i64>,
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    error_subcode: Option<i64>,
    #[serde(default)]
    error_data: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    fbtrace_id: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_bool")]
    is_transient: Option<bool>,
    #[serde(default)]
    error_user_title: Option<String>,
    #[serde(default)]
    error_user_msg: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    details: Option<String>,
}

impl ApiError {
    /// A new error with only the HTTP status, `code` and `message` set (for fakes,
    /// sandboxes and tests; the other fields can be set afterwards).
    pub fn new(http_status: u16, code: i64, message: impl Into<String>) -> Self {
        ApiError {
            http_status,
            code,
            error_type: None,
            message: message.into(),
            error_subcode: None,
            details: None,
            fbtrace_id: None,
            is_transient: None,
            error_user_title: None,
            error_user_msg: None,
            retry_after: None,
            request: None,
        }
    }

    /// Parses a Graph error body `{"error": {...}}`. `http_status` is recorded as given.
    ///
    /// Returns `None` when the body is not Meta's error shape.
    pub fn from_body(http_status: u16, body: &[u8]) -> Option<Self> {
        let env: ErrorEnvelope = serde_json::from_slice(body).ok()?;
        Some(Self::from_raw(http_status, env.error))
    }

    /// Parses Meta's inner error object (the value of `"error"`, or a webhook
    /// `errors[]` item).
    pub fn from_error_object(http_status: u16, value: &serde_json::Value) -> Option<Self> {
        let raw = RawApiError::deserialize(value).ok()?;
        Some(Self::from_raw(http_status, raw))
    }

    fn from_raw(http_status: u16, raw: RawApiError) -> Self {
        let details = match raw.error_data {
            Some(serde_json::Value::Object(m)) => {
                m.get("details").and_then(|d| d.as_str()).map(str::to_owned)
            }
            // Some Graph endpoints send error_data as a JSON-encoded string.
            Some(serde_json::Value::String(s)) => serde_json::from_str::<serde_json::Value>(&s)
                .ok()
                .and_then(|v| v.get("details").and_then(|d| d.as_str()).map(str::to_owned))
                .or(Some(s)),
            _ => None,
        }
        .or(raw.details);
        ApiError {
            http_status,
            code: raw.code.unwrap_or(0),
            error_type: raw.error_type,
            message: raw.message.or(raw.title).unwrap_or_default(),
            error_subcode: raw.error_subcode,
            details,
            fbtrace_id: raw.fbtrace_id,
            is_transient: raw.is_transient,
            error_user_title: raw.error_user_title,
            error_user_msg: raw.error_user_msg,
            retry_after: None,
            request: None,
        }
    }

    /// What a sender should do about this error (see [`classify`]).
    pub fn class(&self) -> ErrorClass {
        classify(
            self.code,
            self.error_subcode,
            self.http_status,
            self.is_transient,
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph API error {}", self.code)?;
        if let Some(sub) = self.error_subcode {
            write!(f, "/{sub}")?;
        }
        match (self.http_status, &self.request) {
            (0, None) => {}
            (0, Some(r)) => write!(f, " ({r})")?,
            (s, None) => write!(f, " (HTTP {s})")?,
            (s, Some(r)) => write!(f, " (HTTP {s} to {r})")?,
        }
        write!(f, ": {}", self.message)?;
        if let Some(d) = &self.details {
            if d != &self.message {
                write!(f, " — {d}")?;
            }
        }
        if let Some(t) = &self.fbtrace_id {
            write!(f, " [fbtrace_id {t}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// What kind of failure an error is, and so what a sender should fix or how it
/// should back off.
///
/// A send whose outcome is unknown (it timed out, broke mid-way, or its answer could
/// not be read) is [`ErrorClass::OutcomeUnknown`], which is never retryable: code that
/// looks only at the class does not send it twice. Whether a send may go out again is
/// answered by [`GraphError::may_resend`], which agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorClass {
    /// The access token is invalid or expired (0, 190): stop all sending and alert.
    Authentication,
    /// The app, account or number may not do this (3, 10, 200–299, 368, 131005,
    /// 131031, 131037, 131042, 131045, 131064, 133010, thread control 2494191, ...): stop and
    /// fix the account.
    Permission,
    /// Too many requests for the app, account or number (4, 17, 32, 613, 80007,
    /// 130429, 131048; group operations 131208, 131214; calls 138002, 138005, 138013;
    /// registration 133016): back off and retry later.
    RateLimited,
    /// Too many messages to this one recipient (131056), or a call limit for this one
    /// user (138003, 138009, 138012): slow down for that recipient only, retry later.
    PairRateLimited,
    /// The 24-hour customer service window is closed (131047): send a template.
    WindowClosed,
    /// Meta will not deliver to this recipient (131026, 130472, 131021, 131030,
    /// 131049, 131050; group 131041, 131207; 137000; calls 138001, 138006): final,
    /// never retried.
    Undeliverable,
    /// A template problem (132000–132069, template creation 2388xxx): fix the template
    /// or its parameters.
    TemplateProblem,
    /// The request is wrong (100, 131008, 131009, 131051, 131053, 131062, 131063,
    /// 135000, Groups API 1310xx/1312xx, usernames 147001–147005, ...): fix it.
    InvalidRequest,
    /// A temporary problem on Meta's side (1, 2, 131000, 131016, 131052, 131057,
    /// 133004, 138004, 138007, 2494100, HTTP 5xx with Meta's error body), or a read that
    /// timed out or could not connect: retry with backoff.
    Transient,
    /// The request may or may not have been acted on ([`GraphError::is_outcome_unknown`]:
    /// a timeout or a broken connection after it was sent, an answer that could not be
    /// read): never resend a send blindly, its status webhook tells whether it went out.
    /// Not retryable (a read may be repeated: [`crate::retry::RetryPolicy`] does).
    OutcomeUnknown,
    /// Not known: treat as final and report.
    Unknown,
}

impl ErrorClass {
    /// True when retrying the same request later can succeed (rate limits and
    /// transient errors). Never for [`ErrorClass::OutcomeUnknown`]. For a send,
    /// [`GraphError::may_resend`] is the stricter answer (a 5xx with Meta's error body is
    /// transient, yet Meta may have acted).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::RateLimited | ErrorClass::PairRateLimited | ErrorClass::Transient
        )
    }

    /// True when all sending should pause until a person fixes the account or token.
    pub fn stops_all_sending(self) -> bool {
        matches!(self, ErrorClass::Authentication | ErrorClass::Permission)
    }

    /// True when the error concerns this recipient only; other recipients are fine.
    pub fn is_recipient_specific(self) -> bool {
        matches!(
            self,
            ErrorClass::PairRateLimited | ErrorClass::WindowClosed | ErrorClass::Undeliverable
        )
    }

    /// True when the message will never go out as it is (no retry can help).
    pub fn is_final(self) -> bool {
        !self.is_retryable()
    }
}

/// Classifies a Graph error by Meta's `code` (and subcode, HTTP status and
/// `is_transient` as fallbacks), following Meta's Cloud API error-code table.
pub fn classify(
    code: i64,
    error_subcode: Option<i64>,
    http_status: u16,
    is_transient: Option<bool>,
) -> ErrorClass {
    let _ = error_subcode;
    match code {
        0 | 190 | 102 | 463 | 467 => ErrorClass::Authentication,
        3
        | 10
        | 200..=299
        | 368
        | 130497
        | 131005
        | 131031
        | 131037
        | 131042
        | 131045
        | 131064
        | 133010 => ErrorClass::Permission,
        // Conversation Routing: `take` by an app that is not the escalation partner, or
        // pass/release of a thread the app does not own.
        2494191 => ErrorClass::Permission,
        4 | 17 | 32 | 613 | 80007 | 130429 | 131048 => ErrorClass::RateLimited,
        // Calling, group and registration limits: back off; replayed only as reads are.
        133016 | 131208 | 131214 | 138002 | 138005 | 138013 => ErrorClass::RateLimited,
        131056 => ErrorClass::PairRateLimited,
        // A call already ongoing with this user, too many call permission requests to or
        // business-initiated calls to this user: wait for this user only.
        138003 | 138009 | 138012 => ErrorClass::PairRateLimited,
        131047 => ErrorClass::WindowClosed,
        130472 | 131021 | 131026 | 131030 | 131049 | 131050 => ErrorClass::Undeliverable,
        // Unknown or suspended group, identity key hash mismatch, user who cannot receive
        // calls or gave no call permission.
        131041 | 131207 | 137000 | 138001 | 138006 => ErrorClass::Undeliverable,
        132000..=132069 => ErrorClass::TemplateProblem,
        // Template creation refused: too many templates, text too long, bad header, body
        // or footer format, too many variables for the length, variable at either end.
        2388019 | 2388040 | 2388047 | 2388073 | 2388293 | 2388299 => ErrorClass::TemplateProblem,
        100 | 131008 | 131009 | 131051 | 131053 | 135000 | 33 => ErrorClass::InvalidRequest,
        // BSUID recipient not supported for this message, marketing templates turned off
        // on Cloud API.
        131062 | 131063 => ErrorClass::InvalidRequest,
        // Marketing Messages API: the business or number is not onboarded or not eligible
        // (only that endpoint refuses; `/messages` still sends, so nothing else stops).
        134100..=134103 => ErrorClass::InvalidRequest,
        // Groups API requests: single-member group, bad cursor, some participants
        // failed, duplicates, too many participants, picture not square or too small,
        // group count limit, not a participant, no such join request, number not
        // eligible for groups.
        131020 | 131059 | 131201 | 131202 | 131204 | 131209 | 131210 | 131211 | 131212 | 131213
        | 131215 => ErrorClass::InvalidRequest,
        // Calling not enabled or not enableable on the number (calls only, not messages).
        138000 | 138018 => ErrorClass::InvalidRequest,
        // Business usernames: taken, not eligible, page or Instagram account not linked,
        // transfer within the portfolio needs `force_transfer`.
        147001..=147005 => ErrorClass::InvalidRequest,
        // Phone number migration: number already present, not being migrated, cannot migrate.
        2388012 | 2388091 | 2388093 | 2388103 => ErrorClass::InvalidRequest,
        1 | 2 | 131000 | 131016 | 131052 | 131057 | 133004 => ErrorClass::Transient,
        // Call connection error or SDP not applied in time; number in maintenance mode.
        138004 | 138007 | 2494100 => ErrorClass::Transient,
        _ => {
            if is_transient == Some(true) {
                ErrorClass::Transient
            } else {
                match http_status {
                    429 => ErrorClass::RateLimited,
                    401 => ErrorClass::Authentication,
                    403 => ErrorClass::Permission,
                    500..=599 => ErrorClass::Transient,
                    400..=499 => ErrorClass::InvalidRequest,
                    _ => ErrorClass::Unknown,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn each_error_says_what_went_wrong_and_whether_the_outcome_is_known() {
        let shown = |e: GraphError| e.to_string();
        assert_eq!(
            shown(GraphError::Timeout {
                outcome_unknown: true
            }),
            "request to the Graph API timed out (outcome unknown: the message may have been sent)"
        );
        assert_eq!(
            shown(GraphError::Timeout {
                outcome_unknown: false
            }),
            "request to the Graph API timed out"
        );
        assert_eq!(
            shown(GraphError::Transport("connection refused".into())),
            "could not reach the Graph API: connection refused"
        );
        assert_eq!(
            shown(GraphError::Interrupted {
                message: "reset".into(),
                outcome_unknown: true
            }),
            "connection to the Graph API broke: reset (outcome unknown: the message may have been sent)"
        );
        assert_eq!(
            shown(GraphError::Decode {
                status: 502,
                message: "not JSON".into()
            }),
            "could not decode the Graph API answer (HTTP 502): not JSON"
        );
        assert_eq!(
            shown(GraphError::Config("empty token".into())),
            "Graph client configuration: empty token"
        );
        assert_eq!(
            shown(GraphError::MediaIntegrity {
                expected: "ab".into(),
                actual: "cd".into()
            }),
            "downloaded media does not match its SHA-256 (expected ab, got cd)"
        );
    }

    #[test]
    fn a_validation_error_converts_and_stays_the_source() {
        let v = ValidationError::new("text.body", "is empty");
        let e: GraphError = v.clone().into();
        assert_eq!(e.to_string(), v.to_string());
        let source = e.source().expect("a validation error is the source");
        assert_eq!(source.to_string(), v.to_string());
        assert!(GraphError::Config("x".into()).source().is_none());
    }
}
