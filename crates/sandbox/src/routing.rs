//! Conversation Routing in the sandbox: the sandbox plays the *other* responder on each number
//! (Meta's business AI or another app), so that wacloud's side can be tried and tested. A
//! thread is one number's with one customer; the customer-side requests name the number in
//! `"to"` (default the sandbox's first).
//!
//! - `POST /sandbox/graph/{version}/{phone_number_id}/thread_control` answers like Meta's
//!   thread control (`take`, `release`, `pass`) and records who owns each customer's thread.
//!   As at Meta, the caller hears of no webhook: `control_passed` goes to the new owner and
//!   `control_taken` to the previous one, both the sandbox's other responder here.
//! - `POST /sandbox/customers/{phone}/thread` `{"action": "take"|"pass", "role", "app_id",
//!   "metadata"}`: the other responder takes the thread (wacloud gets `control_taken`) or
//!   passes it to wacloud (`control_passed`).
//! - `POST /sandbox/customers/{phone}/standby` `{"text", "from": "customer"|"owner"}`: a copy
//!   of the thread's traffic on `standby` (a customer's message, or the owner's reply as a
//!   message echo). While the other responder owns a thread, the customer simulator's messages
//!   go on `standby` too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{authorized, token_refusal};
use crate::payloads::{envelope, graph_error, metadata, new_wamid};
use crate::{Sandbox, SandboxConfig};

/// Who owns a customer's thread in the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The app calling the Graph endpoint (wacloud).
    Caller,
    /// The sandbox's other responder, by role (`ai_agent`, `app`, `business_app`) and app id.
    Other {
        role: String,
        app_id: Option<String>,
    },
    /// Nobody (released).
    Nobody,
}

/// Each thread's owner, by business number (`phone_number_id`) and customer (`wa_id`): Meta
/// keeps a thread per number and customer. A thread not listed is the caller's.
#[derive(Debug, Default)]
pub(crate) struct Threads(Mutex<HashMap<(String, String), Owner>>);

impl Threads {
    pub(crate) fn owner(&self, pid: &str, wa_id: &str) -> Owner {
        self.0
            .lock()
            .ok()
            .and_then(|t| t.get(&(pid.to_owned(), wa_id.to_owned())).cloned())
            .unwrap_or(Owner::Caller)
    }

    fn set(&self, pid: &str, wa_id: &str, owner: Owner) {
        if let Ok(mut t) = self.0.lock() {
            t.insert((pid.to_owned(), wa_id.to_owned()), owner);
        }
    }

    /// Whether another responder owns the thread (the customer's messages go on `standby`).
    pub(crate) fn is_others(&self, pid: &str, wa_id: &str) -> bool {
        matches!(self.owner(pid, wa_id), Owner::Other { .. })
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The number a customer-side request names in `to` (its `phone_number_id` or display number;
/// `None`: the sandbox's first), or the 400 `unknown_number` to answer.
fn number_to(sandbox: &Sandbox, to: Option<&str>) -> Result<String, Box<HttpResponse>> {
    match to {
        None => Ok(sandbox.config().phone_number_id.clone()),
        Some(key) => sandbox.number_named(key).map(|n| n.phone_number_id).ok_or_else(|| {
            Box::new(error(
                StatusCode::BAD_REQUEST,
                "unknown_number",
                &format!("the sandbox plays no business number {key:?}; GET /sandbox/numbers lists them"),
            ))
        }),
    }
}

/// `POST /sandbox/graph/{version}/{phone_number_id}/thread_control`, as Meta answers it:
/// `{"messaging_product": "whatsapp"}`, or 2494191 for a `pass` or `release` of a thread the
/// caller does not own, 100 for a malformed body.
pub async fn thread_control(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    let (_version, pid) = path.into_inner();
    let invalid =
        |m: &str| HttpResponse::BadRequest().json(graph_error(100, "OAuthException", m, None));
    if !sandbox.plays(&pid) {
        return invalid("(#100) Unknown phone number id");
    }
    let b = body.into_inner();
    if b["messaging_product"] != "whatsapp" {
        return invalid("(#100) messaging_product must be whatsapp");
    }
    let Some(wa_id) = b["to"]
        .as_str()
        .or_else(|| b["recipient"].as_str())
        .map(digits)
        .filter(|d| !d.is_empty())
    else {
        return invalid("(#100) to or recipient is required");
    };
    let owned = sandbox.threads.owner(&pid, &wa_id) == Owner::Caller;
    let next = match b["action"].as_str() {
        Some("take") => Owner::Caller,
        Some("release" | "pass") if !owned => {
            return HttpResponse::BadRequest().json(graph_error(
                2_494_191,
                "OAuthException",
                "(#2494191) This app does not own the thread",
                None,
            ))
        }
        Some("release") => Owner::Nobody,
        Some("pass") => {
            let role = b
                .pointer("/control_pass/target_role")
                .and_then(Value::as_str)
                .unwrap_or("app");
            Owner::Other {
                role: role.to_owned(),
                app_id: None,
            }
        }
        _ => return invalid("(#100) action must be pass, take or release"),
    };
    sandbox.threads.set(&pid, &wa_id, next);
    HttpResponse::Ok().json(json!({ "messaging_product": "whatsapp" }))
}

/// Body of `POST /sandbox/customers/{phone}/thread`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherAction {
    /// `take` (the other responder takes the thread from wacloud) or `pass` (it passes the
    /// thread to wacloud).
    action: String,
    /// Who the other responder is: `ai_agent` (default), `app` or `business_app`.
    #[serde(default)]
    role: Option<String>,
    /// Its app id, for `app`.
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    metadata: Option<String>,
    /// The business number whose thread it is (its `phone_number_id` or display number);
    /// default the sandbox's first.
    #[serde(default)]
    to: Option<String>,
}

fn error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": { "code": code, "message": message } }))
}

/// `POST /sandbox/customers/{phone}/thread`: the other responder takes the thread (wacloud
/// gets `messaging_handovers` `control_taken`) or passes it to wacloud (`control_passed`).
/// Answers 202 once the server accepted the signed delivery.
pub async fn other_takes_or_passes(
    sandbox: web::Data<Arc<Sandbox>>,
    path: web::Path<String>,
    body: web::Json<OtherAction>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let wa_id = digits(&path.into_inner());
    if !(8..=15).contains(&wa_id.len()) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_phone_number",
            "the customer's number must be 8 to 15 digits with country code",
        );
    }
    let a = body.into_inner();
    let pid = match number_to(&sandbox, a.to.as_deref()) {
        Ok(pid) => pid,
        Err(answer) => return *answer,
    };
    let role = a.role.unwrap_or_else(|| "ai_agent".into());
    let mut change = json!({});
    if let Some(m) = &a.metadata {
        change["metadata"] = json!(m);
    }
    let kind = match a.action.as_str() {
        "take" => {
            change["previous_owner_role"] = json!("app");
            change["new_owner_role"] = json!(role);
            if let Some(id) = &a.app_id {
                change["new_owner_app_id"] = json!(id);
            }
            sandbox.threads.set(
                &pid,
                &wa_id,
                Owner::Other {
                    role,
                    app_id: a.app_id,
                },
            );
            "control_taken"
        }
        "pass" => {
            change["previous_owner_role"] = json!(role);
            change["new_owner_role"] = json!("app");
            sandbox.threads.set(&pid, &wa_id, Owner::Caller);
            "control_passed"
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "action must be take or pass",
            )
        }
    };
    let cfg = sandbox.config_for(&pid);
    let value = json!({
        "messaging_product": "whatsapp",
        "recipient": metadata(&cfg),
        "sender": { "phone_number": wa_id },
        "timestamp": chrono::Utc::now().timestamp(),
        "type": kind,
        kind: change,
    });
    match sandbox
        .deliver(&envelope(&cfg, "messaging_handovers", value))
        .await
    {
        Ok(()) => HttpResponse::Accepted().json(json!({ "type": kind, "wa_id": wa_id })),
        Err(e) => error(StatusCode::BAD_GATEWAY, "webhook_failed", &e.0),
    }
}

