//! Calls (issue 17): Meta's `calls` webhooks (fixtures `pywa/updates/call_connect.json`,
//! `call_terminate.json`, `call_status.json`) make one log entry per call, shown by
//! `GET /contacts/{phone}/calls`; `POST /contacts/{phone}/call-permission` sends Meta's call
//! permission request through the sandbox, and the customer's reply
//! (`pywa/updates/call_permission_update.json`) is tracked on the contact.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::app::TestApp;
use crate::bodies::inbound_text;

/// The customer of the fixtures (`contacts[0].wa_id`).
const CUSTOMER: &str = "972987654321";

/// The webhook body `key` of `pywa/updates/{file}`, aimed at `pid`; `None` (with a printed
/// reason) when `../shared` is absent.
fn fixture(file: &str, key: &str, pid: &str) -> Option<Value> {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/meta/pywa/updates")
        .join(file);
    let Ok(bytes) = std::fs::read(&f) else {
        println!("skipped: {} is absent", f.display());
        return None;
    };
    let all: Value = serde_json::from_slice(&bytes).expect("fixture JSON");
    let mut v = all[key].clone();
    v.pointer_mut("/entry/0/changes/0/value/metadata/phone_number_id")
        .map(|p| *p = json!(pid))
        .expect("metadata");
    Some(v)
}

fn value(v: &mut Value) -> &mut Value {
    v.pointer_mut("/entry/0/changes/0/value").expect("a change")
}

