//! `POST /auth/login`, `POST /auth/logout`, `POST /auth/logout-all`, `GET /auth/me`: operators'
//! sessions. The rules are `wacloud_core::auth`'s; the cookie, hashing and throttle
//! `crate::auth`'s.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wacloud_core::auth::{normalize_email, Actor, Operator};
use wacloud_core::ports::{read, write, StoredSession};

use crate::auth::secrets::{dummy_hash, verify_password_blocking, SessionId};
use crate::auth::{audit, entry, over_tls, Origin, Principal, COOKIE};
use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

/// Body of `POST /auth/login`. Its `Debug` leaves the password out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// The operator's e-mail address (any case).
    #[schema(max_length = 254)]
    pub email: String,
    /// The password.
    #[schema(max_length = 1024, format = Password)]
    pub password: String,
}

impl std::fmt::Debug for LoginBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginBody")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Who is calling (`GET /auth/me`, and the answer to a login).
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `operator:<id>`, `api_key` or `local` (neither operators nor an API key are set up).
    pub actor: String,
    /// The operator, when one is logged in.
    pub operator: Option<Operator>,
    /// Whether this server requires a login (at least one operator exists).
    pub login_required: bool,
}

/// Answer of `POST /auth/logout-all`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedOutEverywhere {
    /// Sessions ended, this one included.
    pub ended: usize,
}

/// The one answer for a wrong password, an unknown address and a disabled operator alike.
fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the e-mail address or the password is wrong",
    )
}

fn too_many(code: &str, message: &str, wait: Duration) -> HttpResponse {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut r = actix_web::ResponseError::error_response(
        &ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message)
            .with("retry_after_seconds", secs),
    );
    if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Log in.
///
/// `POST /auth/login`: checks the e-mail address and password and sets the session cookie
/// (`wacloud_session`: `HttpOnly`, `SameSite=Strict`, `Path=/`, `Secure` over TLS or with
/// `WACLOUD_BEHIND_TLS`), a new session each time (a session the request came with ends).
/// A wrong password, an unknown address and a disabled operator get the same 401 in about the
/// same time. Ten wrong passwords in a row for one address lock it for 15 minutes (429
/// `login_locked`, whether or not an operator has it); one client address may try 20 times a
/// minute (429 `too_many_login_attempts`).
#[utoipa::path(
    post,
    path = "/api/whatsapp/auth/login",
    operation_id = "login",
    tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = Me,
            headers(("Set-Cookie" = String, description = "`wacloud_session=…; HttpOnly; SameSite=Strict; Path=/`"))),
        (status = 400, description = "`invalid_email`: not an e-mail address", body = ErrorBody),
        (status = 401, description = "`invalid_credentials`: the address or the password is wrong", body = ErrorBody),
        (status = 429, description = "`login_locked` (ten wrong passwords for this address), `too_many_login_attempts` (from this client address)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let LoginBody { email, password } = body.into_inner();
    if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
        if let Err(wait) = state.auth.take_attempt(ip) {
            return Ok(too_many(
                "too_many_login_attempts",
                "too many login attempts from this address; try again later",
                wait,
            ));
        }
    }
    let email = normalize_email(&email)
        .map_err(|m| ApiError::bad_request("invalid_email", m).with("field", "email"))?;
    let key = email.clone();
    let (failures, found) = read(state.store.as_ref(), move |r| {
        Ok((r.login_failures(&key)?, r.operator_by_email(&key)?))
    })
    .await?;
    let now = state.clock.now();
    let origin = Origin::of(&req);
    if let Some(until) = state.auth.lockout.locked_until(failures.as_ref(), now) {
        let wait = (until - now).to_std().unwrap_or(Duration::from_secs(1));
        return Ok(too_many(
            "login_locked",
            "too many wrong passwords for this address; try again later",
            wait,
        ));
    }
    // An unknown address is checked against a dummy hash, so it takes as long as a wrong
    // password for a real one.
    let hash = found
        .as_ref()
        .map_or_else(|| dummy_hash().clone(), |(_, h)| h.clone());
    let verified = verify_password_blocking(password, hash).await;
    let operator = found
        .map(|(op, _)| op)
        .filter(|op| verified && op.is_active);
    let Some(operator) = operator else {
        let next = state.auth.lockout.after_failure(failures.as_ref(), now);
        let e = entry(
            &*state.clock,
            &Actor::Anonymous,
            "login_failed",
            Some(email.clone()),
            &origin,
            Some(
                serde_json::json!({ "failures": next.failures, "locked": next.locked_until.is_some() }),
            ),
        );
        write(state.store.as_ref(), move |r| {
            r.put_login_failures(&email, &next)?;
            r.insert_audit(&e)
        })
        .await?;
        return Err(invalid_credentials());
    };
    let id = SessionId::generate();
    let session = StoredSession {
        id_hash: state.auth.key.hash(&id),
        operator_id: operator.id.clone(),
        created_at: now,
        last_seen_at: now,
        address: origin.address.clone(),
        user_agent: origin.user_agent.clone(),
    };
    // Rotation: the session this browser had (if any) ends with the new login.
    let previous = req
        .cookie(COOKIE)
        .and_then(|c| SessionId::from_cookie(c.value()))
        .map(|old| state.auth.key.hash(&old));
    let actor = Actor::Operator {
        id: operator.id.clone(),
        name: operator.display_name.clone(),
        role: operator.role,
    };
    let e = entry(
        &*state.clock,
        &actor,
        "login",
        Some(operator.id.clone()),
        &origin,
        None,
    );
    write(state.store.as_ref(), move |r| {
        r.clear_login_failures(&email)?;
        if let Some(p) = previous {
            r.delete_operator_session(&p)?;
        }
        r.insert_operator_session(&session)?;
        r.insert_audit(&e)
    })
    .await?;
    state.auth.operator_added();
    let max_age = state.settings.auth.session_max;
    let cookie = state.auth.cookie(id.expose(), over_tls(&req), max_age);
    Ok(HttpResponse::Ok().cookie(cookie).json(Me {
        actor: actor.tag(),
        operator: Some(operator),
        login_required: true,
    }))
}

