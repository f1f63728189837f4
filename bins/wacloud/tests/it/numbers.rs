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
    // Not ours yet: listing its contacts is refused as for any unknown number.
    let (s, v) = app
        .get(&format!("/api/whatsapp/contacts?number={SUPPORT}"))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("unknown_number")),
        "{v}"
    );

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

    // /stats per number: each its own contact, messages, unread and deliveries; together the
    // totals (the early delivery, kept as another business's, is counted by neither number).
    let counts = |number: String| {
        let app = &app;
        async move {
            let (s, v) = app
                .get(&format!("/api/whatsapp/stats?number={number}"))
                .await;
            assert_eq!(s, 200, "{v}");
            v
        }
    };
    let (s_sales, s_support) = (counts(sales.clone()).await, counts(SUPPORT.into()).await);
    let pick = |v: &Value| {
        [
            "total_contacts",
            "received_messages",
            "sent_messages",
            "unread_messages",
        ]
        .map(|k| v[k].as_i64().unwrap_or(-1))
    };
    assert_eq!(pick(&s_sales), [1, 1, 1, 1], "{s_sales}");
    assert_eq!(pick(&s_support), [1, 1, 0, 1], "{s_support}");
    assert_eq!(s_support["webhooks"]["processed"], 1, "{s_support}");
    let (s, all) = app.get("/api/whatsapp/stats").await;
    assert_eq!(s, 200, "{all}");
    for k in [
        "total_contacts",
        "received_messages",
        "sent_messages",
        "unread_messages",
    ] {
        assert_eq!(
            all[k].as_i64(),
            Some(s_sales[k].as_i64().unwrap() + s_support[k].as_i64().unwrap()),
            "{k}: {all}"
        );
    }
    let (s, v) = app.get("/api/whatsapp/stats?number=999").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("unknown_number")),
        "{v}"
    );
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
    // A delivery signed with number 2's own secret is taken for number 2, and refused for any
    // other number (that app's secret must not speak for the others).
    if let (Some(to_2), Some(to_env)) = (
        text_message("2", "wamid.numbers.secret.2"),
        text_message(&app.phone_number_id, "wamid.numbers.secret.env"),
    ) {
        let secret = secrecy::SecretString::from("s3cret".to_owned());
        for (body, want) in [(&to_2, 200), (&to_env, 401)] {
            let bytes = serde_json::to_vec(body).expect("json");
            let sig = wacloud_graph::webhook::sign(&bytes, &secret);
            let (s, v) = app.post_webhook_raw(&bytes, Some(&sig)).await;
            assert_eq!(s, want, "{v}");
        }
        let (s, v) = app.deliver(&to_env).await;
        assert_eq!(
            s, 200,
            "the environment's secret signs for every number: {v}"
        );
    }
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

