//! Sends refused before anything reaches Meta, each with a code that says why: free-form text
//! outside the 24-hour window (131047), template parameters that do not fit (132000), numbers
//! that cannot be normalised, text over 4096 characters, blocked, opted-out, duplicate and
//! invalid recipients. And Meta's own final refusal, 131026 undeliverable.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::{accepted_for, bulk, hello_world, item_for, wait_batch_done};
use crate::app::{TestApp, PHONE_NUMBER_ID};
use crate::bodies::inbound_text;

fn now_secs() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// A customer wrote at Meta's timestamp `ts` (signed delivery, as Meta sends it).
async fn customer_wrote(app: &TestApp, wa_id: &str, ts: i64) {
    let body = inbound_text(
        PHONE_NUMBER_ID,
        wa_id,
        &format!("wamid.in-{wa_id}-{ts}"),
        ts,
        "hello",
        "Customer",
    );
    assert_eq!(app.deliver(&body).await.0, 200);
}

// --- Row: free-form text outside the 24-hour customer service window (131047)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_form_outside_the_window_is_refused_before_meta_and_says_to_use_a_template() {
    let app = TestApp::spawn().await;
    // Never wrote: refused, nothing reaches Meta, nothing is stored.
    let (status, e) = app
        .send(&json!({"phone_number": "+15550000101", "message_text": "hi"}))
        .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "window_closed");
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("template") && msg.contains("hello_world"),
        "{msg}"
    );
    assert_eq!(e["error"]["override"], "allow_outside_window");
    assert_eq!(app.counts().await["accepted"], 0);
    assert_eq!(app.stats().await["total_messages"], 0);

    // Wrote 25 hours ago by Meta's timestamp (arriving now): closed.
    customer_wrote(&app, "15550000102", now_secs() - 25 * 3600).await;
    let (status, e) = app
        .send(&json!({"phone_number": "+15550000102", "message_text": "hi"}))
        .await;
    assert_eq!(status, 422, "{e}");
    assert!(e["error"]["last_inbound_at"].is_string(), "{e}");
    // Wrote 23 hours ago: open.
    customer_wrote(&app, "15550000103", now_secs() - 23 * 3600).await;
    let (status, ok) = app
        .send(&json!({"phone_number": "+15550000103", "message_text": "hi"}))
        .await;
    assert_eq!(status, 200, "{ok}");
    // Templates are always allowed.
    let (status, ok) = app
        .send(
            &json!({"phone_number": "+15550000101", "type": "template", "template": hello_world()}),
        )
        .await;
    assert_eq!(status, 200, "{ok}");

    // The documented override, for a window wacloud cannot see: Meta (the sandbox, strict about
    // windows now) accepts it, then fails it with 131047, which is kept on the message.
    app.sandbox(json!({"strict_window": true})).await;
    let (status, ok) = app
        .send(
            &json!({"phone_number": "+15550000104", "message_text": "hi", "allow_outside_window": true}),
        )
        .await;
    assert_eq!(status, 200, "{ok}");
    let id = ok["message"]["id"].as_str().unwrap().to_owned();
    let failed = app
        .wait_for(10, "131047 failure", || async {
            app.conversation("15550000104")
                .await
                .into_iter()
                .find(|m| m["id"] == id.as_str() && m["status"] == "failed")
        })
        .await;
    assert_eq!(failed["error_code"], 131_047);
    // (The sandbox knows only the windows of customers it simulated itself.)
    app.sandbox(json!({"strict_window": false})).await;

    // Bulk: the closed and unknown windows are refused with a code, the open one goes.
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000101", "+15550000102", "+15550000103"], "message_text": "sale"}),
    )
    .await;
    assert_eq!(v["accepted"], 1, "{v}");
    let codes: Vec<&str> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["window_closed", "window_closed"]);
    // A scheduled text whose window closes before it is due is checked again when it goes:
    // covered by the use case (the worker re-checks every free-form item).
    let done = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 10).await;
    assert_eq!(done["counts"]["sent"], 1);
}

