//! `messages[]` / `message_echoes[]`: one inbound (or echoed) message of any kind.
//!
//! A message is parsed from its JSON object in two steps: the common head (`id`,
//! `from`, `timestamp`, `context`, `errors`, ...) and the content chosen by `type`.
//! The whole object is kept in [`Message::raw`], so nothing Meta sends is lost, and an
//! unknown `type` becomes [`MessageContent::Unknown`] instead of a parse failure.
//!
//! The head is here; the content kinds are in `content`, and the typed objects they
//! carry (`context`, media, `location`, an `interactive` reply) in `objects`.

mod content;
mod objects;

pub use content::{EditedMessage, MessageContent};
pub use objects::{Context, InteractiveReply, Media, SharedLocation};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::WebhookError;
use crate::messages::Recipient;

/// One message in a webhook.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Message {
    /// The message's `wamid`.
    pub id: String,
    /// The sender's `wa_id` (absent for BSUID-only users).
    pub from: Option<String>,
    /// The sender's BSUID.
    pub from_user_id: Option<String>,
    /// The sender's parent BSUID (shared across linked business portfolios).
    pub from_parent_user_id: Option<String>,
    /// The receiver (in `message_echoes`: the customer).
    pub to: Option<String>,
    /// The receiver's BSUID (in `message_echoes`).
    pub to_user_id: Option<String>,
    /// The receiver's parent BSUID (in `message_echoes`).
    pub to_parent_user_id: Option<String>,
    /// The group the message was sent in, for group messages.
    pub group_id: Option<String>,
    /// Meta's time of the message, unix seconds (string or number on the wire).
    pub timestamp: i64,
    /// Reply, forward and product-inquiry context.
    pub context: Option<Context>,
    /// Click-to-WhatsApp ad referral, as received.
    pub referral: Option<Value>,
    /// Message-level errors (e.g. 131051 on `unsupported`).
    pub errors: Vec<WebhookError>,
    /// The content, by `type`.
    pub content: MessageContent,
    /// The whole message object as received.
    pub raw: Value,
}

impl Message {
    /// Meta's `type` string (`text`, `image`, ..., or an unknown one as received).
    pub fn type_name(&self) -> &str {
        match &self.content {
            MessageContent::Unknown { type_name, .. } => type_name,
            MessageContent::Unsupported { .. } => self
                .raw
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("unsupported"),
            c => c.type_name(),
        }
    }

    /// The text of a text message, the caption of media, the body of an edit's new
    /// content, or the text of a quick-reply button.
    pub fn text_or_caption(&self) -> Option<&str> {
        self.content.text_or_caption()
    }

    /// Who to reply to: the sender's `from` (`wa_id`) as a
    /// [`Recipient::PhoneNumber`], or, for a user without one (BSUID only), its
    /// `from_user_id` as a [`Recipient::UserId`]. `None` when the message carries
    /// neither; the change's [`Contact::recipient`](super::Contact::recipient) may
    /// then name the user.
    ///
    /// In `message_echoes` the sender is the business itself; the customer is `to`.
    pub fn sender(&self) -> Option<Recipient> {
        let nonblank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        nonblank(&self.from)
            .map(Recipient::PhoneNumber)
            .or_else(|| nonblank(&self.from_user_id).map(Recipient::UserId))
    }

    /// This message's `wamid`, to quote it in a reply
    /// ([`OutboundMessage::reply_to`](crate::messages::OutboundMessage::reply_to)), react
    /// to it or mark it as read.
    pub fn wamid(&self) -> &str {
        &self.id
    }

    /// `history_context.status` of a message of the `history` field: what had become of
    /// it when the history was shared (`DELIVERED`, `READ`, `PLAYED`, `ERROR`, `PENDING`,
    /// ... as received). `None` for other messages.
    pub fn history_status(&self) -> Option<&str> {
        self.raw
            .get("history_context")
            .and_then(|c| c.get("status"))
            .and_then(Value::as_str)
    }

    /// Parses one message object.
    pub fn from_value(raw: Value) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Head {
            #[serde(deserialize_with = "crate::de::id")]
            id: String,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            from: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            from_user_id: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            from_parent_user_id: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            to: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            to_user_id: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            to_parent_user_id: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            group_id: Option<String>,
            #[serde(deserialize_with = "crate::de::ts")]
            timestamp: i64,
            #[serde(default)]
            context: Option<Context>,
            #[serde(default)]
            referral: Option<Value>,
            #[serde(default)]
            errors: Option<Vec<WebhookError>>,
            #[serde(rename = "type", default)]
            type_name: Option<String>,
        }
        let head = Head::deserialize(&raw)?;
        let content = MessageContent::from_object(head.type_name.as_deref().unwrap_or(""), &raw)?;
        Ok(Message {
            id: head.id,
            from: head.from,
            from_user_id: head.from_user_id,
            from_parent_user_id: head.from_parent_user_id,
            to: head.to,
            to_user_id: head.to_user_id,
            to_parent_user_id: head.to_parent_user_id,
            group_id: head.group_id,
            timestamp: head.timestamp,
            context: head.context,
            referral: head.referral.filter(|r| !r.is_null()),
            errors: head.errors.unwrap_or_default(),
            content,
            raw,
        })
    }
}

impl Serialize for Message {
    /// Serialises to the object exactly as received.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(d)?;
        let id = raw.get("id").map(|v| v.to_string()).unwrap_or_default();
        Message::from_value(raw).map_err(|e| D::Error::custom(format!("message {id}: {e}")))
    }
}

impl TryFrom<&Message> for Recipient {
    type Error = crate::messages::ValidationError;

    /// The sender of an inbound webhook message, to reply to: its `from` (`wa_id`) as
    /// a phone number, or for users without one its `from_user_id` as a BSUID. Fails
    /// when the message carries neither (see [`Message::sender`]).
    fn try_from(m: &Message) -> Result<Self, Self::Error> {
        m.sender().ok_or_else(|| {
            crate::messages::ValidationError::new(
                "to",
                format!(
                    "inbound message {} has neither `from` nor `from_user_id`; the sender may be in the change's `contacts`",
                    m.id
                ),
            )
        })
    }
}
