//! The `value` of a `messages`-shaped change (`messages`, `standby`, `message_echoes`,
//! `smb_message_echoes`): metadata, contacts, messages, echoes, statuses, value-level
//! errors and user actions (marketing link clicks).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::WebhookError;
use super::message::Message;
use super::status::Status;
use crate::messages::Recipient;

/// `value` of the `messages`, `standby`, `message_echoes` and `smb_message_echoes` fields.
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
    /// What customers did with a message rather than sending one: a click on the body
    /// or the call-to-action of a marketing message sent with the Marketing Messages
    /// API (`marketing_messages_link_click`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_actions: Vec<UserAction>,
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

/// `value.user_actions[]`: something a customer did with a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct UserAction {
    /// `marketing_messages_link_click` (new kinds kept as received).
    pub action_type: Option<String>,
    /// When, unix seconds.
    #[serde(
        deserialize_with = "crate::de::opt_ts",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<i64>,
    /// The click, for `marketing_messages_link_click`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketing_messages_link_click_data: Option<LinkClick>,
    /// Fields not modelled here, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `user_actions[].marketing_messages_link_click_data` (clicks of the last 7 days).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
#[non_exhaustive]
pub struct LinkClick {
    /// What was clicked: `cta` or `body`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub click_component: Option<String>,
    /// The catalog product (SKU) of the message, if any.
    #[serde(
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub product_id: Option<String>,
    /// Meta's id of the click.
    #[serde(
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub click_id: Option<String>,
    /// The tracking token the business set on the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_token: Option<String>,
    /// Fields not modelled here, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