// --- Row: 131026 undeliverable

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeliverable_131026_is_final_never_retried_and_marks_the_contact() {
    let app = TestApp::spawn().await;
    app.sandbox(json!({"faults": [
        {"to": "15550000111", "mode": "refuse", "code": 131026},
        {"to": "15550000112", "mode": "fail_status", "code": 131026}
    ]}))
    .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000111", "+15550000112", "+15550000113"], "type": "template", "template": hello_world()}),
    )
    .await;
    let b = app
        .wait_for(15, "all final", || async {
            let (_, b) = app
                .get(&format!(
                    "/api/whatsapp/batches/{}",
                    v["batch_id"].as_str().unwrap()
                ))
                .await;
            (b["counts"]["failed"] == 2 && b["counts"]["sent"] == 1).then_some(b)
        })
        .await;
    let refused = item_for(&b, "+15550000111");
    assert_eq!(refused["state"], "failed");
    assert_eq!(refused["last_error_code"], 131_026);
    assert_eq!(refused["attempts"], 1, "never retried: {refused}");
    assert!(refused["last_error"].as_str().unwrap().contains("131026"));
    let later = item_for(&b, "+15550000112");
    assert_eq!(
        later["last_error_code"], 131_026,
        "accepted, then failed: {later}"
    );
    let counts = app.counts().await;
    assert_eq!(
        counts["refused"]["131026"], 1,
        "one request, no retry: {counts}"
    );
    // Both contacts are kept and marked.
    for phone in ["15550000111", "15550000112"] {
        let (_, list) = app
            .get(&format!("/api/whatsapp/contacts?search={phone}"))
            .await;
        let c = &list["contacts"][0];
        assert!(c["undeliverable_at"].is_string(), "{phone} marked: {c}");
    }
    // Nothing more goes out later.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.counts().await["refused"]["131026"], 1);
}

// --- Row: template parameter count mismatch (132000); parameters with newline, tab, spaces

async fn store_template(app: &TestApp, name: &str, body: &str, status: Option<&str>) {
    // Meta's template id, one per name.
    let tid = 1_315_502_779_000_000_u64 + u64::try_from(name.len()).unwrap() * 7919;
    let change = json!({"field": "message_template_components_update", "value": {
        "message_template_id": tid,
        "message_template_name": name,
        "message_template_language": "en_US",
        "message_template_element": body,
    }});
    let mut changes = vec![change];
    if let Some(s) = status {
        changes.push(json!({"field": "message_template_status_update", "value": {
            "event": s,
            "message_template_id": tid,
            "message_template_name": name,
            "message_template_language": "en_US",
            "reason": "NONE"
        }}));
    }
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "time": now_secs(), "changes": changes}]});
    assert_eq!(app.deliver(&body).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_parameters_are_checked_against_the_stored_template_before_sending() {
    let app = TestApp::spawn().await;
    app.sandbox(json!({"templates": [["order_confirmation", "en_US"]]}))
        .await;
    store_template(
        &app,
        "order_confirmation",
        "Thank you for your order, {{1}}! Your order number is {{2}}.",
        None,
    )
    .await;
    let send = |params: Value| {
        json!({"phone_number": "+15550000131", "type": "template",
               "template": {"name": "order_confirmation", "language": "en_US", "body_parameters": params}})
    };
    let (status, e) = app.send(&send(json!(["Ana"]))).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "template_mismatch");
    let m = e["error"]["message"].as_str().unwrap();
    assert!(
        m.contains("132000") && m.contains('2') && m.contains('1'),
        "{m}"
    );
    for bad in ["line\nbreak", "tab\there", "five     spaces"] {
        let (status, e) = app.send(&send(json!(["Ana", bad]))).await;
        assert_eq!(status, 400, "{bad:?}: {e}");
        assert_eq!(e["error"]["code"], "invalid_template_parameter");
    }
    assert_eq!(app.counts().await["accepted"], 0, "nothing reached Meta");
    let (status, ok) = app.send(&send(json!(["Ana", "A-1001"]))).await;
    assert_eq!(status, 200, "{ok}");
    // The conversation shows what the customer reads, not "[template: order_confirmation]".
    let shown = app.conversation("+15550000131").await;
    assert!(
        shown
            .iter()
            .any(|m| m["message_text"]
                == "Thank you for your order, Ana! Your order number is A-1001."),
        "{shown:?}"
    );

    // Per recipient in a bulk: the one whose parameters do not fit is refused.
    let v = bulk(
        &app,
        json!({"type": "template", "template": {"name": "order_confirmation", "language": "en_US"},
        "recipients": [
            {"phone_number": "+15550000132", "body_parameters": ["Bo", "A-1002"]},
            {"phone_number": "+15550000133", "body_parameters": ["Cy"]},
            {"phone_number": "+15550000134", "body_parameters": ["Di", "two\nlines"]}
        ]}),
    )
    .await;
    assert_eq!(v["accepted"], 1, "{v}");
    let codes: Vec<&str> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["template_mismatch", "invalid_template_parameter"]);

    // A paused template is refused before Meta.
    store_template(&app, "promo", "Sale {{1}}", Some("PAUSED")).await;
    let (status, e) = app
        .send(&json!({"phone_number": "+15550000131", "type": "template",
                    "template": {"name": "promo", "language": "en_US", "body_parameters": ["x"]}}))
        .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["code"], "template_not_sendable");
}

