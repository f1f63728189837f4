//! The message QR code operations (`wacloud_graph::qr_codes`) against a mock Graph API,
//! with the spec's request and response examples.

use serde_json::{json, Value};
use wacloud_graph::qr_codes::QrImageFormat;
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, spec_example, PHONE_ID};

const LIST: &str = "/{Version}/{Phone-Number-ID}/message_qrdls";
const ONE: &str = "/{Version}/{Phone-Number-ID}/message_qrdls/{QR-Code-ID}";
const FIELDS: &str = "code,prefilled_message,deep_link_url,creation_time";

#[tokio::test]
async fn list_qr_codes_asks_for_the_image_format() {
    let answer = spec_example("GET", LIST, Some("200"), "with_qr_image").unwrap_or_else(|| {
        json!({"data": [{"code": "FO7JXE4BG3RFG1", "prefilled_message": "Tell me more about your event planning packages",
                         "deep_link_url": "https://wa.me/message/FO7JXE4BG3RFG1",
                         "qr_image_url": "https://scontent-iad3-1.xx.fbcdn.net/qr.svg"}]})
    });
    let (server, c) = answering(200, answer).await;
    let codes = c.list_qr_codes(Some(QrImageFormat::Svg)).await.unwrap();
    assert_eq!(codes[0].code, "FO7JXE4BG3RFG1");
    assert_eq!(
        codes[0].deep_link_url.as_deref(),
        Some("https://wa.me/message/FO7JXE4BG3RFG1")
    );
    assert!(codes[0]
        .qr_image_url
        .as_deref()
        .unwrap()
        .starts_with("https://"));
    let with_image = format!("{FIELDS},qr_image_url.format(SVG)");
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/message_qrdls"),
        &[("fields", &with_image)],
        None,
    )
    .await;
}

#[tokio::test]
async fn get_qr_code_in_either_documented_shape() {
    let answer = spec_example("GET", ONE, Some("200"), "with_creation_time").unwrap_or_else(|| {
        json!({"data": [{"code": "ANED2T5QRU7HG1", "prefilled_message": "Show me Cyber Monday deals!",
                         "deep_link_url": "https://wa.me/message/ANED2T5QRU7HG1", "creation_time": 1672531200}]})
    });
    let (server, c) = answering(200, answer).await;
    let q = c.get_qr_code("ANED2T5QRU7HG1", None).await.unwrap();
    assert_eq!(
        q.prefilled_message.as_deref(),
        Some("Show me Cyber Monday deals!")
    );
    assert_eq!(q.creation_time, Some(1672531200));
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/message_qrdls/ANED2T5QRU7HG1"),
        &[("fields", FIELDS)],
        None,
    )
    .await;

    let (_server, c) = answering(
        200,
        json!({"code": "ANED2T5QRU7HG1", "prefilled_message": "bare"}),
    )
    .await;
    assert_eq!(
        c.get_qr_code("ANED2T5QRU7HG1", Some(QrImageFormat::Png))
            .await
            .unwrap()
            .prefilled_message
            .as_deref(),
        Some("bare")
    );

    let (_server, c) = answering(200, json!({"data": []})).await;
    assert!(matches!(
        c.get_qr_code("ANED2T5QRU7HG1", None).await,
        Err(GraphError::Decode { .. })
    ));
}

#[tokio::test]
async fn create_and_update_qr_codes() {
    let answer = spec_example("POST", LIST, Some("200"), "created_qr_code_with_image").unwrap_or_else(|| {
        json!({"code": "ANED2T5QRU7HG1", "prefilled_message": "Hi! I'm interested in your products. Can you help me?",
               "deep_link_url": "https://wa.me/message/ANED2T5QRU7HG1", "qr_image_url": "https://scontent.xx.fbcdn.net/qr.svg"})
    });
    let (server, c) = answering(200, answer).await;
    let q = c
        .create_qr_code(
            "Hi! I'm interested in your products. Can you help me?",
            Some(QrImageFormat::Svg),
        )
        .await
        .unwrap();
    assert_eq!(q.code, "ANED2T5QRU7HG1");
    assert!(q.qr_image_url.is_some());
    let want = spec_example("POST", LIST, None, "create_qr_code").unwrap_or_else(|| {
        json!({"prefilled_message": "Hi! I'm interested in your products. Can you help me?", "generate_qr_image": "SVG"})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/message_qrdls"),
        &[],
        Some(want),
    )
    .await;

    let answer = spec_example("POST", LIST, Some("200"), "updated_qr_code").unwrap_or_else(|| {
        json!({"code": "WOMVT6TJ2BP7A1", "prefilled_message": "Hello! I'd like to know more about your latest offers.",
               "deep_link_url": "https://wa.me/message/WOMVT6TJ2BP7A1"})
    });
    let (server, c) = answering(200, answer).await;
    let q = c
        .update_qr_code(
            "ANED2T5QRU7HG1",
            "Hello! I'd like to know more about your latest offers.",
        )
        .await
        .unwrap();
    assert_eq!(
        q.deep_link_url.as_deref(),
        Some("https://wa.me/message/WOMVT6TJ2BP7A1")
    );
    let want = spec_example("POST", LIST, None, "update_existing_qr_code").unwrap_or_else(|| {
        json!({"code": "ANED2T5QRU7HG1", "prefilled_message": "Hello! I'd like to know more about your latest offers."})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/message_qrdls"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, json!({})).await;
    for m in [String::new(), "x".repeat(141)] {
        assert!(matches!(
            c.create_qr_code(&m, None).await,
            Err(GraphError::Validation(_))
        ));
    }
    assert!(matches!(
        c.update_qr_code("", "hi").await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn delete_qr_code() {
    let answer: Value = spec_example("DELETE", ONE, Some("200"), "successful_deletion")
        .unwrap_or_else(|| json!({"success": true}));
    let (server, c) = answering(200, answer).await;
    c.delete_qr_code("ANED2T5QRU7HG1").await.unwrap();
    assert_request(
        &server,
        "DELETE",
        &format!("/{PHONE_ID}/message_qrdls/ANED2T5QRU7HG1"),
        &[],
        None,
    )
    .await;
}
