//! Raw webhook deliveries as stored in `whatsapp_webhooks`.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A delivery to store before anything else happens to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// wacloud id.
    pub id: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The exact bytes received.
    pub body: Vec<u8>,
    /// Lowercase hex SHA-256 of `body`: an identical redelivery has the same one.
    pub body_sha256: String,
    /// The `X-Hub-Signature-256` header as received (not secret: it is derived from the body).
    pub signature: Option<String>,
}

/// How processing a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookState {
    /// Stored, not processed yet.
    Received,
    /// All events applied.
    Processed,
    /// Parsing or applying failed; kept for `wacloud webhooks reprocess`.
    Failed,
    /// For a `phone_number_id` that is not ours: kept raw, not attributed.
    Foreign,
}

impl WebhookState {
    /// Stored spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Processed => "processed",
            Self::Failed => "failed",
            Self::Foreign => "foreign",
        }
    }
}

/// The result of processing one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOutcome {
    /// Final state.
    pub state: WebhookState,
    /// Error text for `Failed`.
    pub error: Option<String>,
    /// Events applied.
    pub event_count: i64,
    /// The first `phone_number_id` named.
    pub phone_number_id: Option<String>,
    /// The fields, comma-separated.
    pub fields: Option<String>,
    /// When processing ended.
    pub processed_at: DateTime<Utc>,
}

/// A stored delivery read back for (re)processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWebhook {
    /// wacloud id.
    pub id: String,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// The exact bytes.
    pub body: Vec<u8>,
    /// Current state.
    pub state: String,
}
