//! Errors of the use cases, named for what went wrong; the binary maps them to HTTP.

use chrono::{DateTime, Utc};

use crate::outbound::SendFailure;
use crate::ports::StoreError;
use crate::queue::Pause;

/// The template every WhatsApp Business Account has, suggested when a free-form message cannot
/// be sent.
pub const FALLBACK_TEMPLATE: (&str, &str) = ("hello_world", "en_US");

/// What went wrong in a use case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoreError {
    /// The request breaks a rule the caller can fix (HTTP 400).
    #[error("{message}")]
    Invalid {
        /// Machine-readable code (`invalid_phone_number`, `text_too_long`, …).
        code: &'static str,
        /// What to do about it.
        message: String,
        /// The request field at fault.
        field: Option<&'static str>,
    },
    /// The request is well-formed but cannot be carried out as asked (HTTP 422).
    #[error("{message}")]
    Unprocessable {
        /// Machine-readable code (`window_closed`, `contact_blocked`, …).
        code: &'static str,
        /// What to do about it.
        message: String,
    },
    /// A free-form message to a contact whose customer service window is closed or unknown
    /// (HTTP 422 `window_closed`): send a template instead, or override for a window wacloud
    /// cannot see.
    #[error("The customer service window with {recipient} is {}: WhatsApp accepts only template messages (e.g. {} in {}) until the customer writes again. Send a template, or set \"allow_outside_window\": true only if you know the window is open", if .last_inbound_at.is_some() { "closed (no message from the customer in the last 24 hours)" } else { "not open (the customer never wrote)" }, FALLBACK_TEMPLATE.0, FALLBACK_TEMPLATE.1)]
    WindowClosed {
        /// The recipient as typed (E.164 or BSUID).
        recipient: String,
        /// Meta's timestamp of the customer's last message, if any.
        last_inbound_at: Option<DateTime<Utc>>,
    },
    /// Sending is paused because Meta refused the access token (HTTP 503 `sending_paused`).
    #[error("sending is paused: Meta refused the access token ({}); queued messages wait and wacloud resumes by itself once the token works again", .0.reason)]
    Paused(Pause),
    /// The request conflicts with the resource's state (HTTP 409), e.g. cancelling an item
    /// already sent.
    #[error("{message}")]
    Conflict {
        /// Machine-readable code.
        code: &'static str,
        /// What to do about it.
        message: String,
    },
    /// Sending now would break a rate Meta enforces (HTTP 429 with `Retry-After`): the
    /// recipient's pair rate for a direct send. The queue waits instead.
    #[error("{message}")]
    RateLimited {
        /// Machine-readable code.
        code: &'static str,
        /// What to do about it.
        message: String,
        /// When to try again.
        retry_after: std::time::Duration,
    },
    /// The caller may not do this to this resource (HTTP 403), e.g. an agent moving a
    /// conversation assigned to someone else.
    #[error("{message}")]
    Forbidden {
        /// Machine-readable code.
        code: &'static str,
        /// What to do about it.
        message: String,
    },
    /// No such contact, message or batch (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// Meta (or the sandbox) did not accept a send; the message is stored with the reason.
    #[error("{failure}")]
    Send {
        /// Why (boxed: it is large and errors are the cold path).
        failure: Box<SendFailure>,
        /// The stored message's wacloud id.
        message_id: Option<String>,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CoreError {
    /// A 400 error.
    pub fn invalid(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
            field: Some(field),
        }
    }
}
