//! `/api/whatsapp/rules`, `/api/whatsapp/numbers/{phone_number_id}/automation` and
//! `/api/whatsapp/contacts/{phone}/bot`: automation rules, a number's business hours and
//! automatic replies, and handing a conversation to a bot subscription and back (issue 21).
//! Every operator reads rules and settings; writing them is admins'
//! (`Capability::ManageAutomations`, `Capability::Settings`, by the guard's role check). The
//! bot's hand-over and hand-back are answering a conversation (an operator or the API key,
//! i.e. the bot).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wacloud_core::automation::{AutomationProblem, AutomationSettings, Rule, RuleDraft};
use wacloud_core::usecases::automation;

use crate::errors::{ApiError, ErrorBody};
use crate::routes::inbox::change;
use crate::routes::params::{check_id, contact_key, CustomerKeyText};
use crate::state::AppState;

fn problem(p: AutomationProblem) -> ApiError {
    ApiError::bad_request(p.code, p.message).with("field", p.field)
}

/// The answer of `GET /rules`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    /// Every rule, in the order they run (`position`, then creation).
    pub rules: Vec<Rule>,
}

/// List rules.
///
/// `GET /rules`: every rule in order, with its counters. Every operator.
#[utoipa::path(
    get,
    path = "/api/whatsapp/rules",
    operation_id = "list_rules",
    tag = "automations",
    responses(
        (status = 200, description = "The rules", body = RuleList),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rules = automation::rules(state.store.as_ref()).await?;
    Ok(HttpResponse::Ok().json(RuleList { rules }))
}

/// A rule.
///
/// `GET /rules/{id}`: the rule with its counters (`runs`, `failures`, `last_run_at`,
/// `last_error`).
#[utoipa::path(
    get,
    path = "/api/whatsapp/rules/{id}",
    operation_id = "get_rule",
    tag = "automations",
    params(("id" = String, Path, min_length = 1, description = "The rule's id")),
    responses(
        (status = 200, description = "The rule", body = Rule),
        (status = 404, description = "`not_found`: no such rule", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "rule")?;
    Ok(HttpResponse::Ok().json(automation::rule(state.store.as_ref(), id).await?))
}

