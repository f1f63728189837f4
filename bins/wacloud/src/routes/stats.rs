//! `GET /api/whatsapp/stats`.

use actix_web::{web, HttpResponse};

use crate::errors::ApiError;
use crate::state::AppState;

/// Counts by direction and status, unread, queue depth, webhook counts.
pub async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let stats = wacloud_core::ports::read(state.store.as_ref(), |r| r.stats()).await?;
    Ok(HttpResponse::Ok().json(stats))
}
