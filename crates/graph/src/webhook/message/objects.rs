//! The typed objects a message carries: its `context` (reply, forward, product
//! inquiry), a media object, a shared `location` and an inbound `interactive` reply.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// `messages[].context`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Context {
    /// Who sent the quoted message (the business number for replies to us).
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub from: Option<String>,
    /// The quoted message's `wamid`.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// The message was forwarded.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub forwarded: bool,
    /// The message was forwarded many times.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub frequently_forwarded: bool,
    /// Product inquiry: `{catalog_id, product_retailer_id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referred_product: Option<Value>,
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(crate::de::opt_bool(d)?.unwrap_or(false))
}

/// A media object of an inbound message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Media {
    /// Media id, to retrieve the URL and download.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// MIME type, possibly with parameters (`audio/ogg; codecs=opus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// SHA-256 of the file (as Meta gives it: base64 or hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Caption (image, video, document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// File name (document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Direct download URL (newer payloads); needs the access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Animated sticker.
    #[serde(
        default,
        deserialize_with = "crate::de::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub animated: Option<bool>,
    /// Voice note (audio recorded in WhatsApp).
    #[serde(
        default,
        deserialize_with = "crate::de::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub voice: Option<bool>,
}

/// A location the customer shared (`messages[].location` of a `"type":"location"`
/// message). Named apart from the send side's
/// [`messages::Location`](crate::messages::Location), which builds one to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SharedLocation {
    /// Latitude in degrees; NaN when Meta sent something that is not a number
    /// (seen only in documentation placeholders; the raw JSON keeps it).
    #[serde(deserialize_with = "lenient_f64")]
    pub latitude: f64,
    /// Longitude in degrees; NaN as for `latitude`.
    #[serde(deserialize_with = "lenient_f64")]
    pub longitude: f64,
    /// Place name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// URL of the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => s.trim().parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    })
}

/// The `interactive` object of an inbound message: the customer's reply to an
/// interactive message (Meta's `button_reply`, `list_reply`, `nfm_reply` for a Flow,
/// `call_permission_reply`). Named apart from the send side's
/// [`messages::Interactive`](crate::messages::Interactive), which builds the message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InteractiveReply {
    /// A reply button was pressed.
    ButtonReply {
        /// The button id set when sending.
        id: String,
        /// The button title.
        title: String,
    },
    /// A list row was chosen.
    ListReply {
        /// The row id set when sending.
        id: String,
        /// The row title.
        title: String,
        /// The row description.
        description: Option<String>,
    },
    /// A WhatsApp Flow was completed.
    NfmReply {
        /// Flow name (`flow`).
        name: Option<String>,
        /// Text shown in the chat.
        body: Option<String>,
        /// The flow's answers, a JSON document in a string.
        response_json: Option<String>,
    },
    /// The answer to a call permission request.
    CallPermissionReply {
        /// `accept` or `reject`.
        response: Option<String>,
        /// Until when calling is permitted, unix seconds.
        expiration_timestamp: Option<i64>,
        /// `user_action`, `automatic`, ...
        response_source: Option<String>,
    },
    /// Another interactive type, or a missing `interactive` object, as received.
    Other(Value),
}

impl InteractiveReply {
    pub(super) fn from_value(v: &Value) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Reply {
            #[serde(deserialize_with = "crate::de::id")]
            id: String,
            #[serde(default)]
            title: String,
            #[serde(default)]
            description: Option<String>,
        }
        #[derive(Deserialize, Default)]
        struct Nfm {
            #[serde(default)]
            name: Option<String>,
            #[serde(default)]
            body: Option<String>,
            #[serde(default)]
            response_json: Option<Value>,
        }
        #[derive(Deserialize, Default)]
        struct CallPerm {
            #[serde(default)]
            response: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_ts")]
            expiration_timestamp: Option<i64>,
            #[serde(default)]
            response_source: Option<String>,
        }
        let t = v.get("type").and_then(Value::as_str).unwrap_or("");
        Ok(match (t, v.get(t)) {
            ("button_reply", Some(r)) => {
                let r = Reply::deserialize(r)?;
                InteractiveReply::ButtonReply {
                    id: r.id,
                    title: r.title,
                }
            }
            ("list_reply", Some(r)) => {
                let r = Reply::deserialize(r)?;
                InteractiveReply::ListReply {
                    id: r.id,
                    title: r.title,
                    description: r.description,
                }
            }
            ("nfm_reply", Some(r)) => {
                let n = Nfm::deserialize(r)?;
                InteractiveReply::NfmReply {
                    name: n.name,
                    body: n.body,
                    // Meta sends a JSON document in a string; keep a string either way.
                    response_json: n.response_json.map(|j| match j {
                        Value::String(s) => s,
                        other => other.to_string(),
                    }),
                }
            }
            ("call_permission_reply", Some(r)) => {
                let c = CallPerm::deserialize(r)?;
                InteractiveReply::CallPermissionReply {
                    response: c.response,
                    expiration_timestamp: c.expiration_timestamp,
                    response_source: c.response_source,
                }
            }
            _ => InteractiveReply::Other(v.clone()),
        })
    }
}
