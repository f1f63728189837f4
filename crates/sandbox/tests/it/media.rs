//! Meta's media endpoints on the sandbox, driven by `wacloud-graph`'s own media calls, and the
//! refusals a client that skips the local checks gets, in Meta's shapes.

use serde_json::Value;
use wacloud_graph::messages::MediaRef;
use wacloud_graph::{GraphError, MediaUpload};

use crate::common::{TestSandbox, PHONE_NUMBER_ID, TOKEN};

/// A stand-in PNG: the sandbox, like Meta's upload, checks the declared type, not the pixels.
fn png(len: usize) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.resize(len, 7);
    b
}

fn api_error(e: GraphError) -> wacloud_graph::ApiError {
    match e {
        GraphError::Api(a) => *Box::new(a),
        other => panic!("expected Meta's error object, got {other:?}"),
    }
}

#[tokio::test]
async fn upload_info_download_send_and_delete_like_meta() {
    let sb = TestSandbox::start();
    let client = sb.client();
    let bytes = png(40_000);
    let upload = MediaUpload::new(bytes.clone(), "image/png", "photo.png").unwrap();
    let uploaded = client.upload_media(&upload).await.expect("upload");
    assert_eq!(
        uploaded.id.len(),
        16,
        "a Meta-like numeric id: {}",
        uploaded.id
    );

    let info = client.media_info(&uploaded.id).await.expect("info");
    assert_eq!(info.messaging_product.as_deref(), Some("whatsapp"));
    assert_eq!(info.mime_type.as_deref(), Some("image/png"));
    assert_eq!(info.file_size, Some(40_000));
    assert_eq!(info.id.as_deref(), Some(uploaded.id.as_str()));
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes));
    assert_eq!(info.sha256.as_deref(), Some(sha.as_str()));
    assert!(
        info.url.starts_with(&sb.origin),
        "same origin: {}",
        info.url
    );

    // The client checks the SHA-256 too, so equal bytes means an intact download.
    let got = client.download_media(&uploaded.id).await.expect("download");
    assert_eq!(got.mime_type(), Some("image/png"));
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), bytes.as_slice());

    let sent = client
        .send_image("15550000001", &uploaded, Some("the photo"))
        .await
        .expect("a send naming a kept upload is accepted");
    assert!(sent.wamid().is_some());

    client.delete_media(&uploaded.id).await.expect("delete");
    let gone = api_error(client.media_info(&uploaded.id).await.unwrap_err());
    assert_eq!((gone.http_status, gone.code), (400, 100));
    assert!(client.delete_media(&uploaded.id).await.is_err());
    let refused = api_error(
        client
            .send_image("15550000001", MediaRef::Id(uploaded.id.clone()), None)
            .await
            .unwrap_err(),
    );
    assert_eq!(refused.code, 100);
    assert!(
        refused
            .details
            .as_deref()
            .unwrap_or("")
            .contains("image['id']"),
        "{refused:?}"
    );
    let codes: Vec<Option<i64>> = sb.sandbox.received().iter().map(|r| r.error_code).collect();
    assert_eq!(
        codes,
        [None, Some(100)],
        "the accepted send, then the refused one"
    );
}

/// Posts a multipart upload as a client without local checks would.
async fn raw_upload(sb: &TestSandbox, token: &str, mime: &str, bytes: Vec<u8>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", mime.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("f.bin"),
        );
    let resp = reqwest::Client::new()
        .post(sb.graph_url(&format!("{PHONE_NUMBER_ID}/media")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON"))
}

#[tokio::test]
async fn uploads_are_refused_in_metas_shapes() {
    let sb = TestSandbox::start();
    let (status, body) = raw_upload(&sb, TOKEN, "image/gif", png(100)).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (400, Some(100)));
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("Param file must be a file with one of the following types"));
    assert!(msg.contains("Received file of type 'image/gif'"), "{msg}");

    let five_mb = 5 * 1024 * 1024;
    let (status, body) = raw_upload(&sb, TOKEN, "image/jpeg", png(five_mb + 1)).await;
    assert_eq!(
        (status, body["error"]["code"].as_i64()),
        (400, Some(131_053))
    );
    let details = body["error"]["error_data"]["details"].as_str().unwrap();
    assert!(
        details.contains(&format!("limit for image/jpeg is {five_mb} bytes")),
        "{details}"
    );
    // The same size is within a document's limit.
    let (status, body) = raw_upload(&sb, TOKEN, "application/pdf", png(five_mb + 1)).await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = raw_upload(&sb, "wrong-token", "image/png", png(10)).await;
    assert_eq!((status, body["error"]["code"].as_i64()), (401, Some(190)));
}

#[tokio::test]
async fn downloads_need_the_token_and_expire() {
    let sb = TestSandbox::start();
    let client = sb.client();
    let upload = MediaUpload::new(png(64), "image/png", "a.png").unwrap();
    let id = client.upload_media(&upload).await.unwrap().id;
    let url = client.media_info(&id).await.unwrap().url;

    let anonymous = reqwest::get(&url).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let with_token = reqwest::Client::new()
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status().as_u16(), 200);
    assert_eq!(with_token.bytes().await.unwrap().len(), 64);

    let (base, _) = url.split_once("&ext=").unwrap();
    let expired = format!("{base}&ext={}", chrono::Utc::now().timestamp() - 1);
    let err = client.download_media_url(&expired, None).await.unwrap_err();
    assert_eq!(api_error(err).http_status, 404);

    let other_number = format!("{}?phone_number_id=1", sb.graph_url(&id));
    let resp = reqwest::Client::new()
        .get(other_number)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400, "media of another number");
}

#[tokio::test]
async fn the_oldest_upload_is_forgotten_past_the_cap() {
    let sb = TestSandbox::start_with(|c| c.media_max_count = 2);
    let client = sb.client();
    let mut ids = Vec::new();
    for n in 0..3 {
        let upload = MediaUpload::new(png(32 + n), "image/png", "a.png").unwrap();
        ids.push(client.upload_media(&upload).await.unwrap().id);
    }
    assert_eq!(
        api_error(client.media_info(&ids[0]).await.unwrap_err()).code,
        100
    );
    assert!(client.media_info(&ids[1]).await.is_ok());
    assert!(client.media_info(&ids[2]).await.is_ok());
    let counts = sb.sandbox.counts();
    assert_eq!((counts.media_kept, counts.media_bytes), (2, 33 + 34));
}

#[tokio::test]
async fn media_sends_by_link_pass_and_without_media_are_refused() {
    let sb = TestSandbox::start();
    let client = sb.client();
    let link = MediaRef::Link("https://example.com/a.png".into());
    assert!(client.send_image("15550000001", link, None).await.is_ok());
    let resp = reqwest::Client::new()
        .post(sb.graph_url(&format!("{PHONE_NUMBER_ID}/messages")))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({
            "messaging_product": "whatsapp", "to": "15550000001", "type": "document", "document": {}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("document['id']"));
}
