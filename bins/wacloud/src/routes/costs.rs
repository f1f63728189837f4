//! `GET /costs`: the cost ledger priced by the rate card (`WACLOUD_RATE_CARD`).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use wacloud_core::costs::CostGrouping;
use wacloud_core::usecases::costs::{self, CostReport};

use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

/// Query of `GET /costs`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CostParams {
    /// Start (inclusive): RFC 3339 (`2026-12-01T00:00:00Z`) or a UTC day (`2026-12-01`, its
    /// 00:00). Default: the first of `to`'s month.
    from: Option<String>,
    /// End: RFC 3339 (exclusive) or a UTC day (inclusive: up to the end of that day). Default:
    /// now. At most 400 days after `from`.
    to: Option<String>,
    /// `day` (default), `category`, `number`, `batch` or `contact`.
    #[param(value_type = Option<CostGrouping>)]
    group_by: Option<String>,
}

/// The years a query's times may name: anything else is a typo (or a probe) that would only
/// scan nothing, or overflow date arithmetic.
pub(crate) const QUERY_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A time of the query: RFC 3339, or a UTC day (`end` moves it to the next day's 00:00); in
/// the years [`QUERY_YEARS`].
pub(crate) fn instant(
    field: &'static str,
    v: Option<&str>,
    end: bool,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let out_of_range = |year: i32| {
        ApiError::bad_request(
            "invalid_query",
            format!(
                "{field} must be in the years {} to {} (got {year})",
                QUERY_YEARS.start(),
                QUERY_YEARS.end()
            ),
        )
        .with("field", field)
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        let t = t.with_timezone(&Utc);
        if !QUERY_YEARS.contains(&t.year()) {
            return Err(out_of_range(t.year()));
        }
        return Ok(Some(t));
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        if !QUERY_YEARS.contains(&d.year()) {
            return Err(out_of_range(d.year()));
        }
        let t = d.and_time(chrono::NaiveTime::MIN).and_utc();
        return Ok(Some(if end { t + Duration::days(1) } else { t }));
    }
    Err(ApiError::bad_request(
        "invalid_query",
        format!("{field} must be an RFC 3339 time (2026-12-01T00:00:00Z) or a day (2026-12-01)"),
    )
    .with("field", field))
}

/// What messages cost.
///
/// `GET /costs?from=&to=&group_by=day|category|number|batch|contact`: the outbound messages
/// Meta reported pricing for (`statuses[].pricing` of the status webhooks, one entry per
/// message however often its statuses were delivered), billed in the range (billed: first
/// delivered, else sent, else written), priced by the rate card: per group and in all, the
/// messages, `paid` (`billable: true`) and `free` (`billable: false`) counts, `unpriced`
/// (paid messages the card has no rate for: never guessed) and the totals per currency
/// (`exact` and `rounded` half to even to the currency's minor unit), with the rates in force
/// at the range's end.
#[utoipa::path(
    get,
    path = "/api/whatsapp/costs",
    operation_id = "costs",
    tag = "stats",
    params(CostParams),
    responses(
        (status = 200, description = "The report", body = CostReport),
        (status = 400, description = "`invalid_query`: an unknown parameter, a `from` or `to` that is not a time or a day, `from` not before `to`, a range over 400 days, an unknown `group_by`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn report(
    state: web::Data<AppState>,
    params: web::Query<CostParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let from = instant("from", p.from.as_deref(), false)?;
    let to = instant("to", p.to.as_deref(), true)?;
    let by = match p.group_by.as_deref().map(str::trim) {
        None | Some("" | "day") => CostGrouping::Day,
        Some("category") => CostGrouping::Category,
        Some("number") => CostGrouping::Number,
        Some("batch") => CostGrouping::Batch,
        Some("contact") => CostGrouping::Contact,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "group_by must be day, category, number, batch or contact",
            )
            .with("field", "group_by"))
        }
    };
    let report = costs::report(
        state.store.as_ref(),
        state.clock.as_ref(),
        state.settings.costs.rate_card.clone(),
        from,
        to,
        by,
    )
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
