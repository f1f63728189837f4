//! `messages[]` / `message_echoes[]`: one inbound (or echoed) message of any kind.
//!
//! A message is parsed from its JSON object in two steps: the common head (`id`,
//! `from`, `timestamp`, `context`, `errors`, ...) and the content chosen by `type`.
//! The whole object is kept in [`Message::raw`], so nothing Meta sends is lost, and an
//! unknown `type` becomes [`MessageContent::Unknown`] instead of a parse failure.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::WebhookError;

/// One message in a webhook.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Message {
    /// The message's `wamid`.
    pub id: String,
    /// The sender's `wa_id` (absent for BSUID-only users).
    pub from: Option<String>,
    /// The sender's BSUID.
    pub from_user_id: Option<String>,
    /// The receiver (in `message_echoes`: the customer).
    pub to: Option<String>,
    /// The receiver's BSUID (in `message_echoes`).
    pub to_user_id: Option<String>,
    /// Meta's time of the message, unix seconds (string or number on the wire).
    pub timestamp: i64,
    /// Reply, forward and product-inquiry context.
    pub context: Option<Context>,
    /// Click-to-WhatsApp ad referral, as received.
    pub referral: Option<Value>,
    /// Message-level errors (e.g. 131051 on `unsupported`).
    pub errors: Vec<WebhookError>,
    /// The content, by `type`.
    pub content: MessageContent,
    /// The whole message object as received.
    pub raw: Value,
}

impl Message {
    /// Meta's `type` string (`text`, `image`, ..., or an unknown one as received).
    pub fn type_name(&self) -> &str {
        match &self.content {
            MessageContent::Unknown { type_name, .. } => type_name,
            MessageContent::Unsupported { .. } => self
                .raw
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("unsupported"),
            c => c.type_name(),
        }
    }

    /// The text of a text message, the caption of media, the body of an edit's new
    /// content, or the text of a quick-reply button.
    pub fn text_or_caption(&self) -> Option<&str> {
        self.content.text_or_caption()
    }

    /// Parses one message object.
    pub fn from_value(raw: Value) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Head {
            #[serde(deserialize_with = "crate::de::id")]
            id: String,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            from: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            from_user_id: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            to: Option<String>,
            #[serde(default, deserialize_with = "crate::de::opt_id")]
            to_user_id: Option<String>,
            #[serde(deserialize_with = "crate::de::ts")]
            timestamp: i64,
            #[serde(default)]
            context: Option<Context>,
            #[serde(default)]
            referral: Option<Value>,
            #[serde(default)]
            errors: Option<Vec<WebhookError>>,
            #[serde(rename = "type", default)]
            type_name: Option<String>,
        }
        let head = Head::deserialize(&raw)?;
        let content = MessageContent::from_object(head.type_name.as_deref().unwrap_or(""), &raw)?;
        Ok(Message {
            id: head.id,
            from: head.from,
            from_user_id: head.from_user_id,
            to: head.to,
            to_user_id: head.to_user_id,
            timestamp: head.timestamp,
            context: head.context,
            referral: head.referral.filter(|r| !r.is_null()),
            errors: head.errors.unwrap_or_default(),
            content,
            raw,
        })
    }
}

impl Serialize for Message {
    /// Serialises to the object exactly as received.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(d)?;
        let id = raw.get("id").map(|v| v.to_string()).unwrap_or_default();
        Message::from_value(raw).map_err(|e| D::Error::custom(format!("message {id}: {e}")))
    }
}

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

