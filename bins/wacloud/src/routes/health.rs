//! `GET /api/whatsapp/health`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use wacloud_core::template::SessionState;

use crate::settings::Mode;
use crate::state::{Alert, AppState};

/// How long a failed write is shown as an alert.
const WRITE_FAILURE_SHOWN: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// `account_update` events after which sending is limited.
const RESTRICTIVE: [&str; 5] = [
    "ACCOUNT_RESTRICTION",
    "ACCOUNT_VIOLATION",
    "DISABLED_UPDATE",
    "ACCOUNT_DELETED",
    "ACCOUNT_OFFBOARDED",
];

/// How the server is: `ok`, `degraded` (it works, but an alert needs attention) or `down`
/// (the database cannot be reached).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Everything works.
    Ok,
    /// It works; `alerts` says what needs attention.
    Degraded,
    /// The database cannot be reached (answered 503).
    Down,
}

/// The answer of `GET /health`: the details, or only the status for a caller without the API
/// key when one is set.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum HealthAnswer {
    /// For callers with the API key, or when none is set.
    Details(Box<Health>),
    /// For a caller without the key (a load balancer's probe): the status alone.
    Liveness(Liveness),
}

/// The status alone.
#[derive(Debug, Serialize, ToSchema)]
#[schema(max_properties = 1)]
pub struct Liveness {
    /// `ok` or `down`.
    status: HealthStatus,
}

/// Mode, configuration, database, alerts and limits.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, `degraded` (see `alerts`) or `down`.
    status: HealthStatus,
    /// Whether a Meta access token and `phone_number_id` are set.
    is_configured: bool,
    /// `live` (Meta's Graph API) or `sandbox` (the embedded Meta stand-in).
    #[schema(example = "sandbox")]
    mode: &'static str,
    /// The mode in words.
    message: String,
    /// The business number's Meta id.
    phone_number_id: Option<String>,
    /// The sandbox's business number (sandbox mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    display_phone_number: Option<String>,
    /// The Graph API version called (`v25.0`).
    graph_api_version: String,
    /// The database.
    database: DatabaseHealth,
    /// What needs an operator's attention (`token_invalid`, `config_missing`,
    /// `database_writes_failing`, `account_restricted`, `quality_flagged`, `api_open`, …).
    alerts: Vec<Alert>,
    /// The number's account state from Meta's webhooks (`whatsapp_numbers`); `null` if none
    /// arrived yet.
    account: Option<SessionState>,
    /// Every business number this server sends and receives for, the default first, with its
    /// account state and unread count (as `GET /numbers`).
    numbers: Vec<wacloud_core::numbers::BusinessNumber>,
    /// Sending.
    sending: SendingHealth,
    /// Live-update streams (`GET /events`).
    event_streams: EventStreamsHealth,
    /// The process's limit of open files (soft), when known.
    open_files_limit: Option<u64>,
    /// wacloud's version.
    version: &'static str,
    /// Where the sandbox takes simulated customers (sandbox mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    sandbox: Option<SandboxHealth>,
}

/// The database, in `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseHealth {
    /// `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    backend: &'static str,
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    status: &'static str,
}

/// Sending, in `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SendingHealth {
    /// Whether all sending is paused (Meta refused the access token).
    paused: bool,
    /// Since when.
    paused_since: Option<DateTime<Utc>>,
    /// The number's throughput (`WACLOUD_MESSAGES_PER_SECOND`).
    messages_per_second: u32,
}

/// Live-update streams, in `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventStreamsHealth {
    /// Streams open now.
    clients: usize,
    /// Most at once (`WACLOUD_EVENTS_MAX_CLIENTS`).
    max: usize,
}

/// The sandbox, in `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxHealth {
    /// Where a simulated customer writes in.
    customer_endpoint: &'static str,
    /// What the sandbox's Graph API received.
    sent_endpoint: &'static str,
    /// Whether free-form messages outside the window fail (131047).
    strict_window: bool,
}

/// The alerts a number's account state from Meta's webhooks calls for: a restrictive account
/// status, a flagged quality. `whose` names the number in the messages.
fn account_alerts(
    alerts: &mut Vec<Alert>,
    whose: &str,
    account_status: Option<&str>,
    quality_rating: Option<&str>,
) {
    if let Some(st) = account_status.filter(|st| RESTRICTIVE.contains(st)) {
        alerts.push(Alert {
            code: "account_restricted".into(),
            message: format!(
                "Meta reported {st} for {whose}; sending may be limited. Check WhatsApp Manager."
            ),
        });
    }
    if quality_rating == Some("FLAGGED") {
        alerts.push(Alert {
            code: "quality_flagged".into(),
            message: format!(
                "Meta flagged the quality of {whose}: its messaging limit may be lowered if quality does not improve."
            ),
        });
    }
}

