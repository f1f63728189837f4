//! Meta's Groups API, played: `POST /{phone_number_id}/groups` (answers a `request_id`, then
//! the `group_lifecycle_update` webhook names the group), `GET`/`POST /{group_id}/invite_link`,
//! `DELETE /{group_id}/participants` (then `group_participants_update`), and on the customer
//! side `POST /sandbox/groups/{group_id}/join` (someone joins through the invite link) and
//! `POST /sandbox/groups/{group_id}/messages` (a participant writes in the group). Sends to a
//! group (`recipient_type: "group"`) go through the `/messages` endpoint, which asks
//! [`Groups::check_send`]. Limits as Meta documents them: subject 1 to 128 characters,
//! description at most 2048, 8 participants, 1 to 8 per request; errors 131041 (unknown
//! group), 131020 (no participant but the business), 131212 (not a participant), 131204
//! (participant over limit).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{authorized, token_refusal};
use crate::payloads::{envelope, graph_error, metadata, new_wamid};
use crate::Sandbox;

/// The most participants of a group, the business excluded.
const MAX_PARTICIPANTS: usize = 8;

#[derive(Debug, Clone)]
struct Group {
    /// The business number it was created on: its webhooks carry that number.
    phone_number_id: String,
    invite_link: String,
    participants: Vec<String>,
}

/// The groups of the sandbox's numbers, by group id.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    by_id: Mutex<HashMap<String, Group>>,
}

impl Groups {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, Group>) -> R) -> R {
        let mut g = self
            .by_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut g)
    }

    /// Meta's refusal of a send from number `pid` to `group_id`, if any: 131041 for a group
    /// unknown (or another number's), 131020 for a group with no participant but the business.
    pub(crate) fn check_send(&self, pid: &str, group_id: &str) -> Option<(i64, &'static str)> {
        self.with(|g| match g.get(group_id) {
            None => Some((131_041, "Group unknown")),
            Some(x) if x.phone_number_id != pid => Some((131_041, "Group unknown")),
            Some(x) if x.participants.is_empty() => {
                Some((131_020, "Cannot send messages to single member groups"))
            }
            Some(_) => None,
        })
    }
}

fn token(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| {
            let set = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            char::from(set[rng.random_range(0..set.len())])
        })
        .collect()
}

fn invalid(message: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(graph_error(100, "OAuthException", message, None))
}

fn refusal(code: i64, title: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(graph_error(
        code,
        "OAuthException",
        &format!("({code}) {title}"),
        Some(title),
    ))
}

/// A `group_*` delivery of `event` for the group's number `pid`.
fn delivery(sandbox: &Sandbox, pid: &str, field: &str, event: Value) -> Value {
    let cfg = sandbox.config_for(pid);
    envelope(
        &cfg,
        field,
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(&cfg),
            "groups": [event],
        }),
    )
}

fn participants(list: &[String]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| json!({ "input": p, "wa_id": p }))
            .collect(),
    )
}

/// `POST /sandbox/graph/{version}/{phone_number_id}/groups`.
pub async fn create(
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
    if !sandbox.plays(&pid) {
        return invalid("(#100) Unknown phone number id");
    }
    let b = body.into_inner();
    if b["messaging_product"] != "whatsapp" {
        return invalid("(#100) The parameter messaging_product is required.");
    }
    let subject = b["subject"].as_str().unwrap_or("").trim().to_owned();
    if subject.is_empty() || subject.chars().count() > 128 {
        return invalid("(#100) Param subject must be 1 to 128 characters long.");
    }
    let description = b["description"].as_str().map(str::to_owned);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 2048)
    {
        return invalid("(#100) Param description must be at most 2048 characters long.");
    }
    let group_id = format!("Y2FwaV9ncm91cDo{}", token(40));
    let request_id = token(32).to_uppercase();
    let link = format!("https://chat.whatsapp.com/{}", token(22));
    sandbox.groups.with(|g| {
        g.insert(
            group_id.clone(),
            Group {
                phone_number_id: pid.clone(),
                invite_link: link.clone(),
                participants: Vec::new(),
            },
        )
    });
    let mut event = json!({
        "timestamp": chrono::Utc::now().timestamp().to_string(),
        "group_id": group_id,
        "type": "group_create",
        "request_id": request_id,
        "subject": subject,
        "invite_link": link,
        "join_approval_mode": b["join_approval_mode"].as_str().unwrap_or("auto_approve"),
        "added_participants": [],
    });
    if let Some(d) = description {
        event["description"] = json!(d);
    }
    let payload = delivery(&sandbox, &pid, "group_lifecycle_update", event);
    let sb = sandbox.clone();
    // Meta creates the group asynchronously: the webhook follows the answer.
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let _ = sb.deliver(&payload).await;
    });
    HttpResponse::Ok().json(json!({ "messaging_product": "whatsapp", "request_id": request_id }))
}

/// `GET` (the link) and `POST` (a new link) `/sandbox/graph/{version}/{group_id}/invite_link`.
pub async fn invite_link(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    let (_version, group_id) = path.into_inner();
    let reset = req.method() == actix_web::http::Method::POST;
    let link = sandbox.groups.with(|g| {
        g.get_mut(&group_id).map(|x| {
            if reset {
                x.invite_link = format!("https://chat.whatsapp.com/{}", token(22));
            }
            x.invite_link.clone()
        })
    });
    match link {
        Some(l) => {
            HttpResponse::Ok().json(json!({ "messaging_product": "whatsapp", "invite_link": l }))
        }
        None => refusal(131_041, "Group unknown"),
    }
}

