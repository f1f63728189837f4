//! What wacloud asks Meta to send, and how Meta answered.

use serde::{Deserialize, Serialize};

use crate::message::DeliveryError;
use crate::phone::CustomerKey;

/// Meta's limit on a text message body, in characters.
pub const MAX_TEXT_CHARS: usize = 4096;

/// The kinds of media message (Cloud API "Media messages").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// JPEG or PNG, at most 5 MB.
    Image,
    /// MP4 or 3GPP (H.264 video, AAC audio), at most 16 MB.
    Video,
    /// AAC, AMR, MP3, MP4 audio or OGG (Opus), at most 16 MB.
    Audio,
    /// Any document type WhatsApp takes (PDF, Office files, text), at most 100 MB.
    Document,
    /// A WebP sticker: at most 100 KB static, 500 KB animated.
    Sticker,
}

impl MediaKind {
    /// Every kind.
    pub const ALL: [Self; 5] = [
        Self::Image,
        Self::Video,
        Self::Audio,
        Self::Document,
        Self::Sticker,
    ];

    /// Meta's `type` for it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Document => "document",
            Self::Sticker => "sticker",
        }
    }

    /// The kind Meta's `type` names.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether Meta shows a caption with it (not audio, not stickers).
    #[must_use]
    pub const fn takes_caption(self) -> bool {
        matches!(self, Self::Image | Self::Video | Self::Document)
    }
}

/// Where the media of a media message is: an id from `POST /media` (Meta's media id), or a
/// public `https` URL Meta downloads itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediaSource {
    /// Meta's media id.
    Id(String),
    /// A public `https` URL.
    Link(String),
}

/// A template's media header (Cloud API "Send template messages": a header component with an
/// image, video or document parameter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateHeaderMedia {
    /// `image`, `video` or `document`, as the approved template's header format.
    #[serde(rename = "type")]
    pub kind: MediaKind,
    /// Meta's media id or a public `https` link.
    pub media: MediaSource,
    /// A document's file name as the customer sees it: at most 240 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

/// What a template button's variable is (Cloud API "Send template messages": button
/// components' `sub_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TemplateButtonKind {
    /// The end of a dynamic URL (`https://example.com/track/{{1}}`).
    Url,
    /// The payload a quick-reply button sends back when tapped.
    QuickReply,
    /// The coupon code a copy-code button copies: 1–15 characters.
    CopyCode,
}

/// The value of one template button's variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateButtonValue {
    /// The button's position in the template, 0–9.
    pub index: u32,
    /// What kind of button it is.
    #[serde(rename = "type")]
    pub kind: TemplateButtonKind,
    /// The URL's end, the payload or the coupon code.
    pub value: String,
}

/// A phone number on a contact card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactCardPhone {
    /// The number as it should be shown, e.g. `+55 11 91234-5678`.
    pub phone: String,
    /// Its WhatsApp id (digits): WhatsApp then shows a "Message" button on the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
}

/// One contact card of a `contacts` message (Cloud API "Contacts messages"; at most 5 per
/// message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactCardContent {
    /// The name shown on the card (Meta's `formatted_name`): 1–256 characters.
    pub name: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<ContactCardPhone>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// Web addresses (`http(s)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// The company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

/// One reply button (Cloud API "Interactive reply buttons messages").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplyButton {
    /// Comes back in the customer's reply: 1–256 characters, unique in the message.
    pub id: String,
    /// Shown on the button: 1–20 characters.
    pub title: String,
}

/// One row of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ListRow {
    /// Comes back in the customer's reply: 1–200 characters, unique in the message.
    pub id: String,
    /// 1–24 characters.
    pub title: String,
    /// At most 72 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One section of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ListSection {
    /// At most 24 characters; required when there are several sections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its rows (10 at most across all sections).
    pub rows: Vec<ListRow>,
}

