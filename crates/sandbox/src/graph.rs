//! The Graph-shaped `/messages` endpoint: answers like Meta, then sends status webhooks.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::auth::{authorized, token_error, token_refusal};
use crate::control::{Fault, FaultMode};
use crate::limits::Broken;
use crate::payloads::{error_text, graph_error, new_wamid, status_error, status_object};
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
        error_code: error.pointer("/error/code").and_then(Value::as_i64),
        received_at: chrono::Utc::now().to_rfc3339(),
    });
    HttpResponse::build(status).json(error)
}

/// Meta's HTTP status for a refusal with `code`.
fn http_status_for(code: i64) -> StatusCode {
    match code {
        0 | 190 => StatusCode::UNAUTHORIZED,
        4 | 80007 => StatusCode::TOO_MANY_REQUESTS,
        1 | 2 | 131_000 => StatusCode::INTERNAL_SERVER_ERROR,
        131_016 => StatusCode::SERVICE_UNAVAILABLE,
        132_001 => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A refusal with Meta's code, title and details.
fn refuse_code(
    sandbox: &Sandbox,
    body: Value,
    code: i64,
    http_status: Option<u16>,
    retry_after: Option<u64>,
) -> HttpResponse {
    let (title, details) = error_text(code);
    let status = http_status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or_else(|| http_status_for(code));
    let err = graph_error(
        code,
        "OAuthException",
        &format!("({code}) {title}"),
        Some(details),
    );
    let mut resp = refuse(sandbox, body, status, err);
    if let Some(s) = retry_after {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&s.to_string()) {
            resp.headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, v);
        }
    }
    resp
}

fn unauthorized(sandbox: &Sandbox, body: Value) -> HttpResponse {
    refuse(
        sandbox,
        body,
        StatusCode::UNAUTHORIZED,
        token_error(sandbox),
    )
}

