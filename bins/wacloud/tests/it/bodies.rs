//! Webhook bodies as Meta sends them, small enough to read in a test.

use serde_json::Value;

/// A minimal signed-delivery builder for inbound text.
pub fn inbound_text(pid: &str, from: &str, wamid: &str, ts: i64, text: &str, name: &str) -> Value {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": ts.to_string(), "type": "text", "text": {"body": text}}]
        }}]}]
    })
}

/// A signed-delivery builder for one status.
pub fn status_body(pid: &str, wamid: &str, status: &str, ts: i64, recipient: &str) -> Value {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
            "statuses": [{"id": wamid, "status": status, "timestamp": ts.to_string(), "recipient_id": recipient}]
        }}]}]
    })
}
