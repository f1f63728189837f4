//! GraphClient against a local mock of the Graph API (wiremock).

use crate::common;

use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::Duration;
use wacloud_graph::messages::{OutboundMessage, Recipient, Template};
use wacloud_graph::{ErrorClass, GraphClient, GraphError};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-EAAG-never-logged";
const PHONE_ID: &str = "106540352242922";
const MESSAGES_PATH: &str = "/v25.0/106540352242922/messages";

fn client(server: &MockServer) -> GraphClient {
    GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn ok_send() -> Value {
    common::fixture_json("openapi/examples/messages/post_response_200_example_response.json").unwrap_or_else(|| {
        json!({"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],
               "messages":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"}]})
    })
}

fn phone(n: &str) -> Recipient {
    Recipient::PhoneNumber(n.into())
}

#[tokio::test]
async fn send_text_posts_the_documented_body_with_bearer_token() {
    let server = MockServer::start().await;
    let expected = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "15550000001",
        "type": "text",
        "text": {"body": "Hello\nsecond line", "preview_url": true},
        "context": {"message_id": "wamid.PREV"},
        "biz_opaque_callback_data": "batch-7"
    });
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_send()))
        .expect(1)
        .mount(&server)
        .await;
    let msg = OutboundMessage::text(phone("+15550000001"), "Hello\nsecond line")
        .unwrap()
        .preview_url(true)
        .reply_to("wamid.PREV")
        .biz_opaque_callback_data("batch-7");
    let r = client(&server).send_message(&msg).await.unwrap();
    assert_eq!(
        r.wamid(),
        Some("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA")
    );
    assert_eq!(r.wa_id(), Some("16505551234"));
    // The newline is a real newline in the JSON, not an escaped backslash-n.
    let received = &server.received_requests().await.unwrap()[0];
    let raw = String::from_utf8(received.body.clone()).unwrap();
    assert!(
        raw.contains(r#"Hello\nsecond line"#) && !raw.contains(r#"\\n"#),
        "{raw}"
    );
    assert!(received
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("wacloud-graph/"));
}

