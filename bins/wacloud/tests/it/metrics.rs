//! `GET /metrics`: what an operator's Prometheus scrapes, and that it counts what happened.

use serde_json::json;

use crate::app::{TestApp, PHONE_NUMBER_ID};
use crate::bodies::inbound_text;

async fn scrape(app: &TestApp, key: Option<&str>) -> (u16, String) {
    let mut rb = app.http.get(app.url("/metrics"));
    if let Some(k) = key {
        rb = rb.bearer_auth(k);
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The value of the sample `name{labels}` (labels as rendered, in order), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_deliveries_events_sends_and_requests() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let body = inbound_text(PHONE_NUMBER_ID, "15550000071", "wamid.m1", now, "hi", "M");
    assert_eq!(app.deliver(&body).await.0, 200);
    assert_eq!(app.deliver(&body).await.0, 200, "the same body again");
    assert_eq!(app.post_webhook_raw(b"{}", Some("sha256=00")).await.0, 401);
    let (status, _) = app
        .send(&json!({"phone_number": "+15550000071", "message_text": "hello"}))
        .await;
    assert_eq!(status, 200);

    let (status, text) = scrape(&app, None).await;
    assert_eq!(status, 200);
    let count =
        |series: &str| sample(&text, series).unwrap_or_else(|| panic!("{series} in:\n{text}"));
    assert_eq!(
        count(r#"wacloud_webhook_deliveries_total{outcome="processed"}"#),
        1.0
    );
    assert_eq!(
        count(r#"wacloud_webhook_deliveries_total{outcome="duplicate"}"#),
        1.0
    );
    assert_eq!(
        count(r#"wacloud_webhook_deliveries_total{outcome="invalid_signature"}"#),
        1.0
    );
    assert!(count(r#"wacloud_webhook_events_total{kind="message"}"#) >= 1.0);
    assert_eq!(
        count(r#"wacloud_sends_total{result="accepted",code="none"}"#),
        1.0
    );
    assert!(count("wacloud_webhook_ack_seconds_count") >= 3.0);
    assert!(count(r#"wacloud_ingest_lag_seconds_count{mode="inline"}"#) >= 1.0);
    assert!(count("wacloud_pacer_wait_seconds_count") >= 1.0);
    assert!(
        text.contains(r#"route="/api/whatsapp/send""#),
        "requests are timed by route pattern:\n{text}"
    );
    assert!(
        !text.contains("15550000071"),
        "no phone numbers or ids in labels"
    );
    assert!(text.contains("wacloud_event_stream_clients 0"), "{text}");
    assert!(text.contains("# HELP wacloud_sends_total"), "described");
}

/// Deliveries answered when stored and applied later (past the inline limit) report how long
/// their effects took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_deliveries_report_their_lag_to_applied() {
    let app = TestApp::builder()
        .with(|s| s.database.ingest_inline_limit = 0)
        .spawn()
        .await;
    let now = chrono::Utc::now().timestamp();
    let body = inbound_text(PHONE_NUMBER_ID, "15550000072", "wamid.m2", now, "hi", "M");
    assert_eq!(app.deliver(&body).await.0, 200);
    app.wait_for(10, "the delivery applied", || async {
        (app.stats().await["webhooks"]["processed"] == 1).then_some(())
    })
    .await;
    let text = app
        .wait_for(10, "the lag recorded", || async {
            let (_, text) = scrape(&app, None).await;
            sample(
                &text,
                r#"wacloud_ingest_lag_seconds_count{mode="deferred"}"#,
            )
            .filter(|n| *n >= 1.0)
            .map(|_| text)
        })
        .await;
    assert_eq!(
        sample(&text, r#"wacloud_ingest_lag_seconds_count{mode="inline"}"#),
        None,
        "nothing was applied inline:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_api_key_when_one_is_set() {
    let app = TestApp::builder()
        .with(|s| s.http.api_key = Some("k-metrics".into()))
        .spawn()
        .await;
    let (status, body) = scrape(&app, None).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = scrape(&app, Some("k-metrics")).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_methods_and_paths_add_no_series() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        let method = reqwest::Method::from_bytes(format!("BREW{i}").as_bytes()).unwrap();
        let r = app
            .http
            .request(method, app.url(&format!("/no/such/path/{i}")))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error());
    }
    let (_, text) = scrape(&app, None).await;
    assert!(!text.contains("BREW"), "{text}");
    assert!(!text.contains("/no/such/path"), "{text}");
    assert!(
        text.contains(r#"method="other",route="unmatched",status="404""#),
        "{text}"
    );
}