/// With the embedded sandbox, a number added through the API is played by the sandbox too: a
/// simulated customer writes to it (`"to"`), the reply goes out from it and its statuses come
/// back on it, without touching the first number's conversation with the same customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_plays_a_number_added_through_the_api() {
    let app = TestApp::spawn().await;
    let first = app.phone_number_id.clone();
    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": SUPPORT, "display_phone_number": "+1 555 010 0777",
                    "label": "Support"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app.get("/sandbox/numbers").await;
    assert_eq!(s, 200, "{v}");
    let played: Vec<(&str, &str)> = v["numbers"]
        .as_array()
        .expect("numbers")
        .iter()
        .map(|n| {
            (
                n["phone_number_id"].as_str().unwrap_or_default(),
                n["display_phone_number"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(played[1], (SUPPORT, "15550100777"), "{v}");

    let who = "15550002222";
    for (to, text) in [
        (None, "to the first"),
        (Some("+1 555 010 0777"), "to support"),
    ] {
        let mut body = json!({"text": text, "name": "Bea"});
        if let Some(to) = to {
            body["to"] = json!(to);
        }
        let (s, v) = app
            .post_json(&format!("/sandbox/customers/{who}/messages"), &body)
            .await;
        assert_eq!(s, 202, "{v}");
    }
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/{who}/messages"),
            &json!({"text": "x", "to": "123"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("unknown_number")),
        "{v}"
    );
    let on_first = contacts_of(&app, &first).await;
    let on_support = contacts_of(&app, SUPPORT).await;
    assert_eq!((on_first.len(), on_support.len()), (1, 1));
    assert_eq!(
        on_support[0]["last_message_preview"], "to support",
        "{on_support:?}"
    );

    let (s, v) = app
        .send(
            &json!({"phone_number": format!("+{who}"), "message_text": "Support here",
                      "from": SUPPORT}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["message"]["contact_id"], on_support[0]["id"], "{v}");
    let wamid = v["message"]["message_id"]
        .as_str()
        .expect("wamid")
        .to_owned();
    // Its statuses come back with the second number's metadata, so they find the message.
    let status = app
        .wait_for(15, "the reply read", || async {
            let msgs = app
                .all_messages(&format!("&phone={who}&number={SUPPORT}"))
                .await;
            msgs.iter()
                .find(|m| m["message_id"] == json!(wamid) && m["status"] == "read")
                .cloned()
        })
        .await;
    assert_eq!(status["status"], "read");
    // The message is the second number's: its cost is counted under it.
    let (s, v) = app.get("/api/whatsapp/costs?group_by=number").await;
    assert_eq!(s, 200, "{v}");
    let keys: Vec<&str> = v["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["key"].as_str())
        .collect();
    assert_eq!(keys, [SUPPORT], "sent from the second number: {v}");
    let first_history = app
        .all_messages(&format!("&phone={who}&number={first}"))
        .await;
    assert_eq!(first_history.len(), 1, "{first_history:?}");
}

/// NUL and other control characters are refused naming the field, a display number must be a
/// phone number, and `{"app_secret": null}` removes a number's own secret: a delivery signed
/// with it is refused afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_are_refused_and_a_null_secret_clears_it() {
    let app = TestApp::spawn().await;
    let bad = [
        (
            json!({"phone_number_id": "3", "label": "Sa\u{0}les"}),
            "label",
        ),
        (
            json!({"phone_number_id": "3", "label": "Sa\u{1b}les"}),
            "label",
        ),
        (
            json!({"phone_number_id": "3", "display_phone_number": "1555\u{0}0100"}),
            "display_phone_number",
        ),
        (
            json!({"phone_number_id": "3", "display_phone_number": "call us"}),
            "display_phone_number",
        ),
        (
            json!({"phone_number_id": "3", "app_secret": "s3\u{0}cret"}),
            "app_secret",
        ),
    ];
    for (body, field) in bad {
        let (s, v) = app.post_json("/api/whatsapp/numbers", &body).await;
        assert_eq!(
            (s, v["error"]["field"].as_str()),
            (400, Some(field)),
            "{body}: {v}"
        );
    }
    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": "3", "display_phone_number": "+1 555 010 0003",
                    "app_secret": "s3cret"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["has_app_secret"], true);
    // Absent leaves the secret; null removes it.
    let (s, v) = app
        .put_json("/api/whatsapp/numbers/3", &json!({"label": "Three"}))
        .await;
    assert_eq!((s, v["has_app_secret"].as_bool()), (200, Some(true)), "{v}");
    let (s, v) = app
        .put_json("/api/whatsapp/numbers/3", &json!({"app_secret": null}))
        .await;
    assert_eq!(
        (s, v["has_app_secret"].as_bool()),
        (200, Some(false)),
        "{v}"
    );
    assert_eq!(v["label"], "Three", "the other fields stay: {v}");
    if let Some(to_3) = text_message("3", "wamid.numbers.cleared.3") {
        let secret = secrecy::SecretString::from("s3cret".to_owned());
        let bytes = serde_json::to_vec(&to_3).expect("json");
        let sig = wacloud_graph::webhook::sign(&bytes, &secret);
        let (s, v) = app.post_webhook_raw(&bytes, Some(&sig)).await;
        assert_eq!(s, 401, "the removed secret no longer signs: {v}");
    }
}

/// Every route that takes a business number refuses one that is not digits or not this
/// server's, naming the field it came in, as `GET /stats?number=` does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_or_invalid_number_is_refused_naming_its_field() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/whatsapp/groups",
        "/api/whatsapp/contacts",
        "/api/whatsapp/stats",
    ] {
        for (n, code) in [("abc", "invalid_number"), ("999", "unknown_number")] {
            let (s, v) = app.get(&format!("{path}?number={n}")).await;
            assert_eq!(
                (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
                (400, Some(code), Some("number")),
                "{path}?number={n}: {v}"
            );
        }
        let (s, v) = app
            .get(&format!("{path}?number={}", app.phone_number_id))
            .await;
        assert_eq!(s, 200, "{path} with our number: {v}");
    }
    let (s, v) = app
        .post_json(
            "/api/whatsapp/groups",
            &json!({"subject": "Team", "phone_number_id": "999"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (400, Some("unknown_number"), Some("phone_number_id")),
        "{v}"
    );
    let (s, v) = app
        .post_json(
            "/api/whatsapp/templates?phone_number_id=999",
            &json!({"name": "hello_there", "language": "en_US", "category": "UTILITY",
                    "components": [{"type": "BODY", "text": "Hello"}]}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (400, Some("unknown_number"), Some("phone_number_id")),
        "{v}"
    );
}

/// The sandbox plays groups and conversation routing on every number, each webhook carrying
/// the number it concerns; numbers added without a display number get made-up ones that never
/// collide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_and_routing_work_on_every_number_of_the_sandbox() {
    let app = TestApp::spawn().await;
    let (a, b) = ("400000000000006", "600000000000006");
    for pid in [a, b] {
        let (s, v) = app
            .post_json("/api/whatsapp/numbers", &json!({"phone_number_id": pid}))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let (_, v) = app.get("/sandbox/numbers").await;
    let shown: Vec<&str> = v["numbers"]
        .as_array()
        .expect("numbers")
        .iter()
        .filter_map(|n| n["display_phone_number"].as_str())
        .collect();
    let mut distinct = shown.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "made-up display numbers collide: {v}");

    // A group created on number `a`: its webhooks name `a`, so it becomes active there.
    let (s, created) = app
        .post_json(
            "/api/whatsapp/groups",
            &json!({"subject": "Team A", "phone_number_id": a}),
        )
        .await;
    assert_eq!(s, 202, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let g = app
        .wait_for(10, "the group on the second number", || async {
            let (_, g) = app.get(&format!("/api/whatsapp/groups/{id}")).await;
            (g["status"] == "active").then_some(g)
        })
        .await;
    assert_eq!(g["phone_number_id"], a, "{g}");
    let group_id = g["group_id"].as_str().expect("group id").to_owned();
    let (s, v) = app
        .post_json(
            &format!("/sandbox/groups/{group_id}/join"),
            &json!({"wa_id": "15550002222"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let (_, g) = app.get(&format!("/api/whatsapp/groups/{id}")).await;
    assert_eq!(g["participants"][0]["state"], "joined", "{g}");
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/groups/{id}/messages"),
            &json!({"text": "Welcome"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (_, list) = app.get(&format!("/api/whatsapp/groups?number={a}")).await;
    assert_eq!(list["groups"].as_array().map(Vec::len), Some(1), "{list}");

    // Routing on number `b`: the other responder takes the customer's thread there.
    let alice = "+15550001111";
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/{alice}/messages"),
            &json!({"text": "hi", "to": b}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/{alice}/thread"),
            &json!({"action": "take", "role": "app", "app_id": "4242", "to": b}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let thread = |pid: &'static str| {
        let app = &app;
        async move {
            let (s, v) = app
                .get(&format!(
                    "/api/whatsapp/contacts/%2B15550001111/thread?number={pid}"
                ))
                .await;
            assert_eq!(s, 200, "{v}");
            v
        }
    };
    assert_eq!(thread(b).await["owner"], "app");
    // wacloud takes it back through Meta's thread control on `b`.
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/contacts/%2B15550001111/thread?number={b}"),
            &json!({"action": "take"}),
        )
        .await;
    assert_eq!((s, v["owner"].as_str()), (200, Some("wacloud")), "{v}");
}
