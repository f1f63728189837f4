//! The content of a message, chosen by its `type`: [`MessageContent`], with an edit's
//! new content ([`EditedMessage`]). An unknown `type` becomes
//! [`MessageContent::Unknown`], never a parse failure.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::objects::{Context, InteractiveReply, Media, SharedLocation};

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
    Location(SharedLocation),
    /// `contacts`: contact cards, as received.
    Contacts(Vec<Value>),
    /// `interactive`: a reply to buttons, a list, a flow, a call permission request.
    Interactive(InteractiveReply),
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
    /// `system`: the customer changed their number (`user_changed_number`, with the new
    /// number) or only their BSUID changed (`user_changed_user_id`, no number), or their
    /// identity changed (`customer_identity_changed`). Such values have no `contacts`.
    System {
        /// Human-readable text.
        body: Option<String>,
        /// `system.type` (e.g. `user_changed_number`, `user_changed_user_id`,
        /// `customer_identity_changed`).
        kind: Option<String>,
        /// The new `wa_id` (current payloads).
        wa_id: Option<String>,
        /// The new `wa_id` (older payloads).
        new_wa_id: Option<String>,
        /// The customer's BSUID now (a number change makes a new one).
        user_id: Option<String>,
        /// The customer's parent BSUID now.
        parent_user_id: Option<String>,
        /// The BSUID before the change: the key to find the customer in stored data.
        previous_user_id: Option<String>,
        /// The parent BSUID before the change.
        previous_parent_user_id: Option<String>,
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
            MessageContent::Interactive(InteractiveReply::ButtonReply { title, .. })
            | MessageContent::Interactive(InteractiveReply::ListReply { title, .. }) => Some(title),
            _ => None,
        }
    }

    /// True for [`MessageContent::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, MessageContent::Unknown { .. })
    }

    /// Builds the content of message object `obj` whose `type` is `t`.
    pub(super) fn from_object(t: &str, obj: &Value) -> Result<Self, serde_json::Error> {
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
                    MessageContent::Location(SharedLocation::deserialize(&v)?)
                } else {
                    MessageContent::Location(SharedLocation {
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
            "interactive" => MessageContent::Interactive(InteractiveReply::from_value(
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
                    #[serde(default, deserialize_with = "crate::de::opt_id")]
                    user_id: Option<String>,
                    #[serde(default, deserialize_with = "crate::de::opt_id")]
                    parent_user_id: Option<String>,
                    #[serde(default, deserialize_with = "crate::de::opt_id")]
                    previous_user_id: Option<String>,
                    #[serde(default, deserialize_with = "crate::de::opt_id")]
                    previous_parent_user_id: Option<String>,
                }
                let s: S = sub(obj, "system")?;
                MessageContent::System {
                    body: s.body,
                    kind: s.kind,
                    wa_id: s.wa_id,
                    new_wa_id: s.new_wa_id,
                    user_id: s.user_id,
                    parent_user_id: s.parent_user_id,
                    previous_user_id: s.previous_user_id,
                    previous_parent_user_id: s.previous_parent_user_id,
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
