//! [`authenticate`]: who a request to the REST API, the metrics or the sandbox's controls
//! comes from, and whether that one may do it.
//!
//! In order: a valid `WACLOUD_API_KEY` (programs) is taken; else a session cookie whose session
//! exists, has not expired ([`SessionPolicy::check`](wacloud_core::auth::session::SessionPolicy::check))
//! and whose operator is active now (read on every request, never cached, so disabling an
//! operator ends its sessions at once); else, when any operator exists, 401 `login_required`;
//! else, with an API key set, 401 `unauthorized` (as before operators); else the request is
//! taken as [`Actor::Local`], as before operators. An operator's role must allow the route's
//! [`Capability`] ([`capability`]), else 403 `admin_only`. Writes that succeed are recorded in
//! the audit trail (`admin_request` for admin-only ones, `request` for the others), but those
//! that record their author themselves.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use wacloud_core::auth::session::SessionCheck;
use wacloud_core::auth::{Actor, Capability};

use super::secrets::SessionId;
use super::{Origin, Principal, COOKIE};
use crate::errors::ApiError;
use crate::middleware::{authorized, guarded};
use crate::paths;
use crate::state::AppState;

/// The login route, open to everyone (it is what makes a session).
pub const LOGIN: &str = "/api/whatsapp/auth/login";

/// What a request to `path` (the whole path) with `method` does, as roles see it.
#[must_use]
pub fn capability(method: &Method, path: &str) -> Capability {
    if path == paths::METRICS {
        return Capability::Settings;
    }
    if path.starts_with("/sandbox/") {
        return Capability::SandboxControl;
    }
    let rest = path.strip_prefix(paths::API_PREFIX).unwrap_or(path);
    let first = rest.trim_start_matches('/').split('/').next().unwrap_or("");
    let read = *method == Method::GET || *method == Method::HEAD;
    match first {
        "auth" => Capability::Own,
        "operators" => Capability::ManageOperators,
        "audit" => Capability::ReadAudit,
        "send-bulk" | "batches" | "queue" => Capability::BulkSend,
        "export" => Capability::Export,
        // Per-operator figures (who answered how fast) are the admins' to read.
        "reports" => Capability::ReadReports,
        // Handing a conversation back from its bot is answering it (the bot or an operator).
        "contacts" if *method == Method::DELETE && rest.trim_end_matches('/').ends_with("/bot") => {
            Capability::AnswerConversations
        }
        "contacts" if *method == Method::DELETE || (read && rest.ends_with("/data")) => {
            Capability::PersonalData
        }
        "contacts" if !read && rest.trim_end_matches('/') == "/contacts/import" => {
            Capability::ImportContacts
        }
        "settings" => Capability::Settings,
        "templates" if !read => Capability::ManageTemplates,
        "canned-replies" if !read => Capability::ManageCannedReplies,
        "rules" if !read => Capability::ManageAutomations,
        "numbers" if !read => Capability::Settings,
        // Secrets, and deliveries carrying customers' messages.
        "subscriptions" => Capability::Settings,
        // Creating a group, its invite link, removing participants and writing to it are
        // answering conversations, as a one-to-one send is.
        "groups" if !read => Capability::AnswerConversations,
        _ if read => Capability::ReadConversations,
        _ => Capability::AnswerConversations,
    }
}

fn refuse(req: ServiceRequest, err: ApiError, clear_cookie: bool) -> ServiceResponse<BoxBody> {
    let mut resp = err.error_response();
    if clear_cookie {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            let secure = super::over_tls(req.request());
            let _ = resp.add_cookie(&state.auth.removal(secure));
        }
    }
    req.into_response(resp)
}

/// The login the server asks for.
#[must_use]
pub fn login_required() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "login_required",
        "log in first: POST /api/whatsapp/auth/login with {\"email\",\"password\"} (programs: Authorization: Bearer <WACLOUD_API_KEY>)",
    )
}

/// The operator of a session cookie, if the session is live and its operator active; expired
/// sessions are removed. `Ok(None)` also for a cookie that names no session.
///
/// # Errors
/// The database's error, as an [`ApiError`].
pub async fn session_principal(
    state: &AppState,
    cookie: &str,
) -> Result<Option<Principal>, ApiError> {
    let Some(id) = SessionId::from_cookie(cookie) else {
        return Ok(None);
    };
    session_by_hash(state, state.auth.key.hash(&id)).await
}

