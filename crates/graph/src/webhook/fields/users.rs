//! `value`s of the fields about what a customer did outside a message:
//! `user_preferences` (marketing messages stopped, resumed, signed up for) and
//! `automatic_events` (a lead or purchase Meta detected in a chat that started from a
//! Click to WhatsApp ad), as Meta's webhook reference pages describe them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::webhook::value::{Contact, Metadata};

/// `user_preferences`: a customer stopped or resumed marketing messages (not sent
/// for the "interested / not interested" feedback of the offers setting).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct UserPreferencesValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number.
    pub metadata: Option<Metadata>,
    /// The customers concerned.
    pub contacts: Vec<Contact>,
    /// The preference changes.
    pub user_preferences: Vec<UserPreference>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `user_preferences[]` item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct UserPreference {
    /// The customer's `wa_id`.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
    /// The customer's BSUID.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub user_id: Option<String>,
    /// Human-readable detail.
    pub detail: Option<String>,
    /// `marketing_messages`, or a category not known yet.
    pub category: Option<String>,
    /// `stop`, `resume`, `signup`, ...
    pub value: Option<String>,
    /// The signup link the customer used (`value: signup`).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub signup_id: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `automatic_events`: Meta detected a lead or a purchase in a chat with a customer
/// who came from a Click to WhatsApp ad (only for businesses that opted in to
/// Automatic Events; report it with the Conversions API).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AutomaticEventsValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number.
    pub metadata: Option<Metadata>,
    /// The detected events.
    pub automatic_events: Vec<AutomaticEvent>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `automatic_events[]` item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AutomaticEvent {
    /// The `wamid` of the message in which the event was detected.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// `LeadSubmitted` or `Purchase` (new values kept as received).
    pub event_name: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// The ad click id (`referral.ctwa_clid` of the first message): the Conversions
    /// API match key.
    pub ctwa_clid: Option<String>,
    /// Purchase events only: the amount detected.
    pub custom_data: Option<AutomaticEventData>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `automatic_events[].custom_data` of a purchase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AutomaticEventData {
    /// ISO 4217 currency code.
    pub currency: Option<String>,
    /// The amount, in units of the currency (not cents), as Meta sends it.
    pub value: Option<Value>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
