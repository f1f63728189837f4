//! `POST /api/whatsapp/send`, `POST /send-bulk`, `POST /messages/{id}/retry`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wacloud_core::outbound::OutboundContent;
use wacloud_core::ports::new_id;
use wacloud_core::usecases::bulk::{self, BulkRecipient, BulkRequest};
use wacloud_core::usecases::queue::enqueue_one;
use wacloud_core::usecases::send::{retry_message as retry_use_case, send, SendCommand};

use crate::errors::ApiError;
use crate::routes::idempotency::idempotent;
use crate::routes::params::{check_id, customer_key, optional_json};
use crate::state::AppState;

/// A template as the API takes it.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    name: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    body_parameters: Vec<String>,
}

/// Body of `POST /send`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    phone_number: String,
    #[serde(default)]
    message_text: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    template: Option<TemplateBody>,
    #[serde(default)]
    reply_to: Option<String>,
    #[serde(default)]
    preview_url: bool,
    /// Send free-form text although wacloud sees no open customer service window.
    #[serde(default)]
    allow_outside_window: bool,
    /// Queue the message for this time instead of sending it now.
    #[serde(default)]
    scheduled_at: Option<DateTime<Utc>>,
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
            })
        }
        other => Err(ApiError::bad_request(
            "invalid_request",
            format!("type {other:?} is not supported here; use \"text\" or \"template\""),
        )
        .with("field", "type")),
    }
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

/// `POST /send`: sends one message now and answers with its `wamid` (200), or queues it for
/// `scheduled_at` (202). An `Idempotency-Key` makes a repeat return the first answer.
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
        |b| send_now_or_later(&state, b, id),
    )
    .await
}

async fn send_now_or_later(
    state: &AppState,
    b: SendBody,
    id: String,
) -> Result<(StatusCode, Value), ApiError> {
    let to = customer_key(&b.phone_number)?;
    let content = content(b.kind.as_deref(), b.message_text, b.template, b.preview_url)?;
    let cmd = SendCommand {
        reply_to: reply_to(b.reply_to)?,
        id: Some(id),
        allow_outside_window: b.allow_outside_window,
        ..SendCommand::new(to, content, "api")
    };
    if let Some(at) = b.scheduled_at {
        let item = enqueue_one(
            state.store.as_ref(),
            state.messenger.as_ref(),
            state.clock.as_ref(),
            cmd,
            at,
            None,
        )
        .await?;
        state.queue_wake.notify_one();
        return Ok((
            StatusCode::ACCEPTED,
            json!({"success": true, "queued": true, "queue_item": item}),
        ));
    }
    let m = send(
        state.store.as_ref(),
        state.messenger.as_ref(),
        state.clock.as_ref(),
        &state.gate,
        cmd,
    )
    .await?;
    Ok((
        StatusCode::OK,
        json!({"success": true, "message_id": m.message_id, "message": m}),
    ))
}

/// Body of `POST /messages/{id}/retry` (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryBody {
    #[serde(default)]
    allow_outside_window: bool,
}

/// `POST /messages/{id}/retry`: sends a failed outbound message again, now, as a new message
/// with a new `wamid`.
pub async fn retry_message(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "message")?;
    let allow = optional_json::<RetryBody>(&body)?.allow_outside_window;
    let m = retry_use_case(
        state.store.as_ref(),
        state.messenger.as_ref(),
        state.clock.as_ref(),
        &state.gate,
        id,
        allow,
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "message_id": m.message_id,
        "message": m,
    })))
}

/// One recipient of a bulk request: a number, or `{phone_number, body_parameters}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RecipientBody {
    /// A number or BSUID.
    Plain(String),
    /// With per-recipient template parameters.
    Detailed {
        /// Number or BSUID.
        phone_number: String,
        /// Template body parameters for this recipient.
        #[serde(default)]
        body_parameters: Option<Vec<String>>,
    },
}

/// Body of `POST /send-bulk`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    recipients: Vec<RecipientBody>,
    #[serde(default)]
    message_text: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    template: Option<TemplateBody>,
    #[serde(default)]
    scheduled_at: Option<DateTime<Utc>>,
    #[serde(default)]
    preview_url: bool,
    #[serde(default)]
    allow_outside_window: bool,
}

/// `POST /send-bulk`: queues one message per recipient; answers 202 at once with the batch id
/// and the recipients refused. An `Idempotency-Key` makes a repeat return the first answer.
pub async fn send_bulk(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<BulkBody>,
) -> Result<HttpResponse, ApiError> {
    let batch_id = new_id();
    let resource_id = Some(batch_id.clone());
    idempotent(
        &state,
        &req,
        "send-bulk",
        body.into_inner(),
        resource_id,
        |b| queue_bulk(&state, b, batch_id),
    )
    .await
}

async fn queue_bulk(
    state: &AppState,
    b: BulkBody,
    batch_id: String,
) -> Result<(StatusCode, Value), ApiError> {
    let content = content(b.kind.as_deref(), b.message_text, b.template, b.preview_url)?;
    let recipients = b
        .recipients
        .into_iter()
        .map(|r| match r {
            RecipientBody::Plain(p) => BulkRecipient {
                input: p,
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
        .collect();
    let accepted = bulk::enqueue_bulk(
        state.store.as_ref(),
        state.messenger.as_ref(),
        state.clock.as_ref(),
        BulkRequest {
            recipients,
            content,
            scheduled_at: b.scheduled_at,
            allow_outside_window: b.allow_outside_window,
            batch_id: Some(batch_id),
        },
    )
    .await?;
    state.queue_wake.notify_one();
    let body = serde_json::to_value(&accepted).map_err(|e| ApiError::internal(&e))?;
    Ok((StatusCode::ACCEPTED, body))
}
