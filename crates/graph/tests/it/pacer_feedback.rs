//! A client with a pacer learns from Meta's rate-limit refusals (issue 22): after 130429
//! the whole number is held and slowed down, after 131056 only that recipient is held,
//! so the following send waits; other refusals change nothing.

use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wacloud_graph::{GraphClient, Pacer, PacerConfig, RetryPolicy};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PHONE_ID: &str = "106540352242922";
const HOLD: Duration = Duration::from_millis(400);

fn refusal(code: i64) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({"error": {
        "message": "refused", "type": "OAuthException", "code": code, "fbtrace_id": "A"}}))
}

fn sent() -> Value {
    json!({"messaging_product": "whatsapp", "messages": [{"id": "wamid.OK"}]})
}

/// A server that refuses the first send to `to` with `code` and accepts every other.
async fn refuses_once(to: &str, code: i64) -> MockServer {
    let server = MockServer::start().await;
    let messages = format!("/v25.0/{PHONE_ID}/messages");
    Mock::given(method("POST"))
        .and(path(messages.clone()))
        .and(body_partial_json(json!({"to": to})))
        .respond_with(refusal(code))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(messages))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent()))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

/// A pacer that never waits by itself in these tests: 1000/s with a burst of 25, and
/// five messages at once per recipient; holds last [`HOLD`].
fn pacer() -> Pacer {
    Pacer::new(
        PacerConfig::new()
            .messages_per_second(1000)
            .pair_interval(HOLD)
            .pair_burst(5)
            .throughput_hold(HOLD),
    )
    .unwrap()
}

fn client(server: &MockServer, pacer: &Pacer) -> GraphClient {
    GraphClient::builder(SecretString::from("t"), PHONE_ID)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .pacer(pacer.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn after_131056_the_next_send_to_that_recipient_waits_and_others_do_not() {
    let server = refuses_once("15550000001", 131056).await;
    let pacer = pacer();
    let c = client(&server, &pacer);
    let e = c.send_text("15550000001", "one").await.unwrap_err();
    assert_eq!(e.api().map(|a| a.code), Some(131056), "{e}");
    assert!(pacer.recipient_paused_for("15550000001").is_some());
    assert!(pacer.paused_for().is_none(), "the number is not held");

    let t0 = Instant::now();
    c.send_text("15550000002", "other").await.unwrap();
    assert!(t0.elapsed() < HOLD / 2, "{:?}", t0.elapsed());
    c.send_text("15550000001", "again").await.unwrap();
    assert!(t0.elapsed() >= HOLD * 3 / 4, "{:?}", t0.elapsed());
}

#[tokio::test]
async fn after_130429_every_send_waits_and_the_rate_drops() {
    let server = refuses_once("15550000001", 130429).await;
    let pacer = pacer();
    let c = client(&server, &pacer);
    let e = c.send_text("15550000001", "one").await.unwrap_err();
    assert!(e.may_resend(), "{e}");
    assert!(pacer.paused_for().is_some());
    assert_eq!(pacer.current_rate(), 750, "a quarter less");

    let t0 = Instant::now();
    c.send_text("15550000002", "another recipient")
        .await
        .unwrap();
    assert!(t0.elapsed() >= HOLD * 3 / 4, "{:?}", t0.elapsed());
}

#[tokio::test]
async fn the_retry_policy_waits_for_the_hold_before_resending() {
    let server = refuses_once("15550000001", 131056).await;
    let pacer = pacer();
    let c = GraphClient::builder(SecretString::from("t"), PHONE_ID)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::new(2).base_delay(Duration::from_millis(1)))
        .pacer(pacer.clone())
        .build()
        .unwrap();
    let t0 = Instant::now();
    c.send_text("15550000001", "one").await.unwrap();
    assert!(t0.elapsed() >= HOLD * 3 / 4, "{:?}", t0.elapsed());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn other_refusals_change_nothing() {
    let server = refuses_once("15550000001", 131047).await;
    let pacer = pacer();
    let c = client(&server, &pacer);
    c.send_text("15550000001", "outside the window")
        .await
        .unwrap_err();
    assert!(pacer.paused_for().is_none());
    assert!(pacer.recipient_paused_for("15550000001").is_none());
    assert_eq!(pacer.current_rate(), 1000);
}
