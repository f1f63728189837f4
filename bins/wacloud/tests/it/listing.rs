//! Listing conversations: paging parameters, filters, and the names the list is searched by.

use serde_json::{json, Value};

use crate::app::{TestApp, PHONE_NUMBER_ID};
use crate::bodies::inbound_text;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_parameters_are_refused_alike_on_every_endpoint() {
    let app = TestApp::spawn().await;
    for (path, field) in [
        ("/api/whatsapp/contacts?limit=0", "limit"),
        ("/api/whatsapp/contacts?offset=-1", "offset"),
        ("/api/whatsapp/batches/b1?limit=-1", "limit"),
        ("/api/whatsapp/batches/b1?offset=-1", "offset"),
    ] {
        let (status, e) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {e}");
        assert_eq!(e["error"]["code"], "invalid_request", "{path}: {e}");
        assert_eq!(e["error"]["field"], field, "{path}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_customer_keeps_their_name_when_a_message_gives_none() {
    let app = TestApp::spawn().await;
    let path = "/sandbox/customers/%2B15550000077/messages";
    let (status, _) = app
        .post_json(path, &json!({"text": "hi", "name": "Alice"}))
        .await;
    assert_eq!(status, 202);
    let (status, _) = app.post_json(path, &json!({"text": "again"})).await;
    assert_eq!(status, 202);
    let (status, _) = app
        .post_json(path, &json!({"text": "and again", "name": "  "}))
        .await;
    assert_eq!(status, 202);
    let (_, found) = app.get("/api/whatsapp/contacts?search=Alice").await;
    assert_eq!(
        found["contacts"].as_array().map(Vec::len),
        Some(1),
        "{found}"
    );
    assert_eq!(found["contacts"][0]["display_name"], "Alice");
    let (_, other) = app
        .post_json(
            "/sandbox/customers/%2B15550000078/messages",
            &json!({"text": "new here"}),
        )
        .await;
    assert!(other["message_id"].is_string());
    let (_, c) = app.get("/api/whatsapp/contacts?search=15550000078").await;
    assert_eq!(
        c["contacts"][0]["display_name"], "Sandbox Customer",
        "a customer never named gets the default"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contact_list_filters_unread_needs_reply_and_open_windows() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    // A: wrote just now, unread. B: wrote, was read and answered. C: wrote three days ago.
    for (phone, wamid, at) in [
        ("15550000081", "wamid.fa", now),
        ("15550000082", "wamid.fb", now),
        ("15550000083", "wamid.fc", now - 3 * 86_400),
    ] {
        let body = inbound_text(PHONE_NUMBER_ID, phone, wamid, at, "hello", "F");
        assert_eq!(app.deliver(&body).await.0, 200);
    }
    let (status, _) = app
        .post_json("/api/whatsapp/contacts/+15550000082/read", &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, sent) = app
        .send(&json!({"phone_number": "+15550000082", "message_text": "on its way"}))
        .await;
    assert_eq!(status, 200, "{sent}");
    let phones = |v: &Value| -> Vec<String> {
        let mut p: Vec<String> = v["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["phone_number"].as_str().unwrap().to_owned())
            .collect();
        p.sort();
        p
    };
    let (_, all) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(phones(&all).len(), 3);
    let (_, unread) = app.get("/api/whatsapp/contacts?filter=unread").await;
    assert_eq!(phones(&unread), ["+15550000081", "+15550000083"]);
    assert_eq!(unread["total_count"], 2);
    let (_, waiting) = app.get("/api/whatsapp/contacts?filter=needs_reply").await;
    assert_eq!(phones(&waiting), ["+15550000081", "+15550000083"]);
    let (_, open) = app.get("/api/whatsapp/contacts?filter=window_open").await;
    assert_eq!(phones(&open), ["+15550000081", "+15550000082"]);
    let (_, both) = app
        .get("/api/whatsapp/contacts?filter=window_open&search=0081")
        .await;
    assert_eq!(phones(&both), ["+15550000081"]);
    let (status, e) = app.get("/api/whatsapp/contacts?filter=vip").await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(e["error"]["code"], "invalid_query");
}
