//! `POST /api/whatsapp/send`, `POST /send-bulk`, `POST /messages/{id}/retry`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use wacloud_core::message::Message;
use wacloud_core::outbound::{
    ContactCardContent, MediaKind, MediaSource, OutboundContent, TemplateButtonValue,
    TemplateHeaderMedia,
};
use wacloud_core::ports::new_id;
use wacloud_core::queue::QueueItemView;
use wacloud_core::usecases::bulk::{self, BatchAccepted, BulkDryRun, BulkRecipient, BulkRequest};
use wacloud_core::usecases::queue::enqueue_one;
use wacloud_core::usecases::send::{retry_message as retry_use_case, send, SendCommand};

use crate::errors::{ApiError, ErrorBody};
use crate::routes::batches::RetryBody;
use crate::routes::idempotency::idempotent;
use crate::routes::params::{check_id, customer_key, optional_json, CustomerKeyText};
use crate::state::AppState;

/// A template message as the API takes it: a template Meta approved for the WhatsApp Business
/// Account, checked against the stored one (from Meta's template webhooks) when known.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// The template's name: lowercase letters, digits and underscores, as Meta names templates.
    #[schema(example = "hello_world", pattern = "^[a-z0-9_]{1,512}$")]
    name: String,
    /// Its language code (default `en_US`).
    #[serde(default)]
    #[schema(example = "en_US", pattern = "^[a-z]{2,3}(_[A-Z0-9]{2,4})?$")]
    language: Option<String>,
    /// The values of the body's `{{1}}`, `{{2}}`, …: at most 100, each at most 1,024
    /// characters without a newline, a tab or more than four spaces in a row, 32,768 together.
    #[serde(default)]
    #[schema(max_items = 100)]
    body_parameters: Vec<String>,
    /// The value of a text header's variable (`{{1}}`): at most 60 characters, the same rules
    /// as a body parameter.
    #[serde(default)]
    #[schema(example = "Summer sale")]
    header_text: Option<String>,
    /// The media of an image, video or document header (not with `header_text`).
    #[serde(default)]
    header_media: Option<TemplateHeaderMedia>,
    /// The values of the buttons' variables: the end of a dynamic URL, a quick reply's payload
    /// or a copy-code button's coupon (1–15 characters), each at its button's index 0–9.
    #[serde(default)]
    #[schema(max_items = 10)]
    buttons: Vec<TemplateButtonValue>,
}

/// The kinds of message `POST /send` and `POST /send-bulk` take.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum MessageKind {
    /// Free-form text (`message_text`): only within the customer service window.
    Text,
    /// A template (`template`): always allowed.
    Template,
    /// A photo (`media`, `caption`): JPEG or PNG, 5 MB.
    Image,
    /// A video (`media`, `caption`): MP4 or 3GPP, 16 MB.
    Video,
    /// An audio file or voice note (`media`): 16 MB.
    Audio,
    /// A document (`media`, `caption`, `filename`): 100 MB.
    Document,
    /// A WebP sticker (`media`).
    Sticker,
    /// A reaction to a message (`reaction`); `POST /send` only.
    Reaction,
    /// A location pin (`location`).
    Location,
    /// Reply buttons, a list or a URL button (`interactive`).
    Interactive,
    /// Contact cards (`contacts`); `POST /send` only.
    Contacts,
}

/// The media of a media message: exactly one of `id` (from `POST /media`) and `link`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaBody {
    /// Meta's media id.
    #[serde(default)]
    id: Option<String>,
    /// A public `https` URL Meta downloads the file from.
    #[serde(default)]
    link: Option<String>,
}

/// A reaction: one emoji on a message of the conversation (empty removes ours).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReactionBody {
    /// The `wamid` of the message reacted to.
    #[schema(example = "wamid.HBgL…")]
    message_id: String,
    /// One emoji, or `""` to remove.
    #[schema(example = "👍")]
    emoji: String,
}

/// A location pin.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    /// −90 to 90.
    latitude: f64,
    /// −180 to 180.
    longitude: f64,
    /// The place's name.
    #[serde(default)]
    name: Option<String>,
    /// Its address.
    #[serde(default)]
    address: Option<String>,
}