#[tokio::test]
async fn send_template_and_bsuid_recipient() {
    let server = MockServer::start().await;
    let expected = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "recipient": "US.13491208655302741918",
        "type": "template",
        "template": {
            "name": "order_confirmation",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": "Renée"}, {"type": "text", "text": "#1234"}
            ]}]
        }
    });
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": "US.13491208655302741918", "user_id": "US.13491208655302741918"}],
            "messages": [{"id": "wamid.T1", "message_status": "accepted"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let t = Template::new("order_confirmation", "en_US")
        .body_parameters(["Renée", "#1234"])
        .unwrap();
    let msg =
        OutboundMessage::template(Recipient::UserId("US.13491208655302741918".into()), t).unwrap();
    let r = client(&server).send_message(&msg).await.unwrap();
    assert_eq!(r.wamid(), Some("wamid.T1"));
    assert_eq!(r.wa_id(), None);
    assert_eq!(
        r.contacts[0].user_id.as_deref(),
        Some("US.13491208655302741918")
    );
    assert_eq!(r.messages[0].message_status.as_deref(), Some("accepted"));
}

#[tokio::test]
async fn mark_read_and_typing_indicator_shapes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(body_json(
            json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    // The documented request of "Send typing indicator and read receipt".
    let typing = common::fixture_json(
        "openapi/examples/messages/post_request_send_typing_indicator_and_read_receipt.json",
    )
    .map(|mut v| {
        v["message_id"] = json!("wamid.IN2");
        v
    })
    .unwrap_or_else(|| {
        json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN2","typing_indicator":{"type":"text"}})
    });
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(body_json(&typing))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.mark_read("wamid.IN1").await.unwrap();
    c.mark_read_with_typing("wamid.IN2").await.unwrap();
    assert!(matches!(
        c.mark_read("  ").await,
        Err(GraphError::Validation(_))
    ));
}

async fn error_for(status: u16, body: Value, extra_header: Option<(&str, &str)>) -> GraphError {
    let server = MockServer::start().await;
    let mut resp = ResponseTemplate::new(status).set_body_json(body);
    if let Some((k, v)) = extra_header {
        resp = resp.insert_header(k, v);
    }
    Mock::given(method("POST"))
        .respond_with(resp)
        .mount(&server)
        .await;
    let msg = OutboundMessage::text(phone("15550000001"), "hi").unwrap();
    client(&server).send_message(&msg).await.unwrap_err()
}

#[tokio::test]
async fn graph_errors_keep_every_field_and_classify() {
    let Some(expired) =
        common::fixture_json("openapi/examples/phone_number/get_response_401_expired_token.json")
    else {
        return;
    };
    let e = error_for(401, expired, None).await;
    let api = e.api().expect("api error");
    assert_eq!(
        (api.http_status, api.code, api.error_subcode),
        (401, 190, Some(463))
    );
    assert_eq!(api.error_type.as_deref(), Some("OAuthException"));
    assert_eq!(api.fbtrace_id.as_deref(), Some("AXsgnV2Cm3ZMGF3dF_cfYIn"));
    assert_eq!(e.class(), ErrorClass::Authentication);
    assert!(e.class().stops_all_sending());
    assert!(!e.is_outcome_unknown());

    let rate = common::fixture_json(
        "whatsapp-business-java-api/extracted-from-java-tests/send_message_error_130429_rate_limit.json",
    )
    .unwrap();
    let e = error_for(400, rate, None).await;
    let api = e.api().unwrap();
    assert_eq!(api.code, 130429);
    assert!(api
        .details
        .as_deref()
        .unwrap()
        .starts_with("Message failed to send"));
    assert_eq!(e.class(), ErrorClass::RateLimited);
    assert!(e.class().is_retryable());

    let localized =
        common::fixture_json("whatsapp-business-java-api/phone/requestCodeError.json").unwrap();
    let e = error_for(400, localized, None).await;
    let api = e.api().unwrap();
    assert_eq!(api.is_transient, Some(false));
    assert_eq!(
        api.error_user_title.as_deref(),
        Some("Não foi possível enviar o código")
    );
    assert!(api.error_user_msg.is_some());

    let window = json!({"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047,
        "error_data": {"messaging_product": "whatsapp", "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
        "fbtrace_id": "A1"}});
    let e = error_for(400, window, None).await;
    assert_eq!(e.class(), ErrorClass::WindowClosed);
    assert!(e.to_string().contains("131047"), "{e}");
}

#[tokio::test]
async fn status_429_with_retry_after() {
    let body = common::fixture_json("openapi/examples/components_responses/toomanyrequests__ratelimitexceeded.json")
        .unwrap_or_else(|| json!({"error": {"message": "Rate limit exceeded", "type": "OAuthException", "code": 4}}));
    let e = error_for(429, body, Some(("Retry-After", "7"))).await;
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(e.api().unwrap().http_status, 429);
    assert_eq!(e.class(), ErrorClass::RateLimited);
    assert!(!e.is_outcome_unknown(), "a 429 is a refusal before acting");
}

#[tokio::test]
async fn timeout_on_send_is_outcome_unknown_but_not_on_read_receipt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(ok_send())
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let c = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let msg = OutboundMessage::text(phone("15550000001"), "hi").unwrap();
    let e = c.send_message(&msg).await.unwrap_err();
    assert!(
        matches!(
            e,
            GraphError::Timeout {
                outcome_unknown: true
            }
        ),
        "{e:?}"
    );
    assert!(e.is_outcome_unknown());
    assert_eq!(
        e.class(),
        ErrorClass::OutcomeUnknown,
        "code that looks only at the class does not resend it"
    );
    assert!(!e.class().is_retryable() && !e.may_resend());
    let e = c.mark_read("wamid.X").await.unwrap_err();
    assert!(
        matches!(
            e,
            GraphError::Timeout {
                outcome_unknown: false
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_transport_with_known_outcome() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let msg = OutboundMessage::text(phone("15550000001"), "hi").unwrap();
    let e = c.send_message(&msg).await.unwrap_err();
    assert!(matches!(e, GraphError::Transport(_)), "{e:?}");
    assert!(!e.is_outcome_unknown());
    assert!(!e.to_string().contains(TOKEN));
}

#[tokio::test]
async fn non_meta_error_bodies_and_bad_success_bodies_are_decode_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
        .mount(&server)
        .await;
    let msg = OutboundMessage::text(phone("15550000001"), "hi").unwrap();
    let e = client(&server).send_message(&msg).await.unwrap_err();
    assert!(
        matches!(&e, GraphError::Decode { status: 502, .. }),
        "{e:?}"
    );
    assert!(e.is_outcome_unknown());
    assert_eq!(e.class(), ErrorClass::OutcomeUnknown);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"messaging_product": "whatsapp"})),
        )
        .mount(&server)
        .await;
    let e = client(&server).send_message(&msg).await.unwrap_err();
    assert!(
        matches!(&e, GraphError::Decode { status: 200, .. }),
        "{e:?}"
    );
    assert!(e.is_outcome_unknown(), "Meta may have accepted it");
}

