//! Meta's rate limits: the number paced below its throughput, Meta's 130429 backing the whole
//! number off, one recipient's messages spaced and 131056 backing off that recipient only, and
//! a direct send over the pair rate answered at once.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{accepted_for, bulk, hello_world, item_for, wait_batch_done};
use crate::app::TestApp;

// --- Row: 130429 throughput, 131056 pair rate

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_number_is_paced_below_its_throughput_so_130429_does_not_happen() {
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.messages_per_second = 20;
            // Meta (the sandbox) allows the number the same 20/s: going over would be refused.
            s.sandbox.messages_per_second = 20;
        })
        .spawn()
        .await;
    let recipients: Vec<String> = (0..40).map(|i| format!("+1555001{i:04}")).collect();
    let t0 = Instant::now();
    let v = bulk(
        &app,
        json!({"recipients": recipients, "type": "template", "template": hello_world()}),
    )
    .await;
    let b = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 20).await;
    assert_eq!(b["counts"]["sent"], 40, "{b}");
    assert!(
        t0.elapsed() >= Duration::from_millis(1850),
        "{:?}",
        t0.elapsed()
    );
    let c = app.counts().await;
    assert!(c["refused"].as_object().unwrap().is_empty(), "{c}");
    assert!(
        c["max_per_second"].as_u64().unwrap() <= 25,
        "20/s (+ jitter): {c}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_meta_answers_130429_the_whole_number_backs_off_and_nothing_is_lost() {
    // wacloud believes the number does 1000/s; Meta (the sandbox) allows 20/s.
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.messages_per_second = 1000;
            s.sandbox.messages_per_second = 20;
        })
        .spawn()
        .await;
    let recipients: Vec<String> = (0..30).map(|i| format!("+1555002{i:04}")).collect();
    let v = bulk(
        &app,
        json!({"recipients": recipients, "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let b = wait_batch_done(&app, &id, 60).await;
    assert_eq!(b["counts"]["sent"], 30, "{b}");
    let c = app.counts().await;
    assert!(c["refused"]["130429"].as_u64().unwrap_or(0) > 0, "{c}");
    for r in &recipients {
        assert_eq!(accepted_for(&c, r.trim_start_matches('+')), 1, "{r}: {c}");
    }
    let retried = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["attempts"].as_i64().unwrap() > 1)
        .count();
    assert!(retried > 0, "some items were retried after 130429");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_to_one_recipient_are_spaced_and_131056_backs_off_that_recipient_only() {
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.pair_interval = Duration::from_millis(400);
            s.throughput.pair_burst = 1;
        })
        .spawn()
        .await;
    app.sandbox(json!({"pair_interval_ms": 300, "pair_burst": 1}))
        .await;
    // Three scheduled messages to the same customer, due at once: spaced by the pacer.
    for i in 0..3 {
        let (status, v) = app
            .send(
                &json!({"phone_number": "+15550000121", "type": "template",
                        "template": {"name": "hello_world", "language": "en_US", "body_parameters": [format!("n{i}")]},
                        "scheduled_at": "2020-01-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(status, 202, "{v}");
    }
    app.wait_for(10, "three sent", || async {
        (accepted_for(&app.counts().await, "15550000121") == 3).then_some(())
    })
    .await;
    let c = app.counts().await;
    assert!(c["refused"].as_object().unwrap().is_empty(), "{c}");

    // 131056 anyway (Meta's own view): that recipient waits, the others go on.
    app.sandbox(json!({"pair_interval_ms": 0, "faults": [
        {"to": "15550000122", "mode": "refuse", "code": 131056, "times": 2}
    ]}))
    .await;
    let others: Vec<String> = (0..5).map(|i| format!("+1555003{i:04}")).collect();
    let mut recipients = vec!["+15550000122".to_owned()];
    recipients.extend(others.clone());
    let v = bulk(
        &app,
        json!({"recipients": recipients, "type": "template", "template": hello_world()}),
    )
    .await;
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let b = app
        .wait_for(10, "others sent", || async {
            let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
            (b["counts"]["sent"].as_i64().unwrap_or(0) >= 5).then_some(b)
        })
        .await;
    for o in &others {
        assert_eq!(item_for(&b, o)["state"], "sent", "{b}");
    }
    let b = wait_batch_done(&app, &id, 30).await;
    let held = item_for(&b, "+15550000122");
    assert_eq!(held["state"], "sent", "{held}");
    assert_eq!(held["attempts"], 3, "two refusals, then sent: {held}");
    let c = app.counts().await;
    assert_eq!(c["refused"]["131056"], 2);
    assert_eq!(accepted_for(&c, "15550000122"), 1);
}

// --- A direct send never waits long for the pair rate; a schedule years ahead is a typo

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_send_over_the_pair_rate_answers_429_at_once_and_far_schedules_are_refused() {
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.pair_burst = 1;
            s.throughput.pair_interval = Duration::from_millis(60_000);
        })
        .spawn()
        .await;
    let body =
        json!({"phone_number": "+15550000231", "type": "template", "template": hello_world()});
    let (status, v) = app.send(&body).await;
    assert_eq!(status, 200, "{v}");
    let started = std::time::Instant::now();
    let r = app
        .http
        .post(app.url("/api/whatsapp/send"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered at once"
    );
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((50..=60).contains(&wait), "Retry-After {wait}");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "pair_rate_limited");
    assert_eq!(accepted_for(&app.counts().await, "15550000231"), 1);
    // Through the queue the same message waits for its slot instead of being refused.
    let mut scheduled = body.clone();
    scheduled["scheduled_at"] = json!("2020-01-01T00:00:00Z");
    let (status, v) = app.send(&scheduled).await;
    assert_eq!(status, 202, "{v}");

    for (path, body) in [
        (
            "/api/whatsapp/send",
            json!({"phone_number": "+15550000232", "type": "template", "template": hello_world(),
                   "scheduled_at": "9999-12-31T23:59:59Z"}),
        ),
        (
            "/api/whatsapp/send-bulk",
            json!({"recipients": ["+15550000232"], "type": "template", "template": hello_world(),
                   "scheduled_at": "2031-01-01T00:00:00Z"}),
        ),
    ] {
        let (status, e) = app.post_json(path, &body).await;
        assert_eq!(status, 400, "{path}: {e}");
        assert_eq!(e["error"]["field"], "scheduled_at", "{e}");
    }
}
