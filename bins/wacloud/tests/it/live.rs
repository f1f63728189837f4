//! Live updates: `GET /api/whatsapp/events` tells connected widgets what changed, on this
//! instance and (on PostgreSQL) on every instance on the database.

use std::time::Duration;

use serde_json::Value;

use crate::app::TestApp;
use crate::bodies::{inbound_text, status_body};

fn has(seen: &Value, kind: &str, id: &str) -> bool {
    seen[kind]
        .as_array()
        .is_some_and(|ids| ids.iter().any(|x| x == id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_and_a_send_are_announced_with_their_ids() {
    let app = TestApp::spawn().await;
    let mut events = app.events().await;

    let (status, _) = app
        .deliver(&inbound_text(
            &app.phone_number_id,
            "15550000001",
            "wamid.live.1",
            1_700_000_000,
            "hello",
            "Alice",
        ))
        .await;
    assert_eq!(status, 200);
    let msgs = app.all_messages("").await;
    let m = msgs[0]["id"].as_str().unwrap().to_owned();
    let c = msgs[0]["contact_id"].as_str().unwrap().to_owned();
    events
        .until_change(Duration::from_secs(10), |s| {
            has(s, "messages", &m) && has(s, "contacts", &c)
        })
        .await;

    // An outbound message: created, then its statuses move through the sandbox's webhooks.
    let (status, sent) = app
        .send(
            // The customer's message above is old: the window is closed, and this test is about
            // live updates, not the window.
            &serde_json::json!({"phone_number": "+15550000001", "message_text": "hi", "allow_outside_window": true}),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    let out = sent["message"]["id"].as_str().unwrap().to_owned();
    events
        .until_change(Duration::from_secs(10), |s| {
            has(s, "messages", &out) && has(s, "statuses", &out)
        })
        .await;

    // A status Meta sends for it is announced as a status change.
    let wamid = sent["message_id"].as_str().unwrap();
    let (status, _) = app
        .deliver(&status_body(
            &app.phone_number_id,
            wamid,
            "failed",
            2_000_000_000,
            "15550000001",
        ))
        .await;
    assert_eq!(status, 200);
    events
        .until_change(Duration::from_secs(10), |s| has(s, "statuses", &out))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_endpoint_is_guarded_by_the_api_key() {
    let app = TestApp::builder()
        .with(|s| s.http.api_key = Some("k-123".into()))
        .spawn()
        .await;
    let r = app
        .http
        .get(app.url("/api/whatsapp/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = app
        .http
        .get(app.url("/api/whatsapp/events"))
        .bearer_auth("k-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_widget_on_one_instance_hears_what_another_instance_stored() {
    if wacloud_store::testdb::Backend::from_env() != wacloud_store::testdb::Backend::Postgres {
        eprintln!("skipped: several instances need WACLOUD_TEST_BACKEND=postgres");
        return;
    }
    let a = TestApp::spawn().await;
    let b = TestApp::builder().on_url(&a.database_url).spawn().await;
    let mut on_b = b.events().await;
    let (status, _) = a
        .deliver(&inbound_text(
            &a.phone_number_id,
            "15550000002",
            "wamid.live.2",
            1_700_000_000,
            "to instance a",
            "Bob",
        ))
        .await;
    assert_eq!(status, 200);
    let msgs = b.all_messages("").await;
    let m = msgs[0]["id"].as_str().unwrap().to_owned();
    on_b.until_change(Duration::from_secs(10), |s| has(s, "messages", &m))
        .await;
}
