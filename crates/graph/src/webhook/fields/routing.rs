//! The `value` of `messaging_handovers` (Conversation Routing): the ownership of a
//! thread changed. `control_passed` goes to the new owner when the owner called `pass`
//! on the thread control API; `control_taken` goes to the previous owner when the
//! escalation partner took the thread (by the API, or by sending a service message).
//! A `release` names no new owner and sends no notification: the customer's next
//! message is routed by its entry point.
//!
//! The calls that change ownership are [`crate::thread_control`]'s.
//!
//! Messages on threads the app does not own arrive on `standby`
//! ([`ChangeValue::Standby`](crate::webhook::ChangeValue::Standby)), not on `messages`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::webhook::value::Metadata;

/// `messaging_handovers`: one ownership change. Meta's envelope names the change in
/// `type` and carries the matching object (`control_passed` or `control_taken`); the
/// roles before and after, and any field this crate does not model, are kept as
/// received in [`ThreadControlChange::extra`] and [`MessagingHandoversValue::extra`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct MessagingHandoversValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number, when sent in the usual `metadata` envelope.
    pub metadata: Option<Metadata>,
    /// The business number (`display_phone_number`, `phone_number_id`).
    pub recipient: Option<HandoverParty>,
    /// The customer whose thread it is (`phone_number`, `user_id`).
    pub sender: Option<HandoverParty>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// `control_passed` or `control_taken` (new values kept as received).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The thread was passed to this app.
    pub control_passed: Option<ThreadControlChange>,
    /// The thread was taken from this app.
    pub control_taken: Option<ThreadControlChange>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessagingHandoversValue {
    /// True when this app now owns the thread (`control_passed`).
    pub fn is_passed_to_this_app(&self) -> bool {
        self.kind.as_deref() == Some("control_passed")
            || (self.kind.is_none() && self.control_passed.is_some())
    }

    /// True when this app lost the thread (`control_taken`).
    pub fn is_taken_from_this_app(&self) -> bool {
        self.kind.as_deref() == Some("control_taken")
            || (self.kind.is_none() && self.control_taken.is_some())
    }

    /// The change object, whichever of the two Meta sent.
    pub fn change(&self) -> Option<&ThreadControlChange> {
        self.control_passed.as_ref().or(self.control_taken.as_ref())
    }
}

/// The business or the customer of a `messaging_handovers` notification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HandoverParty {
    /// The business display number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub display_phone_number: Option<String>,
    /// The business phone number id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub phone_number_id: Option<String>,
    /// The customer's phone number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub phone_number: Option<String>,
    /// The customer's BSUID.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub user_id: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `control_passed` or `control_taken`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ThreadControlChange {
    /// The free-form string the app that passed or took the thread gave in its thread
    /// control request, forwarded verbatim.
    pub metadata: Option<String>,
    /// The roles before and after the change and anything else, as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
