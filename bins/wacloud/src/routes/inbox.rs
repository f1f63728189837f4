//! The team inbox on a contact's conversation: `GET /contacts/{phone}/conversation`,
//! `PUT /contacts/{phone}/status`, `PUT /contacts/{phone}/assignee`,
//! `GET /contacts/{phone}/timeline`, `GET|POST /contacts/{phone}/notes`, and `GET /mentions`.
//! The rules are `wacloud_core::conversation`'s and `usecases::inbox`'s; each change is in the
//! conversation's timeline, the audit trail and the event stream (`conversations`).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::auth::Actor;
use wacloud_core::conversation::{
    Assignee, Conversation, ConversationStatus, TimelineEntry, TimelineKind,
};
use wacloud_core::ports::read;
use wacloud_core::usecases::inbox::{self, Change};

use crate::auth::{Origin, Principal};
use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::{check_id, contact_key, CustomerKeyText, Limit};
use crate::state::AppState;

/// Body of `PUT /contacts/{phone}/status`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `open`, `pending` (waiting for the customer), `snoozed` or `resolved`.
    pub status: ConversationStatus,
    /// With `snoozed` only, and then required: until when (RFC 3339), in the future, at most
    /// 366 days ahead.
    pub snoozed_until: Option<DateTime<Utc>>,
}

/// Body of `PUT /contacts/{phone}/assignee`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssigneeBody {
    /// An active operator's id, or `null` to unassign. Required.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, required = true)]
    pub assignee_id: Option<Option<String>>,
}

/// A field that must be given, `null` allowed: `Some(None)` for `null`, `None` when absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Body of `POST /contacts/{phone}/notes`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// The note, 1–4096 characters; `@Name` or `@local-part` mentions an operator.
    #[schema(min_length = 1, max_length = 4096)]
    pub body: String,
}

/// Query of `GET /contacts/{phone}/timeline` and `GET /contacts/{phone}/notes`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// Entries per page.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
    /// Only entries older than this entry (the previous page's `next_before`).
    before: Option<String>,
    /// The business number whose contact is meant (`phone_number_id`; read by
    /// [`contact_key`]).
    #[allow(dead_code)]
    number: Option<String>,
}

/// A page of a conversation's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinePage {
    /// Newest first.
    pub entries: Vec<TimelineEntry>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    pub next_before: Option<String>,
}

/// Query of `GET /mentions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MentionParams {
    /// Most notes answered.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
}

/// The answer of `GET /mentions`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MentionList {
    /// Notes mentioning the caller, newest first.
    pub notes: Vec<TimelineEntry>,
}

/// Who makes a change, from the request.
pub(crate) fn change(state: &AppState, req: &HttpRequest) -> Change {
    let origin = Origin::of(req);
    Change {
        actor: Principal::of(req).actor,
        address: origin.address,
        user_agent: origin.user_agent,
        now: state.clock.now(),
    }
}

const PHONE: &str = "The contact: a phone number (`+` may be sent as `%2B` or left out) or a BSUID; with several business numbers, `?number=<phone_number_id>` names whose contact (without it: the customer's oldest contact on any number)";

