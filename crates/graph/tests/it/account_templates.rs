//! Template, phone number, business profile and block-user endpoints against a local
//! mock of the Graph API (wiremock): request shape, bearer token, success, Graph
//! errors, paging.

use crate::common;

use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;
use wacloud_graph::templates::{NewTemplate, TemplateCategory};
use wacloud_graph::{BusinessProfileUpdate, ErrorClass, GraphClient, GraphError};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-EAAG-never-logged";
const PHONE_ID: &str = "106540352242922";
const WABA: &str = "102290129340398";

fn client(server: &MockServer) -> GraphClient {
    GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .waba_id(WABA)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

#[tokio::test]
async fn list_templates_follows_every_page() {
    let server = MockServer::start().await;
    let page1 = common::fixture_json(
        "openapi/examples/message_templates/get_response_200_example_response.json",
    )
    .unwrap_or_else(|| json!({"data": [{"name": "hello_world", "language": "en_US", "id": "1"}]}));
    let n1 = page1["data"].as_array().unwrap().len();
    let mut first = page1.clone();
    first["paging"] = json!({"cursors": {"after": "A"}, "next": format!("{}/v25.0/{WABA}/message_templates?limit=100&after=A", server.uri())});
    Mock::given(method("GET"))
        .and(path(format!("/v25.0/{WABA}/message_templates")))
        .and(query_param("after", "A"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"name": "order_update", "language": "pt_BR", "status": "APPROVED",
                      "category": "UTILITY", "id": "900", "components": [
                        {"type": "BODY", "text": "Olá {{1}}, pedido {{2}} saiu às {{3}}"}]}],
            "paging": {"cursors": {"before": "A"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v25.0/{WABA}/message_templates")))
        .and(query_param("limit", "100"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .expect(1)
        .mount(&server)
        .await;
    let all = client(&server).list_templates().await.unwrap();
    assert_eq!(all.len(), n1 + 1);
    assert!(all.iter().any(|t| t.name == "hello_world"));
    let last = all.last().unwrap();
    assert_eq!(last.language.as_deref(), Some("pt_BR"));
    assert_eq!(last.body_parameter_count(), 3);
}

#[tokio::test]
async fn paging_next_on_another_host_is_not_followed() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v25.0/{WABA}/message_templates")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"name": "a"}],
            "paging": {"next": format!("{}/v25.0/{WABA}/message_templates?after=B", elsewhere.uri())}
        })))
        .mount(&server)
        .await;
    let e = client(&server).list_templates().await.unwrap_err();
    assert!(e.to_string().contains("paging.next"), "{e}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn template_calls_need_the_waba_id() {
    let server = MockServer::start().await;
    let c = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .build()
        .unwrap();
    for e in [
        c.list_templates().await.unwrap_err(),
        c.delete_template("x", None).await.unwrap_err(),
        c.create_template(
            &NewTemplate::new("x", "en_US", TemplateCategory::Utility)
                .unwrap()
                .component(json!({"type": "BODY", "text": "hi"})),
        )
        .await
        .unwrap_err(),
    ] {
        assert!(
            matches!(&e, GraphError::Config(m) if m.contains("waba_id")),
            "{e}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_create_delete_template() {
    let server = MockServer::start().await;
    let one =
        common::fixture_json("openapi/examples/template_id/get_response_200_example_response.json")
            .unwrap_or_else(
                || json!({"id": "920070352646140", "name": "2023_april_promo", "status": "APPROVED", "components": []}),
            );
    Mock::given(method("GET"))
        .and(path("/v25.0/920070352646140"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(one))
        .expect(1)
        .mount(&server)
        .await;
    let documented = common::fixture_json(
        "openapi/examples/message_templates/post_request_create_template_w_text_header_text_body_text_footer_and_2_quick_reply_buttons.json",
    );
    let mut t = NewTemplate::new(
        "seasonal_promotion_text_only",
        "en",
        TemplateCategory::Marketing,
    )
    .unwrap();
    if let Some(d) = &documented {
        for c in d["components"].as_array().unwrap() {
            t = t.component(c.clone());
        }
    } else {
        t = t.component(json!({"type": "BODY", "text": "Shop now"}));
    }
    let expected_body = documented.clone().unwrap_or_else(|| t.to_json());
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{WABA}/message_templates")))
        .and(header("authorization", bearer().as_str()))
        .and(body_json(&expected_body))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "1689556908129832", "status": "PENDING", "category": "MARKETING"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v25.0/{WABA}/message_templates")))
        .and(query_param("name", "seasonal_promotion_text_only"))
        .and(query_param("hsm_id", "1689556908129832"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let got = c.get_template("920070352646140").await.unwrap();
    assert_eq!(got.status.as_deref(), Some("APPROVED"));
    let created = c.create_template(&t).await.unwrap();
    assert_eq!(created.id, "1689556908129832");
    c.delete_template("seasonal_promotion_text_only", Some("1689556908129832"))
        .await
        .unwrap();
    // Names Meta refuses are refused locally.
    assert!(NewTemplate::new("Seasonal Promo", "en", TemplateCategory::Marketing).is_err());
    assert!(NewTemplate::new("", "en", TemplateCategory::Marketing).is_err());
}

#[tokio::test]
async fn template_graph_error_keeps_every_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{WABA}/message_templates")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Invalid parameter", "type": "OAuthException", "code": 100,
            "error_subcode": 2388023, "is_transient": false,
            "error_user_title": "Message template language is being deleted",
            "error_user_msg": "New content can't be added while the existing English content is being deleted.",
            "fbtrace_id": "A1b2C3"}})))
        .mount(&server)
        .await;
    let t = NewTemplate::new("x", "en", TemplateCategory::Utility)
        .unwrap()
        .component(json!({"type": "BODY", "text": "hi"}));
    let e = client(&server).create_template(&t).await.unwrap_err();
    let a = e.api().unwrap();
    assert_eq!(
        (a.code, a.error_subcode, a.http_status),
        (100, Some(2388023), 400)
    );
    assert_eq!(a.fbtrace_id.as_deref(), Some("A1b2C3"));
    assert!(a.error_user_title.is_some());
    assert_eq!(e.class(), ErrorClass::InvalidRequest);
}

