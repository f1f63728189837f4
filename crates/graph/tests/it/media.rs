//! Media endpoints against a local mock of the Graph API (wiremock): upload (multipart,
//! limits checked first), URL retrieval, streaming download (token only to trusted
//! hosts, User-Agent, expired URL re-fetched, SHA-256), delete.

use crate::common;

use futures::StreamExt;
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;
use wacloud_graph::media::{is_animated_webp, media_type_for_mime, MediaUpload};
use wacloud_graph::messages::MediaType;
use wacloud_graph::{GraphClient, GraphError};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-EAAG-never-logged";
const PHONE_ID: &str = "106540352242922";

fn client(server: &MockServer) -> GraphClient {
    GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, b).as_ref())
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

#[test]
fn mime_types_and_limits_follow_meta() {
    // Parameters are understood, not compared as strings.
    let (k, m) = media_type_for_mime("audio/ogg; codecs=opus").unwrap();
    assert_eq!((k, m.essence_str()), (MediaType::Audio, "audio/ogg"));
    assert_eq!(m.get_param("codecs").unwrap(), "opus");
    let e = media_type_for_mime("audio/ogg; codecs=vorbis").unwrap_err();
    assert!(e.to_string().contains("Opus"), "{e}");
    assert_eq!(
        media_type_for_mime("video/3gp").unwrap().0,
        MediaType::Video
    );
    assert_eq!(
        media_type_for_mime("VIDEO/3GPP").unwrap().0,
        MediaType::Video
    );
    assert_eq!(
        media_type_for_mime("image/webp").unwrap().0,
        MediaType::Sticker
    );
    assert!(media_type_for_mime("image/gif")
        .unwrap_err()
        .to_string()
        .contains("image/jpeg"));
    assert!(media_type_for_mime("not a mime").is_err());

    let over = |n: usize, mime: &str| {
        MediaUpload::new(vec![0u8; n], mime, "f")
            .unwrap_err()
            .to_string()
    };
    assert!(MediaUpload::new(vec![0u8; 5 * 1024 * 1024], "image/jpeg", "a.jpg").is_ok());
    assert_eq!(
        over(5 * 1024 * 1024 + 1, "image/png"),
        "the image is 5242881 bytes; Meta's limit is 5242880 bytes"
    );
    assert!(over(16 * 1024 * 1024 + 1, "video/mp4").contains("16777216"));
    assert!(over(16 * 1024 * 1024 + 1, "audio/mpeg").contains("audio"));
    assert!(MediaUpload::new(vec![0u8; 16 * 1024 * 1024], "video/3gpp", "v.3gp").is_ok());
    assert!(over(100 * 1024 * 1024 + 1, "application/pdf").contains("document"));
    // Stickers: 100 KB static, 500 KB animated (animation read from the WebP header).
    let mut animated = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x02\0\0\0".to_vec();
    assert!(is_animated_webp(&animated));
    animated.resize(400 * 1024, 0);
    let a = MediaUpload::new(animated.clone(), "image/webp", "a.webp").unwrap();
    assert!(a.is_animated());
    animated.resize(500 * 1024 + 1, 0);
    assert!(MediaUpload::new(animated, "image/webp", "a.webp")
        .unwrap_err()
        .to_string()
        .contains("animated sticker"));
    let mut flat = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0".to_vec();
    flat.resize(100 * 1024 + 1, 0);
    assert!(over_static(flat).contains("static sticker is 102401 bytes; Meta's limit is 102400"));
    assert!(MediaUpload::new(Vec::<u8>::new(), "image/png", "x.png").is_err());
}

fn over_static(b: Vec<u8>) -> String {
    MediaUpload::new(b, "image/webp", "s.webp")
        .unwrap_err()
        .to_string()
}

