//! `GET /batches/{id}`, `POST /batches/{id}/cancel`, and single queue items:
//! `GET /queue/{id}`, `POST /queue/{id}/cancel`, `POST /queue/{id}/retry`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::queue::{BatchCancelled, BatchQuery, BatchSummary, QueueItemView, QueueState};
use wacloud_core::usecases::{bulk, queue};

use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::{self, check_id, optional_json, Limit};
use crate::state::AppState;

/// Query of `GET /batches/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BatchParams {
    /// Items per page: [`Limit::BATCH_ITEMS`] (0: the counts only, cheap for progress bars).
    #[param(minimum = 0, maximum = 1000, default = 1000)]
    limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, default = 0)]
    offset: Option<i64>,
    /// Only items in this state (empty: all).
    #[param(value_type = Option<QueueState>)]
    state: Option<String>,
}

/// Query of `GET /batches`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BatchesParams {
    /// Batches per page: [`Limit::BATCHES`].
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<i64>,
    /// Only batches older than this one (the `next` of the page before).
    before: Option<String>,
}

/// Bulk sends (campaigns), newest first.
///
/// `GET /batches?limit=&before=`: each batch's progress (counts per state, `finished`, `done`,
/// when it was queued and due), without its items (`GET /batches/{id}` pages them).
#[utoipa::path(
    get,
    path = "/api/whatsapp/batches",
    operation_id = "list_batches",
    tag = "queue",
    params(BatchesParams),
    responses(
        (status = 200, description = "A page of batches, newest first", body = bulk::BatchList),
        (status = 400, description = "`invalid_query` (an unknown parameter, a `limit` that is not a whole number), `invalid_request` (`limit` out of range)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    params: web::Query<BatchesParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = Limit::BATCHES.read(p.limit)?;
    let before = p.before.filter(|b| !b.is_empty());
    if let Some(b) = &before {
        check_id(b, "batch").map_err(|_| {
            ApiError::bad_request("invalid_query", "before must be a batch id")
                .with("field", "before")
        })?;
    }
    let page = bulk::list_batches(state.store.as_ref(), before, limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A batch id or queue item id in a path: wacloud's ids (up to 64 letters, digits, `-`, `_`).
const ID: &str = "wacloud id (a UUIDv7); anything that is not an id answers 404";

/// A batch's progress.
///
/// `GET /batches/{id}?limit=&offset=&state=`: progress (counts per state, finished, done) and
/// one page of per-recipient results.
#[utoipa::path(
    get,
    path = "/api/whatsapp/batches/{id}",
    operation_id = "get_batch",
    tag = "queue",
    params(("id" = String, Path, min_length = 1, description = ID), BatchParams),
    responses(
        (status = 200, description = "The batch", body = BatchSummary),
        (status = 400, description = "`invalid_query` (an unknown parameter or `state`, a `limit` that is not a whole number), `invalid_request` (`limit` or `offset` out of range)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such batch", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn batch(
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: web::Query<BatchParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "batch")?;
    let p = params.into_inner();
    let limit = Limit::BATCH_ITEMS.read(p.limit)?;
    let state_filter = match p.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(QueueState::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                "state must be pending, sending, sent, failed, cancelled or unknown",
            )
            .with("field", "state")
        })?),
    };
    let q = BatchQuery {
        state: state_filter,
        limit,
        offset: params::offset(p.offset)?,
    };
    let summary = bulk::batch(state.store.as_ref(), id, q).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// Cancel a batch.
///
/// `POST /batches/{id}/cancel`: cancels every item not yet sent (pending, scheduled, unknown);
/// items being sent at that moment finish.
#[utoipa::path(
    post,
    path = "/api/whatsapp/batches/{id}/cancel",
    operation_id = "cancel_batch",
    tag = "queue",
    params(("id" = String, Path, min_length = 1, description = ID)),
    responses(
        (status = 200, description = "What was cancelled", body = BatchCancelled),
        (status = 404, description = "`not_found`: no such batch", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn cancel_batch(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "batch")?;
    let done = bulk::cancel_batch(state.store.as_ref(), state.clock.as_ref(), id).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// A queue item.
///
/// `GET /queue/{id}`: one queue item.
#[utoipa::path(
    get,
    path = "/api/whatsapp/queue/{id}",
    operation_id = "get_queue_item",
    tag = "queue",
    params(("id" = String, Path, min_length = 1, description = ID)),
    responses(
        (status = 200, description = "The item", body = QueueItemView),
        (status = 404, description = "`not_found`: no such queue item", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn queue_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "queue item")?;
    Ok(HttpResponse::Ok().json(queue::item(state.store.as_ref(), id).await?))
}

/// Cancel a queue item.
///
/// `POST /queue/{id}/cancel`: cancels one pending, scheduled or unknown item (or one cancelled
/// already).
#[utoipa::path(
    post,
    path = "/api/whatsapp/queue/{id}/cancel",
    operation_id = "cancel_queue_item",
    tag = "queue",
    params(("id" = String, Path, min_length = 1, description = ID)),
    responses(
        (status = 200, description = "The item, cancelled", body = QueueItemView),
        (status = 404, description = "`not_found`: no such queue item", body = ErrorBody),
        (status = 409, description = "`not_cancellable`: the item is being sent or was sent or failed", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn cancel_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "queue item")?;
    let view = queue::cancel_item(state.store.as_ref(), state.clock.as_ref(), id).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Body of `POST /queue/{id}/retry` and `POST /messages/{id}/retry` (optional: an empty body
/// means the defaults).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryBody {
    /// Send free-form text although wacloud sees no open customer service window.
    #[serde(default)]
    pub allow_outside_window: bool,
}

/// Retry a queue item.
///
/// `POST /queue/{id}/retry`: queues a new attempt of a failed, cancelled or unknown item as a
/// new item (`retry_of` names the old one) with a new message and a new `wamid`.
#[utoipa::path(
    post,
    path = "/api/whatsapp/queue/{id}/retry",
    operation_id = "retry_queue_item",
    tag = "queue",
    params(("id" = String, Path, min_length = 1, description = ID)),
    request_body(content = Option<RetryBody>, description = "Optional; empty for the defaults", content_type = "application/json"),
    responses(
        (status = 202, description = "The new queue item", body = QueueItemView),
        (status = 400, description = "`invalid_json` (a body that is not the one above); the item's content or number no longer passes the checks of `POST /send` (`invalid_phone_number`, `invalid_request`, …)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such queue item", body = ErrorBody),
        (status = 409, description = "`not_retryable` (the item is not failed, cancelled or unknown), `already_retried` (naming the retry's item)", body = ErrorBody),
        (status = 422, description = "`window_closed`, `contact_blocked`, `template_not_sendable`, `template_mismatch`: the item can no longer be sent as it was", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn retry_item(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "queue item")?;
    let allow = optional_json::<RetryBody>(&req, &body)?.allow_outside_window;
    let view = queue::retry_item(
        state.store.as_ref(),
        state.messenger.as_ref(),
        state.clock.as_ref(),
        id,
        allow,
    )
    .await?;
    state.queue_wake.notify_one();
    Ok(HttpResponse::Accepted().json(view))
}

/// Body of `PATCH /batches/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchPatch {
    /// The batch's new budget, in the currency it was queued with.
    pub budget: BudgetBody,
}

/// Change a batch's budget.
///
/// `PATCH /batches/{id}` with `{"budget": {"amount": "20.00", "currency": "USD"}}`: the new
/// amount of a batch queued with a budget. A batch paused by its budget runs again: its next
/// item is checked against the new amount (and pauses it again if it still does not fit).
#[utoipa::path(
    patch,
    path = "/api/whatsapp/batches/{id}",
    operation_id = "change_batch",
    tag = "queue",
    params(("id" = String, Path, min_length = 1, description = ID)),
    request_body = BatchPatch,
    responses(
        (status = 200, description = "The budget as changed", body = wacloud_core::costs::BatchBudget),
        (status = 400, description = "`invalid_json`, `invalid_budget` (an amount that is not a decimal string above 0, a currency that is not three letters)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such batch", body = ErrorBody),
        (status = 409, description = "`batch_finished` (nothing left to send: finished or cancelled), `budget_below_committed` (below what its items begun so far cost)", body = ErrorBody),
        (status = 422, description = "`no_budget` (queued without one), `currency_mismatch` (another currency than its budget's)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn change_batch(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<BatchPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "batch")?;
    let budget = body.into_inner().budget.parse()?;
    let b = bulk::change_budget(state.store.as_ref(), state.clock.as_ref(), id, budget).await?;
    state.queue_wake.notify_one();
    Ok(HttpResponse::Ok().json(b))
}

/// A spending limit: an exact decimal amount as a string, and its currency.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetBody {
    /// A decimal above 0 as a string (`"12.50"`); never a JSON number, so no float rounding
    /// happens on the way.
    #[schema(example = "12.50")]
    pub amount: String,
    /// ISO 4217 code (`USD`): the currency of the rate card's prices.
    #[schema(example = "USD")]
    pub currency: String,
}

impl BudgetBody {
    /// The checked budget.
    ///
    /// # Errors
    /// 400 `invalid_budget` naming the field.
    pub fn parse(&self) -> Result<wacloud_core::costs::Budget, ApiError> {
        Ok(wacloud_core::costs::Budget::parse(
            &self.amount,
            &self.currency,
        )?)
    }
}
