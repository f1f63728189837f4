//! RetryPolicy and Pacer: reads retry on transient failures; sends are replayed only
//! when Meta provably refused them; timeouts on sends are never replayed; pacing per
//! number and per recipient, standalone and inside the client.

use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wacloud_graph::messages::{OutboundMessage, Recipient};
use wacloud_graph::{
    ApiError, GraphClient, GraphError, Pacer, PacerConfig, RequestKind, RetryPolicy,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-EAAG-never-logged";
const PHONE_ID: &str = "106540352242922";
const WABA: &str = "102290129340398";

fn fast_policy(n: u32) -> RetryPolicy {
    RetryPolicy::new(n)
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_secs(2))
}

fn client(server: &MockServer, policy: RetryPolicy, timeout: Duration) -> GraphClient {
    GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .waba_id(WABA)
        .timeout(timeout)
        .retry_policy(policy)
        .build()
        .unwrap()
}

fn graph_error(code: i64, message: &str) -> Value {
    json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Atrace"}})
}

fn sent() -> Value {
    json!({"messaging_product": "whatsapp", "contacts": [{"input": "15550000001", "wa_id": "15550000001"}],
           "messages": [{"id": "wamid.OK"}]})
}

fn hello() -> OutboundMessage {
    OutboundMessage::text(Recipient::PhoneNumber("15550000001".into()), "hello").unwrap()
}

/// Mounts `first` once at `p`, then `then` for every later request.
async fn once_then(
    server: &MockServer,
    m: &str,
    p: &str,
    first: ResponseTemplate,
    then: ResponseTemplate,
) {
    Mock::given(method(m))
        .and(path(p))
        .respond_with(first)
        .up_to_n_times(1)
        .mount(server)
        .await;
    Mock::given(method(m))
        .and(path(p))
        .respond_with(then)
        .mount(server)
        .await;
}

async fn hits(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn reads_retry_on_5xx_and_timeouts() {
    let server = MockServer::start().await;
    let p = format!("/v25.0/{WABA}/message_templates");
    once_then(
        &server,
        "GET",
        &p,
        ResponseTemplate::new(503).set_body_json(graph_error(2, "Service temporarily unavailable")),
        ResponseTemplate::new(200).set_body_json(json!({"data": [{"name": "a"}]})),
    )
    .await;
    let c = client(&server, fast_policy(3), Duration::from_secs(5));
    assert_eq!(c.list_templates().await.unwrap().len(), 1);
    assert_eq!(hits(&server).await, 2);

    // A read that times out is retried too (it changes nothing at Meta).
    let slow = MockServer::start().await;
    once_then(
        &slow,
        "GET",
        &format!("/v25.0/{PHONE_ID}"),
        ResponseTemplate::new(200).set_delay(Duration::from_secs(2)),
        ResponseTemplate::new(200)
            .set_body_json(json!({"id": PHONE_ID, "quality_rating": "GREEN"})),
    )
    .await;
    let c = client(&slow, fast_policy(2), Duration::from_millis(300));
    let d = c.phone_number_details().await.unwrap();
    assert_eq!(d.quality_rating.as_deref(), Some("GREEN"));
    assert_eq!(hits(&slow).await, 2);
}

#[tokio::test]
async fn reads_do_not_retry_what_cannot_change() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v25.0/{WABA}/message_templates")))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(graph_error(190, "Error validating access token")),
        )
        .mount(&server)
        .await;
    let e = client(&server, fast_policy(5), Duration::from_secs(5))
        .list_templates()
        .await
        .unwrap_err();
    assert_eq!(e.api().unwrap().code, 190);
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let server = MockServer::start().await;
    let p = format!("/v25.0/{WABA}/message_templates");
    once_then(
        &server,
        "GET",
        &p,
        ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_json(graph_error(4, "Application request limit reached")),
        ResponseTemplate::new(200).set_body_json(json!({"data": []})),
    )
    .await;
    let c = client(&server, fast_policy(3), Duration::from_secs(5));
    let t0 = Instant::now();
    c.list_templates().await.unwrap();
    assert!(
        t0.elapsed() >= Duration::from_millis(950),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(hits(&server).await, 2);

    // A Retry-After longer than the policy's max delay: the error comes back at once,
    // carrying the Retry-After for the caller to schedule.
    let later = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(&p))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(graph_error(4, "Application request limit reached")),
        )
        .mount(&later)
        .await;
    let t0 = Instant::now();
    let e = client(&later, fast_policy(3), Duration::from_secs(5))
        .list_templates()
        .await
        .unwrap_err();
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(hits(&later).await, 1);
}

