//! Meta's template management, played by the sandbox (Cloud API "Message templates" and
//! "Resumable Upload API"):
//!
//! - `GET /{waba_id}/message_templates` lists every template, a page at a time (`limit`, at
//!   most [`Control::template_page_size`](crate::Control) when set, and `after`; `paging.next`
//!   names the next page as Meta's does);
//! - `POST /{waba_id}/message_templates` takes a template for review: stored `PENDING`
//!   (answered `{"id", "status", "category"}`), then after [`SandboxConfig::template_review`]
//!   `APPROVED`, or `REJECTED` with a reason, and a signed `message_template_status_update`
//!   webhook either way. The sandbox's review rejects a template whose name contains `reject`
//!   (`ABUSIVE_CONTENT`, as a stand-in for Meta's policy review) and one whose body is nothing
//!   but variables (`INVALID_FORMAT`); a media header must carry a handle the sandbox's upload
//!   API issued (else 100, as Meta refuses an unknown handle); a name already used in that
//!   language is refused (100, subcode 2388024);
//! - `DELETE /{waba_id}/message_templates?name=…[&hsm_id=…]` removes every language of the
//!   name, or the one with that id (100 when none);
//! - `POST /{app_id}/uploads?file_name&file_length&file_type` opens an upload session
//!   (`{"id": "upload:…"}`), `POST /upload:…` with `Authorization: OAuth …` and `file_offset`
//!   takes the bytes and answers `{"h": handle}` once the file is whole, `GET /upload:…`
//!   answers where the session stands.
//!
//! [`SandboxConfig::template_review`]: crate::SandboxConfig::template_review

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine as _;
use rand::Rng;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{authorized, token_refusal};
use crate::payloads::graph_error;
use crate::Sandbox;

/// The MIME types Meta's Resumable Upload API takes.
const UPLOAD_TYPES: [&str; 5] = [
    "application/pdf",
    "image/jpeg",
    "image/jpg",
    "image/png",
    "video/mp4",
];

/// The largest file an upload session takes (Meta's largest media, a 100 MB document).
const UPLOAD_MAX: u64 = 100 * 1024 * 1024;
/// [`UPLOAD_MAX`] as a body limit.
pub(crate) const UPLOAD_MAX_BYTES: usize = 100 * 1024 * 1024;

/// A template submitted through the API.
#[derive(Debug, Clone)]
struct Submitted {
    id: String,
    name: String,
    language: String,
    category: String,
    parameter_format: String,
    components: Value,
    status: String,
    reason: Option<String>,
}

#[derive(Debug)]
struct Upload {
    file_length: u64,
    file_type: String,
    data: Vec<u8>,
}

/// What template management keeps: submitted templates, the built-in ones deleted, upload
/// sessions and the handles issued.
#[derive(Debug, Default)]
pub(crate) struct TemplateState {
    submitted: Mutex<Vec<Submitted>>,
    deleted: Mutex<Vec<(String, String)>>,
    uploads: Mutex<HashMap<String, Upload>>,
    handles: Mutex<Vec<String>>,
}

impl TemplateState {
    /// Whether a submitted template `name` in `language` is approved (sendable).
    pub(crate) fn approved(&self, name: &str, language: &str) -> bool {
        self.submitted.lock().is_ok_and(|s| {
            s.iter()
                .any(|t| t.name == name && t.language == language && t.status == "APPROVED")
        })
    }

    /// The category of template `name` in `language`, lower case as statuses' `pricing` give
    /// it: a submitted one's, else `utility` (the built-in templates are utility templates).
    pub(crate) fn category(&self, name: &str, language: &str) -> String {
        self.submitted
            .lock()
            .ok()
            .and_then(|s| {
                s.iter()
                    .find(|t| t.name == name && t.language == language)
                    .map(|t| t.category.to_ascii_lowercase())
            })
            .unwrap_or_else(|| "utility".into())
    }

    fn deleted(&self, name: &str, language: &str) -> bool {
        self.deleted
            .lock()
            .is_ok_and(|d| d.iter().any(|(n, l)| n == name && l == language))
    }
}

