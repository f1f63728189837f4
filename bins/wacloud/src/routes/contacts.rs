//! `/api/whatsapp/contacts`: list, update, mark read.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::auth::Actor;
use wacloud_core::contact::{AssigneeFilter, Contact, ContactFilter, ContactQuery, ContactUpdate};
use wacloud_core::conversation::{Conversation, ConversationStatus};
use wacloud_core::usecases::{contacts, inbox};
use wacloud_core::window::WINDOW;

use crate::auth::Principal;
use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::{self, contact_key, CustomerKeyText, Limit};
use crate::state::AppState;

/// A contact as the API answers it: the stored contact plus its customer service window.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    #[serde(flatten)]
    contact: Contact,
    /// Whether the customer service window is open: the customer wrote within the last 24
    /// hours (by Meta's timestamp), so free-form messages may be sent.
    window_open: bool,
    /// When the window closes (24 hours after `last_inbound_at`); `null` if the customer never
    /// wrote.
    window_expires_at: Option<DateTime<Utc>>,
    /// The conversation's status and assignee (the team inbox); in `GET /contacts` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation: Option<Conversation>,
    /// The bot subscription answering the conversation (`POST /contacts/{phone}/bot`); in
    /// `GET /contacts/{phone}` only, and only while a bot owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    bot: Option<wacloud_core::usecases::automation::BotOwner>,
}

/// The answer of `GET /contacts`: one page and totals over the whole filter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPage {
    /// The page: pinned first, then by `last_message_time`, newest first.
    contacts: Vec<ContactView>,
    /// Contacts matching the filter over all pages.
    total_count: i64,
    /// Unread inbound messages over all contacts matching the filter.
    unread_count: i64,
}

/// The answer of `POST /contacts/{phone}/read`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// Inbound messages marked read now.
    marked_read: i64,
    /// The contact, after the change.
    contact: ContactView,
    /// Why the read receipt to Meta failed, if it did (the messages are marked read all the
    /// same).
    receipt_error: Option<String>,
}

impl ContactView {
    /// Adds the window as of `now`.
    #[must_use]
    pub fn new(contact: Contact, now: DateTime<Utc>) -> Self {
        let w = contact.window(now);
        Self {
            contact,
            window_open: w.open,
            window_expires_at: w.expires_at,
            conversation: None,
            bot: None,
        }
    }
}

/// Query of `GET /contacts`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Case-insensitive substring of the name, phone number or `wa_id`; at most 200
    /// characters.
    #[param(max_length = 200)]
    search: Option<String>,
    /// Only contacts carrying this tag.
    tag: Option<String>,
    /// Only the contacts of this business number (`phone_number_id`, see `GET /numbers`).
    number: Option<String>,
    /// Only these conversations.
    #[param(inline)]
    filter: Option<ListFilter>,
    /// The team inbox's views: `mine` (assigned to the logged-in operator), `unassigned`, or
    /// `all` (the default).
    #[param(inline)]
    view: Option<ListView>,
    /// Only conversations with this status now (a snooze past its time is `open`).
    #[param(inline)]
    status: Option<ConversationStatus>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
    /// Contacts to skip (`total_count` says how many there are).
    #[param(minimum = 0, default = 0)]
    offset: Option<i64>,
}

/// `filter=`: which conversations to list: `unread` (with unread messages), `needs_reply` (the
/// last message is the customer's), `window_open` (the customer wrote within 24 hours).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum ListFilter {
    Unread,
    NeedsReply,
    WindowOpen,
}

/// `view=`: whose conversations to list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum ListView {
    Mine,
    Unassigned,
    All,
}

/// List contacts.
///
/// `GET /contacts?search=&tag=&number=&filter=unread|needs_reply|window_open&view=mine|unassigned|all&status=open|pending|snoozed|resolved&limit=&offset=`:
/// one page of contacts with their conversations' status and assignee, pinned first, then by
/// their last message, newest first.
#[utoipa::path(
    get,
    path = "/api/whatsapp/contacts",
    operation_id = "list_contacts",
    tag = "contacts",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of contacts", body = ContactPage),
        (status = 400, description = "`invalid_query` (an unknown parameter, `filter`, `view` or `status`, a `limit` that is not a whole number), `invalid_request` (`limit` or `offset` out of range, a `search` over 200 characters, a NUL character), `invalid_number` / `unknown_number` (`number` is not digits / no business number of this server), `not_an_operator` (`view=mine` with the API key or in the open mode)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let limit = Limit::PAGE.read(q.limit)?;
    let offset = params::offset(q.offset)?;
    let number = params::our_number(&state.our_numbers, q.number)?;
    if [&q.search, &q.tag]
        .iter()
        .any(|v| v.as_ref().is_some_and(|s| s.contains('\0')))
    {
        return Err(ApiError::bad_request(
            "invalid_request",
            "search and tag must not contain NUL characters",
        ));
    }
    if q.search.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::bad_request(
            "invalid_request",
            "search is longer than 200 characters",
        )
        .with("field", "search"));
    }
    let now = state.clock.now();
    let filter = q.filter.map(|f| match f {
        ListFilter::Unread => ContactFilter::Unread,
        ListFilter::NeedsReply => ContactFilter::NeedsReply,
        ListFilter::WindowOpen => ContactFilter::WindowOpenSince(now - WINDOW),
    });
    let assignee = match q.view {
        None | Some(ListView::All) => None,
        Some(ListView::Unassigned) => Some(AssigneeFilter::Unassigned),
        Some(ListView::Mine) => match Principal::of(&req).actor {
            Actor::Operator { id, .. } => Some(AssigneeFilter::Operator(id)),
            _ => return Err(crate::routes::inbox::not_an_operator().with("field", "view")),
        },
    };
    let (list, mut conversations) = inbox::list(
        state.store.as_ref(),
        ContactQuery {
            search: q.search,
            tag: q.tag,
            phone_number_id: number,
            filter,
            assignee,
            status: q.status.map(|s| (s, now)),
            limit,
            offset,
        },
        now,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ContactPage {
        contacts: list
            .contacts
            .into_iter()
            .map(|c| {
                let conversation = conversations.remove(&c.id);
                ContactView {
                    conversation,
                    ..ContactView::new(c, now)
                }
            })
            .collect(),
        total_count: list.total_count,
        unread_count: list.unread_count,
    }))
}

