//! The WABA operations (`wacloud_graph::waba`) against a mock Graph API: details,
//! update, subscribed apps (with the callback override), phone numbers; each request
//! checked exactly and each of Meta's documented answers parsed.

use serde_json::{json, Value};
use wacloud_graph::waba::{NewPhoneNumber, WabaUpdate};
use wacloud_graph::{GraphClient, GraphError, SecretString};

use crate::common;
use crate::graph_mock::{answering, assert_request, spec_example, WABA};

fn ok() -> Value {
    json!({"success": true})
}

#[tokio::test]
async fn waba_details_with_and_without_fields() {
    let answer = spec_example(
        "GET",
        "/{Version}/{WABA-ID}",
        Some("200"),
        "verified_account",
    )
    .unwrap_or_else(|| {
        json!({"id": "1234567890123456", "name": "My Business WhatsApp Account", "timezone_id": "1",
               "message_template_namespace": "ba30dd89_2ebd_41e4_b805_f2c05ae04cc9",
               "account_review_status": "APPROVED", "business_verification_status": "VERIFIED",
               "country": "US", "ownership_type": "SELF_OWNED"})
    });
    let (server, c) = answering(200, answer).await;
    let w = c.waba_details(Some("id,name,timezone_id")).await.unwrap();
    assert_eq!(w.id.as_deref(), Some("1234567890123456"));
    assert_eq!(w.name.as_deref(), Some("My Business WhatsApp Account"));
    assert_eq!(w.timezone_id.as_deref(), Some("1"));
    assert_eq!(w.account_review_status.as_deref(), Some("APPROVED"));
    assert_eq!(w.ownership_type.as_deref(), Some("SELF_OWNED"));
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}"),
        &[("fields", "id,name,timezone_id")],
        None,
    )
    .await;

    let (server, c) = answering(200, json!({"id": WABA, "name": "n"})).await;
    c.waba_details(None).await.unwrap();
    assert_request(&server, "GET", &format!("/{WABA}"), &[], None).await;
}

#[tokio::test]
async fn update_waba_checks_and_sends_the_change() {
    let (server, c) = answering(200, ok()).await;
    let u = WabaUpdate::new().name("Updated Business Name");
    c.update_waba(&u).await.unwrap();
    let want = spec_example("POST", "/{Version}/{WABA-ID}", None, "update_name")
        .unwrap_or_else(|| json!({"name": "Updated Business Name"}));
    assert_request(&server, "POST", &format!("/{WABA}"), &[], Some(want)).await;

    let (server, c) = answering(200, ok()).await;
    for u in [WabaUpdate::default(), WabaUpdate::new().name("")] {
        assert!(matches!(
            c.update_waba(&u).await,
            Err(GraphError::Validation(_))
        ));
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn subscribed_apps_parse_both_documented_shapes() {
    let answer = common::fixture_json("openapi/examples/subscribed_apps/get_response_200_multiple_subscriptions.json")
        .unwrap_or_else(|| json!({"data": [
            {"whatsapp_business_api_data": {"id": "1234567890123456", "name": "Business Messaging App", "link": "l"}},
            {"whatsapp_business_api_data": {"id": "2345678901234567", "name": "Customer Support Bot", "link": "l"}}]}));
    let (server, c) = answering(200, answer).await;
    let apps = c.subscribed_apps().await.unwrap();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0].id.as_deref(), Some("1234567890123456"));
    assert_eq!(apps[1].name.as_deref(), Some("Customer Support Bot"));
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}/subscribed_apps"),
        &[],
        None,
    )
    .await;

    // The shape of the spec's schema: flat.
    let (_server, c) = answering(200, json!({"data": [{"id": "77", "name": "Flat App"}]})).await;
    let apps = c.subscribed_apps().await.unwrap();
    assert_eq!(apps[0].id.as_deref(), Some("77"));
    assert_eq!(apps[0].name.as_deref(), Some("Flat App"));
}

