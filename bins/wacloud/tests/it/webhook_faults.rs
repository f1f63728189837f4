//! FAULTS.md, webhook signature and handshake, delivery semantics and statuses: one small
//! input per row.

use std::time::Duration;

use serde_json::{json, Value};

use crate::app::{TestApp, PHONE_NUMBER_ID, SECRET, VERIFY_TOKEN};
use crate::bodies::{inbound_text, status_body};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_ascii_escapes_are_verified_on_the_exact_bytes_and_stored_decoded() {
    let app = TestApp::spawn().await;
    // Written by hand with \u escapes and \/ as Meta sends them: re-encoding would change bytes.
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550100001","phone_number_id":"{PHONE_NUMBER_ID}"}},"contacts":[{{"profile":{{"name":"Jos\u00e9"}},"wa_id":"15550000002"}}],"messages":[{{"from":"15550000002","id":"wamid.esc1","timestamp":"1730000000","type":"text","text":{{"body":"caf\u00e9 \ud83d\ude00 a\/b @home"}}}}]}}}}]}}]}}"#
    );
    let (status, answer) = app.post_webhook(body.as_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    let msgs = app.conversation("15550000002").await;
    assert_eq!(msgs[0]["message_text"], "café 😀 a/b @home");
    let (_, contacts) = app.get("/api/whatsapp/contacts?search=15550000002").await;
    assert_eq!(contacts["contacts"][0]["profile_name"], "José");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_the_app_secret_and_one_byte_fails() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&inbound_text(
        PHONE_NUMBER_ID,
        "15550000003",
        "wamid.key1",
        1_730_000_000,
        "hi",
        "Bo",
    ))
    .unwrap();
    // Signed with the verify token instead of the App Secret.
    let wrong_key = wacloud_graph::webhook::sign(&body, &VERIFY_TOKEN.to_owned().into());
    assert_eq!(app.post_webhook_raw(&body, Some(&wrong_key)).await.0, 401);
    // A pretty-printed copy of a correctly signed body.
    let good = wacloud_graph::webhook::sign(&body, &app.secret);
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    assert_eq!(app.post_webhook_raw(&pretty, Some(&good)).await.0, 401);
    let mut flipped = body.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x20;
    assert_eq!(app.post_webhook_raw(&flipped, Some(&good)).await.0, 401);
    assert_eq!(app.stats().await["webhooks"]["total"], 0, "nothing stored");
    assert_eq!(app.post_webhook_raw(&body, Some(&good)).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_empty_or_malformed_signatures_are_401_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&inbound_text(
        PHONE_NUMBER_ID,
        "15550000004",
        "wamid.sig1",
        1_730_000_000,
        "hi",
        "Cy",
    ))
    .unwrap();
    let good = wacloud_graph::webhook::sign(&body, &app.secret);
    let hex_only = good.trim_start_matches("sha256=").to_owned();
    for header in [
        None,
        Some(""),
        Some("sha256="),
        Some("sha1=abcdef"),
        Some("sha256=zz"),
        Some(hex_only.as_str()),
        Some("sha256=0000000000000000000000000000000000000000000000000000000000000000"),
    ] {
        let (status, answer) = app.post_webhook_raw(&body, header).await;
        assert_eq!(status, 401, "{header:?}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_signature");
        let text = answer.to_string();
        assert!(
            !text.contains(&hex_only),
            "the expected signature never leaks: {text}"
        );
        assert!(!text.contains(SECRET));
    }
    let stats = app.stats().await;
    assert_eq!(stats["webhooks"]["total"], 0, "{stats}");
    assert_eq!(stats["total_messages"], 0, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_type_does_not_change_the_outcome() {
    let app = TestApp::spawn().await;
    let body = serde_json::to_vec(&inbound_text(
        PHONE_NUMBER_ID,
        "15550000005",
        "wamid.ct1",
        1_730_000_000,
        "hi",
        "Di",
    ))
    .unwrap();
    let sig = wacloud_graph::webhook::sign(&body, &app.secret);
    for (i, ct) in ["text/plain", "application/x-www-form-urlencoded", ""]
        .iter()
        .enumerate()
    {
        let mut b: Value = serde_json::from_slice(&body).unwrap();
        b["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = json!(format!("wamid.ct{i}x"));
        let bytes = serde_json::to_vec(&b).unwrap();
        let sig_i = wacloud_graph::webhook::sign(&bytes, &app.secret);
        let mut req = app
            .http
            .post(app.url("/api/whatsapp/webhook"))
            .body(bytes.clone());
        if !ct.is_empty() {
            req = req.header("content-type", *ct);
        }
        let r = req
            .header("x-hub-signature-256", sig_i)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "content-type {ct:?}");
    }
    let r = app
        .http
        .post(app.url("/api/whatsapp/webhook"))
        .header("content-type", "text/plain")
        .header("x-hub-signature-256", "sha256=00")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    drop(sig);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_needs_no_signature_and_answers_the_challenge_verbatim() {
    let app = TestApp::spawn().await;
    let challenge = "1158201444";
    let r = app
        .http
        .get(app.url(&format!(
            "/api/whatsapp/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge={challenge}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(r.text().await.unwrap(), challenge);
    for q in [
        format!("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge={challenge}"),
        format!("hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge={challenge}"),
        format!("hub.mode=subscribe&hub.challenge={challenge}"),
    ] {
        let r = app
            .http
            .get(app.url(&format!("/api/whatsapp/webhook?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{q}");
        let body = r.text().await.unwrap();
        assert!(!body.contains(challenge), "{body}");
        assert!(!body.contains(VERIFY_TOKEN), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_have_one_effect_also_when_concurrent() {
    let app = TestApp::spawn().await;
    let a = inbound_text(
        PHONE_NUMBER_ID,
        "15550000006",
        "wamid.dup1",
        1_730_000_000,
        "once",
        "Ed",
    );
    // The same wamid in a different delivery (different bytes: another timestamp field order).
    let mut b = a.clone();
    b["entry"][0]["id"] = json!("WABA-other");
    let bodies: Vec<Value> = vec![a.clone(), a.clone(), b.clone(), a, b];
    let posts = bodies.iter().map(|v| app.deliver(v));
    for (status, answer) in futures::future::join_all(posts).await {
        assert_eq!(status, 200, "{answer}");
    }
    let msgs = app.conversation("15550000006").await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    let (_, contacts) = app.get("/api/whatsapp/contacts?search=15550000006").await;
    assert_eq!(contacts["total_count"], 1);
    assert_eq!(
        contacts["contacts"][0]["unread_count"], 1,
        "one unread increment"
    );
    assert_eq!(
        app.stats().await["webhooks"]["total"],
        2,
        "two distinct bodies stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_never_create_inbound_rows_or_unread() {
    let app = TestApp::spawn().await;
    for (i, s) in ["sent", "delivered", "read"].iter().enumerate() {
        let (status, _) = app
            .deliver(&status_body(
                PHONE_NUMBER_ID,
                "wamid.st1",
                s,
                1_730_000_000 + i as i64,
                "15550000007",
            ))
            .await;
        assert_eq!(status, 200);
    }
    let stats = app.stats().await;
    assert_eq!(stats["received_messages"], 0, "{stats}");
    assert_eq!(stats["unread_messages"], 0, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_entry_change_message_and_status_is_handled() {
    let app = TestApp::spawn().await;
    let value = |from: &str, id: &str| {
        json!({"messaging_product":"whatsapp","metadata":{"phone_number_id":PHONE_NUMBER_ID},
               "contacts":[{"wa_id":from,"profile":{"name":"N"}}],
               "messages":[
                   {"from":from,"id":format!("{id}a"),"timestamp":"1730000001","type":"text","text":{"body":"first"}},
                   {"from":from,"id":format!("{id}b"),"timestamp":"1730000002","type":"text","text":{"body":"second"}}],
               "statuses":[{"id":format!("{id}s"),"status":"delivered","timestamp":"1730000003","recipient_id":from}]})
    };
    let body = json!({"object":"whatsapp_business_account","entry":[
        {"id":"1","changes":[{"field":"messages","value":value("15550000008","wamid.e1")},
                              {"field":"messages","value":value("15550000009","wamid.e2")}]},
        {"id":"2","changes":[{"field":"messages","value":value("15550000010","wamid.e3")}]}]});
    let (status, answer) = app.deliver(&body).await;
    assert_eq!(status, 200, "{answer}");
    let all = app.all_messages("").await;
    for id in ["e1", "e2", "e3"] {
        for suffix in ["a", "b", "s"] {
            let w = format!("wamid.{id}{suffix}");
            assert!(
                all.iter().any(|m| m["message_id"] == w.as_str()),
                "{w} missing"
            );
        }
    }
    // Two messages from one user, in Meta's timestamp order (newest first in the API).
    let one = app.conversation("15550000008").await;
    assert_eq!(one[0]["message_text"], "second");
    assert_eq!(one[1]["message_text"], "first");
    assert_eq!(
        one[1]["created_at"], "2024-10-27T03:33:21Z",
        "Meta's timestamp, in UTC"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_order_statuses_never_move_backwards_but_keep_each_time() {
    let app = TestApp::spawn().await;
    let w = "wamid.ooo1";
    for (s, t) in [
        ("read", 1_730_000_030),
        ("sent", 1_730_000_010),
        ("delivered", 1_730_000_020),
        ("sent", 1_730_000_010),
    ] {
        assert_eq!(
            app.deliver(&status_body(PHONE_NUMBER_ID, w, s, t, "15550000011"))
                .await
                .0,
            200
        );
    }
    let m = app
        .all_messages("")
        .await
        .into_iter()
        .find(|m| m["message_id"] == w)
        .unwrap();
    assert_eq!(m["status"], "read");
    assert_eq!(m["sent_at"], "2024-10-27T03:33:30Z");
    assert_eq!(m["delivered_at"], "2024-10-27T03:33:40Z");
    assert_eq!(m["read_at"], "2024-10-27T03:33:50Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_status_keeps_code_title_message_and_details_and_a_repeat_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = "wamid.fail1";
    let mut body = status_body(PHONE_NUMBER_ID, w, "failed", 1_730_000_100, "15550000012");
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = json!([{
        "code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
        "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}
    }]);
    assert_eq!(
        app.deliver(&status_body(
            PHONE_NUMBER_ID,
            w,
            "sent",
            1_730_000_090,
            "15550000012"
        ))
        .await
        .0,
        200
    );
    assert_eq!(app.deliver(&body).await.0, 200);
    let mut again = body.clone();
    again["entry"][0]["id"] = json!("repeat");
    assert_eq!(app.deliver(&again).await.0, 200);
    assert_eq!(
        app.deliver(&status_body(
            PHONE_NUMBER_ID,
            w,
            "sent",
            1_730_000_095,
            "15550000012"
        ))
        .await
        .0,
        200
    );
    let m = app
        .all_messages("")
        .await
        .into_iter()
        .find(|m| m["message_id"] == w)
        .unwrap();
    assert_eq!(m["status"], "failed");
    assert_eq!(m["error_code"], 131047);
    assert_eq!(m["error_title"], "Re-engagement message");
    assert_eq!(m["error_message"], "Re-engagement message");
    assert!(m["error_details"].as_str().unwrap().contains("24 hours"));
    assert_eq!(m["failed_at"], "2024-10-27T03:35:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_for_an_unknown_wamid_is_kept_and_joins_the_send_later() {
    let app = TestApp::builder()
        .with(|s| s.sandbox.status_delay = Duration::from_millis(100_000))
        .spawn()
        .await;
    // A status for a message the sandbox will never have sent: kept as a placeholder.
    let w = "wamid.early1";
    assert_eq!(
        app.deliver(&status_body(
            PHONE_NUMBER_ID,
            w,
            "delivered",
            1_730_000_200,
            "15550000013"
        ))
        .await
        .0,
        200
    );
    let m = app
        .all_messages("")
        .await
        .into_iter()
        .find(|m| m["message_id"] == w)
        .unwrap();
    assert_eq!(m["status"], "delivered");
    assert_eq!(m["direction"], "outbound");

    // A real send whose status (carrying our id in biz_opaque_callback_data) beats the response:
    // simulated by posting the status with the id of a message stored as pending.
    let (status, sent) = app
        .send(
            &json!({"phone_number": "+15550000014", "message_text": "hello", "allow_outside_window": true}),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    let own_id = sent["message"]["id"].as_str().unwrap().to_owned();
    let wamid = sent["message_id"].as_str().unwrap().to_owned();
    assert_eq!(sent["message"]["status"], "accepted");
    let mut read = status_body(PHONE_NUMBER_ID, &wamid, "read", chrono_now(), "15550000014");
    read["entry"][0]["changes"][0]["value"]["statuses"][0]["biz_opaque_callback_data"] =
        json!(own_id);
    assert_eq!(app.deliver(&read).await.0, 200);
    let msgs = app.conversation("15550000014").await;
    assert_eq!(msgs.len(), 1, "no second row: {msgs:?}");
    assert_eq!(msgs[0]["status"], "read");
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_contacts_without_profile_or_user_id_parse() {
    let app = TestApp::spawn().await;
    let mut body = status_body(
        PHONE_NUMBER_ID,
        "wamid.np1",
        "delivered",
        1_730_000_300,
        "15550000015",
    );
    body["entry"][0]["changes"][0]["value"]["contacts"] = json!([{"wa_id": "15550000015"}]);
    let (status, answer) = app.deliver(&body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["state"], "processed", "{answer}");
    let (_, c) = app.get("/api/whatsapp/contacts?search=15550000015").await;
    assert_eq!(c["total_count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_malformed_json_is_stored_failed_and_answered_200() {
    let app = TestApp::spawn().await;
    let body = br#"{"object":"whatsapp_business_account","entry":[{"#;
    let (status, answer) = app.post_webhook(body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["state"], "failed");
    let stats = app.stats().await;
    assert_eq!(stats["webhooks"]["failed"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_for_another_number_are_kept_raw_not_attributed() {
    let app = TestApp::spawn().await;
    let body = inbound_text(
        "999999999999999",
        "15550000016",
        "wamid.foreign1",
        1_730_000_400,
        "hi",
        "Fi",
    );
    let (status, answer) = app.deliver(&body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["state"], "foreign", "{answer}");
    let stats = app.stats().await;
    assert_eq!(stats["webhooks"]["foreign"], 1);
    assert_eq!(stats["total_messages"], 0);
    assert_eq!(stats["total_contacts"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_with_413() {
    let app = TestApp::spawn().await;
    let big = vec![b' '; 3 * 1024 * 1024 + 1];
    let sig = wacloud_graph::webhook::sign(&big, &app.secret);
    let (status, answer) = app.post_webhook_raw(&big, Some(&sig)).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(app.stats().await["webhooks"]["total"], 0);
}
