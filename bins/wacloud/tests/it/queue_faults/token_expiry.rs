//! An expired access token (190) pauses all sending with one alert, and sending resumes by
//! itself when the token works again.

use std::time::Duration;

use serde_json::json;

use super::{accepted_for, bulk, hello_world, wait_batch_done};
use crate::app::TestApp;

// --- Row: expired token (190)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_pauses_all_sending_with_one_alert_and_resumes_when_it_works() {
    let app = TestApp::builder()
        .with(|s| s.meta.token_probe_interval = Duration::from_secs(1))
        .spawn()
        .await;
    app.sandbox(json!({"token_valid": false})).await;
    let recipients: Vec<String> = (0..20).map(|i| format!("+1555004{i:04}")).collect();
    let v = bulk(
        &app,
        json!({"recipients": recipients, "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let health = app
        .wait_for(10, "pause", || async {
            let (_, h) = app.get("/api/whatsapp/health").await;
            (h["sending"]["paused"] == true).then_some(h)
        })
        .await;
    let alerts = health["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "one alert: {health}");
    assert_eq!(alerts[0]["code"], "token_invalid");
    assert!(alerts[0]["message"].as_str().unwrap().contains("190"));
    assert_eq!(health["status"], "degraded");
    // A direct send is refused at once, without calling Meta.
    let (status, e) = app
        .send(
            &json!({"phone_number": "+15550000141", "type": "template", "template": hello_world()}),
        )
        .await;
    assert_eq!(status, 503, "{e}");
    assert_eq!(e["error"]["code"], "sending_paused");
    // Queued work waits; nothing is dropped or failed.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
    assert_eq!(b["counts"]["failed"], 0, "{b}");
    assert_eq!(b["counts"]["pending"], 20, "{b}");
    assert_eq!(app.counts().await["accepted"], 0);
    // An item whose attempt was stopped by the pause is cancelled: its message does not stay
    // pending in the chat for ever.
    let tried = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| !i["message_id"].is_null())
        .expect("an item tried before the pause")
        .clone();
    let (status, c) = app
        .post_json(
            &format!(
                "/api/whatsapp/queue/{}/cancel",
                tried["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    let phone = tried["phone_number"].as_str().unwrap().to_owned();
    let msgs = app.conversation(phone.trim_start_matches('+')).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["status"], "failed", "{msgs:?}");
    assert!(msgs[0]["message_id"].is_null());
    assert_eq!(
        app.get("/api/whatsapp/health").await.1["alerts"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "still one alert"
    );
    // The token works again: wacloud notices by itself and sends everything, once.
    app.sandbox(json!({"token_valid": true})).await;
    let b = wait_batch_done(&app, &id, 20).await;
    assert_eq!(b["counts"]["sent"], 19, "{b}");
    assert_eq!(b["counts"]["cancelled"], 1, "{b}");
    let (_, h) = app.get("/api/whatsapp/health").await;
    assert_eq!(h["sending"]["paused"], false);
    assert!(h["alerts"].as_array().unwrap().is_empty(), "{h}");
    let c = app.counts().await;
    for r in &recipients {
        let expected = u64::from(*r != phone);
        assert_eq!(accepted_for(&c, r.trim_start_matches('+')), expected, "{r}");
    }
}
