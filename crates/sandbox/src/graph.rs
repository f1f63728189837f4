//! The Graph-shaped `/messages` endpoint: answers like Meta, then sends status webhooks.

use std::sync::Arc;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use crate::payloads::{graph_error, new_wamid, status_delivery, window_closed_error};
use crate::{ReceivedRequest, Sandbox};

/// Meta's limit on a text body, in characters.
const MAX_TEXT: usize = 4096;
/// The customer service window, in seconds.
const WINDOW_SECS: i64 = 24 * 3600;

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn refuse(sandbox: &Sandbox, body: Value, status: StatusCode, error: Value) -> HttpResponse {
    sandbox.record(ReceivedRequest {
        wamid: None,
        body,
        status: status.as_u16(),
        received_at: chrono::Utc::now().to_rfc3339(),
    });
    HttpResponse::build(status).json(error)
}

fn bearer_ok(req: &HttpRequest, sandbox: &Sandbox) -> bool {
    let expected = sandbox.config.access_token.expose_secret();
    req.headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|t| {
            // Constant-time enough for a local stand-in: compare every byte.
            t.len() == expected.len()
                && t.bytes()
                    .zip(expected.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
}

/// `POST /sandbox/graph/{version}/{phone_number_id}/messages`.
pub async fn messages(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let (_version, phone_number_id) = path.into_inner();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !bearer_ok(&req, &sandbox) {
        return refuse(
            &sandbox,
            parsed,
            StatusCode::UNAUTHORIZED,
            graph_error(
                190,
                "OAuthException",
                "Invalid OAuth access token - Cannot parse access token",
                None,
            ),
        );
    }
    if phone_number_id != sandbox.config.phone_number_id {
        let msg = format!("Unsupported post request. Object with ID '{phone_number_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.");
        return refuse(
            &sandbox,
            parsed,
            StatusCode::BAD_REQUEST,
            graph_error(100, "GraphMethodException", &msg, None),
        );
    }
    let bad = |msg: &str| graph_error(100, "OAuthException", msg, None);
    if !parsed.is_object() {
        return refuse(
            &sandbox,
            parsed,
            StatusCode::BAD_REQUEST,
            bad("(#100) The request body is not valid JSON."),
        );
    }
    if parsed.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return refuse(
            &sandbox,
            parsed,
            StatusCode::BAD_REQUEST,
            bad("(#100) The parameter messaging_product is required."),
        );
    }
    if parsed.get("status").and_then(Value::as_str) == Some("read") {
        if parsed.get("message_id").and_then(Value::as_str).is_none() {
            return refuse(
                &sandbox,
                parsed,
                StatusCode::BAD_REQUEST,
                bad("(#100) The parameter message_id is required."),
            );
        }
        sandbox.record(ReceivedRequest {
            wamid: None,
            body: parsed,
            status: 200,
            received_at: chrono::Utc::now().to_rfc3339(),
        });
        return HttpResponse::Ok().json(json!({ "success": true }));
    }
    let to = parsed
        .get("to")
        .or_else(|| parsed.get("recipient"))
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches('+').to_owned());
    let Some(to) = to.filter(|t| !t.is_empty()) else {
        return refuse(
            &sandbox,
            parsed,
            StatusCode::BAD_REQUEST,
            bad("(#100) The parameter to is required."),
        );
    };
    let kind = parsed
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("text")
        .to_owned();
    match kind.as_str() {
        "text" => {
            let Some(text) = parsed.pointer("/text/body").and_then(Value::as_str) else {
                return refuse(
                    &sandbox,
                    parsed,
                    StatusCode::BAD_REQUEST,
                    bad("(#100) The parameter text['body'] is required."),
                );
            };
            if text.chars().count() > MAX_TEXT {
                return refuse(
                    &sandbox,
                    parsed,
                    StatusCode::BAD_REQUEST,
                    bad("(#100) Param text['body'] must be at most 4096 characters long."),
                );
            }
        }
        "template" => {
            let name = parsed.pointer("/template/name").and_then(Value::as_str);
            let lang = parsed
                .pointer("/template/language/code")
                .and_then(Value::as_str);
            let (Some(name), Some(lang)) = (name, lang) else {
                return refuse(
                    &sandbox,
                    parsed,
                    StatusCode::BAD_REQUEST,
                    bad("(#100) The parameters template['name'] and template['language']['code'] are required."),
                );
            };
            if !sandbox
                .config
                .templates
                .contains(&(name.to_owned(), lang.to_owned()))
            {
                let details = format!("template name ({name}) does not exist in {lang}");
                return refuse(
                    &sandbox,
                    parsed,
                    StatusCode::NOT_FOUND,
                    graph_error(
                        132_001,
                        "OAuthException",
                        "(#132001) Template name does not exist in the translation",
                        Some(&details),
                    ),
                );
            }
        }
        _ => {}
    }
    let wa_id = meta_wa_id(&to);
    let wamid = new_wamid(&wa_id);
    let callback = parsed
        .get("biz_opaque_callback_data")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let window_closed = sandbox.config.strict_window
        && kind != "template"
        && sandbox
            .last_inbound
            .lock()
            .ok()
            .and_then(|m| m.get(&wa_id).copied())
            .is_none_or(|t| now_secs() - t >= WINDOW_SECS);
    sandbox.record(ReceivedRequest {
        wamid: Some(wamid.clone()),
        body: parsed,
        status: 200,
        received_at: chrono::Utc::now().to_rfc3339(),
    });
    let mut answer = json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": wa_id }],
        "messages": [{ "id": wamid }]
    });
    if kind == "template" {
        answer["messages"][0]["message_status"] = json!("accepted");
    }
    tokio::spawn(statuses(sandbox, wamid, wa_id, callback, window_closed));
    HttpResponse::Ok().json(answer)
}

