//! Mounting the sandbox, and the customer simulator.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::control::ControlPatch;
use crate::graph::{messages, note_inbound, phone_number};
use crate::graph_media;
use crate::payloads::{inbound_media_delivery, inbound_text_delivery, new_wamid};
use crate::Sandbox;

/// Mounts the sandbox's routes under `/sandbox` on an actix-web app.
pub fn configure(sandbox: Arc<Sandbox>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope("/sandbox")
                .app_data(web::Data::new(sandbox))
                .app_data(web::PayloadConfig::new(1024 * 1024))
                .route(
                    "/graph/{version}/{phone_number_id}/messages",
                    web::post().to(messages),
                )
                .route(
                    "/graph/{version}/{phone_number_id}/marketing_messages",
                    web::post().to(crate::marketing::marketing_messages),
                )
                .route(
                    "/graph/{version}/{phone_number_id}/media",
                    web::post().to(graph_media::upload),
                )
                .route(
                    "/graph/{version}/{phone_number_id}/thread_control",
                    web::post().to(crate::routing::thread_control),
                )
                .route(
                    "/customers/{phone}/thread",
                    web::post().to(crate::routing::other_takes_or_passes),
                )
                .route(
                    "/customers/{phone}/standby",
                    web::post().to(crate::routing::standby_copy),
                )
                .route(
                    "/graph/{version}/{phone_number_id}/call_permissions",
                    web::get().to(crate::calling::call_permissions),
                )
                .route(
                    "/graph/{version}/{phone_number_id}/groups",
                    web::post().to(crate::groups::create),
                )
                .route(
                    "/graph/{version}/{group_id}/invite_link",
                    web::get().to(crate::groups::invite_link),
                )
                .route(
                    "/graph/{version}/{group_id}/invite_link",
                    web::post().to(crate::groups::invite_link),
                )
                .route(
                    "/graph/{version}/{group_id}/participants",
                    web::delete().to(crate::groups::remove_participants),
                )
                .route(
                    "/groups/{group_id}/join",
                    web::post().to(crate::groups::join),
                )
                .route(
                    "/groups/{group_id}/messages",
                    web::post().to(crate::groups::participant_writes),
                )
                .route(
                    "/graph/{version}/{waba_id}/message_templates",
                    web::get().to(crate::templates::list),
                )
                .route(
                    "/graph/{version}/{waba_id}/message_templates",
                    web::post().to(crate::templates::create),
                )
                .route(
                    "/graph/{version}/{waba_id}/message_templates",
                    web::delete().to(crate::templates::delete),
                )
                .route(
                    "/graph/{version}/{app_id}/uploads",
                    web::post().to(crate::templates::open_upload),
                )
                .route(
                    graph_media::DOWNLOAD_PATH,
                    web::get().to(graph_media::download),
                )
                .route(
                    "/graph/{version}/{phone_number_id}",
                    web::get().to(phone_number),
                )
                .route(
                    "/graph/{version}/{media_id}",
                    web::delete().to(graph_media::delete),
                )
                .service(
                    web::resource("/graph/{version}/{upload_id}")
                        .guard(actix_web::guard::Post())
                        .app_data(web::PayloadConfig::new(crate::templates::UPLOAD_MAX_BYTES))
                        .route(web::post().to(crate::templates::upload_data)),
                )
                .route(
                    "/customers/{phone}/messages",
                    web::post().to(customer_writes),
                )
                .route("/media/{media_id}", web::delete().to(expire_media))
                .route("/numbers", web::get().to(crate::numbers::list))
                .route("/numbers", web::post().to(crate::numbers::add))
                .route("/sent", web::get().to(sent))
                .route("/counts", web::get().to(counts))
                .route("/control", web::get().to(get_control))
                .route("/control", web::post().to(set_control))
                .route("/reset", web::post().to(reset)),
        );
    }
}

fn error(status: actix_web::http::StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": { "code": code, "message": message } }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerMessage {
    /// The text, or the media's caption (optional then).
    #[serde(default)]
    text: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    media: Option<CustomerMedia>,
    #[serde(default)]
    location: Option<CustomerLocation>,
    /// The business number written to: its `phone_number_id` or display number (default: the
    /// sandbox's first number).
    #[serde(default)]
    to: Option<String>,
}

