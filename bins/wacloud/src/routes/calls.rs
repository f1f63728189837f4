//! Calls (issue 17, WhatsApp Business Calling) on a contact: `GET /contacts/{phone}/calls`
//! (the call log folded from Meta's `calls` webhooks) and `POST /contacts/{phone}/call-permission`
//! (Meta's call permission request). The rules are `wacloud_core::calls`, the use cases
//! `usecases::calls`. No audio.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::calls::{CallLog, CallPermission};
use wacloud_core::message::Message;
use wacloud_core::usecases::calls;

use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::{contact_key, optional_json, CustomerKeyText, Limit};
use crate::state::AppState;

const PHONE: &str = "The contact: a phone number (`+` may be sent as `%2B` or left out) or a BSUID; with several business numbers, `?number=<phone_number_id>` names whose contact (without it: the customer's oldest contact on any number)";

/// Query of `GET /contacts/{phone}/calls`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallsQuery {
    /// The most calls to answer.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The business number whose contact is meant (`phone_number_id`).
    pub number: Option<String>,
}

/// The answer of `GET /contacts/{phone}/calls`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallList {
    /// Newest first (by start).
    pub calls: Vec<CallLog>,
}

/// A contact's calls.
///
/// `GET /contacts/{phone}/calls`: one entry per call (Meta's call id), folded from the `calls`
/// webhooks: `direction`, `started_at`, `connected_at`, `ended_at`, `duration_seconds`,
/// `outcome` (`ringing`, `ongoing`, `answered`, `missed`, `rejected`, `failed`) and the
/// events seen.
#[utoipa::path(
    get,
    path = "/api/whatsapp/contacts/{phone}/calls",
    operation_id = "list_calls",
    tag = "contacts",
    params(("phone" = CustomerKeyText, Path, description = PHONE), CallsQuery),
    responses(
        (status = 200, description = "The calls", body = CallList),
        (status = 400, description = "`invalid_phone_number`, `invalid_request` (`limit`), `invalid_query`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<CallsQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let limit = Limit::PAGE.read(query.limit)?;
    let calls = calls::list(state.store.as_ref(), key, limit).await?;
    Ok(HttpResponse::Ok().json(CallList { calls }))
}

/// Body of `POST /contacts/{phone}/call-permission` (may be empty).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionBody {
    /// The request's text, 1–1024 characters (default "May we call you on WhatsApp?").
    #[schema(min_length = 1, max_length = 1024)]
    pub body: Option<String>,
}

/// The answer of `POST /contacts/{phone}/call-permission`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionRequested {
    /// The request as sent (an `interactive` message).
    pub message: Message,
    /// The contact's call permission now (`requested`).
    pub call_permission: CallPermission,
}

/// Ask a customer for permission to call.
///
/// `POST /contacts/{phone}/call-permission` sends Meta's `interactive`
/// `call_permission_request` (Calling API) from the contact's number. Meta accepts a free-form
/// request only inside the customer service window (outside it: 422 `window_closed`; send an
/// approved template with a call permission request instead) and at most one a day and two a
/// week per customer (Meta's refusal: 502 `graph_error`). The customer's answer
/// (`call_permission_reply`: `accept` with its expiry, or `reject`) is tracked on the contact
/// (`call_permission` in `GET /contacts`).
#[utoipa::path(
    post,
    path = "/api/whatsapp/contacts/{phone}/call-permission",
    operation_id = "request_call_permission",
    tag = "contacts",
    params(("phone" = CustomerKeyText, Path, description = PHONE)),
    request_body(content = PermissionBody, description = "Optional"),
    responses(
        (status = 200, description = "Meta accepted the request", body = PermissionRequested),
        (status = 400, description = "`invalid_phone_number`, `invalid_json`, `text_too_long` and the other checks of an interactive body", body = ErrorBody),
        (status = 409, description = "`not_thread_owner`: another responder owns the conversation", body = ErrorBody),
        (status = 422, description = "`window_closed`, `contact_blocked`", body = ErrorBody),
        (status = 429, description = "`pair_rate_limited`", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 502, description = "`graph_error`: Meta refused (e.g. too many requests to this customer)", body = ErrorBody),
        (status = 503, description = "`sending_paused`, `meta_unreachable`, `database_unavailable`", body = ErrorBody),
        (status = 504, description = "`outcome_unknown`: do not send it again blindly", body = ErrorBody),
    ),
)]
pub async fn request_permission(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let b = optional_json::<PermissionBody>(&req, &body)?;
    let messenger = state
        .numbers
        .messenger_named(key.number.as_deref(), "number")?;
    let (message, call_permission) = calls::request_permission(
        state.store.as_ref(),
        messenger.as_ref(),
        state.clock.as_ref(),
        &state.gate,
        key,
        b.body,
        Some(crate::auth::Principal::of(&req).actor),
    )
    .await?;
    Ok(HttpResponse::Ok().json(PermissionRequested {
        message,
        call_permission,
    }))
}
