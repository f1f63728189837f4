//! Outbound messages for `POST /{phone_number_id}/messages`, as typed builders that can
//! only produce valid JSON, with Meta's limits checked locally before any request.
//!
//! ```
//! use wacloud_graph::messages::{OutboundMessage, Recipient};
//! let msg = OutboundMessage::text(Recipient::PhoneNumber("15550000001".into()), "Hello")?
//!     .preview_url(true)
//!     .reply_to("wamid.ABC");
//! assert_eq!(msg.to_json()["text"]["body"], "Hello");
//! # Ok::<(), wacloud_graph::messages::ValidationError>(())
//! ```

mod contacts;
mod interactive;
mod media;
mod read;
mod template;
mod validation;

pub use contacts::{
    ContactAddress, ContactCard, ContactEmail, ContactLabel, ContactName, ContactOrg, ContactPhone,
    ContactUrl, Location,
};
pub use interactive::{
    Flow, FlowAction, Header, Interactive, ListRow, ListSection, ProductSection, ReplyButton,
};
pub use media::{MediaMessage, MediaType};
pub use read::ReadReceipt;
pub use template::{
    ButtonSubType, Component, Currency, DateTimeParts, MediaRef, Parameter, Template,
    TemplateAction, COUPON_CODE_MAX_CHARS, TEMPLATE_BUTTON_INDEX_MAX,
};
pub use validation::{
    char_count, ValidationError, BUTTON_ID_MAX_CHARS, BUTTON_TITLE_MAX_CHARS, CAPTION_MAX_CHARS,
    CONTACTS_MAX, CTA_DISPLAY_TEXT_MAX_CHARS, FLOW_CTA_MAX_CHARS, INTERACTIVE_BODY_MAX_CHARS,
    INTERACTIVE_HEADER_FOOTER_MAX_CHARS, LIST_BUTTON_MAX_CHARS, LIST_ROWS_MAX,
    LIST_ROW_DESCRIPTION_MAX_CHARS, LIST_ROW_ID_MAX_CHARS, LIST_ROW_TITLE_MAX_CHARS,
    PRODUCT_ITEMS_MAX, REPLY_BUTTONS_MAX, SECTIONS_MAX, SECTION_TITLE_MAX_CHARS,
    TEMPLATE_PARAMETER_RULE, TEXT_BODY_MAX_CHARS,
};

pub(crate) use validation::http_link as validation_http_link;

/// Meta's limit on `biz_opaque_callback_data`, in characters.
pub const BIZ_OPAQUE_CALLBACK_DATA_MAX_CHARS: usize = validation::BIZ_OPAQUE_MAX_CHARS;

use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

/// Who receives a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Recipient {
    /// A phone number in E.164 digits without `+` (e.g. `15550000001`); sent as `to`.
    /// A leading `+` is tolerated and dropped.
    PhoneNumber(String),
    /// A business-scoped user id (BSUID, e.g. `US.13491208655302741918`); sent as
    /// `recipient` (Cloud API v25+), for users who hide their number behind a username.
    UserId(String),
    /// A group of the business number (Groups API), by its group id; sent as `to` with
    /// `recipient_type: "group"`. Meta takes text, media and templates in groups, not
    /// interactive messages, reactions' edits or calls (the Groups API overview).
    Group(String),
}

impl Recipient {
    /// Checks the shape: 1–15 digits for a phone number; no whitespace for a BSUID.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Recipient::PhoneNumber(p) => {
                let digits = p.strip_prefix('+').unwrap_or(p);
                if digits.is_empty()
                    || digits.len() > 15
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(ValidationError::new(
                        "to",
                        format!(
                            "recipient phone number {p:?} is not E.164 digits (1 to 15 digits, no spaces or dashes)"
                        ),
                    ));
                }
                Ok(())
            }
            Recipient::Group(g) => {
                if g.is_empty()
                    || !g
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_=.".contains(&b))
                {
                    return Err(ValidationError::new(
                        "to",
                        format!("group id {g:?} is empty or not a Groups API id"),
                    ));
                }
                Ok(())
            }
            Recipient::UserId(u) => {
                if u.is_empty() || u.chars().any(char::is_whitespace) {
                    return Err(ValidationError::new(
                        "recipient",
                        format!("business-scoped user id {u:?} is empty or contains whitespace"),
                    ));
                }
                Ok(())
            }
        }
    }

    pub(crate) fn write(&self, body: &mut Map<String, Value>) {
        match self {
            Recipient::PhoneNumber(p) => {
                let digits = p.strip_prefix('+').unwrap_or(p);
                body.insert("to".into(), Value::String(digits.to_owned()));
            }
            Recipient::UserId(u) => {
                body.insert("recipient".into(), Value::String(u.clone()));
            }
            Recipient::Group(g) => {
                body.insert("to".into(), Value::String(g.clone()));
            }
        }
    }

    /// Meta's `recipient_type`: `group` for a group, `individual` otherwise.
    pub fn recipient_type(&self) -> &'static str {
        match self {
            Recipient::Group(_) => "group",
            _ => "individual",
        }
    }

    /// The key the pacer counts this recipient's pair rate under.
    pub(crate) fn pace_key(&self) -> &str {
        match self {
            Recipient::PhoneNumber(p) => p.trim_start_matches('+'),
            Recipient::UserId(u) | Recipient::Group(u) => u.as_str(),
        }
    }
}