/// The components of the templates the sandbox ships with, as Meta lists them: `hello_world`
/// as every WhatsApp Business Account has it, `order_update` with two body parameters, and
/// `order_shipped` with a text header's, a body's, a URL button's and a copy-code button's.
/// Any other (added through `/sandbox/control`) has a body naming it, without parameters.
fn components(name: &str) -> Value {
    match name {
        "hello_world" => json!([
            {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
            {"type": "BODY", "text": "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."},
            {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"}
        ]),
        "order_update" => json!([
            {"type": "BODY", "text": "Hi {{1}}, your order {{2}} is on its way.",
             "example": {"body_text": [["Ana", "#1042"]]}}
        ]),
        "order_shipped" => json!([
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}} shipped",
             "example": {"header_text": ["#1042"]}},
            {"type": "BODY", "text": "Hi {{1}}, your parcel is on its way. Use the code below on your next order.",
             "example": {"body_text": [["Ana"]]}},
            {"type": "BUTTONS", "buttons": [
                {"type": "URL", "text": "Track", "url": "https://example.com/track/{{1}}", "example": ["https://example.com/track/1042"]},
                {"type": "COPY_CODE", "example": "SAVE10"}
            ]}
        ]),
        other => json!([{"type": "BODY", "text": format!("Template {other} (sandbox)")}]),
    }
}

fn unknown_object(id: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(graph_error(
        100,
        "GraphMethodException",
        &format!("Unsupported request. Object with ID '{id}' does not exist"),
        None,
    ))
}

fn invalid_parameter(message: &str, subcode: Option<i64>) -> HttpResponse {
    let mut e = graph_error(100, "OAuthException", message, None);
    if let Some(s) = subcode {
        e["error"]["error_subcode"] = json!(s);
        e["error"]["error_user_msg"] = json!(message);
    }
    HttpResponse::BadRequest().json(e)
}

/// Every template, built-in and submitted, as Meta lists them, by name and language.
fn all_templates(sandbox: &Sandbox) -> Vec<Value> {
    let mut builtin: Vec<(String, String)> = sandbox.config.templates.iter().cloned().collect();
    for [n, l] in &sandbox.control().templates {
        if !builtin.iter().any(|(a, b)| a == n && b == l) {
            builtin.push((n.clone(), l.clone()));
        }
    }
    builtin.sort();
    let mut out: Vec<(String, String, Value)> = builtin
        .iter()
        .enumerate()
        .filter(|(_, (n, l))| !sandbox.templates.deleted(n, l))
        .map(|(i, (name, language))| {
            (
                name.clone(),
                language.clone(),
                json!({
                    "id": (900_000_000_000_000_u64 + i as u64).to_string(),
                    "name": name,
                    "language": language,
                    "status": "APPROVED",
                    "category": "UTILITY",
                    "parameter_format": "POSITIONAL",
                    "components": components(name),
                    "quality_score": {"score": "GREEN"},
                }),
            )
        })
        .collect();
    if let Ok(s) = sandbox.templates.submitted.lock() {
        for t in s.iter() {
            let quality = if t.status == "APPROVED" {
                "GREEN"
            } else {
                "UNKNOWN"
            };
            out.push((
                t.name.clone(),
                t.language.clone(),
                json!({
                    "id": t.id,
                    "name": t.name,
                    "language": t.language,
                    "status": t.status,
                    "category": t.category,
                    "parameter_format": t.parameter_format,
                    "components": t.components,
                    "rejected_reason": t.reason.clone().unwrap_or_else(|| "NONE".into()),
                    "quality_score": {"score": quality},
                }),
            ));
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out.into_iter().map(|(_, _, v)| v).collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    after: Option<String>,
}

/// `GET /{version}/{waba_id}/message_templates`: a page of the templates; a WABA id other than
/// the sandbox's is refused as Meta refuses an unknown object (100).
pub async fn list(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let (_version, waba) = path.into_inner();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    if waba != sandbox.config.waba_id {
        return unknown_object(&waba);
    }
    sandbox.note_template_list_page();
    let all = all_templates(&sandbox);
    let cap = sandbox.control().template_page_size;
    let mut limit = query.limit.unwrap_or(25).clamp(1, 1000);
    if cap > 0 {
        limit = limit.min(cap as usize);
    }
    // The cursor is the offset, base64-encoded as Meta's cursors are opaque strings.
    let start = query
        .after
        .as_deref()
        .and_then(|a| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(a)
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0)
        .min(all.len());
    let end = (start + limit).min(all.len());
    let data = all[start..end].to_vec();
    let cursor = |n: usize| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n.to_string());
    let mut paging = json!({"cursors": {"before": cursor(start), "after": cursor(end)}});
    if end < all.len() {
        let info = req.connection_info();
        paging["next"] = json!(format!(
            "{}://{}{}?limit={limit}&after={}",
            info.scheme(),
            info.host(),
            req.path(),
            cursor(end)
        ));
    }
    HttpResponse::Ok().json(json!({ "data": data, "paging": paging }))
}

/// The text of the component `kind` of Meta's `components` array.
fn text_of(components: &Value, kind: &str) -> Option<String> {
    components.as_array()?.iter().find_map(|c| {
        c.get("type")
            .and_then(Value::as_str)
            .filter(|t| t.eq_ignore_ascii_case(kind))?;
        c.get("text").and_then(Value::as_str).map(str::to_owned)
    })
}

/// The sandbox's review: `None` approves, `Some(reason)` rejects (see the module's rules).
fn review(name: &str, components: &Value) -> Option<&'static str> {
    if name.contains("reject") {
        return Some("ABUSIVE_CONTENT");
    }
    if let Some(body) = text_of(components, "BODY") {
        let mut rest = body.as_str();
        let mut left = String::new();
        while let Some(i) = rest.find("{{") {
            left.push_str(&rest[..i]);
            match rest[i..].find("}}") {
                Some(j) => rest = &rest[i + j + 2..],
                None => {
                    rest = "";
                }
            }
        }
        left.push_str(rest);
        if left.chars().all(|c| !c.is_alphanumeric()) {
            return Some("INVALID_FORMAT");
        }
    }
    None
}

