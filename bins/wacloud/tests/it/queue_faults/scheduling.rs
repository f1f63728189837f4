//! Scheduled sends wait for their time, can be cancelled (one item or a whole batch) and show
//! their progress.

use std::time::Duration;

use serde_json::json;

use super::{bulk, hello_world, wait_batch_done};
use crate::app::TestApp;

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
