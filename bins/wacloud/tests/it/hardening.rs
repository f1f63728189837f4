//! Defects a red-team pass found, each pinned by a test: partial deliveries, NUL characters,
//! final failures, group contacts, method errors, the API key over the sandbox, `.env` errors.

use serde_json::{json, Value};

use crate::app::{TestApp, PHONE_NUMBER_ID};
use crate::bodies::{inbound_text, status_body};

fn value(messages: Value, contacts: Value) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": contacts, "messages": messages}}]}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_element_does_not_lose_its_siblings() {
    let app = TestApp::spawn().await;
    let from = "15550000070";
    let body = value(
        json!([
            {"from": from, "id": "wamid.pb1", "timestamp": "1730000001", "type": "text", "text": {"body": "one"}},
            {"from": from, "id": "wamid.pb2", "type": "text", "text": {"body": "no timestamp"}},
            {"from": from, "id": "wamid.pb3", "timestamp": "1730000003", "type": "text", "text": {"body": "three"}}
        ]),
        json!([{"wa_id": from, "profile": {"name": "P"}}]),
    );
    let (status, answer) = app.deliver(&body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["state"], "failed", "kept for reprocessing: {answer}");
    let texts: Vec<String> = app
        .conversation(from)
        .await
        .iter()
        .map(|m| m["message_text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(texts, ["three", "one"], "the valid messages are kept");
    // A second change of the wrong shape does not lose the first.
    let mut two = value(
        json!([{"from": from, "id": "wamid.pb4", "timestamp": "1730000004", "type": "text", "text": {"body": "four"}}]),
        json!([]),
    );
    two["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "W2", "changes": "notalist"}));
    let (status, answer) = app.deliver(&two).await;
    assert_eq!((status, answer["state"].as_str()), (200, Some("failed")));
    assert_eq!(app.conversation(from).await.len(), 3);
    assert_eq!(app.stats().await["webhooks"]["failed"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_characters_are_refused_on_input_and_replaced_in_webhooks() {
    let app = TestApp::spawn().await;
    let body = inbound_text(
        PHONE_NUMBER_ID,
        "15550000071",
        "wamid.nul1",
        1_730_000_000,
        "a\u{0}b",
        "N\u{0}ame",
    );
    let (status, answer) = app.deliver(&body).await;
    assert_eq!(
        (status, answer["state"].as_str()),
        (200, Some("processed")),
        "{answer}"
    );
    let m = &app.conversation("15550000071").await[0];
    assert_eq!(m["message_text"], "a\u{FFFD}b");
    let (_, c) = app.get("/api/whatsapp/contacts?search=15550000071").await;
    assert_eq!(c["contacts"][0]["profile_name"], "N\u{FFFD}ame");
    for (path, body) in [(
        "/api/whatsapp/send",
        json!({"phone_number": "+15550000071", "message_text": "a\u{0}b"}),
    )] {
        let (status, e) = app.post_json(path, &body).await;
        assert_eq!(status, 400, "{e}");
    }
    let (status, _) = app
        .put_json(
            "/api/whatsapp/contacts/15550000071",
            &json!({"display_name": "A\u{0}B"}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app.get("/api/whatsapp/contacts?search=%00").await;
    assert_eq!(status, 400);
    let (status, _) = app.get("/api/whatsapp/batches/%00").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_is_final_and_group_participants_are_not_contacts() {
    let app = TestApp::spawn().await;
    let w = "wamid.final1";
    app.deliver(&status_body(
        PHONE_NUMBER_ID,
        w,
        "sent",
        1_730_000_000,
        "15550000072",
    ))
    .await;
    let mut failed = status_body(PHONE_NUMBER_ID, w, "failed", 1_730_000_001, "15550000072");
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] =
        json!([{"code": 131047, "title": "Re-engagement message"}]);
    app.deliver(&failed).await;
    app.deliver(&status_body(
        PHONE_NUMBER_ID,
        w,
        "delivered",
        1_730_000_002,
        "15550000072",
    ))
    .await;
    let m = app
        .all_messages("")
        .await
        .into_iter()
        .find(|m| m["message_id"] == w)
        .unwrap();
    assert_eq!(m["status"], "failed", "{m}");
    assert_eq!(
        m["delivered_at"], "2024-10-27T03:33:22Z",
        "the late step is still recorded"
    );

    let mut group = status_body(
        PHONE_NUMBER_ID,
        "wamid.grp1",
        "read",
        1_730_000_010,
        "GROUP123",
    );
    group["entry"][0]["changes"][0]["value"]["statuses"][0]["recipient_type"] = json!("group");
    group["entry"][0]["changes"][0]["value"]["contacts"] =
        json!([{"wa_id": "15550000073", "profile": {"name": "Group Reader"}}]);
    assert_eq!(app.deliver(&group).await.0, 200);
    let (_, c) = app.get("/api/whatsapp/contacts?search=15550000073").await;
    assert_eq!(c["total_count"], 0, "{c}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timestamps_no_message_can_carry_fall_back_to_the_delivery_time() {
    let app = TestApp::spawn().await;
    let body = inbound_text(PHONE_NUMBER_ID, "15550000074", "wamid.ts1", -5, "old?", "T");
    assert_eq!(app.deliver(&body).await.0, 200);
    let m = &app.conversation("15550000074").await[0];
    assert!(
        !m["created_at"].as_str().unwrap().starts_with("1969"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_methods_are_405_and_bad_reply_to_is_400() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .get(app.url("/api/whatsapp/send"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    let r = app
        .http
        .patch(app.url("/api/whatsapp/contacts/15550000001"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let (status, _) = app.get("/api/whatsapp/nothing-here").await;
    assert_eq!(status, 404);
    // Outside the API too: the metrics, the OpenAPI document and the dashboard's files are GET.
    for path in ["/metrics", "/api/openapi.json", "/dashboard.html"] {
        let r = app.http.post(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 405, "POST {path}");
        assert_eq!(r.headers()["allow"], "GET", "POST {path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed", "POST {path}");
    }
    let r = app
        .http
        .post(app.url("/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (status, e) = app
        .send(&json!({"phone_number": "+15550000075", "message_text": "x", "reply_to": "nope"}))
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (400, Some("reply_to"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_guards_the_sandbox_too_and_bearer_is_case_insensitive() {
    let app = TestApp::builder()
        .with(|s| s.http.api_key = Some("k-456".into()))
        .spawn()
        .await;
    let (status, _) = app
        .post_json(
            "/sandbox/customers/%2B15550000076/messages",
            &json!({"text": "injected"}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = app.get("/sandbox/sent").await;
    assert_eq!(status, 401);
    let r = app
        .http
        .get(app.url("/api/whatsapp/stats"))
        .header("authorization", "bearer k-456")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A page elsewhere cannot forge a customer with a form post: JSON only.
    let r = app
        .http
        .post(app.url("/sandbox/customers/%2B15550000076/messages"))
        .header("authorization", "Bearer k-456")
        .header("content-type", "text/plain")
        .body(r#"{"text":"csrf"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(
        app.stats().await["total_messages"],
        Value::Null,
        "stats needs the key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listening_beyond_loopback_without_a_key_raises_an_alert() {
    let app = TestApp::builder()
        .with(|s| s.http.bind = "0.0.0.0:0".to_owned())
        .spawn()
        .await;
    let (_, h) = app.get("/api/whatsapp/health").await;
    let codes: Vec<&str> = h["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert!(codes.contains(&"api_open"), "{h}");
}

#[test]
fn a_broken_env_file_stops_start_up_without_echoing_the_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "WACLOUD_BIND=127.0.0.1:0\nWHATSAPP_WEBHOOK_VERIFY_TOKEN=my secret with spaces\nWHATSAPP_API_TOKEN=EAAGxyz\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wacloud"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "must not start with part of its settings"
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("WHATSAPP_WEBHOOK_VERIFY_TOKEN"), "{text}");
    assert!(!text.contains("my secret"), "{text}");
}
