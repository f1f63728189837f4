//! The business portfolio calls (`wacloud_graph::business`) against a mock Graph API,
//! with the spec's examples.

use serde_json::{json, Value};
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, spec_example};

const BUSINESS: &str = "506914307656634";

/// The example's first page, without a `paging.next` pointing at graph.facebook.com.
fn first_page(v: Option<Value>, fallback: Value) -> Value {
    let mut v = v.unwrap_or(fallback);
    v.as_object_mut().unwrap().remove("paging");
    v
}

#[tokio::test]
async fn portfolio_and_its_number_time_zone() {
    let answer = spec_example(
        "GET",
        "/{Version}/{Business-ID}",
        Some("200"),
        "Example response",
    )
    .unwrap_or_else(|| json!({"id": BUSINESS, "name": "Lucky Shrub", "timezone_id": 0}));
    let (server, c) = answering(200, answer).await;
    let b = c.business_portfolio(BUSINESS, None).await.unwrap();
    assert_eq!(b.name.as_deref(), Some("Lucky Shrub"));
    assert_eq!(b.timezone_id.as_deref(), Some("0"), "a number in the spec");
    assert_request(
        &server,
        "GET",
        &format!("/{BUSINESS}"),
        &[("fields", "id,name,timezone_id")],
        None,
    )
    .await;
}

#[tokio::test]
async fn add_preverified_phone_number() {
    let answer = spec_example(
        "POST",
        "/{Version}/{Business-ID}/add_phone_numbers",
        Some("200"),
        "success",
    )
    .unwrap_or_else(|| json!({"id": "1234567890123456"}));
    let (server, c) = answering(200, answer).await;
    assert_eq!(
        c.add_preverified_phone_number(BUSINESS, "+1234567890")
            .await
            .unwrap()
            .id,
        "1234567890123456"
    );
    let want = spec_example(
        "POST",
        "/{Version}/{Business-ID}/add_phone_numbers",
        None,
        "basic_phone_number",
    )
    .unwrap_or_else(|| json!({"phone_number": "+1234567890"}));
    assert_request(
        &server,
        "POST",
        &format!("/{BUSINESS}/add_phone_numbers"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, json!({})).await;
    assert!(matches!(
        c.add_preverified_phone_number(BUSINESS, "none").await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn owned_and_client_wabas() {
    let answer = first_page(
        spec_example(
            "GET",
            "/{Version}/{Business-ID}/owned_whatsapp_business_accounts",
            Some("200"),
            "multiple_accounts",
        ),
        json!({"data": [{"id": "104996122399160", "name": "Lucky Shrub", "timezone_id": "1"},
                        {"id": "102290129340398", "name": "Test WhatsApp Business Account"}]}),
    );
    let (server, c) = answering(200, answer).await;
    let owned = c.owned_wabas(BUSINESS).await.unwrap();
    assert_eq!(owned[0].id.as_deref(), Some("104996122399160"));
    assert_eq!(owned[0].name.as_deref(), Some("Lucky Shrub"));
    assert!(owned.len() >= 2);
    assert_request(
        &server,
        "GET",
        &format!("/{BUSINESS}/owned_whatsapp_business_accounts"),
        &[],
        None,
    )
    .await;

    let answer = first_page(
        spec_example(
            "GET",
            "/{Version}/{Business-ID}/client_whatsapp_business_accounts",
            Some("200"),
            "single_account",
        ),
        json!({"data": [{"id": "1234567890123456", "name": "Client Business WABA", "account_review_status": "APPROVED", "currency": "USD"}]}),
    );
    let (server, c) = answering(200, answer).await;
    let client = c.client_wabas(BUSINESS).await.unwrap();
    assert_eq!(client[0].account_review_status.as_deref(), Some("APPROVED"));
    assert_eq!(client[0].currency.as_deref(), Some("USD"));
    assert_request(
        &server,
        "GET",
        &format!("/{BUSINESS}/client_whatsapp_business_accounts"),
        &[],
        None,
    )
    .await;
}

#[tokio::test]
async fn credit_lines_assigned_wabas_and_connected_businesses() {
    let answer = spec_example(
        "GET",
        "/{Version}/{Business-ID}/extendedcredits",
        Some("200"),
        "Example response",
    )
    .unwrap_or_else(
        || json!({"data": [{"id": "1972385232742146", "legal_entity_name": "Lucky Shrub"}]}),
    );
    let (server, c) = answering(200, answer).await;
    let lines = c.credit_lines(BUSINESS).await.unwrap();
    assert_eq!(lines[0].id, "1972385232742146");
    assert_eq!(lines[0].legal_entity_name.as_deref(), Some("Lucky Shrub"));
    assert_request(
        &server,
        "GET",
        &format!("/{BUSINESS}/extendedcredits"),
        &[],
        None,
    )
    .await;

    let answer = first_page(
        spec_example(
            "GET",
            "/{Version}/{User-ID}/assigned_whatsapp_business_accounts",
            Some("200"),
            "single_account",
        ),
        json!({"data": [{"id": "1234567890123456", "name": "Business Account", "status": "ACTIVE", "permissions": ["FULL_CONTROL"]}]}),
    );
    let (server, c) = answering(200, answer).await;
    let a = c.assigned_wabas("1234567890123456").await.unwrap();
    assert_eq!(a[0].status.as_deref(), Some("ACTIVE"));
    assert_eq!(a[0].permissions, ["FULL_CONTROL"]);
    assert_request(
        &server,
        "GET",
        "/1234567890123456/assigned_whatsapp_business_accounts",
        &[],
        None,
    )
    .await;

    let answer = first_page(
        spec_example(
            "GET",
            "/{Version}/{Application-ID}/connected_client_businesses",
            Some("200"),
            "single_business",
        ),
        json!({"data": [{"id": "1234567890123456", "name": "Example Client Business", "verification_status": "VERIFIED",
                         "business_status": "ACTIVE"}]}),
    );
    let (server, c) = answering(200, answer).await;
    let b = c.connected_client_businesses("987654321").await.unwrap();
    assert_eq!(b[0].verification_status.as_deref(), Some("VERIFIED"));
    assert_eq!(b[0].business_status.as_deref(), Some("ACTIVE"));
    assert_request(
        &server,
        "GET",
        "/987654321/connected_client_businesses",
        &[],
        None,
    )
    .await;
}
