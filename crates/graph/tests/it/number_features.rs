//! Official Business Account, commerce settings, the business encryption key
//! (`wacloud_graph::number_features`) and template edits (`template_admin`) against a
//! mock Graph API, with the spec's examples.

use serde_json::json;
use wacloud_graph::number_features::{ObaAction, ObaApplicationData};
use wacloud_graph::template_admin::TemplateEdit;
use wacloud_graph::templates::TemplateCategory;
use wacloud_graph::GraphError;

use crate::graph_mock::{
    answering, assert_form_request, assert_request, spec_example, text_part, PHONE_ID,
};

const OBA: &str = "/{Version}/{Phone-Number-ID}/official_business_account";
const COMMERCE: &str = "/{Version}/{Phone-Number-ID}/whatsapp_commerce_settings";
const ENCRYPTION: &str = "/{Version}/{Phone-Number-ID}/whatsapp_business_encryption";

#[tokio::test]
async fn official_business_account_status_and_application() {
    let answer = spec_example("GET", OBA, Some("200"), "approved_status").unwrap_or_else(|| {
        json!({"id": "2345678901234567", "oba_status": "APPROVED", "status_message": "Your Official Business Account has been approved"})
    });
    let (server, c) = answering(200, answer).await;
    let s = c.official_business_account().await.unwrap();
    assert_eq!(s.oba_status.as_deref(), Some("APPROVED"));
    assert_eq!(s.id.as_deref(), Some("2345678901234567"));
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/official_business_account"),
        &[("fields", "id,oba_status,status_message")],
        None,
    )
    .await;

    let answer = spec_example("POST", OBA, Some("200"), "successful_submission").unwrap_or_else(|| {
        json!({"success": true, "message": "submitted", "tracking_id": "oba_req_1",
               "updated_status": {"id": "1234567890123456", "oba_status": "PENDING", "status_message": "under review"}})
    });
    let (server, c) = answering(200, answer).await;
    let data = ObaApplicationData::new()
        .business_name("Acme Corporation Ltd")
        .business_description(
            "Leading provider of innovative business solutions and consulting services",
        )
        .website_url("https://www.acmecorp.com")
        .contact_email("business@acmecorp.com");
    let r = c
        .official_business_account_action(ObaAction::SubmitApplication, Some(&data))
        .await
        .unwrap();
    assert!(r.success);
    assert_eq!(
        r.updated_status.unwrap().oba_status.as_deref(),
        Some("PENDING")
    );
    assert!(r.tracking_id.is_some());
    let want = spec_example("POST", OBA, None, "submit_application").unwrap_or_else(|| {
        json!({"action": "SUBMIT_APPLICATION", "application_data": {"business_name": "Acme Corporation Ltd",
               "business_description": "Leading provider of innovative business solutions and consulting services",
               "website_url": "https://www.acmecorp.com", "contact_email": "business@acmecorp.com"}})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/official_business_account"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, json!({"success": true, "message": "withdrawn"})).await;
    c.official_business_account_action(ObaAction::WithdrawApplication, None)
        .await
        .unwrap();
    let want = spec_example("POST", OBA, None, "withdraw_application")
        .unwrap_or_else(|| json!({"action": "WITHDRAW_APPLICATION"}));
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/official_business_account"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, json!({})).await;
    for bad in [
        ObaApplicationData::new().business_name("x".repeat(256)),
        ObaApplicationData::new().website_url("acme"),
        ObaApplicationData::new().contact_email("not an email"),
    ] {
        assert!(matches!(
            c.official_business_account_action(ObaAction::ResubmitApplication, Some(&bad))
                .await,
            Err(GraphError::Validation(_))
        ));
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn commerce_settings_read_and_set_in_the_query() {
    let answer = spec_example("GET", COMMERCE, Some("200"), "Example response")
        .unwrap_or_else(|| json!({"data": [{"id": "527759822865714", "is_cart_enabled": true, "is_catalog_visible": true}]}));
    let (server, c) = answering(200, answer).await;
    let s = c.commerce_settings().await.unwrap().unwrap();
    assert_eq!(s.id.as_deref(), Some("527759822865714"));
    assert_eq!(
        (s.is_cart_enabled, s.is_catalog_visible),
        (Some(true), Some(true))
    );
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/whatsapp_commerce_settings"),
        &[],
        None,
    )
    .await;

    let (_server, c) = answering(200, json!({"data": []})).await;
    assert_eq!(c.commerce_settings().await.unwrap(), None);

    let (server, c) = answering(200, json!({"success": true})).await;
    c.update_commerce_settings(Some(true), Some(false))
        .await
        .unwrap();
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/whatsapp_commerce_settings"),
        &[("is_cart_enabled", "true"), ("is_catalog_visible", "false")],
        None,
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    assert!(matches!(
        c.update_commerce_settings(None, None).await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn business_encryption_key_read_and_uploaded_as_a_form() {
    let answer = spec_example("GET", ENCRYPTION, Some("200"), "valid_key").unwrap_or_else(|| {
        json!({"data": [{"business_public_key": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
                         "business_public_key_signature_status": "VALID"}]})
    });
    let (server, c) = answering(200, answer).await;
    let k = c.business_encryption_key().await.unwrap().unwrap();
    assert_eq!(
        k.business_public_key_signature_status.as_deref(),
        Some("VALID")
    );
    assert!(k
        .business_public_key
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/whatsapp_business_encryption"),
        &[],
        None,
    )
    .await;

    let pem = spec_example("POST", ENCRYPTION, None, "upload_key")
        .map(|v| v["business_public_key"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n".into());
    let (server, c) = answering(200, json!({"success": true})).await;
    c.set_business_encryption_key(&pem).await.unwrap();
    let parts = assert_form_request(
        &server,
        &format!("/{PHONE_ID}/whatsapp_business_encryption"),
    )
    .await;
    assert_eq!(parts, [text_part("business_public_key", &pem)]);

    let (server, c) = answering(200, json!({"success": true})).await;
    assert!(matches!(
        c.set_business_encryption_key("ssh-rsa AAAA").await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn edit_template_sends_category_and_components() {
    let documented = spec_example("POST", "/{Version}/{TEMPLATE_ID}", None, "Edit template");
    let components = documented
        .as_ref()
        .map(|d| d["components"].as_array().unwrap().clone())
        .unwrap_or_else(|| {
            vec![json!({"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Mark"]]}})]
        });
    let answer = spec_example(
        "POST",
        "/{Version}/{TEMPLATE_ID}",
        Some("200"),
        "Example response",
    )
    .unwrap_or_else(|| json!({"success": true}));
    let (server, c) = answering(200, answer).await;
    c.edit_template(
        "920070352646140",
        &TemplateEdit::new()
            .category(TemplateCategory::Marketing)
            .components(components.clone()),
    )
    .await
    .unwrap();
    assert_request(
        &server,
        "POST",
        "/920070352646140",
        &[],
        Some(json!({"category": "MARKETING", "components": components})),
    )
    .await;

    let (server, c) = answering(200, json!({"success": true})).await;
    for e in [
        TemplateEdit::new(),
        TemplateEdit::new().components(vec![json!({"text": "no type"})]),
    ] {
        assert!(matches!(
            c.edit_template("920070352646140", &e).await,
            Err(GraphError::Validation(_))
        ));
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
