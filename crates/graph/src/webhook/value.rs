//! The `value` of a `messages` (or `smb_message_echoes`) change: metadata, contacts,
//! messages, statuses and value-level errors.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::message::Message;
use super::status::Status;

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

/// An error in a webhook (`statuses[].errors[]`, `messages[].errors[]`, `value.errors[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookError {
    /// Meta's error code (e.g. 131047).
    pub code: i64,
    /// Short title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `error_data.details` (or a top-level `details` in older payloads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Link to Meta's error-code documentation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

impl WebhookError {
    /// What a sender should do about this error (see [`crate::classify`]).
    pub fn class(&self) -> crate::ErrorClass {
        crate::classify(self.code, None, 0, None)
    }
}

impl<'de> Deserialize<'de> for WebhookError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct ErrorData {
            #[serde(default)]
            details: Option<String>,
        }
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default, deserialize_with = "crate::de::opt_int")]
            code: Option<i64>,
            #[serde(default)]
            title: Option<String>,
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            error_data: Option<ErrorData>,
            #[serde(default)]
            details: Option<String>,
            #[serde(default)]
            href: Option<String>,
        }
        let r = Raw::deserialize(d)?;
        Ok(WebhookError {
            code: r.code.unwrap_or(0),
            title: r.title,
            message: r.message,
            details: r.error_data.and_then(|e| e.details).or(r.details),
            href: r.href,
        })
    }
}