#[tokio::test]
async fn upload_is_multipart_with_type_and_file() {
    let server = MockServer::start().await;
    let answer = common::fixture_json(
        "openapi/examples/media_upload/post_response_200_upload_image_json.json",
    )
    .unwrap_or_else(|| json!({"id": "4490709327384033"}));
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{PHONE_ID}/media")))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let up = MediaUpload::new(
        b"\xff\xd8\xff\xe0 jpeg bytes".to_vec(),
        "image/jpeg",
        "photo.jpg",
    )
    .unwrap();
    assert_eq!(up.kind(), MediaType::Image);
    let r = c.upload_media(&up).await.unwrap();
    assert_eq!(r.id, "4490709327384033");
    let voice =
        MediaUpload::new(b"OggS voice".to_vec(), "audio/ogg; codecs=opus", "v.ogg").unwrap();
    c.upload_media(&voice).await.unwrap();

    let reqs = server.received_requests().await.unwrap();
    let ct = reqs[0]
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let body = String::from_utf8_lossy(&reqs[0].body);
    assert!(
        body.contains("name=\"messaging_product\"\r\n\r\nwhatsapp"),
        "{body}"
    );
    assert!(body.contains("name=\"type\"\r\n\r\nimage/jpeg"), "{body}");
    assert!(
        body.contains("name=\"file\"; filename=\"photo.jpg\""),
        "{body}"
    );
    assert!(body.contains("Content-Type: image/jpeg"), "{body}");
    assert!(body.contains("jpeg bytes"));
    let body = String::from_utf8_lossy(&reqs[1].body);
    assert!(body.contains("name=\"type\"\r\n\r\naudio/ogg"), "{body}");
    assert!(
        body.contains("Content-Type: audio/ogg; codecs=opus"),
        "{body}"
    );
}

#[tokio::test]
async fn upload_graph_error_is_typed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v25.0/{PHONE_ID}/media")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "(#131053) Media upload error", "type": "OAuthException", "code": 131053,
            "error_data": {"details": "Unsupported file type"}, "fbtrace_id": "Axyz"}})))
        .mount(&server)
        .await;
    let up = MediaUpload::new(b"%PDF-1.4".to_vec(), "application/pdf", "a.pdf").unwrap();
    let e = client(&server).upload_media(&up).await.unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(api.code, 131053);
    assert_eq!(api.details.as_deref(), Some("Unsupported file type"));
    assert!(!e.to_string().contains(TOKEN));
}