/// The content of a message, by Meta's `type`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageContent {
    /// `text`.
    Text {
        /// The text, decoded (`café 😀`).
        body: String,
    },
    /// `image`.
    Image(Media),
    /// `audio` (`voice: true` for voice notes).
    Audio(Media),
    /// `video`.
    Video(Media),
    /// `document`.
    Document(Media),
    /// `sticker` (`animated`).
    Sticker(Media),
    /// `location`.
    Location(Location),
    /// `contacts`: contact cards, as received.
    Contacts(Vec<Value>),
    /// `interactive`: a reply to buttons, a list, a flow, a call permission request.
    Interactive(Interactive),
    /// `button`: a template quick-reply button press.
    Button {
        /// The button's payload.
        payload: Option<String>,
        /// The button's text.
        text: Option<String>,
    },
    /// `reaction`. `emoji` `None` or `""` means the reaction was removed.
    Reaction {
        /// The `wamid` reacted to.
        message_id: String,
        /// The emoji; `None` or empty when removed.
        emoji: Option<String>,
    },
    /// `order`: a cart sent from a catalog, as received.
    Order(Value),
    /// `system`: number changed (`user_changed_number`), identity changed, ...
    System {
        /// Human-readable text.
        body: Option<String>,
        /// `system.type` (e.g. `user_changed_number`, `customer_identity_changed`).
        kind: Option<String>,
        /// The new `wa_id` (current payloads).
        wa_id: Option<String>,
        /// The new `wa_id` (older payloads).
        new_wa_id: Option<String>,
    },
    /// `edit`: the customer edited an earlier message.
    Edit {
        /// The edited message's `wamid`.
        original_message_id: Option<String>,
        /// The new content.
        message: Option<Box<EditedMessage>>,
    },
    /// `revoke`: the customer deleted an earlier message.
    Revoke {
        /// The deleted message's `wamid`.
        original_message_id: Option<String>,
    },
    /// `request_welcome`: the customer opened the chat for the first time.
    RequestWelcome,
    /// `unsupported` (or legacy `unknown`): a kind WhatsApp does not pass to the
    /// Cloud API; see the message's `errors` (131051).
    Unsupported {
        /// The `unsupported` object (e.g. `{"type":"pool"}`), or null.
        raw: Value,
    },
    /// A `type` this crate does not know yet; the message's raw JSON keeps all.
    Unknown {
        /// Meta's `type`.
        type_name: String,
        /// The whole message object.
        raw: Value,
    },
}

/// The new content of an edited message (`edit.message`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EditedMessage {
    /// Context of the new content, if any.
    pub context: Option<Context>,
    /// The new content.
    pub content: MessageContent,
    /// `edit.message` as received.
    pub raw: Value,
}

impl EditedMessage {
    /// Meta's `type` of the new content.
    pub fn type_name(&self) -> &str {
        self.raw
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_else(|| self.content.type_name())
    }
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

/// A shared location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
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

/// The `interactive` object of an inbound message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Interactive {
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

impl MessageContent {
    /// Meta's `type` for this content.
    pub fn type_name(&self) -> &str {
        match self {
            MessageContent::Text { .. } => "text",
            MessageContent::Image(_) => "image",
            MessageContent::Audio(_) => "audio",
            MessageContent::Video(_) => "video",
            MessageContent::Document(_) => "document",
            MessageContent::Sticker(_) => "sticker",
            MessageContent::Location(_) => "location",
            MessageContent::Contacts(_) => "contacts",
            MessageContent::Interactive(_) => "interactive",
            MessageContent::Button { .. } => "button",
            MessageContent::Reaction { .. } => "reaction",
            MessageContent::Order(_) => "order",
            MessageContent::System { .. } => "system",
            MessageContent::Edit { .. } => "edit",
            MessageContent::Revoke { .. } => "revoke",
            MessageContent::RequestWelcome => "request_welcome",
            MessageContent::Unsupported { .. } => "unsupported",
            MessageContent::Unknown { type_name, .. } => type_name,
        }
    }

    /// Text, caption, button text, or an edit's new text.
    pub fn text_or_caption(&self) -> Option<&str> {
        match self {
            MessageContent::Text { body } => Some(body),
            MessageContent::Image(m)
            | MessageContent::Video(m)
            | MessageContent::Document(m)
            | MessageContent::Audio(m)
            | MessageContent::Sticker(m) => m.caption.as_deref(),
            MessageContent::Button { text, .. } => text.as_deref(),
            MessageContent::Edit {
                message: Some(m), ..
            } => m.content.text_or_caption(),
            MessageContent::Interactive(Interactive::ButtonReply { title, .. })
            | MessageContent::Interactive(Interactive::ListReply { title, .. }) => Some(title),
            _ => None,
        }
    }

    /// True for [`MessageContent::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, MessageContent::Unknown { .. })
    }

