//! Webhooks: signature verification on raw bytes, the GET handshake, and typed
//! payloads for every field and message kind Meta sends.
//!
//! Verify first, then parse the same bytes:
//!
//! ```
//! use secrecy::SecretString;
//! use wacloud_graph::webhook::{sign, verify_signature, WebhookPayload};
//! let secret = SecretString::from("test-secret");
//! let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
//! let header = sign(body, &secret);
//! verify_signature(body, Some(&header), &[secret])?;
//! let payload = WebhookPayload::from_slice(body)?;
//! assert_eq!(payload.entry.len(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod fields;
mod handshake;
mod message;
mod signature;
mod status;
mod value;

pub use error::WebhookError;
pub use fields::{
    AccountReviewUpdate, AccountUpdate, Call, CallStatus, CallsValue, GroupEvent, GroupsValue,
    PhoneNumberNameUpdate, PhoneNumberQualityUpdate, TemplateCategoryUpdate,
    TemplateComponentsUpdate, TemplateQualityUpdate, TemplateStatusUpdate, UserPreference,
    UserPreferencesValue,
};
pub use handshake::{verify_handshake, HandshakeError};
pub use message::{
    Context, EditedMessage, InteractiveReply, Media, Message, MessageContent, SharedLocation,
};
pub use signature::{sign, verify_signature, SignatureError};
pub use status::{Conversation, ConversationOrigin, Pricing, Status, StatusKind};
pub use value::{Contact, MessagesValue, Metadata, Profile};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// One webhook delivery: `{"object":"whatsapp_business_account","entry":[...]}`.
/// A delivery may batch several entries, each with several changes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookPayload {
    /// `whatsapp_business_account`.
    pub object: String,
    /// The entries (one per WhatsApp Business Account).
    #[serde(default)]
    pub entry: Vec<Entry>,
}

impl WebhookPayload {
    /// Parses a delivery from the raw request body (after [`verify_signature`]).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, WebhookParseError> {
        serde_json::from_slice(bytes).map_err(|e| WebhookParseError {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
            invalid_json: e.is_syntax() || e.is_eof(),
        })
    }

    /// Every change of every entry, in order.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.entry.iter().flat_map(|e| e.changes.iter())
    }

    /// Every `messages`-field value (inbound messages, statuses, errors), in order.
    pub fn messages_values(&self) -> impl Iterator<Item = &MessagesValue> {
        self.changes().filter_map(|c| match &c.value {
            ChangeValue::Messages(v) => Some(v),
            _ => None,
        })
    }
}

/// The body is not a webhook delivery we can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookParseError {
    /// What was wrong, with the JSON path position where serde knows it.
    pub message: String,
    /// 1-based line of the error in the body.
    pub line: usize,
    /// 1-based column of the error in the body.
    pub column: usize,
    /// True when the body is not JSON at all (as opposed to JSON of the wrong shape).
    pub invalid_json: bool,
}

impl fmt::Display for WebhookParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.invalid_json {
            write!(f, "webhook body is not valid JSON: {}", self.message)
        } else {
            write!(f, "webhook body has an unexpected shape: {}", self.message)
        }
    }
}

impl std::error::Error for WebhookParseError {}

/// `entry[]`: the changes for one WhatsApp Business Account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Entry {
    /// The WhatsApp Business Account id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Time of the entry, unix seconds (some fields only).
    #[serde(
        default,
        deserialize_with = "crate::de::opt_ts",
        skip_serializing_if = "Option::is_none"
    )]
    pub time: Option<i64>,
    /// The changes.
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// `changes[]`: one subscribed field and its value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Change {
    /// The webhook field name as received (`messages`, `account_update`, ...).
    pub field: String,
    /// The value, typed by field.
    pub value: ChangeValue,
}