/// A contact.
///
/// `GET /contacts/{phone}`: the contact with its customer service window, its saved name
/// (coexistence) and its call permission.
#[utoipa::path(
    get,
    path = "/api/whatsapp/contacts/{phone}",
    operation_id = "get_contact",
    tag = "contacts",
    params(("phone" = CustomerKeyText, Path, description = "The contact: a phone number (`+` may be sent as `%2B` or left out) or a BSUID; with several business numbers, `?number=<phone_number_id>` names whose contact (without it: the customer's oldest contact on any number)")),
    responses(
        (status = 200, description = "The contact", body = ContactView),
        (status = 400, description = "`invalid_phone_number`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn get_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let c = contacts::get_on(state.store.as_ref(), key).await?;
    let bot = crate::routes::automation::bot_of(&state, c.id.clone()).await?;
    let mut view = ContactView::new(c, state.clock.now());
    view.bot = bot;
    Ok(HttpResponse::Ok().json(view))
}

/// Update a contact.
///
/// `PUT /contacts/{phone}`: changes the given fields of a contact (created if it did not
/// exist); a field left out stays as it is.
#[utoipa::path(
    put,
    path = "/api/whatsapp/contacts/{phone}",
    operation_id = "update_contact",
    tag = "contacts",
    params(("phone" = CustomerKeyText, Path, description = "The contact: a phone number (`+` may be sent as `%2B` or left out) or a BSUID")),
    request_body = ContactUpdate,
    responses(
        (status = 200, description = "The contact, after the change", body = ContactView,
            links(("read" = (operation_id = "mark_contact_read", parameters(("phone" = "$request.path.phone")))))),
        (status = 400, description = "`invalid_phone_number`, `invalid_json`, `invalid_request` (a name, tag or tag count over its limit)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ContactUpdate>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let c = contacts::update(
        state.store.as_ref(),
        state.clock.as_ref(),
        key.number.or_else(|| state.numbers.default_number()),
        key.customer,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ContactView::new(c, state.clock.now())))
}

