//! Meta's template list (`GET /{waba_id}/message_templates`, Cloud API "Message templates":
//! get templates): every template the sandbox accepts, approved, with its components, so that
//! a client can sync them and an inbox can offer them with their parameters.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::auth::{authorized, token_refusal};
use crate::payloads::graph_error;
use crate::Sandbox;

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

/// `GET /{version}/{waba_id}/message_templates`: one page with every template; a WABA id other
/// than the sandbox's is refused as Meta refuses an unknown object (100).
pub async fn list(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let sandbox = sandbox.get_ref().clone();
    let (_version, waba) = path.into_inner();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    if waba != sandbox.config.waba_id {
        return HttpResponse::BadRequest().json(graph_error(
            100,
            "GraphMethodException",
            &format!("Unsupported get request. Object with ID '{waba}' does not exist"),
            None,
        ));
    }
    let mut all: Vec<(String, String)> = sandbox.config.templates.iter().cloned().collect();
    for [n, l] in &sandbox.control().templates {
        if !all.iter().any(|(a, b)| a == n && b == l) {
            all.push((n.clone(), l.clone()));
        }
    }
    all.sort();
    let data: Vec<Value> = all
        .iter()
        .enumerate()
        .map(|(i, (name, language))| {
            json!({
                "id": (900_000_000_000_000_u64 + i as u64).to_string(),
                "name": name,
                "language": language,
                "status": "APPROVED",
                "category": "UTILITY",
                "parameter_format": "POSITIONAL",
                "components": components(name),
                "quality_score": {"score": "GREEN"},
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "data": data, "paging": {} }))
}
