//! `GET /export/contacts`, `GET /export/messages` and `GET /batches/{id}/export`: every row,
//! streamed as CSV or JSON.
//!
//! The body is written page by page as the client reads it (each page read from the store by
//! its key: a million rows take constant memory and the last page costs what the first did).
//! The first page is read before answering, so an unavailable database is a 503, not a
//! truncated file; a failure after that ends the download early (the client sees a body cut
//! short, never a silently shorter file that looks whole).

use std::sync::Arc;

use actix_web::http::header::{
    ContentDisposition, DispositionParam, DispositionType, CACHE_CONTROL,
};
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use futures::stream::{self, Stream};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::contact::Contact;
use wacloud_core::message::Message;
use wacloud_core::ports::Store;
use wacloud_core::queue::BatchItemOutcome;
use wacloud_core::usecases::{bulk, contacts};
use wacloud_core::CustomerKey;

use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::{customer_key, CustomerKeyText};
use crate::state::AppState;

/// Rows read from the store per page of an export.
const PAGE: i64 = 500;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated values with a header row (RFC 4180), safe to open in a spreadsheet:
    /// a text cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
    /// a tab or a carriage return, and not a plain number) is written with a leading `'`.
    #[default]
    Csv,
    /// One JSON array of the objects the list endpoints answer.
    Json,
}

impl ExportFormat {
    fn read(s: Option<&str>) -> Result<Self, ApiError> {
        match s.filter(|s| !s.is_empty()) {
            None | Some("csv") => Ok(Self::Csv),
            Some("json") => Ok(Self::Json),
            Some(_) => Err(
                ApiError::bad_request("invalid_query", "format must be csv or json")
                    .with("field", "format"),
            ),
        }
    }

    const fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
        }
    }

    const fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
}

/// Query of `GET /export/contacts`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactsExport {
    /// `csv` (the default) or `json`.
    #[param(value_type = Option<ExportFormat>)]
    format: Option<String>,
}

/// Query of `GET /export/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessagesExport {
    /// `csv` (the default) or `json`.
    #[param(value_type = Option<ExportFormat>)]
    format: Option<String>,
    /// Only this contact's messages (empty: everyone's).
    #[param(value_type = Option<CustomerKeyText>)]
    phone: Option<String>,
    /// Only messages created at or after this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    from: Option<String>,
    /// Only messages created at or before this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    to: Option<String>,
}

fn instant(s: Option<&str>, field: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("{field} must be an RFC 3339 time, like 2026-12-01T00:00:00Z"),
                )
                .with("field", field.to_owned())
            }),
    }
}

/// Export contacts.
///
/// `GET /export/contacts?format=csv|json`: every contact (not merged into another), in id
/// order, streamed; `Content-Disposition` names the file `contacts-<UTC time>.csv`.
#[utoipa::path(
    get,
    path = "/api/whatsapp/export/contacts",
    operation_id = "export_contacts",
    tag = "contacts",
    params(ContactsExport),
    responses(
        (status = 200, description = "Every contact: CSV with a header row, or a JSON array of contacts", content(
            (String = "text/csv"),
            (Vec<Contact> = "application/json"),
        )),
        (status = 400, description = "`invalid_query` (an unknown parameter, a `format` other than csv or json)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn contacts_export(
    state: web::Data<AppState>,
    q: web::Query<ContactsExport>,
) -> Result<HttpResponse, ApiError> {
    let format = ExportFormat::read(q.format.as_deref())?;
    let store = Arc::clone(&state.store);
    let first = contacts::export_page(store.as_ref(), None, PAGE).await?;
    let more = full(&first);
    let pages = pages::<_, ContactRow, _, _>(format, (first, more), move |last: &Contact| {
        let (store, after) = (Arc::clone(&store), last.id.clone());
        async move {
            let page = contacts::export_page(store.as_ref(), Some(after), PAGE).await?;
            let more = full(&page);
            Ok((page, more))
        }
    });
    Ok(attachment("contacts", format, pages))
}

/// Export messages.
///
/// `GET /export/messages?format=&phone=&from=&to=`: messages newest first (one contact's with
/// `phone`; `from` and `to` bound `created_at`, both inclusive), streamed; the file is named
/// `messages-<UTC time>.csv`.
#[utoipa::path(
    get,
    path = "/api/whatsapp/export/messages",
    operation_id = "export_messages",
    tag = "messages",
    params(MessagesExport),
    responses(
        (status = 200, description = "The messages: CSV with a header row, or a JSON array of messages", content(
            (String = "text/csv"),
            (Vec<Message> = "application/json"),
        )),
        (status = 400, description = "`invalid_query` (an unknown parameter, a `format` other than csv or json, a `from` or `to` that is not an RFC 3339 time), `invalid_phone_number`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn messages_export(
    state: web::Data<AppState>,
    q: web::Query<MessagesExport>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let format = ExportFormat::read(q.format.as_deref())?;
    let from = instant(q.from.as_deref(), "from")?;
    let to = instant(q.to.as_deref(), "to")?;
    let contact = match q.phone.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(customer_key(p)?),
    };
    let store = Arc::clone(&state.store);
    // Newest first from `to` (inclusive: a position after every id at that instant).
    let start = to.map(|t| (t, "\u{10FFFF}".to_owned()));
    let first = message_page(store.as_ref(), contact.clone(), start, from).await?;
    let pages = pages::<_, MessageRow, _, _>(format, first, move |last: &Message| {
        let (store, contact) = (Arc::clone(&store), contact.clone());
        let before = Some((last.created_at, last.id.clone()));
        async move { message_page(store.as_ref(), contact, before, from).await }
    });
    Ok(attachment("messages", format, pages))
}

/// Query of `GET /batches/{id}/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BatchExport {
    /// `csv` (the default) or `json`.
    #[param(value_type = Option<ExportFormat>)]
    format: Option<String>,
}

