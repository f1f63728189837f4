//! Meta's Marketing Messages API for WhatsApp, played by the sandbox: `POST
//! /{phone_number_id}/marketing_messages` takes template messages only (100 otherwise) and
//! answers like `/messages` (the same checks, statuses and webhooks), counted apart in
//! [`Counts::marketing_messages`](crate::Counts). When [`Control::marketing_not_onboarded`](crate::Control)
//! is set, it refuses with 134100, as Meta does for a business not onboarded.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use crate::auth::{authorized, token_refusal};
use crate::payloads::graph_error;
use crate::Sandbox;

/// `POST /{version}/{phone_number_id}/marketing_messages`.
pub async fn marketing_messages(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let sb = sandbox.get_ref().clone();
    if !authorized(&req, &sb) {
        return token_refusal(&sb);
    }
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if parsed.get("type").and_then(Value::as_str) != Some("template") {
        return HttpResponse::BadRequest().json(graph_error(
            100,
            "OAuthException",
            "(#100) The Marketing Messages API takes template messages only.",
            None,
        ));
    }
    if sb.control().marketing_not_onboarded {
        return HttpResponse::BadRequest().json(graph_error(
            134_100,
            "OAuthException",
            "The business is not onboarded to the Marketing Messages API for WhatsApp.",
            Some("Accept the Marketing Messages API Terms of Service for the business portfolio."),
        ));
    }
    sb.note_marketing_message();
    crate::graph::messages(sandbox, req, path, body).await
}
