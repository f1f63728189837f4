//! The Calling API (`wacloud_graph::calls`) against a mock Graph API, with the spec's
//! request and response examples.

use serde_json::json;
use wacloud_graph::calls::CallAction;
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, spec_example, PHONE_ID};

const PERMISSIONS: &str = "/{Version}/{Phone-Number-ID}/call_permissions";
const CALLS: &str = "/{Version}/{Phone-Number-ID}/calls";
const CALL_ID: &str = "wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA";

#[tokio::test]
async fn call_permissions_parse_every_documented_state() {
    for (example, status, can_call, can_ask) in [
        ("Granted Permission", "granted", true, false),
        ("Pending Permission", "pending", false, false),
        ("Denied Permission", "denied", false, true),
    ] {
        let Some(answer) = spec_example("GET", PERMISSIONS, Some("200"), example) else {
            return;
        };
        let (server, c) = answering(200, answer).await;
        let p = c.call_permissions("14085551234").await.unwrap();
        assert_eq!(p.permission.status, status, "{example}");
        assert_eq!(p.can("start_call"), can_call, "{example}");
        assert_eq!(p.can("send_call_permission_request"), can_ask, "{example}");
        assert_request(
            &server,
            "GET",
            &format!("/{PHONE_ID}/call_permissions"),
            &[("user_wa_id", "14085551234")],
            None,
        )
        .await;
    }
}

#[tokio::test]
async fn granted_permission_keeps_its_limits() {
    let (_server, c) = answering(
        200,
        json!({"messaging_product": "whatsapp", "permission": {"status": "granted", "expiration_time": 1735689600},
               "actions": [{"action_name": "start_call", "can_perform_action": true,
                            "limits": [{"time_period": "24h", "current_usage": 5, "max_allowed": 100,
                                        "limit_expiration_time": 1735689600}]},
                           {"action_name": "send_call_permission_request", "can_perform_action": false, "limits": null}]}),
    )
    .await;
    let p = c.call_permissions("14085551234").await.unwrap();
    assert_eq!(p.permission.expiration_time, Some(1735689600));
    let limit = &p.actions[0].limits.as_ref().unwrap()[0];
    assert_eq!((limit.current_usage, limit.max_allowed), (5, 100));
    assert_eq!(p.actions[1].limits, None);
}

#[tokio::test]
async fn connect_sends_the_offer_and_returns_the_call_id() {
    let answer = spec_example("POST", CALLS, Some("200"), "Connect Call Response").unwrap_or_else(
        || json!({"messaging_product": "whatsapp", "calls": [{"id": "wacid.ABGGFjFVU2AfAgo6V"}]}),
    );
    let documented = spec_example("POST", CALLS, None, "Connect Call");
    let sdp = documented
        .as_ref()
        .and_then(|d| d["session"]["sdp"].as_str())
        .unwrap_or("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n")
        .to_owned();
    let data = documented
        .as_ref()
        .and_then(|d| d["biz_opaque_callback_data"].as_str())
        .map(str::to_owned);
    let (server, c) = answering(200, answer).await;
    let r = c
        .manage_call(
            &CallAction::Connect {
                to: "14085551234".into(),
                sdp: sdp.clone(),
            },
            data.as_deref(),
        )
        .await
        .unwrap();
    assert_eq!(r.call_id(), Some("wacid.ABGGFjFVU2AfAgo6V"));
    let want = documented.unwrap_or_else(|| {
        json!({"messaging_product": "whatsapp", "to": "14085551234", "action": "connect",
               "session": {"sdp_type": "offer", "sdp": sdp}})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/calls"),
        &[],
        Some(want),
    )
    .await;
}

#[tokio::test]
async fn the_other_actions_name_the_call() {
    let terminate = spec_example("POST", CALLS, None, "Terminate Call").unwrap_or_else(
        || json!({"messaging_product": "whatsapp", "call_id": CALL_ID, "action": "terminate"}),
    );
    let cases = [
        (
            CallAction::Terminate {
                call_id: CALL_ID.into(),
            },
            terminate,
        ),
        (
            CallAction::Reject {
                call_id: CALL_ID.into(),
            },
            json!({"messaging_product": "whatsapp", "call_id": CALL_ID, "action": "reject"}),
        ),
        (
            CallAction::Accept {
                call_id: CALL_ID.into(),
                sdp: "v=0".into(),
            },
            json!({"messaging_product": "whatsapp", "call_id": CALL_ID, "action": "accept",
                   "session": {"sdp_type": "answer", "sdp": "v=0"}}),
        ),
        (
            CallAction::PreAccept {
                call_id: CALL_ID.into(),
                sdp: "v=0".into(),
            },
            json!({"messaging_product": "whatsapp", "call_id": CALL_ID, "action": "pre_accept",
                   "session": {"sdp_type": "answer", "sdp": "v=0"}}),
        ),
    ];
    for (action, want) in cases {
        let answer = spec_example("POST", CALLS, Some("200"), "Terminate Call Response")
            .unwrap_or_else(|| json!({"success": true}));
        let (server, c) = answering(200, answer).await;
        let r = c.manage_call(&action, None).await.unwrap();
        assert_eq!(r.success, Some(true));
        assert_request(
            &server,
            "POST",
            &format!("/{PHONE_ID}/calls"),
            &[],
            Some(want),
        )
        .await;
    }
}

#[tokio::test]
async fn call_actions_are_checked_and_refusals_kept() {
    let (server, c) = answering(200, json!({"success": true})).await;
    let long = "x".repeat(513);
    for (action, data) in [
        (
            CallAction::Terminate {
                call_id: String::new(),
            },
            None,
        ),
        (
            CallAction::Accept {
                call_id: CALL_ID.into(),
                sdp: " ".into(),
            },
            None,
        ),
        (
            CallAction::Reject {
                call_id: CALL_ID.into(),
            },
            Some(long.as_str()),
        ),
    ] {
        assert!(
            matches!(
                c.manage_call(&action, data).await,
                Err(GraphError::Validation(_))
            ),
            "{action:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());

    let (_server, c) = answering(
        400,
        json!({"error": {"message": "No call permission", "type": "OAuthException", "code": 138006, "fbtrace_id": "A"}}),
    )
    .await;
    let e = c
        .manage_call(
            &CallAction::Connect {
                to: "14085551234".into(),
                sdp: "v=0".into(),
            },
            Some("ticket-1"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, GraphError::Api(ref a) if a.code == 138006),
        "{e:?}"
    );

    let (_server, c) = answering(200, json!({"success": false})).await;
    assert!(matches!(
        c.manage_call(
            &CallAction::Terminate {
                call_id: CALL_ID.into()
            },
            None
        )
        .await,
        Err(GraphError::Decode { .. })
    ));
}