/// A location pin the customer shares, as Meta delivers it.
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct CustomerLocation {
    latitude: f64,
    longitude: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
}

/// A file the customer sends: `type` `image` or `document`; the bytes in base64 (`data`), or a
/// small sample file of the kind when absent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerMedia {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    data: Option<String>,
}

/// A 1×1 PNG: what a simulated customer's image is when the request gives no bytes.
const SAMPLE_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A one-page PDF: a simulated customer's document when the request gives no bytes.
const SAMPLE_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Keeps the customer's file like an upload and answers Meta's media object for the message.
fn customer_media(
    sandbox: &Sandbox,
    m: CustomerMedia,
    caption: Option<&str>,
) -> Result<(String, serde_json::Value), String> {
    use base64::Engine as _;
    let (sample, default_type, default_name): (&[u8], &str, Option<&str>) = match m.kind.as_str() {
        "image" => (SAMPLE_PNG, "image/png", None),
        "document" => (SAMPLE_PDF, "application/pdf", Some("sample.pdf")),
        other => {
            return Err(format!(
                "media.type must be image or document, not {other:?}"
            ))
        }
    };
    let bytes = match &m.data {
        Some(d) => base64::engine::general_purpose::STANDARD
            .decode(d.trim())
            .map_err(|e| format!("media.data must be base64: {e}"))?,
        None => sample.to_vec(),
    };
    if bytes.is_empty() {
        return Err("media.data is empty".into());
    }
    let mime_type = m.mime_type.unwrap_or_else(|| default_type.to_owned());
    let sha256 = hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes));
    let id = sandbox
        .media
        .insert(web::Bytes::from(bytes), mime_type.clone())
        .ok_or("the file is larger than the sandbox keeps (media_max_bytes)")?;
    let mut obj = json!({ "id": id, "mime_type": mime_type, "sha256": sha256 });
    if let Some(c) = caption {
        obj["caption"] = json!(c);
    }
    if m.kind == "document" {
        if let Some(name) = m.filename.as_deref().or(default_name) {
            obj["filename"] = json!(name);
        }
    }
    Ok((m.kind, obj))
}

