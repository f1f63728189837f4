//! Conversation Routing (issue 16): `messaging_handovers` keep each conversation's thread
//! owner, `standby` copies are stored as context, and free-form sends are refused while
//! another responder owns the thread — from Meta's documented payloads (the `messaging_handovers`
//! envelope with `type`, a `standby` value shaped as `messages`), and through the sandbox
//! playing the other responder.

use serde_json::{json, Value};

use crate::app::TestApp;
use crate::bodies::inbound_text;

const ALICE: &str = "+15550001111";
const ALICE_WA: &str = "15550001111";

fn thread_path() -> String {
    format!(
        "/api/whatsapp/contacts/{}/thread",
        ALICE.replace('+', "%2B")
    )
}

fn delivery(field: &str, value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": field, "value": value}]}]
    })
}

/// Meta's `messaging_handovers` envelope: `type` names the object present beside it.
fn handover(app: &TestApp, kind: &str, ts: i64, change: Value) -> Value {
    delivery(
        "messaging_handovers",
        json!({
            "messaging_product": "whatsapp",
            "recipient": {"display_phone_number": "15550100001",
                          "phone_number_id": app.phone_number_id},
            "sender": {"phone_number": ALICE_WA},
            "timestamp": ts,
            "type": kind,
            kind: change,
        }),
    )
}

/// A `standby` value as Meta documents it: the `messages` shape, with the owner's replies in
/// `message_echoes` and their statuses.
fn standby(app: &TestApp, n: &str, ts: i64) -> Value {
    delivery(
        "standby",
        json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001",
                         "phone_number_id": app.phone_number_id},
            "contacts": [{"profile": {"name": "Alice"}, "wa_id": ALICE_WA}],
            "messages": [{"from": ALICE_WA, "id": format!("wamid.standby.in.{n}"),
                          "timestamp": ts.to_string(), "type": "text",
                          "text": {"body": "Does it come in another color?"}}],
            "message_echoes": [{"from": "15550100001", "to": ALICE_WA,
                                "id": format!("wamid.standby.out.{n}"),
                                "timestamp": (ts + 1).to_string(), "type": "text",
                                "text": {"body": "Yes, in blue."}}],
            "statuses": [{"id": format!("wamid.standby.out.{n}"), "status": "read",
                          "timestamp": (ts + 2).to_string(), "recipient_id": ALICE_WA}]
        }),
    )
}

async fn customer_writes(app: &TestApp, n: &str, ts: i64) {
    let body = inbound_text(
        &app.phone_number_id,
        ALICE_WA,
        &format!("wamid.routing.{n}"),
        ts,
        "hello",
        "Alice",
    );
    let (s, v) = app.deliver(&body).await;
    assert_eq!(s, 200, "{v}");
}

async fn send_text(app: &TestApp) -> (u16, Value) {
    app.send(&json!({"phone_number": ALICE, "message_text": "We can help"}))
        .await
}

