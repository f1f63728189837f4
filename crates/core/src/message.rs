//! Messages and their delivery statuses.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From a customer to the business.
    Inbound,
    /// From the business (the API, the widget, the queue or the WhatsApp Business app) to a customer.
    Outbound,
}

impl Direction {
    /// The stored and JSON spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

impl FromStr for Direction {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "inbound" => Ok(Self::Inbound),
            "outbound" => Ok(Self::Outbound),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

/// A string that does not name a known value of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

/// The delivery status of a message.
///
/// Outbound messages climb `pending → accepted → sent → delivered → read → played`
/// (`played` is Meta's status for a voice message that was listened to); `failed` is final:
/// once Meta says a message failed, no later status changes that. Inbound messages are
/// `received`. A status never moves backwards:
/// see [`MessageStatus::supersedes`]. Statuses Meta adds later are kept as [`MessageStatus::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Stored by wacloud, not yet handed to Meta.
    Pending,
    /// Meta accepted the request and returned a `wamid`.
    Accepted,
    /// Meta sent it (status webhook `sent`).
    Sent,
    /// It reached the customer's phone.
    Delivered,
    /// The customer opened it.
    Read,
    /// The customer played a voice message.
    Played,
    /// Meta could not deliver it; the error is on the message.
    Failed,
    /// An inbound message.
    Received,
    /// A status Meta added after this code was written, kept verbatim.
    Other(String),
}

impl MessageStatus {
    /// The stored and JSON spelling.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Played => "played",
            Self::Failed => "failed",
            Self::Received => "received",
            Self::Other(s) => s,
        }
    }

    /// Position on the delivery ladder; higher is further along. `failed` ranks above every
    /// delivery step: it is final, so a late `sent` or `delivered` never overwrites it. Unknown
    /// statuses rank lowest, so they never move a message backwards.
    #[must_use]
    pub fn rank(&self) -> i32 {
        match self {
            Self::Other(_) => 0,
            Self::Pending => 10,
            Self::Accepted => 20,
            Self::Sent => 30,
            Self::Delivered => 40,
            Self::Read => 50,
            Self::Played => 60,
            Self::Failed => 70,
            Self::Received => 100,
        }
    }

    /// Whether a message now in `current` should move to `self`: only forward on the ladder.
    #[must_use]
    pub fn supersedes(&self, current: &Self) -> bool {
        self.rank() > current.rank()
    }
}

impl From<&str> for MessageStatus {
    fn from(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "accepted" => Self::Accepted,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "played" => Self::Played,
            "failed" => Self::Failed,
            "received" => Self::Received,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MessageStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MessageStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::from(s.as_str()))
    }
}

/// Meta's error code for a recipient WhatsApp cannot deliver to (131026): final, never retried;
/// the contact is kept and marked undeliverable.
pub const UNDELIVERABLE: i64 = 131_026;

/// Whether a message from the customer opens the customer service window: everything but
/// Meta's `system` notices (a `request_welcome` does: the customer opened the chat).
#[must_use]
pub fn opens_window(message_type: &str) -> bool {
    message_type != "system"
}

/// Kinds that are notices about the chat rather than something the customer said: they never
/// count as unread.
#[must_use]
pub fn is_notice(message_type: &str) -> bool {
    matches!(message_type, "system" | "request_welcome")
}

/// Why Meta could not deliver a message: the first item of a status's `errors[]` or of a
/// Graph error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DeliveryError {
    /// Meta's error code (e.g. 131047, 131026).
    pub code: Option<i64>,
    /// Meta's short title.
    pub title: Option<String>,
    /// Meta's message.
    pub message: Option<String>,
    /// `error_data.details`.
    pub details: Option<String>,
}