/// [`session_principal`] for the session whose id hashes to `hash` (what a [`Principal`]
/// keeps): to check again, later, that a session still holds (a long-lived event stream).
///
/// # Errors
/// The database's error, as an [`ApiError`].
pub async fn session_by_hash(
    state: &AppState,
    hash: String,
) -> Result<Option<Principal>, ApiError> {
    let lookup = hash.clone();
    let found = wacloud_core::ports::read(&*state.store, move |r| r.operator_session(&lookup))
        .await
        .map_err(ApiError::from)?;
    let Some((session, operator)) = found else {
        return Ok(None);
    };
    let now = state.clock.now();
    match state
        .auth
        .sessions
        .check(session.created_at, session.last_seen_at, now)
    {
        SessionCheck::IdleExpired | SessionCheck::AbsoluteExpired => {
            let gone = hash.clone();
            wacloud_core::ports::write(&*state.store, move |r| {
                r.delete_operator_session(&gone).map(drop)
            })
            .await
            .map_err(ApiError::from)?;
            Ok(None)
        }
        SessionCheck::Valid { .. } if !operator.is_active => Ok(None),
        SessionCheck::Valid { touch } => {
            if touch {
                let seen = hash.clone();
                wacloud_core::ports::write(&*state.store, move |r| {
                    r.touch_operator_session(&seen, now)
                })
                .await
                .map_err(ApiError::from)?;
            }
            Ok(Some(Principal {
                actor: Actor::Operator {
                    id: operator.id,
                    name: operator.display_name,
                    role: operator.role,
                },
                session: Some(hash),
            }))
        }
    }
}

/// Finds the request's principal; `Err` is the answer that refuses it, and whether to remove
/// the session cookie it came with.
async fn principal(req: &ServiceRequest, state: &AppState) -> Result<Principal, (ApiError, bool)> {
    let key_set = state.settings.http.api_key.is_some();
    if key_set && authorized(req.headers(), state) {
        return Ok(Principal {
            actor: Actor::ApiKey,
            session: None,
        });
    }
    let cookie = req.cookie(COOKIE).map(|c| c.value().to_owned());
    if let Some(value) = cookie.as_deref().filter(|v| !v.is_empty()) {
        if let Some(p) = session_principal(state, value)
            .await
            .map_err(|e| (e, false))?
        {
            return Ok(p);
        }
    }
    let stale = cookie.is_some();
    if state
        .auth
        .operators_exist(&*state.store)
        .await
        .map_err(|e| (ApiError::from(e), false))?
    {
        return Err((login_required(), stale));
    }
    if key_set {
        return Err((
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this API needs WACLOUD_API_KEY: send Authorization: Bearer <key> or X-API-Key: <key>",
            ),
            stale,
        ));
    }
    if !addressed_locally(req) {
        return Err((
            ApiError::new(
                StatusCode::FORBIDDEN,
                "host_not_allowed",
                "with no WACLOUD_API_KEY and no operator, this server answers only requests addressed to localhost or an IP address (Host header); set a key or add an operator (wacloud operators add) to serve it under a name",
            ),
            stale,
        ));
    }
    Ok(Principal {
        actor: Actor::Local,
        session: None,
    })
}

