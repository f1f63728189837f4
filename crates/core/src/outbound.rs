//! What wacloud asks Meta to send, and how Meta answered.

use serde::{Deserialize, Serialize};

use crate::message::DeliveryError;
use crate::phone::CustomerKey;

/// Meta's limit on a text message body, in characters.
pub const MAX_TEXT_CHARS: usize = 4096;

/// The content of an outbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundContent {
    /// A free-form text (only inside the customer service window).
    Text {
        /// 1–4096 characters.
        body: String,
        /// Let WhatsApp render a link preview.
        #[serde(default)]
        preview_url: bool,
    },
    /// An approved message template (allowed at any time).
    Template {
        /// Template name.
        name: String,
        /// Language code, e.g. `en_US`.
        language: String,
        /// Positional body parameters (`{{1}}`, `{{2}}`, …).
        #[serde(default)]
        body_parameters: Vec<String>,
    },
}

impl OutboundContent {
    /// Meta's `type` for this content.
    #[must_use]
    pub fn message_type(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Template { .. } => "template",
        }
    }

    /// What the message list shows for it.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Text { body, .. } => body.clone(),
            Self::Template {
                name,
                body_parameters,
                ..
            } => {
                if body_parameters.is_empty() {
                    format!("[template: {name}]")
                } else {
                    format!("[template: {name}] {}", body_parameters.join(", "))
                }
            }
        }
    }

    /// Whether the customer service window must be open for it.
    #[must_use]
    pub fn needs_open_window(&self) -> bool {
        matches!(self, Self::Text { .. })
    }
}

pub use crate::template::StoredTemplate;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// The recipient.
    pub to: CustomerKey,
    /// What to send.
    pub content: OutboundContent,
    /// `wamid` to quote.
    pub reply_to: Option<String>,
    /// Carried back in every status webhook of this message (`biz_opaque_callback_data`);
    /// wacloud puts its own message id here.
    pub callback_data: Option<String>,
}

/// Meta's answer to an accepted send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// The new `wamid`.
    pub wamid: String,
    /// The `wa_id` Meta resolved the recipient to (may differ from what was typed).
    pub wa_id: Option<String>,
}

/// What a sender should do about a failure (from Meta's error code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The token is invalid or expired: stop all sending until it is fixed.
    Authentication,
    /// The app lacks a permission.
    Permission,
    /// The number's throughput was exceeded: back off the whole number.
    RateLimited,
    /// Too many messages to this recipient: back off for it only.
    PairRateLimited,
    /// Outside the customer service window: send a template.
    WindowClosed,
    /// The recipient cannot receive it: final.
    Undeliverable,
    /// The template is missing, paused or its parameters are wrong: fix it.
    TemplateProblem,
    /// The request is malformed: final.
    InvalidRequest,
    /// A passing fault at Meta: retry.
    Transient,
    /// Anything else.
    Unknown,
}

impl FailureClass {
    /// Whether the same request may be retried later.
    #[must_use]
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::PairRateLimited | Self::Transient
        )
    }
}

/// Why a send did not produce a `wamid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// Meta refused the request; nothing was sent.
    #[error("Meta refused the message: {}", .error.message.as_deref().unwrap_or("no message"))]
    Rejected {
        /// HTTP status of Meta's answer.
        http_status: u16,
        /// Meta's error.
        error: DeliveryError,
        /// What to do about it.
        class: FailureClass,
        /// How long Meta asked to wait, in seconds.
        retry_after_secs: Option<u64>,
    },
    /// The request was refused locally (a limit of Meta's), before any network call.
    #[error("{0}")]
    Invalid(String),
    /// The request may or may not have reached Meta (timeout, connection cut mid-way).
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),
    /// Meta could not be reached; the request provably did not go out.
    #[error("Meta unreachable: {0}")]
    Unreachable(String),
}

impl SendFailure {
    /// The failure's class.
    #[must_use]
    pub fn class(&self) -> FailureClass {
        match self {
            Self::Rejected { class, .. } => *class,
            Self::Invalid(_) => FailureClass::InvalidRequest,
            Self::OutcomeUnknown(_) => FailureClass::Unknown,
            Self::Unreachable(_) => FailureClass::Transient,
        }
    }

    /// The delivery error to store on the message.
    #[must_use]
    pub fn delivery_error(&self) -> DeliveryError {
        match self {
            Self::Rejected { error, .. } => error.clone(),
            other => DeliveryError {
                code: None,
                title: None,
                message: Some(other.to_string()),
                details: None,
            },
        }
    }
}
