//! Errors of the use cases, named for what went wrong; the binary maps them to HTTP.

use crate::outbound::SendFailure;
use crate::ports::StoreError;

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
