//! Groups (Meta's Groups API), listed apart from the one-to-one conversations of `/contacts`:
//! `GET /groups`, `GET /groups/{id}`, `GET /groups/{id}/messages`, `POST /groups` (create),
//! `GET`/`POST /groups/{id}/invite-link` (read / reset), `POST /groups/{id}/participants/remove`
//! and `POST /groups/{id}/messages` (a text to the group). `{id}` is wacloud's id of the group
//! or Meta's group id. The rules are `wacloud_core::group`'s, the use cases
//! `usecases::groups`'.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::group::{Group, NewGroup};
use wacloud_core::message::Message;
use wacloud_core::usecases::groups;

use crate::auth::Principal;
use crate::errors::{ApiError, ErrorBody};
use crate::routes::messages::{decode_cursor, encode_cursor};
use crate::routes::params::Limit;
use crate::state::AppState;

const ID: &str = "wacloud's id of the group, or Meta's group id";

/// Query of `GET /groups`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only the groups of this business number (`phone_number_id`).
    number: Option<String>,
}

/// The answer of `GET /groups`.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    /// The groups, the most recently changed first (at most 500), each with its participants
    /// (`state`: `joined`, `left`, `removed`).
    groups: Vec<Group>,
}

/// Body of `POST /groups`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// The subject (the group's name): 1 to 128 characters once trimmed (Meta's limit).
    #[schema(max_length = 128)]
    pub subject: String,
    /// The description: at most 2048 characters (Meta's limit).
    #[schema(max_length = 2048)]
    pub description: Option<String>,
    /// `approval_required` (the business approves each join request) or `auto_approve`.
    pub join_approval_mode: Option<String>,
    /// The business number to create it on (`phone_number_id`); absent: the default number.
    pub phone_number_id: Option<String>,
}

/// Body of `POST /groups/{id}/participants/remove`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveBody {
    /// 1 to 8 participants in the group (Meta's limit per request), each a `wa_id` (digits, a
    /// leading `+` is dropped) or a BSUID.
    pub participants: Vec<String>,
}

/// Body of `POST /groups/{id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupTextBody {
    /// The text: 1 to 4096 characters (Meta's limit).
    #[schema(max_length = 4096)]
    pub text: String,
}

/// The answer of the invite link routes.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteLink {
    /// The link (`https://chat.whatsapp.com/…`).
    invite_link: String,
}

/// Query of `GET /groups/{id}/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Page size.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    before: Option<String>,
}

/// One page of a group's messages, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupMessages {
    /// The page, newest first (inbound ones carry the sender in `from_phone`).
    messages: Vec<Message>,
    /// Pass as `before` for the next (older) page; `null` at the end.
    next_cursor: Option<String>,
    /// Whether older messages exist.
    has_more: bool,
}

