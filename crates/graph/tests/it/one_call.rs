//! The one-call sends of `GraphClient` (`send_text`, `send_template`, `send_image`,
//! `upload_and_send_image`, `send_image_file`, `reply_text`) against a local mock of the Graph API: each
//! sends exactly the body the builder path sends. Also the conversions into
//! `Recipient` / `MediaRef` and the webhook helpers they rely on.

use crate::common;

use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::Duration;
use wacloud_graph::messages::{MediaMessage, MediaRef, OutboundMessage, Recipient, Template};
use wacloud_graph::webhook::{Message, WebhookPayload};
use wacloud_graph::{GraphClient, GraphError, MediaUpload, MediaUploaded};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PHONE_ID: &str = "106540352242922";
const MESSAGES_PATH: &str = "/v25.0/106540352242922/messages";
const MEDIA_PATH: &str = "/v25.0/106540352242922/media";
const WAMID: &str = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA";

fn client(server: &MockServer) -> GraphClient {
    GraphClient::builder(SecretString::from("test-token"), PHONE_ID)
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn messages_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": "15550000001", "wa_id": "15550000001"}],
            "messages": [{"id": WAMID}]
        })))
        .mount(&server)
        .await;
    server
}

/// The JSON bodies of the requests the server received, in order.
async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == MESSAGES_PATH)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn send_text_sends_what_the_builder_sends() {
    let server = messages_server().await;
    let c = client(&server);
    let built =
        OutboundMessage::text(Recipient::PhoneNumber("15550000001".into()), "Hello").unwrap();
    c.send_message(&built).await.unwrap();
    let r = c.send_text("+15550000001", "Hello").await.unwrap();
    assert_eq!(r.wamid(), Some(WAMID));
    c.send_text(Recipient::PhoneNumber("15550000001".into()), "Hello")
        .await
        .unwrap();
    let b = bodies(&server).await;
    assert_eq!(b.len(), 3);
    assert_eq!(b[0], b[1]);
    assert_eq!(b[0], b[2]);
    assert_eq!(b[0]["to"], "15550000001");

    // A BSUID string goes out as `recipient`.
    c.send_text("US.13491208655302741918", "Hi").await.unwrap();
    let b = bodies(&server).await;
    assert_eq!(b[3]["recipient"], "US.13491208655302741918");
    assert!(b[3].get("to").is_none());
}

#[tokio::test]
async fn send_text_refuses_locally_like_the_builder() {
    let server = messages_server().await;
    let c = client(&server);
    let e = c.send_text("+1 555-0100", "Hello").await.unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e}");
    assert!(e.to_string().contains("E.164"), "{e}");
    let e = c.send_text("15550000001", "").await.unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e}");
    let e = c
        .send_text("15550000001", "x".repeat(4097))
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e}");
    assert!(bodies(&server).await.is_empty());
}

#[tokio::test]
async fn send_template_sends_what_the_builder_sends() {
    let server = messages_server().await;
    let c = client(&server);
    let to = Recipient::PhoneNumber("15550000001".into());
    let built = OutboundMessage::template(
        to.clone(),
        Template::new("order_update", "en_US")
            .body_parameters(vec!["Ana".to_owned(), "#1042".to_owned()])
            .unwrap(),
    )
    .unwrap();
    c.send_message(&built).await.unwrap();
    c.send_template(&to, "order_update", "en_US", ["Ana", "#1042"])
        .await
        .unwrap();
    let order = String::from("#1042");
    c.send_template(
        "15550000001",
        "order_update",
        "en_US",
        vec!["Ana".to_owned(), order],
    )
    .await
    .unwrap();

    // No parameters: no body component at all, as `Template::new` alone sends.
    let hello =
        OutboundMessage::template(to.clone(), Template::new("hello_world", "en_US")).unwrap();
    c.send_message(&hello).await.unwrap();
    c.send_template(&to, "hello_world", "en_US", Vec::<String>::new())
        .await
        .unwrap();

    let b = bodies(&server).await;
    assert_eq!(b.len(), 5);
    assert_eq!(b[0], b[1]);
    assert_eq!(b[0], b[2]);
    assert_eq!(
        b[0]["template"]["components"][0]["parameters"][1]["text"],
        "#1042"
    );
    assert_eq!(b[3], b[4]);
    assert!(b[3]["template"].get("components").is_none(), "{}", b[3]);

    let e = c
        .send_template(&to, "order_update", "en_US", ["two\nlines"])
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e}");
    let e = c
        .send_template(&to, "", "en_US", ["Ana"])
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e}");
    assert_eq!(bodies(&server).await.len(), 5);
}