#[tokio::test]
async fn media_info_and_delete() {
    let server = MockServer::start().await;
    let info = common::fixture_json("openapi/examples/media_id/get_response_200_retrieve_media_url.json")
        .unwrap_or_else(|| json!({"file_size":"303833","id":"2621233374848975","messaging_product":"whatsapp","mime_type":"image/jpeg","sha256":"<HASH>","url":"<URL>"}));
    Mock::given(method("GET"))
        .and(path("/v25.0/2621233374848975"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(info))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v25.0/2621233374848975"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let i = c.media_info("2621233374848975").await.unwrap();
    assert_eq!(i.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(i.file_size, Some(303833));
    c.delete_media("2621233374848975").await.unwrap();
    // A path-changing id never reaches the server.
    assert!(matches!(
        c.media_info("../106540352242922/messages").await,
        Err(GraphError::Validation(_))
    ));
}

#[tokio::test]
async fn download_by_id_sends_token_to_graph_host_and_checks_sha256() {
    let server = MockServer::start().await;
    let file = b"\x89PNG fake image bytes".repeat(1000);
    let url = format!("{}/whatsapp_business/attachments/?mid=77", server.uri());
    Mock::given(method("GET"))
        .and(path("/v25.0/77"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp", "url": url, "mime_type": "image/png",
            "sha256": sha256_hex(&file), "file_size": file.len(), "id": "77"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/whatsapp_business/attachments/"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(file.clone()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let d = client(&server).download_media("77").await.unwrap();
    assert_eq!(d.mime_type(), Some("image/png"));
    assert_eq!(d.content_length(), Some(file.len() as u64));
    // Read it as a stream.
    let mut got = Vec::new();
    let mut s = d;
    while let Some(chunk) = s.next().await {
        got.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(got, file);
    let reqs = server.received_requests().await.unwrap();
    let dl = reqs
        .iter()
        .find(|r| r.url.path().contains("attachments"))
        .unwrap();
    assert!(dl
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("wacloud-graph/"));
}

#[tokio::test]
async fn sha256_mismatch_is_an_error_at_the_end_of_the_stream() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/media/file"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"truncated".to_vec()))
        .mount(&server)
        .await;
    let c = client(&server);
    let url = format!("{}/media/file", server.uri());
    let e = c
        .download_media_url(&url, Some(&sha256_hex(b"the real file")))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::MediaIntegrity { .. }), "{e}");
    // Base64 SHA-256 (as in webhooks) is accepted too.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD
        .encode(ring::digest::digest(&ring::digest::SHA256, b"truncated").as_ref());
    let ok = c.download_media_url(&url, Some(&b64)).await.unwrap();
    assert_eq!(&ok.bytes().await.unwrap()[..], b"truncated");
    assert!(c
        .download_media_url(&url, Some("not-a-hash"))
        .await
        .is_err());
}

/// Issue 22: a download read piece by piece with `MediaDownload::chunk`, no `futures`
/// needed; a SHA-256 mismatch is the last item, after the bytes.
#[tokio::test]
async fn chunk_reads_a_download_piece_by_piece_and_ends_with_the_sha256_check() {
    let server = MockServer::start().await;
    let file = b"0123456789".repeat(10_000);
    Mock::given(method("GET"))
        .and(path("/media/file"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(file.clone()))
        .mount(&server)
        .await;
    let c = client(&server);
    let url = format!("{}/media/file", server.uri());

    let mut d = c
        .download_media_url(&url, Some(&sha256_hex(&file)))
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(piece) = d.chunk().await {
        got.extend_from_slice(&piece.unwrap());
    }
    assert_eq!(got, file);
    assert!(d.chunk().await.is_none(), "stays at the end");

    let mut d = c
        .download_media_url(&url, Some(&sha256_hex(b"another file")))
        .await
        .unwrap();
    let mut items = Vec::new();
    while let Some(piece) = d.chunk().await {
        items.push(piece);
    }
    let (last, pieces) = items.split_last().unwrap();
    assert!(
        matches!(last, Err(GraphError::MediaIntegrity { .. })),
        "{last:?}"
    );
    let read: usize = pieces.iter().map(|p| p.as_ref().unwrap().len()).sum();
    assert_eq!(read, file.len(), "every byte came before the check");
}

#[tokio::test]
async fn no_token_to_other_hosts() {
    let graph = MockServer::start().await;
    let other = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cdn/file.jpg"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"jpeg".to_vec()))
        .expect(1)
        .mount(&other)
        .await;
    Mock::given(method("GET"))
        .and(path("/v25.0/99"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "url": format!("{}/cdn/file.jpg", other.uri()), "mime_type": "image/jpeg", "id": "99"})))
        .mount(&graph)
        .await;
    let c = client(&graph);
    let bytes = c.download_media("99").await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], b"jpeg");
    let reqs = other.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert!(
        reqs[0].headers.get("authorization").is_none(),
        "the token went to another host"
    );
    assert!(reqs[0].headers.get("user-agent").is_some());
    // What counts as Meta's.
    for ok in [
        "https://lookaside.fbsbx.facebook.com/whatsapp_business/attachments/?mid=1",
        "https://scontent.xx.fbcdn.net/v/t61/1.jpg",
        "https://mmg.whatsapp.net/d/f/1.enc",
        "https://facebook.com/x",
    ] {
        assert!(c.is_trusted_media_url(ok), "{ok}");
    }
    for bad in [
        "http://lookaside.fbsbx.facebook.com/x",
        "https://evilfacebook.com/x",
        "https://facebook.com.evil.example/x",
        "https://whatsapp.net.example/x",
        "https://example.com/x",
        "not a url",
    ] {
        assert!(!c.is_trusted_media_url(bad), "{bad}");
    }
    // Same host, other port: not the configured origin.
    let other_port = other.uri();
    assert!(!c.is_trusted_media_url(&format!("{other_port}/x")));
    assert!(c.is_trusted_media_url(&format!("{}/x", graph.uri())));
}

#[tokio::test]
async fn expired_url_is_fetched_again_once() {
    let server = MockServer::start().await;
    let base = server.uri();
    // The first URL has expired (404); the second works.
    Mock::given(method("GET"))
        .and(path("/v25.0/55"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"url": format!("{base}/old"), "id": "55"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v25.0/55"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"url": format!("{base}/new"), "id": "55"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/old"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>expired</html>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/new"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"fresh".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let b = client(&server)
        .download_media("55")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&b[..], b"fresh");
}

#[tokio::test]
async fn a_url_that_stays_expired_is_an_error_after_one_refetch() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v25.0/56"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"url": format!("{base}/gone")})),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gone"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"message": "expired", "code": 190, "type": "OAuthException"}}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let e = client(&server).download_media("56").await.unwrap_err();
    assert_eq!(e.api().unwrap().http_status, 401);
}

#[tokio::test]
async fn download_timeout_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let c = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let e = c
        .download_media_url(&format!("{}/slow", server.uri()), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            GraphError::Timeout {
                outcome_unknown: false
            }
        ),
        "{e}"
    );
}
