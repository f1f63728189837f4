//! `/api/whatsapp/subscriptions`: outgoing webhooks (issue 21), signed as Standard Webhooks
//! says (`webhook-id`, `webhook-timestamp`, `webhook-signature`), with their deliveries and
//! attempts. Admins only (`Capability::Settings`, by the guard's role check). A change counts
//! for every write that begins after it commits, on every instance: ingestion reads the
//! subscriptions inside its transaction (`Repos::outbox_interest`).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wacloud_core::outbox::{OutboxAttempt, OutboxItem, OutboxState, Subscription};
use wacloud_core::usecases::subscriptions::{self as subs, ChangeError, SubscriptionInput};

use crate::errors::{ApiError, ErrorBody};
use crate::outbox::sign::{new_secret, valid_secret};
use crate::routes::params::check_id;
use crate::state::AppState;

/// Body of `POST /subscriptions` and `PUT /subscriptions/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionBody {
    /// Where deliveries are POSTed: `http://` or `https://`, at most 2048 bytes.
    #[schema(min_length = 1, max_length = 2048)]
    pub url: String,
    /// Event types: `message.received`, `message.status`, `message.failed`,
    /// `conversation.assigned`, `conversation.resolved`, `batch.finished`.
    pub events: Vec<String>,
    /// On create only: the signing secret, `whsec_` + base64 of 24–64 bytes; generated when
    /// absent (and shown once, in the answer).
    #[serde(default)]
    pub secret: Option<String>,
    /// The receiver is a bot (its replies are not answered by rules).
    #[serde(default)]
    pub bot: bool,
    /// Deliveries are made (default `true`).
    #[serde(default = "yes")]
    pub active: bool,
    /// A note, at most 500 characters.
    #[serde(default)]
    pub description: Option<String>,
}

const fn yes() -> bool {
    true
}

/// A subscription as shown (its secret only on create and rotation).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// Its id.
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<&'static str>,
    /// The receiver is a bot.
    pub bot: bool,
    /// Deliveries are made.
    pub active: bool,
    /// A note.
    pub description: Option<String>,
    /// Until when the last of the previous secrets still signs (after rotations; each signs
    /// until its own grace period ends, at most 5 of them).
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The signing secret: only in the answers of create and rotate-secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl SubscriptionView {
    fn of(s: Subscription, show_secret: bool) -> Self {
        let previous_secret_until = s.previous_until();
        Self {
            events: s.events.iter().map(|e| e.as_str()).collect(),
            secret: show_secret.then_some(s.secret),
            id: s.id,
            url: s.url,
            bot: s.bot,
            active: s.active,
            description: s.description,
            previous_secret_until,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The answer of `GET /subscriptions`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    /// Every subscription, oldest first.
    pub subscriptions: Vec<SubscriptionView>,
}

/// A delivery of an event to a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Its id.
    pub id: String,
    /// The event's id: the `webhook-id` header of every attempt.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// `pending`, `leased` (in flight), `done` or `dead`.
    pub state: &'static str,
    /// Attempts made.
    pub attempts: i32,
    /// When it is next tried (pending).
    pub next_attempt_at: DateTime<Utc>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// A dead delivery was put back once.
    pub redelivered: bool,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    /// When it became done or dead.
    pub finished_at: Option<DateTime<Utc>>,
    /// The body sent (JSON text).
    pub payload: String,
    /// Each attempt, oldest first (`GET …/deliveries/{delivery_id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_made: Option<Vec<AttemptView>>,
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// When it started.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; none on a connection error or timeout.
    pub status_code: Option<i32>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

impl DeliveryView {
    fn of(i: OutboxItem, attempts: Option<Vec<OutboxAttempt>>) -> Self {
        Self {
            state: i.state.as_str(),
            id: i.id,
            event_id: i.event_id,
            event_type: i.event_type,
            attempts: i.attempts,
            next_attempt_at: i.next_attempt_at,
            last_error: i.last_error,
            redelivered: i.redelivered,
            created_at: i.created_at,
            finished_at: i.finished_at,
            payload: i.payload,
            attempts_made: attempts.map(|a| {
                a.into_iter()
                    .map(|a| AttemptView {
                        attempted_at: a.attempted_at,
                        status_code: a.status_code,
                        error: a.error,
                        duration_ms: a.duration_ms,
                    })
                    .collect()
            }),
        }
    }
}

/// The answer of `GET /subscriptions/{id}/deliveries`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub deliveries: Vec<DeliveryView>,
    /// The `before` of the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

/// Query of `GET /subscriptions/{id}/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only deliveries in this state: `pending`, `leased`, `done` or `dead`.
    pub state: Option<String>,
    /// At most this many, 1–200 (default 50). Read as text so that one that is not a number
    /// is answered `invalid_limit` naming `limit`, like one out of range.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Only deliveries older than this one: the previous page's `next_before`.
    pub before: Option<String>,
}

/// Body of `POST /subscriptions/{id}/rotate-secret`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateBody {
    /// The new secret (`whsec_` + base64 of 24–64 bytes); generated when absent.
    #[serde(default)]
    pub secret: Option<String>,
    /// Seconds the old secret keeps signing too, 0–604800 (default 86400).
    #[serde(default)]
    pub grace_secs: Option<i64>,
}

