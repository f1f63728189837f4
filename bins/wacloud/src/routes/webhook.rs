//! `/api/whatsapp/webhook`: Meta's handshake (GET) and deliveries (POST).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures::StreamExt;
use ring::digest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::events::WebhookEvent;
use wacloud_core::ports::{new_id, StoreError};
use wacloud_core::webhook::{NewWebhook, WebhookState};
use wacloud_graph::webhook::{verify_handshake, verify_signature};

use crate::adapters::webhook_events::parse_delivery;
use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

/// Largest delivery accepted, in bytes (Meta's are far smaller).
pub const MAX_WEBHOOK_BYTES: usize = 3 * 1024 * 1024;

/// Query of the handshake, as Meta sends it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Handshake {
    /// `subscribe`.
    #[serde(rename = "hub.mode")]
    #[param(example = "subscribe")]
    mode: Option<String>,
    /// The verify token set in Meta's App Dashboard (`WHATSAPP_WEBHOOK_VERIFY_TOKEN`).
    #[serde(rename = "hub.verify_token")]
    token: Option<String>,
    /// What to answer, verbatim.
    #[serde(rename = "hub.challenge")]
    #[param(example = "1158201444")]
    challenge: Option<String>,
}

/// The answer to a delivery: it is committed (or was already).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReceived {
    /// Always `true`.
    received: bool,
    /// An identical delivery was stored before: nothing changed.
    duplicate: bool,
    /// `processed`, `failed` (signed but not parsable, or an effect failed: kept for
    /// `wacloud webhooks reprocess`), `foreign` (for another `phone_number_id`) or `received`
    /// (under load: committed raw, its effects applied right after).
    state: WebhookState,
    /// Events in the delivery (applied, or to apply).
    events: i64,
}

/// Meta's subscription handshake.
///
/// `GET /webhook`: answers Meta's subscription handshake with the challenge, verbatim, as
/// `text/plain`; 403 for a wrong mode or token.
#[utoipa::path(
    get,
    path = "/api/whatsapp/webhook",
    operation_id = "webhook_handshake",
    tag = "webhook",
    params(Handshake),
    responses(
        (status = 200, description = "The challenge, verbatim", body = String, content_type = "text/plain"),
        (status = 400, description = "`invalid_query`: a query string that cannot be read", body = ErrorBody),
        (status = 403, description = "`verify_token_mismatch` (a wrong mode or token), `verify_token_not_configured`", body = ErrorBody),
    ),
)]
pub async fn handshake(state: web::Data<AppState>, q: web::Query<Handshake>) -> HttpResponse {
    let Some(expected) = state.settings.meta.verify_token.as_ref() else {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "verify_token_not_configured",
            "WHATSAPP_WEBHOOK_VERIFY_TOKEN is not set on this server",
        )
        .error_response();
    };
    match verify_handshake(
        q.mode.as_deref(),
        q.token.as_deref(),
        q.challenge.as_deref(),
        expected,
    ) {
        Ok(challenge) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .insert_header(("x-content-type-options", "nosniff"))
            .body(challenge.to_owned()),
        Err(e) => ApiError::new(
            StatusCode::FORBIDDEN,
            "verify_token_mismatch",
            e.to_string(),
        )
        .error_response(),
    }
}

/// Any other method on the webhook: 405, saying which two it takes.
pub async fn method_not_allowed() -> HttpResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "the webhook takes GET (handshake) and POST (deliveries)",
    )
    .error_response()
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("webhook bodies are limited to {MAX_WEBHOOK_BYTES} bytes"),
    )
}

/// Reads the body as raw bytes within `timeout` (408 `request_timeout` after it), refusing
/// more than [`MAX_WEBHOOK_BYTES`] (413) as soon as that is declared or received.
///
/// The buffer grows with the bytes that arrive: a declared `Content-Length` is not trusted
/// before the signature is checked, so a sender that stalls holds only what it sent, and only
/// until the timeout.
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    timeout: std::time::Duration,
) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_WEBHOOK_BYTES) {
        return Err(too_large());
    }
    // The chunks are kept as they came and joined once whole: a buffer grown by doubling would
    // hold up to twice what a stalled sender sent.
    let read = async {
        let (mut chunks, mut len) = (Vec::new(), 0_usize);
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
            len += chunk.len();
            if len > MAX_WEBHOOK_BYTES {
                return Err(too_large());
            }
            chunks.push(chunk);
        }
        Ok(chunks.concat())
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| Err(crate::request_body::too_slow(timeout)))
}