/// What `POST /send` takes beside text and templates; each field belongs to one kind.
#[derive(Debug, Default)]
struct OtherFields {
    media: Option<MediaBody>,
    caption: Option<String>,
    filename: Option<String>,
    reaction: Option<ReactionBody>,
    location: Option<LocationBody>,
    interactive: Option<wacloud_core::outbound::InteractiveContent>,
    contacts: Option<Vec<ContactCardContent>>,
}

/// Body of `POST /send`: a text (`message_text`) or a template (`type: "template"`).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "phone_number": "+15550000001",
    "type": "template",
    "template": {"name": "hello_world", "language": "en_US"}
}))]
pub struct SendBody {
    /// The recipient.
    #[schema(value_type = CustomerKeyText)]
    phone_number: String,
    /// The business number to send from: its `phone_number_id` (`GET /numbers`); the default
    /// number (the first) when absent. The contact, its customer service window and the pacing
    /// are that number's.
    #[serde(default)]
    #[schema(example = "106540352242922")]
    from: Option<String>,
    /// The text of a text message: 1–4,096 characters, not only spaces, no NUL.
    #[serde(default)]
    #[schema(example = "Hello", min_length = 1, max_length = 4096)]
    message_text: Option<String>,
    /// `text` (the default without `template`) or `template`.
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<MessageKind>)]
    kind: Option<String>,
    /// The template of a template message.
    #[serde(default)]
    template: Option<TemplateBody>,
    /// Quote this message: its `wamid` (`wamid.…`).
    #[serde(default)]
    reply_to: Option<String>,
    /// Let WhatsApp show a preview of the first URL in the text.
    #[serde(default)]
    preview_url: bool,
    /// Send free-form text although wacloud sees no open customer service window.
    #[serde(default)]
    allow_outside_window: bool,
    /// Queue the message for this time instead of sending it now (at most 366 days ahead;
    /// a time past means now).
    #[serde(default)]
    scheduled_at: Option<DateTime<Utc>>,
    /// The media of an `image`, `video`, `audio`, `document` or `sticker` message.
    #[serde(default)]
    media: Option<MediaBody>,
    /// An image's, video's or document's caption: at most 1,024 characters.
    #[serde(default)]
    #[schema(max_length = 1024)]
    caption: Option<String>,
    /// A document's file name as the customer sees it: at most 240 characters.
    #[serde(default)]
    #[schema(max_length = 240)]
    filename: Option<String>,
    /// A `reaction` message.
    #[serde(default)]
    reaction: Option<ReactionBody>,
    /// A `location` message.
    #[serde(default)]
    location: Option<LocationBody>,
    /// An `interactive` message: `body`, optional `header` and `footer`, and `kind`
    /// `buttons` (`buttons: [{id, title}]`, 1–3), `list` (`button`, `sections: [{title,
    /// rows: [{id, title, description}]}]`, 10 rows at most) or `cta_url` (`display_text`,
    /// `url`).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    interactive: Option<wacloud_core::outbound::InteractiveContent>,
    /// A `contacts` message: 1–5 cards, each `{name, first_name?, last_name?, phones: [{phone,
    /// wa_id?}], emails: [..], urls: [..], company?}`.
    #[serde(default)]
    #[schema(max_items = 5)]
    contacts: Option<Vec<ContactCardContent>>,
}

/// The answer of a send (`POST /send`, `POST /messages/{id}/retry`): Meta accepted it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sent {
    /// Always `true`.
    success: bool,
    /// Meta's `wamid` of the message.
    message_id: Option<String>,
    /// The stored message.
    message: Message,
}

impl Sent {
    fn json(m: Message) -> Result<Value, ApiError> {
        let sent = Self {
            success: true,
            message_id: m.message_id.clone(),
            message: m,
        };
        serde_json::to_value(sent).map_err(|e| ApiError::internal(&e))
    }
}

/// The answer of a `POST /send` with `scheduled_at`: queued, not sent yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    /// Always `true`.
    success: bool,
    /// Always `true`.
    queued: bool,
    /// The queue item (`GET /queue/{id}` follows it).
    queue_item: QueueItemView,
}