fn invalid(e: ChangeError) -> ApiError {
    match e {
        ChangeError::Invalid(e) => {
            let (code, field) = match &e {
                subs::SubscriptionError::InvalidUrl | subs::SubscriptionError::UserInfo => {
                    ("invalid_url", "url")
                }
                subs::SubscriptionError::PrivateUrl => ("private_url", "url"),
                subs::SubscriptionError::UnknownEvent(_) => ("unknown_event", "events"),
                subs::SubscriptionError::NoEvents => ("invalid_events", "events"),
                subs::SubscriptionError::InvalidDescription => {
                    ("invalid_description", "description")
                }
            };
            ApiError::bad_request(code, e.to_string()).with("field", field)
        }
        ChangeError::Store(e) => e.into(),
    }
}

fn input(state: &AppState, b: SubscriptionBody) -> SubscriptionInput {
    SubscriptionInput {
        allow_private: state.settings.webhooks.allow_private,
        url: b.url,
        events: b.events,
        bot: b.bot,
        active: b.active,
        description: b.description,
    }
}

fn check_secret(secret: Option<String>) -> Result<String, ApiError> {
    match secret {
        None => Ok(new_secret()),
        Some(s) if valid_secret(&s) => Ok(s),
        Some(_) => Err(ApiError::bad_request(
            "invalid_secret",
            "secret must be whsec_ followed by the base64 of 24 to 64 bytes",
        )
        .with("field", "secret")),
    }
}

/// List subscriptions.
///
/// `GET /subscriptions`: every outgoing webhook subscription (without secrets). Admins only.
#[utoipa::path(
    get,
    path = "/api/whatsapp/subscriptions",
    operation_id = "list_subscriptions",
    tag = "webhooks",
    responses(
        (status = 200, description = "The subscriptions", body = SubscriptionList),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let subscriptions = subs::list(state.store.as_ref())
        .await?
        .into_iter()
        .map(|s| SubscriptionView::of(s, false))
        .collect();
    Ok(HttpResponse::Ok().json(SubscriptionList { subscriptions }))
}

