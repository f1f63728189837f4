//! Mounting the sandbox, and the customer simulator.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::control::ControlPatch;
use crate::graph::{messages, note_inbound, phone_number};
use crate::graph_media;
use crate::payloads::{inbound_text_delivery, new_wamid};
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
                    "/graph/{version}/{phone_number_id}/media",
                    web::post().to(graph_media::upload),
                )
                .route(
                    "/graph/{version}/{phone_number_id}/call_permissions",
                    web::get().to(crate::calling::call_permissions),
                )
                .route(
                    "/graph/{version}/{waba_id}/message_templates",
                    web::get().to(crate::templates::list),
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
                .route(
                    "/customers/{phone}/messages",
                    web::post().to(customer_writes),
                )
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
    text: String,
    #[serde(default)]
    name: Option<String>,
}

/// `POST /sandbox/customers/{phone}/messages {"text": "...", "name": "..."}`: a customer writes
/// in. Answers 202 once the server accepted the signed delivery.
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
    if msg.text.trim().is_empty() || msg.text.chars().count() > 4096 {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "text must be 1 to 4096 characters",
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
    let name = sandbox.profile_name(&wa_id, name);
    let ts = chrono::Utc::now().timestamp();
    let wamid = new_wamid(&wa_id);
    note_inbound(&sandbox, &wa_id, ts);
    let payload = inbound_text_delivery(sandbox.config(), &wamid, &wa_id, &name, &msg.text, ts);
    match sandbox.deliver(&payload).await {
        Ok(()) => HttpResponse::Accepted().json(json!({ "message_id": wamid, "wa_id": wa_id })),
        Err(e) => error(StatusCode::BAD_GATEWAY, "webhook_failed", &e.0),
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