/// Export a batch's outcome.
///
/// `GET /batches/{id}/export?format=csv|json`: one row per recipient in the order they were
/// queued — the item's state, attempts and error (Meta's code and reason), and its message's
/// `wamid` and latest status (a message Meta accepted can still fail later, by a status
/// webhook) — streamed; the file is named `batch-<id>-<UTC time>.csv`.
#[utoipa::path(
    get,
    path = "/api/whatsapp/batches/{id}/export",
    operation_id = "export_batch",
    tag = "queue",
    params(("id" = String, Path, min_length = 1, description = "wacloud id (a UUIDv7); anything that is not an id answers 404"), BatchExport),
    responses(
        (status = 200, description = "One row per recipient: CSV with a header row, or a JSON array", content(
            (String = "text/csv"),
            (Vec<BatchItemOutcome> = "application/json"),
        )),
        (status = 400, description = "`invalid_query` (an unknown parameter, a `format` other than csv or json)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such batch", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn batch_export(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<BatchExport>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    crate::routes::params::check_id(&id, "batch")?;
    let format = ExportFormat::read(q.format.as_deref())?;
    let store = Arc::clone(&state.store);
    let first = bulk::export_page(store.as_ref(), id.clone(), None, PAGE).await?;
    if first.is_empty() {
        return Err(ApiError::from(wacloud_core::error::CoreError::NotFound(
            format!("no batch {id}"),
        )));
    }
    let more = full(&first);
    let name = format!("batch-{id}");
    let pages =
        pages::<_, BatchItemRow, _, _>(format, (first, more), move |last: &BatchItemOutcome| {
            let (store, batch, after) = (Arc::clone(&store), id.clone(), last.item.id.clone());
            async move {
                let page = bulk::export_page(store.as_ref(), batch, Some(after), PAGE).await?;
                let more = full(&page);
                Ok((page, more))
            }
        });
    Ok(attachment(&name, format, pages))
}

/// One page of messages older than `before`, without those before `from`; whether more follow.
async fn message_page(
    store: &dyn Store,
    contact: Option<CustomerKey>,
    before: Option<(DateTime<Utc>, String)>,
    from: Option<DateTime<Utc>>,
) -> Result<(Vec<Message>, bool), ApiError> {
    let page = contacts::history(store, None, contact, None, PAGE, before).await?;
    let mut messages = page.messages;
    let whole = messages.len();
    if let Some(from) = from {
        messages.retain(|m| m.created_at >= from);
    }
    let more = page.has_more && messages.len() == whole;
    Ok((messages, more))
}

/// Whether a page read with [`PAGE`] is full (so another may follow).
fn full<T>(page: &[T]) -> bool {
    i64::try_from(page.len()).is_ok_and(|n| n == PAGE)
}

/// The body of an export: `first` (a page and whether more follow) encoded, then each page
/// `next` reads after the last row of the one before, until one says no more follow. A page is
/// read only when the client has taken the one before (the stream is pulled as it is written).
fn pages<T, R, F, Fut>(
    format: ExportFormat,
    first: (Vec<T>, bool),
    next: F,
) -> impl Stream<Item = Result<Bytes, ApiError>> + 'static
where
    T: Serialize + 'static,
    R: Serialize + Header + for<'a> From<&'a T>,
    F: Fn(&T) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(Vec<T>, bool), ApiError>> + 'static,
{
    let next = std::rc::Rc::new(next);
    stream::try_unfold(Some((first, true)), move |state| {
        let next = std::rc::Rc::clone(&next);
        async move {
            let Some(((page, more), first)) = state else {
                return Ok(None);
            };
            let more = more && !page.is_empty();
            let rows: Vec<R> = page.iter().map(R::from).collect();
            let chunk = encode(format, &page, &rows, first, !more)?;
            let following = match (more, page.last()) {
                (true, Some(last)) => Some((next(last).await?, false)),
                _ => None,
            };
            Ok::<_, ApiError>(Some((chunk, following)))
        }
    })
}

/// The answer: a streamed attachment named `<what>-<UTC time>.<csv|json>`, not cached.
fn attachment(
    what: &str,
    format: ExportFormat,
    body: impl Stream<Item = Result<Bytes, ApiError>> + 'static,
) -> HttpResponse {
    let name = format!(
        "{what}-{}.{}",
        Utc::now().format("%Y%m%dT%H%M%SZ"),
        format.extension()
    );
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .insert_header((CACHE_CONTROL, "no-store"))
        .streaming(body.map_err(|e| std::io::Error::other(e.to_string())))
}

/// One page as bytes: CSV rows (after the header on the first page), or JSON objects inside
/// the array that the first page opens and the last closes.
fn encode<T: Serialize, R: Serialize + Header>(
    format: ExportFormat,
    page: &[T],
    rows: &[R],
    first: bool,
    last: bool,
) -> Result<Bytes, ApiError> {
    let failed = |e: &dyn std::fmt::Display| ApiError::internal(e);
    match format {
        ExportFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::with_capacity(rows.len() * 160));
            if first {
                w.write_record(R::HEADER).map_err(|e| failed(&e))?;
            }
            for r in rows {
                w.serialize(r).map_err(|e| failed(&e))?;
            }
            w.into_inner()
                .map(Bytes::from)
                .map_err(|e| failed(&e.error().to_string()))
        }
        ExportFormat::Json => {
            let mut out = Vec::with_capacity(page.len() * 400 + 2);
            if first {
                out.push(b'[');
            }
            for (i, item) in page.iter().enumerate() {
                if !(first && i == 0) {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, item).map_err(|e| failed(&e))?;
            }
            if last {
                out.push(b']');
            }
            Ok(Bytes::from(out))
        }
    }
}