/// `POST /sandbox/customers/{phone}/messages {"text": "...", "name": "..."}`: a customer writes
/// in; with `"media": {"type": "image"|"document", "mime_type", "filename", "data"}` (all but
/// `type` optional; `data` in base64, a sample file when absent) the customer sends that file
/// and `text` is its caption; `"to"` names the business number written to (its
/// `phone_number_id` or display number; default the first; 400 `unknown_number`). Answers 202 with the `wamid` (and the `media_id`) once the server
/// accepted the signed delivery.
async fn customer_writes(
    sandbox: web::Data<Arc<Sandbox>>,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    // JSON only: a form or text/plain post is what another web page could forge (CSRF).
    let json = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        );
    }
    let msg: CustomerMessage = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                &format!("expected {{\"text\": \"...\", \"name\": \"...\"}}: {e}"),
            )
        }
    };
    let phone = path.into_inner();
    let wa_id: String = phone.chars().filter(char::is_ascii_digit).collect();
    let only_number_chars = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if !only_number_chars || !(8..=15).contains(&wa_id.len()) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_phone_number",
            "the customer's number must be 8 to 15 digits with country code, e.g. +15550000001",
        );
    }
    if msg.text.contains('\0') || msg.name.as_deref().is_some_and(|n| n.contains('\0')) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "text and name must not contain NUL characters",
        );
    }
    if msg.media.is_some() && msg.location.is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "a customer's message carries a file (media) or a location, not both",
        );
    }
    if let Some(l) = &msg.location {
        if !(-90.0..=90.0).contains(&l.latitude) || !(-180.0..=180.0).contains(&l.longitude) {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "location.latitude must be -90 to 90 and location.longitude -180 to 180",
            );
        }
    }
    let text_needed = msg.media.is_none() && msg.location.is_none();
    if (text_needed && msg.text.trim().is_empty()) || msg.text.chars().count() > 4096 {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "text must be 1 to 4096 characters (optional with media: its caption)",
        );
    }
    let name = msg.name.filter(|n| !n.trim().is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 256) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "name must be at most 256 characters",
        );
    }
    let sandbox = sandbox.get_ref().clone();
    let to = match msg.to.as_deref() {
        None => sandbox.config().phone_number_id.clone(),
        Some(key) => match sandbox.number_named(key) {
            Some(n) => n.phone_number_id,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "unknown_number",
                    &format!(
                    "the sandbox plays no business number {key:?}; GET /sandbox/numbers lists them"
                ),
                )
            }
        },
    };
    let cfg = sandbox.config_for(&to);
    let name = sandbox.profile_name(&wa_id, name);
    let ts = chrono::Utc::now().timestamp();
    let wamid = new_wamid(&wa_id);
    let caption = Some(msg.text.as_str()).filter(|t| !t.trim().is_empty());
    let (payload, media_id) = match msg.media {
        None if msg.location.is_some() => {
            let l = serde_json::to_value(&msg.location).unwrap_or_default();
            (
                inbound_media_delivery(&cfg, &wamid, &wa_id, &name, "location", l, ts),
                None,
            )
        }
        None => (
            inbound_text_delivery(&cfg, &wamid, &wa_id, &name, &msg.text, ts),
            None,
        ),
        Some(m) => match customer_media(&sandbox, m, caption) {
            Ok((kind, obj)) => {
                let id = obj["id"].clone();
                let p = inbound_media_delivery(&cfg, &wamid, &wa_id, &name, &kind, obj, ts);
                (p, Some(id))
            }
            Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_request", &e),
        },
    };
    note_inbound(&sandbox, &wa_id, ts);
    let mut payload = payload;
    if sandbox.threads.is_others(&to, &wa_id) {
        // Another responder owns the thread: Meta sends wacloud only a copy, on `standby`.
        payload["entry"][0]["changes"][0]["field"] = json!("standby");
    }
    match sandbox.deliver(&payload).await {
        Ok(()) => HttpResponse::Accepted()
            .json(json!({ "message_id": wamid, "wa_id": wa_id, "media_id": media_id })),
        Err(e) => error(StatusCode::BAD_GATEWAY, "webhook_failed", &e.0),
    }
}

/// `DELETE /sandbox/media/{media_id}`: the media expires as at Meta (its id and download URL
/// stop answering). 204, or 404 when not kept.
async fn expire_media(sandbox: web::Data<Arc<Sandbox>>, path: web::Path<String>) -> HttpResponse {
    if sandbox.expire_media(&path.into_inner()) {
        HttpResponse::NoContent().finish()
    } else {
        error(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_found",
            "no such media in the sandbox",
        )
    }
}

/// `GET /sandbox/sent`: what the sandbox's Graph endpoint received, oldest first.
async fn sent(sandbox: web::Data<Arc<Sandbox>>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "requests": sandbox.received() }))
}

/// `GET /sandbox/counts`: accepted messages per recipient, refusals per code, the busiest second.
async fn counts(sandbox: web::Data<Arc<Sandbox>>) -> HttpResponse {
    HttpResponse::Ok().json(sandbox.counts())
}

/// `GET /sandbox/control`: the run-time settings.
async fn get_control(sandbox: web::Data<Arc<Sandbox>>) -> HttpResponse {
    HttpResponse::Ok().json(sandbox.control())
}

/// `POST /sandbox/control` with any of the settings' fields: changes them, answers all of them.
async fn set_control(sandbox: web::Data<Arc<Sandbox>>, body: web::Bytes) -> HttpResponse {
    use actix_web::http::StatusCode;
    let patch: ControlPatch = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                &format!("expected sandbox settings (see GET /sandbox/control): {e}"),
            )
        }
    };
    let next = patch.apply(sandbox.control());
    sandbox.set_control(next);
    HttpResponse::Ok().json(sandbox.control())
}

/// `POST /sandbox/reset`: forgets what was received and counted.
async fn reset(sandbox: web::Data<Arc<Sandbox>>) -> HttpResponse {
    sandbox.reset();
    HttpResponse::Ok().json(json!({ "reset": true }))
}
