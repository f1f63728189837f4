//! Groups (issue 17): Meta's documented `group_*` webhooks (`openapi/examples/webhooks/
//! post_request_group_*.json`) keep each group's state; a group's messages (Meta's "Group
//! messages webhook reference": a `messages` value whose message carries `group_id`) are the
//! group's, never a one-to-one contact's; and create → invite link → participants → send works
//! against the sandbox playing Meta's Groups API.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::app::TestApp;

/// Meta's documented example `name`, aimed at the test's number.
fn example(name: &str, number: &str) -> Option<Value> {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/meta/openapi/examples/webhooks")
        .join(name);
    let Ok(bytes) = std::fs::read(&f) else {
        println!("skipped: {} is absent", f.display());
        return None;
    };
    let mut v: Value = serde_json::from_slice(&bytes).expect("fixture JSON");
    v["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = json!(number);
    Some(v)
}

const GROUP: &str = "Y2FwaV9ncm91cDoxODA1NTU1MDE3MjoxMjAzNjMyMjI3NzE5NjMwNjcZD";

async fn group(app: &TestApp, id: &str) -> Value {
    let (s, v) = app.get(&format!("/api/whatsapp/groups/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v
}

fn states(g: &Value) -> Vec<(String, String)> {
    g["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["wa_id"].as_str().unwrap().to_owned(),
                p["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_participant_change_from_metas_example_shows_in_the_groups_state() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    let (Some(create), Some(remove), Some(settings)) = (
        example("post_request_group_create_message.json", &pid),
        example("post_request_group_remove_participants.json", &pid),
        example("post_request_group_settings_update.json", &pid),
    ) else {
        return;
    };
    let (s, v) = app.deliver(&create).await;
    assert_eq!(s, 200, "{v}");
    let g = group(&app, GROUP).await;
    assert_eq!(g["subject"], "your-group-subject", "{g}");
    assert_eq!(g["description"], "your-group-description");
    assert_eq!(g["status"], "active");
    assert_eq!(g["phone_number_id"], pid.as_str());
    assert_eq!(
        states(&g),
        [
            ("16505551234".into(), "joined".into()),
            ("16505551235".into(), "joined".into())
        ]
    );
    // Listed apart from the one-to-one conversations: the participants are no contacts.
    let (_, list) = app.get("/api/whatsapp/groups").await;
    assert_eq!(list["groups"].as_array().unwrap().len(), 1, "{list}");
    let (_, contacts) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(contacts["total_count"], 0, "{contacts}");

    let (s, v) = app.deliver(&remove).await;
    assert_eq!(s, 200, "{v}");
    let g = group(&app, GROUP).await;
    assert_eq!(
        states(&g),
        [
            ("16505551234".into(), "removed".into()),
            ("16505551235".into(), "removed".into())
        ],
        "{g}"
    );
    let left_at = g["participants"][0]["left_at"].as_str().unwrap();
    assert!(left_at.starts_with("2025-06-18"), "{left_at}");
    // The subject is kept: the removal names none.
    assert_eq!(g["subject"], "your-group-subject");

    let (s, v) = app.deliver(&settings).await;
    assert_eq!(s, 200, "{v}");
    let g = group(&app, GROUP).await;
    assert_eq!(g["picture_sha256"], "SfInY0gGKTsJlUWbwxC1k+FAD0FZHv", "{g}");
    // Redelivering the creation (same time) changes nothing once applied: Meta's deliveries
    // are stored once.
    let (s, _) = app.deliver(&create).await;
    assert_eq!(s, 200);
    assert_eq!(states(&group(&app, GROUP).await)[0].1, "removed");

    // Sending to a group with nobody in it is refused before Meta (Meta's 131020).
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/groups/{GROUP}/messages"),
            &json!({"text": "hello"}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "group_has_no_participants");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_messages_never_create_a_one_to_one_contact() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    let Some(create) = example("post_request_group_create_message.json", &pid) else {
        return;
    };
    let (s, v) = app.deliver(&create).await;
    assert_eq!(s, 200, "{v}");
    let unread_before = app.stats().await["unread_messages"].clone();
    let now = chrono::Utc::now().timestamp();
    // Meta's "Group messages webhook reference": a `messages` value, the message carrying
    // `group_id`, the sender in `contacts`.
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
            "contacts": [{"profile": {"name": "Pat"}, "wa_id": "16505551234"}],
            "messages": [
                {"from": "16505551234", "group_id": GROUP, "id": "wamid.group.1",
                 "timestamp": (now - 5).to_string(), "type": "text", "text": {"body": "hi all"}},
                {"from": "16505551234", "group_id": GROUP, "id": "wamid.group.2",
                 "timestamp": (now - 4).to_string(), "type": "reaction",
                 "reaction": {"message_id": "wamid.group.1", "emoji": "👍"}}
            ]
        }}]}]
    });
    let (s, v) = app.deliver(&body).await;
    assert_eq!(s, 200, "{v}");
    let (_, contacts) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(contacts["total_count"], 0, "no contact: {contacts}");
    assert_eq!(app.stats().await["unread_messages"], unread_before);
    let (s, page) = app
        .get(&format!("/api/whatsapp/groups/{GROUP}/messages"))
        .await;
    assert_eq!(s, 200, "{page}");
    let msgs = page["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1, "the reaction shows on its message: {page}");
    assert_eq!(msgs[0]["message_text"], "hi all");
    assert_eq!(msgs[0]["reaction"], "👍");
    assert!(msgs[0]["contact_id"].is_null(), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_create_invite_link_join_send_and_remove_against_the_sandbox() {
    let app = TestApp::spawn().await;
    // Meta's limits are checked before Meta is called.
    let (s, v) = app
        .post_json("/api/whatsapp/groups", &json!({"subject": "x".repeat(129)}))
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "subject_too_long");
    let (s, v) = app
        .post_json(
            "/api/whatsapp/groups",
            &json!({"subject": "Launch", "description": "d".repeat(2049)}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "description_too_long");
    let (_, sent) = app.get("/sandbox/sent").await;
    assert_eq!(sent["requests"].as_array().unwrap().len(), 0, "{sent}");

    let (s, created) = app
        .post_json(
            "/api/whatsapp/groups",
            &json!({"subject": "Launch team", "description": "Day one"}),
        )
        .await;
    assert_eq!(s, 202, "{created}");
    assert_eq!(created["status"], "creating");
    let id = created["id"].as_str().unwrap().to_owned();
    // The group_lifecycle_update webhook names the group.
    let g = app
        .wait_for(10, "the group created", || async {
            let (_, g) = app.get(&format!("/api/whatsapp/groups/{id}")).await;
            (g["status"] == "active").then_some(g)
        })
        .await;
    let group_id = g["group_id"].as_str().unwrap().to_owned();
    assert_eq!(g["subject"], "Launch team");
    let first_link = g["invite_link"].as_str().unwrap().to_owned();

    let (s, v) = app
        .get(&format!("/api/whatsapp/groups/{id}/invite-link"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["invite_link"], first_link.as_str());
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/groups/{id}/invite-link"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let new_link = v["invite_link"].as_str().unwrap().to_owned();
    assert_ne!(new_link, first_link);
    assert_eq!(group(&app, &id).await["invite_link"], new_link.as_str());

    // Two customers join through the link, one writes.
    for wa in ["15550002222", "15550003333"] {
        let (s, v) = app
            .post_json(
                &format!("/sandbox/groups/{group_id}/join"),
                &json!({"wa_id": wa}),
            )
            .await;
        assert_eq!(s, 202, "{v}");
    }
    assert_eq!(
        states(&group(&app, &id).await),
        [
            ("15550002222".into(), "joined".into()),
            ("15550003333".into(), "joined".into())
        ]
    );
    let (s, v) = app
        .post_json(
            &format!("/sandbox/groups/{group_id}/messages"),
            &json!({"from": "15550002222", "text": "Hello team"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");

    // The business writes to the group: recipient_type group, statuses come back.
    let (s, m) = app
        .post_json(
            &format!("/api/whatsapp/groups/{id}/messages"),
            &json!({"text": "Welcome!"}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let wamid = m["message_id"].as_str().unwrap().to_owned();
    let (_, sent) = app.get("/sandbox/sent").await;
    let req = sent["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["wamid"] == wamid.as_str())
        .cloned()
        .unwrap();
    assert_eq!(req["body"]["recipient_type"], "group", "{req}");
    assert_eq!(req["body"]["to"], group_id.as_str());
    app.wait_for(10, "the group message read", || async {
        let (_, page) = app
            .get(&format!("/api/whatsapp/groups/{id}/messages"))
            .await;
        let msgs = page["messages"].as_array().cloned().unwrap_or_default();
        let ours = msgs.iter().find(|x| x["message_id"] == wamid.as_str())?;
        (ours["status"] == "read" && msgs.len() == 2).then_some(())
    })
    .await;
    let (_, contacts) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(contacts["total_count"], 0, "{contacts}");

    // Removing: someone not in the group is refused before Meta (131212); a member is removed
    // once the participants webhook comes.
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/groups/{id}/participants/remove"),
            &json!({"participants": ["15550009999"]}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "not_a_participant");
    let nine: Vec<String> = (0..9).map(|i| format!("1555000000{i}")).collect();
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/groups/{id}/participants/remove"),
            &json!({"participants": nine}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "invalid_participants");
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/groups/{id}/participants/remove"),
            &json!({"participants": ["+15550003333"]}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    app.wait_for(10, "the participant removed", || async {
        let g = group(&app, &id).await;
        (states(&g)[1].1 == "removed").then_some(())
    })
    .await;
    assert_eq!(states(&group(&app, &id).await)[0].1, "joined");
}

/// Erasing a customer also takes what they wrote in groups and their place in groups' member
/// lists (group messages belong to no contact, so they are found by the sender's identities),
/// while `/stats` keeps counting the messages as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_erasing_a_member_takes_their_group_messages_and_membership() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    let Some(create) = example("post_request_group_create_message.json", &pid) else {
        return;
    };
    let (s, v) = app.deliver(&create).await;
    assert_eq!(s, 200, "{v}");
    let now = chrono::Utc::now().timestamp();
    let member = "16505559876";
    let value = |messages: Value, field_group: Option<&str>| {
        let mut m = messages;
        if let Some(g) = field_group {
            m["group_id"] = json!(g);
        }
        json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
                "contacts": [{"profile": {"name": "Robin"}, "wa_id": member}],
                "messages": [m]
            }}]}]
        })
    };
    let in_group = value(
        json!({"from": member, "id": "wamid.erase.group.1", "timestamp": (now - 9).to_string(),
               "type": "text", "text": {"body": "my address is 1 Main St"}}),
        Some(GROUP),
    );
    let joined = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "group_participants_update", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
            "groups": [{"timestamp": (now - 10).to_string(), "group_id": GROUP,
                        "type": "group_participants_add",
                        "added_participants": [{"wa_id": member}]}]
        }}]}]
    });
    let private = value(
        json!({"from": member, "id": "wamid.erase.private.1", "timestamp": (now - 8).to_string(),
               "type": "text", "text": {"body": "hello"}}),
        None,
    );
    for d in [&joined, &in_group, &private] {
        let (s, v) = app.deliver(d).await;
        assert_eq!(s, 200, "{v}");
    }
    let g = group(&app, GROUP).await;
    assert!(
        states(&g).iter().any(|(who, _)| who.contains(member)),
        "a member first: {g}"
    );
    let before = app.stats().await;
    let r = app
        .http
        .delete(app.url(&format!("/api/whatsapp/contacts/%2B{member}?erase=true")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let erased: Value = r.json().await.unwrap();
    assert_eq!(
        erased["messages"], 2,
        "the private and the group message: {erased}"
    );
    let (s, page) = app
        .get(&format!("/api/whatsapp/groups/{GROUP}/messages"))
        .await;
    assert_eq!(s, 200, "{page}");
    assert!(
        !page.to_string().contains("1 Main St"),
        "the group message is gone: {page}"
    );
    let g = group(&app, GROUP).await;
    assert!(
        !states(&g).iter().any(|(who, _)| who.contains(member)),
        "no longer listed: {g}"
    );
    let after = app.stats().await;
    assert_eq!(
        after["total_messages"], before["total_messages"],
        "still counted"
    );
}

/// NUL and other control characters in a subject or a group text are refused naming the field
/// before Meta is called (a text keeps its line breaks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_control_characters_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    for (subject, code) in [
        ("Te\u{0}am", "invalid_subject"),
        ("Te\u{7}am", "invalid_subject"),
    ] {
        let (s, v) = app
            .post_json("/api/whatsapp/groups", &json!({"subject": subject}))
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
            (400, Some(code), Some("subject")),
            "{v}"
        );
    }
    let (s, v) = app
        .post_json(
            "/api/whatsapp/groups",
            &json!({"subject": "Team", "description": "a\u{0}b"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (400, Some("description")),
        "{v}"
    );
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/groups/{GROUP}/messages"),
            &json!({"text": "hel\u{0}lo"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (400, Some("invalid_text"), Some("text")),
        "{v}"
    );
    // Line breaks pass the check (the group is unknown: 404, not 400).
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/groups/{GROUP}/messages"),
            &json!({"text": "line one\nline two"}),
        )
        .await;
    assert_eq!(s, 404, "{v}");
}

/// Parallel sends to one group go through the number's pacer with the group as the recipient,
/// as one-to-one sends do: all are accepted, none draws Meta's pair rate limit (131056). The
/// pair rate is made short here (the server's a little stricter than the sandbox's, as a real
/// deployment keeps under Meta's) so that the test is quick.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_parallel_sends_are_paced_not_refused() {
    let app = TestApp::builder()
        .with(|s| {
            s.throughput.pair_interval = std::time::Duration::from_millis(60);
            s.throughput.pair_burst = 5;
        })
        .spawn()
        .await;
    app.sandbox(json!({"pair_interval_ms": 50, "pair_burst": 10}))
        .await;
    let (s, created) = app
        .post_json("/api/whatsapp/groups", &json!({"subject": "Busy team"}))
        .await;
    assert_eq!(s, 202, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let g = app
        .wait_for(10, "the group created", || async {
            let (_, g) = app.get(&format!("/api/whatsapp/groups/{id}")).await;
            (g["status"] == "active").then_some(g)
        })
        .await;
    let group_id = g["group_id"].as_str().expect("group id").to_owned();
    let (s, v) = app
        .post_json(
            &format!("/sandbox/groups/{group_id}/join"),
            &json!({"wa_id": "15550002222"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let path = format!("/api/whatsapp/groups/{id}/messages");
    let sends = (0..50).map(|i| {
        let (app, path) = (&app, &path);
        async move {
            app.post_json(path, &json!({"text": format!("update {i}")}))
                .await
        }
    });
    let answers = futures::future::join_all(sends).await;
    let refused: Vec<&(u16, Value)> = answers.iter().filter(|(s, _)| *s != 201).collect();
    assert!(
        refused.is_empty(),
        "{} refused, the first: {:?}",
        refused.len(),
        refused.first()
    );
    let c = app.counts().await;
    assert!(
        c["refused"]
            .as_object()
            .is_none_or(serde_json::Map::is_empty),
        "Meta refused none: {}",
        c["refused"]
    );
}