/// A CSV row type's header, in the order of its fields.
trait Header {
    const HEADER: &'static [&'static str];
}

/// A text cell a spreadsheet will show as text: one that would start a formula (`=`, `+`,
/// `-`, `@`, tab, carriage return) gets a leading `'`, unless it is a plain number such as
/// `+15551234567` or `-3.5`, which a spreadsheet reads as a number, never as a formula.
#[must_use]
pub fn cell(s: &str) -> String {
    let starts_formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let plain_number = {
        let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
        !digits.is_empty()
            && digits.starts_with(|c: char| c.is_ascii_digit())
            && digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ' ')
    };
    if starts_formula && !plain_number {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn opt_cell(s: Option<&str>) -> String {
    s.map(cell).unwrap_or_default()
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339()).unwrap_or_default()
}

/// A contact as one CSV row.
#[derive(Serialize)]
struct ContactRow {
    id: String,
    phone_number: String,
    wa_id: String,
    user_id: String,
    parent_user_id: String,
    display_name: String,
    profile_name: String,
    username: String,
    business_name: String,
    tags: String,
    is_blocked: bool,
    marketing_opt_out: bool,
    unread_count: i64,
    last_message_time: String,
    last_inbound_at: String,
    created_at: String,
    updated_at: String,
}

impl Header for ContactRow {
    const HEADER: &'static [&'static str] = &[
        "id",
        "phone_number",
        "wa_id",
        "user_id",
        "parent_user_id",
        "display_name",
        "profile_name",
        "username",
        "business_name",
        "tags",
        "is_blocked",
        "marketing_opt_out",
        "unread_count",
        "last_message_time",
        "last_inbound_at",
        "created_at",
        "updated_at",
    ];
}

impl From<&Contact> for ContactRow {
    fn from(c: &Contact) -> Self {
        Self {
            id: c.id.clone(),
            phone_number: opt_cell(c.phone_number.as_deref()),
            wa_id: opt_cell(c.wa_id.as_deref()),
            user_id: opt_cell(c.user_id.as_deref()),
            parent_user_id: opt_cell(c.parent_user_id.as_deref()),
            display_name: opt_cell(c.display_name.as_deref()),
            profile_name: opt_cell(c.profile_name.as_deref()),
            username: opt_cell(c.username.as_deref()),
            business_name: opt_cell(c.business_name.as_deref()),
            // Tags joined by `;` (a tag cannot hold one: the contacts API refuses it).
            tags: cell(&c.tags.join(";")),
            is_blocked: c.is_blocked,
            marketing_opt_out: c.marketing_opt_out,
            unread_count: c.unread_count,
            last_message_time: time(c.last_message_time),
            last_inbound_at: time(c.last_inbound_at),
            created_at: c.created_at.to_rfc3339(),
            updated_at: c.updated_at.to_rfc3339(),
        }
    }
}

