//! Conversation Routing's thread control (`wacloud_graph::thread_control`) against a
//! mock Graph API: the exact body of each action, Meta's answer, its refusal.

use serde_json::json;
use wacloud_graph::thread_control::ThreadControl;
use wacloud_graph::{ErrorClass, GraphError};

use crate::graph_mock::{answering, assert_request, PHONE_ID};

fn path() -> String {
    format!("/{PHONE_ID}/thread_control")
}

#[tokio::test]
async fn pass_sends_the_action_metadata_and_parses_the_answer() {
    let (server, c) = answering(200, json!({"messaging_product": "whatsapp"})).await;
    let r = c
        .pass_thread_control("15550000001", Some("order #1042"))
        .await
        .unwrap();
    assert_eq!(r.messaging_product.as_deref(), Some("whatsapp"));
    assert_request(
        &server,
        "POST",
        &path(),
        &[],
        Some(json!({"messaging_product": "whatsapp", "to": "15550000001",
                    "action": "pass", "metadata": "order #1042"})),
    )
    .await;
}

#[tokio::test]
async fn pass_to_the_ai_agent_names_its_role() {
    let (server, c) = answering(
        200,
        json!({"messaging_product": "whatsapp", "request_id": "r-1"}),
    )
    .await;
    let req = ThreadControl::pass("US.13491208655302741918")
        .unwrap()
        .to_ai_agent()
        .unwrap();
    let r = c.thread_control(&req).await.unwrap();
    assert_eq!(r.extra["request_id"], "r-1");
    assert_request(
        &server,
        "POST",
        &path(),
        &[],
        Some(
            json!({"messaging_product": "whatsapp", "recipient": "US.13491208655302741918",
                    "action": "pass", "control_pass": {"target_role": "ai_agent"}}),
        ),
    )
    .await;
}

#[tokio::test]
async fn take_and_release_send_their_action() {
    for (action, call) in [("take", 0), ("release", 1)] {
        let (server, c) = answering(200, json!({"messaging_product": "whatsapp"})).await;
        if call == 0 {
            c.take_thread_control("+15550000001", None).await.unwrap();
        } else {
            c.release_thread_control("15550000001").await.unwrap();
        }
        assert_request(
            &server,
            "POST",
            &path(),
            &[],
            Some(json!({"messaging_product": "whatsapp", "to": "15550000001", "action": action})),
        )
        .await;
    }
}

#[tokio::test]
async fn a_refused_take_is_a_permission_error() {
    let (_server, c) = answering(
        400,
        json!({"error": {"message": "(#2494191) Take thread control is not permitted",
                         "type": "OAuthException", "code": 2494191, "fbtrace_id": "Ab1"}}),
    )
    .await;
    let e = c
        .take_thread_control("15550000001", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, GraphError::Api(a) if a.code == 2494191),
        "{e:?}"
    );
    assert_eq!(e.class(), ErrorClass::Permission);
    assert!(!e.may_resend());
}

#[test]
fn local_limits_are_checked_before_any_request() {
    let long = "x".repeat(2001);
    let e = ThreadControl::pass("15550000001")
        .unwrap()
        .metadata(long)
        .unwrap_err();
    assert!(e.to_string().contains("2001"), "{e}");
    assert!(ThreadControl::pass("15550000001")
        .unwrap()
        .metadata("x".repeat(2000))
        .is_ok());
    let e = ThreadControl::take("15550000001")
        .unwrap()
        .to_ai_agent()
        .unwrap_err();
    assert!(e.to_string().contains("pass"), "{e}");
    assert!(ThreadControl::release("155 5000").is_err());
}
