//! The Resumable Upload API (`wacloud_graph::resumable_upload`) and the template
//! library (`wacloud_graph::template_library`) against a mock Graph API.

use serde_json::json;
use wacloud_graph::template_library::{
    LibraryBodyInputs, LibraryButtonInput, NewLibraryTemplate, TemplateLibraryQuery,
};
use wacloud_graph::TemplateCategory;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::graph_mock::{answering, assert_request, TOKEN, WABA};

const APP: &str = "1234567890";
const UPLOAD: &str = "upload:MTphdHRhY2htZW50OjZiY2I4ZjMyLWY5ZWQtNGM1OC1hZWZhLTcwNzhhZDE3ZjY0ZQ==";

#[tokio::test]
async fn create_session_sends_name_length_and_type() {
    let (server, c) = answering(200, json!({"id": format!("{UPLOAD}?sig=ARZqkGCA")})).await;
    let s = c
        .create_upload_session(APP, "header.jpg", 10_000, "image/jpeg")
        .await
        .unwrap();
    assert_eq!(s.id, format!("{UPLOAD}?sig=ARZqkGCA"));
    assert_request(
        &server,
        "POST",
        &format!("/{APP}/uploads"),
        &[
            ("file_name", "header.jpg"),
            ("file_length", "10000"),
            ("file_type", "image/jpeg"),
        ],
        None,
    )
    .await;
}