#[tokio::test]
async fn sends_are_replayed_only_when_meta_refused_them() {
    let messages = format!("/v25.0/{PHONE_ID}/messages");
    for (status, code, replayed) in [
        (400, 130429, true),  // throughput
        (400, 131056, true),  // pair rate
        (400, 80007, true),   // WABA rate limit
        (400, 4, true),       // app rate limit
        (400, 613, true),     // endpoint rate limit
        (500, 131000, false), // "something went wrong": may have been sent
        (400, 131026, false), // undeliverable: final
        (400, 131047, false), // window closed: needs a template
        (401, 190, false),    // token
    ] {
        let server = MockServer::start().await;
        once_then(
            &server,
            "POST",
            &messages,
            ResponseTemplate::new(status).set_body_json(graph_error(code, "refused")),
            ResponseTemplate::new(200).set_body_json(sent()),
        )
        .await;
        let r = client(&server, fast_policy(3), Duration::from_secs(5))
            .send_message(&hello())
            .await;
        assert_eq!(r.is_ok(), replayed, "code {code}: {r:?}");
        assert_eq!(
            hits(&server).await,
            if replayed { 2 } else { 1 },
            "code {code}"
        );
    }
    // HTTP 429 with Retry-After proves a refusal whatever the code.
    let server = MockServer::start().await;
    once_then(
        &server,
        "POST",
        &messages,
        ResponseTemplate::new(429)
            .insert_header("retry-after", "0")
            .set_body_json(graph_error(999999, "slow down")),
        ResponseTemplate::new(200).set_body_json(sent()),
    )
    .await;
    let r = client(&server, fast_policy(3), Duration::from_secs(5))
        .send_message(&hello())
        .await
        .unwrap();
    assert_eq!(r.wamid(), Some("wamid.OK"));
}

#[tokio::test]
async fn a_send_that_times_out_is_outcome_unknown_and_never_replayed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{PHONE_ID}/messages")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(sent())
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let e = client(&server, fast_policy(5), Duration::from_millis(200))
        .send_message(&hello())
        .await
        .unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert!(!e.is_refused_before_acting());
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn a_send_that_never_connected_is_replayed() {
    // A port with nothing listening: the connection is refused before any byte is sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_policy(3).full_jitter(false))
        .build()
        .unwrap();
    let t0 = Instant::now();
    let e = c.send_message(&hello()).await.unwrap_err();
    assert!(matches!(e, GraphError::Transport(_)), "{e}");
    assert!(e.is_refused_before_acting());
    // Two retries happened: 10 ms + 20 ms of backoff at least.
    assert!(
        t0.elapsed() >= Duration::from_millis(30),
        "{:?}",
        t0.elapsed()
    );
}

#[test]
fn policy_arithmetic() {
    let p = RetryPolicy::new(5)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_millis(350))
        .full_jitter(false);
    assert_eq!(p.backoff(1), Duration::from_millis(100));
    assert_eq!(p.backoff(2), Duration::from_millis(200));
    assert_eq!(p.backoff(3), Duration::from_millis(350));
    assert_eq!(p.backoff(40), Duration::from_millis(350));
    let jittered = p.clone().full_jitter(true);
    for _ in 0..100 {
        assert!(jittered.backoff(3) <= Duration::from_millis(350));
    }
    assert_eq!(RetryPolicy::new(0).max_attempts(), 1);
    assert_eq!(RetryPolicy::default(), RetryPolicy::none());

    let timeout = GraphError::Timeout {
        outcome_unknown: true,
    };
    assert_eq!(p.next_delay(1, &timeout, RequestKind::Write), None);
    assert_eq!(
        p.next_delay(1, &timeout, RequestKind::Read),
        Some(Duration::from_millis(100))
    );
    assert_eq!(
        p.next_delay(5, &timeout, RequestKind::Read),
        None,
        "attempts used up"
    );
    let mut rate = ApiError::new(400, 130429, "throughput");
    rate.retry_after = Some(Duration::from_millis(300));
    let rate = GraphError::Api(rate);
    assert_eq!(
        p.next_delay(1, &rate, RequestKind::Write),
        Some(Duration::from_millis(300)),
        "Retry-After is a floor"
    );
    let validation = GraphError::Validation(wacloud_graph::ValidationError::new("x", "y"));
    assert_eq!(p.next_delay(1, &validation, RequestKind::Read), None);
}

