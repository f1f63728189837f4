//! The REST API and the sandbox loop, as a user of the server sees them.

use serde_json::{json, Value};

use crate::app::{TestApp, PHONE_NUMBER_ID};
use crate::bodies::inbound_text;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_checks_work_as_written() {
    let app = TestApp::spawn().await;
    let (status, health) = app.get("/api/whatsapp/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["mode"], "sandbox");
    assert_eq!(health["is_configured"], false);
    assert!(health["message"].as_str().unwrap().contains("Sandbox"));
    assert_eq!(health["database"]["status"], "ok");

    let (status, contacts) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(status, 200);
    assert_eq!(
        contacts,
        json!({"contacts": [], "total_count": 0, "unread_count": 0})
    );

    // The seed's send, to a number that never wrote: a free-form text outside the customer
    // service window is refused before Meta with a clear 422 that says to use a template.
    let seed = json!({"phone_number": "+1234567890", "message_text": "Hello from wacloud"});
    let (status, refused) = app.send(&seed).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "window_closed");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("template"));
    assert_eq!(
        refused["error"]["suggested_template"]["name"],
        "hello_world"
    );
    assert_eq!(app.stats().await["total_messages"], 0, "nothing stored");

    // Once the customer has written, the seed's check works as written.
    let (status, _) = app
        .post_json(
            "/sandbox/customers/%2B1234567890/messages",
            &json!({"text": "hi", "name": "Seed"}),
        )
        .await;
    assert_eq!(status, 202);
    let (status, sent) = app.send(&seed).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["success"], true);
    let wamid = sent["message_id"].as_str().unwrap().to_owned();
    assert!(wamid.starts_with("wamid."), "{wamid}");

    let (status, stats) = app.get("/api/whatsapp/stats").await;
    assert_eq!(status, 200);
    assert_eq!(stats["total_messages"], 2);
    assert_eq!(stats["sent_messages"], 1);
    assert_eq!(stats["total_contacts"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_goes_sent_delivered_read_through_signed_webhooks() {
    let app = TestApp::spawn().await;
    let (_, sent) = app
        .send(
            &json!({"phone_number": "15550000001", "message_text": "hello\nsecond line", "allow_outside_window": true}),
        )
        .await;
    let id = sent["message"]["id"].as_str().unwrap().to_owned();
    let m = app
        .wait_for(10, "read", || async {
            let msgs = app.conversation("+15550000001").await;
            msgs.into_iter()
                .find(|m| m["id"] == id.as_str() && m["status"] == "read")
        })
        .await;
    assert!(
        m["sent_at"].is_string() && m["delivered_at"].is_string() && m["read_at"].is_string(),
        "{m}"
    );
    // What the sandbox received: one real newline, not an escaped one.
    let (_, sent) = app.get("/sandbox/sent").await;
    let req = &sent["requests"][0]["body"];
    assert_eq!(req["text"]["body"], "hello\nsecond line");
    assert_eq!(req["to"], "15550000001");
    assert_eq!(req["biz_opaque_callback_data"], id.as_str());
    // Statuses went through the webhook, verified like Meta's.
    assert_eq!(app.stats().await["webhooks"]["processed"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_customer_shows_up_unread_and_reading_sends_a_receipt() {
    let app = TestApp::spawn().await;
    let (status, r) = app
        .post_json(
            "/sandbox/customers/%2B15550000002/messages",
            &json!({"text": "<img src=x onerror=alert(1)> hi", "name": "Ana <b>"}),
        )
        .await;
    assert_eq!(status, 202, "{r}");
    let (_, contacts) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(contacts["unread_count"], 1);
    let c = &contacts["contacts"][0];
    assert_eq!(c["phone_number"], "+15550000002");
    assert_eq!(
        c["display_name"], "Ana <b>",
        "names are stored as sent, not sanitised"
    );
    assert_eq!(c["unread_count"], 1);
    assert_eq!(c["window_open"], true);
    let msgs = app.conversation("15550000002").await;
    assert_eq!(msgs[0]["message_text"], "<img src=x onerror=alert(1)> hi");
    assert_eq!(msgs[0]["direction"], "inbound");
    assert_eq!(msgs[0]["is_read"], false);

    let (status, read) = app
        .post_json("/api/whatsapp/contacts/%2B15550000002/read", &json!({}))
        .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["marked_read"], 1);
    assert_eq!(read["contact"]["unread_count"], 0);
    let (_, sent) = app.get("/sandbox/sent").await;
    let receipt = sent["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["body"]["status"] == "read");
    assert_eq!(
        receipt.unwrap()["body"]["message_id"],
        msgs[0]["message_id"]
    );
    assert_eq!(app.get("/api/whatsapp/contacts").await.1["unread_count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_marks_read_and_sends_the_indicator_with_a_receipt_for_the_newest_message() {
    let app = TestApp::spawn().await;
    // A contact who never wrote has nothing to answer.
    let (s, _) = app
        .put_json(
            "/api/whatsapp/contacts/%2B15550000031",
            &json!({"display_name": "Zoe"}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, e) = app
        .post_json("/api/whatsapp/contacts/%2B15550000031/typing", &json!({}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("no_inbound_message")),
        "{e}"
    );
    let (s, e) = app
        .post_json("/api/whatsapp/contacts/%2B15550000039/typing", &json!({}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{e}"
    );

    for text in ["first", "second"] {
        let (s, r) = app
            .post_json(
                "/sandbox/customers/%2B15550000032/messages",
                &json!({"text": text, "name": "Ana"}),
            )
            .await;
        assert_eq!(s, 202, "{r}");
    }
    let msgs = app
        .wait_for(10, "both messages", || async {
            let m = app.conversation("15550000032").await;
            (m.len() == 2).then_some(m)
        })
        .await;
    let indicators = || async {
        let (_, sent) = app.get("/sandbox/sent").await;
        sent["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["body"]["typing_indicator"] == json!({"type": "text"}))
            .map(|r| r["body"]["message_id"].clone())
            .collect::<Vec<_>>()
    };
    let (s, r) = app
        .post_json("/api/whatsapp/contacts/%2B15550000032/typing", &json!({}))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["marked_read"], &r["receipt_error"]),
        (&json!(2), &Value::Null)
    );
    assert_eq!(r["contact"]["unread_count"], 0);
    // The newest message is the one answered, and again while the operator keeps typing.
    let (s, r) = app
        .post_json("/api/whatsapp/contacts/%2B15550000032/typing", &json!({}))
        .await;
    assert_eq!((s, &r["marked_read"]), (200, &json!(0)), "{r}");
    assert_eq!(
        indicators().await,
        [msgs[0]["message_id"].clone(), msgs[0]["message_id"].clone()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_with_a_cursor_newest_first() {
    let app = TestApp::spawn().await;
    for i in 0..7 {
        let body = inbound_text(
            PHONE_NUMBER_ID,
            "15550000003",
            &format!("wamid.page{i}"),
            1_730_000_000 + i,
            &format!("m{i}"),
            "P",
        );
        assert_eq!(app.deliver(&body).await.0, 200);
    }
    let (_, p1) = app
        .get("/api/whatsapp/messages?phone=15550000003&limit=3")
        .await;
    let texts = |p: &Value| {
        p["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["message_text"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&p1), ["m6", "m5", "m4"]);
    assert_eq!(p1["has_more"], true);
    let c = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = app
        .get(&format!(
            "/api/whatsapp/messages?phone=15550000003&limit=3&before={c}"
        ))
        .await;
    assert_eq!(texts(&p2), ["m3", "m2", "m1"]);
    let c = p2["next_cursor"].as_str().unwrap();
    let (_, p3) = app
        .get(&format!(
            "/api/whatsapp/messages?phone=15550000003&limit=3&before={c}"
        ))
        .await;
    assert_eq!(texts(&p3), ["m0"]);
    assert_eq!(p3["has_more"], false);
    assert!(p3["next_cursor"].is_null());
    let (_, inbound_only) = app.get("/api/whatsapp/messages?direction=outbound").await;
    assert_eq!(inbound_only["messages"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_update_search_tag_and_pin() {
    let app = TestApp::spawn().await;
    for (i, name) in ["Zed", "Amy", "Bob"].iter().enumerate() {
        let body = inbound_text(
            PHONE_NUMBER_ID,
            &format!("1555000002{i}"),
            &format!("wamid.c{i}"),
            1_730_000_000 + i as i64,
            "hi",
            name,
        );
        app.deliver(&body).await;
    }
    let (status, c) = app
        .put_json(
            "/api/whatsapp/contacts/+15550000020",
            &json!({"display_name": "Zed (VIP)", "tags": ["vip", "50%"], "is_pinned": true}),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["display_name"], "Zed (VIP)");
    assert_eq!(c["profile_name"], "Zed");
    let (_, list) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(
        list["contacts"][0]["display_name"], "Zed (VIP)",
        "pinned first"
    );
    assert_eq!(
        list["contacts"][1]["profile_name"], "Bob",
        "then newest conversation"
    );
    assert_eq!(list["total_count"], 3);
    let (_, s) = app.get("/api/whatsapp/contacts?search=amy").await;
    assert_eq!(s["total_count"], 1);
    assert_eq!(s["contacts"][0]["profile_name"], "Amy");
    let (_, t) = app.get("/api/whatsapp/contacts?tag=vip").await;
    assert_eq!(t["total_count"], 1);
    let (_, pct) = app.get("/api/whatsapp/contacts?search=50%25").await;
    assert_eq!(
        pct["total_count"], 0,
        "% is a literal, not a wildcard: {pct}"
    );
    let (_, paged) = app.get("/api/whatsapp/contacts?limit=1&offset=1").await;
    assert_eq!(paged["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(paged["total_count"], 3, "total over all pages");
    // PUT creates a contact that did not exist.
    let (status, new) = app
        .put_json(
            "/api/whatsapp/contacts/447911123456",
            &json!({"display_name": "New"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(new["phone_number"], "+447911123456");
    // A blocked contact is not sent to.
    app.put_json(
        "/api/whatsapp/contacts/447911123456",
        &json!({"is_blocked": true}),
    )
    .await;
    let (status, err) = app
        .send(&json!({"phone_number": "+447911123456", "message_text": "x"}))
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["code"], "contact_blocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_precise_4xx_in_json() {
    let app = TestApp::spawn().await;
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"phone_number": "(555) 000-0001", "message_text": "x"}),
            400,
            "invalid_phone_number",
        ),
        (
            json!({"phone_number": "+1555abc", "message_text": "x"}),
            400,
            "invalid_phone_number",
        ),
        (
            json!({"phone_number": "+15550000001"}),
            400,
            "invalid_request",
        ),
        (
            json!({"phone_number": "+15550000001", "message_text": "   "}),
            400,
            "empty_text",
        ),
        (
            json!({"phone_number": "+15550000001", "message_text": "é".repeat(4097)}),
            400,
            "text_too_long",
        ),
        (
            json!({"phone_number": "+15550000001", "message_text": "x", "bogus": 1}),
            400,
            "invalid_json",
        ),
        (
            json!({"phone_number": "+15550000001", "type": "template", "template": {"name": "hello_world", "body_parameters": ["a\nb"]}}),
            400,
            "invalid_template_parameter",
        ),
    ];
    for (body, want, code) in cases {
        let (status, err) = app.send(&body).await;
        assert_eq!(status, want, "{body}: {err}");
        assert_eq!(err["error"]["code"], code, "{body}: {err}");
        assert!(err["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let (_, e) = app
        .send(&json!({"phone_number": "+15550000001", "message_text": "é".repeat(4097)}))
        .await;
    assert!(
        e["error"]["message"].as_str().unwrap().contains("4096"),
        "names the limit: {e}"
    );

    let r = app
        .http
        .post(app.url("/api/whatsapp/send"))
        .body("{\"phone_number\":1")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .http
        .post(app.url("/api/whatsapp/send"))
        .body("{}")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = app
        .http
        .post(app.url("/api/whatsapp/send"))
        .body(vec![b'a'; 2 * 1024 * 1024])
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let (status, e) = app.get("/api/whatsapp/nope").await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let r = app
        .http
        .delete(app.url("/api/whatsapp/webhook"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let (status, _) = app.get("/api/whatsapp/messages?limit=0").await;
    assert_eq!(status, 400);
    let (status, e) = app.get("/api/whatsapp/messages?before=garbage").await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
    let (status, _) = app.get("/api/whatsapp/messages?direction=sideways").await;
    assert_eq!(status, 400);
    let (status, _) = app.get("/api/whatsapp/contacts?limit=abc").await;
    assert_eq!(status, 400);
    let (status, e) = app
        .post_json("/api/whatsapp/contacts/%2B15559999999/read", &json!({}))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _) = app
        .put_json(
            "/api/whatsapp/contacts/15550000001",
            &json!({"tags": ["x".repeat(65)]}),
        )
        .await;
    assert_eq!(status, 400);
    // Nothing accepted was lost, nothing refused was stored.
    assert_eq!(app.stats().await["total_messages"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_refusals_are_502_with_the_graph_error_and_the_message_kept_failed() {
    let app = TestApp::spawn().await;
    let (status, e) = app
        .send(&json!({"phone_number": "+15550000001", "type": "template", "template": {"name": "no_such_template", "language": "en_US"}}))
        .await;
    assert_eq!(status, 502, "{e}");
    assert_eq!(e["error"]["graph"]["code"], 132001);
    let msgs = app.conversation("15550000001").await;
    assert_eq!(msgs[0]["status"], "failed");
    assert_eq!(msgs[0]["error_code"], 132001);
    // The template every WABA has works.
    let (status, ok) = app
        .send(&json!({"phone_number": "+15550000001", "type": "template", "template": {"name": "hello_world", "language": "en_US"}}))
        .await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["message"]["message_type"], "template");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_bulk_queues_and_every_recipient_gets_one_message() {
    let app = TestApp::spawn().await;
    let (status, accepted) = app
        .send_bulk(&json!({
            "recipients": ["+15550000031", "15550000032", "+15550000031", "bad", {"phone_number": "+15550000033"}],
            "message_text": "Sale today",
            "allow_outside_window": true
        }))
        .await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["accepted"], 3);
    let rejected = accepted["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{accepted}");
    assert!(rejected
        .iter()
        .any(|r| r["reason"].as_str().unwrap().contains("duplicate")));
    let id = accepted["batch_id"].as_str().unwrap().to_owned();
    let batch = app
        .wait_for(15, "batch sent", || async {
            let (_, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
            (b["counts"]["sent"] == 3).then_some(b)
        })
        .await;
    assert_eq!(batch["total"], 3);
    let (_, sent) = app.get("/sandbox/sent").await;
    let mut tos: Vec<String> = sent["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["body"]["to"].as_str().map(str::to_owned))
        .collect();
    tos.sort();
    assert_eq!(tos, ["15550000031", "15550000032", "15550000033"]);
    let (status, _) = app.get("/api/whatsapp/batches/unknown").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_when_set_guards_the_api_but_not_the_webhook() {
    let app = TestApp::builder()
        .with(|s| s.http.api_key = Some("k-123".into()))
        .spawn()
        .await;
    let (status, e) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(status, 401);
    assert_eq!(e["error"]["code"], "unauthorized");
    let r = app
        .http
        .get(app.url("/api/whatsapp/contacts"))
        .header("authorization", "Bearer k-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .http
        .get(app.url("/api/whatsapp/contacts"))
        .header("x-api-key", "k-12")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body = inbound_text(
        PHONE_NUMBER_ID,
        "15550000040",
        "wamid.k1",
        1_730_000_000,
        "hi",
        "K",
    );
    assert_eq!(
        app.deliver(&body).await.0,
        200,
        "Meta authenticates by signature"
    );
}
