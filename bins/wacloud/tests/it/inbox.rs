//! The team inbox (issue 19, second part): conversation status and assignment, private notes
//! with mentions, canned replies, and what operators see live — over HTTP, as the widget and
//! programs meet them. Every test has an admin (Ada) and an agent (Bo), logged in.

use std::time::Duration;

use reqwest::header::COOKIE;
use reqwest::Method;
use serde_json::{json, Value};

use crate::app::TestApp;
use crate::auth::{add, call, login, team};
use crate::bodies::inbound_text;
use crate::events::Events;

const ALICE: &str = "+15550001111";

fn pid(app: &TestApp) -> String {
    app.phone_number_id.clone()
}

/// A customer (Alice) writes in; `n` tells the message apart.
async fn customer_writes(app: &TestApp, n: u32) {
    let ts = chrono::Utc::now().timestamp();
    let body = inbound_text(
        &pid(app),
        "15550001111",
        &format!("wamid.inbox.{n}.{ts}"),
        ts,
        &format!("hello {n}"),
        "Alice",
    );
    let (s, v) = app.deliver(&body).await;
    assert_eq!(s, 200, "{v}");
}

async fn as_op(
    app: &TestApp,
    cookie: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (s, v, _) = call(app, method, path, Some(cookie), body).await;
    (s, v)
}

fn path(rest: &str) -> String {
    format!(
        "/api/whatsapp/contacts/{}/{rest}",
        ALICE.replace('+', "%2B")
    )
}