/// Add a subscription.
///
/// `POST /subscriptions` `{"url", "events", "secret"?, "bot"?, "active"?, "description"?}`:
/// the answer shows the secret, once. Admins only.
#[utoipa::path(
    post,
    path = "/api/whatsapp/subscriptions",
    operation_id = "create_subscription",
    tag = "webhooks",
    request_body = SubscriptionBody,
    responses(
        (status = 201, description = "Created; `secret` shown this once", body = SubscriptionView),
        (status = 400, description = "`invalid_json`, `invalid_url`, `private_url`, `unknown_event`, `invalid_events`, `invalid_secret`, `invalid_description`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<SubscriptionBody>,
) -> Result<HttpResponse, ApiError> {
    let mut b = body.into_inner();
    let secret = check_secret(b.secret.take())?;
    let s = subs::create(
        state.store.as_ref(),
        input(&state, b),
        secret,
        state.clock.now(),
    )
    .await
    .map_err(invalid)?;
    Ok(HttpResponse::Created().json(SubscriptionView::of(s, true)))
}

/// Show a subscription.
///
/// `GET /subscriptions/{id}` (without its secret). Admins only.
#[utoipa::path(
    get,
    path = "/api/whatsapp/subscriptions/{id}",
    operation_id = "get_subscription",
    tag = "webhooks",
    params(("id" = String, Path, min_length = 1, description = "The subscription's id")),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "subscription")?;
    let s = subs::get(state.store.as_ref(), id).await?;
    Ok(HttpResponse::Ok().json(SubscriptionView::of(s, false)))
}

/// Change a subscription.
///
/// `PUT /subscriptions/{id}` with the whole body of create (a `secret` is refused here: use
/// rotate-secret). Admins only.
#[utoipa::path(
    put,
    path = "/api/whatsapp/subscriptions/{id}",
    operation_id = "update_subscription",
    tag = "webhooks",
    params(("id" = String, Path, min_length = 1, description = "The subscription's id")),
    request_body = SubscriptionBody,
    responses(
        (status = 200, description = "The subscription, after the change", body = SubscriptionView),
        (status = 400, description = "`invalid_json`, `invalid_url`, `private_url`, `unknown_event`, `invalid_events`, `invalid_description`, `use_rotate_secret`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Json<SubscriptionBody>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "subscription")?;
    let b = body.into_inner();
    if b.secret.is_some() {
        return Err(ApiError::bad_request(
            "use_rotate_secret",
            "change the secret with POST /subscriptions/{id}/rotate-secret",
        )
        .with("field", "secret"));
    }
    let s = subs::update(
        state.store.as_ref(),
        id,
        input(&state, b),
        state.clock.now(),
    )
    .await
    .map_err(invalid)?;
    Ok(HttpResponse::Ok().json(SubscriptionView::of(s, false)))
}

/// Delete a subscription.
///
/// `DELETE /subscriptions/{id}`: its deliveries go with it. Admins only.
#[utoipa::path(
    delete,
    path = "/api/whatsapp/subscriptions/{id}",
    operation_id = "delete_subscription",
    tag = "webhooks",
    params(("id" = String, Path, min_length = 1, description = "The subscription's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn delete(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "subscription")?;
    subs::delete(state.store.as_ref(), id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a subscription's secret.
///
/// `POST /subscriptions/{id}/rotate-secret` `{"secret"?, "grace_secs"?}`: signs with the new
/// secret from now on, and with the old one too for `grace_secs` (default a day): each
/// delivery then carries two `v1,` signatures. The answer shows the new secret, once.
#[utoipa::path(
    post,
    path = "/api/whatsapp/subscriptions/{id}/rotate-secret",
    operation_id = "rotate_subscription_secret",
    tag = "webhooks",
    params(("id" = String, Path, min_length = 1, description = "The subscription's id")),
    request_body(content = RotateBody, description = "Optional"),
    responses(
        (status = 200, description = "The subscription with its new `secret`", body = SubscriptionView),
        (status = 400, description = "`invalid_json`, `invalid_secret`, `invalid_grace`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn rotate(
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: actix_web::HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "subscription")?;
    // A body that is not JSON, or not this shape, is refused: rotating to a random secret
    // when the caller meant its own would break every delivery once the grace ends.
    let b = crate::routes::params::optional_json::<RotateBody>(&req, &body)?;
    let grace = b.grace_secs.unwrap_or(86_400);
    if !(0..=604_800).contains(&grace) {
        return Err(ApiError::bad_request(
            "invalid_grace",
            "grace_secs must be between 0 and 604800",
        )
        .with("field", "grace_secs"));
    }
    let secret = check_secret(b.secret)?;
    let s = subs::rotate_secret(
        state.store.as_ref(),
        id,
        secret,
        Duration::seconds(grace),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(SubscriptionView::of(s, true)))
}

/// List a subscription's deliveries.
///
/// `GET /subscriptions/{id}/deliveries?state=&limit=&before=`: newest first, a page of at
/// most `limit`; `next_before` (when the page is full) gives the next page. Admins only.
#[utoipa::path(
    get,
    path = "/api/whatsapp/subscriptions/{id}/deliveries",
    operation_id = "list_subscription_deliveries",
    tag = "webhooks",
    params(("id" = String, Path, min_length = 1, description = "The subscription's id"), DeliveryQuery),
    responses(
        (status = 200, description = "The deliveries", body = DeliveryList),
        (status = 400, description = "`invalid_state`, `invalid_limit`, `invalid_query` (`before`)", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn deliveries(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    check_id(&id, "subscription")?;
    let q = query.into_inner();
    let st = match q.state.as_deref() {
        None => None,
        Some(s) => Some(OutboxState::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_state",
                "state must be pending, leased, done or dead",
            )
            .with("field", "state")
        })?),
    };
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => l.parse::<i64>().unwrap_or(0),
    };
    if !(1..=200).contains(&limit) {
        return Err(
            ApiError::bad_request("invalid_limit", "limit must be between 1 and 200")
                .with("field", "limit"),
        );
    }
    // Ids are UUIDs: any spelling of one (upper case, no hyphens) is the same cursor.
    let before = match q.before.as_deref().map(uuid::Uuid::parse_str) {
        None => None,
        Some(Ok(u)) => Some(u.hyphenated().to_string()),
        Some(Err(_)) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "before must be a delivery's id (the previous page's next_before)",
            )
            .with("field", "before"));
        }
    };
    let deliveries: Vec<DeliveryView> =
        subs::deliveries(state.store.as_ref(), id, st, before, limit)
            .await?
            .into_iter()
            .map(|i| DeliveryView::of(i, None))
            .collect();
    let full = i64::try_from(deliveries.len()).is_ok_and(|n| n == limit);
    let next_before = full
        .then(|| deliveries.last().map(|d| d.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(DeliveryList {
        deliveries,
        next_before,
    }))
}