// --- Row: numbers with 00, spaces, dashes, no country code

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_numbers_are_normalised_or_refused_never_guessed() {
    let app = TestApp::spawn().await;
    let v = bulk(
        &app,
        json!({"type": "template", "template": hello_world(), "recipients": [
            "0044 20 7946 0958", "+1 555-000-0151", "(555) 000-0152", "555 000 0153", "call me"
        ]}),
    )
    .await;
    assert_eq!(v["accepted"], 2, "{v}");
    let rejected = v["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3);
    assert!(rejected
        .iter()
        .all(|r| r["code"] == "invalid_phone_number" && r["reason"].as_str().unwrap().len() > 10));
    assert!(rejected[0]["reason"]
        .as_str()
        .unwrap()
        .contains("country code"));
    wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 10).await;
    let c = app.counts().await;
    assert_eq!(accepted_for(&c, "442079460958"), 1, "{c}");
    assert_eq!(accepted_for(&c, "15550000151"), 1, "{c}");
    assert_eq!(c["accepted"], 2);
}

// --- Rows: text over 4096 characters; newline escaped twice

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_text_limits_name_the_limit_and_newlines_reach_the_customer() {
    let app = TestApp::spawn().await;
    let (status, e) = app
        .send_bulk(
            &json!({"recipients": ["+15550000161"], "message_text": "é".repeat(4097), "allow_outside_window": true}),
        )
        .await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["error"]["code"], "text_too_long");
    assert!(e["error"]["message"].as_str().unwrap().contains("4096"));
    // 4096 emoji are 4096 characters: accepted whole, never cut.
    let long = "😀".repeat(4096);
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000161"], "message_text": long, "allow_outside_window": true}),
    )
    .await;
    wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 10).await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000162"], "message_text": "line one\nline two", "allow_outside_window": true}),
    )
    .await;
    wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 10).await;
    let (_, sent) = app.get("/sandbox/sent").await;
    let bodies: Vec<&Value> = sent["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["body"])
        .collect();
    let first = bodies.iter().find(|b| b["to"] == "15550000161").unwrap();
    assert_eq!(first["text"]["body"].as_str().unwrap(), long);
    let second = bodies.iter().find(|b| b["to"] == "15550000162").unwrap();
    assert_eq!(second["text"]["body"], "line one\nline two");
}

// --- Refusals before the queue: blocked, opted out, duplicate, invalid

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_refuses_blocked_opted_out_duplicate_and_invalid_recipients_with_reasons() {
    let app = TestApp::spawn().await;
    app.put_json(
        "/api/whatsapp/contacts/15550000231",
        &json!({"is_blocked": true}),
    )
    .await;
    let stop = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "user_preferences", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Opt"}, "wa_id": "15550000232"}],
        "user_preferences": [{"wa_id": "15550000232", "detail": "User requested to stop marketing messages", "category": "marketing_messages", "value": "stop", "timestamp": now_secs()}]
    }}]}]});
    assert_eq!(app.deliver(&stop).await.0, 200);
    let v = bulk(
        &app,
        json!({"type": "template", "template": hello_world(), "recipients": [
            "+15550000231", "+15550000232", "+15550000233", "15550000233", "nope"
        ]}),
    )
    .await;
    assert_eq!(v["accepted"], 1, "{v}");
    let mut codes: Vec<&str> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        ["blocked", "duplicate", "invalid_phone_number", "opted_out"]
    );
    // Nothing accepted: no batch.
    let v = bulk(
        &app,
        json!({"type": "template", "template": hello_world(), "recipients": ["+15550000231"]}),
    )
    .await;
    assert_eq!(v["accepted"], 0);
    assert!(v["batch_id"].is_null(), "{v}");
}