/// A stored message, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// wacloud's id (a UUIDv7).
    pub id: String,
    /// Meta's `wamid`; `None` for an outbound message Meta has not accepted yet.
    pub message_id: Option<String>,
    /// Which way it went.
    pub direction: Direction,
    /// The contact it belongs to.
    pub contact_id: Option<String>,
    /// E.164 sender: the customer for inbound, the business number for outbound.
    pub from_phone: Option<String>,
    /// E.164 recipient.
    pub to_phone: Option<String>,
    /// The customer's business-scoped user id, when Meta sent one.
    pub user_id: Option<String>,
    /// Meta's message `type` (`text`, `image`, `reaction`, `template`, …).
    pub message_type: String,
    /// The text, caption, or a readable summary of non-text content.
    pub message_text: Option<String>,
    /// Current delivery status: outbound `pending`, `accepted`, `sent`, `delivered`, `read`,
    /// `played` or `failed`; inbound `received`; a status Meta adds later as Meta spells it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "delivered"))]
    pub status: MessageStatus,
    /// For inbound messages: whether an operator has read it.
    pub is_read: bool,
    /// Inbound: Meta's timestamp. Outbound: when wacloud created it.
    pub created_at: DateTime<Utc>,
    /// When wacloud stored it (its own clock, to the millisecond): Meta's `created_at` of an
    /// inbound message is in whole seconds, so this orders it among what else happened in that
    /// second (the team inbox's timeline).
    pub received_at: DateTime<Utc>,
    /// When Meta reported it sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// When Meta reported it delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When Meta reported it read.
    pub read_at: Option<DateTime<Utc>>,
    /// When Meta reported it played (voice).
    pub played_at: Option<DateTime<Utc>>,
    /// When Meta reported it failed.
    pub failed_at: Option<DateTime<Utc>>,
    /// Meta's error code for a failure.
    pub error_code: Option<i64>,
    /// Meta's error title.
    pub error_title: Option<String>,
    /// Meta's error message.
    pub error_message: Option<String>,
    /// Meta's `error_data.details`.
    pub error_details: Option<String>,
    /// The `wamid` this message replies to or reacts to.
    pub reply_to: Option<String>,
    /// The customer's reaction emoji on this message.
    pub reaction: Option<String>,
    /// The business's own reaction emoji on this message (`POST /send` with `reaction`, set
    /// once Meta accepted it; removed by an empty one).
    pub business_reaction: Option<String>,
    /// When the customer last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// When the customer deleted it.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Whether Meta flagged it forwarded.
    pub is_forwarded: bool,
    /// Media metadata (id, mime type, sha256, filename) as JSON text, for media messages.
    pub media: Option<serde_json::Value>,
    /// Where an outbound message came from: `api`, `widget`, `bulk`, `business_app`, `unknown`.
    pub source: Option<String>,
    /// The queue item that sent it, if any.
    pub queue_id: Option<String>,
    /// Who wrote an outbound message: `operator:<id>`, `api_key`, `local` (no login
    /// configured), `queue`; `null` for inbound messages and those from before operators.
    pub actor: Option<String>,
    /// The operator's display name when it sent the message, if an operator did.
    pub actor_name: Option<String>,
    /// Sent by an automation: a rule (`actor` `rule:<id>`) or a number's welcome or away reply
    /// (`automation:welcome`, `automation:away`).
    #[serde(default)]
    pub automatic: bool,
    /// When the row last changed.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_only_moves_forward() {
        use MessageStatus::*;
        assert!(Sent.supersedes(&Accepted));
        assert!(Read.supersedes(&Delivered));
        assert!(!Sent.supersedes(&Read), "late sent after read");
        assert!(!Delivered.supersedes(&Read));
        assert!(!Read.supersedes(&Read), "repeat changes nothing");
        assert!(Failed.supersedes(&Sent));
        assert!(Failed.supersedes(&Delivered));
        assert!(
            !Sent.supersedes(&Failed),
            "failure is not undone by a late sent"
        );
        assert!(!Delivered.supersedes(&Failed), "failed is final");
        assert!(!Failed.supersedes(&Failed), "a repeat changes nothing");
        assert!(!Other("new_meta_status".into()).supersedes(&Pending));
        assert!(Played.supersedes(&Read));
    }

    #[test]
    fn unknown_statuses_are_kept_verbatim() {
        let s = MessageStatus::from("warning");
        assert_eq!(s, MessageStatus::Other("warning".into()));
        assert_eq!(s.as_str(), "warning");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"warning\"");
    }
}