/// The phone numbers `GET /contacts?{query}` lists for `cookie`'s operator.
async fn listed(app: &TestApp, cookie: &str, query: &str) -> Vec<String> {
    let (s, v) = as_op(
        app,
        cookie,
        Method::GET,
        &format!("/api/whatsapp/contacts?{query}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(|c| c["phone_number"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn timeline(app: &TestApp, cookie: &str) -> Vec<Value> {
    let (s, v) = as_op(app, cookie, Method::GET, &path("timeline"), None).await;
    assert_eq!(s, 200, "{v}");
    v["entries"].as_array().cloned().unwrap_or_default()
}

async fn audit_actions(app: &TestApp, admin: &str) -> Vec<Value> {
    let (s, v) = as_op(
        app,
        admin,
        Method::GET,
        "/api/whatsapp/audit?limit=200",
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["entries"].as_array().cloned().unwrap_or_default()
}

async fn events_as(app: &TestApp, cookie: &str) -> Events {
    let r = app
        .http
        .get(app.url("/api/whatsapp/events"))
        .header(COOKIE, format!("wacloud_session={cookie}"))
        .send()
        .await
        .expect("GET /events");
    assert_eq!(r.status().as_u16(), 200);
    let mut ev = Events::new(r);
    let (name, _) = ev.next(Duration::from_secs(10)).await.expect("ready");
    assert_eq!(name, "ready");
    ev
}

/// Reads `change` events until one names `contact_id` among `conversations`.
async fn sees_conversation(ev: &mut Events, contact_id: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let (name, data) = ev
            .next(left)
            .await
            .unwrap_or_else(|| panic!("no change naming conversation {contact_id}"));
        if name != "change" {
            continue;
        }
        let v: Value = serde_json::from_str(&data).expect("JSON");
        if v["conversations"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == contact_id))
        {
            return;
        }
    }
}

#[tokio::test]
async fn inbox_status_changes_record_who_made_them_in_timeline_and_audit() {
    let app = TestApp::spawn().await;
    let (admin, agent, agent_id) = team(&app).await;
    customer_writes(&app, 1).await;
    let (s, v) = as_op(&app, &agent, Method::GET, &path("conversation"), None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "open");
    assert_eq!(v["assignee"], Value::Null);

    let (s, v) = as_op(
        &app,
        &agent,
        Method::PUT,
        &path("status"),
        Some(json!({"status": "pending"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["updated_by"], format!("operator:{agent_id}"));
    let (s, v) = as_op(
        &app,
        &admin,
        Method::PUT,
        &path("status"),
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // The same status again records nothing.
    let (s, _) = as_op(
        &app,
        &admin,
        Method::PUT,
        &path("status"),
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(s, 200);

    let t = timeline(&app, &agent).await;
    assert_eq!(t.len(), 2, "{t:?}");
    assert_eq!(t[0]["kind"], "status_changed");
    assert_eq!(t[0]["actor_name"], "Ada");
    assert_eq!(t[0]["details"]["from"], "pending");
    assert_eq!(t[0]["details"]["to"], "resolved");
    assert_eq!(t[1]["actor"], format!("operator:{agent_id}"));
    assert_eq!(t[1]["actor_name"], "Bo");
    assert_eq!(t[1]["details"]["from"], "open");

    let audit = audit_actions(&app, &admin).await;
    let changes: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "conversation_status_changed")
        .collect();
    assert_eq!(changes.len(), 2, "{audit:?}");
    assert_eq!(changes[0]["actor_name"], "Ada");
    assert_eq!(changes[1]["actor_name"], "Bo");
    assert!(
        !audit.iter().any(|e| e["action"] == "request"
            && e["target"].as_str().is_some_and(|t| t.ends_with("/status"))),
        "recorded once, with what changed"
    );

    // Paged, newest first.
    let (s, v) = as_op(
        &app,
        &agent,
        Method::GET,
        &format!("{}?limit=1", path("timeline")),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["entries"][0]["id"], t[0]["id"]);
    let next = v["next_before"].as_str().expect("a next page").to_owned();
    let (_, v) = as_op(
        &app,
        &agent,
        Method::GET,
        &format!("{}?limit=1&before={next}", path("timeline")),
        None,
    )
    .await;
    assert_eq!(v["entries"][0]["id"], t[1]["id"]);
    assert_eq!(v["next_before"], Value::Null);
    let (s, v) = as_op(
        &app,
        &agent,
        Method::GET,
        &format!("{}?limit=0", path("timeline")),
        None,
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_request"))
    );

    // Another site cannot change it with the operator's cookie.
    let r = app
        .http
        .put(app.url(&path("status")))
        .header(COOKIE, format!("wacloud_session={agent}"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"status": "open"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "cross_site_request");

    // Malformed and unknown input.
    for (body, code) in [
        (json!({"status": "closed"}), "invalid_json"),
        (json!({"status": "snoozed"}), "invalid_snooze"),
        (
            json!({"status": "open", "snoozed_until": "2099-01-01T00:00:00Z"}),
            "invalid_snooze",
        ),
        (
            json!({"status": "snoozed", "snoozed_until": "2000-01-01T00:00:00Z"}),
            "invalid_snooze",
        ),
        (json!({"status": "open", "extra": 1}), "invalid_json"),
    ] {
        let (s, v) = as_op(&app, &agent, Method::PUT, &path("status"), Some(body)).await;
        assert_eq!((s, v["error"]["code"].as_str()), (400, Some(code)), "{v}");
    }
    let (s, v) = as_op(
        &app,
        &agent,
        Method::PUT,
        "/api/whatsapp/contacts/%2B15559990000/status",
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (404, Some("not_found")));
    // Without a session.
    let (s, v, _) = call(
        &app,
        Method::PUT,
        &path("status"),
        None,
        Some(json!({"status": "open"})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("login_required"))
    );
}

#[tokio::test]
async fn inbox_a_customer_message_reopens_a_resolved_conversation() {
    let app = TestApp::spawn().await;
    let (admin, agent, agent_id) = team(&app).await;
    customer_writes(&app, 1).await;
    let (s, _) = as_op(
        &app,
        &agent,
        Method::PUT,
        &path("assignee"),
        Some(json!({"assignee_id": agent_id})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = as_op(
        &app,
        &agent,
        Method::PUT,
        &path("status"),
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(listed(&app, &agent, "status=resolved").await, [ALICE]);
    assert!(listed(&app, &agent, "status=open").await.is_empty());

    customer_writes(&app, 2).await;
    let (_, v) = as_op(&app, &agent, Method::GET, &path("conversation"), None).await;
    assert_eq!(v["status"], "open", "{v}");
    assert_eq!(v["updated_by"], "customer");
    assert_eq!(v["assignee"]["id"], agent_id.as_str(), "the assignee stays");
    assert_eq!(listed(&app, &agent, "status=open&view=mine").await, [ALICE]);
    let t = timeline(&app, &admin).await;
    assert_eq!(t[0]["kind"], "status_changed");
    assert_eq!(t[0]["actor"], "customer");
    assert_eq!(
        (
            t[0]["details"]["from"].as_str(),
            t[0]["details"]["to"].as_str()
        ),
        (Some("resolved"), Some("open"))
    );

    // Pending reopens too; an open conversation is left alone (no timeline entry).
    as_op(
        &app,
        &agent,
        Method::PUT,
        &path("status"),
        Some(json!({"status": "pending"})),
    )
    .await;
    customer_writes(&app, 3).await;
    customer_writes(&app, 4).await;
    let t = timeline(&app, &admin).await;
    let reopened = t.iter().filter(|e| e["actor"] == "customer").count();
    assert_eq!(reopened, 2, "{t:?}");
}

#[tokio::test]
async fn inbox_a_snooze_past_its_time_reads_open() {
    let app = TestApp::spawn().await;
    let (_admin, agent, _) = team(&app).await;
    customer_writes(&app, 1).await;
    let until = chrono::Utc::now() + chrono::Duration::seconds(2);
    let (s, v) = as_op(
        &app,
        &agent,
        Method::PUT,
        &path("status"),
        Some(json!({"status": "snoozed", "snoozed_until": until})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "snoozed");
    assert_eq!(listed(&app, &agent, "status=snoozed").await, [ALICE]);
    assert!(listed(&app, &agent, "status=open").await.is_empty());
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let (_, v) = as_op(&app, &agent, Method::GET, &path("conversation"), None).await;
    assert_eq!(v["status"], "open", "{v}");
    assert_eq!(v["snoozed_until"], Value::Null);
    assert_eq!(listed(&app, &agent, "status=open").await, [ALICE]);
    assert!(listed(&app, &agent, "status=snoozed").await.is_empty());
    let (_, v) = as_op(&app, &agent, Method::GET, "/api/whatsapp/contacts", None).await;
    assert_eq!(v["contacts"][0]["conversation"]["status"], "open");
}

#[tokio::test]
async fn inbox_views_mine_unassigned_and_all_and_who_may_reassign() {
    let app = TestApp::spawn().await;
    let (admin, agent, agent_id) = team(&app).await;
    let cy_id = add(
        &app,
        Some(&admin),
        "cy@example.com",
        "Cy",
        "agent",
        "quiet-meadow-falcon-17",
    )
    .await;
    let (_, _, cy) = login(&app, "cy@example.com", "quiet-meadow-falcon-17").await;
    let cy = cy.expect("cookie");
    customer_writes(&app, 1).await;
    let ts = chrono::Utc::now().timestamp();
    app.deliver(&inbound_text(
        &pid(&app),
        "15550002222",
        "wamid.inbox.b",
        ts,
        "hi",
        "Ben",
    ))
    .await;

    // Everyone may see who can be assigned: names and ids, no e-mail address or role.
    let (s, v) = as_op(&app, &agent, Method::GET, "/api/whatsapp/assignees", None).await;
    assert_eq!(s, 200, "{v}");
    let names: Vec<&str> = v["assignees"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["display_name"].as_str())
        .collect();
    assert_eq!(names, ["Ada", "Bo", "Cy"]);
    assert!(!v.to_string().contains("@example.com"));
    assert_eq!(listed(&app, &agent, "view=unassigned").await.len(), 2);
    assert!(listed(&app, &agent, "view=mine").await.is_empty());
    // Bo takes Alice's conversation.
    let (s, v) = as_op(
        &app,
        &agent,
        Method::PUT,
        &path("assignee"),
        Some(json!({"assignee_id": agent_id})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["assignee"]["display_name"], "Bo");
    assert_eq!(listed(&app, &agent, "view=mine").await, [ALICE]);
    assert_eq!(
        listed(&app, &agent, "view=unassigned").await,
        ["+15550002222"]
    );
    assert_eq!(listed(&app, &agent, "view=all").await.len(), 2);
    assert!(listed(&app, &cy, "view=mine").await.is_empty());

    // Cy, an agent, cannot take it from Bo, nor unassign it; Cy is told who has it.
    for to in [json!(cy_id), Value::Null] {
        let (s, v) = as_op(
            &app,
            &cy,
            Method::PUT,
            &path("assignee"),
            Some(json!({"assignee_id": to})),
        )
        .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (403, Some("assigned_to_other"))
        );
        assert!(v["error"]["message"].as_str().unwrap_or("").contains("Bo"));
    }
    // Bo hands it to Cy; an admin moves it back.
    let (s, v) = as_op(
        &app,
        &agent,
        Method::PUT,
        &path("assignee"),
        Some(json!({"assignee_id": cy_id})),
    )
    .await;
    assert_eq!(
        (s, v["assignee"]["id"].as_str()),
        (200, Some(cy_id.as_str()))
    );
    let (s, _) = as_op(
        &app,
        &admin,
        Method::PUT,
        &path("assignee"),
        Some(json!({"assignee_id": agent_id})),
    )
    .await;
    assert_eq!(s, 200);
    let t = timeline(&app, &agent).await;
    let moves: Vec<(&str, &str)> = t
        .iter()
        .filter(|e| e["kind"] == "assignee_changed")
        .map(|e| {
            (
                e["actor_name"].as_str().unwrap_or(""),
                e["details"]["to"]["display_name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(moves, [("Ada", "Bo"), ("Bo", "Cy"), ("Bo", "Bo")]);
    let assigned = audit_actions(&app, &admin)
        .await
        .into_iter()
        .filter(|e| e["action"] == "conversation_assigned")
        .count();
    assert_eq!(assigned, 3);

    // Bad input.
    for (body, status, code) in [
        (json!({}), 400, "invalid_request"),
        (json!({"assignee_id": "nobody"}), 400, "invalid_assignee"),
        (json!({"assignee_id": "x y"}), 400, "invalid_assignee"),
        (json!({"assignee_id": 5}), 400, "invalid_json"),
    ] {
        let (s, v) = as_op(&app, &admin, Method::PUT, &path("assignee"), Some(body)).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (status, Some(code)),
            "{v}"
        );
    }
    // A disabled operator cannot be given conversations.
    as_op(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/whatsapp/operators/{cy_id}"),
        Some(json!({"is_active": false})),
    )
    .await;
    let (s, v) = as_op(
        &app,
        &admin,
        Method::PUT,
        &path("assignee"),
        Some(json!({"assignee_id": cy_id})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_assignee"))
    );
    // The API key has no "mine".
    let key_app = TestApp::builder()
        .with(|s| s.http.api_key = Some("k".repeat(32).into()))
        .spawn()
        .await;
    let r = key_app
        .http
        .get(key_app.url("/api/whatsapp/contacts?view=mine"))
        .bearer_auth("k".repeat(32))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_an_operator");
    let (s, v) = as_op(
        &app,
        &agent,
        Method::GET,
        "/api/whatsapp/contacts?view=theirs",
        None,
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
}

#[tokio::test]
async fn inbox_notes_never_reach_graph_and_store_their_mentions() {
    let app = TestApp::spawn().await;
    let (admin, agent, agent_id) = team(&app).await;
    customer_writes(&app, 1).await;
    let (s, note) = as_op(
        &app,
        &agent,
        Method::POST,
        &path("notes"),
        Some(json!({"body": "VIP customer, @Ada please check; cc @bo. Not ada@example.com"})),
    )
    .await;
    assert_eq!(s, 201, "{note}");
    assert_eq!(note["kind"], "note");
    assert_eq!(note["actor_name"], "Bo");
    let names: Vec<&str> = note["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["display_name"].as_str())
        .collect();
    assert_eq!(names, ["Ada", "Bo"]);

    // Nothing went to Graph: the sandbox accepted no send, and no message was stored.
    let (s, counts, _) = call(&app, Method::GET, "/sandbox/counts", Some(&admin), None).await;
    assert_eq!(s, 200, "{counts}");
    assert_eq!(counts["accepted"], 0, "{counts}");
    let messages = {
        let (_, v) = as_op(
            &app,
            &admin,
            Method::GET,
            "/api/whatsapp/messages?phone=%2B15550001111",
            None,
        )
        .await;
        v["messages"].as_array().cloned().unwrap_or_default()
    };
    assert_eq!(messages.len(), 1, "only the customer's message");
    assert!(!messages.iter().any(|m| m["direction"] == "outbound"));
    // A real answer does reach it (so the count above could have failed).
    let (s, v) = as_op(
        &app,
        &agent,
        Method::POST,
        "/api/whatsapp/send",
        Some(json!({"phone_number": ALICE, "message_text": "hi"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, counts, _) = call(&app, Method::GET, "/sandbox/counts", Some(&admin), None).await;
    assert_eq!(counts["accepted"], 1);

    // The notes, and the mentions stored: Ada sees the note among hers.
    let (s, v) = as_op(&app, &admin, Method::GET, &path("notes"), None).await;
    assert_eq!(s, 200);
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    assert_eq!(v["entries"][0]["body"], note["body"]);
    let (s, v) = as_op(&app, &admin, Method::GET, "/api/whatsapp/mentions", None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["notes"][0]["id"], note["id"]);
    let (_, v) = as_op(&app, &agent, Method::GET, "/api/whatsapp/mentions", None).await;
    assert_eq!(
        v["notes"].as_array().unwrap().len(),
        1,
        "Bo is mentioned too"
    );
    assert!(audit_actions(&app, &admin)
        .await
        .iter()
        .any(|e| e["action"] == "note_added"
            && e["details"]["mentions"]
                .as_array()
                .is_some_and(|m| m.iter().any(|x| *x == json!(agent_id)))));

    for (body, code) in [
        (json!({"body": "   "}), "invalid_note"),
        (json!({"body": "x".repeat(4097)}), "invalid_note"),
        (json!({"text": "hi"}), "invalid_json"),
    ] {
        let (s, v) = as_op(&app, &agent, Method::POST, &path("notes"), Some(body)).await;
        assert_eq!((s, v["error"]["code"].as_str()), (400, Some(code)), "{v}");
    }
    // Oversized: beyond the JSON limit.
    let (s, v) = as_op(
        &app,
        &agent,
        Method::POST,
        &path("notes"),
        Some(json!({"body": "x".repeat(2_000_000)})),
    )
    .await;
    assert!(s == 413 || s == 400, "{s} {v}");
    assert!(v["error"]["code"].is_string());
}

#[tokio::test]
async fn inbox_canned_replies_are_admins_to_manage_and_everyones_to_read() {
    let app = TestApp::spawn().await;
    let (admin, agent, _) = team(&app).await;
    let body =
        json!({"short_code": "Thanks", "content": "Thank you {{name}}! — {{operator_name}}"});
    let (s, v) = as_op(
        &app,
        &agent,
        Method::POST,
        "/api/whatsapp/canned-replies",
        Some(body.clone()),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (403, Some("admin_only")));
    let (s, created) = as_op(
        &app,
        &admin,
        Method::POST,
        "/api/whatsapp/canned-replies",
        Some(body.clone()),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["short_code"], "thanks");
    let id = created["id"].as_str().unwrap().to_owned();
    let one = format!("/api/whatsapp/canned-replies/{id}");
    let (s, v) = as_op(
        &app,
        &admin,
        Method::POST,
        "/api/whatsapp/canned-replies",
        Some(body),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("short_code_taken"))
    );

    let (s, v) = as_op(
        &app,
        &agent,
        Method::GET,
        "/api/whatsapp/canned-replies",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["canned_replies"][0]["content"], created["content"]);
    assert!(v["placeholders"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "operator_name"));

    let edit = json!({"short_code": "thanks", "content": "Thanks, {{contact_name}}"});
    let (s, v) = as_op(&app, &agent, Method::PUT, &one, Some(edit.clone())).await;
    assert_eq!((s, v["error"]["code"].as_str()), (403, Some("admin_only")));
    let (s, v) = as_op(&app, &admin, Method::PUT, &one, Some(edit)).await;
    assert_eq!(
        (s, v["content"].as_str()),
        (200, Some("Thanks, {{contact_name}}"))
    );
    let (s, v) = as_op(&app, &agent, Method::DELETE, &one, None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (403, Some("admin_only")));

    for (body, code) in [
        (
            json!({"short_code": "a b", "content": "x"}),
            "invalid_short_code",
        ),
        (
            json!({"short_code": "x", "content": "Hi {{first_name}}"}),
            "unknown_placeholder",
        ),
        (json!({"short_code": "x", "content": ""}), "invalid_content"),
        (json!({"short_code": "x"}), "invalid_json"),
    ] {
        let (s, v) = as_op(
            &app,
            &admin,
            Method::POST,
            "/api/whatsapp/canned-replies",
            Some(body),
        )
        .await;
        assert_eq!((s, v["error"]["code"].as_str()), (400, Some(code)), "{v}");
    }
    let (s, _) = as_op(&app, &admin, Method::DELETE, &one, None).await;
    assert_eq!(s, 204);
    let (s, v) = as_op(&app, &admin, Method::DELETE, &one, None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (404, Some("not_found")));
    let actions: Vec<String> = audit_actions(&app, &admin)
        .await
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .filter(|a| a.starts_with("canned_reply"))
        .collect();
    assert_eq!(
        actions,
        [
            "canned_reply_deleted",
            "canned_reply_changed",
            "canned_reply_created"
        ]
    );
}

#[tokio::test]
async fn inbox_two_operators_see_who_takes_an_unassigned_conversation_live() {
    let app = TestApp::spawn().await;
    let (admin, agent, agent_id) = team(&app).await;
    customer_writes(&app, 1).await;
    let (_, v) = as_op(&app, &agent, Method::GET, "/api/whatsapp/contacts", None).await;
    let contact_id = v["contacts"][0]["id"].as_str().unwrap().to_owned();
    let mut ada_sees = events_as(&app, &admin).await;
    let mut bo_sees = events_as(&app, &agent).await;

    let (s, _) = as_op(
        &app,
        &agent,
        Method::PUT,
        &path("assignee"),
        Some(json!({"assignee_id": agent_id})),
    )
    .await;
    assert_eq!(s, 200);
    sees_conversation(&mut ada_sees, &contact_id).await;
    sees_conversation(&mut bo_sees, &contact_id).await;
    // What the widget then reads says who took it.
    let (_, v) = as_op(
        &app,
        &admin,
        Method::GET,
        "/api/whatsapp/contacts?view=all",
        None,
    )
    .await;
    assert_eq!(
        v["contacts"][0]["conversation"]["assignee"]["display_name"],
        "Bo"
    );

    // A note is announced the same way.
    as_op(
        &app,
        &admin,
        Method::POST,
        &path("notes"),
        Some(json!({"body": "ok"})),
    )
    .await;
    sees_conversation(&mut bo_sees, &contact_id).await;
}