/// The groups.
///
/// `GET /groups`: every group wacloud knows of (created here, or named by Meta's `group_*`
/// webhooks), with its subject, description, invite link, status and participants. Apart from
/// `/contacts`: a group's messages never make a contact.
#[utoipa::path(
    get,
    path = "/api/whatsapp/groups",
    operation_id = "list_groups",
    tag = "groups",
    params(ListQuery),
    responses(
        (status = 200, description = "The groups", body = GroupList),
        (status = 400, description = "`invalid_query`, `invalid_number` (`number` is not digits), `unknown_number` (no business number of this server)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let number = super::params::our_number(&state.our_numbers, q.into_inner().number)?;
    let groups = groups::list(state.store.as_ref(), number).await?;
    Ok(HttpResponse::Ok().json(GroupList { groups }))
}

/// One group.
#[utoipa::path(
    get,
    path = "/api/whatsapp/groups/{id}",
    operation_id = "get_group",
    tag = "groups",
    params(("id" = String, Path, description = ID)),
    responses(
        (status = 200, description = "The group", body = Group),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let g = groups::get(state.store.as_ref(), path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(g))
}

/// A group's messages.
///
/// `GET /groups/{id}/messages?limit=&before=`: what participants wrote in the group and what
/// the business sent to it, newest first, paged like `GET /messages`.
#[utoipa::path(
    get,
    path = "/api/whatsapp/groups/{id}/messages",
    operation_id = "list_group_messages",
    tag = "groups",
    params(("id" = String, Path, description = ID), MessagesQuery),
    responses(
        (status = 200, description = "One page", body = GroupMessages),
        (status = 400, description = "`invalid_query`, `invalid_request` (`limit`), `invalid_cursor`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn messages(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<MessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let limit = Limit::PAGE.read(q.limit)?;
    let before = match q.before.as_deref().filter(|b| !b.is_empty()) {
        None => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            ApiError::bad_request("invalid_cursor", "before is not a cursor this API returned")
                .with("field", "before")
        })?),
    };
    let (messages, has_more) =
        groups::messages(state.store.as_ref(), path.into_inner(), limit, before).await?;
    let next_cursor = has_more
        .then(|| messages.last().map(|m| encode_cursor(m.created_at, &m.id)))
        .flatten();
    Ok(HttpResponse::Ok().json(GroupMessages {
        messages,
        next_cursor,
        has_more,
    }))
}

/// Create a group.
///
/// `POST /groups` `{"subject", "description"?, "join_approval_mode"?}` checks Meta's limits
/// (subject 1 to 128 characters, description at most 2048) and calls Meta (`POST
/// /{phone_number_id}/groups`). Meta creates the group asynchronously: the answer is the group
/// as `creating`, which the `group_lifecycle_update` webhook makes `active` with its group id,
/// invite link and participants. People join through the invite link.
#[utoipa::path(
    post,
    path = "/api/whatsapp/groups",
    operation_id = "create_group",
    tag = "groups",
    request_body = CreateBody,
    responses(
        (status = 202, description = "Asked of Meta: the group, `creating`", body = Group),
        (status = 400, description = "`invalid_json`, `invalid_subject`, `subject_too_long`, `description_too_long`, `invalid_join_approval_mode`, `unknown_number`", body = ErrorBody),
        (status = 502, description = "`graph_error`: Meta refused (131215 groups not enabled for the number, 131211 group limit reached)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`, `meta_unreachable`", body = ErrorBody),
        (status = 504, description = "`outcome_unknown`", body = ErrorBody),
    ),
)]
pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let messenger = state
        .numbers
        .messenger_named(b.phone_number_id.as_deref(), "phone_number_id")?;
    let new = NewGroup {
        subject: b.subject,
        description: b.description,
        join_approval_mode: b.join_approval_mode,
    };
    let g = groups::create(
        state.store.as_ref(),
        messenger.as_ref(),
        new,
        chrono::Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(g))
}

async fn link(state: &AppState, id: String, reset: bool) -> Result<HttpResponse, ApiError> {
    let g = groups::get(state.store.as_ref(), id).await?;
    let messenger = state.numbers.messenger(Some(&g.phone_number_id))?;
    let invite_link =
        groups::invite_link(state.store.as_ref(), messenger.as_ref(), g.id, reset).await?;
    Ok(HttpResponse::Ok().json(InviteLink { invite_link }))
}

/// A group's invite link.
///
/// `GET /groups/{id}/invite-link` asks Meta for the current link (`GET
/// /{group_id}/invite_link`) and keeps it on the group.
#[utoipa::path(
    get,
    path = "/api/whatsapp/groups/{id}/invite-link",
    operation_id = "get_group_invite_link",
    tag = "groups",
    params(("id" = String, Path, description = ID)),
    responses(
        (status = 200, description = "The link", body = InviteLink),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`group_not_created` (Meta has not named it yet), `group_deleted`, `group_suspended`", body = ErrorBody),
        (status = 502, description = "`graph_error`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`, `meta_unreachable`", body = ErrorBody),
    ),
)]
pub async fn invite_link(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    link(&state, path.into_inner(), false).await
}

