//! `/api/whatsapp/contacts`: list, update, mark read.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wacloud_core::contact::{Contact, ContactFilter, ContactQuery, ContactUpdate};
use wacloud_core::usecases::contacts;
use wacloud_core::window::WINDOW;

use crate::errors::ApiError;
use crate::routes::params::{self, customer_key, Limit};
use crate::state::AppState;

/// A contact as the API answers it: the stored contact plus its customer service window.
#[derive(Debug, Serialize)]
pub struct ContactView {
    #[serde(flatten)]
    contact: Contact,
    window_open: bool,
    window_expires_at: Option<DateTime<Utc>>,
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
        }
    }
}

/// Query of `GET /contacts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    search: Option<String>,
    tag: Option<String>,
    filter: Option<ListFilter>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `filter=`: which conversations to list.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ListFilter {
    Unread,
    NeedsReply,
    WindowOpen,
}

/// `GET /contacts?search=&tag=&filter=unread|needs_reply|window_open&limit=&offset=`.
pub async fn list(
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let limit = Limit::PAGE.read(q.limit)?;
    let offset = params::offset(q.offset)?;
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
    let list = contacts::list(
        state.store.as_ref(),
        ContactQuery {
            search: q.search,
            tag: q.tag,
            filter,
            limit,
            offset,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "contacts": list.contacts.into_iter().map(|c| ContactView::new(c, now)).collect::<Vec<_>>(),
        "total_count": list.total_count,
        "unread_count": list.unread_count,
    })))
}

/// `PUT /contacts/{phone}`: update (or create) a contact.
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<ContactUpdate>,
) -> Result<HttpResponse, ApiError> {
    let key = customer_key(&path)?;
    let c = contacts::update(
        state.store.as_ref(),
        state.clock.as_ref(),
        key,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ContactView::new(c, state.clock.now())))
}

/// `POST /contacts/{phone}/read`: mark the conversation read and send Meta a read receipt.
pub async fn mark_read(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = customer_key(&path)?;
    let r = contacts::mark_read(state.store.as_ref(), state.messenger.as_ref(), key).await?;
    if let Some(e) = &r.receipt_error {
        tracing::warn!(error = %e, "read receipt to Meta failed");
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "marked_read": r.marked_read,
        "contact": ContactView::new(r.contact, state.clock.now()),
        "receipt_error": r.receipt_error,
    })))
}
