//! `/api/whatsapp/numbers`: the business numbers this server sends and receives for. The
//! environment's (`WHATSAPP_PHONE_NUMBER_ID`) is the default; admins add more
//! (`Capability::Settings`, by the guard's role check). A change takes effect at once: deliveries
//! for an added number are processed into its own contacts, and `/send` takes it as `from`.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use wacloud_core::numbers::{BusinessNumber, NumberSettings};
use wacloud_core::usecases::numbers;

use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

/// The answer of `GET /numbers`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NumberList {
    /// The default number first (the environment's), then those added, oldest first.
    pub numbers: Vec<BusinessNumber>,
}

async fn listed(state: &AppState) -> Result<Vec<BusinessNumber>, ApiError> {
    let all = state.numbers.reload(&state.store).await?;
    Ok(all.into_iter().map(|n| n.number).collect())
}

/// List the business numbers.
///
/// `GET /numbers`: each number's settings (never its app secret) and its account state from
/// Meta's webhooks (quality rating, messaging limit tier, last delivery). Every operator.
#[utoipa::path(
    get,
    path = "/api/whatsapp/numbers",
    operation_id = "list_numbers",
    tag = "numbers",
    responses(
        (status = 200, description = "The numbers", body = NumberList),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(NumberList {
        numbers: listed(&state).await?,
    }))
}

/// Add a business number.
///
/// `POST /numbers` `{"phone_number_id", "waba_id"?, "display_phone_number"?, "label"?,
/// "messages_per_second"?, "pair_interval_ms"?, "app_secret"?}`. Admins only. Its deliveries
/// are processed from now on (before, they were stored as foreign: `wacloud webhooks
/// reprocess` applies them).
#[utoipa::path(
    post,
    path = "/api/whatsapp/numbers",
    operation_id = "add_number",
    tag = "numbers",
    request_body = NumberSettings,
    responses(
        (status = 201, description = "Added", body = BusinessNumber),
        (status = 400, description = "`invalid_json`, `missing_field`, `invalid_number`, `invalid_label`, `invalid_rate`, `invalid_secret`", body = ErrorBody),
        (status = 409, description = "`number_exists`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn add(
    state: web::Data<AppState>,
    body: web::Json<NumberSettings>,
) -> Result<HttpResponse, ApiError> {
    let pid = numbers::add(
        state.store.as_ref(),
        state.clock.as_ref(),
        state.numbers.environment(),
        body.into_inner(),
    )
    .await?;
    let added = listed(&state)
        .await?
        .into_iter()
        .find(|n| n.phone_number_id == pid)
        .ok_or_else(|| ApiError::internal(&"the number added is not listed"))?;
    Ok(HttpResponse::Created().json(added))
}

/// Change a business number.
///
/// `PUT /numbers/{phone_number_id}` with the fields to change (as `POST /numbers`; the others
/// stay). Admins only. A new rate applies to the next sends.
#[utoipa::path(
    put,
    path = "/api/whatsapp/numbers/{phone_number_id}",
    operation_id = "change_number",
    tag = "numbers",
    params(("phone_number_id" = String, Path, description = "Meta's id of the number")),
    request_body = NumberSettings,
    responses(
        (status = 200, description = "Changed", body = BusinessNumber),
        (status = 400, description = "`invalid_json`, `invalid_number`, `invalid_label`, `invalid_rate`, `invalid_secret`, `id_mismatch`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn change(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<NumberSettings>,
) -> Result<HttpResponse, ApiError> {
    let pid = path.into_inner();
    numbers::change(
        state.store.as_ref(),
        state.clock.as_ref(),
        state.numbers.environment(),
        pid.clone(),
        body.into_inner(),
    )
    .await?;
    let changed = listed(&state)
        .await?
        .into_iter()
        .find(|n| n.phone_number_id == pid)
        .ok_or_else(|| ApiError::internal(&"the number changed is not listed"))?;
    Ok(HttpResponse::Ok().json(changed))
}