/// `GET /sandbox/graph/{version}/{id}`: the number's details (a cheap call that checks the
/// token) when `id` is the number's, an upload's URL and details when it is a media id.
pub async fn phone_number(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let (_version, pid) = path.into_inner();
    if pid.starts_with("upload:") {
        return crate::templates::upload_status(&sandbox, &req, &pid);
    }
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    if !sandbox.plays(&pid) && sandbox.media.contains(&pid) {
        return crate::graph_media::media_info(&sandbox, &req, &pid);
    }
    if !sandbox.plays(&pid) {
        return HttpResponse::BadRequest().json(graph_error(
            100,
            "GraphMethodException",
            &format!("Unsupported get request. Object with ID '{pid}' does not exist"),
            None,
        ));
    }
    let c = sandbox.control();
    let level = match c.messages_per_second {
        0 | 1000.. => "HIGH",
        _ => "STANDARD",
    };
    let number = sandbox.config_for(&pid);
    HttpResponse::Ok().json(json!({
        "id": number.phone_number_id,
        "display_phone_number": format!("+{}", number.display_phone_number),
        "verified_name": "wacloud sandbox",
        "quality_rating": "GREEN",
        "code_verification_status": "VERIFIED",
        "name_status": "APPROVED",
        "platform_type": "CLOUD_API",
        "throughput": { "level": level },
        "messaging_limit_tier": "TIER_UNLIMITED",
        "status": "CONNECTED",
        "account_mode": "SANDBOX",
    }))
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
    if !authorized(&req, &sandbox) {
        return unauthorized(&sandbox, parsed);
    }
    if !sandbox.plays(&phone_number_id) {
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
            error_code: None,
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
    let group = parsed.get("recipient_type").and_then(Value::as_str) == Some("group");
    if group {
        if let Some((code, title)) = sandbox.groups.check_send(&phone_number_id, &to) {
            return refuse(
                &sandbox,
                parsed,
                StatusCode::BAD_REQUEST,
                graph_error(
                    code,
                    "OAuthException",
                    &format!("({code}) {title}"),
                    Some(title),
                ),
            );
        }
    }
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
            let known = sandbox
                .config
                .templates
                .contains(&(name.to_owned(), lang.to_owned()))
                || sandbox
                    .control()
                    .templates
                    .iter()
                    .any(|[n, l]| n == name && l == lang)
                || sandbox.templates.approved(name, lang);
            if !known {
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
        "image" | "audio" | "video" | "document" | "sticker" => {
            if let Some(err) = crate::graph_media::check_media_send(&sandbox, &kind, &parsed) {
                return refuse(&sandbox, parsed, StatusCode::BAD_REQUEST, err);
            }
        }
        _ => {}
    }
    let wa_id = meta_wa_id(&to);
    let template_category = (kind == "template").then(|| {
        let name = parsed.pointer("/template/name").and_then(Value::as_str);
        let lang = parsed
            .pointer("/template/language/code")
            .and_then(Value::as_str);
        sandbox
            .templates
            .category(name.unwrap_or_default(), lang.unwrap_or_default())
    });
    let fault: Option<Fault> = sandbox
        .control
        .write()
        .ok()
        .and_then(|mut c| c.take_fault(&to));
    if let Some(f) = &fault {
        if f.mode == FaultMode::Drop {
            tokio::time::sleep(Duration::from_millis(f.hang_ms.unwrap_or(60_000))).await;
            return HttpResponse::BadGateway().finish();
        }
        if f.mode == FaultMode::Refuse {
            return refuse_code(
                &sandbox,
                parsed,
                f.code.unwrap_or(131_000),
                f.http_status,
                f.retry_after,
            );
        }
    }
    match sandbox.limits.check(&wa_id) {
        Ok(()) => {}
        Err(Broken::Throughput) => return refuse_code(&sandbox, parsed, 130_429, None, None),
        Err(Broken::PairRate) => return refuse_code(&sandbox, parsed, 131_056, None, None),
    }
    let control = sandbox.control();
    let wamid = new_wamid(&wa_id);
    let callback = parsed
        .get("biz_opaque_callback_data")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let window_closed = control.strict_window
        && !group
        && kind != "template"
        && sandbox
            .last_inbound
            .lock()
            .ok()
            .and_then(|m| m.get(&wa_id).copied())
            .is_none_or(|t| now_secs() - t >= WINDOW_SECS);
    // Recorded before the answer is delayed: like Meta, the message is sent even when the
    // caller gives up waiting for the answer.
    sandbox.record(ReceivedRequest {
        wamid: Some(wamid.clone()),
        body: parsed,
        status: 200,
        error_code: None,
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
    let mode = fault.as_ref().map(|f| f.mode);
    let fail_code = match mode {
        Some(FaultMode::FailStatus) => Some(fault.as_ref().and_then(|f| f.code).unwrap_or(131_000)),
        _ if window_closed => Some(131_047),
        _ => None,
    };
    if control.statuses && mode != Some(FaultMode::NoStatus) {
        tokio::spawn(statuses(
            sandbox.clone(),
            phone_number_id,
            wamid,
            wa_id,
            callback,
            fail_code,
            group,
            template_category,
        ));
    }
    let delay = match (mode, &fault) {
        (Some(FaultMode::Hang), Some(f)) => Duration::from_millis(f.hang_ms.unwrap_or(60_000)),
        _ => Duration::from_millis(control.latency_ms),
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    HttpResponse::Ok().json(answer)
}

/// Queues `sent`, `delivered` and `read` (or `failed` with `fail_code`) for one message sent
/// from number `from`.
#[allow(clippy::too_many_arguments)]
async fn statuses(
    sandbox: Arc<Sandbox>,
    from: String,
    wamid: String,
    to: String,
    callback: Option<String>,
    fail_code: Option<i64>,
    group: bool,
    template_category: Option<String>,
) {
    let cfg = sandbox.config.clone();
    let cb = callback.as_deref();
    // A group message's statuses name the group (`recipient_type: "group"`).
    let status_object = |wamid: &str, status: &str, to: &str, ts: i64, cb, err| {
        let mut s = status_object(wamid, status, to, ts, cb, err);
        if group {
            s["recipient_type"] = Value::from("group");
        }
        // A template is billed in its category (per-message pricing); a free-form reply is a
        // free service message.
        if let (Some(category), Some(p)) = (&template_category, s.get_mut("pricing")) {
            *p = serde_json::json!({
                "billable": true,
                "pricing_model": "PMP",
                "category": category,
                "type": "regular"
            });
        }
        s
    };
    tokio::time::sleep(cfg.sent_after).await;
    if let Some(code) = fail_code {
        sandbox.queue_status(
            &from,
            status_object(
                &wamid,
                "failed",
                &to,
                now_secs(),
                cb,
                Some(status_error(code)),
            ),
        );
        return;
    }
    sandbox.queue_status(
        &from,
        status_object(&wamid, "sent", &to, now_secs(), cb, None),
    );
    tokio::time::sleep(cfg.delivered_after.saturating_sub(cfg.sent_after)).await;
    sandbox.queue_status(
        &from,
        status_object(&wamid, "delivered", &to, now_secs(), cb, None),
    );
    if let Some(read_after) = cfg.read_after {
        tokio::time::sleep(read_after.saturating_sub(cfg.delivered_after)).await;
        sandbox.queue_status(
            &from,
            status_object(&wamid, "read", &to, now_secs(), cb, None),
        );
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
