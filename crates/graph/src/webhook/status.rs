//! `statuses[]`: delivery statuses of outbound messages (sent, delivered, read,
//! played, failed, deleted), with conversation, pricing and errors.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::error::WebhookError;

/// One status callback for an outbound message.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Status {
    /// The outbound message's `wamid`.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// The new status.
    pub status: StatusKind,
    /// Meta's time of the status, unix seconds.
    #[serde(deserialize_with = "crate::de::ts")]
    pub timestamp: i64,
    /// The customer's `wa_id` (or the group id for group messages).
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub recipient_id: Option<String>,
    /// The customer's BSUID.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub recipient_user_id: Option<String>,
    /// The customer's parent BSUID.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_recipient_user_id: Option<String>,
    /// `individual`, or `group` for group messages (then `recipient_id` is a group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_type: Option<String>,
    /// For group messages: the participant's phone number.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub recipient_participant_id: Option<String>,
    /// For group messages: the participant's BSUID.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub recipient_participant_user_id: Option<String>,
    /// For group messages: the participant's parent BSUID.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub recipient_participant_parent_user_id: Option<String>,
    /// Conversation (older pricing model; absent on some statuses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Conversation>,
    /// Pricing (absent on read and failed statuses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<Pricing>,
    /// Why a message failed (`status: failed`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<WebhookError>,
    /// The value given at send time, echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biz_opaque_callback_data: Option<String>,
    /// Fields not modelled here, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Status {
    /// True when the status is about a group message (`recipient_type: group`).
    pub fn is_group(&self) -> bool {
        self.recipient_type.as_deref() == Some("group")
    }
}

/// The delivery status. Unknown values are kept in `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusKind {
    /// Accepted by WhatsApp and sent.
    Sent,
    /// Delivered to the device.
    Delivered,
    /// Read by the customer.
    Read,
    /// A voice message was played.
    Played,
    /// Failed; see `errors`.
    Failed,
    /// Deleted by the business.
    Deleted,
    /// A value not known to this crate, as received.
    Other(String),
}

impl StatusKind {
    /// Meta's string for this status.
    pub fn as_str(&self) -> &str {
        match self {
            StatusKind::Sent => "sent",
            StatusKind::Delivered => "delivered",
            StatusKind::Read => "read",
            StatusKind::Played => "played",
            StatusKind::Failed => "failed",
            StatusKind::Deleted => "deleted",
            StatusKind::Other(s) => s,
        }
    }

    /// Parses Meta's string (case-insensitive); unknown values become `Other`.
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "sent" => StatusKind::Sent,
            "delivered" => StatusKind::Delivered,
            "read" => StatusKind::Read,
            "played" => StatusKind::Played,
            "failed" => StatusKind::Failed,
            "deleted" => StatusKind::Deleted,
            _ => StatusKind::Other(s.to_owned()),
        }
    }
}

impl Serialize for StatusKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StatusKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(StatusKind::parse(&s))
    }
}

/// `statuses[].conversation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Conversation {
    /// Conversation id.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// When the conversation window ends, unix seconds.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_ts",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_timestamp: Option<i64>,
    /// `origin.type`: `service`, `marketing`, `utility`, `authentication`,
    /// `user_initiated`, ... (new values kept as received).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ConversationOrigin>,
}

/// `conversation.origin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConversationOrigin {
    /// The origin type, as received.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `statuses[].pricing`. Strings are kept as received so new values parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pricing {
    /// Whether the message is billable.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub billable: Option<bool>,
    /// `CBP` (conversation-based) or `PMP` (per-message), ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_model: Option<String>,
    /// `marketing`, `utility`, `authentication`, `service`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Per-message pricing type (`regular`, `free_customer_service`, ...).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}
