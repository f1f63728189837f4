//! Pre-verified phone numbers (`wacloud_graph::preverified`) against a mock Graph API,
//! with the spec's examples.

use serde_json::json;
use wacloud_graph::phone_numbers::CodeMethod;
use wacloud_graph::preverified::PREVERIFIED_FIELDS;
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, spec_example};

const BUSINESS: &str = "1234567890123456";
const PV: &str = "1234567890123456";
const ONE: &str = "/{Version}/{Pre-Verified-Phone-Number-ID}";

#[tokio::test]
async fn listed_shared_read_and_deleted() {
    let mut answer = spec_example("GET", "/{Version}/{Business-ID}/preverified_numbers", Some("200"), "basic_response")
        .unwrap_or_else(|| {
            json!({"data": [{"id": PV, "display_phone_number": "+1 (555) 123-4567", "country_prefix": 1,
                             "verification_status": "VERIFIED", "availability_status": "AVAILABLE"}]})
        });
    answer.as_object_mut().unwrap().remove("paging");
    let (server, c) = answering(200, answer).await;
    let n = c
        .preverified_numbers(BUSINESS, Some("VERIFIED"))
        .await
        .unwrap();
    assert_eq!(
        n[0].display_phone_number.as_deref(),
        Some("+1 (555) 123-4567")
    );
    assert_eq!(n[0].country_prefix, Some(1));
    assert_eq!(n[0].availability_status.as_deref(), Some("AVAILABLE"));
    assert_request(
        &server,
        "GET",
        &format!("/{BUSINESS}/preverified_numbers"),
        &[("verification_status", "VERIFIED")],
        None,
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    c.share_preverified_number(BUSINESS, "1234567890123456", "9876543210987654")
        .await
        .unwrap();
    let want = spec_example(
        "POST",
        "/{Version}/{Business-ID}/share_preverified_numbers",
        None,
        "basic_sharing",
    )
    .unwrap_or_else(
        || json!({"preverified_id": "1234567890123456", "partner_business_id": "9876543210987654"}),
    );
    assert_request(
        &server,
        "POST",
        &format!("/{BUSINESS}/share_preverified_numbers"),
        &[],
        Some(want),
    )
    .await;

    let answer = spec_example("GET", ONE, Some("200"), "invalid_phone_number").unwrap_or_else(|| {
        json!({"id": "2345678901234567", "error_msg": "Phone number format is invalid", "is_input_id_valid": false})
    });
    let (server, c) = answering(200, answer).await;
    let p = c.preverified_number("2345678901234567").await.unwrap();
    assert_eq!(p.is_input_id_valid, Some(false));
    assert!(p.error_msg.is_some());
    assert_request(
        &server,
        "GET",
        "/2345678901234567",
        &[("fields", PREVERIFIED_FIELDS)],
        None,
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    c.delete_preverified_number(PV).await.unwrap();
    assert_request(&server, "DELETE", &format!("/{PV}"), &[], None).await;

    let (server, c) = answering(200, json!({"success": true})).await;
    assert!(matches!(
        c.share_preverified_number(BUSINESS, "abc", "1").await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn partners_and_verification() {
    let mut answer = spec_example(
        "GET",
        &format!("{ONE}/partners"),
        Some("200"),
        "single_partner",
    )
    .unwrap_or_else(
        || json!({"data": [{"id": "1234567890123456", "name": "Partner Business Solutions Inc"}]}),
    );
    answer.as_object_mut().unwrap().remove("paging");
    let (server, c) = answering(200, answer).await;
    let p = c.preverified_number_partners(PV).await.unwrap();
    assert_eq!(p[0].name.as_deref(), Some("Partner Business Solutions Inc"));
    assert_request(&server, "GET", &format!("/{PV}/partners"), &[], None).await;

    let (server, c) = answering(200, json!({"success": true})).await;
    c.request_preverified_code(PV, CodeMethod::Sms, "en_US")
        .await
        .unwrap();
    let want = spec_example("POST", &format!("{ONE}/request_code"), None, "sms_request")
        .unwrap_or_else(|| json!({"code_method": "SMS", "language": "en_US"}));
    assert_request(
        &server,
        "POST",
        &format!("/{PV}/request_code"),
        &[],
        Some(want),
    )
    .await;

    let answer = spec_example(
        "POST",
        &format!("{ONE}/verify_code"),
        Some("200"),
        "successful_verification",
    )
    .unwrap_or_else(|| json!({"success": true}));
    let (server, c) = answering(200, answer).await;
    assert!(
        c.verify_preverified_code(PV, "123456")
            .await
            .unwrap()
            .success
    );
    let want = spec_example("POST", &format!("{ONE}/verify_code"), None, "verify_code")
        .unwrap_or_else(|| json!({"code": "123456"}));
    assert_request(
        &server,
        "POST",
        &format!("/{PV}/verify_code"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    assert!(matches!(
        c.request_preverified_code(PV, CodeMethod::Voice, "en")
            .await,
        Err(GraphError::Validation(_))
    ));
    assert!(matches!(
        c.verify_preverified_code(PV, "1234").await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}
