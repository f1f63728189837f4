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
    assert_eq!((s, before["total_count"].as_u64()), (200, Some(0)), "{before}");

    let (s, synced) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(s, 200, "{synced}");
    assert_eq!(synced["synced"], 2, "{synced}");
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
    assert_eq!((s, again["templates"].as_array().map(Vec::len)), (200, Some(2)));
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
