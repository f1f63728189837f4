//! `GET /api/whatsapp/health`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde_json::json;

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

/// Mode, configuration, database state and alerts. 200 unless the database is down (503);
/// `degraded` with an alert for a minute after a write failed (e.g. a full disk).
///
/// When `WACLOUD_API_KEY` is set, a caller without it (a load balancer) gets only
/// `{"status": "ok" | "down"}` with the same status code: whether the server answers and its
/// database is reachable, nothing about its configuration.
pub async fn health(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let s = &state.settings.meta;
    let db = state.store.ping().await;
    if !crate::middleware::authorized(req.headers(), &state) {
        return match db {
            Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok" })),
            Err(_) => HttpResponse::ServiceUnavailable().json(json!({ "status": "down" })),
        };
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
    let pause = state.gate.paused();
    if let Some(a) = &account {
        if let Some(st) = a
            .account_status
            .as_deref()
            .filter(|st| RESTRICTIVE.contains(st))
        {
            alerts.push(Alert {
                code: "account_restricted".into(),
                message: format!(
                    "Meta reported {st} for this WhatsApp Business Account; sending may be limited. Check WhatsApp Manager."
                ),
            });
        }
        if a.quality_rating.as_deref() == Some("FLAGGED") {
            alerts.push(Alert {
                code: "quality_flagged".into(),
                message: "Meta flagged this number's quality: its messaging limit may be lowered if quality does not improve.".into(),
            });
        }
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
        (Err(_), _) => ("down", actix_web::http::StatusCode::SERVICE_UNAVAILABLE),
        (Ok(()), true) => ("ok", actix_web::http::StatusCode::OK),
        (Ok(()), false) => ("degraded", actix_web::http::StatusCode::OK),
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
    let mut body = json!({
        "status": status,
        "is_configured": s.is_configured(),
        "mode": s.mode.as_str(),
        "message": message,
        "phone_number_id": s.phone_number_id,
        "graph_api_version": s.graph_api_version,
        "database": {
            "backend": state.store.backend(),
            "status": if db.is_ok() { "ok" } else { "unavailable" },
        },
        "alerts": alerts,
        "account": account,
        "sending": {
            "paused": pause.is_some(),
            "paused_since": pause.as_ref().map(|p| p.since),
            "messages_per_second": state.settings.throughput.messages_per_second,
        },
        "event_streams": {
            "clients": state.event_streams.open(),
            "max": state.event_streams.max(),
        },
        "open_files_limit": rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|(soft, _)| soft),
        "version": env!("CARGO_PKG_VERSION"),
    });
    if let Some(sb) = &state.sandbox {
        body["display_phone_number"] = json!(format!("+{}", sb.config().display_phone_number));
        body["sandbox"] = json!({
            "customer_endpoint": "/sandbox/customers/{phone}/messages",
            "sent_endpoint": "/sandbox/sent",
            "strict_window": sb.config().strict_window,
        });
    }
    HttpResponse::build(code).json(body)
}
