//! `POST /templates/sync`: the WABA's templates read from Meta's list (here the sandbox's
//! `GET /{waba_id}/message_templates`), stored with their components, and used at once.

use secrecy::SecretString;
use serde_json::{json, Value};

use crate::app::TestApp;

fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["templates"]
        .as_array()
        .and_then(|all| all.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("{name} is listed: {list}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_stores_every_template_with_its_components_and_sends_use_them() {
    let app = TestApp::spawn().await;
    let (s, before) = app.get("/api/whatsapp/templates").await;
    assert_eq!(
        (s, before["total_count"].as_u64()),
        (200, Some(0)),
        "{before}"
    );

    let (s, synced) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(s, 200, "{synced}");
    assert_eq!(synced["synced"], 3, "{synced}");
    let order = named(&synced, "order_update");
    assert_eq!(
        (
            order["status"].as_str(),
            order["quality_score"].as_str(),
            order["language"].as_str()
        ),
        (Some("APPROVED"), Some("GREEN"), Some("en_US")),
        "{order}"
    );
    let components: Value =
        serde_json::from_str(order["components"].as_str().expect("components")).unwrap();
    assert_eq!(
        components[0]["text"], "Hi {{1}}, your order {{2}} is on its way.",
        "{components}"
    );
    assert!(named(&synced, "hello_world")["template_id"].is_string());

    // The stored body gives a template message its text, and its parameter count is checked.
    app.post_json(
        "/sandbox/customers/%2B15550007001/messages",
        &json!({"text": "hi", "name": "Ana"}),
    )
    .await;
    let (s, v) = app
        .send(&json!({"phone_number": "+15550007001", "type": "template",
                      "template": {"name": "order_update", "language": "en_US", "body_parameters": ["Ana", "#1042"]}}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["message"]["message_text"],
        "Hi Ana, your order #1042 is on its way."
    );
    let (s, v) = app
        .send(&json!({"phone_number": "+15550007001", "type": "template",
                      "template": {"name": "order_update", "language": "en_US", "body_parameters": ["Ana"]}}))
        .await;
    assert_eq!(s, 422, "one parameter of two is refused before Meta: {v}");

    // Again: the same rows, not new ones.
    let (s, again) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(
        (s, again["templates"].as_array().map(Vec::len)),
        (200, Some(3))
    );
    assert_eq!(
        named(&again, "order_update")["template_id"],
        order["template_id"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_business_account_id_a_sync_says_what_to_set() {
    let app = TestApp::builder()
        .with(|s| {
            s.meta.mode = wacloud::settings::Mode::Live;
            s.meta.api_token = Some(SecretString::from("EAAG-test-token"));
            s.meta.graph_base_url = Some("http://127.0.0.1:9".into());
            s.meta.business_account_id = None;
        })
        .spawn()
        .await;
    let (s, v) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "business_account_not_configured", "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("WHATSAPP_BUSINESS_ACCOUNT_ID")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_header_and_buttons_reach_meta_as_its_components() {
    let app = TestApp::spawn().await;
    let to = "+15550007002";
    let (s, v) = app
        .send(&json!({"phone_number": to, "type": "template", "template": {
            "name": "hello_world", "language": "en_US",
            "body_parameters": ["Ana"],
            "header_media": {"type": "document", "media": {"link": "https://example.com/invoice.pdf"}, "filename": "invoice.pdf"},
            "buttons": [{"index": 0, "type": "url", "value": "track/1042"},
                        {"index": 1, "type": "copy_code", "value": "SAVE10"},
                        {"index": 2, "type": "quick_reply", "value": "stop-promos"}]}}))
        .await;
    assert_eq!(s, 200, "{v}");
    let sent = crate::kinds::sent_to(&app, "15550007002").await;
    let components = sent.last().expect("sent")["template"]["components"].clone();
    let of = |t: &str| {
        components
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == t)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("header")[0]["parameters"][0],
        json!({"type": "document", "document": {"link": "https://example.com/invoice.pdf", "filename": "invoice.pdf"}}),
        "{components}"
    );
    assert_eq!(
        of("body")[0]["parameters"][0],
        json!({"type": "text", "text": "Ana"})
    );
    let buttons = of("button");
    assert_eq!(buttons.len(), 3, "{components}");
    assert_eq!(
        (
            buttons[0]["sub_type"].as_str(),
            buttons[0]["index"].as_str()
        ),
        (Some("url"), Some("0"))
    );
    assert_eq!(
        buttons[0]["parameters"][0],
        json!({"type": "text", "text": "track/1042"})
    );
    assert_eq!(
        buttons[1]["parameters"][0],
        json!({"type": "coupon_code", "coupon_code": "SAVE10"})
    );
    assert_eq!(
        buttons[2]["parameters"][0],
        json!({"type": "payload", "payload": "stop-promos"})
    );

    // A text header's value goes as the header's text parameter.
    let (s, v) = app
        .send(
            &json!({"phone_number": to, "type": "template", "template": {
            "name": "hello_world", "language": "en_US", "header_text": "Summer sale"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let sent = crate::kinds::sent_to(&app, "15550007002").await;
    assert_eq!(
        sent.last().unwrap()["template"]["components"][0],
        json!({"type": "header", "parameters": [{"type": "text", "text": "Summer sale"}]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_headers_and_buttons_out_of_metas_limits_are_refused_by_field() {
    let app = TestApp::spawn().await;
    let before = crate::kinds::sent_to(&app, "15550007003").await.len();
    for (template, field) in [
        (
            json!({"header_text": "a", "header_media": {"type": "image", "media": {"id": "123"}}}),
            "template.header_media",
        ),
        (
            json!({"header_media": {"type": "sticker", "media": {"id": "123"}}}),
            "template.header_media.type",
        ),
        (
            json!({"header_media": {"type": "image", "media": {"link": "http://plain.example/a.jpg"}}}),
            "template.header_media.media.link",
        ),
        (
            json!({"header_media": {"type": "image", "media": {"id": "1"}, "filename": "a.jpg"}}),
            "template.header_media.filename",
        ),
        (json!({"header_text": "two\nlines"}), "template.header_text"),
        (
            json!({"header_text": "x".repeat(61)}),
            "template.header_text",
        ),
        (
            json!({"buttons": [{"index": 10, "type": "url", "value": "a"}]}),
            "template.buttons.index",
        ),
        (
            json!({"buttons": [{"index": 0, "type": "url", "value": "a"}, {"index": 0, "type": "url", "value": "b"}]}),
            "template.buttons.index",
        ),
        (
            json!({"buttons": [{"index": 0, "type": "copy_code", "value": "SIXTEEN-CHARS-XX"}]}),
            "template.buttons.value",
        ),
        (
            json!({"buttons": [{"index": 0, "type": "quick_reply", "value": ""}]}),
            "template.buttons.value",
        ),
    ] {
        let mut t = json!({"name": "hello_world", "language": "en_US"});
        for (k, v) in template.as_object().unwrap() {
            t[k] = v.clone();
        }
        let (s, v) = app
            .send(&json!({"phone_number": "+15550007003", "type": "template", "template": t}))
            .await;
        assert_eq!(s, 400, "{t}: {v}");
        assert_eq!(v["error"]["field"], field, "{t}: {v}");
    }
    let (s, v) = app
        .send(&json!({"phone_number": "+15550007003", "type": "template",
                      "template": {"name": "hello_world", "buttons": [{"index": 0, "type": "call", "value": "1"}]}}))
        .await;
    assert_eq!(s, 400, "an unknown button type: {v}");
    assert_eq!(
        crate::kinds::sent_to(&app, "15550007003").await.len(),
        before,
        "nothing reached Meta"
    );
}
