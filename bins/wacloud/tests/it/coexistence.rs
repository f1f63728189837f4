//! Coexistence with the WhatsApp Business app (issue 16): the app's chat history (`history`)
//! imported into the right contacts, and its address book (`smb_app_state_sync`) naming them.
//!
//! No fixture of Meta's holds these fields: the payloads follow Meta's coexistence webhooks
//! ("Onboarding WhatsApp Business app users"), as reproduced at
//! <https://dualhook.com/docs/webhook-history> (history: phases, chunks, `history_context`,
//! the declined chunk's `errors`, code 2593109),
//! <https://partner-docs.gupshup.io/docs/coexistence-events> (a real chunk: `from` the business
//! with `history_context.from_me` and `status`) and
//! <https://docs.360dialog.com/partner/onboarding/whatsapp-coexistence/coexistence-webhooks>
//! (`smb_app_state_sync`: `state_sync[]` with `type`, `contact`, `action`, `metadata.timestamp`).

use serde_json::{json, Value};

use crate::app::TestApp;
use crate::bodies::inbound_text;

const BUSINESS: &str = "15550100001";
const ALICE: &str = "15550001111";
const BOB: &str = "15550002222";
const SUPPORT: &str = "106540352243777";

fn delivery(field: &str, value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": field, "value": value}]}]
    })
}

fn text(from: &str, wamid: &str, ts: i64, body: &str, context: Value) -> Value {
    json!({"from": from, "id": wamid, "timestamp": ts.to_string(), "type": "text",
           "text": {"body": body}, "history_context": context})
}

/// One `history` delivery of one chunk.
fn history(pid: &str, progress: i64, threads: Value) -> Value {
    delivery(
        "history",
        json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": BUSINESS, "phone_number_id": pid},
            "history": [{
                "metadata": {"phase": 1, "chunk_order": 2, "progress": progress},
                "threads": threads
            }]
        }),
    )
}

fn state_sync(pid: &str, items: Value) -> Value {
    delivery(
        "smb_app_state_sync",
        json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": BUSINESS, "phone_number_id": pid},
            "state_sync": items
        }),
    )
}