/// A message as one CSV row.
#[derive(Serialize)]
struct MessageRow {
    id: String,
    wamid: String,
    direction: &'static str,
    contact_id: String,
    from_phone: String,
    to_phone: String,
    message_type: String,
    message_text: String,
    status: String,
    created_at: String,
    sent_at: String,
    delivered_at: String,
    read_at: String,
    failed_at: String,
    error_code: String,
    error_title: String,
    reply_to: String,
    source: String,
    queue_id: String,
}

impl Header for MessageRow {
    const HEADER: &'static [&'static str] = &[
        "id",
        "wamid",
        "direction",
        "contact_id",
        "from_phone",
        "to_phone",
        "message_type",
        "message_text",
        "status",
        "created_at",
        "sent_at",
        "delivered_at",
        "read_at",
        "failed_at",
        "error_code",
        "error_title",
        "reply_to",
        "source",
        "queue_id",
    ];
}

impl From<&Message> for MessageRow {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id.clone(),
            wamid: opt_cell(m.message_id.as_deref()),
            direction: m.direction.as_str(),
            contact_id: opt_cell(m.contact_id.as_deref()),
            from_phone: opt_cell(m.from_phone.as_deref()),
            to_phone: opt_cell(m.to_phone.as_deref()),
            message_type: cell(&m.message_type),
            message_text: opt_cell(m.message_text.as_deref()),
            status: m.status.as_str().to_owned(),
            created_at: m.created_at.to_rfc3339(),
            sent_at: time(m.sent_at),
            delivered_at: time(m.delivered_at),
            read_at: time(m.read_at),
            failed_at: time(m.failed_at),
            error_code: m.error_code.map(|c| c.to_string()).unwrap_or_default(),
            error_title: opt_cell(m.error_title.as_deref()),
            reply_to: opt_cell(m.reply_to.as_deref()),
            source: opt_cell(m.source.as_deref()),
            queue_id: opt_cell(m.queue_id.as_deref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_are_not() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("\t=1"), "'\t=1");
        assert_eq!(cell("+15551234567"), "+15551234567");
        assert_eq!(cell("-3.5"), "-3.5");
        assert_eq!(cell("Alice = Bob"), "Alice = Bob");
        assert_eq!(cell(""), "");
        assert_eq!(cell("+"), "'+");
    }
}

/// A batch's item and its message's outcome as one CSV row.
#[derive(Serialize)]
struct BatchItemRow {
    id: String,
    phone_number: String,
    state: String,
    attempts: i32,
    message_type: String,
    message_id: String,
    wamid: String,
    message_status: String,
    error_code: String,
    error: String,
    due_at: String,
    finished_at: String,
    source: String,
    retry_of: String,
}

impl Header for BatchItemRow {
    const HEADER: &'static [&'static str] = &[
        "id",
        "phone_number",
        "state",
        "attempts",
        "message_type",
        "message_id",
        "wamid",
        "message_status",
        "error_code",
        "error",
        "due_at",
        "finished_at",
        "source",
        "retry_of",
    ];
}

impl From<&BatchItemOutcome> for BatchItemRow {
    fn from(o: &BatchItemOutcome) -> Self {
        let i = &o.item;
        // The failure that ended it: the queue's (refused at the send) or, for a message Meta
        // accepted, the one its status webhook reported.
        let code = i.last_error_code.or(o.message_error_code);
        let error = i.last_error.as_deref().or(o.message_error.as_deref());
        Self {
            id: i.id.clone(),
            phone_number: cell(&i.phone_number),
            state: i.state.clone(),
            attempts: i.attempts,
            message_type: i.message_type.clone(),
            message_id: opt_cell(i.message_id.as_deref()),
            wamid: opt_cell(o.wamid.as_deref()),
            message_status: opt_cell(o.message_status.as_deref()),
            error_code: code.map(|c| c.to_string()).unwrap_or_default(),
            error: opt_cell(error),
            due_at: i.due_at.to_rfc3339(),
            finished_at: time(i.finished_at),
            source: opt_cell(i.source.as_deref()),
            retry_of: opt_cell(i.retry_of.as_deref()),
        }
    }
}