/// Health.
///
/// Mode, configuration, database state and alerts. 200 unless the database is down (503);
/// `degraded` with an alert for a minute after a write failed (e.g. a full disk).
///
/// When `WACLOUD_API_KEY` is set, a caller without it (a load balancer) gets only
/// `{"status": "ok" | "down"}` with the same status code: whether the server answers and its
/// database is reachable, nothing about its configuration.
#[utoipa::path(
    get,
    path = "/api/whatsapp/health",
    operation_id = "health",
    tag = "health",
    responses(
        (status = 200, description = "Up (`ok` or `degraded`)", body = HealthAnswer),
        (status = 503, description = "`down`: the database cannot be reached", body = HealthAnswer),
    ),
)]
pub async fn health(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let s = &state.settings.meta;
    let db = state.store.ping().await;
    // The guard sets a principal when it takes the caller (an API key, a session, or the open
    // mode); a load balancer without either gets the bare answer.
    if actix_web::HttpMessage::extensions(&req)
        .get::<crate::auth::Principal>()
        .is_none()
    {
        let (status, code) = match db {
            Ok(()) => (HealthStatus::Ok, StatusCode::OK),
            Err(_) => (HealthStatus::Down, StatusCode::SERVICE_UNAVAILABLE),
        };
        return HttpResponse::build(code).json(HealthAnswer::Liveness(Liveness { status }));
    }
    let account = match (&db, s.phone_number_id.clone()) {
        (Ok(()), Some(pid)) => {
            wacloud_core::ports::read(state.store.as_ref(), move |r| r.get_session(&pid))
                .await
                .ok()
                .flatten()
        }
        _ => None,
    };
    let mut alerts: Vec<Alert> = s
        .missing()
        .into_iter()
        .map(|m| Alert {
            code: "config_missing".into(),
            message: m,
        })
        .collect();
    alerts.extend(state.alerts.list());
    // Once operators exist the API requires a login, wherever the server listens.
    if db.is_ok()
        && state
            .auth
            .operators_exist(state.store.as_ref())
            .await
            .unwrap_or(false)
    {
        alerts.retain(|a| a.code != "api_open");
    }
    if let Some(f) = state
        .store
        .write_failure()
        .filter(|f| Utc::now() - f.at < WRITE_FAILURE_SHOWN)
    {
        alerts.push(Alert {
            code: "database_writes_failing".into(),
            message: format!(
                "The database refused a write at {} ({}): webhooks that meet this are answered 503, so Meta delivers them again later, and nothing new is sent meanwhile. Check free disk space and the database's permissions; this alert goes a minute after the last failure.",
                f.at.format("%Y-%m-%d %H:%M:%S UTC"),
                f.error
            ),
        });
    }
    let numbers = if db.is_ok() {
        wacloud_core::usecases::numbers::configured(state.store.as_ref(), s.phone_number_id.clone())
            .await
            .map(|all| all.into_iter().map(|n| n.number).collect::<Vec<_>>())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    // The other numbers' account state (the environment's is `account`, below).
    for n in numbers
        .iter()
        .filter(|n| Some(&n.phone_number_id) != s.phone_number_id.as_ref())
    {
        let name = n.label.as_deref().unwrap_or(&n.phone_number_id);
        let whose = format!("number {name} ({})", n.phone_number_id);
        account_alerts(
            &mut alerts,
            &whose,
            n.account_status.as_deref(),
            n.quality_rating.as_deref(),
        );
    }
    let pause = state.gate.paused();
    if let Some(a) = &account {
        account_alerts(
            &mut alerts,
            "this WhatsApp Business Account's number",
            a.account_status.as_deref(),
            a.quality_rating.as_deref(),
        );
    }
    if let Some(p) = &pause {
        // One alert for the whole pause, however many sends Meta refused.
        alerts.push(Alert {
            code: "token_invalid".into(),
            message: format!(
                "Meta refused the access token ({}{}): sending is paused and queued messages wait — nothing is dropped. wacloud tries the token every {} s and resumes by itself once it works; set a valid WHATSAPP_API_TOKEN if it has expired.",
                p.code.map(|c| format!("error {c}: ")).unwrap_or_default(),
                p.reason,
                s.token_probe_interval.as_secs()
            ),
        });
    }
    let (status, code) = match (&db, alerts.is_empty()) {
        (Err(_), _) => (HealthStatus::Down, StatusCode::SERVICE_UNAVAILABLE),
        (Ok(()), true) => (HealthStatus::Ok, StatusCode::OK),
        (Ok(()), false) => (HealthStatus::Degraded, StatusCode::OK),
    };
    let message = match (s.mode, s.is_configured()) {
        (Mode::Sandbox, _) => {
            "Sandbox mode: no WHATSAPP_API_TOKEN is set, so messages go to the embedded Meta stand-in, which answers with signed status webhooks; no real WhatsApp message is sent".to_owned()
        }
        (Mode::Live, true) => "WhatsApp service is configured".to_owned(),
        (Mode::Live, false) => {
            "WhatsApp is not fully configured; see alerts".to_owned()
        }
    };
    let sandbox = state.sandbox.as_ref();
    let body = Health {
        status,
        is_configured: s.is_configured(),
        mode: s.mode.as_str(),
        message,
        phone_number_id: s.phone_number_id.clone(),
        display_phone_number: sandbox.map(|sb| format!("+{}", sb.config().display_phone_number)),
        graph_api_version: s.graph_api_version.clone(),
        database: DatabaseHealth {
            backend: state.store.backend(),
            status: if db.is_ok() { "ok" } else { "unavailable" },
        },
        alerts,
        account,
        numbers,
        sending: SendingHealth {
            paused: pause.is_some(),
            paused_since: pause.as_ref().map(|p| p.since),
            messages_per_second: state.settings.throughput.messages_per_second,
        },
        event_streams: EventStreamsHealth {
            clients: state.event_streams.open(),
            max: state.event_streams.max(),
        },
        open_files_limit: rlimit::getrlimit(rlimit::Resource::NOFILE)
            .ok()
            .map(|(soft, _)| soft),
        version: env!("CARGO_PKG_VERSION"),
        sandbox: sandbox.map(|sb| SandboxHealth {
            customer_endpoint: "/sandbox/customers/{phone}/messages",
            sent_endpoint: "/sandbox/sent",
            strict_window: sb.config().strict_window,
        }),
    };
    HttpResponse::build(code).json(HealthAnswer::Details(Box::new(body)))
}
