//! FAULTS.md, "Sending": one test per row, each with its own small input, against the real
//! server and its embedded sandbox (which refuses, fails and delays like Meta when told to).
//! Plus the queue's own promises: scheduling, cancelling, retrying, idempotency, and a send
//! whose answer was lost settled from status webhooks instead of being sent twice.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

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

fn hello_world() -> Value {
    json!({"name": "hello_world", "language": "en_US"})
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

// --- Row: 130429 throughput, 131056 pair rate

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_number_is_paced_below_its_throughput_so_130429_does_not_happen() {
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.messages_per_second = 20;
            // Meta (the sandbox) allows the number the same 20/s: going over would be refused.
            s.sandbox.messages_per_second = 20;
        })
        .spawn()
        .await;
    let recipients: Vec<String> = (0..40).map(|i| format!("+1555001{i:04}")).collect();
    let t0 = Instant::now();
    let v = bulk(
        &app,
        json!({"recipients": recipients, "type": "template", "template": hello_world()}),
    )
    .await;
    let b = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 20).await;
    assert_eq!(b["counts"]["sent"], 40, "{b}");
    assert!(
        t0.elapsed() >= Duration::from_millis(1850),
        "{:?}",
        t0.elapsed()
    );
    let c = app.counts().await;
    assert!(c["refused"].as_object().unwrap().is_empty(), "{c}");
    assert!(
        c["max_per_second"].as_u64().unwrap() <= 25,
        "20/s (+ jitter): {c}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_meta_answers_130429_the_whole_number_backs_off_and_nothing_is_lost() {
    // wacloud believes the number does 1000/s; Meta (the sandbox) allows 20/s.
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.messages_per_second = 1000;
            s.sandbox.messages_per_second = 20;
        })
        .spawn()
        .await;
    let recipients: Vec<String> = (0..30).map(|i| format!("+1555002{i:04}")).collect();
    let v = bulk(
        &app,
        json!({"recipients": recipients, "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let b = wait_batch_done(&app, &id, 60).await;
    assert_eq!(b["counts"]["sent"], 30, "{b}");
    let c = app.counts().await;
    assert!(c["refused"]["130429"].as_u64().unwrap_or(0) > 0, "{c}");
    for r in &recipients {
        assert_eq!(accepted_for(&c, r.trim_start_matches('+')), 1, "{r}: {c}");
    }
    let retried = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["attempts"].as_i64().unwrap() > 1)
        .count();
    assert!(retried > 0, "some items were retried after 130429");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_to_one_recipient_are_spaced_and_131056_backs_off_that_recipient_only() {
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.pair_interval = Duration::from_millis(400);
            s.throughput.pair_burst = 1;
        })
        .spawn()
        .await;
    app.sandbox(json!({"pair_interval_ms": 300, "pair_burst": 1}))
        .await;
    // Three scheduled messages to the same customer, due at once: spaced by the pacer.
    for i in 0..3 {
        let (status, v) = app
            .send(
                &json!({"phone_number": "+15550000121", "type": "template",
                        "template": {"name": "hello_world", "language": "en_US", "body_parameters": [format!("n{i}")]},
                        "scheduled_at": "2020-01-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(status, 202, "{v}");
    }
    app.wait_for(10, "three sent", || async {
        (accepted_for(&app.counts().await, "15550000121") == 3).then_some(())
    })
    .await;
    let c = app.counts().await;
    assert!(c["refused"].as_object().unwrap().is_empty(), "{c}");

    // 131056 anyway (Meta's own view): that recipient waits, the others go on.
    app.sandbox(json!({"pair_interval_ms": 0, "faults": [
        {"to": "15550000122", "mode": "refuse", "code": 131056, "times": 2}
    ]}))
    .await;
    let others: Vec<String> = (0..5).map(|i| format!("+1555003{i:04}")).collect();
    let mut recipients = vec!["+15550000122".to_owned()];
    recipients.extend(others.clone());
    let v = bulk(
        &app,
        json!({"recipients": recipients, "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let b = app
        .wait_for(10, "others sent", || async {
            let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
            (b["counts"]["sent"].as_i64().unwrap_or(0) >= 5).then_some(b)
        })
        .await;
    for o in &others {
        assert_eq!(item_for(&b, o)["state"], "sent", "{b}");
    }
    let b = wait_batch_done(&app, &id, 30).await;
    let held = item_for(&b, "+15550000122");
    assert_eq!(held["state"], "sent", "{held}");
    assert_eq!(held["attempts"], 3, "two refusals, then sent: {held}");
    let c = app.counts().await;
    assert_eq!(c["refused"]["131056"], 2);
    assert_eq!(accepted_for(&c, "15550000122"), 1);
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

// --- Row: expired token (190)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_pauses_all_sending_with_one_alert_and_resumes_when_it_works() {
    let app = TestApp::builder()
        .with(|s| s.meta.token_probe_interval = Duration::from_secs(1))
        .spawn()
        .await;
    app.sandbox(json!({"token_valid": false})).await;
    let recipients: Vec<String> = (0..20).map(|i| format!("+1555004{i:04}")).collect();
    let v = bulk(
        &app,
        json!({"recipients": recipients, "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let health = app
        .wait_for(10, "pause", || async {
            let (_, h) = app.get("/api/whatsapp/health").await;
            (h["sending"]["paused"] == true).then_some(h)
        })
        .await;
    let alerts = health["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "one alert: {health}");
    assert_eq!(alerts[0]["code"], "token_invalid");
    assert!(alerts[0]["message"].as_str().unwrap().contains("190"));
    assert_eq!(health["status"], "degraded");
    // A direct send is refused at once, without calling Meta.
    let (status, e) = app
        .send(
            &json!({"phone_number": "+15550000141", "type": "template", "template": hello_world()}),
        )
        .await;
    assert_eq!(status, 503, "{e}");
    assert_eq!(e["error"]["code"], "sending_paused");
    // Queued work waits; nothing is dropped or failed.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
    assert_eq!(b["counts"]["failed"], 0, "{b}");
    assert_eq!(b["counts"]["pending"], 20, "{b}");
    assert_eq!(app.counts().await["accepted"], 0);
    // An item whose attempt was stopped by the pause is cancelled: its message does not stay
    // pending in the chat for ever.
    let tried = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| !i["message_id"].is_null())
        .expect("an item tried before the pause")
        .clone();
    let (status, c) = app
        .post_json(
            &format!(
                "/api/whatsapp/queue/{}/cancel",
                tried["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    let phone = tried["phone_number"].as_str().unwrap().to_owned();
    let msgs = app.conversation(phone.trim_start_matches('+')).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["status"], "failed", "{msgs:?}");
    assert!(msgs[0]["message_id"].is_null());
    assert_eq!(
        app.get("/api/whatsapp/health").await.1["alerts"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "still one alert"
    );
    // The token works again: wacloud notices by itself and sends everything, once.
    app.sandbox(json!({"token_valid": true})).await;
    let b = wait_batch_done(&app, &id, 20).await;
    assert_eq!(b["counts"]["sent"], 19, "{b}");
    assert_eq!(b["counts"]["cancelled"], 1, "{b}");
    let (_, h) = app.get("/api/whatsapp/health").await;
    assert_eq!(h["sending"]["paused"], false);
    assert!(h["alerts"].as_array().unwrap().is_empty(), "{h}");
    let c = app.counts().await;
    for r in &recipients {
        let expected = u64::from(*r != phone);
        assert_eq!(accepted_for(&c, r.trim_start_matches('+')), expected, "{r}");
    }
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

// --- Row: a retry of a failed message is a new attempt with a new wamid

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_of_a_failed_message_is_a_new_attempt_with_a_new_wamid() {
    let app = TestApp::spawn().await;
    app.sandbox(json!({"faults": [{"to": "15550000171", "mode": "fail_status", "code": 131049, "times": 1}]}))
        .await;
    let (status, first) = app
        .send(
            &json!({"phone_number": "+15550000171", "type": "template", "template": hello_world()}),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let first_id = first["message"]["id"].as_str().unwrap().to_owned();
    let first_wamid = first["message_id"].as_str().unwrap().to_owned();
    app.wait_for(10, "failed", || async {
        app.conversation("15550000171")
            .await
            .into_iter()
            .find(|m| m["id"] == first_id.as_str() && m["status"] == "failed")
    })
    .await;
    // A body that is not the documented one is refused, not ignored.
    let r = app
        .http
        .post(app.url(&format!("/api/whatsapp/messages/{first_id}/retry")))
        .header("content-type", "application/json")
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (status, again) = app
        .post_json(
            &format!("/api/whatsapp/messages/{first_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    // A second retry of the same failed message (a double click) sends nothing more.
    let (status, e) = app
        .post_json(
            &format!("/api/whatsapp/messages/{first_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "already_retried");
    assert_ne!(again["message"]["id"], first_id.as_str());
    assert_ne!(again["message_id"], first_wamid.as_str());
    let msgs = app.conversation("15550000171").await;
    let old = msgs.iter().find(|m| m["id"] == first_id.as_str()).unwrap();
    assert_eq!(
        old["status"], "failed",
        "the failed attempt stays as it was"
    );
    assert_eq!(old["message_id"], first_wamid.as_str());
    assert_eq!(accepted_for(&app.counts().await, "15550000171"), 2);
    // Only a failed outbound message can be retried.
    let new_id = again["message"]["id"].as_str().unwrap();
    let (status, e) = app
        .post_json(
            &format!("/api/whatsapp/messages/{new_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "not_retryable");

    // A failed queue item: a new item, a new message, a new wamid.
    app.sandbox(
        json!({"faults": [{"to": "15550000172", "mode": "refuse", "code": 131026, "times": 1}]}),
    )
    .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000172"], "type": "template", "template": hello_world()}),
    )
    .await;
    let b = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 10).await;
    let failed = item_for(&b, "+15550000172");
    assert_eq!(failed["state"], "failed");

    // The same failure retried through its message and through its queue item: one retry.
    app.sandbox(
        json!({"faults": [{"to": "15550000173", "mode": "refuse", "code": 131026, "times": 1}]}),
    )
    .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000173"], "type": "template", "template": hello_world()}),
    )
    .await;
    let b = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 10).await;
    let other = item_for(&b, "+15550000173").clone();
    assert_eq!(other["state"], "failed");
    let (status, m) = app
        .post_json(
            &format!(
                "/api/whatsapp/messages/{}/retry",
                other["message_id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{m}");
    let (status, e) = app
        .post_json(
            &format!(
                "/api/whatsapp/queue/{}/retry",
                other["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "already_retried");
    assert_eq!(accepted_for(&app.counts().await, "15550000173"), 1);
    let (status, retry) = app
        .post_json(
            &format!(
                "/api/whatsapp/queue/{}/retry",
                failed["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{retry}");
    assert_eq!(retry["retry_of"], failed["id"]);
    let (status, e) = app
        .post_json(
            &format!(
                "/api/whatsapp/queue/{}/retry",
                failed["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "a second retry of the same item: {e}");
    assert_eq!(e["error"]["code"], "already_retried");
    let rid = retry["id"].as_str().unwrap().to_owned();
    let item = app
        .wait_for(10, "retry sent", || async {
            let (_, i) = app.get(&format!("/api/whatsapp/queue/{rid}")).await;
            (i["state"] == "sent").then_some(i)
        })
        .await;
    assert_ne!(item["message_id"], failed["message_id"]);
    assert_eq!(accepted_for(&app.counts().await, "15550000172"), 1);
}

// --- Row: a double click or a resent request sends twice

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_returns_the_first_result_even_after_a_restart() {
    let app = TestApp::spawn().await;
    let body =
        json!({"phone_number": "+15550000181", "type": "template", "template": hello_world()});
    let post = |key: &'static str, body: Value| {
        let http = app.http.clone();
        let url = app.url("/api/whatsapp/send");
        async move {
            let r = http
                .post(url)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            let status = r.status().as_u16();
            (status, replayed, r.json::<Value>().await.unwrap())
        }
    };
    let (s1, r1, first) = post("click-1", body.clone()).await;
    let (s2, r2, second) = post("click-1", body.clone()).await;
    assert_eq!((s1, r1), (200, false));
    assert_eq!((s2, r2), (200, true));
    assert_eq!(first, second);
    // A double click: both at once.
    let (a, b) = tokio::join!(post("click-2", body.clone()), post("click-2", body.clone()));
    assert_eq!(a.0, 200, "{:?}", a.2);
    assert_eq!(b.0, 200, "{:?}", b.2);
    assert_eq!(a.2["message_id"], b.2["message_id"]);
    assert_eq!(
        accepted_for(&app.counts().await, "15550000181"),
        2,
        "one per key"
    );
    // The same key for another request is refused.
    let (s, _, e) = post(
        "click-1",
        json!({"phone_number": "+15550000182", "type": "template", "template": hello_world()}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "idempotency_key_reused");
    // A refusal is a result too.
    let text = json!({"phone_number": "+15550000183", "message_text": "hi"});
    let (s1, _, e1) = post("click-3", text.clone()).await;
    let (s2, r2, e2) = post("click-3", text).await;
    assert_eq!((s1, s2, r2), (422, 422, true));
    assert_eq!(e1, e2);

    // Bulk: the same batch, queued once.
    let bulk_body = json!({"recipients": ["+15550000184", "+15550000185"], "type": "template", "template": hello_world()});
    let send_bulk = |key: &'static str| {
        let http = app.http.clone();
        let url = app.url("/api/whatsapp/send-bulk");
        let body = bulk_body.clone();
        async move {
            let r = http
                .post(url)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s1, b1) = send_bulk("bulk-1").await;
    let (s2, b2) = send_bulk("bulk-1").await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(b1["batch_id"], b2["batch_id"]);
    wait_batch_done(&app, b1["batch_id"].as_str().unwrap(), 10).await;
    let c = app.counts().await;
    assert_eq!(accepted_for(&c, "15550000184"), 1);
    assert_eq!(accepted_for(&c, "15550000185"), 1);

    // Stored durably: a new server on the same database answers the same.
    let db = app.stop().await;
    let app2 = TestApp::builder().on(db).spawn().await;
    let r = app2
        .http
        .post(app2.url("/api/whatsapp/send"))
        .header("Idempotency-Key", "click-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("idempotent-replayed").is_some());
    assert_eq!(r.json::<Value>().await.unwrap(), first);
    assert_eq!(app2.counts().await["accepted"], 0, "nothing sent again");
    // A malformed key is refused.
    let r = app2
        .http
        .post(app2.url("/api/whatsapp/send"))
        .header("Idempotency-Key", "has space")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

// --- Never twice: a send whose answer is lost is reconciled, not repeated

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_answer_is_lost_is_settled_by_its_status_webhook_and_never_resent() {
    // The answer comes after the timeout; the `sent` status after that.
    let app = TestApp::builder()
        .with(|s| {
            s.meta.graph_timeout = Duration::from_millis(400);
            s.sandbox.status_delay = Duration::from_millis(800);
        })
        .spawn()
        .await;
    app.sandbox(json!({"faults": [{"to": "15550000191", "mode": "hang", "hang_ms": 3000}]}))
        .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000191", "+15550000192"], "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let b = wait_batch_done(&app, &id, 15).await;
    let item = item_for(&b, "+15550000191");
    assert_eq!(item["state"], "sent", "{item}");
    assert_eq!(item["attempts"], 1, "{item}");
    assert!(
        item["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("answer was lost"),
        "{item}"
    );
    // The message joined its wamid through biz_opaque_callback_data and moved on.
    let m = app
        .wait_for(15, "read", || async {
            app.conversation("15550000191")
                .await
                .into_iter()
                .find(|m| m["status"] == "read")
        })
        .await;
    assert!(m["message_id"].as_str().unwrap().starts_with("wamid."));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        accepted_for(&app.counts().await, "15550000191"),
        1,
        "never resent"
    );

    // A direct send: 504 outcome_unknown, and the message still reaches read.
    let (status, e) = app
        .send(
            &json!({"phone_number": "+15550000191", "type": "template", "template": hello_world()}),
        )
        .await;
    assert_eq!(status, 504, "{e}");
    assert_eq!(e["error"]["code"], "outcome_unknown");
    let mid = e["error"]["message_id"].as_str().unwrap().to_owned();
    app.wait_for(15, "read", || async {
        app.conversation("15550000191")
            .await
            .into_iter()
            .find(|m| m["id"] == mid.as_str() && m["status"] == "read")
    })
    .await;
    assert_eq!(accepted_for(&app.counts().await, "15550000191"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_without_any_status_is_held_for_an_operator_not_resent() {
    let app = TestApp::builder()
        .with(|s| {
            s.meta.graph_timeout = Duration::from_millis(400);
            s.queue.unknown_grace = Duration::from_secs(1);
        })
        .spawn()
        .await;
    app.sandbox(json!({"statuses": false, "faults": [{"to": "15550000201", "mode": "hang", "hang_ms": 2000, "times": 1}]}))
        .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000201"], "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let item = app
        .wait_for(15, "held", || async {
            let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
            let i = item_for(&b, "+15550000201").clone();
            (i["state"] == "unknown" && i["finished_at"].is_string()).then_some(i)
        })
        .await;
    assert!(
        item["last_error"]
            .as_str()
            .unwrap()
            .contains("does not send it again"),
        "{item}"
    );
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        accepted_for(&app.counts().await, "15550000201"),
        1,
        "not resent"
    );
    // The operator decides: retry (a new attempt) — or cancel, which an unknown item allows.
    let (status, r) = app
        .post_json(
            &format!("/api/whatsapp/queue/{}/retry", item["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    app.wait_for(10, "retried", || async {
        (accepted_for(&app.counts().await, "15550000201") == 2).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_resend_policy_a_request_that_never_arrived_is_sent_after_the_grace_period() {
    let app = TestApp::builder()
        .with(|s| {
            s.meta.graph_timeout = Duration::from_millis(400);
            s.queue.unknown_grace = Duration::from_secs(1);
            s.queue.resend_unknown = true;
        })
        .spawn()
        .await;
    // The request is lost before Meta sees it: no record, no status, no answer.
    app.sandbox(
        json!({"faults": [{"to": "15550000211", "mode": "drop", "hang_ms": 1000, "times": 1}]}),
    )
    .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000211"], "type": "template", "template": hello_world()}),
    )
    .await;
    let b = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 20).await;
    let item = item_for(&b, "+15550000211");
    assert_eq!(item["state"], "sent", "{item}");
    assert_eq!(item["attempts"], 2, "{item}");
    assert_eq!(accepted_for(&app.counts().await, "15550000211"), 1);
}

// --- Scheduling, cancelling, progress

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_sends_wait_for_their_time_and_can_be_cancelled() {
    let app = TestApp::spawn().await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000221", "+15550000222"], "type": "template",
               "template": hello_world(), "scheduled_at": soon}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let (_, b) = app
        .get(&format!("/api/whatsapp/batches/{id}?limit=0"))
        .await;
    assert_eq!(b["counts"]["pending"], 2, "{b}");
    assert!(
        b["items"].as_array().unwrap().is_empty(),
        "limit=0: counts only"
    );
    assert_eq!(app.counts().await["accepted"], 0);
    let b = wait_batch_done(&app, &id, 10).await;
    assert_eq!(b["counts"]["sent"], 2);
    let (_, sent_only) = app
        .get(&format!("/api/whatsapp/batches/{id}?state=sent&limit=1"))
        .await;
    assert_eq!(sent_only["items"].as_array().unwrap().len(), 1);

    // A batch for later, cancelled.
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000223", "+15550000224"], "type": "template",
               "template": hello_world(), "scheduled_at": later}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let (status, c) = app
        .post_json(&format!("/api/whatsapp/batches/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["cancelled"], 2);
    let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
    assert_eq!(b["done"], true);
    assert_eq!(b["counts"]["cancelled"], 2);
    assert!(b["items"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("cancelled"));

    // One scheduled message, cancelled; a sent one cannot be.
    let (status, q) = app
        .send(
            &json!({"phone_number": "+15550000225", "type": "template", "template": hello_world(), "scheduled_at": later}),
        )
        .await;
    assert_eq!(status, 202, "{q}");
    assert_eq!(q["queue_item"]["state"], "pending");
    let qid = q["queue_item"]["id"].as_str().unwrap().to_owned();
    let (status, c) = app
        .post_json(&format!("/api/whatsapp/queue/{qid}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["state"], "cancelled");
    let sent_item = b_first_sent(&app).await;
    let (status, e) = app
        .post_json(
            &format!("/api/whatsapp/queue/{sent_item}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "not_cancellable");
    let (status, _) = app.get("/api/whatsapp/queue/nope").await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post_json("/api/whatsapp/batches/nope/cancel", &json!({}))
        .await;
    assert_eq!(status, 404);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.counts().await["accepted"],
        2,
        "cancelled items never went"
    );
}

async fn b_first_sent(app: &TestApp) -> String {
    let s = app.stats().await;
    assert!(s["queue"]["by_state"]["sent"].as_i64().unwrap() >= 1);
    let (_, sent) = app.get("/sandbox/sent").await;
    let cb = sent["requests"][0]["body"]["biz_opaque_callback_data"]
        .as_str()
        .unwrap()
        .to_owned();
    // The first attempt's message id is the queue item's id.
    cb
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

// --- A direct send never waits long for the pair rate; a schedule years ahead is a typo

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_send_over_the_pair_rate_answers_429_at_once_and_far_schedules_are_refused() {
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.pair_burst = 1;
            s.throughput.pair_interval = Duration::from_millis(60_000);
        })
        .spawn()
        .await;
    let body =
        json!({"phone_number": "+15550000231", "type": "template", "template": hello_world()});
    let (status, v) = app.send(&body).await;
    assert_eq!(status, 200, "{v}");
    let started = std::time::Instant::now();
    let r = app
        .http
        .post(app.url("/api/whatsapp/send"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered at once"
    );
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((50..=60).contains(&wait), "Retry-After {wait}");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "pair_rate_limited");
    assert_eq!(accepted_for(&app.counts().await, "15550000231"), 1);
    // Through the queue the same message waits for its slot instead of being refused.
    let mut scheduled = body.clone();
    scheduled["scheduled_at"] = json!("2020-01-01T00:00:00Z");
    let (status, v) = app.send(&scheduled).await;
    assert_eq!(status, 202, "{v}");

    for (path, body) in [
        (
            "/api/whatsapp/send",
            json!({"phone_number": "+15550000232", "type": "template", "template": hello_world(),
                   "scheduled_at": "9999-12-31T23:59:59Z"}),
        ),
        (
            "/api/whatsapp/send-bulk",
            json!({"recipients": ["+15550000232"], "type": "template", "template": hello_world(),
                   "scheduled_at": "2031-01-01T00:00:00Z"}),
        ),
    ] {
        let (status, e) = app.post_json(path, &body).await;
        assert_eq!(status, 400, "{path}: {e}");
        assert_eq!(e["error"]["field"], "scheduled_at", "{e}");
    }
}
