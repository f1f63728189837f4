//! Message history (`wacloud_graph::message_history`) and the nodes read by their own id
//! (`wacloud_graph::nodes`) against a mock Graph API, with the spec's examples.

use serde_json::json;
use wacloud_graph::nodes::BUSINESS_PROFILE_NODE_FIELDS;
use wacloud_graph::{BusinessProfileUpdate, GraphError};

use crate::graph_mock::{answering, assert_request, spec_example, PHONE_ID};

const WAMID: &str = "wamid.HBgLMTY0NzM3Nzc3NzUVAgARGBI5QTNEQTA2RjdGMEY4RTRGAA==";

#[tokio::test]
async fn message_history_by_wamid_with_its_events() {
    let mut answer = spec_example("GET", "/{Version}/{Phone-Number-ID}/message_history", Some("200"), "filtered_by_message_id")
        .unwrap_or_else(|| {
            json!({"data": [{"id": "1234567890123456", "message_id": WAMID,
                             "events": {"data": [{"id": "2345678901234567", "delivery_status": "SENT", "timestamp": 1640995200,
                                                  "webhook_update_state": "DELIVERED"}]}}]})
        });
    answer.as_object_mut().unwrap().remove("paging");
    let (server, c) = answering(200, answer).await;
    let h = c.message_history(Some(WAMID)).await.unwrap();
    assert_eq!(h[0].id, "1234567890123456");
    assert_eq!(h[0].message_id.as_deref(), Some(WAMID));
    assert_eq!(h[0].events[0].delivery_status.as_deref(), Some("SENT"));
    assert_eq!(h[0].events[0].timestamp, Some(1640995200));
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/message_history"),
        &[("message_id", WAMID)],
        None,
    )
    .await;
}

#[tokio::test]
async fn history_events_are_the_edges_nodes() {
    let mut answer = spec_example("GET", "/{Version}/{Message-History-ID}/events", Some("200"), "filtered_by_status")
        .unwrap_or_else(|| {
            json!({"data": [{"cursor": "MTAx", "node": {"id": "3456789012345678", "delivery_status": "DELIVERED",
                                                        "occurrence_timestamp": 1640995260, "status_timestamp": 1640995265}}]})
        });
    answer.as_object_mut().unwrap().remove("paging");
    let (server, c) = answering(200, answer).await;
    let e = c
        .message_history_events("1234567890123456", Some("DELIVERED"))
        .await
        .unwrap();
    assert_eq!(e[0].delivery_status.as_deref(), Some("DELIVERED"));
    assert_eq!(e[0].timestamp, Some(1640995260), "occurrence_timestamp");
    assert_eq!(e[0].extra["status_timestamp"], 1640995265);
    assert_request(
        &server,
        "GET",
        "/1234567890123456/events",
        &[("status_filter", "DELIVERED")],
        None,
    )
    .await;
}

#[tokio::test]
async fn business_profile_by_id_read_and_updated() {
    let answer = spec_example("GET", "/{Version}/{WhatsApp-Business-Profile-ID}", Some("200"), "complete_profile")
        .unwrap_or_else(|| {
            json!({"id": "1234567890123456", "account_name": "E-commerce Business Account", "about": "Quality products",
                   "vertical": "RETAIL", "websites": ["https://www.business-example.com"]})
        });
    let (server, c) = answering(200, answer).await;
    let p = c.business_profile_by_id("1234567890123456").await.unwrap();
    assert_eq!(p.id, "1234567890123456");
    assert_eq!(
        p.account_name.as_deref(),
        Some("E-commerce Business Account")
    );
    assert!(p.profile.about.is_some());
    assert!(!p.profile.websites.is_empty());
    assert_request(
        &server,
        "GET",
        "/1234567890123456",
        &[("fields", BUSINESS_PROFILE_NODE_FIELDS)],
        None,
    )
    .await;

    let answer = spec_example(
        "POST",
        "/{Version}/{WhatsApp-Business-Profile-ID}",
        Some("200"),
        "successful_update",
    )
    .unwrap_or_else(|| json!({"id": "1234567890123456", "success": true}));
    let (server, c) = answering(200, answer).await;
    let u = BusinessProfileUpdate::new()
        .description("Updated customer service business")
        .email("updated-support@service-example.com");
    c.update_business_profile_by_id("1234567890123456", &u)
        .await
        .unwrap();
    let want = spec_example(
        "POST",
        "/{Version}/{WhatsApp-Business-Profile-ID}",
        None,
        "minimal_update",
    )
    .unwrap_or_else(|| {
        json!({"messaging_product": "whatsapp", "description": "Updated customer service business",
               "email": "updated-support@service-example.com"})
    });
    assert_request(&server, "POST", "/1234567890123456", &[], Some(want)).await;

    let (server, c) = answering(200, json!({"success": true})).await;
    assert!(matches!(
        c.update_business_profile_by_id("1234567890123456", &BusinessProfileUpdate::new())
            .await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn business_bot_and_account_number() {
    let answer = spec_example("GET", "/{Version}/{WABA-Bot-ID}", Some("200"), "minimal_bot_config").unwrap_or_else(|| {
        json!({"id": "2345678901234567", "prompts": ["Hello! I'm here to help"], "commands": [], "enable_welcome_message": false})
    });
    let (server, c) = answering(200, answer).await;
    let b = c.business_bot("2345678901234567").await.unwrap();
    assert_eq!(b.prompts, ["Hello! I'm here to help"]);
    assert_eq!(b.enable_welcome_message, Some(false));
    assert_request(
        &server,
        "GET",
        "/2345678901234567",
        &[("fields", "id,prompts,commands,enable_welcome_message")],
        None,
    )
    .await;

    let answer = spec_example("GET", "/{Version}/{WhatsApp-Account-Number-ID}", Some("200"), "verified_account_number")
        .unwrap_or_else(|| {
            json!({"id": "1234567890123456", "display_phone_number": "+1 631-555-5555", "verified_name": "Jasper's Market",
                   "status": "CONNECTED", "quality_rating": "GREEN", "country_code": "US"})
        });
    let (server, c) = answering(200, answer).await;
    let n = c
        .account_number_details("1234567890123456", Some("id,display_phone_number,status"))
        .await
        .unwrap();
    assert_eq!(n.status.as_deref(), Some("CONNECTED"));
    assert_eq!(n.verified_name.as_deref(), Some("Jasper's Market"));
    assert_request(
        &server,
        "GET",
        "/1234567890123456",
        &[("fields", "id,display_phone_number,status")],
        None,
    )
    .await;
}
