//! The Calling API: whether the business may call a user (`GET
//! /{phone_number_id}/call_permissions`) and the call actions (`POST
//! /{phone_number_id}/calls`: `connect` a business-initiated call, `pre_accept`,
//! `accept` or `reject` a user-initiated one, `terminate` either).
//!
//! The media side (WebRTC) is the caller's: these calls carry its SDP offer or answer
//! (RFC 8866) as given. Calling must be enabled in the number's settings
//! ([`crate::phone_numbers::PhoneNumberSettingsUpdate::Calling`]). Errors Meta
//! documents: 138006 (no call permission from the user: send a call permission
//! request first), 138000–138005 and 138007–138013 (calling not enabled, call not found
//! or already ended, rate limits), 100 (invalid parameter).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError, BIZ_OPAQUE_CALLBACK_DATA_MAX_CHARS};
use crate::node::id_arg;

/// `permission` of a [`CallPermissions`] answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallPermission {
    /// `granted`, `pending`, `denied` or `expired`.
    pub status: String,
    /// When a granted permission expires, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub expiration_time: Option<i64>,
}

/// A limit on a call action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallActionLimit {
    /// The period, e.g. `24h`.
    pub time_period: String,
    /// How many were used in it.
    pub current_usage: i64,
    /// How many are allowed.
    pub max_allowed: i64,
    /// When the limit resets, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub limit_expiration_time: Option<i64>,
}

/// Whether an action (`start_call`, `send_call_permission_request`) is possible now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallActionState {
    /// `start_call` or `send_call_permission_request`.
    pub action_name: String,
    /// Whether the business may do it now.
    pub can_perform_action: bool,
    /// Its limits (`null` or absent when Meta gives none).
    #[serde(default)]
    pub limits: Option<Vec<CallActionLimit>>,
}

/// Meta's answer to `GET /{phone_number_id}/call_permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallPermissions {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// The permission's state.
    pub permission: CallPermission,
    /// What the business may do now.
    #[serde(default)]
    pub actions: Vec<CallActionState>,
}

impl CallPermissions {
    /// Whether the action `name` may be performed now (`false` when Meta did not list it).
    pub fn can(&self, name: &str) -> bool {
        self.actions
            .iter()
            .any(|a| a.action_name == name && a.can_perform_action)
    }
}

/// One call action of `POST /{phone_number_id}/calls`.
///
/// `pre_accept`, `accept` and `reject` name the user's call by `call_id`, as Meta's
/// Calling API documents them; the spec's own examples for accept and reject carry `to`
/// instead, and its request schema has no `call_id` outside `terminate` (an erratum).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallAction {
    /// Calls `to` (a phone number or `wa_id` that granted permission) with the SDP offer.
    Connect {
        /// The callee.
        to: String,
        /// The SDP offer.
        sdp: String,
    },
    /// Answers a user's call early, with the SDP answer, so media can start flowing.
    PreAccept {
        /// The `wacid.` call id from the `calls` webhook.
        call_id: String,
        /// The SDP answer.
        sdp: String,
    },
    /// Accepts a user's call with the SDP answer.
    Accept {
        /// The call id.
        call_id: String,
        /// The SDP answer.
        sdp: String,
    },
    /// Rejects a user's call.
    Reject {
        /// The call id.
        call_id: String,
    },
    /// Ends a call.
    Terminate {
        /// The call id.
        call_id: String,
    },
}

impl CallAction {
    /// The request body; `biz_opaque_callback_data` (≤ 512 characters) comes back in the
    /// call's webhooks.
    pub fn to_json(
        &self,
        biz_opaque_callback_data: Option<&str>,
    ) -> Result<Value, ValidationError> {
        let session = |kind: &str, sdp: &str| json!({"sdp_type": kind, "sdp": sdp});
        let mut body = match self {
            Self::Connect { to, sdp } => {
                id_arg("to", "the callee", to)?;
                json!({"to": to, "action": "connect", "session": session("offer", sdp)})
            }
            Self::PreAccept { call_id, sdp } | Self::Accept { call_id, sdp } => {
                id_arg("call_id", "the call id", call_id)?;
                let action = if matches!(self, Self::PreAccept { .. }) {
                    "pre_accept"
                } else {
                    "accept"
                };
                json!({"call_id": call_id, "action": action, "session": session("answer", sdp)})
            }
            Self::Reject { call_id } | Self::Terminate { call_id } => {
                id_arg("call_id", "the call id", call_id)?;
                let action = if matches!(self, Self::Reject { .. }) {
                    "reject"
                } else {
                    "terminate"
                };
                json!({"call_id": call_id, "action": action})
            }
        };
        if let Some(sdp) = body.pointer("/session/sdp").and_then(Value::as_str) {
            if sdp.trim().is_empty() {
                return Err(ValidationError::new("session.sdp", "the SDP is empty"));
            }
        }
        body["messaging_product"] = json!("whatsapp");
        if let Some(d) = biz_opaque_callback_data {
            let n = char_count(d);
            if n > BIZ_OPAQUE_CALLBACK_DATA_MAX_CHARS {
                return Err(ValidationError::new(
                    "biz_opaque_callback_data",
                    format!("biz_opaque_callback_data is {n} characters; Meta's limit is {BIZ_OPAQUE_CALLBACK_DATA_MAX_CHARS}"),
                ));
            }
            body["biz_opaque_callback_data"] = json!(d);
        }
        Ok(body)
    }
}

/// Meta's answer to a call action: the new call's id for `connect`, `success` for the
/// others.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallActionResponse {
    /// `whatsapp`, on `connect`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// `[{"id": "wacid.…"}]`, on `connect`.
    #[serde(default)]
    pub calls: Vec<Value>,
    /// `true`, on the other actions.
    #[serde(default)]
    pub success: Option<bool>,
}

impl CallActionResponse {
    /// The call id of a `connect` answer.
    pub fn call_id(&self) -> Option<&str> {
        self.calls
            .first()
            .and_then(|c| c.get("id"))
            .and_then(Value::as_str)
    }
}

impl GraphClient {
    /// Whether the business may call `user_wa_id` now, and what it may do
    /// (`GET /{phone_number_id}/call_permissions?user_wa_id=…`).
    pub async fn call_permissions(&self, user_wa_id: &str) -> Result<CallPermissions, GraphError> {
        id_arg("user_wa_id", "the user's wa_id", user_wa_id)?;
        self.get_node(
            &[self.phone_number_id(), "call_permissions"],
            &[("user_wa_id", user_wa_id)],
            "call permissions answer",
        )
        .await
    }

    /// Performs a call action (`POST /{phone_number_id}/calls`). A `success: false`
    /// answer is a [`GraphError::Decode`]; a refusal is [`GraphError::Api`] (138006: the
    /// user has not granted call permission).
    pub async fn manage_call(
        &self,
        action: &CallAction,
        biz_opaque_callback_data: Option<&str>,
    ) -> Result<CallActionResponse, GraphError> {
        let body = action.to_json(biz_opaque_callback_data)?;
        let r: CallActionResponse = self
            .write_node(
                Method::POST,
                &[self.phone_number_id(), "calls"],
                &[],
                Some(body),
                "call answer",
            )
            .await?;
        if r.success == Some(false) {
            return Err(GraphError::Decode {
                status: 200,
                message: "call answer: Meta answered success=false".into(),
            });
        }
        Ok(r)
    }
}
