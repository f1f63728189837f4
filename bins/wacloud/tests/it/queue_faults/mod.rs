//! FAULTS.md, "Sending": one test per row, each with its own small input, against the real
//! server and its embedded sandbox (which refuses, fails and delays like Meta when told to).
//! Plus the queue's own promises: scheduling, cancelling, retrying, idempotency, and a send
//! whose answer was lost settled from status webhooks instead of being sent twice.
//!
//! `refusals`: sends refused before Meta (window, template, number, text, blocked or opted
//! out) and Meta's final 131026; `rate_limits`: pacing and Meta's 130429 and 131056;
//! `token_expiry`: the pause on error 190; `unknown_outcomes`: a send whose answer was lost;
//! `retries`: retries and repeated requests (Idempotency-Key); `scheduling`: scheduling,
//! cancelling and progress. This module holds the helpers they share.

mod campaigns;
mod rate_limits;
mod refusals;
mod retries;
mod scheduling;
mod token_expiry;
mod unknown_outcomes;

use serde_json::{json, Value};

use crate::app::TestApp;

fn hello_world() -> Value {
    json!({"name": "hello_world", "language": "en_US"})
}

async fn bulk(app: &TestApp, body: Value) -> Value {
    let (status, v) = app.send_bulk(&body).await;
    assert_eq!(status, 202, "{v}");
    v
}

async fn wait_batch_done(app: &TestApp, id: &str, secs: u64) -> Value {
    app.wait_for(secs, "batch done", || async {
        let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
        (b["done"] == true).then_some(b)
    })
    .await
}

fn item_for<'a>(batch: &'a Value, phone: &str) -> &'a Value {
    batch["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["phone_number"] == phone)
        .unwrap_or_else(|| panic!("no item for {phone} in {batch}"))
}

fn accepted_for(counts: &Value, wa_id: &str) -> u64 {
    counts["per_recipient"][wa_id].as_u64().unwrap_or(0)
}