#[tokio::test]
async fn subscribe_with_and_without_a_callback_override() {
    let answer = common::fixture_json(
        "openapi/examples/subscribed_apps/post_response_200_basic_subscription_success.json",
    )
    .unwrap_or_else(ok);
    let (server, c) = answering(200, answer).await;
    let r = c.subscribe_app(None).await.unwrap();
    assert!(r.success && r.data.is_empty());
    let want = common::fixture_json(
        "openapi/examples/subscribed_apps/post_request_basic_subscription.json",
    )
    .unwrap_or_else(|| json!({}));
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}/subscribed_apps"),
        &[],
        Some(want),
    )
    .await;

    let answer = common::fixture_json("openapi/examples/subscribed_apps/post_response_200_custom_callback_success.json")
        .unwrap_or_else(|| json!({"success": true, "data": [{"override_callback_uri": "https://your-webhook-endpoint.com/webhook",
            "whatsapp_business_api_data": {"id": "1234567890123456", "name": "Business Messaging App"}}]}));
    let (server, c) = answering(200, answer).await;
    let r = c
        .subscribe_app(Some((
            "https://your-webhook-endpoint.com/webhook",
            "YOUR_VERIFY_TOKEN_PLACEHOLDER",
        )))
        .await
        .unwrap();
    assert_eq!(
        r.data[0].override_callback_uri.as_deref(),
        Some("https://your-webhook-endpoint.com/webhook")
    );
    assert_eq!(r.data[0].id.as_deref(), Some("1234567890123456"));
    let want =
        common::fixture_json("openapi/examples/subscribed_apps/post_request_custom_callback.json")
            .unwrap_or_else(|| {
                json!({"override_callback_uri": "https://your-webhook-endpoint.com/webhook",
                                  "verify_token": "YOUR_VERIFY_TOKEN_PLACEHOLDER"})
            });
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}/subscribed_apps"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    assert!(matches!(
        c.subscribe_app(Some(("not a url", "t"))).await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn unsubscribe_deletes_the_subscription() {
    let answer = common::fixture_json(
        "openapi/examples/subscribed_apps/delete_response_200_unsubscribe_success.json",
    )
    .unwrap_or_else(ok);
    let (server, c) = answering(200, answer).await;
    c.unsubscribe_app().await.unwrap();
    assert_request(
        &server,
        "DELETE",
        &format!("/{WABA}/subscribed_apps"),
        &[],
        None,
    )
    .await;
}

#[tokio::test]
async fn list_and_add_phone_numbers() {
    let answer = common::fixture_json("openapi/examples/waba_phone_numbers/get_response_200_multiple_phone_numbers.json")
        .unwrap_or_else(|| json!({"data": [
            {"id": "1906385232743451", "display_phone_number": "+1 631-555-5555", "status": "LINKED",
             "quality_rating": "GREEN", "country_code": "US"},
            {"id": "1913623884432103", "display_phone_number": "+1 631-555-5556", "status": "PENDING",
             "quality_rating": "UNKNOWN", "country_code": "US"}]}));
    let (server, c) = answering(200, answer).await;
    let numbers = c
        .list_phone_numbers(Some("id,display_phone_number,status"))
        .await
        .unwrap();
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[0].id.as_deref(), Some("1906385232743451"));
    assert_eq!(numbers[1].status.as_deref(), Some("PENDING"));
    assert_eq!(numbers[0].extra["country_code"], "US");
    assert_request(
        &server,
        "GET",
        &format!("/{WABA}/phone_numbers"),
        &[("fields", "id,display_phone_number,status")],
        None,
    )
    .await;

    let answer = common::fixture_json(
        "openapi/examples/waba_phone_numbers/post_response_200_successful_creation.json",
    )
    .unwrap_or_else(|| json!({"id": "1906385232743451"}));
    let (server, c) = answering(200, answer).await;
    let created = c
        .add_phone_number(
            &NewPhoneNumber::new("1", "16315551001", "Migrated Business")
                .unwrap()
                .migrate(),
        )
        .await
        .unwrap();
    assert_eq!(created.id, "1906385232743451");
    let want = common::fixture_json(
        "openapi/examples/waba_phone_numbers/post_request_migration_phone_number.json",
    )
    .unwrap_or_else(|| {
        json!({"phone_number": "16315551001", "verified_name": "Migrated Business",
                                  "cc": "1", "migrate_phone_number": true})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}/phone_numbers"),
        &[],
        Some(want),
    )
    .await;

    for (cc, number, name) in [
        ("1234", "16315551001", "Name"),
        ("1", "+16315551001", "Name"),
        ("1", "16315551001", "N"),
    ] {
        assert!(
            NewPhoneNumber::new(cc, number, name).is_err(),
            "{cc} {number} {name}"
        );
    }
}

#[tokio::test]
async fn waba_calls_need_the_waba_id() {
    let c = GraphClient::builder(SecretString::from("t"), "1")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    for e in [
        c.waba_details(None).await.unwrap_err(),
        c.subscribed_apps().await.unwrap_err(),
        c.unsubscribe_app().await.unwrap_err(),
        c.list_phone_numbers(None).await.unwrap_err(),
    ] {
        assert!(
            matches!(&e, GraphError::Config(m) if m.contains("waba_id")),
            "{e}"
        );
    }
}