/// The media header's handles, when the template has one.
fn header_handles(components: &Value) -> Option<Vec<String>> {
    let header = components.as_array()?.iter().find(|c| {
        c.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("HEADER"))
    })?;
    let format = header
        .get("format")
        .and_then(Value::as_str)?
        .to_ascii_uppercase();
    if !matches!(format.as_str(), "IMAGE" | "VIDEO" | "DOCUMENT" | "GIF") {
        return None;
    }
    Some(
        header
            .pointer("/example/header_handle")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// `POST /{version}/{waba_id}/message_templates`: takes a template for review.
pub async fn create(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    sandbox.note_template_request();
    let (_version, waba) = path.into_inner();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    if waba != sandbox.config.waba_id {
        return unknown_object(&waba);
    }
    let b = body.into_inner();
    let s = |k: &str| b.get(k).and_then(Value::as_str).map(str::to_owned);
    let (Some(name), Some(language), Some(category)) = (s("name"), s("language"), s("category"))
    else {
        return invalid_parameter(
            "(#100) The parameters name, language and category are required.",
            None,
        );
    };
    let components = b.get("components").cloned().unwrap_or(json!([]));
    if let Some(handles) = header_handles(&components) {
        let issued = sandbox
            .templates
            .handles
            .lock()
            .map(|h| h.clone())
            .unwrap_or_default();
        if handles.is_empty() || !handles.iter().all(|h| issued.contains(h)) {
            return invalid_parameter(
                "(#100) Invalid parameter: the media header's example.header_handle is not a handle of a file uploaded to this app",
                Some(2_494_102),
            );
        }
    }
    let exists = all_templates(&sandbox)
        .iter()
        .any(|t| t["name"] == name.as_str() && t["language"] == language.as_str());
    if exists {
        return invalid_parameter(
            &format!(
                "Content in this language already exists: {name} already has {language} content."
            ),
            Some(2_388_024),
        );
    }
    let id = rand::rng()
        .random_range(1_000_000_000_000_000_u64..9_000_000_000_000_000)
        .to_string();
    let category = category.to_ascii_uppercase();
    let t = Submitted {
        id: id.clone(),
        name,
        language,
        category: category.clone(),
        parameter_format: s("parameter_format")
            .unwrap_or_else(|| "positional".into())
            .to_ascii_uppercase(),
        components,
        status: "PENDING".into(),
        reason: None,
    };
    if let Ok(mut all) = sandbox.templates.submitted.lock() {
        all.push(t);
    }
    let review_sb = Arc::clone(&sandbox);
    let review_id = id.clone();
    tokio::spawn(async move { finish_review(review_sb, review_id).await });
    HttpResponse::Ok().json(json!({"id": id, "status": "PENDING", "category": category}))
}

/// After the review time: decides, records and sends `message_template_status_update`.
async fn finish_review(sandbox: Arc<Sandbox>, id: String) {
    tokio::time::sleep(sandbox.config.template_review).await;
    let decided = {
        let Ok(mut all) = sandbox.templates.submitted.lock() else {
            return;
        };
        let Some(t) = all.iter_mut().find(|t| t.id == id) else {
            return;
        };
        let reason = review(&t.name, &t.components);
        t.status = if reason.is_some() {
            "REJECTED"
        } else {
            "APPROVED"
        }
        .into();
        t.reason = reason.map(str::to_owned);
        t.clone()
    };
    let mut value = json!({
        "event": decided.status,
        "message_template_id": decided.id.parse::<u64>().map_or(json!(decided.id), |n| json!(n)),
        "message_template_name": decided.name,
        "message_template_language": decided.language,
        "message_template_category": decided.category,
        "reason": decided.reason.clone().unwrap_or_else(|| "NONE".into()),
    });
    if let Some(r) = &decided.reason {
        value["rejection_info"] = json!({
            "reason": r,
            "recommendation": "The sandbox rejects names containing \"reject\" and bodies that are only variables.",
        });
    }
    let payload = json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": sandbox.config.waba_id,
            "time": chrono::Utc::now().timestamp(),
            "changes": [{"value": value, "field": "message_template_status_update"}]
        }]
    });
    let _ = sandbox.deliver(&payload).await;
}

