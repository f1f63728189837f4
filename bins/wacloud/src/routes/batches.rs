//! `GET /batches/{id}`, `POST /batches/{id}/cancel`, and single queue items:
//! `GET /queue/{id}`, `POST /queue/{id}/cancel`, `POST /queue/{id}/retry`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use wacloud_core::queue::{BatchQuery, QueueState};
use wacloud_core::usecases::{bulk, queue};

use crate::errors::ApiError;
use crate::routes::params::{self, check_id, optional_json, Limit};
use crate::state::AppState;

/// Query of `GET /batches/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchParams {
    /// Items per page: [`Limit::BATCH_ITEMS`].
    limit: Option<i64>,
    /// Items to skip.
    offset: Option<i64>,
    /// Only items in this state.
    state: Option<String>,
}

/// `GET /batches/{id}?limit=&offset=&state=`: progress (counts per state, finished, done) and
/// one page of per-recipient results.
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

/// `POST /batches/{id}/cancel`: cancels every item not yet sent (pending, scheduled, unknown).
pub async fn cancel_batch(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "batch")?;
    let done = bulk::cancel_batch(state.store.as_ref(), state.clock.as_ref(), id).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// `GET /queue/{id}`: one queue item.
pub async fn queue_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "queue item")?;
    Ok(HttpResponse::Ok().json(queue::item(state.store.as_ref(), id).await?))
}

/// `POST /queue/{id}/cancel`: cancels one pending, scheduled or unknown item (409 otherwise).
pub async fn cancel_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "queue item")?;
    let view = queue::cancel_item(state.store.as_ref(), state.clock.as_ref(), id).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Body of `POST /queue/{id}/retry` (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryBody {
    #[serde(default)]
    allow_outside_window: bool,
}

/// `POST /queue/{id}/retry`: queues a new attempt of a failed, cancelled or unknown item (202).
pub async fn retry_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "queue item")?;
    let allow = optional_json::<RetryBody>(&body)?.allow_outside_window;
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