/// What an interactive message offers (Cloud API "Interactive messages").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InteractiveAction {
    /// One to three reply buttons.
    Buttons {
        /// The buttons.
        buttons: Vec<ReplyButton>,
    },
    /// A list the customer opens with a button and picks one row from.
    List {
        /// The button's text: 1–20 characters.
        button: String,
        /// 1–10 sections.
        sections: Vec<ListSection>,
    },
    /// A button that opens a URL.
    CtaUrl {
        /// The button's text: 1–20 characters.
        display_text: String,
        /// An `http(s)` URL.
        url: String,
    },
    /// Meta's call permission request (Calling API): the customer answers with a
    /// `call_permission_reply`. Free-form only inside the customer service window.
    CallPermissionRequest,
}

/// An interactive message: body text, optional header text and footer, and what it offers.
/// (Unknown fields are refused by [`InteractiveAction`], which receives every field this
/// struct does not name: serde cannot deny them here beside `flatten`.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InteractiveContent {
    /// 1–1024 characters.
    pub body: String,
    /// A text header: at most 60 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// At most 60 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// The buttons, the list or the URL button.
    #[serde(flatten)]
    pub action: InteractiveAction,
}

/// The content of an outbound message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboundContent {
    /// A free-form text (only inside the customer service window).
    Text {
        /// 1–4096 characters.
        body: String,
        /// Let WhatsApp render a link preview.
        #[serde(default)]
        preview_url: bool,
    },
    /// An approved message template (allowed at any time).
    Template {
        /// Template name.
        name: String,
        /// Language code, e.g. `en_US`.
        language: String,
        /// Positional body parameters (`{{1}}`, `{{2}}`, …).
        #[serde(default)]
        body_parameters: Vec<String>,
        /// The value of a text header's variable (`{{1}}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header_text: Option<String>,
        /// The media of an image, video or document header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header_media: Option<TemplateHeaderMedia>,
        /// The values of the buttons' variables.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<TemplateButtonValue>,
    },
    /// A photo, video, audio file, document or sticker.
    Media {
        /// Which.
        kind: MediaKind,
        /// Meta's media id or a public link.
        source: MediaSource,
        /// Shown under an image, video or document: at most 1024 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        /// A document's file name as the customer sees it: at most 240 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
    },
    /// A reaction to a message of the conversation (an empty emoji removes ours).
    Reaction {
        /// The `wamid` reacted to.
        message_id: String,
        /// One emoji, or empty.
        emoji: String,
    },
    /// A location pin.
    Location {
        /// −90 to 90.
        latitude: f64,
        /// −180 to 180.
        longitude: f64,
        /// The place's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Its address.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    /// Reply buttons, a list or a URL button.
    Interactive(InteractiveContent),
    /// Contact cards (1–5).
    Contacts {
        /// The cards.
        cards: Vec<ContactCardContent>,
    },
}

// A location's coordinates are the only floats, and they are never NaN: JSON cannot carry one
// and `validate_content` refuses anything outside −90…90 and −180…180, so equality is total.
impl Eq for OutboundContent {}

impl OutboundContent {
    /// Meta's `type` for this content.
    #[must_use]
    pub fn message_type(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Template { .. } => "template",
            Self::Media { kind, .. } => kind.as_str(),
            Self::Reaction { .. } => "reaction",
            Self::Location { .. } => "location",
            Self::Interactive(_) => "interactive",
            Self::Contacts { .. } => "contacts",
        }
    }

    /// What the message list shows for it.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Text { body, .. } => body.clone(),
            Self::Template {
                name,
                body_parameters,
                ..
            } => {
                if body_parameters.is_empty() {
                    format!("[template: {name}]")
                } else {
                    format!("[template: {name}] {}", body_parameters.join(", "))
                }
            }
            Self::Media {
                kind,
                caption,
                filename,
                ..
            } => match caption.as_deref().or(filename.as_deref()) {
                Some(c) if !c.is_empty() => format!("[{}] {c}", kind.as_str()),
                _ => format!("[{}]", kind.as_str()),
            },
            Self::Reaction { emoji, .. } if emoji.is_empty() => "[reaction removed]".into(),
            Self::Reaction { emoji, .. } => format!("[reaction] {emoji}"),
            Self::Location {
                latitude,
                longitude,
                name,
                ..
            } => match name {
                Some(n) if !n.is_empty() => format!("[location] {n}"),
                _ => format!("[location] {latitude}, {longitude}"),
            },
            Self::Interactive(i) => i.body.clone(),
            Self::Contacts { cards } => format!(
                "[contacts] {}",
                cards
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Whether the customer service window must be open for it: everything but a template
    /// (Meta's rule: outside the window only templates are delivered).
    #[must_use]
    pub fn needs_open_window(&self) -> bool {
        !matches!(self, Self::Template { .. })
    }
}

