//! MM Lite onboarding, migration and OBO mobility intents and on-behalf requests
//! (`wacloud_graph::partner_intents`) against a mock Graph API, with the spec's examples.

use serde_json::json;
use wacloud_graph::partner_intents::IntentRequest;
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, spec_example, WABA};

#[tokio::test]
async fn mm_lite_onboarding_request() {
    let answer = spec_example(
        "POST",
        "/{Version}/{Business-ID}/onboard_partners_to_mm_lite",
        Some("200"),
        "new_request",
    )
    .unwrap_or_else(|| json!({"request_id": "1234567890123456"}));
    let (server, c) = answering(200, answer).await;
    assert_eq!(
        c.onboard_partners_to_mm_lite("111", Some("9876543210987654"))
            .await
            .unwrap(),
        "1234567890123456"
    );
    assert_request(
        &server,
        "POST",
        "/111/onboard_partners_to_mm_lite",
        &[("solution_id", "9876543210987654")],
        None,
    )
    .await;
}

#[tokio::test]
async fn solution_migration_intent_set_and_read() {
    let path = "/{Version}/{WABA-ID}/set_solution_migration_intent";
    let answer = spec_example("POST", path, Some("200"), "migration_initiated").unwrap_or_else(|| {
        json!({"success": true, "migration_intent_id": "migration_intent_123456789", "status": "PENDING"})
    });
    let (server, c) = answering(200, answer).await;
    let intent = IntentRequest::migration("1234567890123456", "INITIATE_MIGRATION")
        .field("target_solution_id", "2345678901234567")
        .field(
            "migration_reason",
            "Migrating to new solution provider for enhanced features",
        );
    let r = c.set_solution_migration_intent(&intent).await.unwrap();
    assert!(r.success);
    assert_eq!(r.id.as_deref(), Some("migration_intent_123456789"));
    assert_eq!(r.status.as_deref(), Some("PENDING"));
    let want = spec_example("POST", path, None, "initiate_migration").unwrap_or_else(|| {
        json!({"solution_id": "1234567890123456", "migration_intent": "INITIATE_MIGRATION", "target_solution_id": "2345678901234567",
               "migration_reason": "Migrating to new solution provider for enhanced features"})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}/set_solution_migration_intent"),
        &[],
        Some(want),
    )
    .await;

    let answer = spec_example(
        "GET",
        "/{Version}/{Migration-Intent-ID}",
        Some("200"),
        "accepted_migration",
    )
    .unwrap_or_else(|| json!({"id": "2345678901234567", "status": "ACCEPTED"}));
    let (server, c) = answering(200, answer).await;
    assert_eq!(
        c.migration_intent("2345678901234567")
            .await
            .unwrap()
            .status
            .as_deref(),
        Some("ACCEPTED")
    );
    assert_request(
        &server,
        "GET",
        "/2345678901234567",
        &[("fields", "id,status")],
        None,
    )
    .await;

    let (server, c) = answering(200, json!({})).await;
    let long = IntentRequest::migration("1", "CANCEL_MIGRATION")
        .field("migration_reason", "x".repeat(501));
    assert!(matches!(
        c.set_solution_migration_intent(&long).await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn obo_mobility_intents() {
    let path = "/{Version}/{WABA-ID}/obo_mobility_intent";
    let documented = spec_example("POST", path, None, "cancel_transfer");
    let (server, c) = answering(
        200,
        json!({"success": true, "mobility_intent_id": "m1", "status": "PENDING"}),
    )
    .await;
    let intent = IntentRequest::mobility("2345678901234567", "CANCEL_TRANSFER").field(
        "mobility_reason",
        "Transfer cancelled due to business requirements change",
    );
    let r = c.create_obo_mobility_intent(&intent).await.unwrap();
    assert_eq!(r.id.as_deref(), Some("m1"));
    let want = documented.unwrap_or_else(|| {
        json!({"solution_id": "2345678901234567", "intent_type": "CANCEL_TRANSFER",
               "mobility_reason": "Transfer cancelled due to business requirements change"})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}/obo_mobility_intent"),
        &[],
        Some(want),
    )
    .await;

    let path = "/{Version}/{WABA-ID}/set_obo_mobility_intent";
    let answer = spec_example("POST", path, Some("200"), "failed_intent").unwrap_or_else(|| {
        json!({"success": false, "intent_id": null, "client_mutation_id": "obo_mobility_intent_mutation_123",
               "error_msg": "Invalid solution configuration for OBO operations"})
    });
    let (server, c) = answering(200, answer).await;
    let fields = IntentRequest::default()
        .field("solution_id", "2345678901234567")
        .field("app_id", "3456789012345678")
        .field("client_mutation_id", "obo_mobility_intent_mutation_123");
    let r = c.set_obo_mobility_intent(&fields).await.unwrap();
    assert!(!r.success);
    assert_eq!(
        r.error_msg.as_deref(),
        Some("Invalid solution configuration for OBO operations")
    );
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}/set_obo_mobility_intent"),
        &[],
        Some(
            json!({"waba_id": WABA, "solution_id": "2345678901234567", "app_id": "3456789012345678",
                    "client_mutation_id": "obo_mobility_intent_mutation_123"}),
        ),
    )
    .await;

    let answer = spec_example("GET", "/{Version}/{OBO-Mobility-Intent-ID}", Some("200"), "active_intent").unwrap_or_else(|| {
        json!({"id": "1234567890123456", "waba": {"id": "1234567890123456", "name": "My Business Account"},
               "solution": {"id": "2345678901234567", "name": "My Business Solution"}, "status": "ACTIVE"})
    });
    let (server, c) = answering(200, answer).await;
    let i = c.obo_mobility_intent("1234567890123456").await.unwrap();
    assert_eq!(i.status.as_deref(), Some("ACTIVE"));
    assert_eq!(i.extra["solution"]["id"], "2345678901234567");
    assert_request(
        &server,
        "GET",
        "/1234567890123456",
        &[(
            "fields",
            "id,waba,solution,status,created_time,updated_time",
        )],
        None,
    )
    .await;
}

#[tokio::test]
async fn in_progress_onbehalf_requests() {
    let answer = spec_example("GET", "/{Version}/{WABA-ID}/in_progress_onbehalf_request", Some("200"), "with_requests")
        .unwrap_or_else(|| {
            json!({"data": [{"id": "1234567890123456", "status": "IN_PROGRESS", "business_owned_object": "9876543210987654",
                             "receiving_business": {"id": "5678901234567890", "name": "Partner Business LLC"}}]})
        });
    let (server, c) = answering(200, answer).await;
    let r = c.in_progress_onbehalf_requests().await.unwrap();
    assert_eq!(r[0].status.as_deref(), Some("IN_PROGRESS"));
    assert_eq!(
        r[0].business_owned_object.as_deref(),
        Some("9876543210987654")
    );
    assert_eq!(
        r[0].extra["receiving_business"]["name"],
        "Partner Business LLC"
    );
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}/in_progress_onbehalf_request"),
        &[],
        None,
    )
    .await;
}