#[tokio::test]
async fn upload_sends_the_bytes_with_oauth_and_file_offset() {
    let (server, c) = answering(200, json!({"h": "4::aW1hZ2UvanBlZw==:ARb"})).await;
    let id = format!("{UPLOAD}?sig=ARZqkGCA");
    let h = c
        .upload_file_data(&id, 5, bytes::Bytes::from_static(b"rest of the file"))
        .await
        .unwrap();
    assert_eq!(h.h, "4::aW1hZ2UvanBlZw==:ARb");
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(r.url.path(), format!("/v25.0/{UPLOAD}"));
    assert_eq!(
        r.url.query(),
        Some("sig=ARZqkGCA"),
        "the signature stays the query"
    );
    let h = |n: &str| {
        r.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(h("authorization"), Some(format!("OAuth {TOKEN}")));
    assert_eq!(h("file_offset").as_deref(), Some("5"));
    assert_eq!(r.body, b"rest of the file");
}

#[tokio::test]
async fn status_reads_the_offset_to_resume_from() {
    let (server, c) = answering(200, json!({"id": UPLOAD, "file_offset": 4096})).await;
    let s = c.upload_session_status(UPLOAD).await.unwrap();
    assert_eq!(s.file_offset, 4096);
    let r = &server.received_requests().await.unwrap()[0];
    assert_eq!(r.method.as_str(), "GET");
    assert_eq!(r.url.path(), format!("/v25.0/{UPLOAD}"));
    assert_eq!(
        r.headers.get("authorization").unwrap().to_str().unwrap(),
        format!("OAuth {TOKEN}")
    );
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn resumable_upload_opens_a_session_then_sends_the_file() {
    let server = wiremock::MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{APP}/uploads")))
        .and(query_param("file_length", "3"))
        .and(query_param("file_type", "image/png"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": UPLOAD})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{UPLOAD}")))
        .and(header("file_offset", "0"))
        .and(header("authorization", format!("OAuth {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"h": "4::handle"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = wacloud_graph::GraphClient::builder(TOKEN, "106540352242922")
        .base_url(server.uri())
        .build()
        .unwrap();
    let h = c
        .resumable_upload(APP, "a.png", "image/png", bytes::Bytes::from_static(b"abc"))
        .await
        .unwrap();
    assert_eq!(h.h, "4::handle");
}

#[tokio::test]
async fn refusals_before_any_request() {
    let (server, c) = answering(200, json!({})).await;
    assert!(c
        .create_upload_session(APP, "a.gif", 3, "image/gif")
        .await
        .is_err());
    assert!(c
        .create_upload_session(APP, "a.png", 0, "image/png")
        .await
        .is_err());
    assert!(c.upload_session_status("12345").await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn template_library_sends_the_filters_and_parses_templates() {
    let (server, c) = answering(
        200,
        json!({"data": [{"name": "delivery_update_1", "language": "en_US", "category": "UTILITY",
                         "topic": "ORDER_MANAGEMENT", "usecase": "DELIVERY_UPDATE",
                         "industry": ["E_COMMERCE"],
                         "body": "Good news! Your order #{{1}} is on its way.",
                         "body_params": ["12345"],
                         "buttons": [{"type": "URL", "text": "Track order", "url": "https://www.example.com/{{1}}"}],
                         "id": "7147079845414484"}]}),
    )
    .await;
    let q = TemplateLibraryQuery::new()
        .search("delivery")
        .topic("ORDER_MANAGEMENT")
        .language("en_US");
    let t = c.template_library(&q).await.unwrap();
    assert_eq!(t[0].name, "delivery_update_1");
    assert_eq!(t[0].industry, ["E_COMMERCE"]);
    assert_eq!(t[0].buttons[0]["type"], "URL");
    assert_request(
        &server,
        "GET",
        "/message_template_library",
        &[
            ("search", "delivery"),
            ("topic", "ORDER_MANAGEMENT"),
            ("language", "en_US"),
        ],
        None,
    )
    .await;
}

#[tokio::test]
async fn a_template_from_the_library_sends_its_inputs() {
    let (server, c) = answering(
        200,
        json!({"id": "1234567890", "status": "APPROVED", "category": "UTILITY"}),
    )
    .await;
    let t = NewLibraryTemplate::new(
        "my_delivery",
        "en_US",
        TemplateCategory::Utility,
        "delivery_update_1",
    )
    .unwrap()
    .button_input(
        LibraryButtonInput::url(
            "https://www.example.com/track/{{1}}",
            Some("https://www.example.com/track/12345".into()),
        )
        .unwrap(),
    )
    .button_input(LibraryButtonInput::phone_number("+15550000001"));
    let created = c.create_template_from_library(&t).await.unwrap();
    assert_eq!(created.status.as_deref(), Some("APPROVED"));
    assert_request(
        &server,
        "POST",
        &format!("/{WABA}/message_templates"),
        &[],
        Some(json!({"name": "my_delivery", "language": "en_US", "category": "UTILITY",
                    "library_template_name": "delivery_update_1",
                    "library_template_button_inputs": [
                        {"type": "URL", "url": {"base_url": "https://www.example.com/track/{{1}}",
                                                "url_suffix_example": "https://www.example.com/track/12345"}},
                        {"type": "PHONE_NUMBER", "phone_number": "+15550000001"}]})),
    )
    .await;
}

#[test]
fn library_inputs_are_checked() {
    assert!(LibraryButtonInput::url("https://example.com/{{1}}", None).is_err());
    assert!(LibraryButtonInput::url("ftp://example.com", None).is_err());
    let auth =
        NewLibraryTemplate::new("otp", "en_US", TemplateCategory::Authentication, "verify_1")
            .unwrap();
    let e = auth
        .clone()
        .body_inputs(LibraryBodyInputs::new().code_expiration_minutes(91))
        .unwrap_err();
    assert!(e.to_string().contains("90"), "{e}");
    let ok = auth
        .body_inputs(
            LibraryBodyInputs::new()
                .add_security_recommendation(true)
                .code_expiration_minutes(5),
        )
        .unwrap();
    assert_eq!(
        ok.to_json().unwrap()["library_template_body_inputs"],
        json!({"add_security_recommendation": true, "code_expiration_minutes": 5})
    );
    assert!(NewLibraryTemplate::new("Bad Name", "en_US", TemplateCategory::Utility, "x").is_err());
}