/// Show a delivery with its attempts.
///
/// `GET /subscriptions/{id}/deliveries/{delivery_id}`. Admins only.
#[utoipa::path(
    get,
    path = "/api/whatsapp/subscriptions/{id}/deliveries/{delivery_id}",
    operation_id = "get_subscription_delivery",
    tag = "webhooks",
    params(
        ("id" = String, Path, min_length = 1, description = "The subscription's id"),
        ("delivery_id" = String, Path, min_length = 1, description = "The delivery's id"),
    ),
    responses(
        (status = 200, description = "The delivery and its attempts", body = DeliveryView),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn delivery(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    check_id(&id, "subscription")?;
    check_id(&delivery_id, "delivery")?;
    let (item, attempts) = subs::delivery(state.store.as_ref(), id, delivery_id).await?;
    Ok(HttpResponse::Ok().json(DeliveryView::of(item, Some(attempts))))
}

/// Redeliver a dead delivery.
///
/// `POST /subscriptions/{id}/deliveries/{delivery_id}/redeliver`: a `dead` delivery goes back
/// to `pending` once (202); any other state, or a second time, is 409. Admins only.
#[utoipa::path(
    post,
    path = "/api/whatsapp/subscriptions/{id}/deliveries/{delivery_id}/redeliver",
    operation_id = "redeliver_subscription_delivery",
    tag = "webhooks",
    params(
        ("id" = String, Path, min_length = 1, description = "The subscription's id"),
        ("delivery_id" = String, Path, min_length = 1, description = "The delivery's id"),
    ),
    responses(
        (status = 202, description = "Queued again"),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`conflict`: not dead, or redelivered once already", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn redeliver(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    check_id(&id, "subscription")?;
    check_id(&delivery_id, "delivery")?;
    subs::redeliver(state.store.as_ref(), id, delivery_id, state.clock.now()).await?;
    Ok(HttpResponse::Accepted().finish())
}
