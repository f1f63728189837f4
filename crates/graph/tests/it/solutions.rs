//! Multi-Partner Solutions (`wacloud_graph::solutions`) against a mock Graph API, with
//! the spec's examples.

use secrecy::ExposeSecret;
use serde_json::{json, Value};
use wacloud_graph::solutions::{NewSolution, SolutionRejection, SOLUTION_FIELDS};
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, spec_example, WABA};

const APP: &str = "1234567890123456";
const SOL: &str = "1234567890123456";
const ONE: &str = "/{Version}/{Solution-ID}";

fn first_page(v: Option<Value>, fallback: Value) -> Value {
    let mut v = v.unwrap_or(fallback);
    v.as_object_mut().unwrap().remove("paging");
    v
}

#[tokio::test]
async fn create_and_list_solutions() {
    let answer = spec_example(
        "POST",
        "/{Version}/{Application-ID}/whatsapp_business_solution",
        Some("200"),
        "successful_creation",
    )
    .unwrap_or_else(|| json!({"solution_id": "1234567890123456"}));
    let (server, c) = answering(200, answer).await;
    let s = NewSolution::new(
        "Partner-Managed Messaging Solution",
        "9876543210987654",
        false,
    )
    .unwrap();
    assert_eq!(
        c.create_solution(APP, &s).await.unwrap(),
        "1234567890123456"
    );
    let want = spec_example("POST", "/{Version}/{Application-ID}/whatsapp_business_solution", None, "partner_has_messaging")
        .unwrap_or_else(|| {
            json!({"owner_permissions": [], "partner_app_id": "9876543210987654", "partner_permissions": ["MESSAGING"],
                   "solution_name": "Partner-Managed Messaging Solution"})
        });
    assert_request(
        &server,
        "POST",
        &format!("/{APP}/whatsapp_business_solution"),
        &[],
        Some(want),
    )
    .await;
    assert!(NewSolution::new("x", "1", true).is_err());
    assert!(NewSolution::new("ok name", "app", true).is_err());

    let answer = first_page(
        spec_example(
            "GET",
            "/{Version}/{Application-ID}/whatsapp_business_solutions",
            Some("200"),
            "owner_only_solutions",
        ),
        json!({"data": [{"id": SOL, "name": "E-commerce Integration Solution", "status": "ACTIVE", "status_for_pending_request": "NONE"}]}),
    );
    let (server, c) = answering(200, answer).await;
    let list = c.app_solutions(APP, Some("OWNER")).await.unwrap();
    assert_eq!(list[0].status.as_deref(), Some("ACTIVE"));
    assert_request(
        &server,
        "GET",
        &format!("/{APP}/whatsapp_business_solutions"),
        &[("fields", SOLUTION_FIELDS), ("role", "OWNER")],
        None,
    )
    .await;

    let answer = first_page(
        spec_example(
            "GET",
            "/{Version}/{WABA-ID}/solutions",
            Some("200"),
            "single_solution",
        ),
        json!({"data": [{"id": "3456789012345678", "name": "Analytics Integration Solution", "status": "ACTIVE"}]}),
    );
    let (server, c) = answering(200, answer).await;
    assert_eq!(c.waba_solutions().await.unwrap()[0].id, "3456789012345678");
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}/solutions"),
        &[("fields", SOLUTION_FIELDS)],
        None,
    )
    .await;
}

