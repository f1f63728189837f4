//! `/api/whatsapp/canned-replies`: named snippets with `{{placeholders}}` that the composer
//! inserts on `/`. Every operator reads them; creating, changing and deleting them is admins'
//! (`Capability::ManageCannedReplies`, by the guard's role check).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wacloud_core::canned::{CannedReply, PLACEHOLDERS};
use wacloud_core::usecases::inbox;

use crate::errors::{ApiError, ErrorBody};
use crate::routes::inbox::change;
use crate::routes::params::check_id;
use crate::state::AppState;

/// Body of `POST /canned-replies` and `PUT /canned-replies/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedReplyBody {
    /// What an operator types after `/`: 1–64 letters, digits, `_` or `-` (kept in lower case),
    /// unique.
    #[schema(min_length = 1, max_length = 64)]
    pub short_code: String,
    /// The text, 1–4096 characters, with placeholders among `{{name}}` (the contact's name),
    /// `{{contact_name}}`, `{{phone_number}}` and `{{operator_name}}`.
    #[schema(min_length = 1, max_length = 4096)]
    pub content: String,
}

/// A placeholder a canned reply may use.
#[derive(Debug, Serialize, ToSchema)]
pub struct Placeholder {
    /// As written between `{{` and `}}`.
    pub name: &'static str,
    /// What fills it.
    pub description: &'static str,
}

/// The answer of `GET /canned-replies`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CannedReplyList {
    /// Every canned reply, by `short_code`.
    pub canned_replies: Vec<CannedReply>,
    /// The placeholders `content` may use.
    pub placeholders: Vec<Placeholder>,
}

/// List canned replies.
///
/// `GET /canned-replies`: every canned reply and the placeholders they may use. Every
/// operator.
#[utoipa::path(
    get,
    path = "/api/whatsapp/canned-replies",
    operation_id = "list_canned_replies",
    tag = "inbox",
    responses(
        (status = 200, description = "The canned replies", body = CannedReplyList),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let canned_replies = inbox::canned_replies(state.store.as_ref()).await?;
    Ok(HttpResponse::Ok().json(CannedReplyList {
        canned_replies,
        placeholders: PLACEHOLDERS
            .iter()
            .map(|(name, description)| Placeholder { name, description })
            .collect(),
    }))
}

/// Add a canned reply.
///
/// `POST /canned-replies` `{"short_code", "content"}`. Admins only.
#[utoipa::path(
    post,
    path = "/api/whatsapp/canned-replies",
    operation_id = "create_canned_reply",
    tag = "inbox",
    request_body = CannedReplyBody,
    responses(
        (status = 201, description = "Created", body = CannedReply),
        (status = 400, description = "`invalid_json`, `invalid_short_code`, `invalid_content`, `unknown_placeholder`", body = ErrorBody),
        (status = 409, description = "`short_code_taken`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<CannedReplyBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let c = inbox::put_canned_reply(
        state.store.as_ref(),
        None,
        &b.short_code,
        &b.content,
        change(&state, &req),
    )
    .await?;
    Ok(HttpResponse::Created().json(c))
}

/// Change a canned reply.
///
/// `PUT /canned-replies/{id}` `{"short_code", "content"}`. Admins only.
#[utoipa::path(
    put,
    path = "/api/whatsapp/canned-replies/{id}",
    operation_id = "update_canned_reply",
    tag = "inbox",
    params(("id" = String, Path, min_length = 1, description = "The canned reply's id")),
    request_body = CannedReplyBody,
    responses(
        (status = 200, description = "The canned reply, after the change", body = CannedReply),
        (status = 400, description = "`invalid_json`, `invalid_short_code`, `invalid_content`, `unknown_placeholder`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such canned reply", body = ErrorBody),
        (status = 409, description = "`short_code_taken`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<CannedReplyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "canned reply")?;
    let b = body.into_inner();
    let c = inbox::put_canned_reply(
        state.store.as_ref(),
        Some(id),
        &b.short_code,
        &b.content,
        change(&state, &req),
    )
    .await?;
    Ok(HttpResponse::Ok().json(c))
}

/// Delete a canned reply.
///
/// `DELETE /canned-replies/{id}`. Admins only.
#[utoipa::path(
    delete,
    path = "/api/whatsapp/canned-replies/{id}",
    operation_id = "delete_canned_reply",
    tag = "inbox",
    params(("id" = String, Path, min_length = 1, description = "The canned reply's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`not_found`: no such canned reply", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "canned reply")?;
    inbox::delete_canned_reply(state.store.as_ref(), id, change(&state, &req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