/// Mark a conversation read.
///
/// `POST /contacts/{phone}/read`: marks every inbound message of the contact read and sends
/// Meta a read receipt for the newest one (Meta marks the earlier ones read with it).
#[utoipa::path(
    post,
    path = "/api/whatsapp/contacts/{phone}/read",
    operation_id = "mark_contact_read",
    tag = "contacts",
    params(("phone" = CustomerKeyText, Path, description = "The contact: a phone number (`+` may be sent as `%2B` or left out) or a BSUID")),
    responses(
        (status = 200, description = "Marked read", body = MarkedRead),
        (status = 400, description = "`invalid_phone_number`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn mark_read(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let messenger = state
        .numbers
        .messenger_named(key.number.as_deref(), "number")?;
    let r = contacts::mark_read(state.store.as_ref(), messenger.as_ref(), key.customer).await?;
    if let Some(e) = &r.receipt_error {
        tracing::warn!(error = %e, "read receipt to Meta failed");
    }
    Ok(HttpResponse::Ok().json(MarkedRead {
        marked_read: r.marked_read,
        contact: ContactView::new(r.contact, state.clock.now()),
        receipt_error: r.receipt_error,
    }))
}

/// Show the customer that an operator is typing.
///
/// `POST /contacts/{phone}/typing`: Meta's typing indicator, which Meta ties to a read receipt
/// for the customer's newest message: the conversation is marked read as by
/// `POST /contacts/{phone}/read`, and the customer sees "typing…" until the next message or for
/// at most 25 seconds. Call it while an operator types, at most every 20 seconds.
#[utoipa::path(
    post,
    path = "/api/whatsapp/contacts/{phone}/typing",
    operation_id = "show_typing",
    tag = "contacts",
    params(("phone" = CustomerKeyText, Path, description = "The contact: a phone number (`+` may be sent as `%2B` or left out) or a BSUID")),
    responses(
        (status = 200, description = "Marked read and the indicator sent (`receipt_error` says why Meta refused it, if it did)", body = MarkedRead),
        (status = 400, description = "`invalid_phone_number`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 409, description = "`no_inbound_message`: the customer never wrote, so there is no message to answer", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn typing(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let messenger = state
        .numbers
        .messenger_named(key.number.as_deref(), "number")?;
    let r = contacts::typing(state.store.as_ref(), messenger.as_ref(), key.customer).await?;
    if let Some(e) = &r.receipt_error {
        tracing::warn!(error = %e, "typing indicator to Meta failed");
    }
    Ok(HttpResponse::Ok().json(MarkedRead {
        marked_read: r.marked_read,
        contact: ContactView::new(r.contact, state.clock.now()),
        receipt_error: r.receipt_error,
    }))
}

/// Most bytes of one contact import's file.
pub const MAX_IMPORT_BYTES: usize = 16 << 20;

fn invalid_csv(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_csv", message).with("field", "file")
}

/// Reads a contact import's CSV: a header row naming a `phone` column (also `phone_number`,
/// `wa_id`), optionally `name` (`display_name`) and `tags` (separated by `;`, `,` or `|`), in
/// any order and case; other columns are ignored. A UTF-8 byte order mark is skipped.
///
/// # Errors
/// 400 `invalid_csv` for a file that is not UTF-8, has no header or no phone column, or a
/// line CSV cannot read.
pub fn read_import(bytes: &[u8]) -> Result<Vec<contacts::ImportRow>, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        invalid_csv(format!(
            "the file must be UTF-8 text; byte {} is not",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| invalid_csv(format!("the header row cannot be read: {e}")))?
        .clone();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let phone = column(&["phone", "phone_number", "wa_id"]).ok_or_else(|| {
        invalid_csv("the header row must name a phone column (phone, phone_number or wa_id)")
    })?;
    let (name, tags) = (column(&["name", "display_name"]), column(&["tags"]));
    // csv's own line numbers skip blank lines; the file's are counted from the byte offsets.
    let (mut counted_to, mut line) = (0_usize, 1_u64);
    let mut line_at = |byte: u64| {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
        // A record's position is where csv began reading it, before the blank lines it skipped.
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        let newlines = text.as_bytes()[counted_to.min(byte)..byte]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        line += u64::try_from(newlines).unwrap_or(0);
        counted_to = counted_to.max(byte);
        line
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            invalid_csv(format!("line {line} cannot be read: {e}"))
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == contacts::MAX_IMPORT_ROWS {
            return Err(ApiError::bad_request(
                "too_many_rows",
                format!("an import holds at most {} rows", contacts::MAX_IMPORT_ROWS),
            )
            .with("field", "file"));
        }
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        rows.push(contacts::ImportRow {
            line: line_at(record.position().map_or(0, csv::Position::byte)),
            phone: cell(Some(phone)).to_owned(),
            name: Some(cell(name).to_owned()).filter(|n| !n.is_empty()),
            tags: cell(tags)
                .split([';', ',', '|'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(rows)
}

/// Import contacts from a CSV file.
///
/// `POST /contacts/import` with the file as the body (`Content-Type: text/csv`, at most 16 MiB
/// and 100,000 rows): creates each row's contact or gives an existing one the row's name and
/// adds its tags. A bad row is refused with its line and never stops the others; importing the
/// same file again changes nothing. Admins only.
#[utoipa::path(
    post,
    path = "/api/whatsapp/contacts/import",
    operation_id = "import_contacts",
    tag = "contacts",
    request_body(content = String, content_type = "text/csv",
        description = "A header row naming `phone` (or `phone_number`, `wa_id`), optionally `name` and `tags` (separated by `;`, `,` or `|`), then one contact per line"),
    responses(
        (status = 200, description = "What the import did; `refused` lists each refused row's line and reason", body = contacts::ImportReport),
        (status = 400, description = "`invalid_csv` (not UTF-8, no header, no phone column, an unreadable line), `too_many_rows`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the file is over 16 MiB", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: the body is not `text/csv`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn import(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use futures::StreamExt;
    let csv_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.trim_start().to_ascii_lowercase();
            ["text/csv", "application/csv", "text/plain"]
                .iter()
                .any(|t| v.starts_with(t))
        });
    if !csv_type {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the file as the body with Content-Type: text/csv",
        ));
    }
    let too_large = || {
        ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("an import file is at most {MAX_IMPORT_BYTES} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_IMPORT_BYTES) {
        return Err(too_large());
    }
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        if bytes.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    let rows = read_import(&bytes)?;
    drop(bytes);
    let report = contacts::import(
        state.store.as_ref(),
        state.clock.as_ref(),
        state.numbers.default_number(),
        rows,
    )
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
