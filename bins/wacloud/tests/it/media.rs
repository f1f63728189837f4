//! Media: `POST /media` checks a file against Meta's limits before anything reaches Meta,
//! streams it to the sandbox and answers a media id `/send` takes; `GET /messages/{id}/media`
//! gives a message's file from Meta once and from the bounded cache after, 410 once Meta has
//! it no more.

use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::app::TestApp;

const CUSTOMER: &str = "15550007001";

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

/// Bytes that differ from test to test and file to file.
fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

impl TestApp {
    /// `POST /api/whatsapp/media` with one `file` part, plus `headers`.
    async fn upload_with(
        &self,
        data: Vec<u8>,
        mime: &str,
        name: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(data)
            .file_name(name.to_owned())
            .mime_str(mime)
            .expect("mime");
        let form = reqwest::multipart::Form::new().part("file", part);
        let mut req = self
            .http
            .post(self.url("/api/whatsapp/media"))
            .multipart(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.expect("POST /media");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn upload(&self, data: Vec<u8>, mime: &str, name: &str) -> (u16, Value) {
        self.upload_with(data, mime, name, &[]).await
    }

    /// `GET /api/whatsapp/messages/{id}/media`: status, headers, body.
    async fn media_of(&self, id: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let r = self
            .http
            .get(self.url(&format!("/api/whatsapp/messages/{id}/media")))
            .send()
            .await
            .expect("GET media");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.bytes().await.expect("body").to_vec())
    }

    async fn sandbox_count(&self, what: &str) -> u64 {
        self.counts().await[what].as_u64().expect(what)
    }

    /// A customer sends `data` as an image (or a sample image when `None`); the stored message's
    /// wacloud id and the media id.
    async fn customer_sends_image(&self, phone: &str, data: Option<&[u8]>) -> (String, String) {
        let mut media = json!({"type": "image", "mime_type": "image/png"});
        if let Some(d) = data {
            media["data"] = json!(base64::engine::general_purpose::STANDARD.encode(d));
        }
        let (s, v) = self
            .post_json(
                &format!("/sandbox/customers/%2B{phone}/messages"),
                &json!({"text": "see this", "name": "Ana", "media": media}),
            )
            .await;
        assert_eq!(s, 202, "{v}");
        let wamid = v["message_id"].as_str().unwrap().to_owned();
        let media_id = v["media_id"].as_str().unwrap().to_owned();
        let id = self
            .wait_for(10, "the customer's image", || async {
                self.conversation(phone)
                    .await
                    .iter()
                    .find(|m| m["message_id"] == wamid.as_str())
                    .and_then(|m| m["id"].as_str().map(str::to_owned))
            })
            .await;
        (id, media_id)
    }
}

/// A static WebP's first bytes (`VP8 `, no animation flag).
fn static_webp(len: usize) -> Vec<u8> {
    let mut b = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0".to_vec();
    b.resize(len, 1);
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_uploads_to_meta_and_sends_by_its_id() {
    let app = TestApp::spawn().await;
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/%2B{CUSTOMER}/messages"),
            &json!({"text": "hello", "name": "Ana"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    app.wait_for(10, "the customer", || async {
        (!app.conversation(CUSTOMER).await.is_empty()).then_some(())
    })
    .await;
    let files = [
        ("image", "image/png", "photo.png", bytes(3000, 1)),
        ("video", "video/mp4", "clip.mp4", bytes(5000, 2)),
        ("audio", "audio/ogg; codecs=opus", "note.ogg", bytes(700, 3)),
        ("document", "application/pdf", "quote.pdf", bytes(9000, 4)),
        ("sticker", "image/webp", "smile.webp", static_webp(2000)),
    ];
    for (i, (kind, mime, name, data)) in files.iter().enumerate() {
        let (s, up) = app.upload(data.clone(), mime, name).await;
        assert_eq!(s, 201, "{kind}: {up}");
        assert_eq!(up["size"], data.len(), "{up}");
        assert_eq!(up["sha256"], sha256_hex(data), "{up}");
        assert_eq!(up["mime_type"], mime.split(';').next().unwrap(), "{up}");
        assert_eq!(app.sandbox_count("media_uploads").await, i as u64 + 1);
        let media_id = up["media_id"].as_str().unwrap();
        let (s, sent) = app
            .send(&json!({"phone_number": format!("+{CUSTOMER}"), "type": kind, "media": {"id": media_id}}))
            .await;
        assert_eq!(s, 200, "{kind}: {sent}");
        // The sent message's file is the upload, served from the cache without Meta, under
        // the type and name the upload recorded.
        let id = sent["message"]["id"].as_str().unwrap();
        let (s, headers, body) = app.media_of(id).await;
        assert_eq!(s, 200, "{kind}");
        assert_eq!(&body, data, "{kind}");
        assert_eq!(
            headers["content-type"],
            mime.split(';').next().unwrap().trim()
        );
        let cd = headers["content-disposition"].to_str().unwrap();
        assert!(cd.starts_with("attachment") && cd.contains(name), "{cd}");
    }
    assert_eq!(app.sandbox_count("media_downloads").await, 0);
    let (_, sent) = app.get("/sandbox/sent").await;
    let ids: Vec<&Value> = sent["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let t = r["body"]["type"].as_str()?;
            r["body"][t].get("id")
        })
        .collect();
    assert_eq!(
        ids.len(),
        5,
        "Meta got every send by the uploaded id: {sent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_types_and_oversized_files_are_refused_before_meta() {
    let app = TestApp::spawn().await;
    let (s, v) = app.upload(bytes(100, 0), "image/gif", "a.gif").await;
    assert_eq!(s, 415, "{v}");
    assert_eq!(v["error"]["code"], "unsupported_media_type", "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("image/jpeg") && msg.contains("application/pdf"),
        "{msg}"
    );
    let (s, v) = app
        .upload(bytes(5 * 1024 * 1024 + 1, 0), "image/png", "big.png")
        .await;
    assert_eq!(s, 413, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("5242880"),
        "the limit is named: {v}"
    );
    let (s, v) = app
        .upload(static_webp(150 * 1024), "image/webp", "s.webp")
        .await;
    assert_eq!(s, 413, "a static sticker is held to 100 KB: {v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("102400"),
        "{v}"
    );
    let (s, v) = app.upload(Vec::new(), "application/pdf", "e.pdf").await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "empty_file");
    let (s, v) = app
        .upload(bytes(10, 0), "application/octet-stream", "run.exe")
        .await;
    assert_eq!(s, 415, "{v}");
    // A multipart form is a "simple" request another site's page may send: the browser's
    // Origin or Sec-Fetch-Site gives it away.
    for h in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let (s, v) = app
            .upload_with(bytes(10, 0), "image/png", "x.png", &[h])
            .await;
        assert_eq!(s, 403, "{h:?}: {v}");
        assert_eq!(v["error"]["code"], "cross_site_request");
    }
    let (s, v) = app
        .upload_with(
            bytes(10, 0),
            "image/png",
            "x.png",
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(s, 201, "the dashboard's own page may upload: {v}");
    assert_eq!(
        app.sandbox_count("media_uploads").await,
        1,
        "only the accepted upload reached Meta"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_file_is_refused_as_soon_as_its_limit_is_passed() {
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let declared: u64 = 1 << 30;
    let head = format!(
        "POST /api/whatsapp/media HTTP/1.1\r\nhost: {addr}\r\ncontent-type: multipart/form-data; boundary=XyZ\r\ncontent-length: {declared}\r\n\r\n--XyZ\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.png\"\r\ncontent-type: image/png\r\n\r\n"
    );
    let written = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = std::sync::Arc::clone(&written);
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![7u8; 64 * 1024];
        while counter.load(std::sync::atomic::Ordering::Relaxed) < declared {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
            counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(20), async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = rd.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("the server answered while the body was still coming");
    let at_answer = written.load(std::sync::atomic::Ordering::Relaxed);
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    // What the client had written when the answer came: the 5 MB the limit took, plus what
    // the two kernels' socket buffers hold.
    assert!(
        at_answer < 5 * 1024 * 1024 + 16 * 1024 * 1024,
        "answered only after {at_answer} bytes"
    );
    // The server then closes the connection (actix discards what still arrives until its
    // client disconnect timeout) rather than reading the declared gigabyte.
    tokio::time::timeout(Duration::from_secs(20), writer)
        .await
        .expect("the server closed the connection")
        .unwrap();
    assert!(written.load(std::sync::atomic::Ordering::Relaxed) < declared);
    assert_eq!(app.sandbox_count("media_uploads").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_file_name_stays_inert_in_the_download() {
    let app = TestApp::spawn().await;
    app.post_json(
        &format!("/sandbox/customers/%2B{CUSTOMER}/messages"),
        &json!({"text": "hi", "name": "Ana"}),
    )
    .await;
    app.wait_for(10, "the customer", || async {
        (!app.conversation(CUSTOMER).await.is_empty()).then_some(())
    })
    .await;
    // Sent as it is (`filename="…"`, no RFC 5987 encoding), as a hostile client would.
    let hostile = "../../<script>alert(1)</script>\\\"; x=\\\"y.pdf";
    let data = bytes(400, 9);
    let part = reqwest::multipart::Part::bytes(data.clone())
        .file_name(hostile)
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .percent_encode_noop()
        .part("file", part);
    let r = app
        .http
        .post(app.url("/api/whatsapp/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let up: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(s, 201, "{up}");
    let (s, sent) = app
        .send(
            &json!({"phone_number": format!("+{CUSTOMER}"), "type": "document",
                     "media": {"id": up["media_id"]}, "filename": "a\"b;\u{7}<i>c.pdf"}),
        )
        .await;
    assert_eq!(s, 200, "{sent}");
    let (s, headers, body) = app.media_of(sent["message"]["id"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(body, data);
    let cd = headers["content-disposition"].to_str().unwrap();
    assert_eq!(cd, "attachment; filename=\"ab<i>c.pdf\"", "{cd}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // The upload's own name, when the send gave none: no path, quote, backslash or `;` left.
    let (_, sent) = app
        .send(
            &json!({"phone_number": format!("+{CUSTOMER}"), "type": "document",
                     "media": {"id": up["media_id"]}}),
        )
        .await;
    let (_, headers, _) = app.media_of(sent["message"]["id"].as_str().unwrap()).await;
    let cd = headers["content-disposition"].to_str().unwrap();
    let name = cd
        .strip_prefix("attachment; filename=\"")
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or_else(|| panic!("one quoted file name: {cd}"));
    assert!(!name.contains(['"', '\\', ';', '/', '\r', '\n']), "{cd}");
    assert!(name.ends_with("y.pdf"), "{cd}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_image_comes_from_meta_once_then_from_the_cache() {
    let app = TestApp::spawn().await;
    let data = bytes(20_000, 5);
    let (id, media_id) = app.customer_sends_image(CUSTOMER, Some(&data)).await;
    assert_eq!(app.sandbox_count("media_downloads").await, 0);
    // The customer's file is recorded with the message: subject access lists it.
    let (s, held) = app
        .get(&format!("/api/whatsapp/contacts/%2B{CUSTOMER}/data"))
        .await;
    assert_eq!(s, 200, "{held}");
    assert!(
        held["media"]
            .as_array()
            .is_some_and(|m| m.iter().any(|x| x["media_id"] == media_id.as_str())),
        "{held}"
    );
    let (s, headers, body) = app.media_of(&id).await;
    assert_eq!(s, 200);
    assert_eq!(body, data, "the bytes the sandbox holds");
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(app.sandbox_count("media_downloads").await, 1);
    let (s, _, again) = app.media_of(&id).await;
    assert_eq!(s, 200);
    assert_eq!(again, data);
    assert_eq!(
        app.sandbox_count("media_downloads").await,
        1,
        "the second download came from the cache"
    );
    // Without media: 404.
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/%2B{CUSTOMER}/messages"),
            &json!({"text": "just text"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let text_id = app
        .wait_for(10, "the text", || async {
            app.conversation(CUSTOMER)
                .await
                .iter()
                .find(|m| m["message_text"] == "just text")
                .and_then(|m| m["id"].as_str().map(str::to_owned))
        })
        .await;
    let (s, _, body) = app.media_of(&text_id).await;
    assert_eq!(s, 404);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "no_media");
    let (s, _, _) = app.media_of("no-such-message").await;
    assert_eq!(s, 404);
    // Erasing the customer removes the cached file with the messages.
    let cached = |dir: &std::path::Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .count()
    };
    assert_eq!(cached(&app.media_dir), 1);
    let r = app
        .http
        .delete(app.url(&format!("/api/whatsapp/contacts/%2B{CUSTOMER}?erase=true")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        cached(&app.media_dir),
        0,
        "the erased customer's file is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_meta_no_longer_has_answers_410() {
    let app = TestApp::spawn().await;
    let (id, media_id) = app.customer_sends_image(CUSTOMER, None).await;
    let r = app
        .http
        .delete(app.url(&format!("/sandbox/media/{media_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (s, _, body) = app.media_of(&id).await;
    assert_eq!(s, 410);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "media_expired", "{v}");

    // A message older than Meta's 7 days, nothing cached: 410 without asking Meta, even for an
    // id Meta would still answer.
    let (_, live_media) = app.customer_sends_image("15550007002", None).await;
    let old = chrono::Utc::now().timestamp() - 8 * 24 * 3600;
    let wamid = "wamid.HBgLMTU1NTAwMDcwMDMVAgASGBQzQUIxMjM0NTY3ODkwQUJDREVGAA==";
    let delivery = json!({"object": "whatsapp_business_account", "entry": [{"id": "100000000000002", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": app.phone_number_id},
        "contacts": [{"profile": {"name": "Old"}, "wa_id": "15550007003"}],
        "messages": [{"from": "15550007003", "id": wamid, "timestamp": old.to_string(), "type": "image",
                      "image": {"id": live_media, "mime_type": "image/png", "sha256": "x"}}]
    }}]}]});
    let (s, v) = app.deliver(&delivery).await;
    assert_eq!(s, 200, "{v}");
    let old_id = app
        .wait_for(10, "the old message", || async {
            app.conversation("15550007003")
                .await
                .first()
                .and_then(|m| m["id"].as_str().map(str::to_owned))
        })
        .await;
    let before = app.sandbox_count("media_downloads").await;
    let (s, _, _) = app.media_of(&old_id).await;
    assert_eq!(s, 410);
    assert_eq!(app.sandbox_count("media_downloads").await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_stays_within_its_size_limit() {
    let app = TestApp::builder()
        .with(|s| s.media.cache_bytes = 25_000)
        .spawn()
        .await;
    let mut ids = Vec::new();
    for i in 0..3u8 {
        let phone = format!("1555000710{i}");
        let data = bytes(10_000, i);
        let (id, _) = app.customer_sends_image(&phone, Some(&data)).await;
        let (s, _, body) = app.media_of(&id).await;
        assert_eq!((s, body.len()), (200, 10_000));
        ids.push(id);
        // Distinct modification times: the cache orders by last use.
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let kept: u64 = std::fs::read_dir(&app.media_dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.metadata().ok().filter(|m| m.is_file()).map(|m| m.len()))
        .sum();
    assert_eq!(kept, 20_000, "two of the three files fit in 25,000 bytes");
    assert_eq!(app.sandbox_count("media_downloads").await, 3);
    let (s, _, _) = app.media_of(&ids[2]).await;
    assert_eq!(s, 200);
    assert_eq!(
        app.sandbox_count("media_downloads").await,
        3,
        "the newest stayed"
    );
    let (s, _, _) = app.media_of(&ids[0]).await;
    assert_eq!(s, 200);
    assert_eq!(
        app.sandbox_count("media_downloads").await,
        4,
        "the oldest was evicted and fetched again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_past_its_age_leaves_with_its_message_text() {
    use wacloud_core::privacy::Retention;
    use wacloud_core::usecases::privacy::{prune, Pause, PruneMark, Pruned, PRUNE_BATCH};

    let app = TestApp::spawn().await;
    let (id, media_id) = app.customer_sends_image(CUSTOMER, None).await;
    let (s, _, _) = app.media_of(&id).await;
    assert_eq!(s, 200);
    let policy = Retention {
        webhook_days: None,
        message_text_days: Some(1),
    };
    let mut mark = PruneMark::default();
    let mut quiet = |_: Pruned| -> Pause { Box::pin(std::future::ready(())) };
    let pruned = prune(
        &app.store,
        policy,
        chrono::Utc::now() + chrono::Duration::days(2),
        PRUNE_BATCH,
        &mut mark,
        &mut quiet,
    )
    .await
    .unwrap();
    assert!(pruned.message_texts >= 1, "{pruned:?}");
    // The pruner hands the file's media id to the worker, which removes the cached file.
    assert!(mark.media_ids.contains(&media_id), "{:?}", mark.media_ids);
    // Its record is gone from subject access, and the message no longer has media.
    let (s, held) = app
        .get(&format!("/api/whatsapp/contacts/%2B{CUSTOMER}/data"))
        .await;
    assert_eq!(s, 200, "{held}");
    assert_eq!(held["media"], json!([]), "{held}");
    let (s, _, body) = app.media_of(&id).await;
    assert_eq!(s, 404, "{}", String::from_utf8_lossy(&body));
}