/// `DELETE /sandbox/graph/{version}/{group_id}/participants`: `{"participants": [{"user"}]}`.
pub async fn remove_participants(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    let (_version, group_id) = path.into_inner();
    let users: Vec<String> = body["participants"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["user"].as_str())
                .map(|u| u.trim_start_matches('+').to_owned())
                .collect()
        })
        .unwrap_or_default();
    if users.is_empty() || users.len() > MAX_PARTICIPANTS {
        return invalid("(#100) participants must name 1 to 8 users");
    }
    let outcome = sandbox.groups.with(|g| {
        let Some(x) = g.get_mut(&group_id) else {
            return Err((131_041, "Group unknown"));
        };
        if users.iter().any(|u| !x.participants.contains(u)) {
            return Err((131_212, "Participant is not a part of the group."));
        }
        x.participants.retain(|p| !users.contains(p));
        Ok(x.phone_number_id.clone())
    });
    let pid = match outcome {
        Ok(pid) => pid,
        Err((code, title)) => return refusal(code, title),
    };
    let event = json!({
        "timestamp": chrono::Utc::now().timestamp().to_string(),
        "group_id": group_id,
        "type": "group_participants_remove",
        "request_id": token(32).to_uppercase(),
        "initiated_by": "business",
        "removed_participants": participants(&users),
    });
    let payload = delivery(&sandbox, &pid, "group_participants_update", event);
    let sb = sandbox.clone();
    tokio::spawn(async move {
        let _ = sb.deliver(&payload).await;
    });
    HttpResponse::Ok().json(json!({ "success": true }))
}

/// Body of `POST /sandbox/groups/{group_id}/join`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    /// The customer joining, digits.
    wa_id: String,
}

fn local_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": { "code": code, "message": message } }))
}

/// `POST /sandbox/groups/{group_id}/join` `{"wa_id"}`: a customer joins through the invite
/// link; wacloud gets `group_participants_update` with `added_participants`. Answers 202 once
/// the server accepted the signed delivery.
pub async fn join(
    sandbox: web::Data<Arc<Sandbox>>,
    path: web::Path<String>,
    body: web::Json<Join>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let group_id = path.into_inner();
    let wa_id: String = body.wa_id.chars().filter(char::is_ascii_digit).collect();
    if !(8..=15).contains(&wa_id.len()) {
        return local_error(
            StatusCode::BAD_REQUEST,
            "invalid_phone_number",
            "wa_id must be 8 to 15 digits with country code",
        );
    }
    let joined = sandbox.groups.with(|g| match g.get_mut(&group_id) {
        None => Err((StatusCode::NOT_FOUND, "not_found", "no such group")),
        Some(x) if x.participants.contains(&wa_id) => Ok(x.phone_number_id.clone()),
        Some(x) if x.participants.len() >= MAX_PARTICIPANTS => Err((
            StatusCode::CONFLICT,
            "group_full",
            "the group has 8 participants (Meta's 131204)",
        )),
        Some(x) => {
            x.participants.push(wa_id.clone());
            Ok(x.phone_number_id.clone())
        }
    });
    let pid = match joined {
        Ok(pid) => pid,
        Err((status, code, message)) => return local_error(status, code, message),
    };
    let event = json!({
        "timestamp": chrono::Utc::now().timestamp().to_string(),
        "group_id": group_id,
        "type": "group_participants_add",
        "request_id": token(32).to_uppercase(),
        "initiated_by": "participant",
        "reason": "invite_link",
        "added_participants": participants(std::slice::from_ref(&wa_id)),
    });
    match sandbox
        .deliver(&delivery(
            &sandbox,
            &pid,
            "group_participants_update",
            event,
        ))
        .await
    {
        Ok(()) => HttpResponse::Accepted().json(json!({ "group_id": group_id, "wa_id": wa_id })),
        Err(e) => local_error(StatusCode::BAD_GATEWAY, "webhook_failed", &e.0),
    }
}

/// Body of `POST /sandbox/groups/{group_id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupWrite {
    /// The participant writing, digits.
    from: String,
    /// The text.
    text: String,
}

/// `POST /sandbox/groups/{group_id}/messages` `{"from", "text"}`: a participant writes in the
/// group; wacloud gets a `messages` webhook whose message carries `group_id`.
pub async fn participant_writes(
    sandbox: web::Data<Arc<Sandbox>>,
    path: web::Path<String>,
    body: web::Json<GroupWrite>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let group_id = path.into_inner();
    let from: String = body.from.chars().filter(char::is_ascii_digit).collect();
    let member = sandbox.groups.with(|g| {
        g.get(&group_id)
            .map(|x| (x.participants.contains(&from), x.phone_number_id.clone()))
    });
    let pid = match member {
        None => return local_error(StatusCode::NOT_FOUND, "not_found", "no such group"),
        Some((false, _)) => {
            return local_error(
                StatusCode::CONFLICT,
                "not_a_participant",
                "join the group first (POST /sandbox/groups/{group_id}/join)",
            )
        }
        Some((true, pid)) => pid,
    };
    let wamid = new_wamid(&from);
    let name = sandbox.profile_name(&from, None);
    let cfg = sandbox.config_for(&pid);
    let payload = envelope(
        &cfg,
        "messages",
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(&cfg),
            "contacts": [{ "profile": { "name": name }, "wa_id": from }],
            "messages": [{
                "from": from,
                "group_id": group_id,
                "id": wamid,
                "timestamp": chrono::Utc::now().timestamp().to_string(),
                "type": "text",
                "text": { "body": body.text }
            }]
        }),
    );
    match sandbox.deliver(&payload).await {
        Ok(()) => HttpResponse::Accepted().json(json!({ "wamid": wamid })),
        Err(e) => local_error(StatusCode::BAD_GATEWAY, "webhook_failed", &e.0),
    }
}