#[test]
fn pacer_limits_are_checked() {
    assert!(Pacer::new(PacerConfig::new().messages_per_second(1000)).is_ok());
    let e = Pacer::new(PacerConfig::new().messages_per_second(1001)).unwrap_err();
    assert!(e.to_string().contains("1000"), "{e}");
    assert!(Pacer::new(PacerConfig::new().messages_per_second(0)).is_err());
    assert!(Pacer::new(PacerConfig::new().pair_interval(Duration::ZERO)).is_err());
    assert!(Pacer::new(PacerConfig::new().pair_burst(0)).is_err());
    let d = Pacer::default();
    assert_eq!(d.config(), &PacerConfig::default());
}

#[tokio::test]
async fn pacer_spaces_one_recipient_not_the_others() {
    let pacer = Pacer::new(
        PacerConfig::new()
            .messages_per_second(1000)
            .pair_interval(Duration::from_millis(300)),
    )
    .unwrap();
    let t0 = Instant::now();
    pacer.until_ready("15550000001").await;
    pacer.until_ready("15550000002").await;
    pacer.until_ready("+15550000003").await;
    assert!(
        t0.elapsed() < Duration::from_millis(150),
        "{:?}",
        t0.elapsed()
    );
    pacer.until_ready("15550000001").await;
    assert!(
        t0.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t0.elapsed()
    );
    // `+` and no `+` are the same recipient.
    pacer.until_ready("+15550000004").await;
    let t1 = Instant::now();
    pacer.until_ready("15550000004").await;
    assert!(
        t1.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t1.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_waiters_for_one_recipient_go_one_interval_apart() {
    let pacer = Pacer::new(
        PacerConfig::new()
            .messages_per_second(1000)
            .pair_interval(Duration::from_millis(200)),
    )
    .unwrap();
    let t0 = Instant::now();
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                pacer.until_ready("15550000009").await;
                t0.elapsed()
            })
        })
        .collect();
    let mut done = Vec::new();
    for w in waiters {
        done.push(w.await.unwrap());
    }
    done.sort();
    // One slot per interval: the first at once, each next one at least ~200 ms later.
    assert!(done[0] < Duration::from_millis(150), "{done:?}");
    for pair in done.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_millis(180), "{done:?}");
    }
    // Another recipient is not behind them.
    let t1 = Instant::now();
    pacer.until_ready("15550000010").await;
    assert!(
        t1.elapsed() < Duration::from_millis(150),
        "{:?}",
        t1.elapsed()
    );
}

#[tokio::test]
async fn pacer_holds_the_numbers_throughput() {
    let pacer = Pacer::new(
        PacerConfig::new()
            .messages_per_second(10)
            .pair_interval(Duration::from_millis(1)),
    )
    .unwrap();
    let t0 = Instant::now();
    for i in 0..15 {
        pacer.until_ready(&format!("1555000{i:04}")).await;
    }
    // 10 at once, then one every 100 ms.
    assert!(
        t0.elapsed() >= Duration::from_millis(450),
        "{:?}",
        t0.elapsed()
    );
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
}