/// Create a rule.
///
/// `POST /rules`: `{"name", "position"?, "enabled"?, "stop_after"?, "conditions", "actions"}`.
/// Admins only. A refused rule is answered 400 with `field`, the path of what is wrong
/// (`conditions.regex`, `actions[1].text`).
#[utoipa::path(
    post,
    path = "/api/whatsapp/rules",
    operation_id = "create_rule",
    tag = "automations",
    request_body = RuleDraft,
    responses(
        (status = 201, description = "Created", body = Rule),
        (status = 400, description = "`invalid_json`, `invalid_rule`, `invalid_condition`, `invalid_regex`, `invalid_action`, `invalid_template`, `unknown_template`, `unknown_operator`, `unknown_subscription` (`field`: `actions`), `unknown_number` (`conditions.phone_number_id`)", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RuleDraft>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner();
    draft.check().map_err(problem)?;
    rule_number(&state, &draft)?;
    let rule =
        automation::put_rule(state.store.as_ref(), None, draft, change(&state, &req)).await?;
    Ok(HttpResponse::Created().json(rule))
}

/// Replace a rule.
///
/// `PUT /rules/{id}`: the whole definition, as `POST /rules` takes it (a `position` left out
/// keeps the rule's place); the counters stay. Admins only.
#[utoipa::path(
    put,
    path = "/api/whatsapp/rules/{id}",
    operation_id = "update_rule",
    tag = "automations",
    params(("id" = String, Path, min_length = 1, description = "The rule's id")),
    request_body = RuleDraft,
    responses(
        (status = 200, description = "The rule, after the change", body = Rule),
        (status = 400, description = "`invalid_json`, `invalid_rule`, `invalid_condition`, `invalid_regex`, `invalid_action`, `invalid_template`, `unknown_template`, `unknown_operator`, `unknown_subscription` (`field`: `actions`), `unknown_number` (`conditions.phone_number_id`)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such rule", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<RuleDraft>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "rule")?;
    let draft = body.into_inner();
    draft.check().map_err(problem)?;
    rule_number(&state, &draft)?;
    let rule =
        automation::put_rule(state.store.as_ref(), Some(id), draft, change(&state, &req)).await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// Delete a rule.
///
/// `DELETE /rules/{id}`. Admins only.
#[utoipa::path(
    delete,
    path = "/api/whatsapp/rules/{id}",
    operation_id = "delete_rule",
    tag = "automations",
    params(("id" = String, Path, min_length = 1, description = "The rule's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`not_found`: no such rule", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "rule")?;
    automation::delete_rule(state.store.as_ref(), id, change(&state, &req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A rule's `conditions.phone_number_id` must name one of this server's numbers: any other
/// would never match, which the admin would learn only from a rule that never runs.
fn rule_number(state: &AppState, draft: &RuleDraft) -> Result<(), ApiError> {
    match &draft.conditions.phone_number_id {
        Some(n) if !state.numbers.ours().contains(n) => Err(ApiError::bad_request(
            "unknown_number",
            format!("conditions.phone_number_id: {n:?} is not one of this server's numbers; GET /api/whatsapp/numbers lists them (phone_number_id)"),
        )
        .with("field", "conditions.phone_number_id")),
        _ => Ok(()),
    }
}

fn our_number(state: &AppState, phone_number_id: &str) -> Result<(), ApiError> {
    if state.numbers.ours().contains(phone_number_id) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "no number {phone_number_id}; GET /api/whatsapp/numbers lists them (phone_number_id)"
        )))
    }
}

/// A number's automatic replies.
///
/// `GET /numbers/{phone_number_id}/automation`: business hours, welcome and away replies and
/// the interval between two automatic replies (all off when never set).
#[utoipa::path(
    get,
    path = "/api/whatsapp/numbers/{phone_number_id}/automation",
    operation_id = "get_number_automation",
    tag = "automations",
    params(("phone_number_id" = String, Path, description = "Meta's id of the business number")),
    responses(
        (status = 200, description = "The settings", body = AutomationSettings),
        (status = 404, description = "`not_found`: not one of this server's numbers", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn get_settings(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    our_number(&state, &id)?;
    Ok(HttpResponse::Ok().json(automation::settings(state.store.as_ref(), id).await?))
}

/// Set a number's automatic replies.
///
/// `PUT /numbers/{phone_number_id}/automation`: the whole settings (`hours` with `time_zone`,
/// `openings` and `holidays`; `welcome_text`; `away_text`; `away_template`;
/// `interval_minutes`). Admins only. A refused one is answered 400 with `field`, the path of
/// what is wrong (`hours.openings[0].close`).
#[utoipa::path(
    put,
    path = "/api/whatsapp/numbers/{phone_number_id}/automation",
    operation_id = "put_number_automation",
    tag = "automations",
    params(("phone_number_id" = String, Path, description = "Meta's id of the business number")),
    request_body = AutomationSettings,
    responses(
        (status = 200, description = "The settings, after the change", body = AutomationSettings),
        (status = 400, description = "`invalid_json`, `invalid_automation`, `invalid_template`, `unknown_template`, `invalid_time_zone`, `invalid_opening`, `too_many_openings`, `too_many_holidays` (with `field`)", body = ErrorBody),
        (status = 404, description = "`not_found`: not one of this server's numbers", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn put_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<AutomationSettings>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    our_number(&state, &id)?;
    let s = body.into_inner();
    s.check().map_err(problem)?;
    let s = automation::put_settings(state.store.as_ref(), id, s, change(&state, &req)).await?;
    Ok(HttpResponse::Ok().json(s))
}

/// Body of `POST /contacts/{phone}/bot`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BotBody {
    /// The bot subscription that takes the conversation.
    #[schema(min_length = 1, max_length = 64)]
    pub subscription_id: String,
}

/// The answer of `POST` and `DELETE /contacts/{phone}/bot`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BotAnswer {
    /// The bot that owns the conversation now; `null`: the operators do.
    pub bot: Option<automation::BotOwner>,
}

/// Hand a conversation to a bot.
///
/// `POST /contacts/{phone}/bot` `{"subscription_id"}`: the bot subscription answers the
/// conversation (no automatic reply or rule reply is sent meanwhile) until it, or an
/// operator, hands it back. The subscription must be active and flagged `bot`
/// (`/subscriptions`). Recorded in the timeline (`bot_changed`) and the audit trail.
#[utoipa::path(
    post,
    path = "/api/whatsapp/contacts/{phone}/bot",
    operation_id = "hand_over_to_bot",
    tag = "automations",
    params(("phone" = CustomerKeyText, Path, description = "The contact: a phone number or a BSUID; `?number=<phone_number_id>` names whose contact")),
    request_body = BotBody,
    responses(
        (status = 200, description = "The bot owns the conversation", body = BotAnswer),
        (status = 400, description = "`invalid_phone_number`, `invalid_json`, `invalid_subscription` (no active bot subscription has the id)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn hand_over(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<BotBody>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let id = body.into_inner().subscription_id;
    check_id(&id, "subscription")
        .map_err(|e| ApiError::bad_request("invalid_subscription", e.message))?;
    let bot =
        automation::hand_over(state.store.as_ref(), key, Some(id), change(&state, &req)).await?;
    Ok(HttpResponse::Ok().json(BotAnswer { bot }))
}

/// Take a conversation back from its bot.
///
/// `DELETE /contacts/{phone}/bot`: the operators own the conversation again (the bot itself,
/// with the API key, or an operator). Nothing changes when no bot owns it.
#[utoipa::path(
    delete,
    path = "/api/whatsapp/contacts/{phone}/bot",
    operation_id = "hand_back_from_bot",
    tag = "automations",
    params(("phone" = CustomerKeyText, Path, description = "The contact: a phone number or a BSUID; `?number=<phone_number_id>` names whose contact")),
    responses(
        (status = 200, description = "No bot owns the conversation", body = BotAnswer),
        (status = 400, description = "`invalid_phone_number`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn hand_back(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = contact_key(&req, &path)?;
    let bot = automation::hand_over(state.store.as_ref(), key, None, change(&state, &req)).await?;
    Ok(HttpResponse::Ok().json(BotAnswer { bot }))
}

/// The bot of a contact's conversation, for `GET /contacts/{phone}`.
pub(crate) async fn bot_of(
    state: &AppState,
    contact_id: String,
) -> Result<Option<automation::BotOwner>, ApiError> {
    Ok(automation::bot_of(state.store.as_ref(), contact_id).await?)
}
