//! Outbound work in `whatsapp_queue`: bulk sends, scheduled messages and retries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::outbound::OutboundContent;

/// Where a queue item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueState {
    /// Waiting for its time or its turn.
    Pending,
    /// Claimed by a worker under a lease.
    Sending,
    /// Meta accepted it.
    Sent,
    /// Final failure, with a reason.
    Failed,
    /// Cancelled before it was sent.
    Cancelled,
    /// The send may have gone out; to be reconciled from status webhooks, never resent blindly.
    Unknown,
}

impl QueueState {
    /// Stored spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Unknown => "unknown",
        }
    }

    /// Parses the stored spelling.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "unknown" => Self::Unknown,
            _ => return None,
        })
    }
}

/// A new queue item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQueueItem {
    /// wacloud id; also sent as `biz_opaque_callback_data`.
    pub id: String,
    /// The batch it belongs to.
    pub batch_id: Option<String>,
    /// Recipient, E.164 or BSUID.
    pub recipient: String,
    /// What to send.
    pub content: OutboundContent,
    /// Not before this time.
    pub due_at: DateTime<Utc>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// A claimed queue item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// wacloud id.
    pub id: String,
    /// Batch.
    pub batch_id: Option<String>,
    /// Recipient, E.164 or BSUID.
    pub recipient: String,
    /// What to send.
    pub content: OutboundContent,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueOutcome {
    /// Meta accepted it as message `message_id` (wacloud id).
    Sent {
        /// The stored message.
        message_id: String,
    },
    /// Try again at `retry_at`.
    Retry {
        /// When.
        retry_at: DateTime<Utc>,
        /// Why.
        error: String,
        /// Meta's code.
        code: Option<i64>,
    },
    /// Final failure.
    Failed {
        /// Why.
        error: String,
        /// Meta's code.
        code: Option<i64>,
        /// The stored message, if one was created.
        message_id: Option<String>,
    },
    /// The outcome is unknown.
    Unknown {
        /// Why.
        error: String,
        /// The stored message.
        message_id: Option<String>,
    },
}

/// One recipient's line in a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchItem {
    /// Queue item id.
    pub id: String,
    /// Recipient.
    pub phone_number: String,
    /// State.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// The stored message id, once sent.
    pub message_id: Option<String>,
    /// Last error.
    pub last_error: Option<String>,
    /// Meta's code of the last error.
    pub last_error_code: Option<i64>,
}

/// Progress of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    /// Batch id.
    pub batch_id: String,
    /// Items in the batch.
    pub total: i64,
    /// Items per state.
    pub counts: BTreeMap<String, i64>,
    /// The items.
    pub items: Vec<BatchItem>,
}
