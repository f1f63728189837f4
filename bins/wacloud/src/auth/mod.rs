//! Operators' logins in the server: the shared [`AuthState`] (session key, policies, the
//! per-address throttle), who a request comes from ([`Principal`], set by
//! [`guard::authenticate`]), the session cookie, and the audit trail's writer ([`audit`]).
//! The rules (roles, password policy, expiry, lockout) are `wacloud_core::auth`'s.

pub mod guard;
pub mod secrets;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::ServiceRequest;
use actix_web::{HttpMessage, HttpRequest};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use wacloud_core::auth::session::{LockoutPolicy, SessionPolicy};
use wacloud_core::auth::{Actor, AuditEntry};
use wacloud_core::ports::{new_id, Clock, Store, StoreError};

use crate::settings::AuthSettings;
use secrets::SessionKey;

/// The session cookie's name.
pub const COOKIE: &str = "wacloud_session";

/// Login attempts one client address may make per minute on one instance (a burst of this
/// many, then one every `60 / n` seconds).
pub const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 20;

/// What the login and the guard share.
#[derive(Debug)]
pub struct AuthState {
    /// Hashes session ids (`WACLOUD_SESSION_SECRET`).
    pub key: SessionKey,
    /// How long sessions last.
    pub sessions: SessionPolicy,
    /// When wrong passwords lock an address out.
    pub lockout: LockoutPolicy,
    /// `WACLOUD_BEHIND_TLS`: the cookie is always `Secure`.
    pub behind_tls: bool,
    /// Set once an operator is known to exist; operators are never deleted (only disabled),
    /// so it never goes back, and until it is set every request asks the database (an
    /// operator added by the CLI or another instance counts at once).
    operators_exist: AtomicBool,
    /// Login attempts per client address, in this process: a client spread over several
    /// instances gets this many on each; the lockout per e-mail address (in the database)
    /// holds across them.
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    /// Checks since the limiter last forgot idle addresses.
    checks: AtomicU32,
}

impl AuthState {
    /// From the settings.
    #[must_use]
    pub fn new(s: &AuthSettings) -> Self {
        let to = |d: Duration| {
            chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::days(365))
        };
        let per_minute = NonZeroU32::new(LOGIN_ATTEMPTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        Self {
            key: SessionKey::new(&s.session_secret),
            sessions: SessionPolicy {
                idle: to(s.session_idle),
                absolute: to(s.session_max),
            },
            lockout: LockoutPolicy::default(),
            behind_tls: s.behind_tls,
            operators_exist: AtomicBool::new(false),
            per_address: RateLimiter::keyed(Quota::per_minute(per_minute)),
            checks: AtomicU32::new(0),
        }
    }

    /// Whether any operator exists (the server then requires a login).
    ///
    /// # Errors
    /// [`StoreError`] from the database.
    pub async fn operators_exist(&self, store: &dyn Store) -> Result<bool, StoreError> {
        if self.operators_exist.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let exist = wacloud_core::ports::read(store, |r| r.operators_exist()).await?;
        if exist {
            self.operators_exist.store(true, Ordering::Relaxed);
        }
        Ok(exist)
    }

    /// Records that an operator exists now.
    pub fn operator_added(&self) {
        self.operators_exist.store(true, Ordering::Relaxed);
    }

    /// Takes one login attempt from `address`: `Err(wait)` when it has used its share.
    ///
    /// # Errors
    /// How long until the next attempt is taken.
    pub fn take_attempt(&self, address: IpAddr) -> Result<(), Duration> {
        // The keyed limiter keeps a cell per address seen; forget the idle ones now and then.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.per_address.retain_recent();
        }
        self.per_address
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// The session cookie carrying `value`, `Secure` when `secure`, lasting `max_age` (zero:
    /// removes it).
    #[must_use]
    pub fn cookie(&self, value: &str, secure: bool, max_age: Duration) -> Cookie<'static> {
        Cookie::build(COOKIE, value.to_owned())
            .http_only(true)
            .same_site(SameSite::Strict)
            .path("/")
            .secure(secure || self.behind_tls)
            .max_age(
                actix_web::cookie::time::Duration::try_from(max_age)
                    .unwrap_or(actix_web::cookie::time::Duration::ZERO),
            )
            .finish()
    }

    /// A cookie that removes the session cookie from the browser.
    #[must_use]
    pub fn removal(&self, secure: bool) -> Cookie<'static> {
        self.cookie("", secure, Duration::ZERO)
    }
}

/// Whether `req` came over TLS (directly, or as a proxy's `X-Forwarded-Proto`/`Forwarded` says:
/// believing a forged one only makes the cookie `Secure`).
#[must_use]
pub fn over_tls(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

/// Who a request comes from, as [`guard::authenticate`] found: put in the request's extensions.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Who.
    pub actor: Actor,
    /// The session's id hash, when it came with a session cookie.
    pub session: Option<String>,
}

impl Principal {
    /// The principal of `req` (open mode, [`Actor::Local`], when none was set: the route is
    /// not guarded).
    #[must_use]
    pub fn of(req: &HttpRequest) -> Self {
        req.extensions().get::<Self>().cloned().unwrap_or(Self {
            actor: Actor::Local,
            session: None,
        })
    }

    /// [`Principal::of`] for a request not yet handled.
    #[must_use]
    pub fn of_service(req: &ServiceRequest) -> Option<Self> {
        req.extensions().get::<Self>().cloned()
    }
}

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The peer's address (the proxy's, behind one).
    pub address: Option<String>,
    /// Its `User-Agent`, cut to 512 bytes.
    pub user_agent: Option<String>,
}

impl Origin {
    /// Of `req`.
    #[must_use]
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            address: req.peer_addr().map(|a| a.ip().to_string()),
            user_agent: req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(512).collect()),
        }
    }
}

/// An entry of the audit trail, made now by `actor`.
#[must_use]
pub fn entry(
    clock: &dyn Clock,
    actor: &Actor,
    action: &str,
    target: Option<String>,
    origin: &Origin,
    details: Option<serde_json::Value>,
) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        at: clock.now(),
        actor: actor.tag(),
        actor_name: actor.name().map(str::to_owned),
        action: action.to_owned(),
        target,
        address: origin.address.clone(),
        user_agent: origin.user_agent.clone(),
        details,
    }
}

/// Appends `e` to the audit trail.
///
/// # Errors
/// [`StoreError`] from the database.
pub async fn audit(store: &dyn Store, e: AuditEntry) -> Result<(), StoreError> {
    wacloud_core::ports::write(store, move |r| r.insert_audit(&e)).await
}
