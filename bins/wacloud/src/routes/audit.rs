//! `GET /audit`: the audit trail (admins only, by the guard's role check).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::auth::AuditEntry;
use wacloud_core::ports::read;

use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::check_id;
use crate::state::AppState;

/// Most entries in one page.
pub const MAX_AUDIT_PAGE: i64 = 200;

/// Query of `GET /audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries per page, 1–200.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
    /// Only entries older than this entry (the previous page's `next_before`).
    before: Option<String>,
}

/// A page of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    pub next_before: Option<String>,
}

/// The audit trail.
///
/// `GET /audit?limit=&before=`: logins (successful or not, with address and user agent),
/// logouts, changes to operators, password resets and admin-only writes (bulk sends, batches,
/// the queue, the sandbox's controls), newest first. Admins only.
#[utoipa::path(
    get,
    path = "/api/whatsapp/audit",
    operation_id = "audit",
    tag = "operators",
    params(AuditParams),
    responses(
        (status = 200, description = "One page, newest first", body = AuditPage),
        (status = 400, description = "`invalid_query`, `invalid_request` (`limit` out of range)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    params: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = p.limit.unwrap_or(50);
    if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("limit must be 1 to {MAX_AUDIT_PAGE}"),
        )
        .with("field", "limit"));
    }
    let before = p.before.filter(|b| !b.is_empty());
    if let Some(b) = &before {
        check_id(b, "audit entry").map_err(|_| {
            ApiError::bad_request("invalid_request", "before must be an audit entry's id")
                .with("field", "before")
        })?;
    }
    let mut entries = read(state.store.as_ref(), move |r| {
        r.list_audit(before.as_deref(), limit + 1)
    })
    .await?;
    let more = entries.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    let next_before = if more {
        entries.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AuditPage {
        entries,
        next_before,
    }))
}