impl From<&str> for Recipient {
    /// A phone number or a BSUID given as text: a string with an ASCII letter is a
    /// BSUID ([`Recipient::UserId`], e.g. `US.13491208655302741918`; Meta takes these
    /// as `recipient` from Cloud API v25), anything else a phone number
    /// ([`Recipient::PhoneNumber`], e.g. `15550000001` or `+15550000001`). The shape
    /// is checked when a message is built ([`Recipient::validate`]), so `"+1 555-0100"`
    /// is refused there as not E.164 digits.
    fn from(s: &str) -> Self {
        if s.bytes().any(|b| b.is_ascii_alphabetic()) {
            Recipient::UserId(s.to_owned())
        } else {
            Recipient::PhoneNumber(s.to_owned())
        }
    }
}

impl From<String> for Recipient {
    /// As `From<&str>`: a BSUID when it has an ASCII letter, else a phone number.
    fn from(s: String) -> Self {
        if s.bytes().any(|b| b.is_ascii_alphabetic()) {
            Recipient::UserId(s)
        } else {
            Recipient::PhoneNumber(s)
        }
    }
}

impl From<&String> for Recipient {
    /// As `From<&str>`: a BSUID when it has an ASCII letter, else a phone number.
    fn from(s: &String) -> Self {
        Recipient::from(s.as_str())
    }
}

impl From<&Recipient> for Recipient {
    /// A copy, so that sends taking `impl Into<Recipient>` accept a borrowed one.
    fn from(r: &Recipient) -> Self {
        r.clone()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Text {
        body: String,
        preview_url: Option<bool>,
    },
    Template(Template),
    Media(MediaMessage),
    Location(Location),
    Contacts(Vec<ContactCard>),
    Interactive(Interactive),
    Reaction {
        message_id: String,
        emoji: String,
    },
}

/// One outbound message: the body of `POST /{phone_number_id}/messages`.
///
/// Serialises (with `serde` or [`OutboundMessage::to_json`]) to Meta's request shape:
/// `{"messaging_product":"whatsapp","recipient_type":"individual","to"|"recipient",
/// "type", "<type>": {...}, "context"?, "biz_opaque_callback_data"?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundMessage {
    to: Recipient,
    body: Body,
    reply_to: Option<String>,
    biz_opaque_callback_data: Option<String>,
}

impl OutboundMessage {
    /// A text message. The body must not be empty and at most 4096 characters.
    pub fn text(to: Recipient, body: impl Into<String>) -> Result<Self, ValidationError> {
        let body = body.into();
        to.validate()?;
        validation::text_body(&body)?;
        Ok(Self {
            to,
            body: Body::Text {
                body,
                preview_url: None,
            },
            reply_to: None,
            biz_opaque_callback_data: None,
        })
    }

    /// A template message (the only kind allowed outside the 24-hour customer
    /// service window): `{"type":"template","template":{"name","language":{"code"},
    /// "components"?}}`. Checked at once like the other kinds: the recipient, and the
    /// template as [`Template::validate`] says (name and language not empty, every
    /// parameter within Meta's limits, button indexes 0 to 9).
    pub fn template(to: Recipient, template: Template) -> Result<Self, ValidationError> {
        Self::with_body(to, Body::Template(template))
    }

    fn with_body(to: Recipient, body: Body) -> Result<Self, ValidationError> {
        let m = Self {
            to,
            body,
            reply_to: None,
            biz_opaque_callback_data: None,
        };
        m.validate()?;
        Ok(m)
    }

    /// A media message (image, audio, video, document or sticker) built with
    /// [`MediaMessage`]: `{"type":"image","image":{"id"|"link","caption"?}}`.
    pub fn media(to: Recipient, media: MediaMessage) -> Result<Self, ValidationError> {
        Self::with_body(to, Body::Media(media))
    }

