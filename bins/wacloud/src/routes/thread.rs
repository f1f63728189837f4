//! Conversation Routing on a contact's conversation: `GET /contacts/{phone}/thread` (who owns
//! the thread) and `POST /contacts/{phone}/thread` (Meta's thread control: `take`, `release`,
//! `pass`). The rules are `wacloud_core::routing`'s, the use cases `usecases::routing`'s.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wacloud_core::routing::{PassTarget, ThreadAction, ThreadOwner, ThreadState};
use wacloud_core::usecases::routing;

use crate::errors::{ApiError, ErrorBody};
use crate::routes::inbox::change;
use crate::routes::params::{contact_key, CustomerKeyText};
use crate::state::AppState;

const PHONE: &str = "The contact: a phone number (`+` may be sent as `%2B` or left out) or a BSUID";

/// Body of `POST /contacts/{phone}/thread`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadBody {
    /// `take` (make the thread wacloud's: Meta allows it to the business's escalation
    /// partner), `release` (give it up; the customer's next message picks the owner) or
    /// `pass` (hand it to the escalation partner, or to Meta's business AI with
    /// `target_role`).
    pub action: ThreadAction,
    /// With `pass` only: `ai_agent` passes to Meta's business AI; absent, to the escalation
    /// partner.
    pub target_role: Option<String>,
    /// With `pass` to the escalation partner only: that app's id, recorded as the owner
    /// (Meta's WhatsApp pass itself names no app).
    pub target_app_id: Option<String>,
    /// Free text Meta forwards to the app receiving the thread, at most 2000 characters.
    #[schema(max_length = 2000)]
    pub metadata: Option<String>,
}

/// A conversation's thread, as answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadView {
    /// Who owns it.
    pub owner: ThreadOwner,
    /// The other app's id, when known.
    pub app_id: Option<String>,
    /// When ownership last changed; `null` when never.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Who owns it, in words ("Meta's business AI", "another app (id 123)", …).
    pub label: String,
    /// Whether wacloud may send free-form messages (templates are always allowed).
    pub may_send_free_form: bool,
}

impl From<ThreadState> for ThreadView {
    fn from(t: ThreadState) -> Self {
        Self {
            label: t.label(),
            may_send_free_form: !t.owner.is_another(),
            owner: t.owner,
            app_id: t.app_id,
            since: t.since,
        }
    }
}

/// Who owns a conversation's thread.
///
/// `GET /contacts/{phone}/thread`: `wacloud` unless Meta's webhooks or a thread control call
/// said otherwise (`ai_agent`, `app`, `business_app`, `released`).
#[utoipa::path(
    get,
    path = "/api/whatsapp/contacts/{phone}/thread",
    operation_id = "get_thread",
    tag = "inbox",
    params(("phone" = CustomerKeyText, Path, description = PHONE)),
    responses(
        (status = 200, description = "The thread", body = ThreadView),
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
    let t = routing::thread(state.store.as_ref(), key).await?;
    Ok(HttpResponse::Ok().json(ThreadView::from(t)))
}

/// Take, release or pass a conversation's thread.
///
/// `POST /contacts/{phone}/thread` `{"action": "take"|"release"|"pass"}` calls Meta's thread
/// control (`POST /{phone_number_id}/thread_control`) and records the new owner: Meta does not
/// tell the caller (its `messaging_handovers` notice goes to the other app). Recorded in the
/// timeline (`thread_owner_changed`) and the audit trail (`thread_control`).
#[utoipa::path(
    post,
    path = "/api/whatsapp/contacts/{phone}/thread",
    operation_id = "thread_control",
    tag = "inbox",
    params(("phone" = CustomerKeyText, Path, description = PHONE)),
    request_body = ThreadBody,
    responses(
        (status = 200, description = "The thread, after the change", body = ThreadView),
        (status = 400, description = "`invalid_phone_number`, `invalid_json`, `invalid_request` (`target_role` or `target_app_id` without `pass`, a `target_role` other than `ai_agent`), `metadata_too_long`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 502, description = "`graph_error`: Meta refused (2494191: a `take` by an app that is not the escalation partner, or an action on a thread this app does not own)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`, `meta_unreachable`", body = ErrorBody),
        (status = 504, description = "`outcome_unknown`: Meta did not answer; look at the thread before trying again", body = ErrorBody),
    ),
)]
pub async fn control(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ThreadBody>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let messenger = state
        .numbers
        .messenger_named(key.number.as_deref(), "number")?;
    let b = body.into_inner();
    let target = match (b.action, b.target_role.as_deref(), b.target_app_id) {
        (ThreadAction::Pass, Some("ai_agent"), None) => Some(PassTarget::AiAgent),
        (ThreadAction::Pass, None, app) => Some(PassTarget::Partner(app)),
        (ThreadAction::Pass, Some(_), _) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "target_role is `ai_agent` (Meta's business AI) or absent (the escalation partner, optionally named by target_app_id)",
            ))
        }
        (_, None, None) => None,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "target_role and target_app_id go with action `pass` only",
            ))
        }
    };
    let t = routing::control(
        state.store.as_ref(),
        messenger.as_ref(),
        key.customer,
        b.action,
        target,
        b.metadata,
        change(&state, &req),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ThreadView::from(t)))
}