#[tokio::test]
async fn phone_number_details_asks_for_quality_and_throughput() {
    let server = MockServer::start().await;
    let body = common::fixture_json("whatsapp-business-java-api/phone/phoneNumber.json")
        .unwrap_or_else(|| json!({"id": PHONE_ID, "quality_rating": "GREEN", "verified_name": "Test", "throughput": {"level": "STANDARD"}}));
    Mock::given(method("GET"))
        .and(path(format!("/v25.0/{PHONE_ID}")))
        .and(header("authorization", bearer().as_str()))
        .and(query_param(
            "fields",
            wacloud_graph::account::PHONE_NUMBER_FIELDS,
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let d = client(&server).phone_number_details().await.unwrap();
    assert_eq!(d.quality_rating.as_deref(), body["quality_rating"].as_str());
    assert_eq!(d.verified_name.as_deref(), body["verified_name"].as_str());
    assert_eq!(
        d.throughput.and_then(|t| t.level).as_deref(),
        body["throughput"]["level"].as_str()
    );
}

#[tokio::test]
async fn business_profile_get_and_update() {
    let server = MockServer::start().await;
    let netflie = common::fixture_json(
        "netflie-whatsapp-cloud-api/graph-responses/business_profile_response.json",
    )
    .unwrap_or_else(|| json!({"data": [{"about": "Hi", "vertical": "OTHER", "websites": []}]}));
    Mock::given(method("GET"))
        .and(path(format!("/v25.0/{PHONE_ID}/whatsapp_business_profile")))
        .and(query_param(
            "fields",
            wacloud_graph::account::BUSINESS_PROFILE_FIELDS,
        ))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(netflie.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let update_doc = common::fixture_json(
        "openapi/examples/business_profile/post_request_minimal_profile_update.json",
    )
    .unwrap_or_else(
        || json!({"messaging_product": "whatsapp", "description": "Updated business description"}),
    );
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{PHONE_ID}/whatsapp_business_profile")))
        .and(body_json(&update_doc))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let p = c.business_profile().await.unwrap();
    assert_eq!(p.about.as_deref(), netflie["data"][0]["about"].as_str());
    c.update_business_profile(
        &BusinessProfileUpdate::new().description("Updated business description"),
    )
    .await
    .unwrap();
    // Limits checked before any request.
    for bad in [
        BusinessProfileUpdate::new().about("a".repeat(140)),
        BusinessProfileUpdate::new().websites(vec![
            "https://a.example".into(),
            "https://b.example".into(),
            "https://c.example".into(),
        ]),
        BusinessProfileUpdate::new().websites(vec!["ftp://a.example".into()]),
        BusinessProfileUpdate::new(),
    ] {
        assert!(matches!(
            c.update_business_profile(&bad).await,
            Err(GraphError::Validation(_))
        ));
    }
}

#[tokio::test]
async fn block_and_unblock_users() {
    let server = MockServer::start().await;
    let body = common::fixture_json("openapi/examples/block_users/post_request_block_user_s.json")
        .unwrap_or_else(
            || json!({"block_users": [{"user": "+16505551234"}], "messaging_product": "whatsapp"}),
        );
    let added = common::fixture_json(
        "openapi/examples/components_responses/blockusersresponse__block_user_s.json",
    )
    .unwrap_or_else(|| json!({"block_users": {"added_users": [{"input": "+16505551234", "wa_id": "16505551234"}]}, "messaging_product": "whatsapp"}));
    let removed = common::fixture_json(
        "openapi/examples/components_responses/unblockusersresponse__unblock_user_s.json",
    )
    .unwrap_or_else(|| json!({"block_users": {"removed_users": [{"input": "+16505551234", "wa_id": "16505551234"}]}, "messaging_product": "whatsapp"}));
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{PHONE_ID}/block_users")))
        .and(header("authorization", bearer().as_str()))
        .and(body_json(&body))
        .respond_with(ResponseTemplate::new(200).set_body_json(added))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v25.0/{PHONE_ID}/block_users")))
        .and(body_json(&body))
        .respond_with(ResponseTemplate::new(200).set_body_json(removed))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let r = c.block_users(&["+16505551234"]).await.unwrap();
    assert_eq!(
        r.block_users.added_users[0].wa_id.as_deref(),
        Some("16505551234")
    );
    let r = c.unblock_users(&["+16505551234"]).await.unwrap();
    assert_eq!(r.block_users.removed_users.len(), 1);
    assert!(c.block_users(&[]).await.is_err());
    assert!(c.block_users(&["1555 0000"]).await.is_err());
}

#[test]
fn a_template_message_is_checked_against_the_stored_template() {
    use wacloud_graph::messages::{Component, Parameter, Template};
    use wacloud_graph::MessageTemplate;
    let stored: MessageTemplate = serde_json::from_value(
        common::fixture_json("openapi/examples/template_id/get_response_200_example_response.json")
            .unwrap_or_else(|| {
                json!({"name": "2023_april_promo", "language": "en_US", "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Fall Sale"},
                {"type": "BODY", "text": "Hi {{1}}, use promo code {{2}}"}]})
            }),
    )
    .unwrap();
    let ok = Template::new("2023_april_promo", "en_US")
        .body_parameters(["Mark", "FALL25"])
        .unwrap();
    stored.check_message(&ok).unwrap();
    let short = Template::new("2023_april_promo", "en_US")
        .body_parameters(["Mark"])
        .unwrap();
    let e = stored.check_message(&short).unwrap_err();
    assert!(
        e.to_string().contains("2 variables but 1 parameters"),
        "{e}"
    );
    let lang = Template::new("2023_april_promo", "pt_BR")
        .body_parameters(["Mark", "FALL25"])
        .unwrap();
    assert!(stored
        .check_message(&lang)
        .unwrap_err()
        .to_string()
        .contains("132001"));
    // Named parameters must match by name.
    let named: MessageTemplate =
        serde_json::from_value(json!({"name": "order", "language": "en_US",
        "parameter_format": "named",
        "components": [{"type": "BODY", "text": "Hi {{first_name}}, order {{order_id}} shipped"}]}))
        .unwrap();
    let good = Template::new("order", "en_US")
        .named_body_parameters([("order_id", "#12"), ("first_name", "Ann")])
        .unwrap();
    named.check_message(&good).unwrap();
    let bad = Template::new("order", "en_US").component(Component::body(vec![
        Parameter::named_text("name", "Ann").unwrap(),
        Parameter::named_text("order_id", "#12").unwrap(),
    ]));
    assert!(named.check_message(&bad).is_err());
}
