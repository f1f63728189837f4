//! The `value` of the `calls` field (WhatsApp Business Calling): `connect` with the SDP
//! offer or answer, `terminate` with the outcome and duration, and call `statuses`
//! (`RINGING`, `ACCEPTED`, `REJECTED`) of business-initiated calls. Call permission
//! replies arrive on `messages` as an `interactive` message, not here.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::webhook::error::WebhookError;
use crate::webhook::value::{Contact, Metadata};

/// `calls`: WhatsApp Business Calling events and call statuses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CallsValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number.
    pub metadata: Option<Metadata>,
    /// The customers concerned (with `user_id` and `parent_user_id` where known).
    pub contacts: Vec<Contact>,
    /// Call events (`connect`, `terminate`).
    pub calls: Vec<Call>,
    /// Call statuses (`RINGING`, `ACCEPTED`, `REJECTED`).
    pub statuses: Vec<CallStatus>,
    /// Value-level errors (e.g. why a call failed on `terminate`).
    pub errors: Vec<WebhookError>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `calls[]` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Call {
    /// Call id (`wacid....`): the key of every later action and event of this call.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// Caller: the customer's number (user-initiated) or the business number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub from: Option<String>,
    /// The caller's BSUID (user-initiated calls).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub from_user_id: Option<String>,
    /// The caller's parent BSUID (user-initiated calls).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub from_parent_user_id: Option<String>,
    /// Callee: the business number (user-initiated) or the customer's number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub to: Option<String>,
    /// The callee's BSUID (business-initiated calls).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub to_user_id: Option<String>,
    /// The callee's parent BSUID (business-initiated calls).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub to_parent_user_id: Option<String>,
    /// `connect`, `terminate`, ...
    pub event: Option<String>,
    /// `USER_INITIATED` or `BUSINESS_INITIATED`.
    pub direction: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// Final status on `terminate` (`COMPLETED`, `FAILED`).
    pub status: Option<String>,
    /// When the call started, unix seconds (`terminate`).
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub start_time: Option<i64>,
    /// When the call ended, unix seconds (`terminate`).
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub end_time: Option<i64>,
    /// Duration in seconds on `terminate`.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub duration: Option<i64>,
    /// Echo of the value given when the call was started.
    pub biz_opaque_callback_data: Option<String>,
    /// The SDP on `connect`: an offer for a user-initiated call (answer it with
    /// `pre_accept`/`accept`), the callee's answer for a business-initiated one.
    pub session: Option<CallSession>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `calls[].session`: an RFC 8866 session description.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CallSession {
    /// `offer` or `answer`.
    pub sdp_type: Option<String>,
    /// The SDP text.
    pub sdp: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `statuses[]` item of the `calls` field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CallStatus {
    /// Call id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// `call`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `RINGING`, `ACCEPTED`, `REJECTED`, ...
    pub status: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// The customer's `wa_id`.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub recipient_id: Option<String>,
    /// Echo of the value given when the call was started.
    pub biz_opaque_callback_data: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
