//! Marketing sends (`wacloud_graph::marketing`) and business compliance information
//! (`wacloud_graph::compliance`) against a mock Graph API, with the spec's examples.

use serde_json::json;
use wacloud_graph::compliance::{ComplianceContact, ComplianceInfoUpdate};
use wacloud_graph::marketing::{MarketingOptions, ProductPolicy};
use wacloud_graph::messages::{OutboundMessage, Recipient, Template};
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, spec_example, PHONE_ID};

const MARKETING: &str = "/{Version}/{Phone-Number-ID}/marketing_messages";
const COMPLIANCE: &str = "/{Version}/{Phone-Number-ID}/business_compliance_info";

fn to() -> Recipient {
    Recipient::PhoneNumber("16315552222".into())
}

#[tokio::test]
async fn marketing_send_adds_its_options_to_the_template_message() {
    let answer = spec_example("POST", MARKETING, Some("200"), "Successful Response").unwrap_or_else(|| {
        json!({"contacts": [{"input": "16315552222", "wa_id": "16315552222"}],
               "messages": [{"id": "wamid.gBGGSFcCNEOPAgkO_KJ55r4w_ww"}], "messaging_product": "whatsapp"})
    });
    let (server, c) = answering(200, answer).await;
    let msg = OutboundMessage::template(to(), Template::new("welcome_offer", "en_US")).unwrap();
    let options = MarketingOptions::new()
        .product_policy(ProductPolicy::CloudApiFallback)
        .message_activity_sharing(true);
    let r = c.send_marketing_message(&msg, &options).await.unwrap();
    assert_eq!(r.wamid(), Some("wamid.gBGGSFcCNEOPAgkO_KJ55r4w_ww"));
    let want = spec_example("POST", MARKETING, None, "Template with Product Policy").unwrap_or_else(|| {
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "16315552222", "type": "template",
               "template": {"name": "welcome_offer", "language": {"code": "en_US"}},
               "product_policy": "CLOUD_API_FALLBACK", "message_activity_sharing": true})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/marketing_messages"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, json!({})).await;
    let text = OutboundMessage::text(to(), "hi").unwrap();
    assert!(matches!(
        c.send_marketing_message(&text, &MarketingOptions::new()).await,
        Err(GraphError::Validation(ref v)) if v.field == "type"
    ));
    assert!(server.received_requests().await.unwrap().is_empty());

    let (_server, c) = answering(
        200,
        json!({"messaging_product": "whatsapp", "messages": []}),
    )
    .await;
    let msg = OutboundMessage::template(to(), Template::new("hello_world", "en")).unwrap();
    assert!(matches!(
        c.send_marketing_message(&msg, &MarketingOptions::new())
            .await,
        Err(GraphError::Decode { .. })
    ));
}

#[tokio::test]
async fn compliance_info_read_and_updated() {
    let answer = spec_example("GET", COMPLIANCE, Some("200"), "complete_compliance_info").unwrap_or_else(|| {
        json!({"data": [{"whatsapp_business_account_id": "1234567890123456", "messaging_product": "whatsapp",
                         "entity_name": "Lucky Shrub Private Limited", "entity_type": "Partnership", "entity_type_custom": null,
                         "is_registered": true, "grievance_officer_details": {"name": "Chandravati P.", "email": "chandravati@luckyshrub.com"},
                         "customer_care_details": {"email": "support@luckyshrub.com"}}]})
    });
    let (server, c) = answering(200, answer).await;
    let info = c.business_compliance_info().await.unwrap().unwrap();
    assert_eq!(
        info.entity_name.as_deref(),
        Some("Lucky Shrub Private Limited")
    );
    assert_eq!(info.is_registered, Some(true));
    assert_eq!(
        info.grievance_officer_details.unwrap().name.as_deref(),
        Some("Chandravati P.")
    );
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/business_compliance_info"),
        &[],
        None,
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    let update = ComplianceInfoUpdate::new(
        "Innovative Tech Solutions",
        "OTHER",
        ComplianceContact::new("rajesh@innovativetech.com")
            .name("Rajesh Kumar")
            .mobile_number("+918901234567"),
        ComplianceContact::new("support@innovativetech.com").mobile_number("+918901234567"),
    )
    .entity_type_custom("Limited Liability Partnership")
    .is_registered(true);
    c.update_business_compliance_info(&update).await.unwrap();
    let want = spec_example("POST", COMPLIANCE, None, "custom_entity_update").unwrap_or_else(|| {
        json!({"messaging_product": "whatsapp", "entity_name": "Innovative Tech Solutions", "entity_type": "OTHER",
               "entity_type_custom": "Limited Liability Partnership", "is_registered": true,
               "grievance_officer_details": {"name": "Rajesh Kumar", "email": "rajesh@innovativetech.com", "mobile_number": "+918901234567"},
               "customer_care_details": {"email": "support@innovativetech.com", "mobile_number": "+918901234567"}})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/business_compliance_info"),
        &[],
        Some(want),
    )
    .await;

    let officer = || ComplianceContact::new("a@b.c").name("A");
    let care = || ComplianceContact::new("c@d.e");
    let (server, c) = answering(200, json!({"success": true})).await;
    for bad in [
        ComplianceInfoUpdate::new("X", "PARTNERSHIP", officer(), care()),
        ComplianceInfoUpdate::new("Acme", "OTHER", officer(), care()),
        ComplianceInfoUpdate::new(
            "Acme",
            "PARTNERSHIP",
            ComplianceContact::new("a@b.c"),
            care(),
        ),
        ComplianceInfoUpdate::new(
            "Acme",
            "PARTNERSHIP",
            officer(),
            care().mobile_number("918901234567"),
        ),
    ] {
        assert!(
            matches!(
                c.update_business_compliance_info(&bad).await,
                Err(GraphError::Validation(_))
            ),
            "{bad:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
