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

mod template;
mod validation;

pub use template::{Component, Currency, MediaRef, Parameter, Template};
pub use validation::{ValidationError, TEMPLATE_PARAMETER_RULE, TEXT_BODY_MAX_CHARS};

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

    fn write(&self, body: &mut Map<String, Value>) {
        match self {
            Recipient::PhoneNumber(p) => {
                let digits = p.strip_prefix('+').unwrap_or(p);
                body.insert("to".into(), Value::String(digits.to_owned()));
            }
            Recipient::UserId(u) => {
                body.insert("recipient".into(), Value::String(u.clone()));
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Text {
        body: String,
        preview_url: Option<bool>,
    },
    Template(Template),
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
    /// service window). The template is checked again by [`OutboundMessage::validate`].
    pub fn template(to: Recipient, template: Template) -> Self {
        Self {
            to,
            body: Body::Template(template),
            reply_to: None,
            biz_opaque_callback_data: None,
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

    /// Meta's `type` of this message: `"text"` or `"template"`.
    pub fn type_name(&self) -> &'static str {
        match self.body {
            Body::Text { .. } => "text",
            Body::Template(_) => "template",
        }
    }

    /// The text body, for a text message.
    pub fn text_body(&self) -> Option<&str> {
        match &self.body {
            Body::Text { body, .. } => Some(body),
            Body::Template(_) => None,
        }
    }

    /// The template, for a template message.
    pub fn template_ref(&self) -> Option<&Template> {
        match &self.body {
            Body::Template(t) => Some(t),
            Body::Text { .. } => None,
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
        m.insert("recipient_type".into(), json!("individual"));
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
        }
        if let Some(d) = &self.biz_opaque_callback_data {
            m.insert("biz_opaque_callback_data".into(), Value::String(d.clone()));
        }
        Value::Object(m)
    }
}

impl Serialize for OutboundMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

#[cfg(test)]
mod tests;