async fn thread(app: &TestApp) -> Value {
    let (s, v) = app.get(&thread_path()).await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn contact(app: &TestApp) -> Value {
    let (s, v) = app.get("/api/whatsapp/contacts?search=15550001111").await;
    assert_eq!(s, 200, "{v}");
    v["contacts"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_another_owner_refuses_free_form_until_a_handover_gives_it_back() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    customer_writes(&app, "1", now - 60).await;
    assert_eq!(thread(&app).await["owner"], "wacloud");

    // Meta's business AI took the thread.
    let taken = handover(
        &app,
        "control_taken",
        now - 30,
        json!({"metadata": "escalated to the AI", "previous_owner_role": "app",
               "new_owner_role": "ai_agent"}),
    );
    let (s, v) = app.deliver(&taken).await;
    assert_eq!(s, 200, "{v}");
    let t = thread(&app).await;
    assert_eq!(t["owner"], "ai_agent", "{t}");
    assert_eq!(t["may_send_free_form"], false);

    let (s, v) = send_text(&app).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "not_thread_owner");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("Meta's business AI"), "{msg}");
    assert!(msg.contains("take"), "{msg}");
    // Nothing went to Meta.
    let (_, sent) = app.get("/sandbox/sent").await;
    assert_eq!(sent["requests"].as_array().unwrap().len(), 0, "{sent}");

    // Templates are not service messages: thread ownership does not restrict them.
    let (s, v) = app
        .send(&json!({"phone_number": ALICE, "type": "template",
                      "template": {"name": "hello_world", "language": "en_US"}}))
        .await;
    assert_eq!(s, 200, "{v}");

    // A queued free-form send is refused when it reaches the worker.
    let (s, v) = app
        .send_bulk(&json!({"recipients": [ALICE], "message_text": "Sale today"}))
        .await;
    assert_eq!(s, 202, "{v}");
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let item = app
        .wait_for(15, "the queued send refused", || async {
            let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
            let text = b.to_string();
            text.contains("not_thread_owner").then_some(text)
        })
        .await;
    assert!(item.contains("Meta's business AI"), "{item}");

    // The AI passes the thread back: free-form sends go again.
    let passed = handover(
        &app,
        "control_passed",
        now - 10,
        json!({"metadata": "customer asked for a person", "previous_owner_role": "ai_agent"}),
    );
    let (s, v) = app.deliver(&passed).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(thread(&app).await["owner"], "wacloud");
    // A late, older notice does not take it away again.
    let (s, _) = app.deliver(&taken).await;
    assert_eq!(s, 200);
    let late = handover(
        &app,
        "control_taken",
        now - 20,
        json!({"new_owner_role": "ai_agent"}),
    );
    let (s, _) = app.deliver(&late).await;
    assert_eq!(s, 200);
    assert_eq!(thread(&app).await["owner"], "wacloud");
    let (s, v) = send_text(&app).await;
    assert_eq!(s, 200, "{v}");

    // Both changes are in the conversation's timeline.
    let (_, tl) = app
        .get(&format!(
            "/api/whatsapp/contacts/{}/timeline",
            ALICE.replace('+', "%2B")
        ))
        .await;
    let kinds: Vec<&str> = tl["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "thread_owner_changed")
        .map(|e| e["details"]["to"]["owner"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["wacloud", "ai_agent"], "{tl}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_standby_messages_are_stored_once_and_never_unread_as_our_own() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    customer_writes(&app, "1", now - 100).await;
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/contacts/{}/read", ALICE.replace('+', "%2B")),
            &json!({}),
        )
        .await;
    assert!(s == 200 || s == 204, "{s} {v}");
    let (s, v) = app
        .put_json(
            &format!(
                "/api/whatsapp/contacts/{}/status",
                ALICE.replace('+', "%2B")
            ),
            &json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let unread_before = app.stats().await["unread_messages"].clone();

    let body = standby(&app, "1", now - 50);
    for _ in 0..2 {
        let (s, v) = app.deliver(&body).await;
        assert_eq!(s, 200, "{v}");
    }
    // The same copies in a second delivery (Meta redelivers with other bytes too).
    let mut again = body.clone();
    again["entry"][0]["id"] = json!("WABA2");
    let (s, v) = app.deliver(&again).await;
    assert_eq!(s, 200, "{v}");

    let msgs = app.conversation(ALICE).await;
    let standby: Vec<&Value> = msgs.iter().filter(|m| m["source"] == "standby").collect();
    assert_eq!(
        standby.len(),
        2,
        "one copy each of the message and the echo: {msgs:#?}"
    );
    let inbound = standby
        .iter()
        .find(|m| m["direction"] == "inbound")
        .expect("the customer's standby message");
    assert_eq!(inbound["is_read"], true);
    assert_eq!(inbound["message_text"], "Does it come in another color?");
    assert!(standby
        .iter()
        .any(|m| m["direction"] == "outbound" && m["message_text"] == "Yes, in blue."));

    let c = contact(&app).await;
    assert_eq!(c["unread_count"], 0, "{c}");
    assert_eq!(app.stats().await["unread_messages"], unread_before);
    // Not our customer writing: the resolved conversation stays resolved.
    let (_, conv) = app
        .get(&format!(
            "/api/whatsapp/contacts/{}/conversation",
            ALICE.replace('+', "%2B")
        ))
        .await;
    assert_eq!(conv["status"], "resolved", "{conv}");
    // Copies arrive only for threads another responder owns.
    let t = thread(&app).await;
    assert_eq!(t["owner"], "app", "{t}");
    let (s, v) = send_text(&app).await;
    assert_eq!(s, 409, "{v}");

    // The customer's next message on `messages` is ours: the thread is ours, it counts unread
    // and reopens the conversation.
    customer_writes(&app, "2", now).await;
    assert_eq!(thread(&app).await["owner"], "wacloud");
    assert_eq!(contact(&app).await["unread_count"], 1);
    let (s, v) = send_text(&app).await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_thread_control_through_the_sandbox_as_the_other_responder() {
    let app = TestApp::spawn().await;
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/{ALICE}/messages"),
            &json!({"text": "hi", "name": "Alice"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");

    // The other responder takes the thread: wacloud hears `control_taken`.
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/{ALICE}/thread"),
            &json!({"action": "take", "role": "app", "app_id": "4242"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let t = thread(&app).await;
    assert_eq!(
        (t["owner"].as_str(), t["app_id"].as_str()),
        (Some("app"), Some("4242"))
    );
    let (s, v) = send_text(&app).await;
    assert_eq!(s, 409, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("4242"),
        "{v}"
    );

    // The customer writes while the other app owns the thread: a standby copy.
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/{ALICE}/messages"),
            &json!({"text": "still there?"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let msgs = app.conversation(ALICE).await;
    let copy = msgs
        .iter()
        .find(|m| m["message_text"] == "still there?")
        .expect("stored");
    assert_eq!(copy["source"], "standby");
    assert_eq!(
        contact(&app).await["unread_count"],
        1,
        "only the first message"
    );

    // An operator takes the conversation over: Meta's thread control, then sends go.
    let (s, v) = app
        .post_json(&thread_path(), &json!({"action": "take"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["owner"], "wacloud");
    assert_eq!(v["may_send_free_form"], true);
    let (s, v) = send_text(&app).await;
    assert_eq!(s, 200, "{v}");

    // Passing to Meta's business AI makes it the owner; releasing a thread we no longer own
    // is Meta's refusal (2494191), and the record stays.
    let (s, v) = app
        .post_json(
            &thread_path(),
            &json!({"action": "pass", "target_role": "ai_agent", "metadata": "order #1042"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["owner"], "ai_agent");
    let (s, v) = app
        .post_json(&thread_path(), &json!({"action": "release"}))
        .await;
    assert_eq!(s, 502, "{v}");
    assert_eq!(v["error"]["graph"]["code"], 2_494_191, "{v}");
    assert_eq!(thread(&app).await["owner"], "ai_agent");

    // A target with take is a clear 400.
    let (s, v) = app
        .post_json(
            &thread_path(),
            &json!({"action": "take", "target_role": "ai_agent"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");

    // The other responder passes the thread back: `control_passed`.
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/{ALICE}/thread"),
            &json!({"action": "pass", "role": "ai_agent"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    assert_eq!(thread(&app).await["owner"], "wacloud");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_a_standby_copy_that_does_not_parse_keeps_its_siblings() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let body = delivery(
        "standby",
        json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001",
                         "phone_number_id": app.phone_number_id},
            "contacts": [{"profile": {"name": "Alice"}, "wa_id": ALICE_WA}],
            "messages": [
                {"from": ALICE_WA, "timestamp": now.to_string(), "type": "text",
                 "text": {"body": "no id"}},
                {"from": ALICE_WA, "id": "wamid.standby.ok", "timestamp": now.to_string(),
                 "type": "text", "text": {"body": "kept"}}
            ]
        }),
    );
    let (s, v) = app.deliver(&body).await;
    assert_eq!(s, 200, "{v}");
    let msgs = app.conversation(ALICE).await;
    assert_eq!(msgs.len(), 1, "{msgs:#?}");
    assert_eq!(msgs[0]["message_text"], "kept");
    assert_eq!(msgs[0]["source"], "standby");
}