/// The content of a send or bulk request.
fn content(
    kind: Option<&str>,
    text: Option<String>,
    template: Option<TemplateBody>,
    preview_url: bool,
) -> Result<OutboundContent, ApiError> {
    let kind = kind.unwrap_or(if template.is_some() {
        "template"
    } else {
        "text"
    });
    // Content for the other kind is a mistake the client should hear of, not text dropped in
    // silence (both given without `type` read as a template).
    let unused = match kind {
        "text" if template.is_some() => Some(("template", "a text message takes no template")),
        "template" if text.is_some() => Some((
            "message_text",
            "a template message takes no message_text: its text is the template's",
        )),
        _ => None,
    };
    if let Some((field, why)) = unused {
        return Err(ApiError::bad_request("invalid_request", why).with("field", field));
    }
    match kind {
        "text" => {
            let body = text.ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_request",
                    "message_text is required for a text message",
                )
                .with("field", "message_text")
            })?;
            Ok(OutboundContent::Text { body, preview_url })
        }
        "template" => {
            let t = template.ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_request",
                    "template {name, language, body_parameters} is required for a template message",
                )
                .with("field", "template")
            })?;
            Ok(OutboundContent::Template {
                name: t.name,
                language: t.language.unwrap_or_else(|| "en_US".into()),
                body_parameters: t.body_parameters,
                header_text: t.header_text,
                header_media: t.header_media,
                buttons: t.buttons,
            })
        }
        other => Err(ApiError::bad_request(
            "invalid_request",
            format!("type {other:?} is not supported here; use text, template, image, video, audio, document, sticker, reaction, location, interactive or contacts (POST /send-bulk: text or template)"),
        )
        .with("field", "type")),
    }
}

/// The content of a `POST /send`: text and templates as [`content`] reads them, and the other
/// kinds from their own fields. A field that belongs to another kind than the one sent is a
/// 400 naming it (never dropped in silence).
fn send_content(
    kind: Option<&str>,
    text: Option<String>,
    template: Option<TemplateBody>,
    preview_url: bool,
    other: OtherFields,
) -> Result<OutboundContent, ApiError> {
    let kind = kind.map(str::to_owned).or_else(|| {
        if other.reaction.is_some() {
            Some("reaction".into())
        } else if other.location.is_some() {
            Some("location".into())
        } else if other.interactive.is_some() {
            Some("interactive".into())
        } else if other.contacts.is_some() {
            Some("contacts".into())
        } else {
            None
        }
    });
    let media_kind = kind.as_deref().and_then(MediaKind::parse);
    let given = [
        ("media", other.media.is_some()),
        ("caption", other.caption.is_some()),
        ("filename", other.filename.is_some()),
        ("reaction", other.reaction.is_some()),
        ("location", other.location.is_some()),
        ("interactive", other.interactive.is_some()),
        ("contacts", other.contacts.is_some()),
    ];
    let takes: &[&str] = match (kind.as_deref(), media_kind) {
        (_, Some(MediaKind::Document)) => &["media", "caption", "filename"],
        (_, Some(MediaKind::Image | MediaKind::Video)) => &["media", "caption"],
        (_, Some(_)) => &["media"],
        (Some("reaction"), _) => &["reaction"],
        (Some("location"), _) => &["location"],
        (Some("interactive"), _) => &["interactive"],
        (Some("contacts"), _) => &["contacts"],
        _ => &[],
    };
    let shown = kind.as_deref().unwrap_or("text");
    if let Some((field, _)) = given.iter().find(|(f, on)| *on && !takes.contains(f)) {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("a {shown} message takes no {field}"),
        )
        .with("field", *field));
    }
    if takes.is_empty() {
        return content(kind.as_deref(), text, template, preview_url);
    }
    let not_for = |field: &'static str| {
        Err(ApiError::bad_request(
            "invalid_request",
            format!("a {shown} message takes no {field}"),
        )
        .with("field", field))
    };
    if text.is_some() {
        return not_for("message_text");
    }
    if template.is_some() {
        return not_for("template");
    }
    if preview_url {
        return not_for("preview_url");
    }
    let required = |field: &'static str| {
        ApiError::bad_request(
            "invalid_request",
            format!("{field} is required for a {shown} message"),
        )
        .with("field", field)
    };
    Ok(match (kind.as_deref(), media_kind) {
        (_, Some(kind)) => {
            let m = other.media.ok_or_else(|| required("media"))?;
            let source = match (m.id, m.link) {
                (Some(id), None) => MediaSource::Id(id),
                (None, Some(link)) => MediaSource::Link(link),
                _ => {
                    return Err(ApiError::bad_request(
                        "invalid_request",
                        "media takes exactly one of id (from POST /media) and link",
                    )
                    .with("field", "media"))
                }
            };
            OutboundContent::Media {
                kind,
                source,
                caption: other.caption,
                filename: other.filename,
            }
        }
        (Some("reaction"), _) => {
            let r = other.reaction.ok_or_else(|| required("reaction"))?;
            OutboundContent::Reaction {
                message_id: r.message_id,
                emoji: r.emoji,
            }
        }
        (Some("location"), _) => {
            let l = other.location.ok_or_else(|| required("location"))?;
            OutboundContent::Location {
                latitude: l.latitude,
                longitude: l.longitude,
                name: l.name,
                address: l.address,
            }
        }
        (Some("contacts"), _) => OutboundContent::Contacts {
            cards: other.contacts.ok_or_else(|| required("contacts"))?,
        },
        _ => {
            OutboundContent::Interactive(other.interactive.ok_or_else(|| required("interactive"))?)
        }
    })
}

