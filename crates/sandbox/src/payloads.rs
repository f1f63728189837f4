//! Meta-shaped JSON: webhook deliveries, send responses, Graph errors, `wamid`s.

use base64::Engine;
use rand::Rng;
use serde_json::{json, Value};

use crate::SandboxConfig;

/// A `wamid` shaped like Meta's: `wamid.` and base64 of a small binary record that carries the
/// customer's number and a random id.
pub fn new_wamid(wa_id: &str) -> String {
    let mut rng = rand::rng();
    let id: String = (0..20)
        .map(|_| char::from(b"0123456789ABCDEF"[rng.random_range(0..16)]))
        .collect();
    let mut raw = Vec::with_capacity(48);
    raw.extend_from_slice(&[0x18, u8::try_from(wa_id.len()).unwrap_or(15)]);
    raw.extend_from_slice(wa_id.as_bytes());
    raw.extend_from_slice(&[0x15, 0x02, 0x00, 0x11, 0x18, 0x14]);
    raw.extend_from_slice(id.as_bytes());
    raw.push(0x00);
    format!(
        "wamid.{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A delivery of one change of `field` carrying `value`, as Meta wraps it: the entry's `id` is
/// the WhatsApp Business Account. Every webhook the sandbox sends is built here, with the
/// `cfg` of the number it concerns ([`Sandbox::config_for`](crate::Sandbox)).
pub(crate) fn envelope(cfg: &SandboxConfig, field: &str, value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": cfg.waba_id,
            "changes": [{ "value": value, "field": field }]
        }]
    })
}

/// A change's `metadata` (and a handover's `recipient`): the number's display number and id.
pub(crate) fn metadata(cfg: &SandboxConfig) -> Value {
    json!({
        "display_phone_number": cfg.display_phone_number,
        "phone_number_id": cfg.phone_number_id,
    })
}

/// One `statuses[]` item for an outbound message.
pub fn status_object(
    wamid: &str,
    status: &str,
    recipient_wa_id: &str,
    timestamp: i64,
    callback_data: Option<&str>,
    error: Option<Value>,
) -> Value {
    let mut s = json!({
        "id": wamid,
        "status": status,
        "timestamp": timestamp.to_string(),
        "recipient_id": recipient_wa_id,
    });
    if status == "sent" || status == "delivered" {
        // Per-message pricing (PMP): a reply in the customer service window is free, and Meta
        // says so with `billable: false` and type `free_customer_service`.
        s["pricing"] = json!({
            "billable": false,
            "pricing_model": "PMP",
            "category": "service",
            "type": "free_customer_service"
        });
    }
    if let Some(d) = callback_data {
        s["biz_opaque_callback_data"] = json!(d);
    }
    if let Some(e) = error {
        s["errors"] = json!([e]);
    }
    s
}

/// A delivery carrying `statuses` (one change, as Meta batches them).
pub fn statuses_delivery(cfg: &SandboxConfig, statuses: Vec<Value>) -> Value {
    envelope(
        cfg,
        "messages",
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(cfg),
            "statuses": statuses
        }),
    )
}

/// An inbound text message from a customer.
pub fn inbound_text_delivery(
    cfg: &SandboxConfig,
    wamid: &str,
    from_wa_id: &str,
    name: &str,
    text: &str,
    timestamp: i64,
) -> Value {
    envelope(
        cfg,
        "messages",
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(cfg),
            "contacts": [{ "profile": { "name": name }, "wa_id": from_wa_id }],
            "messages": [{
                "from": from_wa_id,
                "id": wamid,
                "timestamp": timestamp.to_string(),
                "type": "text",
                "text": { "body": text }
            }]
        }),
    )
}

/// An inbound media message (`image`, `document`, …) from a customer: Meta's object for the
/// kind with `id`, `mime_type`, `sha256` (hex) and, when given, `caption` and `filename`.
#[allow(clippy::too_many_arguments)]
pub fn inbound_media_delivery(
    cfg: &SandboxConfig,
    wamid: &str,
    from_wa_id: &str,
    name: &str,
    kind: &str,
    media: Value,
    timestamp: i64,
) -> Value {
    let mut message = json!({
        "from": from_wa_id,
        "id": wamid,
        "timestamp": timestamp.to_string(),
        "type": kind,
    });
    message[kind] = media;
    envelope(
        cfg,
        "messages",
        json!({
            "messaging_product": "whatsapp",
            "metadata": metadata(cfg),
            "contacts": [{ "profile": { "name": name }, "wa_id": from_wa_id }],
            "messages": [message]
        }),
    )
}

/// A Graph error body as Meta sends it.
pub fn graph_error(code: i64, kind: &str, message: &str, details: Option<&str>) -> Value {
    let mut rng = rand::rng();
    let trace: String = (0..11)
        .map(|_| {
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[rng.random_range(0..52)],
            )
        })
        .collect();
    let mut e = json!({
        "message": message,
        "type": kind,
        "code": code,
        "fbtrace_id": trace,
    });
    if let Some(d) = details {
        e["error_data"] = json!({ "messaging_product": "whatsapp", "details": d });
    }
    json!({ "error": e })
}

/// Meta's title and details for the error codes the sandbox can produce.
pub fn error_text(code: i64) -> (&'static str, &'static str) {
    match code {
        131_047 => ("Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."),
        131_026 => ("Message undeliverable", "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; the recipient has not accepted the new Terms of Service; the recipient is using an old WhatsApp version."),
        130_429 => ("Rate limit hit", "Cloud API message throughput has been reached."),
        131_056 => ("(Business Account, Consumer Account) pair rate limit hit", "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time."),
        131_000 => ("Something went wrong", "Message failed to send due to an unknown error."),
        131_016 => ("Service unavailable", "A service is temporarily unavailable."),
        132_000 => ("Number of parameters does not match the expected number of params", "The number of variable parameter values does not match the number of variables in the template."),
        132_001 => ("Template does not exist", "The template does not exist in the specified language or the template has not been approved."),
        190 => ("Access token has expired", "Error validating access token: Session has expired."),
        131_049 => ("Meta chose not to deliver", "This message was not delivered to maintain healthy ecosystem engagement."),
        _ => ("Error", "Injected by the sandbox."),
    }
}

/// A webhook `errors[]` item for `code`.
pub fn status_error(code: i64) -> Value {
    let (title, details) = error_text(code);
    json!({
        "code": code,
        "title": title,
        "message": title,
        "error_data": { "details": details },
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
    })
}