    /// An image by media id or link, without caption (see [`MediaMessage`] for one).
    pub fn image(to: Recipient, media: MediaRef) -> Result<Self, ValidationError> {
        Self::media(to, MediaMessage::image(media)?)
    }

    /// An audio file or voice note by media id or link.
    pub fn audio(to: Recipient, media: MediaRef) -> Result<Self, ValidationError> {
        Self::media(to, MediaMessage::audio(media)?)
    }

    /// A video by media id or link, without caption.
    pub fn video(to: Recipient, media: MediaRef) -> Result<Self, ValidationError> {
        Self::media(to, MediaMessage::video(media)?)
    }

    /// A document by media id or link, without caption or file name.
    pub fn document(to: Recipient, media: MediaRef) -> Result<Self, ValidationError> {
        Self::media(to, MediaMessage::document(media)?)
    }

    /// A sticker by media id or link.
    pub fn sticker(to: Recipient, media: MediaRef) -> Result<Self, ValidationError> {
        Self::media(to, MediaMessage::sticker(media)?)
    }

    /// A location pin (`"type":"location"`).
    pub fn location(to: Recipient, location: Location) -> Result<Self, ValidationError> {
        Self::with_body(to, Body::Location(location))
    }

    /// One to five contact cards (`"type":"contacts"`).
    pub fn contacts(to: Recipient, cards: Vec<ContactCard>) -> Result<Self, ValidationError> {
        Self::with_body(to, Body::Contacts(cards))
    }

    /// An interactive message (`"type":"interactive"`) built with [`Interactive`].
    pub fn interactive(to: Recipient, interactive: Interactive) -> Result<Self, ValidationError> {
        Self::with_body(to, Body::Interactive(interactive))
    }

    /// Reacts to the message `wamid` with one emoji (`"type":"reaction"`).
    pub fn reaction(
        to: Recipient,
        wamid: impl Into<String>,
        emoji: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let emoji = emoji.into();
        if emoji.is_empty() {
            return Err(ValidationError::new(
                "reaction.emoji",
                "the reaction emoji is empty; use OutboundMessage::remove_reaction to remove a reaction",
            ));
        }
        Self::with_body(
            to,
            Body::Reaction {
                message_id: wamid.into(),
                emoji,
            },
        )
    }

    /// Removes this business's reaction from the message `wamid` (a reaction with
    /// an empty `emoji`, as Meta documents).
    pub fn remove_reaction(
        to: Recipient,
        wamid: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        Self::with_body(
            to,
            Body::Reaction {
                message_id: wamid.into(),
                emoji: String::new(),
            },
        )
    }

    /// The media content, for a media message.
    pub fn media_ref(&self) -> Option<&MediaMessage> {
        match &self.body {
            Body::Media(m) => Some(m),
            _ => None,
        }
    }

    /// The interactive content, for an interactive message.
    pub fn interactive_ref(&self) -> Option<&Interactive> {
        match &self.body {
            Body::Interactive(i) => Some(i),
            _ => None,
        }
    }

    /// Asks WhatsApp to render a link preview (`text.preview_url`); text messages only,
    /// ignored for other kinds.
    pub fn preview_url(mut self, on: bool) -> Self {
        if let Body::Text { preview_url, .. } = &mut self.body {
            *preview_url = Some(on);
        }
        self
    }

    /// Sends as a reply quoting `wamid` (`context.message_id`).
    pub fn reply_to(mut self, wamid: impl Into<String>) -> Self {
        self.reply_to = Some(wamid.into());
        self
    }

    /// Opaque data (at most 512 characters) that Meta echoes in this message's status
    /// webhooks as `biz_opaque_callback_data`.
    pub fn biz_opaque_callback_data(mut self, data: impl Into<String>) -> Self {
        self.biz_opaque_callback_data = Some(data.into());
        self
    }

    /// The recipient.
    pub fn recipient(&self) -> &Recipient {
        &self.to
    }

