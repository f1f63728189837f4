//! `GET /reports/{name}`: conversations, response and resolution times, messages, campaigns and
//! automatic replies over a period, per day, number or operator; JSON or CSV.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use wacloud_core::reports::{Report, ReportGrouping, ReportName, ReportZone};
use wacloud_core::usecases::reports::{self, ReportQuery};

use crate::errors::{ApiError, ErrorBody};
use crate::routes::costs::instant;
use crate::routes::export::cell;
use crate::state::AppState;

/// Query of `GET /reports/{name}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Start (inclusive): RFC 3339 or a UTC day (its 00:00). Default: 30 days before `to`.
    from: Option<String>,
    /// End: RFC 3339 (exclusive) or a UTC day (inclusive: up to the end of that day). Default:
    /// now. At most 400 days after `from`.
    to: Option<String>,
    /// `day` (default), `number`, `operator`, or `batch` (`campaigns` only).
    #[param(value_type = Option<ReportGrouping>)]
    group_by: Option<String>,
    /// Only this business number (`phone_number_id`).
    number: Option<String>,
    /// The time zone days are counted in: a UTC offset (`Z`, the default, `+02:00`, `-05:30`)
    /// or an IANA zone (`Europe/Paris`, following its daylight-saving changes).
    tz: Option<String>,
    /// `json` (default) or `csv`; `Accept: text/csv` also gives CSV.
    format: Option<String>,
}

/// A report.
///
/// `GET /reports/{name}?from=&to=&group_by=day|number|operator|batch&number=&tz=&format=`,
/// `name` one of `conversations` (opened, answered, resolved), `response-times` (first
/// response: median, mean, p90 in seconds), `resolution-times` (the same for resolution),
/// `messages` (received from customers, sent, automatic), `campaigns` (bulk items sent,
/// delivered, read, failed, delivery and read rates) and `automatic-replies` (outbound messages
/// whose actor starts with `rule:` or `automation:`). A conversation opens with a customer's
/// message while none is open (their first, or the first after a resolution) and ends when it
/// is resolved; its first response is the first message an operator sends after it opened
/// (docs/API.md, "Reports", has the exact definitions). Admins only: the figures are per
/// operator. `Accept: text/csv` or `format=csv` gives CSV: a header line (`key`, `label`, then
/// the `columns`), one line per row, the total last.
#[utoipa::path(
    get,
    path = "/api/whatsapp/reports/{name}",
    operation_id = "report",
    tag = "stats",
    params(("name" = ReportName, Path, description = "Which report"), ReportParams),
    responses(
        (status = 200, description = "The report: JSON, or CSV (a header line `key,label,<columns>`, a line per row, the total last) with `format=csv` or `Accept: text/csv`", content(
            (Report = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "`invalid_query`: an unknown parameter, a `from` or `to` that is not a time or a day, `from` not before `to`, a period over 400 days, an unknown `group_by`, `group_by=batch` for a report other than `campaigns`, a `tz` that is neither a UTC offset nor an IANA zone, a `from` or `to` outside the years 2000–2100, a repeated parameter (`field` names it), an unknown `format`; `invalid_number`: a `number` that is not a phone_number_id (digits)", body = ErrorBody),
        (status = 403, description = "`admin_only`: an agent (reports are for admins)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such report", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
    params: web::Query<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let Some(name) = ReportName::parse(&name) else {
        let all: Vec<&str> = ReportName::ALL.iter().map(|n| n.as_str()).collect();
        return Err(ApiError::not_found(format!(
            "no report {:?}: the reports are {}",
            name.as_str(),
            all.join(", ")
        )));
    };
    let p = params.into_inner();
    let from = instant("from", p.from.as_deref(), false)?;
    let to = instant("to", p.to.as_deref(), true)?;
    let group_by = match p.group_by.as_deref().map(str::trim) {
        None | Some("") => ReportGrouping::Day,
        Some(g) => ReportGrouping::parse(g).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                "group_by must be day, number, operator or batch",
            )
            .with("field", "group_by")
        })?,
    };
    let tz = ReportZone::parse(p.tz.as_deref().unwrap_or("")).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_query",
            "tz must be a UTC offset such as Z, +02:00 or -05:30, or an IANA time zone such as Europe/Paris",
        )
        .with("field", "tz")
    })?;
    let csv = match p.format.as_deref().map(str::trim) {
        Some("csv") => true,
        Some("json") => false,
        None | Some("") => wants_csv(&req),
        Some(_) => {
            return Err(
                ApiError::bad_request("invalid_query", "format must be json or csv")
                    .with("field", "format"),
            )
        }
    };
    // Digits only (400 `invalid_number`); a number this server does not list (any more) is
    // allowed: its history can still be reported.
    let number = super::params::number_value(p.number.map(|n| n.trim().to_owned()))?;
    let report = reports::report(
        state.store.as_ref(),
        state.clock.as_ref(),
        ReportQuery {
            name,
            from,
            to,
            group_by,
            number,
            tz,
        },
    )
    .await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    let body = to_csv(&report).map_err(|e| ApiError::internal(&e))?;
    let file = format!(
        "{}-{}-{}.csv",
        name.as_str(),
        report.from.format("%Y%m%d"),
        report.to.format("%Y%m%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file)],
        })
        .body(body))
}

/// Whether the request's `Accept` prefers CSV (names `text/csv` and not `application/json`
/// before it).
fn wants_csv(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let csv = accept.find("text/csv");
    let json = accept.find("application/json");
    match (csv, json) {
        (Some(c), Some(j)) => c < j,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The report as CSV: `key,label,<columns…>`, one line per row, then the `total` line. Empty
/// cells for `null`.
///
/// # Errors
/// The CSV writer's (none for an in-memory buffer in practice).
pub fn to_csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["key".to_owned(), "label".to_owned()];
    header.extend(report.columns.iter().cloned());
    w.write_record(&header)?;
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        let mut line = vec![
            cell(&row.key),
            row.label.as_deref().map(cell).unwrap_or_default(),
        ];
        for c in &report.columns {
            line.push(match row.figures.get(c) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(v) => v.to_string(),
            });
        }
        w.write_record(&line)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
