//! `POST /api/whatsapp/send`, `POST /send-bulk`, `GET /batches/{id}`.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use wacloud_core::outbound::{FailureClass, OutboundContent};
use wacloud_core::usecases::bulk::{self, BulkRecipient};
use wacloud_core::usecases::send::{send, SendCommand};
use wacloud_core::CoreError;

use crate::errors::ApiError;
use crate::routes::customer_key;
use crate::state::AppState;

/// A template as the API takes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    name: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    body_parameters: Vec<String>,
}

/// Body of `POST /send`.
#[derive(Debug, Deserialize)]
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

fn note_auth_failure(state: &AppState, e: &CoreError) {
    if let CoreError::Send { failure, .. } = e {
        if failure.class() == FailureClass::Authentication {
            state.alerts.raise(
                "token_invalid",
                format!("Meta refused the access token: {failure}. Set a valid WHATSAPP_API_TOKEN and restart."),
            );
        }
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

/// `POST /send`: sends one message now and answers with its `wamid`.
pub async fn send_one(
    state: web::Data<AppState>,
    body: web::Json<SendBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let to = customer_key(&b.phone_number)?;
    let content = content(b.kind.as_deref(), b.message_text, b.template, b.preview_url)?;
    let cmd = SendCommand {
        to,
        content,
        reply_to: reply_to(b.reply_to)?,
        source: "api".into(),
        queue_id: None,
    };
    match send(
        state.store.as_ref(),
        state.messenger.as_ref(),
        state.clock.as_ref(),
        cmd,
    )
    .await
    {
        Ok(m) => {
            state.alerts.clear("token_invalid");
            Ok(HttpResponse::Ok().json(serde_json::json!({
                "success": true,
                "message_id": m.message_id,
                "message": m,
            })))
        }
        Err(e) => {
            note_auth_failure(&state, &e);
            Err(e.into())
        }
    }
}

/// One recipient of a bulk request: a number, or `{phone_number, body_parameters}`.
#[derive(Debug, Deserialize)]
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
#[derive(Debug, Deserialize)]
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
}

/// `POST /send-bulk`: queues one message per recipient; answers 202 at once.
pub async fn send_bulk(
    state: web::Data<AppState>,
    body: web::Json<BulkBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
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
        state.clock.as_ref(),
        recipients,
        content,
        b.scheduled_at,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(accepted))
}

/// `GET /batches/{id}`: progress and per-recipient results.
pub async fn batch(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id.len() > 64 || id.contains('\0') {
        return Err(ApiError::not_found("no such batch"));
    }
    let summary = bulk::batch(state.store.as_ref(), id).await?;
    Ok(HttpResponse::Ok().json(summary))
}
