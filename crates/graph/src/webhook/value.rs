//! The `value` of a `messages` (or `smb_message_echoes`) change: metadata, contacts,
//! messages, statuses and value-level errors.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::WebhookError;
use super::message::Message;
use super::status::Status;
use crate::messages::Recipient;

/// `value` of the `messages` and `smb_message_echoes` fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessagesValue {
    /// Always `whatsapp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaging_product: Option<String>,
    /// Which business number this is for; route by `phone_number_id`.
    pub metadata: Metadata,
    /// The customers concerned (absent for `system` messages and most statuses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Inbound messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
    /// Messages the business sent from the WhatsApp Business app (coexistence),
    /// in `smb_message_echoes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_echoes: Vec<Message>,
    /// Delivery statuses of outbound messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<Status>,
    /// Value-level errors (e.g. 131000 "Unsupported webhook payload").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<WebhookError>,
    /// Fields not modelled here, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `value.metadata`: the business phone number the change is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Metadata {
    /// The business display number (digits, as Meta formats it).
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_phone_number: Option<String>,
    /// The business phone number id: the routing key.
    #[serde(deserialize_with = "crate::de::id")]
    pub phone_number_id: String,
}

/// `value.contacts[]`: a customer. Every identity field is optional: BSUID-only users
/// have no `wa_id`; older payloads have no `user_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct Contact {
    /// The customer's WhatsApp id (phone digits).
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub wa_id: Option<String>,
    /// Business-scoped user id (BSUID), e.g. `US.13491208655302741918`.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<String>,
    /// Parent BSUID across linked business portfolios (`US.ENT....`).
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_user_id: Option<String>,
    /// Profile name and username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// Fields not modelled here, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Contact {
    /// The customer as a send-side recipient: the `wa_id` as a
    /// [`Recipient::PhoneNumber`], or the `user_id` as a [`Recipient::UserId`] (BSUID)
    /// when there is no `wa_id`. `None` when the contact has neither.
    pub fn recipient(&self) -> Option<Recipient> {
        let nonblank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        nonblank(&self.wa_id)
            .map(Recipient::PhoneNumber)
            .or_else(|| nonblank(&self.user_id).map(Recipient::UserId))
    }
}

/// `contacts[].profile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct Profile {
    /// The customer's profile name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The customer's WhatsApp username, when they adopted one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}
