//! Never twice: a send whose answer was lost is settled from its status webhooks, held for an
//! operator when none comes, and sent again only under the resend policy.

use std::time::Duration;

use serde_json::json;

use super::{accepted_for, bulk, hello_world, item_for, wait_batch_done};
use crate::app::TestApp;

// --- Never twice: a send whose answer is lost is reconciled, not repeated

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_answer_is_lost_is_settled_by_its_status_webhook_and_never_resent() {
    // The answer comes after the timeout; the `sent` status after that.
    let app = TestApp::builder()
        .with(|s| {
            s.meta.graph_timeout = Duration::from_millis(400);
            s.sandbox.status_delay = Duration::from_millis(800);
        })
        .spawn()
        .await;
    app.sandbox(json!({"faults": [{"to": "15550000191", "mode": "hang", "hang_ms": 3000}]}))
        .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000191", "+15550000192"], "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let b = wait_batch_done(&app, &id, 15).await;
    let item = item_for(&b, "+15550000191");
    assert_eq!(item["state"], "sent", "{item}");
    assert_eq!(item["attempts"], 1, "{item}");
    assert!(
        item["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("answer was lost"),
        "{item}"
    );
    // The message joined its wamid through biz_opaque_callback_data and moved on.
    let m = app
        .wait_for(15, "read", || async {
            app.conversation("15550000191")
                .await
                .into_iter()
                .find(|m| m["status"] == "read")
        })
        .await;
    assert!(m["message_id"].as_str().unwrap().starts_with("wamid."));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        accepted_for(&app.counts().await, "15550000191"),
        1,
        "never resent"
    );

    // A direct send: 504 outcome_unknown, and the message still reaches read.
    let (status, e) = app
        .send(
            &json!({"phone_number": "+15550000191", "type": "template", "template": hello_world()}),
        )
        .await;
    assert_eq!(status, 504, "{e}");
    assert_eq!(e["error"]["code"], "outcome_unknown");
    let mid = e["error"]["message_id"].as_str().unwrap().to_owned();
    app.wait_for(15, "read", || async {
        app.conversation("15550000191")
            .await
            .into_iter()
            .find(|m| m["id"] == mid.as_str() && m["status"] == "read")
    })
    .await;
    assert_eq!(accepted_for(&app.counts().await, "15550000191"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_without_any_status_is_held_for_an_operator_not_resent() {
    let app = TestApp::builder()
        .with(|s| {
            s.meta.graph_timeout = Duration::from_millis(400);
            s.queue.unknown_grace = Duration::from_secs(1);
        })
        .spawn()
        .await;
    app.sandbox(json!({"statuses": false, "faults": [{"to": "15550000201", "mode": "hang", "hang_ms": 2000, "times": 1}]}))
        .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000201"], "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let item = app
        .wait_for(15, "held", || async {
            let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
            let i = item_for(&b, "+15550000201").clone();
            (i["state"] == "unknown" && i["finished_at"].is_string()).then_some(i)
        })
        .await;
    assert!(
        item["last_error"]
            .as_str()
            .unwrap()
            .contains("does not send it again"),
        "{item}"
    );
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        accepted_for(&app.counts().await, "15550000201"),
        1,
        "not resent"
    );
    // The operator decides: retry (a new attempt) — or cancel, which an unknown item allows.
    let (status, r) = app
        .post_json(
            &format!("/api/whatsapp/queue/{}/retry", item["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    app.wait_for(10, "retried", || async {
        (accepted_for(&app.counts().await, "15550000201") == 2).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_resend_policy_a_request_that_never_arrived_is_sent_after_the_grace_period() {
    let app = TestApp::builder()
        .with(|s| {
            s.meta.graph_timeout = Duration::from_millis(400);
            s.queue.unknown_grace = Duration::from_secs(1);
            s.queue.resend_unknown = true;
        })
        .spawn()
        .await;
    // The request is lost before Meta sees it: no record, no status, no answer.
    app.sandbox(
        json!({"faults": [{"to": "15550000211", "mode": "drop", "hang_ms": 1000, "times": 1}]}),
    )
    .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000211"], "type": "template", "template": hello_world()}),
    )
    .await;
    let b = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 20).await;
    let item = item_for(&b, "+15550000211");
    assert_eq!(item["state"], "sent", "{item}");
    assert_eq!(item["attempts"], 2, "{item}");
    assert_eq!(accepted_for(&app.counts().await, "15550000211"), 1);
}