/// Whether the request names the server by an IP address or a `localhost` name (`Host`), as
/// the open mode requires. A page cannot reach an unprotected server through DNS rebinding (a
/// name of its own, re-pointed at 127.0.0.1, which makes the browser treat the API as the
/// page's own origin, cookies and `Sec-Fetch-Site` included): a browser sends that name as
/// `Host`, and an address or `localhost` cannot be re-pointed.
fn addressed_locally(req: &ServiceRequest) -> bool {
    let Some(host) = req.headers().get(header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let name = if host.starts_with('[') {
        return host.contains(']');
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name.parse::<std::net::IpAddr>().is_ok() || name == "localhost" || name.ends_with(".localhost")
}

/// Authenticates and authorizes every guarded route (see the module's documentation). Not
/// guarded: preflight `OPTIONS`, Meta's webhook (signed), the sandbox's Graph API (its own
/// token), the login itself; the health check's bare answer is open, and its details go to
/// callers this would take.
///
/// # Errors
/// Whatever the wrapped service fails with.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let method = req.method().clone();
    if !guarded(req.path()) || method == Method::OPTIONS {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let found = principal(&req, &state).await;
    if req.path() == LOGIN || (method == Method::GET && req.path() == paths::HEALTH) {
        // Open, but the health check's details and a login's rotation want to know who asks.
        // With the database down, whether operators exist cannot be read; without a key the
        // server was open when it last could tell (a positive answer is remembered), and the
        // details then say what is down, which is what an operator needs to see.
        let unknown = found.is_err()
            && req.path() == paths::HEALTH
            && state.settings.http.api_key.is_none()
            && state.auth.operators_exist(&*state.store).await.is_err();
        let found = if unknown {
            Ok(Principal {
                actor: Actor::Local,
                session: None,
            })
        } else {
            found
        };
        if let Ok(p) = found {
            req.extensions_mut().insert(p);
        }
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let p = match found {
        Ok(p) => p,
        Err((err, clear)) => return Ok(refuse(req, err, clear)),
    };
    let cap = capability(&method, req.path());
    if !p.actor.may(cap) {
        let err = ApiError::new(
            StatusCode::FORBIDDEN,
            "admin_only",
            format!(
                "{} {} needs an operator with the admin role",
                method,
                req.path()
            ),
        );
        return Ok(refuse(req, err, false));
    }
    // Who changed what: every write by an operator or the API key, but those that record it
    // themselves (sessions and operators: their own entries; a send or a retry: the message's
    // `actor`); the open mode has nobody to record.
    let write = !matches!(method, Method::GET | Method::HEAD);
    let recorded_elsewhere = matches!(
        cap,
        Capability::Own | Capability::ManageOperators | Capability::ManageCannedReplies
    ) || cap == Capability::PersonalData
        || records_its_own_audit(req.path())
        || req.path() == paths::SEND
        || (req.path().starts_with("/api/whatsapp/messages/") && req.path().ends_with("/retry"));
    let record = write && !recorded_elsewhere && !matches!(p.actor, Actor::Local);
    let action = if cap.admin_only() {
        "admin_request"
    } else {
        "request"
    };
    let target = format!("{method} {}", req.path());
    let origin = Origin::of(req.request());
    let actor = p.actor.clone();
    req.extensions_mut().insert(p);
    let resp = next.call(req).await?.map_into_boxed_body();
    if record && resp.status().is_success() {
        let e = super::entry(&*state.clock, &actor, action, Some(target), &origin, None);
        if let Err(err) = super::audit(&*state.store, e).await {
            tracing::warn!("audit trail: cannot record a write: {err}");
        }
    }
    Ok(resp)
}

/// The team inbox's writes on a conversation (status, assignee, notes) write their own audit
/// entries (`conversation_status_changed`, `conversation_assigned`, `note_added`), with the
/// change in the same transaction.
fn records_its_own_audit(path: &str) -> bool {
    path.strip_prefix("/api/whatsapp/contacts/")
        .is_some_and(|rest| {
            rest.ends_with("/status")
                || rest.ends_with("/assignee")
                || rest.ends_with("/notes")
                || rest.ends_with("/bot")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_what_roles_allow() {
        let c = |m: Method, p: &str| capability(&m, p);
        assert_eq!(
            c(Method::POST, "/api/whatsapp/send"),
            Capability::AnswerConversations
        );
        assert_eq!(
            c(Method::GET, "/api/whatsapp/messages"),
            Capability::ReadConversations
        );
        assert_eq!(
            c(Method::POST, "/api/whatsapp/send-bulk"),
            Capability::BulkSend
        );
        assert_eq!(
            c(Method::GET, "/api/whatsapp/batches/x"),
            Capability::BulkSend
        );
        assert_eq!(
            c(Method::PATCH, "/api/whatsapp/operators/x"),
            Capability::ManageOperators
        );
        assert_eq!(c(Method::GET, "/api/whatsapp/audit"), Capability::ReadAudit);
        assert_eq!(
            c(Method::GET, "/api/whatsapp/export/messages"),
            Capability::Export
        );
        assert!(Capability::Export.admin_only());
        assert_eq!(
            c(Method::DELETE, "/api/whatsapp/contacts/+15550000001"),
            Capability::PersonalData
        );
        assert_eq!(
            c(Method::GET, "/api/whatsapp/contacts/+15550000001/data"),
            Capability::PersonalData
        );
        assert!(Capability::PersonalData.admin_only());
        assert_eq!(
            c(Method::GET, "/api/whatsapp/reports/response-times"),
            Capability::ReadReports
        );
        assert!(Capability::ReadReports.admin_only());
        assert_eq!(
            c(Method::GET, "/api/whatsapp/templates"),
            Capability::ReadConversations
        );
        assert_eq!(
            c(Method::POST, "/api/whatsapp/templates"),
            Capability::ManageTemplates
        );
        assert_eq!(
            c(Method::DELETE, "/api/whatsapp/templates/spring_sale"),
            Capability::ManageTemplates
        );
        assert_eq!(
            c(Method::POST, "/sandbox/customers"),
            Capability::SandboxControl
        );
        assert_eq!(c(Method::GET, "/metrics"), Capability::Settings);
        assert_eq!(
            c(Method::GET, "/api/whatsapp/canned-replies"),
            Capability::ReadConversations
        );
        assert_eq!(
            c(Method::DELETE, "/api/whatsapp/canned-replies/x"),
            Capability::ManageCannedReplies
        );
        assert_eq!(
            c(Method::PUT, "/api/whatsapp/contacts/15550000001/assignee"),
            Capability::AnswerConversations
        );
        assert_eq!(
            c(Method::GET, "/api/whatsapp/rules"),
            Capability::ReadConversations
        );
        assert_eq!(
            c(Method::PUT, "/api/whatsapp/rules/x"),
            Capability::ManageAutomations
        );
        assert_eq!(
            c(Method::PUT, "/api/whatsapp/numbers/1/automation"),
            Capability::Settings
        );
        assert_eq!(
            c(Method::DELETE, "/api/whatsapp/contacts/15550000001/bot"),
            Capability::AnswerConversations
        );
        assert_eq!(
            c(Method::DELETE, "/api/whatsapp/contacts/15550000001"),
            Capability::PersonalData
        );
        assert!(records_its_own_audit("/api/whatsapp/contacts/1555/notes"));
        assert!(!records_its_own_audit("/api/whatsapp/contacts/1555/read"));
        assert_eq!(
            c(Method::GET, "/api/whatsapp/subscriptions"),
            Capability::Settings
        );
        assert_eq!(
            c(Method::POST, "/api/whatsapp/auth/logout"),
            Capability::Own
        );
    }
}