/// Meta's webhook deliveries.
///
/// `POST /webhook`: reads the body within `WACLOUD_BODY_TIMEOUT_MS` (408 otherwise), verifies
/// `X-Hub-Signature-256` over the exact bytes before anything parses them (401 and nothing
/// stored when it fails), stores the delivery and applies its events in one
/// transaction, and answers 200 only once that is committed (503 when the database is down, so
/// Meta retries). A body that is signed but cannot be parsed is stored, marked failed, and
/// answered 200: Meta would only send the same bytes again.
#[utoipa::path(
    post,
    path = "/api/whatsapp/webhook",
    operation_id = "webhook_delivery",
    tag = "webhook",
    params(("X-Hub-Signature-256" = Option<String>, Header, description = "`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the App Secret (`WHATSAPP_APP_SECRET`)")),
    request_body(content = serde_json::Value, description = "Meta's delivery (`{\"object\": \"whatsapp_business_account\", \"entry\": [...]}`), at most 3 MiB; the signature covers its exact bytes", content_type = "application/json"),
    responses(
        (status = 200, description = "Committed (or an identical delivery was)", body = WebhookReceived),
        (status = 400, description = "`invalid_body`: the body could not be read", body = ErrorBody),
        (status = 401, description = "`invalid_signature`: a missing or wrong `X-Hub-Signature-256`; nothing is stored", body = ErrorBody),
        (status = 408, description = "`request_timeout`: the body did not arrive in time; nothing is stored", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: over 3 MiB", body = ErrorBody),
        (status = 503, description = "`database_unavailable`: nothing is stored; Meta delivers it again", body = ErrorBody),
    ),
)]
pub async fn receive(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let started = std::time::Instant::now();
    let answer = receive_timed(&state, &req, payload).await;
    let outcome = match &answer {
        Ok((outcome, _)) => *outcome,
        Err(e) => match e.code.as_str() {
            "invalid_signature" => "invalid_signature",
            "payload_too_large" => "payload_too_large",
            "request_timeout" => "request_timeout",
            _ if e.status == StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            _ => "error",
        },
    };
    crate::metrics::webhook_answered(outcome, started.elapsed());
    answer.map(|(_, r)| r)
}

/// Whether a delivery signed with the app secret of numbers `pids` (of accounts `wabas`)
/// speaks only for them: every `metadata.phone_number_id` is one of them, and a change
/// without a number (account, template) comes from one of their accounts. A body that does
/// not parse cannot show that, and is refused.
fn signed_for(
    body: &[u8],
    parsed: Option<&wacloud_core::events::ParsedDelivery>,
    pids: &[String],
    wabas: &[String],
) -> bool {
    let Some(parsed) = parsed else { return false };
    if !parsed.phone_number_ids.iter().all(|p| pids.contains(p)) {
        return false;
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    let entries = v["entry"].as_array().map(Vec::as_slice).unwrap_or_default();
    entries.iter().all(|e| {
        let changes = e["changes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let numbered = changes.iter().all(|c| {
            c["value"]["metadata"]["phone_number_id"]
                .as_str()
                .is_some_and(|p| pids.iter().any(|x| x == p))
        });
        numbered
            || e["id"]
                .as_str()
                .is_some_and(|w| wabas.iter().any(|x| x == w))
    })
}

async fn receive_timed(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(&'static str, HttpResponse), ApiError> {
    let body = read_body(req, payload, state.settings.http.body_timeout).await?;
    let signature = req
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    // The environment's app secrets sign for every number; a number's own secret (its
    // webhooks come from another Meta app) only for that number and its account.
    let mut scoped: Option<(Vec<String>, Vec<String>)> = None;
    let checked =
        verify_signature(&body, signature, &state.settings.meta.app_secrets).or_else(|e| {
            let mut pids = Vec::new();
            let mut wabas = Vec::new();
            for n in state.numbers.app_secrets() {
                if verify_signature(&body, signature, std::slice::from_ref(&n.secret)).is_ok() {
                    pids.push(n.phone_number_id);
                    wabas.extend(n.waba_id);
                }
            }
            if pids.is_empty() {
                return Err(e);
            }
            scoped = Some((pids, wabas));
            Ok(())
        });
    if let Err(e) = checked {
        if let Some(suppressed) = crate::log_throttle::BAD_SIGNATURE.allow() {
            tracing::warn!(reason = %e, bytes = body.len(), suppressed, "webhook refused: bad signature");
        }
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            format!("X-Hub-Signature-256 check failed: {e}"),
        ));
    }
    let now = state.clock.now();
    let parsed = parse_delivery(&body, now);
    if let Some((pids, wabas)) = &scoped {
        if !signed_for(&body, parsed.as_ref().ok(), pids, wabas) {
            if let Some(suppressed) = crate::log_throttle::BAD_SIGNATURE.allow() {
                tracing::warn!(
                    bytes = body.len(),
                    suppressed,
                    "webhook refused: signed with a number's app secret for another number"
                );
            }
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_signature",
                "X-Hub-Signature-256 check failed: the delivery is signed with the app secret of one business number and speaks for another",
            ));
        }
    }
    if let Err(reason) = &parsed {
        tracing::warn!(%reason, "signed webhook could not be parsed; stored as failed");
    }
    let sha = hex::encode(digest::digest(&digest::SHA256, &body));
    let delivery = NewWebhook {
        id: new_id(),
        received_at: now,
        body,
        body_sha256: sha,
        signature: signature.map(str::to_owned),
    };
    let kinds: Vec<&'static str> = parsed
        .as_ref()
        .map(|p| p.events.iter().map(WebhookEvent::kind).collect())
        .unwrap_or_default();
    match state.ingest.submit(delivery, parsed).await {
        Ok(o) => {
            let outcome = if o.duplicate {
                "duplicate"
            } else {
                crate::metrics::webhook_events(kinds);
                o.state.as_str()
            };
            let answer = HttpResponse::Ok().json(WebhookReceived {
                received: true,
                duplicate: o.duplicate,
                state: o.state,
                events: o.events,
            });
            Ok((outcome, answer))
        }
        Err(e @ StoreError::Unavailable(_)) => Err(e.into()),
        Err(e) => Err(ApiError::internal(&e)),
    }
}