/// Reset a group's invite link.
///
/// `POST /groups/{id}/invite-link` makes Meta replace the link (`POST
/// /{group_id}/invite_link`); the old one stops working.
#[utoipa::path(
    post,
    path = "/api/whatsapp/groups/{id}/invite-link",
    operation_id = "reset_group_invite_link",
    tag = "groups",
    params(("id" = String, Path, description = ID)),
    responses(
        (status = 200, description = "The new link", body = InviteLink),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`group_not_created`, `group_deleted`, `group_suspended`", body = ErrorBody),
        (status = 502, description = "`graph_error`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`, `meta_unreachable`", body = ErrorBody),
        (status = 504, description = "`outcome_unknown`", body = ErrorBody),
    ),
)]
pub async fn reset_invite_link(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    link(&state, path.into_inner(), true).await
}

/// Remove participants from a group.
///
/// `POST /groups/{id}/participants/remove` `{"participants": ["16505551234"]}`: 1 to 8
/// participants, each in the group now, removed through Meta (`DELETE
/// /{group_id}/participants`). The group's state changes when Meta's
/// `group_participants_update` webhook confirms it; the answer is the group as it was.
#[utoipa::path(
    post,
    path = "/api/whatsapp/groups/{id}/participants/remove",
    operation_id = "remove_group_participants",
    tag = "groups",
    params(("id" = String, Path, description = ID)),
    request_body = RemoveBody,
    responses(
        (status = 202, description = "Asked of Meta: the group before the removal", body = Group),
        (status = 400, description = "`invalid_json`, `invalid_participants` (none, more than 8, a duplicate), `not_a_participant`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`group_not_created`, `group_deleted`, `group_suspended`", body = ErrorBody),
        (status = 502, description = "`graph_error`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`, `meta_unreachable`", body = ErrorBody),
        (status = 504, description = "`outcome_unknown`", body = ErrorBody),
    ),
)]
pub async fn remove_participants(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<RemoveBody>,
) -> Result<HttpResponse, ApiError> {
    let g = groups::get(state.store.as_ref(), path.into_inner()).await?;
    let messenger = state.numbers.messenger(Some(&g.phone_number_id))?;
    let g = groups::remove_participants(
        state.store.as_ref(),
        messenger.as_ref(),
        g.id,
        body.into_inner().participants,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(g))
}

/// Send a text to a group.
///
/// `POST /groups/{id}/messages` `{"text"}` sends to the group (Meta: `recipient_type:
/// "group"`, the group id as `to`) and keeps the message among the group's; its statuses
/// arrive as for any message. Groups have no customer service window rule of their own here.
#[utoipa::path(
    post,
    path = "/api/whatsapp/groups/{id}/messages",
    operation_id = "send_group_text",
    tag = "groups",
    params(("id" = String, Path, description = ID)),
    request_body = GroupTextBody,
    responses(
        (status = 201, description = "Accepted by Meta: the message, with its `wamid`", body = Message),
        (status = 400, description = "`invalid_json`, `invalid_text`, `text_too_long`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`group_not_created`, `group_deleted`, `group_suspended`, `group_has_no_participants` (Meta's 131020)", body = ErrorBody),
        (status = 502, description = "`graph_error`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`, `meta_unreachable`", body = ErrorBody),
        (status = 504, description = "`outcome_unknown`", body = ErrorBody),
    ),
)]
pub async fn send_text(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<GroupTextBody>,
) -> Result<HttpResponse, ApiError> {
    // The text is refused as such whichever group it is for.
    wacloud_core::group::check_text(&body.text)?;
    let g = groups::get(state.store.as_ref(), path.into_inner()).await?;
    let messenger = state.numbers.messenger(Some(&g.phone_number_id))?;
    let m = groups::send_text(
        state.store.as_ref(),
        messenger.as_ref(),
        g.id,
        body.into_inner().text,
        Some(Principal::of(&req).actor),
        chrono::Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(m))
}
