//! A batch of 1,000 at the default 80 messages per second: it takes at least 12.5 s, every
//! recipient gets exactly one message, and Meta (the sandbox, capped at 80/s like a default
//! number) never answers 130429 or 131056.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::app::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_1000_goes_at_80_per_second_once_each_and_never_over_the_cap() {
    // A realistic answer time (Meta's is 100–300 ms), so sends overlap as they do for real.
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.messages_per_second = 80;
            // The sandbox caps at the number's rate, as Meta does for a default number.
            s.sandbox.messages_per_second = 80;
            s.sandbox.latency = Duration::from_millis(100);
            s.sandbox.status_delay = Duration::from_millis(200);
        })
        .spawn()
        .await;
    let recipients: Vec<String> = (0..1000).map(|i| format!("+1555100{i:04}")).collect();
    let t0 = Instant::now();
    let (status, v) = app
        .send_bulk(&json!({"recipients": recipients, "type": "template",
                    "template": {"name": "hello_world", "language": "en_US"}}))
        .await;
    assert_eq!(status, 202, "{v}");
    assert_eq!(v["accepted"], 1000);
    let id = v["batch_id"].as_str().unwrap().to_owned();
    let b = app
        .wait_for(60, "batch done", || async {
            let (_, b) = app
                .get(&format!("/api/whatsapp/batches/{id}?limit=0"))
                .await;
            (b["done"] == true).then_some(b)
        })
        .await;
    let took = t0.elapsed();
    assert_eq!(b["counts"]["sent"], 1000, "{b}");
    assert!(took >= Duration::from_millis(12_500), "took {took:?}");
    // A sanity bound only: a loaded CI machine may be slower, never faster.
    assert!(took < Duration::from_secs(60), "kept the pace: {took:?}");

    let c = app.counts().await;
    assert_eq!(c["accepted"], 1000, "{c}");
    assert!(
        c["refused"].as_object().unwrap().is_empty(),
        "no 130429 or 131056: {}",
        c["refused"]
    );
    let per = c["per_recipient"].as_object().unwrap();
    assert_eq!(per.len(), 1000);
    assert!(per.values().all(|n| n == 1), "exactly one each");
    // The busiest second: the rate, plus the pacer's burst of 2, plus what a busy machine's
    // scheduling delays (up to ~100 ms) can bunch together at the sandbox.
    let max = c["max_per_second"].as_u64().unwrap();
    assert!(max <= 90, "at most 80/s (+2 burst, + jitter): {max}");
    let first =
        chrono::DateTime::parse_from_rfc3339(c["first_accepted_at"].as_str().unwrap()).unwrap();
    let last =
        chrono::DateTime::parse_from_rfc3339(c["last_accepted_at"].as_str().unwrap()).unwrap();
    let span = (last - first).num_milliseconds();
    assert!(span >= 12_400, "first to last accepted at Meta: {span} ms");
    eprintln!(
        "1000 messages: {took:?} from request to done, {span} ms first to last at Meta, busiest second {max}"
    );
}
