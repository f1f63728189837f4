//! Message templates and the business number's account state, as Meta's webhooks report them.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A template as stored in `whatsapp_templates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredTemplate {
    /// Meta's template id, when known.
    pub template_id: Option<String>,
    /// Template name.
    pub name: String,
    /// Language code (`en_US`).
    pub language: String,
    /// `MARKETING`, `UTILITY`, `AUTHENTICATION`.
    pub category: Option<String>,
    /// `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, …
    pub status: Option<String>,
    /// `GREEN`, `YELLOW`, `RED`, `UNKNOWN`.
    pub quality_score: Option<String>,
    /// Meta's reason for the last status.
    pub reason: Option<String>,
    /// The last components update, as JSON text.
    pub components: Option<String>,
    /// When the row last changed.
    pub updated_at: DateTime<Utc>,
}

impl StoredTemplate {
    /// Whether Meta lets this template be sent: approved, or status not known.
    #[must_use]
    pub fn sendable(&self) -> bool {
        self.status.as_deref().is_none_or(|s| {
            let s = s.to_ascii_uppercase();
            !matches!(
                s.as_str(),
                "REJECTED"
                    | "PAUSED"
                    | "DISABLED"
                    | "PENDING"
                    | "PENDING_DELETION"
                    | "DELETED"
                    | "IN_APPEAL"
                    | "LIMIT_EXCEEDED"
            )
        })
    }
}

/// The business number's state in `whatsapp_session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionState {
    /// The business phone number id (or the WABA id for account-wide events).
    pub phone_number_id: String,
    /// WhatsApp Business Account id.
    pub waba_id: Option<String>,
    /// Approved display name.
    pub verified_name: Option<String>,
    /// Quality rating or the last quality event (`FLAGGED`, `UNFLAGGED`, …).
    pub quality_rating: Option<String>,
    /// Messaging limit tier (`TIER_1K`, …).
    pub messaging_limit_tier: Option<String>,
    /// The last account event (`ACCOUNT_RESTRICTION`, …).
    pub account_status: Option<String>,
    /// The last event of any kind, `field: event`.
    pub last_event: Option<String>,
    /// When the last delivery for this number arrived.
    pub last_webhook_at: Option<DateTime<Utc>>,
    /// When the row last changed.
    pub updated_at: DateTime<Utc>,
}
