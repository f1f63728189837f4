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

mod change;
mod error;
mod fields;
mod handshake;
mod message;
mod signature;
mod status;
mod surrogates;
mod value;

pub use change::{Change, ChangeValue};
pub use error::WebhookError;
pub use fields::{
    AccountAlertsValue, AccountReviewUpdate, AccountUpdate, AlertInfo, AutomaticEvent,
    AutomaticEventData, AutomaticEventsValue, BusinessCapabilityUpdate, Call, CallSession,
    CallStatus, CallsValue, FlowsUpdate, GroupEvent, GroupParticipant, GroupSettingResult,
    GroupsValue, HandoverParty, HistoryChunk, HistoryProgress, HistoryThread, HistoryValue,
    MessagingHandoversValue, PartnerSolutionsUpdate, PaymentConfigurationUpdate,
    PhoneNumberNameUpdate, PhoneNumberQualityUpdate, SecurityUpdate, SmbAppStateSyncValue,
    StateSync, StateSyncContact, StateSyncMetadata, TemplateCategoryUpdate,
    TemplateComponentsUpdate, TemplateQualityUpdate, TemplateStatusUpdate, ThreadControlChange,
    UserPreference, UserPreferencesValue, WabaInfo,
};
pub use handshake::{verify_handshake, HandshakeError};
pub use message::{
    Context, EditedMessage, InteractiveReply, Media, Message, MessageContent, SharedLocation,
};
pub use signature::{sign, verify_signature, SignatureError};
pub use status::{Conversation, ConversationOrigin, Pricing, Status, StatusKind};
pub use surrogates::replace_lone_surrogates;
pub use value::{Contact, LinkClick, MessagesValue, Metadata, Profile, UserAction};

use serde::{Deserialize, Serialize};
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
    /// Parses a delivery from the raw request body (after [`verify_signature`]). A lone half of
    /// a UTF-16 surrogate pair in a string (text Meta cut inside an emoji) is read as U+FFFD
    /// instead of failing the whole delivery ([`replace_lone_surrogates`]).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, WebhookParseError> {
        let result = match serde_json::from_slice(bytes) {
            Err(e) if e.is_syntax() => match replace_lone_surrogates(bytes) {
                Some(fixed) => serde_json::from_slice(&fixed),
                None => Err(e),
            },
            other => other,
        };
        result.map_err(|e| WebhookParseError {
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
    /// `standby` values (threads this app does not own) and echoes are not among them:
    /// see [`ChangeValue::messages_value`].
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
