//! `GET /api/whatsapp/stats`.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

/// One business number's counts, in `GET /stats`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NumberCounts {
    /// The number (`phone_number_id`).
    phone_number_id: String,
    /// Unread inbound messages of its contacts.
    unread_count: i64,
}

/// The answer of `GET /stats`: the counts, and the unread count of each business number that
/// has unread messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsAnswer {
    /// The counts over every number.
    #[serde(flatten)]
    stats: wacloud_core::stats::Stats,
    /// Per business number.
    numbers: Vec<NumberCounts>,
}

/// Counts by direction and status, unread, queue depth, webhook counts; unread per number.
#[utoipa::path(
    get,
    path = "/api/whatsapp/stats",
    operation_id = "stats",
    tag = "stats",
    responses(
        (status = 200, description = "The counts", body = StatsAnswer),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (stats, unread) = wacloud_core::ports::read(state.store.as_ref(), |r| {
        Ok((r.stats()?, r.unread_by_number()?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(StatsAnswer {
        stats,
        numbers: unread
            .into_iter()
            .map(|(phone_number_id, unread_count)| NumberCounts {
                phone_number_id,
                unread_count,
            })
            .collect(),
    }))
}
