//! `value`s of the coexistence fields, for a business that uses the WhatsApp Business
//! app and the Cloud API on the same number (onboarded by a solution partner):
//! `history` (the app's chat history of up to 180 days, sent in phases and chunks once
//! the business agreed to share it) and `smb_app_state_sync` (the app's contacts,
//! once and then on every change). Messages the business sends from the app arrive on
//! `smb_message_echoes`, as a [`MessagesValue`](crate::webhook::MessagesValue).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::webhook::error::WebhookError;
use crate::webhook::message::Message;
use crate::webhook::value::Metadata;

/// `history`: one delivery of the chat history. A single delivery may hold thousands
/// of messages; store it first and process it later. When the business declined to
/// share its history, the only chunk carries `errors` instead of `threads`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HistoryValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number.
    pub metadata: Option<Metadata>,
    /// The chunks of history in this delivery.
    pub history: Vec<HistoryChunk>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HistoryValue {
    /// Every message of every thread of every chunk, with the thread's id (the
    /// customer's number), in order.
    pub fn messages(&self) -> impl Iterator<Item = (Option<&str>, &Message)> {
        self.history.iter().flat_map(|c| {
            c.threads
                .iter()
                .flat_map(|t| t.messages.iter().map(move |m| (t.id.as_deref(), m)))
        })
    }
}

/// `history[]`: one chunk.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HistoryChunk {
    /// Which phase and chunk this is, and how far the synchronisation has come.
    pub metadata: Option<HistoryProgress>,
    /// The conversations, one per customer.
    pub threads: Vec<HistoryThread>,
    /// Why no history is sent (e.g. the business declined to share it).
    pub errors: Vec<WebhookError>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `history[].metadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HistoryProgress {
    /// 0: the day of onboarding; 1: days 1 to 90 before it; 2: days 90 to 180.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub phase: Option<i64>,
    /// The chunk's position within its phase.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub chunk_order: Option<i64>,
    /// How far the synchronisation has come, in percent.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub progress: Option<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `history[].threads[]`: the messages exchanged with one customer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HistoryThread {
    /// The customer's phone number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// The messages, of any kind, sent (`from` the business) and received; each has
    /// `history_context.status` ([`Message::history_status`]). Media messages carry
    /// no media id here; those of the last 14 days come in later deliveries.
    pub messages: Vec<Message>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `smb_app_state_sync`: contacts added to, changed in or removed from the WhatsApp
/// Business app's address book.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SmbAppStateSyncValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number.
    pub metadata: Option<Metadata>,
    /// The changes.
    pub state_sync: Vec<StateSync>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `smb_app_state_sync.state_sync[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StateSync {
    /// `contact` (new kinds kept as received).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The contact, for `type: contact`.
    pub contact: Option<StateSyncContact>,
    /// What happened to the contact: `add`, `remove`, ... as received.
    pub action: Option<String>,
    /// When the change was made in the app.
    pub metadata: Option<StateSyncMetadata>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `state_sync[].contact`: an address book entry of the WhatsApp Business app.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StateSyncContact {
    /// The name as saved in the app.
    pub full_name: Option<String>,
    /// The first name as saved in the app.
    pub first_name: Option<String>,
    /// The contact's phone number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub phone_number: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `state_sync[].metadata`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StateSyncMetadata {
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