#[tokio::test]
async fn invalid_messages_never_reach_meta() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_send()))
        .expect(0)
        .mount(&server)
        .await;
    // Refused when built, as every other kind is; one-call sends refuse it too.
    let e =
        OutboundMessage::template(phone("15550000001"), Template::new("", "en_US")).unwrap_err();
    assert_eq!(e.field, "template.name");
    let e = OutboundMessage::template(
        phone("+1 555-000-0001"),
        Template::new("hello_world", "en_US"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("E.164"), "{e}");
    let e = client(&server)
        .send_template("+1 555-000-0001", "hello_world", "en_US", ["x"])
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e:?}");
}

#[test]
fn debug_and_errors_never_show_the_token() {
    let c = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .build()
        .unwrap();
    let d = format!("{c:?}");
    assert!(!d.contains(TOKEN), "{d}");
    assert!(d.contains("redacted"));
    assert_eq!(c.phone_number_id(), PHONE_ID);
    let b = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID);
    assert!(!format!("{b:?}").contains(TOKEN));
    let c2 = c.clone();
    assert_eq!(c2.base_url(), "https://graph.facebook.com");
    assert_eq!(c2.api_version(), "v25.0");
}

#[test]
fn builder_refuses_bad_configuration() {
    let t = || SecretString::from(TOKEN);
    for (b, what) in [
        (
            GraphClient::builder(SecretString::from(""), PHONE_ID),
            "empty token",
        ),
        (
            GraphClient::builder(SecretString::from("a\nb"), PHONE_ID),
            "token with newline",
        ),
        (GraphClient::builder(t(), ""), "empty phone id"),
        (GraphClient::builder(t(), "12/../x"), "path in phone id"),
        (
            GraphClient::builder(t(), PHONE_ID).base_url("ftp://x"),
            "ftp base",
        ),
        (
            GraphClient::builder(t(), PHONE_ID).base_url("not a url"),
            "not a url",
        ),
        (
            GraphClient::builder(t(), PHONE_ID).api_version("v25.0/../x"),
            "path in version",
        ),
    ] {
        let e = b.build().unwrap_err();
        assert!(matches!(e, GraphError::Config(_)), "{what}: {e:?}");
        assert!(!e.to_string().contains(TOKEN), "{what}");
    }
    let c = GraphClient::builder(t(), PHONE_ID)
        .base_url("http://127.0.0.1:9/")
        .api_version("v23.0")
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:9");
}

/// Issue 22: the token is a `&str`, a `String` or a `SecretString`, and the types of the
/// public API come from the crate itself (no `secrecy` or `reqwest` in the user's build).
#[tokio::test]
async fn the_token_is_any_string_and_the_public_types_are_re_exported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(ok_send()))
        .expect(4)
        .mount(&server)
        .await;
    let msg = OutboundMessage::text(phone("15550000001"), "hi").unwrap();
    let http = wacloud_graph::reqwest::Client::builder().build().unwrap();
    let builders = [
        GraphClient::builder(TOKEN, PHONE_ID),
        GraphClient::builder(TOKEN.to_owned(), PHONE_ID),
        GraphClient::builder(wacloud_graph::SecretString::from(TOKEN), PHONE_ID),
        GraphClient::builder(SecretString::from(TOKEN), PHONE_ID).http_client(http),
    ];
    for b in builders {
        let c = b.base_url(server.uri()).build().unwrap();
        assert!(!format!("{c:?}").contains(TOKEN));
        let sent = c.send_message(&msg).await.unwrap();
        assert!(sent.wamid().is_some());
    }
    assert!(GraphClient::builder("  ", PHONE_ID).build().is_err());
}

