//! `GET /api/whatsapp/messages`: history, newest first, with a cursor.

use actix_web::{web, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::message::{Direction, Message};
use wacloud_core::usecases::contacts;

use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::{customer_key, CustomerKeyText, Limit};
use crate::state::AppState;

/// Query of `GET /messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only this contact's messages (empty: everyone's).
    #[param(value_type = Option<CustomerKeyText>)]
    phone: Option<String>,
    /// With `phone`: the contact of this business number (`phone_number_id`); without it, the
    /// customer's oldest contact on any number.
    number: Option<String>,
    /// Only `inbound` or `outbound` messages (empty: both).
    #[param(value_type = Option<Direction>)]
    direction: Option<String>,
    /// Page size.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page: the messages older than its last one.
    before: Option<String>,
    /// Words to find in the messages' text (every one must match as a whole word, any case;
    /// at most 16 words of 64 characters). The answer then lists the messages found, newest
    /// first, each with `snippet`, `highlights`, `contact_phone` and `contact_name`.
    search: Option<String>,
}

/// The answer of `GET /messages?search=`: the messages found, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The page: each message with the part of its text around the words found.
    messages: Vec<wacloud_core::search::SearchHit>,
    /// Pass as `before` (with the same `search`) for the next page; `null` at the end.
    next_cursor: Option<String>,
    /// Whether more messages match.
    has_more: bool,
}

/// The answer of `GET /messages`: one page, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    /// The page, newest first.
    messages: Vec<Message>,
    /// Pass as `before` for the next (older) page; `null` at the end.
    next_cursor: Option<String>,
    /// Whether older messages exist.
    has_more: bool,
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The opaque cursor for a message position.
#[must_use]
pub fn encode_cursor(t: DateTime<Utc>, id: &str) -> String {
    B64.encode(format!("{}|{id}", t.timestamp_micros()))
}

pub(crate) fn decode_cursor(c: &str) -> Option<(DateTime<Utc>, String)> {
    let raw = String::from_utf8(B64.decode(c).ok()?).ok()?;
    let (t, id) = raw.split_once('|')?;
    let t = DateTime::from_timestamp_micros(t.parse().ok()?)?;
    (!id.is_empty() && id.len() <= 64).then(|| (t, id.to_owned()))
}

/// A search's position from its opaque cursor.
fn decode_search_cursor(c: &str) -> Option<String> {
    let raw = String::from_utf8(B64.decode(c).ok()?).ok()?;
    let position = raw.strip_prefix("s:")?;
    (!position.is_empty() && position.len() <= 96).then(|| position.to_owned())
}

/// Message history.
///
/// `GET /messages?phone=&direction=&limit=&before=`: messages newest first, paged with a
/// cursor. Reactions, edits and deletions show on the message they change, not as messages.
/// With `search=words`, the messages whose text holds every word (with `phone` and
/// `direction` as filters), each with a snippet and where the words are in it.
#[utoipa::path(
    get,
    path = "/api/whatsapp/messages",
    operation_id = "list_messages",
    tag = "messages",
    params(HistoryQuery),
    responses(
        (status = 200, description = "One page of messages (with `search`: the messages found, each with `snippet`, `highlights`, `contact_phone`, `contact_name`)", content(
            (HistoryPage = "application/json"),
        )),
        (status = 400, description = "`invalid_query` (an unknown parameter, a `limit` that is not a whole number), `invalid_request` (`limit` out of range, an unknown `direction`), `invalid_cursor`, `invalid_phone_number`, `invalid_search` (no word, more than 16 words, a word over 64 characters)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn history(
    state: web::Data<AppState>,
    q: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let limit = Limit::PAGE.read(q.limit)?;
    let direction = match q.direction.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(d.parse::<Direction>().map_err(|_| {
            ApiError::bad_request("invalid_request", "direction must be inbound or outbound")
                .with("field", "direction")
        })?),
    };
    if let Some(words) = q.search.as_deref().filter(|w| !w.trim().is_empty()) {
        let before = match q.before.as_deref().filter(|b| !b.is_empty()) {
            None => None,
            Some(c) => Some(decode_search_cursor(c).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_cursor",
                    "before is not a cursor this search returned",
                )
                .with("field", "before")
            })?),
        };
        let contact = match q.phone.as_deref().filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => Some(customer_key(p)?),
        };
        let page = contacts::search(
            state.store.as_ref(),
            words,
            contact,
            direction,
            limit,
            before,
        )
        .await?;
        return Ok(HttpResponse::Ok().json(SearchResults {
            has_more: page.next.is_some(),
            next_cursor: page.next.map(|p| B64.encode(format!("s:{p}"))),
            messages: page.hits,
        }));
    }
    let before = match q.before.as_deref().filter(|b| !b.is_empty()) {
        None => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            ApiError::bad_request("invalid_cursor", "before is not a cursor this API returned")
                .with("field", "before")
        })?),
    };
    let contact = match q.phone.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(customer_key(p)?),
    };
    let page = contacts::history(
        state.store.as_ref(),
        q.number,
        contact,
        direction,
        limit,
        before,
    )
    .await?;
    let next_cursor = if page.has_more {
        page.messages
            .last()
            .map(|m| encode_cursor(m.created_at, &m.id))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(HistoryPage {
        messages: page.messages,
        next_cursor,
        has_more: page.has_more,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let t = DateTime::from_timestamp_micros(1_730_231_903_123_456).unwrap();
        let c = encode_cursor(t, "0193-abc");
        assert_eq!(decode_cursor(&c), Some((t, "0193-abc".to_owned())));
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor(&B64.encode("123")), None);
    }
}
