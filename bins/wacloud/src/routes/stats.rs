//! `GET /api/whatsapp/stats`.

use actix_web::{web, HttpResponse};

use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

/// Counts by direction and status, unread, queue depth, webhook counts.
#[utoipa::path(
    get,
    path = "/api/whatsapp/stats",
    operation_id = "stats",
    tag = "stats",
    responses(
        (status = 200, description = "The counts", body = wacloud_core::stats::Stats),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let stats = wacloud_core::ports::read(state.store.as_ref(), |r| r.stats()).await?;
    Ok(HttpResponse::Ok().json(stats))
}