pub use crate::template::StoredTemplate;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    /// The recipient.
    pub to: CustomerKey,
    /// What to send.
    pub content: OutboundContent,
    /// `wamid` to quote.
    pub reply_to: Option<String>,
    /// Carried back in every status webhook of this message (`biz_opaque_callback_data`);
    /// wacloud puts its own message id here.
    pub callback_data: Option<String>,
    /// A template stored with the category `MARKETING`: a number onboarded to Meta's Marketing
    /// Messages API sends it through `/marketing_messages`.
    pub marketing: bool,
}

/// Meta's answer to an accepted send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// The new `wamid`.
    pub wamid: String,
    /// The `wa_id` Meta resolved the recipient to (may differ from what was typed).
    pub wa_id: Option<String>,
}

/// What a sender should do about a failure (from Meta's error code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The token is invalid or expired: stop all sending until it is fixed.
    Authentication,
    /// The app lacks a permission.
    Permission,
    /// The number's throughput was exceeded: back off the whole number.
    RateLimited,
    /// Too many messages to this recipient: back off for it only.
    PairRateLimited,
    /// Outside the customer service window: send a template.
    WindowClosed,
    /// The recipient cannot receive it: final.
    Undeliverable,
    /// The template is missing, paused or its parameters are wrong: fix it.
    TemplateProblem,
    /// The request is malformed: final.
    InvalidRequest,
    /// A passing fault at Meta: retry.
    Transient,
    /// Anything else.
    Unknown,
}

impl FailureClass {
    /// Whether the same request may be retried later.
    #[must_use]
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::PairRateLimited | Self::Transient
        )
    }
}

/// Why a send did not produce a `wamid`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// Meta refused the request; nothing was sent.
    #[error("Meta refused the message: {}", .error.message.as_deref().unwrap_or("no message"))]
    Rejected {
        /// HTTP status of Meta's answer.
        http_status: u16,
        /// Meta's error.
        error: DeliveryError,
        /// What to do about it.
        class: FailureClass,
        /// How long Meta asked to wait, in seconds.
        retry_after_secs: Option<u64>,
    },
    /// The request was refused locally (a limit of Meta's), before any network call.
    #[error("{0}")]
    Invalid(String),
    /// The request may or may not have reached Meta (timeout, connection cut mid-way).
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),
    /// Meta could not be reached; the request provably did not go out.
    #[error("Meta unreachable: {0}")]
    Unreachable(String),
}

impl SendFailure {
    /// The failure's class.
    #[must_use]
    pub fn class(&self) -> FailureClass {
        match self {
            Self::Rejected { class, .. } => *class,
            Self::Invalid(_) => FailureClass::InvalidRequest,
            Self::OutcomeUnknown(_) => FailureClass::Unknown,
            Self::Unreachable(_) => FailureClass::Transient,
        }
    }

    /// The delivery error to store on the message.
    #[must_use]
    pub fn delivery_error(&self) -> DeliveryError {
        match self {
            Self::Rejected { error, .. } => error.clone(),
            other => DeliveryError {
                code: None,
                title: None,
                message: Some(other.to_string()),
                details: None,
            },
        }
    }
}