async fn calls_of(app: &TestApp, wa_id: &str) -> Vec<Value> {
    let (s, v) = app
        .get(&format!("/api/whatsapp/contacts/%2B{wa_id}/calls"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["calls"].as_array().cloned().unwrap_or_default()
}

async fn contact(app: &TestApp, wa_id: &str) -> Value {
    let (s, v) = app
        .get(&format!("/api/whatsapp/contacts?search={wa_id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["contacts"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_connect_and_terminate_make_one_entry_with_its_duration() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    let Some(mut connect) = fixture("call_connect.json", "user_initiated", &pid) else {
        return;
    };
    let mut terminate = fixture("call_terminate.json", "call_terminate", &pid).expect("fixture");
    let now = chrono::Utc::now().timestamp();
    let (start, end) = (now - 300, now - 108);
    {
        let c = &mut value(&mut connect)["calls"][0];
        c["id"] = json!("wacid.test.1");
        c["timestamp"] = json!(start.to_string());
    }
    {
        let v = value(&mut terminate);
        let t = &mut v["calls"][0];
        t["id"] = json!("wacid.test.1");
        t["direction"] = json!("USER_INITIATED");
        t["from"] = json!(CUSTOMER);
        t["timestamp"] = json!(end.to_string());
        t["start_time"] = json!(start.to_string());
        t["end_time"] = json!(end.to_string());
        t["duration"] = json!(192);
    }
    for body in [&connect, &terminate, &connect, &terminate] {
        let (s, v) = app.deliver(body).await;
        assert_eq!(s, 200, "{v}");
    }
    // Redelivered with other bytes: no second entry, nothing changed.
    let mut again = terminate.clone();
    again["entry"][0]["id"] = json!("WABA2");
    let (s, v) = app.deliver(&again).await;
    assert_eq!(s, 200, "{v}");

    let calls = calls_of(&app, CUSTOMER).await;
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let c = &calls[0];
    assert_eq!(c["id"], "wacid.test.1");
    assert_eq!(c["direction"], "inbound");
    assert_eq!(c["outcome"], "answered", "{c}");
    assert_eq!(c["duration_seconds"], 192, "{c}");
    assert_eq!(c["status"], "COMPLETED");
    assert_eq!(
        c["events"],
        json!(["connect", "terminate:COMPLETED"]),
        "{c}"
    );
    assert_eq!(
        c["error"], "12455 ERROR_TITLE",
        "the value's errors are kept: {c}"
    );
    let started = chrono::DateTime::from_timestamp(start, 0).unwrap();
    assert_eq!(
        c["started_at"]
            .as_str()
            .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok()),
        Some(started),
        "{c}"
    );
    // A call is no message: nothing unread.
    assert_eq!(contact(&app, CUSTOMER).await["unread_count"], 0);

    // A business call that rang and was rejected (call statuses).
    let Some(mut ringing) = fixture("call_status.json", "call_status", &pid) else {
        return;
    };
    {
        let s = &mut value(&mut ringing)["statuses"][0];
        s["id"] = json!("wacid.test.2");
        s["timestamp"] = json!((now - 60).to_string());
    }
    let mut rejected = ringing.clone();
    {
        let s = &mut value(&mut rejected)["statuses"][0];
        s["status"] = json!("REJECTED");
        s["timestamp"] = json!((now - 50).to_string());
    }
    for body in [&ringing, &rejected, &ringing] {
        let (s, v) = app.deliver(body).await;
        assert_eq!(s, 200, "{v}");
    }
    let calls = calls_of(&app, CUSTOMER).await;
    assert_eq!(calls.len(), 2, "{calls:#?}");
    let c = &calls[0];
    assert_eq!(c["id"], "wacid.test.2", "newest first: {calls:#?}");
    assert_eq!(c["direction"], "outbound");
    assert_eq!(c["outcome"], "rejected", "{c}");
    assert_eq!(c["duration_seconds"], Value::Null);

    let (s, v) = app.get("/api/whatsapp/contacts/%2B15550009999/calls").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_permission_request_goes_through_the_sandbox_and_the_reply_is_tracked() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    let Some(mut accept) = fixture("call_permission_update.json", "accept", &pid) else {
        return;
    };
    let now = chrono::Utc::now().timestamp();
    let path = format!("/api/whatsapp/contacts/%2B{CUSTOMER}/call-permission");

    // Never wrote: Meta takes a free-form request only inside the customer service window.
    let (s, v) = app.post_json(&path, &json!({})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("window_closed")),
        "{v}"
    );

    let hello = inbound_text(
        &pid,
        CUSTOMER,
        "wamid.calls.hello",
        now - 30,
        "Call me?",
        "Test Name",
    );
    let (s, v) = app.deliver(&hello).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post_json(&path, &json!({"body": "May we call you about your order?"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["call_permission"]["state"], "requested", "{v}");
    let (_, sent) = app.get("/sandbox/sent").await;
    let requests = sent["requests"].as_array().cloned().unwrap_or_default();
    let request = requests
        .iter()
        .find(|r| r["body"]["type"] == "interactive")
        .unwrap_or_else(|| panic!("an interactive message went to Graph: {sent}"));
    assert_eq!(
        request["body"]["interactive"]["type"], "call_permission_request",
        "{request}"
    );
    assert_eq!(
        request["body"]["interactive"]["body"]["text"],
        "May we call you about your order?"
    );
    assert_eq!(request["body"]["to"], CUSTOMER);
    assert_eq!(
        contact(&app, CUSTOMER).await["call_permission"]["state"],
        "requested"
    );

    // The customer accepts, for a week.
    let now = chrono::Utc::now().timestamp();
    let expires = now + 7 * 86_400;
    {
        let m = &mut value(&mut accept)["messages"][0];
        m["timestamp"] = json!(now.to_string());
        m["interactive"]["call_permission_reply"]["expiration_timestamp"] = json!(expires);
    }
    let (s, v) = app.deliver(&accept).await;
    assert_eq!(s, 200, "{v}");
    let c = contact(&app, CUSTOMER).await;
    let p = &c["call_permission"];
    assert_eq!(p["state"], "accept", "{c}");
    assert_eq!(
        p["expires_at"]
            .as_str()
            .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok()),
        chrono::DateTime::from_timestamp(expires, 0),
        "{c}"
    );
    let (s, one) = app
        .get(&format!("/api/whatsapp/contacts/%2B{CUSTOMER}"))
        .await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(
        one["call_permission"]["state"], "accept",
        "GET /contacts/{{phone}}: {one}"
    );
    let (s, v) = app.get("/api/whatsapp/contacts/%2B15550009999").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{v}"
    );
    // An older reply arriving late does not override it.
    let mut reject = fixture("call_permission_update.json", "reject", &pid).expect("fixture");
    {
        let m = &mut value(&mut reject)["messages"][0];
        m["id"] = json!("wamid.calls.older");
        m["timestamp"] = json!((now - 10).to_string());
    }
    let (s, v) = app.deliver(&reject).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        contact(&app, CUSTOMER).await["call_permission"]["state"],
        "accept"
    );
}

/// A call permission request's optional body sent as another type than JSON is 415, as on the
/// routes with a required JSON body; an empty body needs no type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_permission_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    let path = app.url(&format!(
        "/api/whatsapp/contacts/{CUSTOMER}/call-permission"
    ));
    for (ctype, body) in [
        (Some("text/plain"), r#"{"body": "May we call?"}"#),
        (None, r#"{"body": "May we call?"}"#),
    ] {
        let mut r = app.http.post(&path).body(body);
        if let Some(t) = ctype {
            r = r.header("content-type", t);
        }
        let r = r.send().await.expect("POST");
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (415, Some("unsupported_media_type")),
            "{ctype:?}: {v}"
        );
    }
    // Empty: the defaults, so the request goes on (and stops at the closed window).
    let r = app.http.post(&path).send().await.expect("POST");
    assert_ne!(r.status().as_u16(), 415);
}