/// Body of `POST /sandbox/customers/{phone}/standby`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandbyCopy {
    text: String,
    /// `customer` (default: the customer writes) or `owner` (the owning responder replies).
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// The business number whose thread it is; default the sandbox's first.
    #[serde(default)]
    to: Option<String>,
}

/// A `standby` value on the number of `cfg`: the customer's `text`, or the owner's reply as a
/// message echo.
pub(crate) fn standby_value(
    cfg: &SandboxConfig,
    wa_id: &str,
    name: &str,
    wamid: &str,
    text: &str,
    from_owner: bool,
    ts: i64,
) -> Value {
    if from_owner {
        return json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(cfg),
            "message_echoes": [{
                "from": cfg.display_phone_number,
                "to": wa_id,
                "id": wamid,
                "timestamp": ts.to_string(),
                "type": "text",
                "text": { "body": text }
            }]
        });
    }
    json!({
        "messaging_product": "whatsapp",
        "metadata": metadata(cfg),
        "contacts": [{ "profile": { "name": name }, "wa_id": wa_id }],
        "messages": [{
            "from": wa_id,
            "id": wamid,
            "timestamp": ts.to_string(),
            "type": "text",
            "text": { "body": text }
        }]
    })
}

/// `POST /sandbox/customers/{phone}/standby`: a copy on `standby` of the customer's message or
/// of the owning responder's reply. Answers 202 with the `wamid` once the server accepted it.
pub async fn standby_copy(
    sandbox: web::Data<Arc<Sandbox>>,
    path: web::Path<String>,
    body: web::Json<StandbyCopy>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let wa_id = digits(&path.into_inner());
    let b = body.into_inner();
    if !(8..=15).contains(&wa_id.len()) || b.text.trim().is_empty() || b.text.len() > 4096 {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "a customer number of 8 to 15 digits and a text of 1 to 4096 characters",
        );
    }
    let from_owner = match b.from.as_deref() {
        None | Some("customer") => false,
        Some("owner") => true,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "from is customer or owner",
            )
        }
    };
    let pid = match number_to(&sandbox, b.to.as_deref()) {
        Ok(pid) => pid,
        Err(answer) => return *answer,
    };
    let cfg = sandbox.config_for(&pid);
    let name = sandbox.profile_name(&wa_id, b.name);
    let wamid = new_wamid(&wa_id);
    let ts = chrono::Utc::now().timestamp();
    let value = standby_value(&cfg, &wa_id, &name, &wamid, &b.text, from_owner, ts);
    match sandbox.deliver(&envelope(&cfg, "standby", value)).await {
        Ok(()) => HttpResponse::Accepted().json(json!({ "message_id": wamid, "wa_id": wa_id })),
        Err(e) => error(StatusCode::BAD_GATEWAY, "webhook_failed", &e.0),
    }
}