#[tokio::test]
async fn client_with_pacer_spaces_sends_to_one_recipient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{PHONE_ID}/messages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(sent()))
        .expect(3)
        .mount(&server)
        .await;
    let pacer = Pacer::new(PacerConfig::new().pair_interval(Duration::from_millis(300))).unwrap();
    let c = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .pacer(pacer.clone())
        .build()
        .unwrap();
    let t0 = Instant::now();
    c.send_message(&hello()).await.unwrap();
    c.send_message(
        &OutboundMessage::text(Recipient::UserId("US.13491208655302741918".into()), "hi").unwrap(),
    )
    .await
    .unwrap();
    assert!(t0.elapsed() < Duration::from_millis(200));
    c.send_message(&hello()).await.unwrap();
    assert!(
        t0.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t0.elapsed()
    );
    // The pacer is shared: the standalone handle sees the same budget.
    let t1 = Instant::now();
    pacer.until_ready("15550000001").await;
    assert!(
        t1.elapsed() >= Duration::from_millis(200),
        "{:?}",
        t1.elapsed()
    );
}

/// Issue 22: one answer to "may I send this again?". A send that times out is outcome
/// unknown, `may_resend` says no, the policy does not resend it, and neither does a
/// caller that follows the README (resend only when `may_resend()`).
#[tokio::test]
async fn a_timed_out_send_may_not_be_resent_by_the_policy_or_by_a_caller() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{PHONE_ID}/messages")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(sent())
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let c = client(&server, fast_policy(5), Duration::from_millis(200));
    let e = c.send_message(&hello()).await.unwrap_err();
    assert!(
        matches!(
            e,
            GraphError::Timeout {
                outcome_unknown: true
            }
        ),
        "{e:?}"
    );
    assert!(e.is_outcome_unknown());
    assert!(!e.may_resend(), "a timed-out send may have been delivered");
    assert!(e.to_string().contains("outcome unknown"), "{e}");
    assert_eq!(hits(&server).await, 1, "the retry policy did not resend it");

    // A caller's own loop, as the README shows it: resend only when `may_resend()`.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(sent())
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    let c = client(&server, RetryPolicy::none(), Duration::from_millis(200));
    let mut outcome = None;
    for _ in 0..3 {
        match c.send_message(&hello()).await {
            Err(e) if e.may_resend() => continue,
            r => {
                outcome = Some(r);
                break;
            }
        }
    }
    let e = outcome.expect("the loop stopped").unwrap_err();
    assert!(e.is_outcome_unknown(), "{e}");
    assert_eq!(hits(&server).await, 1, "the caller did not resend it");
}

#[test]
fn may_resend_only_when_meta_refused_before_acting() {
    let resendable = [
        GraphError::Transport("connection refused".into()),
        GraphError::Api(ApiError::new(400, 130429, "throughput")),
        GraphError::Api(ApiError::new(400, 131056, "pair rate")),
        GraphError::Api(ApiError::new(400, 4, "app rate")),
        GraphError::Api({
            let mut e = ApiError::new(429, 999_999, "slow down");
            e.retry_after = Some(Duration::from_secs(1));
            e
        }),
    ];
    for e in &resendable {
        assert!(e.may_resend(), "{e}");
        assert!(e.is_refused_before_acting(), "{e}");
        assert!(!e.is_outcome_unknown(), "{e}");
    }
    let never = [
        GraphError::Timeout {
            outcome_unknown: true,
        },
        GraphError::Interrupted {
            message: "connection reset".into(),
            outcome_unknown: true,
        },
        GraphError::Decode {
            status: 502,
            message: "bad gateway".into(),
        },
        GraphError::Decode {
            status: 200,
            message: "no id".into(),
        },
        GraphError::Api(ApiError::new(500, 131000, "something went wrong")),
        GraphError::Api(ApiError::new(401, 190, "expired token")),
        GraphError::Api(ApiError::new(400, 131047, "window closed")),
        GraphError::Api(ApiError::new(429, 999_999, "no Retry-After")),
    ];
    for e in &never {
        assert!(!e.may_resend(), "{e}");
        assert_eq!(e.may_resend(), e.is_refused_before_acting(), "{e}");
        assert_eq!(
            RetryPolicy::new(5).next_delay(1, e, RequestKind::Write),
            None,
            "{e}"
        );
    }
}