#[tokio::test]
async fn send_image_sends_what_the_builder_sends() {
    let server = messages_server().await;
    let c = client(&server);
    let to = Recipient::PhoneNumber("15550000001".into());
    let link = MediaRef::Link("https://example.com/cat.jpg".into());
    let built = OutboundMessage::media(
        to.clone(),
        MediaMessage::image(link.clone())
            .unwrap()
            .caption("A cat")
            .unwrap(),
    )
    .unwrap();
    c.send_message(&built).await.unwrap();
    c.send_image(&to, link, Some("A cat")).await.unwrap();

    // By uploaded id, from the upload answer, without caption.
    let uploaded: MediaUploaded =
        serde_json::from_value(json!({"id": "4490709327384033"})).unwrap();
    let built =
        OutboundMessage::image(to.clone(), MediaRef::Id("4490709327384033".into())).unwrap();
    c.send_message(&built).await.unwrap();
    c.send_image(&to, &uploaded, None).await.unwrap();
    c.send_image(&to, uploaded, None).await.unwrap();

    let b = bodies(&server).await;
    assert_eq!(b.len(), 5);
    assert_eq!(b[0], b[1]);
    assert_eq!(
        b[1]["image"],
        json!({"link": "https://example.com/cat.jpg", "caption": "A cat"})
    );
    assert_eq!(b[2], b[3]);
    assert_eq!(b[2], b[4]);
    assert_eq!(b[4]["image"], json!({"id": "4490709327384033"}));

    let e = c
        .send_image(
            &to,
            MediaRef::Link("ftp://example.com/cat.jpg".into()),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e}");
    let long = "c".repeat(1025);
    let e = c
        .send_image(&to, MediaRef::Id("1".into()), Some(&long))
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e}");
    assert_eq!(bodies(&server).await.len(), 5);
}

#[tokio::test]
async fn upload_and_send_image_uploads_then_sends_the_returned_id() {
    let server = messages_server().await;
    Mock::given(method("POST"))
        .and(path(MEDIA_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "4490709327384033"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let r = c
        .upload_and_send_image(
            "15550000001",
            b"\xff\xd8\xff\xe0 jpeg bytes".to_vec(),
            "image/jpeg",
            "photo.jpg",
            Some("Your photo"),
        )
        .await
        .unwrap();
    assert_eq!(r.wamid(), Some(WAMID));

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].url.path(), MEDIA_PATH, "the upload comes first");
    let upload_body = String::from_utf8_lossy(&reqs[0].body);
    assert!(
        upload_body.contains("name=\"type\"\r\n\r\nimage/jpeg"),
        "{upload_body}"
    );
    assert!(upload_body.contains("jpeg bytes"));
    assert_eq!(reqs[1].url.path(), MESSAGES_PATH);
    let sent: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    let built = OutboundMessage::media(
        Recipient::PhoneNumber("15550000001".into()),
        MediaMessage::image(MediaRef::Id("4490709327384033".into()))
            .unwrap()
            .caption("Your photo")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(sent, built.to_json());
}

#[tokio::test]
async fn upload_and_send_image_checks_everything_before_uploading() {
    let server = messages_server().await;
    Mock::given(method("POST"))
        .and(path(MEDIA_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "1"})))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    let jpeg = || b"\xff\xd8\xff\xe0 jpeg bytes".to_vec();
    let long = "c".repeat(1025);
    let cases: Vec<(&str, Vec<u8>, &str, Option<&str>)> = vec![
        ("15550000001", b"%PDF-1.4".to_vec(), "application/pdf", None), // not an image
        ("15550000001", Vec::new(), "image/jpeg", None),                // empty file
        (
            "15550000001",
            vec![0u8; 5 * 1024 * 1024 + 1],
            "image/jpeg",
            None,
        ), // over 5 MB
        ("+1 555-0100", jpeg(), "image/jpeg", None),                    // bad recipient
        ("15550000001", jpeg(), "image/jpeg", Some(&long)),             // caption too long
    ];
    for (to, bytes, mime, caption) in cases {
        let e = c
            .upload_and_send_image(to, bytes, mime, "f.jpg", caption)
            .await
            .unwrap_err();
        assert!(matches!(e, GraphError::Validation(_)), "{e}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The `text` message of pywa's webhook fixtures, or `None` (skip) when absent.
fn inbound_text_message() -> Option<Message> {
    let v = common::fixture_json("pywa/updates/message.json")?;
    let payload: WebhookPayload = serde_json::from_value(v["text"].clone()).unwrap();
    let value = payload.messages_values().next().unwrap().clone();
    Some(value.messages[0].clone())
}

#[tokio::test]
async fn reply_text_quotes_the_inbound_message_and_answers_its_sender() {
    let Some(inbound) = inbound_text_message() else {
        eprintln!("SKIP: reply_text fixture test (Meta fixtures absent)");
        return;
    };
    assert_eq!(inbound.wamid(), "wamid.xyzxyz");
    assert_eq!(
        inbound.sender(),
        Some(Recipient::PhoneNumber("972987654321".into()))
    );

    let server = messages_server().await;
    let c = client(&server);
    let built = OutboundMessage::text(inbound.sender().unwrap(), "Thanks!")
        .unwrap()
        .reply_to(inbound.wamid());
    c.send_message(&built).await.unwrap();
    c.reply_text(&inbound, "Thanks!").await.unwrap();
    let b = bodies(&server).await;
    assert_eq!(b[0], b[1]);
    assert_eq!(
        b[1],
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "972987654321",
            "context": {"message_id": "wamid.xyzxyz"},
            "type": "text",
            "text": {"body": "Thanks!"}
        })
    );
}