async fn contacts_of(app: &TestApp, number: &str) -> Vec<Value> {
    let (s, v) = app
        .get(&format!("/api/whatsapp/contacts?number={number}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["contacts"].as_array().cloned().unwrap_or_default()
}

async fn contact_on(app: &TestApp, number: &str, wa_id: &str) -> Option<Value> {
    contacts_of(app, number)
        .await
        .into_iter()
        .find(|c| c["wa_id"] == wa_id)
}

async fn messages_of(app: &TestApp, number: &str, wa_id: &str) -> Vec<Value> {
    app.all_messages(&format!("&phone={wa_id}&number={number}"))
        .await
}

async fn numbers(app: &TestApp) -> Vec<Value> {
    let (s, v) = app.get("/api/whatsapp/numbers").await;
    assert_eq!(s, 200, "{v}");
    v["numbers"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coexistence_history_imports_both_directions_into_the_right_contact_once() {
    let app = TestApp::spawn().await;
    let sales = app.phone_number_id.clone();
    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": SUPPORT, "label": "Support"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let now = chrono::Utc::now().timestamp();
    let day = 86_400;

    // Alice wrote on `messages` a minute ago; her conversation is read and resolved.
    let live = inbound_text(
        &sales,
        ALICE,
        "wamid.coex.live",
        now - 60,
        "Any news?",
        "Alice",
    );
    let (s, v) = app.deliver(&live).await;
    assert_eq!(s, 200, "{v}");
    let path = format!("/api/whatsapp/contacts/%2B{ALICE}");
    let (s, v) = app.post_json(&format!("{path}/read"), &json!({})).await;
    assert!(s == 200 || s == 204, "{s} {v}");
    let (s, v) = app
        .put_json(&format!("{path}/status"), &json!({"status": "resolved"}))
        .await;
    assert_eq!(s, 200, "{v}");
    let unread_before = app.stats().await["unread_messages"].clone();
    let alice_before = contact_on(&app, &sales, ALICE).await.expect("alice");

    // The app's history on the sales number: Alice's thread (both ways, and the message
    // already stored), and Bob's, who never wrote on the Cloud API, with a message an hour ago.
    let chunk = history(
        &sales,
        55,
        json!([
            {"id": ALICE, "messages": [
                text(ALICE, "wamid.coex.in.1", now - 3 * day, "Do you ship to Lisbon?",
                     json!({"status": "read"})),
                text(BUSINESS, "wamid.coex.out.1", now - 3 * day + 60, "Yes, in two days.",
                     json!({"from_me": true, "status": "read"})),
                text(ALICE, "wamid.coex.live", now - 60, "Any news?", json!({"status": "pending"})),
            ]},
            {"id": BOB, "messages": [
                text(BOB, "wamid.coex.in.2", now - 3600, "Open on Sunday?",
                     json!({"status": "delivered"})),
                text(BUSINESS, "wamid.coex.out.2", now - 3500, "No, sorry.",
                     json!({"from_me": true, "status": "delivered"})),
            ]}
        ]),
    );
    let (s, v) = app.deliver(&chunk).await;
    assert_eq!(s, 200, "{v}");
    // Redelivered, with other bytes: nothing more.
    let mut again = chunk.clone();
    again["entry"][0]["id"] = json!("WABA2");
    let (s, v) = app.deliver(&again).await;
    assert_eq!(s, 200, "{v}");

    let alice = messages_of(&app, &sales, ALICE).await;
    let ids: Vec<&str> = alice
        .iter()
        .map(|m| m["message_id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        ids,
        ["wamid.coex.live", "wamid.coex.out.1", "wamid.coex.in.1"],
        "newest first, each once, at Meta's times: {alice:#?}"
    );
    let live_row = &alice[0];
    assert_ne!(
        live_row["source"], "history",
        "the stored row is kept as it was"
    );
    let out = &alice[1];
    assert_eq!(out["direction"], "outbound", "{out}");
    assert_eq!(out["status"], "read", "{out}");
    assert_eq!(out["source"], "history");
    assert_eq!(out["message_text"], "Yes, in two days.");
    let inbound = &alice[2];
    assert_eq!(inbound["direction"], "inbound", "{inbound}");
    assert_eq!(inbound["is_read"], true);
    assert_eq!(
        inbound["created_at"].as_str().map(|t| t.starts_with(
            &chrono::DateTime::from_timestamp(now - 3 * day, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
        )),
        Some(true),
        "Meta's timestamp: {inbound}"
    );

    // Never unread, never reopening, never the window.
    assert_eq!(app.stats().await["unread_messages"], unread_before);
    let alice_after = contact_on(&app, &sales, ALICE).await.expect("alice");
    assert_eq!(alice_after["unread_count"], 0);
    assert_eq!(
        alice_after["last_inbound_at"],
        alice_before["last_inbound_at"]
    );
    let (_, conv) = app.get(&format!("{path}/conversation")).await;
    assert_eq!(conv["status"], "resolved", "{conv}");
    let bob = contact_on(&app, &sales, BOB)
        .await
        .expect("bob from history");
    assert_eq!(bob["unread_count"], 0, "{bob}");
    assert_eq!(bob["window_open"], false, "history opens no window: {bob}");
    assert_eq!(bob["last_inbound_at"], Value::Null, "{bob}");
    assert_eq!(bob["last_message_preview"], "No, sorry.", "{bob}");
    let (s, v) = app
        .send(&json!({"phone_number": format!("+{BOB}"), "message_text": "Hi"}))
        .await;
    assert_eq!(s, 422, "the window stays closed: {v}");
    // On the sales number only.
    assert!(contact_on(&app, SUPPORT, BOB).await.is_none());
    assert!(contact_on(&app, SUPPORT, ALICE).await.is_none());

    // The same customer's history on the support number: its own contact there.
    let support = history(
        SUPPORT,
        100,
        json!([{"id": BOB, "messages": [
            text(BOB, "wamid.coex.support.1", now - 2 * day, "Warranty?", json!({"status": "read"}))
        ]}]),
    );
    let (s, v) = app.deliver(&support).await;
    assert_eq!(s, 200, "{v}");
    let bob_support = contact_on(&app, SUPPORT, BOB)
        .await
        .expect("bob on support");
    assert_ne!(bob_support["id"], bob["id"]);
    let ids: Vec<Value> = messages_of(&app, SUPPORT, BOB)
        .await
        .iter()
        .map(|m| m["message_id"].clone())
        .collect();
    assert_eq!(ids, [json!("wamid.coex.support.1")]);
    assert_eq!(messages_of(&app, &sales, BOB).await.len(), 2);

    // Progress, per number.
    let listed = numbers(&app).await;
    let of = |pid: &str| {
        listed
            .iter()
            .find(|n| n["phone_number_id"] == pid)
            .map(|n| n["history"].clone())
            .unwrap_or_default()
    };
    let h = of(&sales);
    assert_eq!(
        (
            h["phase"].clone(),
            h["chunk_order"].clone(),
            h["progress"].clone()
        ),
        (json!(1), json!(2), json!(55)),
        "{h}"
    );
    assert_eq!(h["chunks"], 2, "{h}");
    assert_eq!(of(SUPPORT)["progress"], 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coexistence_declined_history_is_recorded_on_the_number() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    let declined = delivery(
        "history",
        json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": BUSINESS, "phone_number_id": pid},
            "history": [{"errors": [{
                "code": 2593109,
                "title": "History sharing is turned off by the business",
                "message": "History sharing is turned off by the business",
                "error_data": {"details": "The business declined to share its chat history"}
            }]}]
        }),
    );
    let (s, v) = app.deliver(&declined).await;
    assert_eq!(s, 200, "{v}");
    let listed = numbers(&app).await;
    let h = &listed[0]["history"];
    let error = h["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("2593109 "), "{h}");
    assert!(error.contains("turned off"), "{h}");
    assert_eq!(h["progress"], Value::Null, "{h}");
    assert!(contacts_of(&app, &pid).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coexistence_state_sync_names_contacts_and_remove_keeps_them() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    let now = chrono::Utc::now().timestamp();
    let live = inbound_text(&pid, ALICE, "wamid.coex.name.1", now - 60, "hello", "Ali");
    let (s, v) = app.deliver(&live).await;
    assert_eq!(s, 200, "{v}");

    let item = |phone: &str, name: &str, action: &str, ts: i64| {
        json!({"type": "contact", "action": action,
               "contact": {"full_name": name, "first_name": name.split(' ').next(),
                           "phone_number": phone},
               "metadata": {"timestamp": ts.to_string()}})
    };
    let body = state_sync(
        &pid,
        json!([
            item(&format!("+{ALICE}"), "Alice Baker (VIP)", "add", now - 30),
            item(BOB, "Bob Stone", "add", now - 30),
        ]),
    );
    let (s, v) = app.deliver(&body).await;
    assert_eq!(s, 200, "{v}");
    let alice = contact_on(&app, &pid, ALICE).await.expect("alice");
    assert_eq!(alice["saved_name"], "Alice Baker (VIP)", "{alice}");
    assert_eq!(
        alice["profile_name"], "Ali",
        "the WhatsApp profile name is kept apart"
    );
    assert_eq!(alice["display_name"], "Alice Baker (VIP)");
    let bob = contact_on(&app, &pid, BOB)
        .await
        .expect("a saved contact is a contact");
    assert_eq!(bob["display_name"], "Bob Stone");
    assert_eq!(bob["unread_count"], 0);

    // The operator's name wins over the app's.
    let (s, v) = app
        .put_json(
            &format!("/api/whatsapp/contacts/%2B{BOB}"),
            &json!({"display_name": "Robert (wholesale)"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let edit = state_sync(&pid, json!([item(BOB, "Bobby", "edit", now - 20)]));
    let (s, v) = app.deliver(&edit).await;
    assert_eq!(s, 200, "{v}");
    let bob = contact_on(&app, &pid, BOB).await.expect("bob");
    assert_eq!(bob["display_name"], "Robert (wholesale)", "{bob}");
    assert_eq!(bob["saved_name"], "Bobby", "{bob}");

    // Removed from the app's address book: the name goes, the contact and its history stay;
    // an older change arriving late does not bring the name back.
    let remove = state_sync(
        &pid,
        json!([item(ALICE, "Alice Baker (VIP)", "remove", now - 10)]),
    );
    let (s, v) = app.deliver(&remove).await;
    assert_eq!(s, 200, "{v}");
    let late = state_sync(&pid, json!([item(ALICE, "Alice B.", "edit", now - 25)]));
    let (s, v) = app.deliver(&late).await;
    assert_eq!(s, 200, "{v}");
    let alice = contact_on(&app, &pid, ALICE).await.expect("alice stays");
    assert_eq!(alice["saved_name"], Value::Null, "{alice}");
    assert_eq!(alice["display_name"], "Ali", "{alice}");
    assert_eq!(messages_of(&app, &pid, ALICE).await.len(), 1);
    // A removal of somebody unknown creates nobody.
    let unknown = state_sync(&pid, json!([item("15550009999", "X", "remove", now)]));
    let (s, v) = app.deliver(&unknown).await;
    assert_eq!(s, 200, "{v}");
    assert!(contact_on(&app, &pid, "15550009999").await.is_none());
}
