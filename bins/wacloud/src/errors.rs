//! HTTP errors: always JSON `{"error": {"code", "message", ...}}` with a fitting status; the
//! cause of a 500 goes only to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{json, Value};
use wacloud_core::outbound::SendFailure;
use wacloud_core::ports::StoreError;
use wacloud_core::CoreError;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code.
    pub code: String,
    /// What to do about it.
    pub message: String,
    /// Extra members of the error object (`field`, `graph`, `message_id`, ...).
    pub extra: serde_json::Map<String, Value>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            extra: serde_json::Map::new(),
        }
    }

    /// 400.
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// Adds a member to the error object.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// A 500 whose cause is logged, never answered.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

/// The body of every error answer, whatever its status: `{"error": {"code", "message", ...}}`
/// (the OpenAPI document's `ErrorBody`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// An error: a stable code to branch on, a message for a person, and members that depend on
/// the code.
///
/// Members beside `code` and `message`: `field` (the request member at fault, on 400s),
/// `retry_after_secs` (429 `pair_rate_limited`, 503 `too_many_event_streams`, also in
/// `Retry-After`), `message_id` (the stored message of a failed or unknown send), `graph`
/// (Meta's refusal on 502 `graph_error`: `http_status`, `code`, `title`, `message`, `details`,
/// `class`), `phone_number`, `last_inbound_at`, `window_expires_at`, `suggested_template` and
/// `override` (422 `window_closed`), `paused_since` and `graph_code` (503 `sending_paused`),
/// `limit_bytes` (414 `uri_too_long`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code, stable across versions (`invalid_phone_number`, `window_closed`,
    /// `not_found`, …); docs/API.md lists them by status.
    #[schema(example = "invalid_phone_number")]
    pub code: String,
    /// What went wrong and what to do about it, for a person; may change between versions.
    pub message: String,
    /// The members that depend on the code (above).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl ApiError {
    /// The body of this error: `{"error": {"code", "message", ...}}`.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.clone(),
                message: self.message.clone(),
                extra: self.extra.clone(),
            },
        }
    }

    /// [`Self::body`] as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.body()).unwrap_or(Value::Null)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut r = HttpResponse::build(self.status);
        if let Some(secs) = self.extra.get("retry_after_secs").and_then(Value::as_u64) {
            r.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        r.json(self.body())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(cause) => {
                // Every request fails the same way during an outage: one line per interval.
                if let Some(suppressed) = crate::log_throttle::DATABASE_UNAVAILABLE.allow() {
                    tracing::warn!(error = %cause, suppressed, "database unavailable");
                }
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database is unavailable; try again shortly",
                )
            }
            StoreError::NotFound(m) => Self::not_found(m),
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Internal(cause) => Self::internal(&cause),
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let text = e.to_string();
        match e {
            CoreError::Invalid {
                code,
                message,
                field,
            } => {
                let err = Self::bad_request(code, message);
                match field {
                    Some(f) => err.with("field", f),
                    None => err,
                }
            }
            CoreError::Unprocessable { code, message } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            CoreError::NotFound(m) => Self::not_found(m),
            CoreError::WindowClosed {
                recipient,
                last_inbound_at,
            } => {
                let (name, language) = wacloud_core::error::FALLBACK_TEMPLATE;
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "window_closed", text)
                    .with("phone_number", recipient)
                    .with(
                        "last_inbound_at",
                        last_inbound_at
                            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    )
                    .with(
                        "window_expires_at",
                        last_inbound_at.map(|t| {
                            (t + wacloud_core::window::WINDOW)
                                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                        }),
                    )
                    .with(
                        "suggested_template",
                        json!({"name": name, "language": language}),
                    )
                    .with("override", "allow_outside_window")
            }
            CoreError::Paused(p) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "sending_paused", text)
                    .with(
                        "paused_since",
                        p.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    )
                    .with("graph_code", p.code)
            }
            CoreError::Conflict { code, message } => Self::new(StatusCode::CONFLICT, code, message),
            CoreError::Forbidden { code, message } => {
                Self::new(StatusCode::FORBIDDEN, code, message)
            }
            CoreError::RateLimited {
                code,
                message,
                retry_after,
            } => Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
                .with("retry_after_secs", retry_after.as_secs_f64().ceil() as u64),
            CoreError::Store(s) => s.into(),
            CoreError::Send {
                failure,
                message_id,
            } => {
                let err = send_error(failure.as_ref());
                match message_id {
                    Some(id) => err.with("message_id", id),
                    None => err,
                }
            }
        }
    }
}

fn send_error(f: &SendFailure) -> ApiError {
    match f {
        SendFailure::Rejected {
            http_status,
            error,
            class,
            ..
        } => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "graph_error",
            format!(
                "Meta refused the message ({}): {}",
                error.code.map_or_else(|| "no code".to_owned(), |c| c.to_string()),
                error.message.as_deref().unwrap_or("no message")
            ),
        )
        .with(
            "graph",
            json!({
                "http_status": http_status,
                "code": error.code,
                "title": error.title,
                "message": error.message,
                "details": error.details,
                "class": class,
            }),
        ),
        SendFailure::Invalid(m) => ApiError::bad_request("invalid_request", m.clone()),
        SendFailure::OutcomeUnknown(m) => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "outcome_unknown",
            format!("{m}. The message is kept as pending and will be reconciled from Meta's status webhooks; do not resend it blindly."),
        ),
        SendFailure::Unreachable(m) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "meta_unreachable",
            format!("{m}. Nothing was sent; try again."),
        ),
    }
}