/// A `reply_to` must name a message Meta gave an id (`wamid.…`).
fn reply_to(r: Option<String>) -> Result<Option<String>, ApiError> {
    match r.filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(w) if w.starts_with("wamid.") && w.len() <= 256 && !w.contains('\0') => Ok(Some(w)),
        Some(_) => Err(ApiError::bad_request(
            "invalid_request",
            "reply_to must be the wamid of a message (wamid.…)",
        )
        .with("field", "reply_to")),
    }
}

/// Send a message.
///
/// `POST /send`: sends one message now and answers with its `wamid` (200), or queues it for
/// `scheduled_at` (202). An `Idempotency-Key` makes a repeat return the first answer.
#[utoipa::path(
    post,
    path = "/api/whatsapp/send",
    operation_id = "send",
    tag = "sending",
    params(IdempotencyKey),
    request_body = SendBody,
    responses(
        (status = 200, description = "Meta accepted the message", body = Sent,
            headers(("Idempotent-Replayed" = String, description = "`true` on a repeat that got the first answer")),
            links(("retry" = (operation_id = "retry_message", parameters(("id" = "$response.body#/message/id")))))),
        (status = 202, description = "Queued for `scheduled_at`", body = Queued,
            links(
                ("item" = (operation_id = "get_queue_item", parameters(("id" = "$response.body#/queue_item/id")))),
                ("cancel" = (operation_id = "cancel_queue_item", parameters(("id" = "$response.body#/queue_item/id")))),
                ("retry" = (operation_id = "retry_queue_item", parameters(("id" = "$response.body#/queue_item/id")))),
            )),
        (status = 400, description = "`invalid_phone_number`, `invalid_json`, `invalid_request` (a missing `message_text` or `template`, an unknown `type`, a bad `reply_to`, `scheduled_at` too far ahead), `empty_text`, `invalid_text`, `text_too_long`, `invalid_template`, `invalid_template_parameter`, `too_many_template_parameters`, `template_parameter_too_long`, `invalid_idempotency_key`", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused` (the key came with another body), `idempotency_in_progress` (the first request with the key has not answered within 30 s), `idempotency_abandoned` (the first request never answered: its server stopped during it)", body = ErrorBody),
        (status = 422, description = "`window_closed` (a text outside the customer service window: send a template, or set `allow_outside_window`), `contact_blocked`, `template_not_sendable`, `template_mismatch`", body = ErrorBody),
        (status = 429, description = "`pair_rate_limited`: this recipient's pair-rate slot is taken", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 502, description = "`graph_error`: Meta refused the message (`graph` holds Meta's error); it is stored `failed`", body = ErrorBody),
        (status = 503, description = "`sending_paused` (Meta refused the access token), `meta_unreachable` (nothing was sent), `database_unavailable`", body = ErrorBody),
        (status = 504, description = "`outcome_unknown`: Meta's answer was lost; the message may have gone out and is settled from Meta's status webhooks: do not resend it", body = ErrorBody),
    ),
)]
pub async fn send_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SendBody>,
) -> Result<HttpResponse, ApiError> {
    let id = new_id();
    idempotent(
        &state,
        &req,
        "send",
        body.into_inner(),
        Some(id.clone()),
        |b| send_now_or_later(&state, b, id, crate::auth::Principal::of(&req).actor),
    )
    .await
}

async fn send_now_or_later(
    state: &AppState,
    b: SendBody,
    id: String,
    actor: wacloud_core::auth::Actor,
) -> Result<(StatusCode, Value), ApiError> {
    let to = customer_key(&b.phone_number)?;
    let messenger = state.numbers.messenger(b.from.as_deref())?;
    let other = OtherFields {
        media: b.media,
        caption: b.caption,
        filename: b.filename,
        reaction: b.reaction,
        location: b.location,
        interactive: b.interactive,
        contacts: b.contacts,
    };
    let content = send_content(
        b.kind.as_deref(),
        b.message_text,
        b.template,
        b.preview_url,
        other,
    )?;
    let cmd = SendCommand {
        reply_to: reply_to(b.reply_to)?,
        id: Some(id),
        allow_outside_window: b.allow_outside_window,
        actor: Some(actor),
        ..SendCommand::new(to, content, "api")
    };
    if let Some(at) = b.scheduled_at {
        let item = enqueue_one(
            state.store.as_ref(),
            messenger.as_ref(),
            state.clock.as_ref(),
            cmd,
            at,
            None,
        )
        .await?;
        state.queue_wake.notify_one();
        let queued = Queued {
            success: true,
            queued: true,
            queue_item: item,
        };
        let body = serde_json::to_value(queued).map_err(|e| ApiError::internal(&e))?;
        return Ok((StatusCode::ACCEPTED, body));
    }
    let m = send(
        state.store.as_ref(),
        messenger.as_ref(),
        state.clock.as_ref(),
        &state.gate,
        cmd,
    )
    .await?;
    Ok((StatusCode::OK, Sent::json(m)?))
}

/// Retry a failed message.
///
/// `POST /messages/{id}/retry`: sends a failed outbound message again, now, as a new message
/// with a new `wamid` (the failed one stays as it was). A message is retried once.
#[utoipa::path(
    post,
    path = "/api/whatsapp/messages/{id}/retry",
    operation_id = "retry_message",
    tag = "sending",
    params(("id" = String, Path, min_length = 1, description = "The failed message's wacloud id; anything that is not an id answers 404")),
    request_body(content = Option<RetryBody>, description = "Optional; empty for the defaults", content_type = "application/json"),
    responses(
        (status = 200, description = "Meta accepted the new message", body = Sent),
        (status = 400, description = "`invalid_json` (a body that is not the one above); the message no longer passes the checks of `POST /send`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such message", body = ErrorBody),
        (status = 409, description = "`not_retryable` (an inbound message, or one that did not fail), `already_retried` (naming the retry's message)", body = ErrorBody),
        (status = 422, description = "`window_closed`, `contact_blocked`, `template_not_sendable`, `template_mismatch`", body = ErrorBody),
        (status = 429, description = "`pair_rate_limited`", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 502, description = "`graph_error`: Meta refused the new message", body = ErrorBody),
        (status = 503, description = "`sending_paused`, `meta_unreachable`, `database_unavailable`", body = ErrorBody),
        (status = 504, description = "`outcome_unknown`: do not resend it", body = ErrorBody),
    ),
)]
pub async fn retry_message(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "message")?;
    let allow = optional_json::<RetryBody>(&req, &body)?.allow_outside_window;
    let m = retry_use_case(
        state.store.as_ref(),
        state.messenger.as_ref(),
        state.clock.as_ref(),
        &state.gate,
        id,
        allow,
        Some(crate::auth::Principal::of(&req).actor),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Sent::json(m)?))
}

/// One recipient of a bulk request: a number, or `{phone_number, body_parameters}` (no other
/// field: a misspelt one would be ignored in silence).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum RecipientBody {
    /// A number or BSUID.
    Plain(CustomerKeyText),
    /// With per-recipient template parameters.
    Detailed {
        /// Number or BSUID.
        #[schema(value_type = CustomerKeyText)]
        phone_number: String,
        /// Template body parameters for this recipient.
        #[serde(default)]
        body_parameters: Option<Vec<String>>,
    },
}

/// Body of `POST /send-bulk`: one message for many recipients.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "recipients": ["+15550000001", {"phone_number": "+15550000002", "body_parameters": []}],
    "type": "template",
    "template": {"name": "hello_world", "language": "en_US"}
}))]
pub struct BulkBody {
    /// 1 to 10,000 recipients.
    #[schema(max_items = 10000, min_items = 1)]
    recipients: Vec<RecipientBody>,
    /// The business number to send from (`phone_number_id`); the default number when absent.
    #[serde(default)]
    from: Option<String>,
    /// The text of a text message: 1–4,096 characters, not only spaces, no NUL.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 4096)]
    message_text: Option<String>,
    /// `text` (the default without `template`) or `template`.
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<MessageKind>)]
    kind: Option<String>,
    /// The template of a template message (a recipient's `body_parameters` replace its own).
    #[serde(default)]
    template: Option<TemplateBody>,
    /// Not before this time (default: now; at most 366 days ahead).
    #[serde(default)]
    scheduled_at: Option<DateTime<Utc>>,
    /// Let WhatsApp show a preview of the first URL in the text.
    #[serde(default)]
    preview_url: bool,
    /// Queue free-form text also for recipients without an open customer service window.
    #[serde(default)]
    allow_outside_window: bool,
    /// The most the batch may spend: it pauses (`GET /batches/{id}`: `budget.state` `paused`,
    /// `paused_reason` `budget_reached`) before an item would take it past `amount`, counting
    /// every item begun at the rate card's price; `PATCH /batches/{id}` raises it. Recipients
    /// the rate card cannot price in this currency are refused (`unpriced`,
    /// `currency_mismatch`).
    #[serde(default)]
    budget: Option<super::batches::BudgetBody>,
}

/// Query of `POST /send-bulk`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BulkQuery {
    /// `true`: run every check and estimate the cost and duration, queue nothing (200 with a
    /// [`BulkDryRun`]).
    dry_run: Option<bool>,
}

/// The `Idempotency-Key` header of `POST /send` and `POST /send-bulk`.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[expect(
    dead_code,
    reason = "describes the header in the OpenAPI document; read from the request"
)]
pub struct IdempotencyKey {
    /// 1–255 visible ASCII characters (a UUID is a good choice): a repeat with the same key and
    /// body gets the first answer again (for 24 hours, `Idempotent-Replayed: true`); the same
    /// key with another body is refused (409). Scoped per endpoint.
    #[param(
        rename = "Idempotency-Key",
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = "^[\\x21-\\x7E]+$"
    )]
    idempotency_key: Option<String>,
}

/// Send to many recipients.
///
/// `POST /send-bulk`: queues one message per recipient; answers 202 at once with the batch id
/// and the recipients refused (`GET /batches/{batch_id}` follows it). An `Idempotency-Key`
/// makes a repeat return the first answer.
#[utoipa::path(
    post,
    path = "/api/whatsapp/send-bulk",
    operation_id = "send_bulk",
    tag = "sending",
    params(IdempotencyKey, BulkQuery),
    request_body = BulkBody,
    responses(
        (status = 200, description = "`dry_run=true`: what would be queued, refused, spent and how long it would take; nothing queued", body = BulkDryRun),
        (status = 202, description = "Queued (`batch_id` is `null` when no recipient was accepted)", body = BatchAccepted,
            links(
                ("batch" = (operation_id = "get_batch", parameters(("id" = "$response.body#/batch_id")))),
                ("cancel" = (operation_id = "cancel_batch", parameters(("id" = "$response.body#/batch_id")))),
            )),
        (status = 400, description = "`invalid_json`, `invalid_request` (no recipients or more than 10,000, a missing `message_text` or `template`, an unknown `type`, `scheduled_at` too far ahead), `empty_text`, `invalid_text`, `text_too_long`, `invalid_template`, `invalid_template_parameter`, `too_many_template_parameters`, `template_parameter_too_long`, `invalid_idempotency_key`, `invalid_budget`, `invalid_query` (`dry_run` not `true` or `false`)", body = ErrorBody),
        (status = 409, description = "`idempotency_key_reused`, `idempotency_in_progress`, `idempotency_abandoned`", body = ErrorBody),
        (status = 422, description = "`template_not_sendable`, `template_mismatch`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn send_bulk(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<BulkQuery>,
    body: web::Json<BulkBody>,
) -> Result<HttpResponse, ApiError> {
    if query.dry_run == Some(true) {
        let actor = crate::auth::Principal::of(&req).actor;
        let answer = dry_run(&state, body.into_inner(), actor).await?;
        return Ok(HttpResponse::Ok().json(answer));
    }
    let batch_id = new_id();
    let resource_id = Some(batch_id.clone());
    idempotent(
        &state,
        &req,
        "send-bulk",
        body.into_inner(),
        resource_id,
        |b| queue_bulk(&state, b, batch_id, crate::auth::Principal::of(&req).actor),
    )
    .await
}

/// The use case's request from the body.
fn bulk_request(
    b: BulkBody,
    batch_id: Option<String>,
    actor: wacloud_core::auth::Actor,
) -> Result<(BulkRequest, Option<String>), ApiError> {
    let content = content(b.kind.as_deref(), b.message_text, b.template, b.preview_url)?;
    let recipients = b
        .recipients
        .into_iter()
        .map(|r| match r {
            RecipientBody::Plain(p) => BulkRecipient {
                input: p.0,
                body_parameters: None,
            },
            RecipientBody::Detailed {
                phone_number,
                body_parameters,
            } => BulkRecipient {
                input: phone_number,
                body_parameters,
            },
        })
        .collect::<Vec<_>>();
    if matches!(content, OutboundContent::Text { .. })
        && recipients.iter().any(|r| r.body_parameters.is_some())
    {
        return Err(ApiError::bad_request(
            "invalid_request",
            "body_parameters are a template's; this bulk send is a text message",
        )
        .with("field", "recipients"));
    }
    let budget = b
        .budget
        .as_ref()
        .map(super::batches::BudgetBody::parse)
        .transpose()?;
    Ok((
        BulkRequest {
            actor: Some(actor),
            recipients,
            content,
            scheduled_at: b.scheduled_at,
            allow_outside_window: b.allow_outside_window,
            batch_id,
            budget,
        },
        b.from,
    ))
}

async fn queue_bulk(
    state: &AppState,
    b: BulkBody,
    batch_id: String,
    actor: wacloud_core::auth::Actor,
) -> Result<(StatusCode, Value), ApiError> {
    let (request, from) = bulk_request(b, Some(batch_id), actor)?;
    let messenger = state.numbers.messenger(from.as_deref())?;
    let accepted = bulk::enqueue_bulk(
        state.store.as_ref(),
        messenger.as_ref(),
        state.clock.as_ref(),
        &state.settings.costs.rate_card,
        request,
    )
    .await?;
    state.queue_wake.notify_one();
    let body = serde_json::to_value(&accepted).map_err(|e| ApiError::internal(&e))?;
    Ok((StatusCode::ACCEPTED, body))
}

/// `POST /send-bulk?dry_run=true`.
async fn dry_run(
    state: &AppState,
    b: BulkBody,
    actor: wacloud_core::auth::Actor,
) -> Result<BulkDryRun, ApiError> {
    let (request, from) = bulk_request(b, None, actor)?;
    let messenger = state.numbers.messenger(from.as_deref())?;
    let pace = state.numbers.pace(
        from.as_deref(),
        bulk::Pace {
            messages_per_second: state.settings.throughput.messages_per_second,
            pair_interval_ms: u64::try_from(state.settings.throughput.pair_interval.as_millis())
                .unwrap_or(u64::MAX),
        },
    );
    Ok(bulk::dry_run_bulk(
        state.store.as_ref(),
        messenger.as_ref(),
        state.clock.as_ref(),
        &state.settings.costs.rate_card,
        pace,
        request,
    )
    .await?)
}