/// Log out.
///
/// `POST /auth/logout`: ends this session and removes its cookie. 204 also when the request
/// came with no session (the API key, or the open mode).
#[utoipa::path(
    post,
    path = "/api/whatsapp/auth/logout",
    operation_id = "logout",
    tag = "auth",
    responses(
        (status = 204, description = "Logged out; the cookie is removed"),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let p = Principal::of(&req);
    if let Some(hash) = p.session {
        let e = entry(
            &*state.clock,
            &p.actor,
            "logout",
            None,
            &Origin::of(&req),
            None,
        );
        write(state.store.as_ref(), move |r| {
            r.delete_operator_session(&hash)?;
            r.insert_audit(&e)
        })
        .await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(state.auth.removal(over_tls(&req)))
        .finish())
}

/// Log out everywhere.
///
/// `POST /auth/logout-all`: ends every session of the logged-in operator, this one included,
/// and removes this cookie.
#[utoipa::path(
    post,
    path = "/api/whatsapp/auth/logout-all",
    operation_id = "logout_all",
    tag = "auth",
    responses(
        (status = 200, description = "Every session ended", body = LoggedOutEverywhere),
        (status = 400, description = "`not_an_operator`: the request did not come with an operator's session", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn logout_all(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let p = Principal::of(&req);
    let Actor::Operator { id, .. } = &p.actor else {
        return Err(ApiError::bad_request(
            "not_an_operator",
            "only a logged-in operator has sessions to end",
        ));
    };
    let id = id.clone();
    let e = entry(
        &*state.clock,
        &p.actor,
        "logout_all",
        Some(id.clone()),
        &Origin::of(&req),
        None,
    );
    let ended = write(state.store.as_ref(), move |r| {
        let n = r.delete_operator_sessions(&id, None)?;
        r.insert_audit(&e)?;
        Ok(n)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(state.auth.removal(over_tls(&req)))
        .json(LoggedOutEverywhere { ended }))
}

/// Who am I.
///
/// `GET /auth/me`: the caller (an operator, the API key, or the open mode) and whether the
/// server requires a login. Without a session on a server that requires one: 401
/// `login_required` (what the widget waits for to show its login form).
#[utoipa::path(
    get,
    path = "/api/whatsapp/auth/me",
    operation_id = "me",
    tag = "auth",
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn me(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let p = Principal::of(&req);
    let operator = match &p.actor {
        Actor::Operator { id, .. } => {
            let id = id.clone();
            read(state.store.as_ref(), move |r| r.get_operator(&id)).await?
        }
        _ => None,
    };
    let login_required = state.auth.operators_exist(state.store.as_ref()).await?;
    Ok(HttpResponse::Ok().json(Me {
        actor: p.actor.tag(),
        operator,
        login_required,
    }))
}

/// Records `action` on the audit trail for the caller of `req`.
///
/// # Errors
/// The database's, as an [`ApiError`].
pub async fn record(
    state: &AppState,
    req: &HttpRequest,
    action: &str,
    target: Option<String>,
    details: Option<serde_json::Value>,
) -> Result<(), ApiError> {
    let p = Principal::of(req);
    let e = entry(
        &*state.clock,
        &p.actor,
        action,
        target,
        &Origin::of(req),
        details,
    );
    audit(state.store.as_ref(), e).await.map_err(ApiError::from)
}