#[derive(Debug, Deserialize)]
pub(crate) struct DeleteQuery {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    hsm_id: Option<String>,
}

/// `DELETE /{version}/{waba_id}/message_templates?name=…[&hsm_id=…]`.
pub async fn delete(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<DeleteQuery>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    sandbox.note_template_request();
    let (_version, waba) = path.into_inner();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    if waba != sandbox.config.waba_id {
        return unknown_object(&waba);
    }
    let Some(name) = query.name.clone().filter(|n| !n.is_empty()) else {
        return invalid_parameter("(#100) The parameter name is required.", None);
    };
    let listed = all_templates(&sandbox);
    let gone: Vec<(String, String, String)> = listed
        .iter()
        .filter(|t| t["name"] == name.as_str())
        .filter(|t| query.hsm_id.as_deref().is_none_or(|h| t["id"] == h))
        .map(|t| {
            (
                t["id"].as_str().unwrap_or_default().to_owned(),
                t["name"].as_str().unwrap_or_default().to_owned(),
                t["language"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    if gone.is_empty() {
        return invalid_parameter(
            &format!("(#100) Message template \"{name}\" not found"),
            Some(2_593_002),
        );
    }
    if let (Ok(mut s), Ok(mut d)) = (
        sandbox.templates.submitted.lock(),
        sandbox.templates.deleted.lock(),
    ) {
        s.retain(|t| !gone.iter().any(|(id, _, _)| *id == t.id));
        for (_, n, l) in gone {
            d.push((n, l));
        }
    }
    HttpResponse::Ok().json(json!({"success": true}))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SessionQuery {
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    file_length: Option<u64>,
    #[serde(default)]
    file_type: Option<String>,
}

/// `POST /{version}/{app_id}/uploads`: opens an upload session.
pub async fn open_upload(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<SessionQuery>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    sandbox.note_template_request();
    let (_version, app) = path.into_inner();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    if app != sandbox.config.app_id {
        return unknown_object(&app);
    }
    let q = query.into_inner();
    let Some(file_type) = q.file_type.filter(|t| UPLOAD_TYPES.contains(&t.as_str())) else {
        return invalid_parameter(
            &format!("(#100) file_type must be one of {UPLOAD_TYPES:?}"),
            None,
        );
    };
    let Some(file_length) = q.file_length.filter(|n| (1..=UPLOAD_MAX).contains(n)) else {
        return invalid_parameter(
            &format!("(#100) file_length must be 1 to {UPLOAD_MAX}"),
            None,
        );
    };
    if q.file_name.as_deref().is_none_or(str::is_empty) {
        return invalid_parameter("(#100) file_name is required", None);
    }
    let raw: [u8; 12] = rand::rng().random();
    let id = format!(
        "upload:{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    );
    if let Ok(mut u) = sandbox.templates.uploads.lock() {
        u.insert(
            id.clone(),
            Upload {
                file_length,
                file_type,
                data: Vec::new(),
            },
        );
    }
    HttpResponse::Ok().json(json!({ "id": id }))
}

/// `Authorization: OAuth {token}`, as the upload endpoints take it.
fn oauth_ok(req: &HttpRequest, sandbox: &Sandbox) -> bool {
    let expected = format!("OAuth {}", sandbox.config.access_token.expose_secret());
    sandbox.control().token_valid
        && req
            .headers()
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .is_some_and(|h| h == expected)
}

/// `POST /{version}/upload:…`: takes the bytes from `file_offset` on.
pub async fn upload_data(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    sandbox.note_template_request();
    let (_version, id) = path.into_inner();
    if !oauth_ok(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    let offset = req
        .headers()
        .get("file_offset")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.trim().parse::<u64>().ok());
    let Ok(mut uploads) = sandbox.templates.uploads.lock() else {
        return HttpResponse::InternalServerError().finish();
    };
    let Some(u) = uploads.get_mut(&id) else {
        return unknown_object(&id);
    };
    if offset != Some(u.data.len() as u64) {
        return invalid_parameter(
            &format!(
                "(#100) file_offset must be where the session stands: {}",
                u.data.len()
            ),
            None,
        );
    }
    if u.data.len() as u64 + body.len() as u64 > u.file_length {
        return invalid_parameter("(#100) more bytes than file_length", None);
    }
    u.data.extend_from_slice(&body);
    if (u.data.len() as u64) < u.file_length {
        return HttpResponse::Ok().json(json!({"id": id, "file_offset": u.data.len()}));
    }
    let tail: [u8; 18] = rand::rng().random();
    let handle = format!(
        "4::{}:{}",
        base64::engine::general_purpose::STANDARD.encode(&u.file_type),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tail)
    );
    uploads.remove(&id);
    drop(uploads);
    if let Ok(mut h) = sandbox.templates.handles.lock() {
        h.push(handle.clone());
    }
    HttpResponse::Ok().json(json!({ "h": handle }))
}

/// `GET /{version}/upload:…`: where the session stands (`{"id", "file_offset"}`).
pub(crate) fn upload_status(sandbox: &Sandbox, req: &HttpRequest, id: &str) -> HttpResponse {
    if !oauth_ok(req, sandbox) {
        return token_refusal(sandbox);
    }
    let offset = sandbox
        .templates
        .uploads
        .lock()
        .ok()
        .and_then(|u| u.get(id).map(|u| u.data.len()));
    match offset {
        Some(n) => HttpResponse::Ok().json(json!({"id": id, "file_offset": n})),
        None => unknown_object(id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_rejects_reject_names_and_bodies_of_only_variables() {
        let body = |t: &str| json!([{"type": "BODY", "text": t}]);
        assert_eq!(review("spring_sale", &body("Hi {{1}}")), None);
        assert_eq!(
            review("please_reject_me", &body("Hi {{1}}")),
            Some("ABUSIVE_CONTENT")
        );
        assert_eq!(
            review("only_vars", &body("{{1}} {{2}}!")),
            Some("INVALID_FORMAT")
        );
    }
}
