//! The rows and filters the [`Repos`](super::Repos) methods take: a new message, a status
//! change, a contact's delta, a folded status, the messages query.

use chrono::{DateTime, Utc};

use crate::message::{DeliveryError, MessageStatus};

/// A new message row.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// wacloud id.
    pub id: String,
    /// Meta's `wamid`, if known.
    pub message_id: Option<String>,
    /// The contact.
    pub contact_id: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: crate::message::Direction,
    /// E.164 sender.
    pub from_phone: Option<String>,
    /// E.164 recipient.
    pub to_phone: Option<String>,
    /// The customer's BSUID.
    pub user_id: Option<String>,
    /// Meta's `type`.
    pub message_type: String,
    /// Text or summary.
    pub message_text: Option<String>,
    /// Initial status.
    pub status: MessageStatus,
    /// Read by an operator (always `true` for outbound).
    pub is_read: bool,
    /// Meta's timestamp (inbound) or creation time (outbound).
    pub created_at: DateTime<Utc>,
    /// Quoted `wamid`.
    pub reply_to: Option<String>,
    /// Forwarded flag.
    pub is_forwarded: bool,
    /// Media metadata JSON.
    pub media: Option<String>,
    /// Raw JSON text of Meta's object.
    pub raw: Option<String>,
    /// Error Meta attached.
    pub error: Option<DeliveryError>,
    /// Business number.
    pub phone_number_id: Option<String>,
    /// Origin of an outbound message.
    pub source: Option<String>,
    /// Queue item that sent it.
    pub queue_id: Option<String>,
    /// Group id for group payloads.
    pub group_id: Option<String>,
    /// The request body used for an outbound send (JSON text), so it can be retried.
    pub payload: Option<String>,
    /// Who wrote an outbound message ([`Actor::tag`](crate::auth::Actor::tag)).
    pub actor: Option<String>,
    /// The operator's display name when it was sent.
    pub actor_name: Option<String>,
}

/// A status change to apply to a message.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// The status reported.
    pub status: MessageStatus,
    /// When Meta reported it.
    pub at: DateTime<Utc>,
    /// Error for `failed`.
    pub error: Option<DeliveryError>,
    /// Meta's conversation id.
    pub conversation_id: Option<String>,
    /// Meta's `pricing` (empty when the status had none).
    pub pricing: crate::costs::Pricing,
}

/// A contact's change from many new messages at once (one per contact in a batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDelta {
    /// The contact.
    pub contact_id: String,
    /// Time of the newest message in the batch that shows in the contact list.
    pub at: DateTime<Utc>,
    /// Preview of that message; `None` leaves the last-message fields alone (notices only).
    pub preview: Option<String>,
    /// Its direction.
    pub direction: crate::message::Direction,
    /// Unread messages added.
    pub unread_increment: i64,
    /// Meta's time of the newest inbound message, if any.
    pub inbound_at: Option<DateTime<Utc>>,
}

/// Several statuses for one message folded together: the furthest status, and the first time of
/// each step seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFold {
    /// The message's `wamid`.
    pub wamid: String,
    /// Our id of the message, when the caller already knows it (the store may then find the
    /// row by it instead of by `wamid`).
    pub message_id: Option<String>,
    /// The furthest status on the ladder.
    pub status: MessageStatus,
    /// First `sent` time.
    pub sent_at: Option<DateTime<Utc>>,
    /// First `delivered` time.
    pub delivered_at: Option<DateTime<Utc>>,
    /// First `read` time.
    pub read_at: Option<DateTime<Utc>>,
    /// First `played` time.
    pub played_at: Option<DateTime<Utc>>,
    /// Meta's conversation id.
    pub conversation_id: Option<String>,
    /// Meta's `pricing` (empty when the status had none).
    pub pricing: crate::costs::Pricing,
}

/// Filter and cursor for `GET /messages`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageQuery {
    /// Only this contact.
    pub contact_id: Option<String>,
    /// Only this direction.
    pub direction: Option<crate::message::Direction>,
    /// Page size, 1–200.
    pub limit: i64,
    /// Only messages strictly older than this `(created_at, id)` position.
    pub before: Option<(DateTime<Utc>, String)>,
}

/// A file uploaded to Meta (`POST /media`), or its details as kept: a `whatsapp_media` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRecord {
    /// Meta's media id.
    pub media_id: String,
    /// The MIME type Meta was given (essence, lower case).
    pub mime_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, 64 lower-case hex digits.
    pub sha256: String,
    /// The file name the uploader gave (as given; made safe where it is shown).
    pub filename: Option<String>,
}
