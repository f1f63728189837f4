//! `GET /sandbox/graph/{version}/{phone_number_id}/call_permissions?user_wa_id=…`: whether the
//! business may call a user, in the shape of Meta's Calling API answer
//! (`CallPermissionCheckResponsePayload`). The sandbox has no user to grant anything, so the
//! answer is Meta's `pending` example once a `call_permission_request` was accepted for that
//! user, and otherwise Meta's `denied` shape (no permission; the business may ask). It never
//! answers `granted`: no simulated user accepts.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{authorized, token_refusal};
use crate::payloads::graph_error;
use crate::Sandbox;

/// The query of a permission check.
#[derive(Debug, Deserialize)]
pub struct PermissionQuery {
    user_wa_id: Option<String>,
}

/// The handler.
pub async fn call_permissions(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<PermissionQuery>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let (_version, pid) = path.into_inner();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    let user = query
        .user_wa_id
        .as_deref()
        .unwrap_or("")
        .trim_start_matches('+');
    if !sandbox.plays(&pid) || user.is_empty() {
        return HttpResponse::BadRequest().json(graph_error(
            100,
            "OAuthException",
            "(#100) The parameter user_wa_id is required.",
            None,
        ));
    }
    let asked = sandbox.received().iter().any(|r| {
        r.wamid.is_some()
            && r.body["interactive"]["type"] == "call_permission_request"
            && [&r.body["to"], &r.body["recipient"]]
                .iter()
                .any(|t| t.as_str().map(|t| t.trim_start_matches('+')) == Some(user))
    });
    let (status, may_ask) = if asked {
        ("pending", false)
    } else {
        ("denied", true)
    };
    HttpResponse::Ok().json(json!({
        "messaging_product": "whatsapp",
        "permission": { "status": status },
        "actions": [
            { "action_name": "start_call", "can_perform_action": false },
            { "action_name": "send_call_permission_request", "can_perform_action": may_ask },
        ],
    }))
}
