//! Sending again, on purpose or by accident: a retry of a failed message or queue item is a
//! new attempt with a new wamid, once; a repeated request with the same Idempotency-Key gets
//! the first result, even after a restart.

use serde_json::{json, Value};

use super::{accepted_for, bulk, hello_world, item_for, wait_batch_done};
use crate::app::TestApp;

// --- Row: a retry of a failed message is a new attempt with a new wamid

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_of_a_failed_message_is_a_new_attempt_with_a_new_wamid() {
    let app = TestApp::spawn().await;
    app.sandbox(json!({"faults": [{"to": "15550000171", "mode": "fail_status", "code": 131049, "times": 1}]}))
        .await;
    let (status, first) = app
        .send(
            &json!({"phone_number": "+15550000171", "type": "template", "template": hello_world()}),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let first_id = first["message"]["id"].as_str().unwrap().to_owned();
    let first_wamid = first["message_id"].as_str().unwrap().to_owned();
    app.wait_for(10, "failed", || async {
        app.conversation("15550000171")
            .await
            .into_iter()
            .find(|m| m["id"] == first_id.as_str() && m["status"] == "failed")
    })
    .await;
    // A body that is not the documented one is refused, not ignored.
    let r = app
        .http
        .post(app.url(&format!("/api/whatsapp/messages/{first_id}/retry")))
        .header("content-type", "application/json")
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (status, again) = app
        .post_json(
            &format!("/api/whatsapp/messages/{first_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    // A second retry of the same failed message (a double click) sends nothing more.
    let (status, e) = app
        .post_json(
            &format!("/api/whatsapp/messages/{first_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "already_retried");
    assert_ne!(again["message"]["id"], first_id.as_str());
    assert_ne!(again["message_id"], first_wamid.as_str());
    let msgs = app.conversation("15550000171").await;
    let old = msgs.iter().find(|m| m["id"] == first_id.as_str()).unwrap();
    assert_eq!(
        old["status"], "failed",
        "the failed attempt stays as it was"
    );
    assert_eq!(old["message_id"], first_wamid.as_str());
    assert_eq!(accepted_for(&app.counts().await, "15550000171"), 2);
    // Only a failed outbound message can be retried.
    let new_id = again["message"]["id"].as_str().unwrap();
    let (status, e) = app
        .post_json(
            &format!("/api/whatsapp/messages/{new_id}/retry"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "not_retryable");

    // A failed queue item: a new item, a new message, a new wamid.
    app.sandbox(
        json!({"faults": [{"to": "15550000172", "mode": "refuse", "code": 131026, "times": 1}]}),
    )
    .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000172"], "type": "template", "template": hello_world()}),
    )
    .await;
    let b = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 10).await;
    let failed = item_for(&b, "+15550000172");
    assert_eq!(failed["state"], "failed");

    // The same failure retried through its message and through its queue item: one retry.
    app.sandbox(
        json!({"faults": [{"to": "15550000173", "mode": "refuse", "code": 131026, "times": 1}]}),
    )
    .await;
    let v = bulk(
        &app,
        json!({"recipients": ["+15550000173"], "type": "template", "template": hello_world()}),
    )
    .await;
    let b = wait_batch_done(&app, v["batch_id"].as_str().unwrap(), 10).await;
    let other = item_for(&b, "+15550000173").clone();
    assert_eq!(other["state"], "failed");
    let (status, m) = app
        .post_json(
            &format!(
                "/api/whatsapp/messages/{}/retry",
                other["message_id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{m}");
    let (status, e) = app
        .post_json(
            &format!(
                "/api/whatsapp/queue/{}/retry",
                other["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "already_retried");
    assert_eq!(accepted_for(&app.counts().await, "15550000173"), 1);
    let (status, retry) = app
        .post_json(
            &format!(
                "/api/whatsapp/queue/{}/retry",
                failed["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{retry}");
    assert_eq!(retry["retry_of"], failed["id"]);
    let (status, e) = app
        .post_json(
            &format!(
                "/api/whatsapp/queue/{}/retry",
                failed["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "a second retry of the same item: {e}");
    assert_eq!(e["error"]["code"], "already_retried");
    let rid = retry["id"].as_str().unwrap().to_owned();
    let item = app
        .wait_for(10, "retry sent", || async {
            let (_, i) = app.get(&format!("/api/whatsapp/queue/{rid}")).await;
            (i["state"] == "sent").then_some(i)
        })
        .await;
    assert_ne!(item["message_id"], failed["message_id"]);
    assert_eq!(accepted_for(&app.counts().await, "15550000172"), 1);
}

// --- Row: a double click or a resent request sends twice

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_returns_the_first_result_even_after_a_restart() {
    let app = TestApp::spawn().await;
    let body =
        json!({"phone_number": "+15550000181", "type": "template", "template": hello_world()});
    let post = |key: &'static str, body: Value| {
        let http = app.http.clone();
        let url = app.url("/api/whatsapp/send");
        async move {
            let r = http
                .post(url)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            let status = r.status().as_u16();
            (status, replayed, r.json::<Value>().await.unwrap())
        }
    };
    let (s1, r1, first) = post("click-1", body.clone()).await;
    let (s2, r2, second) = post("click-1", body.clone()).await;
    assert_eq!((s1, r1), (200, false));
    assert_eq!((s2, r2), (200, true));
    assert_eq!(first, second);
    // A double click: both at once.
    let (a, b) = tokio::join!(post("click-2", body.clone()), post("click-2", body.clone()));
    assert_eq!(a.0, 200, "{:?}", a.2);
    assert_eq!(b.0, 200, "{:?}", b.2);
    assert_eq!(a.2["message_id"], b.2["message_id"]);
    assert_eq!(
        accepted_for(&app.counts().await, "15550000181"),
        2,
        "one per key"
    );
    // The same key for another request is refused.
    let (s, _, e) = post(
        "click-1",
        json!({"phone_number": "+15550000182", "type": "template", "template": hello_world()}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "idempotency_key_reused");
    // A refusal is a result too.
    let text = json!({"phone_number": "+15550000183", "message_text": "hi"});
    let (s1, _, e1) = post("click-3", text.clone()).await;
    let (s2, r2, e2) = post("click-3", text).await;
    assert_eq!((s1, s2, r2), (422, 422, true));
    assert_eq!(e1, e2);

    // Bulk: the same batch, queued once.
    let bulk_body = json!({"recipients": ["+15550000184", "+15550000185"], "type": "template", "template": hello_world()});
    let send_bulk = |key: &'static str| {
        let http = app.http.clone();
        let url = app.url("/api/whatsapp/send-bulk");
        let body = bulk_body.clone();
        async move {
            let r = http
                .post(url)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s1, b1) = send_bulk("bulk-1").await;
    let (s2, b2) = send_bulk("bulk-1").await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(b1["batch_id"], b2["batch_id"]);
    wait_batch_done(&app, b1["batch_id"].as_str().unwrap(), 10).await;
    let c = app.counts().await;
    assert_eq!(accepted_for(&c, "15550000184"), 1);
    assert_eq!(accepted_for(&c, "15550000185"), 1);

    // Stored durably: a new server on the same database answers the same.
    let db = app.stop().await;
    let app2 = TestApp::builder().on(db).spawn().await;
    let r = app2
        .http
        .post(app2.url("/api/whatsapp/send"))
        .header("Idempotency-Key", "click-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("idempotent-replayed").is_some());
    assert_eq!(r.json::<Value>().await.unwrap(), first);
    assert_eq!(app2.counts().await["accepted"], 0, "nothing sent again");
    // A malformed key is refused.
    let r = app2
        .http
        .post(app2.url("/api/whatsapp/send"))
        .header("Idempotency-Key", "has space")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