/// A conversation's status and assignee.
///
/// `GET /contacts/{phone}/conversation`: its status as of now (a snooze past its time is
/// `open`), `snoozed_until`, the assignee, and who changed it last.
#[utoipa::path(
    get,
    path = "/api/whatsapp/contacts/{phone}/conversation",
    operation_id = "get_conversation",
    tag = "inbox",
    params(("phone" = CustomerKeyText, Path, description = PHONE)),
    responses(
        (status = 200, description = "The conversation", body = Conversation),
        (status = 400, description = "`invalid_phone_number`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let c = inbox::conversation(state.store.as_ref(), key, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(c))
}

/// Set a conversation's status.
///
/// `PUT /contacts/{phone}/status`: `open`, `pending`, `snoozed` (with `snoozed_until`) or
/// `resolved`. A customer's next message opens it again. Recorded in the timeline
/// (`status_changed`) and the audit trail (`conversation_status_changed`) unless it had that
/// status already. Agents and admins.
#[utoipa::path(
    put,
    path = "/api/whatsapp/contacts/{phone}/status",
    operation_id = "set_conversation_status",
    tag = "inbox",
    params(("phone" = CustomerKeyText, Path, description = PHONE)),
    request_body = StatusBody,
    responses(
        (status = 200, description = "The conversation, after the change", body = Conversation),
        (status = 400, description = "`invalid_phone_number`, `invalid_json` (an unknown status or field), `invalid_snooze` (`snoozed` without a time ahead, or a time with another status)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn set_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let b = body.into_inner();
    let c = inbox::set_status(
        state.store.as_ref(),
        key,
        b.status,
        b.snoozed_until,
        change(&state, &req),
    )
    .await?;
    Ok(HttpResponse::Ok().json(c))
}

/// Assign a conversation.
///
/// `PUT /contacts/{phone}/assignee` `{"assignee_id": "<operator id>"|null}`. Agents take an
/// unassigned conversation or one of theirs, hand it to another operator, or unassign their
/// own; a conversation assigned to someone else only that operator or an admin moves (403
/// `assigned_to_other`, naming who has it). Recorded in the timeline (`assignee_changed`) and
/// the audit trail (`conversation_assigned`) unless nothing changed.
#[utoipa::path(
    put,
    path = "/api/whatsapp/contacts/{phone}/assignee",
    operation_id = "assign_conversation",
    tag = "inbox",
    params(("phone" = CustomerKeyText, Path, description = PHONE)),
    request_body = AssigneeBody,
    responses(
        (status = 200, description = "The conversation, after the change", body = Conversation),
        (status = 400, description = "`invalid_phone_number`, `invalid_json`, `invalid_request` (no `assignee_id`), `invalid_assignee` (no active operator has the id)", body = ErrorBody),
        (status = 403, description = "`assigned_to_other`: an agent moving a conversation someone else has", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn assign(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<AssigneeBody>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let Some(to) = body.into_inner().assignee_id else {
        return Err(ApiError::bad_request(
            "invalid_request",
            "assignee_id is required: an operator's id, or null to unassign",
        )
        .with("field", "assignee_id"));
    };
    if let Some(id) = &to {
        check_id(id, "operator").map_err(|_| {
            ApiError::bad_request(
                "invalid_assignee",
                "assignee_id: no active operator has this id",
            )
            .with("field", "assignee_id")
        })?;
    }
    let c = inbox::assign(state.store.as_ref(), key, to, change(&state, &req)).await?;
    Ok(HttpResponse::Ok().json(c))
}

fn page(p: TimelineParams) -> Result<(i64, Option<String>), ApiError> {
    let limit = Limit::PAGE.read(p.limit)?;
    let before = p.before.filter(|b| !b.is_empty());
    if let Some(b) = &before {
        check_id(b, "timeline entry").map_err(|_| {
            ApiError::bad_request("invalid_request", "before must be a timeline entry's id")
                .with("field", "before")
        })?;
    }
    Ok((limit, before))
}

async fn timeline_page(
    state: &AppState,
    req: &HttpRequest,
    phone: &str,
    kind: Option<TimelineKind>,
    p: TimelineParams,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(req, phone)?;
    let (limit, before) = page(p)?;
    let mut entries = inbox::timeline(state.store.as_ref(), key, kind, before, limit + 1).await?;
    let n = usize::try_from(limit).unwrap_or(0);
    let more = entries.len() > n;
    entries.truncate(n);
    let next_before = more.then(|| entries.last().map(|e| e.id.clone())).flatten();
    Ok(HttpResponse::Ok().json(TimelinePage {
        entries,
        next_before,
    }))
}

/// A conversation's timeline.
///
/// `GET /contacts/{phone}/timeline?limit=&before=`: private notes, status changes and
/// assignments, newest first (the messages are `GET /messages?phone=`; the widget interleaves
/// both by time).
#[utoipa::path(
    get,
    path = "/api/whatsapp/contacts/{phone}/timeline",
    operation_id = "conversation_timeline",
    tag = "inbox",
    params(("phone" = CustomerKeyText, Path, description = PHONE), TimelineParams),
    responses(
        (status = 200, description = "One page, newest first", body = TimelinePage),
        (status = 400, description = "`invalid_phone_number`, `invalid_query`, `invalid_request` (`limit` out of range, a `before` that is no id)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn timeline(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<TimelineParams>,
) -> Result<HttpResponse, ApiError> {
    timeline_page(&state, &req, &path, None, q.into_inner()).await
}

/// A conversation's private notes.
///
/// `GET /contacts/{phone}/notes?limit=&before=`: the timeline's notes only, newest first.
#[utoipa::path(
    get,
    path = "/api/whatsapp/contacts/{phone}/notes",
    operation_id = "list_notes",
    tag = "inbox",
    params(("phone" = CustomerKeyText, Path, description = PHONE), TimelineParams),
    responses(
        (status = 200, description = "One page, newest first", body = TimelinePage),
        (status = 400, description = "`invalid_phone_number`, `invalid_query`, `invalid_request` (`limit` out of range, a `before` that is no id)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn notes(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<TimelineParams>,
) -> Result<HttpResponse, ApiError> {
    timeline_page(
        &state,
        &req,
        &path,
        Some(TimelineKind::Note),
        q.into_inner(),
    )
    .await
}

/// Write a private note.
///
/// `POST /contacts/{phone}/notes` `{"body"}`: a note for operators only, never sent to
/// WhatsApp; `@Display Name` or `@local-part` (of an operator's e-mail address) mentions an
/// active operator. Recorded in the timeline, the audit trail (`note_added`) and the event
/// stream.
#[utoipa::path(
    post,
    path = "/api/whatsapp/contacts/{phone}/notes",
    operation_id = "add_note",
    tag = "inbox",
    params(("phone" = CustomerKeyText, Path, description = PHONE)),
    request_body = NoteBody,
    responses(
        (status = 201, description = "The note, with the operators it mentions", body = TimelineEntry),
        (status = 400, description = "`invalid_phone_number`, `invalid_json`, `invalid_note` (empty, over 4096 characters, NUL)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn add_note(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NoteBody>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let e = inbox::add_note(
        state.store.as_ref(),
        key,
        &body.into_inner().body,
        change(&state, &req),
    )
    .await?;
    Ok(HttpResponse::Created().json(e))
}

/// Notes that mention me.
///
/// `GET /mentions?limit=`: the notes mentioning the logged-in operator, newest first.
#[utoipa::path(
    get,
    path = "/api/whatsapp/mentions",
    operation_id = "my_mentions",
    tag = "inbox",
    params(MentionParams),
    responses(
        (status = 200, description = "Notes mentioning the caller", body = MentionList),
        (status = 400, description = "`invalid_query`, `invalid_request` (`limit` out of range), `not_an_operator` (the API key or the open mode: nobody to be mentioned)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn mentions(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<MentionParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = Limit::PAGE.read(q.into_inner().limit)?;
    let Actor::Operator { id, .. } = Principal::of(&req).actor else {
        return Err(not_an_operator());
    };
    let notes = read(state.store.as_ref(), move |r| {
        r.notes_mentioning(&id, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MentionList { notes }))
}

/// The answer of `GET /assignees`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssigneeList {
    /// Every active operator, by display name.
    pub assignees: Vec<Assignee>,
}

/// Who conversations may be assigned to.
///
/// `GET /assignees`: every active operator's id and display name (no e-mail address or role),
/// for agents too: what the widget's "assign to" list and `@mentions` offer.
#[utoipa::path(
    get,
    path = "/api/whatsapp/assignees",
    operation_id = "list_assignees",
    tag = "inbox",
    responses(
        (status = 200, description = "The active operators", body = AssigneeList),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn assignees(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut assignees: Vec<Assignee> = read(state.store.as_ref(), |r| r.list_operators())
        .await?
        .into_iter()
        .filter(|o| o.is_active)
        .map(|o| Assignee {
            id: o.id,
            display_name: o.display_name,
        })
        .collect();
    assignees.sort_by_key(|a| a.display_name.to_lowercase());
    Ok(HttpResponse::Ok().json(AssigneeList { assignees }))
}

/// 400 `not_an_operator`: the request needs a logged-in operator.
#[must_use]
pub fn not_an_operator() -> ApiError {
    ApiError::bad_request(
        "not_an_operator",
        "only a logged-in operator has conversations of its own (the API key and the open mode do not)",
    )
}
