//! Several business numbers on one webhook URL (issue 16): numbers added through
//! `/api/whatsapp/numbers`, each delivery routed by its `metadata.phone_number_id`, each number
//! with its own contacts. Deliveries are Meta's documented text message
//! (`openapi/examples/webhooks/post_request_text_message.json`), aimed at one number or the
//! other.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::app::TestApp;

const SUPPORT: &str = "106540352242999";

/// Meta's documented text message for `number`, with its own `wamid`; `None` (with a printed
/// reason) when `../shared` is absent.
fn text_message(number: &str, wamid: &str) -> Option<Value> {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/fixtures/meta/openapi/examples/webhooks/post_request_text_message.json",
    );
    let Ok(bytes) = std::fs::read(&f) else {
        println!("skipped: {} is absent", f.display());
        return None;
    };
    let mut v: Value = serde_json::from_slice(&bytes).expect("fixture JSON");
    let value = v.pointer_mut("/entry/0/changes/0/value").expect("a change");
    value["metadata"]["phone_number_id"] = json!(number);
    value["messages"][0]["id"] = json!(wamid);
    value["messages"][0]["timestamp"] = json!(chrono::Utc::now().timestamp().to_string());
    Some(v)
}

fn customer(v: &Value) -> String {
    v.pointer("/entry/0/changes/0/value/messages/0/from")
        .and_then(Value::as_str)
        .expect("from")
        .to_owned()
}

async fn contacts_of(app: &TestApp, number: &str) -> Vec<Value> {
    let (s, v) = app
        .get(&format!("/api/whatsapp/contacts?number={number}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["contacts"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_numbers_on_one_webhook_url_never_share_a_conversation() {
    let app = TestApp::spawn().await;
    let sales = app.phone_number_id.clone();
    let Some(to_sales) = text_message(&sales, "wamid.numbers.sales.1") else {
        return;
    };
    let who = customer(&to_sales);
    let (s, v) = app.deliver(&to_sales).await;
    assert_eq!(s, 200, "{v}");

    // Before the second number is added its deliveries are another business's: kept raw.
    let early = text_message(SUPPORT, "wamid.numbers.support.0").expect("fixture");
    let (s, v) = app.deliver(&early).await;
    assert_eq!(s, 200, "{v}");
    assert!(contacts_of(&app, SUPPORT).await.is_empty(), "not ours yet");

    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": SUPPORT, "label": "Support", "messages_per_second": 20}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["label"], "Support");
    assert_eq!(v["is_default"], false);
    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": SUPPORT}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("number_exists")),
        "{v}"
    );
    let (s, v) = app.get("/api/whatsapp/numbers").await;
    assert_eq!(s, 200, "{v}");
    let listed: Vec<(&str, bool)> = v["numbers"]
        .as_array()
        .expect("numbers")
        .iter()
        .map(|n| {
            (
                n["phone_number_id"].as_str().unwrap_or_default(),
                n["is_default"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(listed, [(sales.as_str(), true), (SUPPORT, false)]);

    // The same customer writes to the second number: a contact and a conversation of its own.
    let to_support = text_message(SUPPORT, "wamid.numbers.support.1").expect("fixture");
    let (s, v) = app.deliver(&to_support).await;
    assert_eq!(s, 200, "{v}");
    let on_sales = contacts_of(&app, &sales).await;
    let on_support = contacts_of(&app, SUPPORT).await;
    assert_eq!(on_sales.len(), 1, "{on_sales:?}");
    assert_eq!(on_support.len(), 1, "{on_support:?}");
    assert_eq!(on_sales[0]["wa_id"], json!(who));
    assert_eq!(on_support[0]["wa_id"], json!(who));
    assert_ne!(on_sales[0]["id"], on_support[0]["id"], "two contacts");
    assert_eq!(on_support[0]["phone_number_id"], SUPPORT);
    assert_eq!(on_sales[0]["unread_count"], 1);
    assert_eq!(on_support[0]["unread_count"], 1);

    let history = |number: String| {
        let (app, who) = (&app, who.clone());
        async move {
            let msgs = app
                .all_messages(&format!("&phone={who}&number={number}"))
                .await;
            msgs.iter()
                .map(|m| m["message_id"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(history(sales.clone()).await, ["wamid.numbers.sales.1"]);
    assert_eq!(
        history(SUPPORT.to_owned()).await,
        ["wamid.numbers.support.1"]
    );

    // Sending names its number; one this server does not have is refused before anything.
    let (s, v) = app
        .send(&json!({"phone_number": format!("+{who}"), "message_text": "hi", "from": "999"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("unknown_number")),
        "{v}"
    );
    let (s, v) = app
        .send(&json!({"phone_number": format!("+{who}"), "message_text": "hello from sales", "from": sales}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["message"]["contact_id"], on_sales[0]["id"], "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_settings_are_checked_and_changed() {
    let app = TestApp::spawn().await;
    let bad = [
        (json!({"label": "no id"}), "phone_number_id"),
        (json!({"phone_number_id": "+1 555"}), "phone_number_id"),
        (
            json!({"phone_number_id": "1", "messages_per_second": 0}),
            "messages_per_second",
        ),
        (
            json!({"phone_number_id": "1", "app_secret": ""}),
            "app_secret",
        ),
    ];
    for (body, field) in bad {
        let (s, v) = app.post_json("/api/whatsapp/numbers", &body).await;
        assert_eq!(s, 400, "{body}: {v}");
        assert_eq!(v["error"]["field"], field, "{body}: {v}");
    }
    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": "1", "colour": "red"}),
        )
        .await;
    assert_eq!(s, 400, "unknown fields are refused: {v}");
    let (s, v) = app
        .put_json("/api/whatsapp/numbers/2", &json!({"label": "x"}))
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, _) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": "2", "label": "Brazil", "app_secret": "s3cret"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, v) = app
        .put_json(
            "/api/whatsapp/numbers/2",
            &json!({"label": "Brasil", "pair_interval_ms": 6000}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["label"], "Brasil");
    assert_eq!(v["pair_interval_ms"], 6000);
    assert_eq!(v["has_app_secret"], true);
    assert!(
        v.get("app_secret").is_none(),
        "the secret is never shown: {v}"
    );
    // The environment's number takes a label too.
    let env = app.phone_number_id.clone();
    let (s, v) = app
        .put_json(
            &format!("/api/whatsapp/numbers/{env}"),
            &json!({"label": "Sales"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["label"].as_str(),
            v["source"].as_str(),
            v["is_default"].as_bool()
        ),
        (Some("Sales"), Some("environment"), Some(true))
    );
}