#[tokio::test]
async fn reply_text_to_a_bsuid_only_user_uses_recipient() {
    let Some(v) = common::fixture_json(
        "whatsapp-api-js/payloads-test-v25/incoming_message__with_username__doesn_t_have_parent_bsuid.json",
    ) else {
        eprintln!("SKIP: BSUID reply fixture test (Meta fixtures absent)");
        return;
    };
    let payload: WebhookPayload = serde_json::from_value(v).unwrap();
    let value = payload.messages_values().next().unwrap();
    let inbound = &value.messages[0];
    assert!(inbound.from.is_none());
    let bsuid = Recipient::UserId("US.13491208655302741918".into());
    assert_eq!(inbound.sender(), Some(bsuid.clone()));
    assert_eq!(value.contacts[0].recipient(), Some(bsuid.clone()));
    assert_eq!(Recipient::try_from(inbound).unwrap(), bsuid);

    let server = messages_server().await;
    let c = client(&server);
    c.reply_text(inbound, "Hello").await.unwrap();
    let b = bodies(&server).await;
    assert_eq!(b[0]["recipient"], "US.13491208655302741918");
    assert!(b[0].get("to").is_none());
    assert_eq!(b[0]["context"]["message_id"], "ABGGFlA5Fpa");
}

#[tokio::test]
async fn reply_text_to_a_message_without_sender_is_refused_locally() {
    let inbound = Message::from_value(json!({
        "id": "wamid.NOSENDER", "timestamp": "1669233778", "type": "text",
        "text": {"body": "hi"}
    }))
    .unwrap();
    assert_eq!(inbound.sender(), None);
    assert!(Recipient::try_from(&inbound).is_err());
    let server = messages_server().await;
    let e = client(&server)
        .reply_text(&inbound, "Hello")
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Validation(_)), "{e}");
    assert!(e.to_string().contains("wamid.NOSENDER"), "{e}");
    assert!(bodies(&server).await.is_empty());
}

#[test]
fn conversions() {
    assert_eq!(
        Recipient::from("+15550000001"),
        Recipient::PhoneNumber("+15550000001".into())
    );
    assert_eq!(
        Recipient::from(String::from("US.13491208655302741918")),
        Recipient::UserId("US.13491208655302741918".into())
    );
    assert_eq!(
        Recipient::from(&String::from("US.ENT.11815799212886844830")),
        Recipient::UserId("US.ENT.11815799212886844830".into())
    );
    // Not digits and no letter: a phone number, refused when a message is built.
    let r = Recipient::from("+1 555-0100");
    assert!(matches!(r, Recipient::PhoneNumber(_)));
    assert!(r.validate().is_err());

    let uploaded: MediaUploaded = serde_json::from_value(json!({"id": "123"})).unwrap();
    assert_eq!(MediaRef::from(&uploaded), MediaRef::Id("123".into()));
    assert_eq!(MediaRef::from(uploaded), MediaRef::Id("123".into()));
    // The upload type itself is unchanged; only its answer converts.
    let _ = MediaUpload::new(b"\xff\xd8".to_vec(), "image/jpeg", "a.jpg").unwrap();
}

#[tokio::test]
async fn send_image_file_reads_guesses_the_type_uploads_and_sends() {
    let server = messages_server().await;
    Mock::given(method("POST"))
        .and(path(MEDIA_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "4490709327384033"})))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Receipt.PNG");
    std::fs::write(&file, b"\x89PNG\r\n\x1a\n png bytes").unwrap();
    let c = client(&server);
    let r = c
        .send_image_file("15550000001", &file, Some("Your receipt"))
        .await
        .unwrap();
    assert_eq!(r.wamid(), Some(WAMID));

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    let upload_body = String::from_utf8_lossy(&reqs[0].body);
    assert!(
        upload_body.contains("name=\"type\"\r\n\r\nimage/png"),
        "{upload_body}"
    );
    assert!(
        upload_body.contains("filename=\"Receipt.PNG\""),
        "{upload_body}"
    );
    assert!(upload_body.contains("png bytes"));
    let sent: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(sent["image"]["id"], "4490709327384033");
    assert_eq!(sent["image"]["caption"], "Your receipt");
}

#[tokio::test]
async fn send_image_file_refuses_before_any_request() {
    let server = MockServer::start().await;
    let c = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("a.gif");
    std::fs::write(&gif, b"GIF89a").unwrap();
    let big = dir.path().join("big.jpg");
    // Sparse: the size is refused from the metadata, without reading 5 MB.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(5 * 1024 * 1024 + 1)
        .unwrap();
    let missing = dir.path().join("missing.jpeg");
    let cases = [
        (gif.as_path(), "image/gif by its extension"),
        (big.as_path(), "Meta's limit for an image is 5242880 bytes"),
        (missing.as_path(), "cannot read"),
    ];
    for (file, expected) in cases {
        match c.send_image_file("15550000001", file, None).await {
            Err(GraphError::Validation(v)) => {
                assert!(v.to_string().contains(expected), "{file:?}: {v}");
            }
            other => panic!("{file:?}: expected a local refusal, got {other:?}"),
        }
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
