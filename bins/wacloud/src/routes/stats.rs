//! `GET /api/whatsapp/stats`.

use actix_web::{web, HttpRequest, HttpResponse};
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
    /// Today's and this month's costs (UTC), priced by the rate card as `GET /costs` does;
    /// absent with `?number=`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub costs: Option<CurrentCosts>,
}

/// Counts by direction and status, unread, queue depth, webhook counts; today's and this
/// month's costs. With `?number=` the same counts for one business number, without costs.
///
/// Without `number` the counts come from counts kept as rows change (their cost does not grow
/// with history). With `number` (a `phone_number_id` of `GET /numbers`) they are counted from
/// that number's rows: its contacts and their messages, the queue items sent from it (the
/// default number's include those queued without a number) and the deliveries for it;
/// `webhooks.pruned` is then 0.
#[utoipa::path(
    get,
    path = "/api/whatsapp/stats",
    operation_id = "stats",
    tag = "stats",
    params(
        ("number" = Option<String>, Query, description = "A business number's `phone_number_id`: that number's counts"),
    ),
    responses(
        (status = 200, description = "The counts and costs", body = StatsAnswer),
        (status = 400, description = "`invalid_number`, `unknown_number`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn stats(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let number = super::params::number_param(&req)?;
    let Some(number) = super::params::our_number(&state.our_numbers, number)? else {
        let stats = wacloud_core::ports::read(state.store.as_ref(), |r| r.stats()).await?;
        let costs = costs::current(
            state.store.as_ref(),
            &state.settings.costs.rate_card,
            state.clock.now(),
        )
        .await?;
        return Ok(HttpResponse::Ok().json(StatsAnswer {
            stats,
            costs: Some(costs),
        }));
    };
    let default = state.our_numbers.default_number().as_deref() == Some(number.as_str());
    let stats = wacloud_core::ports::read(state.store.as_ref(), move |r| {
        r.number_stats(&number, default)
    })
    .await?;
    Ok(HttpResponse::Ok().json(StatsAnswer { stats, costs: None }))
}