/// Issue 22: a transport error keeps its cause ("connection refused", not only "error
/// sending request") and names the request, never the token.
#[tokio::test]
async fn a_transport_error_keeps_its_cause_and_names_the_request() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = GraphClient::builder(TOKEN, PHONE_ID)
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let msg = OutboundMessage::text(phone("15550000001"), "hi").unwrap();
    let e = c.send_message(&msg).await.unwrap_err();
    assert!(matches!(e, GraphError::Transport(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.to_ascii_lowercase().contains("connection refused"),
        "{text}"
    );
    assert!(text.contains(&format!("POST {MESSAGES_PATH}")), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(!text.contains(&port.to_string()), "no host or port: {text}");
}

/// Issue 22: Meta's refusals and other HTTP errors name the method and path, never the
/// token, the host or the query.
#[tokio::test]
async fn api_and_http_errors_name_the_method_and_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "(#131047) Re-engagement message", "type": "OAuthException",
            "code": 131047, "fbtrace_id": "A1"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/media/file.jpg"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {
            "message": "URL signature expired", "type": "OAuthException", "code": 100}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v25.0/106540352242922"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
        .mount(&server)
        .await;
    let c = client(&server);
    let msg = OutboundMessage::text(phone("15550000001"), "hi").unwrap();
    let e = c.send_message(&msg).await.unwrap_err();
    let request = format!("POST {MESSAGES_PATH}");
    assert_eq!(e.api().unwrap().request.as_deref(), Some(request.as_str()));
    assert_eq!(e.class(), ErrorClass::WindowClosed);
    let text = e.to_string();
    assert!(text.contains(&request), "{text}");
    assert!(
        text.contains("131047") && text.contains("HTTP 400"),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");

    // A media URL carries secrets in its query: the error names the path only.
    let url = format!("{}/media/file.jpg?hash=SECRET-HASH&ext=1", server.uri());
    let e = c.download_media_url(&url, None).await.unwrap_err();
    let text = e.to_string();
    assert!(text.contains("GET /media/file.jpg"), "{text}");
    assert!(
        !text.contains("SECRET-HASH") && !text.contains('?'),
        "{text}"
    );
    assert!(!text.contains(&server.uri()), "{text}");

    // An error answer without Meta's error object names the request too.
    let e = c.phone_number_details().await.unwrap_err();
    assert!(matches!(e, GraphError::Decode { status: 502, .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("GET /v25.0/106540352242922"), "{text}");
    assert!(text.contains("Bad gateway"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

/// Issue 22: a bare 404 (no Meta error object, empty body) says the base URL or the API
/// version is probably wrong, with the path that was tried.
#[tokio::test]
async fn a_bare_404_says_the_base_url_or_version_is_probably_wrong() {
    let server = MockServer::start().await; // nothing mounted: every request is a bare 404
    let c = GraphClient::builder(TOKEN, PHONE_ID)
        .base_url(format!("{}/not-graph", server.uri()))
        .api_version("v99.0")
        .build()
        .unwrap();
    let msg = OutboundMessage::text(phone("15550000001"), "hi").unwrap();
    let e = c.send_message(&msg).await.unwrap_err();
    assert!(matches!(e, GraphError::Decode { status: 404, .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("POST /not-graph/v99.0/106540352242922/messages"),
        "{text}"
    );
    assert!(
        text.contains("base URL") && text.contains("API version"),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");

    // Meta's own 404 (an unknown id) keeps Meta's error object and no such hint.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "message": "Unsupported post request.", "type": "GraphMethodException", "code": 100}})))
        .mount(&server)
        .await;
    let e = client(&server).send_message(&msg).await.unwrap_err();
    assert_eq!(e.api().unwrap().code, 100);
    assert!(!e.to_string().contains("base URL"), "{e}");
}