/// The value of a change, typed by its `field`. A field this crate does not know
/// becomes [`ChangeValue::Unknown`] with the value as received.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "field", content = "value")]
#[non_exhaustive]
pub enum ChangeValue {
    /// `messages`: inbound messages, statuses, errors.
    #[serde(rename = "messages")]
    Messages(MessagesValue),
    /// `smb_message_echoes`: messages sent from the WhatsApp Business app (coexistence).
    #[serde(rename = "smb_message_echoes")]
    SmbMessageEchoes(MessagesValue),
    /// `message_template_status_update`.
    #[serde(rename = "message_template_status_update")]
    TemplateStatusUpdate(TemplateStatusUpdate),
    /// `message_template_quality_update`.
    #[serde(rename = "message_template_quality_update")]
    TemplateQualityUpdate(TemplateQualityUpdate),
    /// `template_category_update`.
    #[serde(rename = "template_category_update")]
    TemplateCategoryUpdate(TemplateCategoryUpdate),
    /// `message_template_components_update`.
    #[serde(rename = "message_template_components_update")]
    TemplateComponentsUpdate(TemplateComponentsUpdate),
    /// `phone_number_quality_update`.
    #[serde(rename = "phone_number_quality_update")]
    PhoneNumberQualityUpdate(PhoneNumberQualityUpdate),
    /// `phone_number_name_update`.
    #[serde(rename = "phone_number_name_update")]
    PhoneNumberNameUpdate(PhoneNumberNameUpdate),
    /// `account_update`.
    #[serde(rename = "account_update")]
    AccountUpdate(AccountUpdate),
    /// `account_review_update`.
    #[serde(rename = "account_review_update")]
    AccountReviewUpdate(AccountReviewUpdate),
    /// `user_preferences`.
    #[serde(rename = "user_preferences")]
    UserPreferences(UserPreferencesValue),
    /// `calls`.
    #[serde(rename = "calls")]
    Calls(CallsValue),
    /// `group_lifecycle_update`.
    #[serde(rename = "group_lifecycle_update")]
    GroupLifecycleUpdate(GroupsValue),
    /// `group_participants_update`.
    #[serde(rename = "group_participants_update")]
    GroupParticipantsUpdate(GroupsValue),
    /// `group_settings_update`.
    #[serde(rename = "group_settings_update")]
    GroupSettingsUpdate(GroupsValue),
    /// Any other field, with its value as received.
    #[serde(rename = "unknown")]
    Unknown(Value),
}

impl ChangeValue {
    /// Types `value` by webhook `field`.
    pub fn parse(field: &str, value: Value) -> Result<Self, serde_json::Error> {
        fn p<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, serde_json::Error> {
            serde_json::from_value(v)
        }
        Ok(match field {
            "messages" => ChangeValue::Messages(p(value)?),
            "smb_message_echoes" => ChangeValue::SmbMessageEchoes(p(value)?),
            "message_template_status_update" => ChangeValue::TemplateStatusUpdate(p(value)?),
            "message_template_quality_update" => ChangeValue::TemplateQualityUpdate(p(value)?),
            "template_category_update" => ChangeValue::TemplateCategoryUpdate(p(value)?),
            "message_template_components_update" => {
                ChangeValue::TemplateComponentsUpdate(p(value)?)
            }
            "phone_number_quality_update" => ChangeValue::PhoneNumberQualityUpdate(p(value)?),
            "phone_number_name_update" => ChangeValue::PhoneNumberNameUpdate(p(value)?),
            "account_update" => ChangeValue::AccountUpdate(p(value)?),
            "account_review_update" => ChangeValue::AccountReviewUpdate(p(value)?),
            "user_preferences" => ChangeValue::UserPreferences(p(value)?),
            "calls" => ChangeValue::Calls(p(value)?),
            "group_lifecycle_update" => ChangeValue::GroupLifecycleUpdate(p(value)?),
            "group_participants_update" => ChangeValue::GroupParticipantsUpdate(p(value)?),
            "group_settings_update" => ChangeValue::GroupSettingsUpdate(p(value)?),
            _ => ChangeValue::Unknown(value),
        })
    }

    /// True for [`ChangeValue::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, ChangeValue::Unknown(_))
    }

    fn value_json(&self) -> Result<Value, serde_json::Error> {
        match self {
            ChangeValue::Messages(v) | ChangeValue::SmbMessageEchoes(v) => serde_json::to_value(v),
            ChangeValue::TemplateStatusUpdate(v) => serde_json::to_value(v),
            ChangeValue::TemplateQualityUpdate(v) => serde_json::to_value(v),
            ChangeValue::TemplateCategoryUpdate(v) => serde_json::to_value(v),
            ChangeValue::TemplateComponentsUpdate(v) => serde_json::to_value(v),
            ChangeValue::PhoneNumberQualityUpdate(v) => serde_json::to_value(v),
            ChangeValue::PhoneNumberNameUpdate(v) => serde_json::to_value(v),
            ChangeValue::AccountUpdate(v) => serde_json::to_value(v),
            ChangeValue::AccountReviewUpdate(v) => serde_json::to_value(v),
            ChangeValue::UserPreferences(v) => serde_json::to_value(v),
            ChangeValue::Calls(v) => serde_json::to_value(v),
            ChangeValue::GroupLifecycleUpdate(v)
            | ChangeValue::GroupParticipantsUpdate(v)
            | ChangeValue::GroupSettingsUpdate(v) => serde_json::to_value(v),
            ChangeValue::Unknown(v) => Ok(v.clone()),
        }
    }
}

impl Serialize for Change {
    /// Serialises to Meta's shape `{"field": ..., "value": ...}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeStruct};
        let value = self.value.value_json().map_err(S::Error::custom)?;
        let mut st = s.serialize_struct("Change", 2)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("value", &value)?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            field: String,
            #[serde(default)]
            value: Value,
        }
        let raw = Raw::deserialize(d)?;
        let value = ChangeValue::parse(&raw.field, raw.value)
            .map_err(|e| D::Error::custom(format!("change field `{}`: {e}", raw.field)))?;
        Ok(Change {
            field: raw.field,
            value,
        })
    }
}