/// Sends `sent`, `delivered` and `read` (or `failed` 131047) for one message.
async fn statuses(
    sandbox: Arc<Sandbox>,
    wamid: String,
    to: String,
    callback: Option<String>,
    window_closed: bool,
) {
    let cfg = sandbox.config.clone();
    let cb = callback.as_deref();
    tokio::time::sleep(cfg.sent_after).await;
    if window_closed {
        let p = status_delivery(
            &cfg,
            &wamid,
            "failed",
            &to,
            now_secs(),
            cb,
            Some(window_closed_error()),
        );
        let _ = sandbox.deliver(&p).await;
        return;
    }
    let p = status_delivery(&cfg, &wamid, "sent", &to, now_secs(), cb, None);
    if sandbox.deliver(&p).await.is_err() {
        return;
    }
    tokio::time::sleep(cfg.delivered_after.saturating_sub(cfg.sent_after)).await;
    let p = status_delivery(&cfg, &wamid, "delivered", &to, now_secs(), cb, None);
    if sandbox.deliver(&p).await.is_err() {
        return;
    }
    if let Some(read_after) = cfg.read_after {
        tokio::time::sleep(read_after.saturating_sub(cfg.delivered_after)).await;
        let p = status_delivery(&cfg, &wamid, "read", &to, now_secs(), cb, None);
        let _ = sandbox.deliver(&p).await;
    }
}

/// The `wa_id` Meta answers for a dialled number. For mobiles in Brazil it drops the ninth digit
/// (`55 11 9xxxx-xxxx` → `55 11 xxxx-xxxx`), in Mexico it adds `1` after `52`, in Argentina `9`
/// after `54`, as Meta does for accounts registered in the older format; other numbers are
/// their own `wa_id`.
#[must_use]
pub fn meta_wa_id(to: &str) -> String {
    let d = to.trim_start_matches('+');
    let b = d.as_bytes();
    if d.len() == 13 && d.starts_with("55") && b[4] == b'9' {
        format!("{}{}", &d[..4], &d[5..])
    } else if d.len() == 12 && d.starts_with("52") {
        format!("521{}", &d[2..])
    } else if d.len() == 12 && d.starts_with("54") {
        format!("549{}", &d[2..])
    } else {
        d.to_owned()
    }
}

/// Notes that `wa_id` wrote at `ts` (opens the window in strict mode).
pub fn note_inbound(sandbox: &Sandbox, wa_id: &str, ts: i64) {
    if let Ok(mut m) = sandbox.last_inbound.lock() {
        m.insert(wa_id.to_owned(), ts);
    }
}