    /// Builds the content of message object `obj` whose `type` is `t`.
    pub(crate) fn from_object(t: &str, obj: &Value) -> Result<Self, serde_json::Error> {
        Ok(match t {
            "text" => {
                #[derive(Deserialize, Default)]
                struct T {
                    #[serde(default)]
                    body: Option<String>,
                }
                MessageContent::Text {
                    body: sub::<T>(obj, "text")?.body.unwrap_or_default(),
                }
            }
            "image" => MessageContent::Image(sub(obj, "image")?),
            "audio" => MessageContent::Audio(sub(obj, "audio")?),
            "video" => MessageContent::Video(sub(obj, "video")?),
            "document" => MessageContent::Document(sub(obj, "document")?),
            "sticker" => MessageContent::Sticker(sub(obj, "sticker")?),
            "location" => {
                let v = obj.get("location").cloned().unwrap_or(Value::Null);
                if v.is_object() {
                    MessageContent::Location(Location::deserialize(&v)?)
                } else {
                    MessageContent::Location(Location {
                        latitude: f64::NAN,
                        longitude: f64::NAN,
                        name: None,
                        address: None,
                        url: None,
                    })
                }
            }
            "contacts" => MessageContent::Contacts(
                obj.get("contacts")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            ),
            "interactive" => MessageContent::Interactive(Interactive::from_value(
                obj.get("interactive").unwrap_or(&Value::Null),
            )?),
            "button" => {
                #[derive(Deserialize, Default)]
                struct B {
                    #[serde(default)]
                    payload: Option<String>,
                    #[serde(default)]
                    text: Option<String>,
                }
                let b: B = sub(obj, "button")?;
                MessageContent::Button {
                    payload: b.payload,
                    text: b.text,
                }
            }
            "reaction" => {
                #[derive(Deserialize, Default)]
                struct R {
                    #[serde(default, deserialize_with = "crate::de::opt_id")]
                    message_id: Option<String>,
                    #[serde(default)]
                    emoji: Option<String>,
                }
                let r: R = sub(obj, "reaction")?;
                MessageContent::Reaction {
                    message_id: r.message_id.unwrap_or_default(),
                    emoji: r.emoji,
                }
            }
            "order" => MessageContent::Order(obj.get("order").cloned().unwrap_or(Value::Null)),
            "system" => {
                #[derive(Deserialize, Default)]
                struct S {
                    #[serde(default)]
                    body: Option<String>,
                    #[serde(rename = "type", default)]
                    kind: Option<String>,
                    #[serde(default, deserialize_with = "crate::de::opt_id")]
                    wa_id: Option<String>,
                    #[serde(default, deserialize_with = "crate::de::opt_id")]
                    new_wa_id: Option<String>,
                }
                let s: S = sub(obj, "system")?;
                MessageContent::System {
                    body: s.body,
                    kind: s.kind,
                    wa_id: s.wa_id,
                    new_wa_id: s.new_wa_id,
                }
            }
            "edit" => {
                let e = obj.get("edit").unwrap_or(&Value::Null);
                let original_message_id = e.get("original_message_id").and_then(id_of);
                let message = match e.get("message") {
                    Some(m) if m.is_object() => Some(Box::new(EditedMessage::from_value(m)?)),
                    _ => None,
                };
                MessageContent::Edit {
                    original_message_id,
                    message,
                }
            }
            "revoke" => MessageContent::Revoke {
                original_message_id: obj
                    .get("revoke")
                    .and_then(|r| r.get("original_message_id"))
                    .and_then(id_of),
            },
            "request_welcome" => MessageContent::RequestWelcome,
            "unsupported" | "unknown" => MessageContent::Unsupported {
                raw: obj.get("unsupported").cloned().unwrap_or(Value::Null),
            },
            other => MessageContent::Unknown {
                type_name: other.to_owned(),
                raw: obj.clone(),
            },
        })
    }
}

impl EditedMessage {
    fn from_value(m: &Value) -> Result<Self, serde_json::Error> {
        let t = m.get("type").and_then(Value::as_str).unwrap_or("");
        let context = match m.get("context") {
            Some(c) if c.is_object() => Some(Context::deserialize(c)?),
            _ => None,
        };
        Ok(EditedMessage {
            context,
            content: MessageContent::from_object(t, m)?,
            raw: m.clone(),
        })
    }
}

impl Interactive {
    fn from_value(v: &Value) -> Result<Self, serde_json::Error> {
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
                Interactive::ButtonReply {
                    id: r.id,
                    title: r.title,
                }
            }
            ("list_reply", Some(r)) => {
                let r = Reply::deserialize(r)?;
                Interactive::ListReply {
                    id: r.id,
                    title: r.title,
                    description: r.description,
                }
            }
            ("nfm_reply", Some(r)) => {
                let n = Nfm::deserialize(r)?;
                Interactive::NfmReply {
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
                Interactive::CallPermissionReply {
                    response: c.response,
                    expiration_timestamp: c.expiration_timestamp,
                    response_source: c.response_source,
                }
            }
            _ => Interactive::Other(v.clone()),
        })
    }
}

/// `obj[key]` parsed as `T`, or `T::default()` when absent or null.
fn sub<T: DeserializeOwned + Default>(obj: &Value, key: &str) -> Result<T, serde_json::Error> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => T::deserialize(v),
    }
}

fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
