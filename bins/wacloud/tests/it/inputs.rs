//! What a hostile or careless client sends: compressed bodies (inflated before any limit),
//! a name that DNS rebinding points at an open server, Meta's text cut inside an emoji,
//! `HEAD` probes, and JSON arrays where an object is meant. (Group messages nobody can mark read: `ingest_effects.rs`.)

use serde_json::{json, Value};

use crate::app::{TestApp, PHONE_NUMBER_ID};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_bodies_are_refused_before_they_are_read() {
    let app = TestApp::spawn().await;
    for (path, method) in [
        ("/api/whatsapp/send", reqwest::Method::POST),
        (
            "/api/whatsapp/contacts/%2B15550003001",
            reqwest::Method::PUT,
        ),
    ] {
        for encoding in ["gzip", "deflate", "br", "zstd"] {
            let r = app
                .http
                .request(method.clone(), app.url(path))
                .header("content-type", "application/json")
                .header("content-encoding", encoding)
                .body(vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 415, "{method} {path} {encoding}");
            let e: Value = r.json().await.unwrap();
            assert_eq!(e["error"]["code"], "unsupported_content_encoding");
        }
    }
    // `identity` is no encoding at all.
    let r = app
        .http
        .put(app.url("/api/whatsapp/contacts/%2B15550003002"))
        .header("content-type", "application/json")
        .header("content-encoding", "identity")
        .body(r#"{"display_name":"plain"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_server_answers_only_requests_addressed_to_an_address_or_localhost() {
    let app = TestApp::spawn().await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    let rebound = format!("evil.example:{port}");
    // The page's own origin, as a browser sends it after rebinding: same-origin in every header.
    let r = app
        .http
        .put(app.url("/api/whatsapp/contacts/%2B15550003003"))
        .header("host", &rebound)
        .header("origin", format!("http://{rebound}"))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"display_name": "rebound"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "host_not_allowed");
    let r = app
        .http
        .get(app.url("/api/whatsapp/contacts"))
        .header("host", &rebound)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "reads too: the page could read everything");
    // The health check stays open (a load balancer names the server as it likes).
    let r = app
        .http
        .get(app.url("/api/whatsapp/health"))
        .header("host", &rebound)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for host in [
        format!("localhost:{port}"),
        format!("app.localhost:{port}"),
        format!("[::1]:{port}"),
        format!("10.1.2.3:{port}"),
        "127.0.0.1".to_owned(),
    ] {
        let r = app
            .http
            .get(app.url("/api/whatsapp/contacts"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
    }

    // With an API key the name does not matter: a rebinding page does not know the key.
    let keyed = TestApp::builder()
        .with(|s| s.http.api_key = Some("k-rebind".into()))
        .spawn()
        .await;
    let r = keyed
        .http
        .get(keyed.url("/api/whatsapp/contacts"))
        .header("host", "wa.example.com")
        .header("x-api-key", "k-rebind")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_cut_inside_an_emoji_loses_only_that_half() {
    let app = TestApp::spawn().await;
    // Meta escapes non-ASCII; the second message's text ends in the first half of 😀, and the
    // profile name in the second half alone. serde_json refuses both, and before this the
    // whole delivery (the good first message too) was stored `failed`.
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"WABA","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550100001","phone_number_id":"{PHONE_NUMBER_ID}"}},"contacts":[{{"profile":{{"name":"Ana \ude00"}},"wa_id":"15550003004"}}],"messages":[{{"from":"15550003004","id":"wamid.sur.1","timestamp":"1730000000","type":"text","text":{{"body":"fine \ud83d\ude00"}}}},{{"from":"15550003004","id":"wamid.sur.2","timestamp":"1730000001","type":"text","text":{{"body":"cut \ud83d"}}}}]}}}}]}}]}}"#
    );
    let (status, answer) = app.post_webhook(body.as_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    let texts: Vec<String> = app
        .conversation("15550003004")
        .await
        .iter()
        .map(|m| m["message_text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(texts.contains(&"fine \u{1F600}".to_owned()), "{texts:?}");
    assert!(texts.contains(&"cut \u{FFFD}".to_owned()), "{texts:?}");
    let (_, c) = app.get("/api/whatsapp/contacts?search=15550003004").await;
    assert_eq!(c["contacts"][0]["profile_name"], "Ana \u{FFFD}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_is_answered_like_get_without_a_body() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/whatsapp/health",
        "/dashboard.html",
        "/api/whatsapp/stats",
    ] {
        let r = app.http.head(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "HEAD {path}");
        assert!(r.bytes().await.unwrap().is_empty(), "HEAD {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_array_is_not_read_as_an_object_s_fields_in_order() {
    let app = TestApp::spawn().await;
    // serde reads `["arr name", null, ["t"], true]` as a ContactUpdate's fields in order.
    for (path, body) in [
        (
            "/api/whatsapp/contacts/%2B15550003006",
            json!(["arr name", null, ["t"], true, null, null]),
        ),
        ("/api/whatsapp/contacts/%2B15550003006", json!("a string")),
        ("/api/whatsapp/contacts/%2B15550003006", json!(7)),
    ] {
        let r = app
            .http
            .put(app.url(path))
            .header("content-type", "application/json")
            .body(format!("  \n{body}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], "invalid_json", "{body}");
    }
    let (_, found) = app.get("/api/whatsapp/contacts?search=arr%20name").await;
    assert_eq!(found["total_count"], 0, "nothing was changed: {found}");
    // An object still works.
    let (status, c) = app
        .put_json(
            "/api/whatsapp/contacts/%2B15550003006",
            &json!({"display_name": "obj name"}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_for_the_other_kind_is_refused_not_dropped() {
    let app = TestApp::spawn().await;
    let template = json!({"name": "hello_world", "language": "en_US"});
    for (body, field) in [
        // Both without `type` read as a template; the text would have been dropped.
        (
            json!({"phone_number": "+15550003007", "message_text": "hi", "template": template}),
            "message_text",
        ),
        (
            json!({"phone_number": "+15550003007", "type": "template", "message_text": "hi", "template": template}),
            "message_text",
        ),
        (
            json!({"phone_number": "+15550003007", "type": "text", "message_text": "hi", "template": template}),
            "template",
        ),
    ] {
        let (status, e) = app.send(&body).await;
        assert_eq!(status, 400, "{body}: {e}");
        assert_eq!(e["error"]["field"], field, "{body}: {e}");
    }
    // Bulk: a misspelt recipient field, and template parameters on a text message.
    let (status, e) = app
        .send_bulk(
            &json!({"recipients": [{"phone_number": "+15550003008", "body_params": ["x"]}],
                           "type": "template", "template": template}),
        )
        .await;
    assert_eq!(status, 400, "{e}");
    let (status, e) = app
        .send_bulk(
            &json!({"recipients": [{"phone_number": "+15550003008", "body_parameters": ["x"]}],
                           "message_text": "hi", "allow_outside_window": true}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (400, Some("recipients")),
        "{e}"
    );
    // What is meant still goes.
    let (status, e) = app
        .send_bulk(
            &json!({"recipients": [{"phone_number": "+15550003008", "body_parameters": []}],
                           "type": "template", "template": template}),
        )
        .await;
    assert_eq!(status, 202, "{e}");
}