    /// Meta's `type` of this message: `text`, `template`, `image`, `audio`, `video`,
    /// `document`, `sticker`, `location`, `contacts`, `interactive` or `reaction`.
    pub fn type_name(&self) -> &'static str {
        match &self.body {
            Body::Text { .. } => "text",
            Body::Template(_) => "template",
            Body::Media(m) => m.kind().as_str(),
            Body::Location(_) => "location",
            Body::Contacts(_) => "contacts",
            Body::Interactive(_) => "interactive",
            Body::Reaction { .. } => "reaction",
        }
    }

    /// The text body, for a text message.
    pub fn text_body(&self) -> Option<&str> {
        match &self.body {
            Body::Text { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The template, for a template message.
    pub fn template_ref(&self) -> Option<&Template> {
        match &self.body {
            Body::Template(t) => Some(t),
            _ => None,
        }
    }

    /// The quoted message id (`context.message_id`), if any.
    pub fn reply_to_id(&self) -> Option<&str> {
        self.reply_to.as_deref()
    }

    /// Checks every local limit again (recipient shape, text length, template
    /// name, language and parameters). [`crate::GraphClient::send_message`] calls this
    /// before any request.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.to.validate()?;
        match &self.body {
            Body::Text { body, .. } => validation::text_body(body)?,
            Body::Template(t) => t.validate()?,
            Body::Media(m) => m.validate()?,
            Body::Location(l) => l.validate()?,
            Body::Contacts(c) => contacts::check_cards(c)?,
            Body::Interactive(i) => i.validate()?,
            Body::Reaction { message_id, emoji } => {
                validation::id_value("reaction.message_id", "the reacted message id", message_id)?;
                check_emoji(emoji)?;
                if self.reply_to.is_some() {
                    return Err(ValidationError::new(
                        "context",
                        "a reaction cannot quote a message; the reacted message is reaction.message_id",
                    ));
                }
            }
        }
        if let Some(id) = &self.reply_to {
            if id.trim().is_empty() {
                return Err(ValidationError::new(
                    "context.message_id",
                    "the quoted message id (context.message_id) is empty",
                ));
            }
        }
        if let Some(d) = &self.biz_opaque_callback_data {
            let n = d.chars().count();
            if n > validation::BIZ_OPAQUE_MAX_CHARS {
                return Err(ValidationError::new(
                    "biz_opaque_callback_data",
                    format!(
                        "biz_opaque_callback_data is {n} characters; Meta's limit is {}",
                        validation::BIZ_OPAQUE_MAX_CHARS
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The request body as JSON.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("messaging_product".into(), json!("whatsapp"));
        m.insert("recipient_type".into(), json!(self.to.recipient_type()));
        self.to.write(&mut m);
        if let Some(id) = &self.reply_to {
            m.insert("context".into(), json!({ "message_id": id }));
        }
        match &self.body {
            Body::Text { body, preview_url } => {
                m.insert("type".into(), json!("text"));
                let mut t = Map::new();
                t.insert("body".into(), Value::String(body.clone()));
                if let Some(p) = preview_url {
                    t.insert("preview_url".into(), Value::Bool(*p));
                }
                m.insert("text".into(), Value::Object(t));
            }
            Body::Template(tpl) => {
                m.insert("type".into(), json!("template"));
                m.insert("template".into(), tpl.to_json());
            }
            Body::Media(media) => {
                m.insert("type".into(), json!(media.kind().as_str()));
                m.insert(media.kind().as_str().into(), media.to_json());
            }
            Body::Location(l) => {
                m.insert("type".into(), json!("location"));
                m.insert("location".into(), l.to_json());
            }
            Body::Contacts(cards) => {
                m.insert("type".into(), json!("contacts"));
                m.insert(
                    "contacts".into(),
                    Value::Array(cards.iter().map(ContactCard::to_json).collect()),
                );
            }
            Body::Interactive(i) => {
                m.insert("type".into(), json!("interactive"));
                m.insert("interactive".into(), i.to_json());
            }
            Body::Reaction { message_id, emoji } => {
                m.insert("type".into(), json!("reaction"));
                m.insert(
                    "reaction".into(),
                    json!({ "message_id": message_id, "emoji": emoji }),
                );
            }
        }
        if let Some(d) = &self.biz_opaque_callback_data {
            m.insert("biz_opaque_callback_data".into(), Value::String(d.clone()));
        }
        Value::Object(m)
    }
}

/// One emoji (possibly a sequence: skin tone, ZWJ family, flag, keycap), or empty to
/// remove a reaction. Text is refused: Meta answers 131009 for it.
fn check_emoji(emoji: &str) -> Result<(), ValidationError> {
    if emoji.is_empty() {
        return Ok(());
    }
    let n = emoji.chars().count();
    if n > 16
        || emoji
            .chars()
            .any(|c| c.is_whitespace() || c.is_ascii_alphabetic() || c.is_control())
    {
        return Err(ValidationError::new(
            "reaction.emoji",
            format!("reaction {emoji:?} is not a single emoji"),
        ));
    }
    Ok(())
}

impl Serialize for OutboundMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

#[cfg(test)]
mod tests;