#[tokio::test]
async fn read_accept_and_reject() {
    let answer = spec_example("GET", ONE, Some("200"), "draft_solution").unwrap_or_else(|| {
        json!({"id": "2345678901234567", "name": "Customer Support Solution", "status": "DRAFT", "status_for_pending_request": "NONE"})
    });
    let (server, c) = answering(200, answer).await;
    let s = c.solution("2345678901234567").await.unwrap();
    assert_eq!(s.status.as_deref(), Some("DRAFT"));
    assert_request(
        &server,
        "GET",
        "/2345678901234567",
        &[("fields", SOLUTION_FIELDS)],
        None,
    )
    .await;

    let answer = spec_example("POST", &format!("{ONE}/accept"), Some("200"), "successful_acceptance").unwrap_or_else(|| {
        json!({"solution_id": SOL, "partner_status": "ACCEPTED", "success": true, "message": "accepted"})
    });
    let (server, c) = answering(200, answer).await;
    let a = c.accept_solution(SOL, "9876543210987654").await.unwrap();
    assert!(a.success);
    assert_eq!(a.partner_status.as_deref(), Some("ACCEPTED"));
    let want = spec_example("POST", &format!("{ONE}/accept"), None, "minimal_acceptance")
        .unwrap_or_else(|| json!({"partner_app_id": "9876543210987654"}));
    assert_request(&server, "POST", &format!("/{SOL}/accept"), &[], Some(want)).await;

    let (server, c) = answering(200, json!({"success": true, "solution_id": SOL})).await;
    let reason = "Partnership terms do not align with our business requirements";
    c.reject_solution_request(
        SOL,
        &SolutionRejection::Partnership {
            partner_app_id: "9876543210987654".into(),
        },
        Some(reason),
    )
    .await
    .unwrap();
    let want = spec_example("POST", &format!("{ONE}/reject"), None, "reject_partnership").unwrap_or_else(|| {
        json!({"request_type": "PARTNERSHIP_REQUEST", "partner_app_id": "9876543210987654", "rejection_reason": reason})
    });
    assert_request(&server, "POST", &format!("/{SOL}/reject"), &[], Some(want)).await;

    let (server, c) = answering(200, json!({"success": true})).await;
    let long = "x".repeat(501);
    assert!(matches!(
        c.reject_solution_request(SOL, &SolutionRejection::Deactivation, Some(&long))
            .await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn deactivation_requests() {
    let answer = spec_example("POST", &format!("{ONE}/send_deactivation_request"), Some("200"), "successful_request")
        .unwrap_or_else(|| json!({"success": true, "message": "submitted", "request_id": "deactivation_req_1234567890"}));
    let (server, c) = answering(200, answer).await;
    let r = c
        .send_solution_deactivation_request(
            SOL,
            Some("Solution no longer needed for current business operations"),
        )
        .await
        .unwrap();
    assert_eq!(r.request_id.as_deref(), Some("deactivation_req_1234567890"));
    let want = spec_example(
        "POST",
        &format!("{ONE}/send_deactivation_request"),
        None,
        "with_reason",
    )
    .unwrap_or_else(
        || json!({"reason": "Solution no longer needed for current business operations"}),
    );
    assert_request(
        &server,
        "POST",
        &format!("/{SOL}/send_deactivation_request"),
        &[],
        Some(want),
    )
    .await;

    let solution = json!({"id": SOL, "name": "Sample", "status": "DEACTIVATED", "status_for_pending_request": "NONE"});
    let (server, c) = answering(200, solution.clone()).await;
    assert_eq!(
        c.accept_solution_deactivation(SOL)
            .await
            .unwrap()
            .status
            .as_deref(),
        Some("DEACTIVATED")
    );
    assert_request(
        &server,
        "POST",
        &format!("/{SOL}/accept_deactivation_request"),
        &[("fields", SOLUTION_FIELDS)],
        Some(json!({})),
    )
    .await;

    let (server, c) = answering(200, json!({"id": SOL, "status": "ACTIVE"})).await;
    assert_eq!(
        c.reject_solution_deactivation(SOL)
            .await
            .unwrap()
            .status
            .as_deref(),
        Some("ACTIVE")
    );
    assert_request(
        &server,
        "POST",
        &format!("/{SOL}/reject_deactivation_request"),
        &[("fields", SOLUTION_FIELDS)],
        Some(json!({"reject_deactivation_request": true})),
    )
    .await;
}

#[tokio::test]
async fn access_token_is_kept_secret() {
    let answer = spec_example(
        "GET",
        &format!("{ONE}/access_token"),
        Some("200"),
        "active_token",
    )
    .unwrap_or_else(
        || json!({"access_token": "YOUR_GRANULAR_BISU_ACCESS_TOKEN", "expires_at": 1735689600}),
    );
    let expected = answer["access_token"].as_str().unwrap().to_owned();
    let (server, c) = answering(200, answer).await;
    let t = c
        .solution_access_token(SOL, "9876543210987654")
        .await
        .unwrap();
    assert_eq!(t.access_token.expose_secret(), expected);
    assert_eq!(t.expires_at, 1735689600);
    assert!(
        !format!("{t:?}").contains(&expected),
        "Debug shows the token"
    );
    assert_request(
        &server,
        "GET",
        &format!("/{SOL}/access_token"),
        &[("business_id", "9876543210987654")],
        None,
    )
    .await;
}
