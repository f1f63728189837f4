//! `GET /api/whatsapp/stats`.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use wacloud_core::stats::Stats;
use wacloud_core::usecases::costs::{self, CurrentCosts};

use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

/// `GET /stats`'s answer: the counts, and what today and this month cost.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsAnswer {
    /// The counts (kept as rows change).
    #[serde(flatten)]
    pub stats: Stats,
    /// Today's and this month's costs (UTC), priced by the rate card as `GET /costs` does.
    pub costs: CurrentCosts,
}

/// Counts by direction and status, unread, queue depth, webhook counts; today's and this
/// month's costs.
#[utoipa::path(
    get,
    path = "/api/whatsapp/stats",
    operation_id = "stats",
    tag = "stats",
    responses(
        (status = 200, description = "The counts and costs", body = StatsAnswer),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn stats(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let stats = wacloud_core::ports::read(state.store.as_ref(), |r| r.stats()).await?;
    let costs = costs::current(
        state.store.as_ref(),
        &state.settings.costs.rate_card,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(StatsAnswer { stats, costs }))
}
