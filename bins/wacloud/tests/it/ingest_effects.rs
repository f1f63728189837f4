//! What each field and kind does to the store, as the API shows it (issue 4's list), and the
//! identity rules for numbers Meta rewrites.

use serde_json::{json, Value};

use crate::app::{TestApp, PHONE_NUMBER_ID};
use crate::bodies::{inbound_text, status_body};

fn change(field: &str, value: Value) -> Value {
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": "102290129340398", "time": 1730000000, "changes": [{"field": field, "value": value}]}]})
}

fn messages_value(messages: Value, contacts: Value) -> Value {
    json!({"messaging_product": "whatsapp",
           "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
           "contacts": contacts, "messages": messages})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_number_and_metas_wa_id_are_one_contact() {
    let app = TestApp::spawn().await;
    // The customer writes first, from the wa_id Meta uses (no ninth digit) …
    let body = inbound_text(
        PHONE_NUMBER_ID,
        "551187654321",
        "wamid.br1",
        chrono::Utc::now().timestamp() - 60,
        "Olá",
        "Bia",
    );
    assert_eq!(app.deliver(&body).await.0, 200);
    // … then the operator types the number with the ninth digit.
    let (status, sent) = app
        .send(&json!({"phone_number": "+55 11 98765-4321", "message_text": "Oi Bia"}))
        .await;
    assert_eq!(status, 200, "{sent}");
    let (_, contacts) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(contacts["total_count"], 1, "{contacts}");
    assert_eq!(contacts["contacts"][0]["wa_id"], "551187654321");
    let by_typed = app.conversation("+5511987654321").await;
    let by_wa_id = app.conversation("551187654321").await;
    assert_eq!(by_typed.len(), 2, "{by_typed:?}");
    assert_eq!(by_wa_id.len(), 2);
    // A second send to the typed form goes straight to the same contact.
    app.send(&json!({"phone_number": "+5511987654321", "message_text": "de novo"}))
        .await;
    assert_eq!(app.get("/api/whatsapp/contacts").await.1["total_count"], 1);

    // Mexico, other order: the operator types first; the customer's reply comes from Meta's form.
    let (status, _) = app
        .send(
            &json!({"phone_number": "+52 55 1234 5678", "message_text": "Hola", "allow_outside_window": true}),
        )
        .await;
    assert_eq!(status, 200);
    let reply = inbound_text(
        PHONE_NUMBER_ID,
        "5215512345678",
        "wamid.mx1",
        1_730_000_100,
        "Hola!",
        "Memo",
    );
    assert_eq!(app.deliver(&reply).await.0, 200);
    let (_, contacts) = app.get("/api/whatsapp/contacts?search=5512345678").await;
    assert_eq!(contacts["total_count"], 1, "{contacts}");
    assert_eq!(contacts["contacts"][0]["wa_id"], "5215512345678");
    assert_eq!(
        contacts["contacts"][0]["phone_number"], "+525512345678",
        "the number as typed"
    );
    assert_eq!(app.conversation("525512345678").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_updates_land_in_whatsapp_templates() {
    let app = TestApp::spawn().await;
    for (field, value) in [
        (
            "message_template_status_update",
            json!({"event": "APPROVED", "message_template_id": 594425479261596_i64, "message_template_name": "order_update", "message_template_language": "en_US", "message_template_category": "UTILITY", "reason": "NONE"}),
        ),
        (
            "message_template_quality_update",
            json!({"previous_quality_score": "GREEN", "new_quality_score": "YELLOW", "message_template_id": 594425479261596_i64, "message_template_name": "order_update", "message_template_language": "en_US"}),
        ),
        (
            "template_category_update",
            json!({"message_template_id": "594425479261596", "message_template_name": "order_update", "message_template_language": "en_US", "previous_category": "UTILITY", "new_category": "MARKETING"}),
        ),
        (
            "message_template_status_update",
            json!({"event": "REJECTED", "message_template_id": 1, "message_template_name": "promo", "message_template_language": "pt_BR", "reason": "SCAM"}),
        ),
    ] {
        let (status, answer) = app.deliver(&change(field, value)).await;
        assert_eq!(
            (status, answer["state"].as_str()),
            (200, Some("processed")),
            "{answer}"
        );
    }
    let (status, t) = app.get("/api/whatsapp/templates").await;
    assert_eq!(status, 200);
    let all = t["templates"].as_array().unwrap();
    assert_eq!(all.len(), 2, "{t}");
    let order = all.iter().find(|x| x["name"] == "order_update").unwrap();
    assert_eq!(order["template_id"], "594425479261596");
    assert_eq!(order["status"], "APPROVED");
    assert_eq!(order["quality_score"], "YELLOW");
    assert_eq!(order["category"], "MARKETING");
    let promo = all.iter().find(|x| x["name"] == "promo").unwrap();
    assert_eq!(
        (promo["status"].as_str(), promo["reason"].as_str()),
        (Some("REJECTED"), Some("SCAM"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_and_account_updates_land_in_whatsapp_numbers() {
    let app = TestApp::spawn().await;
    // A delivery for our number first, so the session row is ours.
    app.deliver(&inbound_text(
        PHONE_NUMBER_ID,
        "15550000050",
        "wamid.s1",
        1_730_000_000,
        "hi",
        "S",
    ))
    .await;
    let (_, h) = app.get("/api/whatsapp/health").await;
    assert!(h["account"]["last_webhook_at"].is_string(), "{h}");
    let errors = json!({"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
        "errors": [{"code": 131000, "title": "Something went wrong", "message": "Something went wrong"}]});
    assert_eq!(app.deliver(&change("messages", errors)).await.0, 200);
    let (_, h) = app.get("/api/whatsapp/health").await;
    assert!(
        h["account"]["last_event"]
            .as_str()
            .unwrap()
            .contains("131000"),
        "value-level errors are kept: {h}"
    );
    for (field, value) in [
        (
            "phone_number_quality_update",
            json!({"display_phone_number": "15550100001", "event": "FLAGGED", "current_limit": "TIER_10K"}),
        ),
        (
            "account_update",
            json!({"phone_number": "15550100001", "event": "ACCOUNT_RESTRICTION"}),
        ),
    ] {
        assert_eq!(app.deliver(&change(field, value)).await.0, 200);
    }
    // Account-wide events name no number: a server for one number shows them on it.
    let (status, h) = app.get("/api/whatsapp/health").await;
    assert_eq!(status, 200);
    assert_eq!(h["account"]["quality_rating"], "FLAGGED", "{h}");
    assert_eq!(h["account"]["messaging_limit_tier"], "TIER_10K");
    assert_eq!(h["account"]["account_status"], "ACCOUNT_RESTRICTION");
    let codes: Vec<&str> = h["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"account_restricted") && codes.contains(&"quality_flagged"),
        "{h}"
    );
    assert_eq!(h["status"], "degraded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marketing_opt_out_and_resume_follow_user_preferences() {
    let app = TestApp::spawn().await;
    let pref = |value: &str, ts: i64| {
        change(
            "user_preferences",
            json!({"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"wa_id": "15550000051", "profile": {"name": "Opt"}}],
            "user_preferences": [{"wa_id": "15550000051", "detail": "User requested to stop marketing messages", "category": "marketing_messages", "value": value, "timestamp": ts}]}),
        )
    };
    assert_eq!(app.deliver(&pref("stop", 1_730_000_000)).await.0, 200);
    let (_, c) = app.get("/api/whatsapp/contacts?search=15550000051").await;
    assert_eq!(c["contacts"][0]["marketing_opt_out"], true, "{c}");
    let (_, bulk) = app
        .send_bulk(&json!({"recipients": ["+15550000051"], "type": "template", "template": {"name": "hello_world", "language": "en_US"}}))
        .await;
    assert_eq!(
        bulk["accepted"], 0,
        "an opted-out contact is refused: {bulk}"
    );
    assert_eq!(app.deliver(&pref("resume", 1_730_000_100)).await.0, 200);
    let (_, c) = app.get("/api/whatsapp/contacts?search=15550000051").await;
    assert_eq!(c["contacts"][0]["marketing_opt_out"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoes_from_the_business_app_are_outbound_messages() {
    let app = TestApp::spawn().await;
    let echo = json!({"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
        "message_echoes": [{"from": "15550100001", "to": "15550000052", "id": "wamid.echo1", "timestamp": "1730000000", "type": "text", "text": {"body": "sent from the phone app"}}]});
    assert_eq!(
        app.deliver(&change("smb_message_echoes", echo)).await.0,
        200
    );
    let msgs = app.conversation("15550000052").await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["direction"], "outbound");
    assert_eq!(msgs[0]["source"], "business_app");
    assert_eq!(msgs[0]["message_text"], "sent from the phone app");
    assert_eq!(app.stats().await["unread_messages"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_edits_and_deletions_change_their_target() {
    let app = TestApp::spawn().await;
    let from = "15550000053";
    let c = json!([{"wa_id": from, "profile": {"name": "Ed"}}]);
    app.deliver(&inbound_text(
        PHONE_NUMBER_ID,
        from,
        "wamid.t1",
        1_730_000_000,
        "first",
        "Ed",
    ))
    .await;
    app.deliver(&inbound_text(
        PHONE_NUMBER_ID,
        from,
        "wamid.t2",
        1_730_000_001,
        "second",
        "Ed",
    ))
    .await;
    let wrap = |m: Value| change("messages", messages_value(json!([m]), c.clone()));
    app.deliver(&wrap(json!({"from": from, "id": "wamid.r1", "timestamp": "1730000002", "type": "reaction", "reaction": {"message_id": "wamid.t1", "emoji": "❤️"}}))).await;
    app.deliver(&wrap(json!({"from": from, "id": "wamid.e1", "timestamp": "1730000003", "type": "edit", "edit": {"original_message_id": "wamid.t2", "message": {"type": "text", "text": {"body": "second, fixed"}}}}))).await;
    let msgs = app.conversation(from).await;
    assert_eq!(msgs.len(), 2, "effects are not chat bubbles: {msgs:?}");
    let t1 = msgs.iter().find(|m| m["message_id"] == "wamid.t1").unwrap();
    let t2 = msgs.iter().find(|m| m["message_id"] == "wamid.t2").unwrap();
    assert_eq!(t1["reaction"], "❤️");
    assert_eq!(t2["message_text"], "second, fixed");
    assert_eq!(t2["edited_at"], "2024-10-27T03:33:23Z");
    app.deliver(&wrap(json!({"from": from, "id": "wamid.r2", "timestamp": "1730000004", "type": "reaction", "reaction": {"message_id": "wamid.t1"}}))).await;
    app.deliver(&wrap(json!({"from": from, "id": "wamid.v1", "timestamp": "1730000005", "type": "revoke", "revoke": {"original_message_id": "wamid.t2"}}))).await;
    let msgs = app.conversation(from).await;
    let t1 = msgs.iter().find(|m| m["message_id"] == "wamid.t1").unwrap();
    let t2 = msgs.iter().find(|m| m["message_id"] == "wamid.t2").unwrap();
    assert!(t1["reaction"].is_null(), "reaction removed: {t1}");
    assert!(t2["deleted_at"].is_string());
    assert!(
        t2["message_text"].is_null(),
        "the deleted text is gone: {t2}"
    );
    let (_, contacts) = app
        .get(&format!("/api/whatsapp/contacts?search={from}"))
        .await;
    assert_eq!(
        contacts["contacts"][0]["unread_count"], 2,
        "effects add no unread"
    );
}

/// Meta may list an edit or a reaction before the message it targets, in one delivery. A
/// delivery is applied as a whole: messages first, then what changes them, so neither is lost
/// (the result does not depend on how many deliveries shared the transaction).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_and_a_reaction_listed_before_their_message_still_apply() {
    let app = TestApp::spawn().await;
    let from = "15550000054";
    let c = json!([{"wa_id": from, "profile": {"name": "Ola"}}]);
    let messages = json!([
        {"from": from, "id": "wamid.oe1", "timestamp": "1730000110", "type": "edit", "edit": {"original_message_id": "wamid.oo1", "message": {"type": "text", "text": {"body": "edited"}}}},
        {"from": from, "id": "wamid.or1", "timestamp": "1730000120", "type": "reaction", "reaction": {"message_id": "wamid.oo1", "emoji": "👍"}},
        {"from": from, "id": "wamid.oo1", "timestamp": "1730000100", "type": "text", "text": {"body": "original"}}
    ]);
    let (status, _) = app
        .deliver(&change("messages", messages_value(messages, c)))
        .await;
    assert_eq!(status, 200);
    let msgs = app.conversation(from).await;
    assert_eq!(msgs.len(), 1, "effects are not chat bubbles: {msgs:?}");
    assert_eq!(msgs[0]["message_text"], "edited");
    assert_eq!(msgs[0]["edited_at"], "2024-10-27T03:35:10Z");
    assert_eq!(msgs[0]["reaction"], "👍");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_are_never_a_private_chat() {
    let app = TestApp::spawn().await;
    let m = json!({"from": "15550000054", "group_id": "Y2FwaV9ncm91cDoxODA1NTU1MDE3Mjo", "id": "wamid.g1", "timestamp": "1730000000", "type": "text", "text": {"body": "to the group"}});
    let (status, _) = app
        .deliver(&change(
            "messages",
            messages_value(
                json!([m]),
                json!([{"wa_id": "15550000054", "profile": {"name": "G"}}]),
            ),
        ))
        .await;
    assert_eq!(status, 200);
    let all = app.all_messages("").await;
    let g = all
        .iter()
        .find(|m| m["message_id"] == "wamid.g1")
        .expect("group message kept");
    assert!(g["contact_id"].is_null(), "{g}");
    assert!(
        app.conversation("15550000054").await.is_empty(),
        "not in the private chat"
    );
    // Kept and counted as received, but never unread: no conversation holds it, so nothing
    // could mark it read and `/stats` would disagree with the contacts for ever.
    let stats = app.stats().await;
    assert_eq!(stats["received_messages"], 1, "{stats}");
    assert_eq!(stats["unread_messages"], 0, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_system_unsupported_and_unknown_kinds_are_kept() {
    let app = TestApp::spawn().await;
    let from = "15550000055";
    let c = json!([{"wa_id": from, "profile": {"name": "K"}}]);
    let kinds = json!([
        {"from": from, "id": "wamid.k1", "timestamp": "1730000000", "type": "request_welcome"},
        {"from": from, "id": "wamid.k2", "timestamp": "1730000001", "type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown", "message": "Message type unknown", "error_data": {"details": "Message type is currently not supported."}}]},
        {"from": from, "id": "wamid.k3", "timestamp": "1730000002", "type": "hologram", "hologram": {"frames": 3}},
        {"id": "wamid.k4", "timestamp": "1730000003", "type": "system", "system": {"body": "NAME changed their phone number", "type": "user_changed_number", "wa_id": "15550000056"}}
    ]);
    let (status, answer) = app
        .deliver(&change("messages", messages_value(kinds, c)))
        .await;
    assert_eq!(
        (status, answer["state"].as_str()),
        (200, Some("processed")),
        "{answer}"
    );
    let all = app.all_messages("").await;
    let kind = |w: &str| {
        all.iter()
            .find(|m| m["message_id"] == w)
            .map(|m| m["message_type"].clone())
    };
    assert_eq!(kind("wamid.k1"), Some(json!("request_welcome")));
    assert_eq!(kind("wamid.k2"), Some(json!("unsupported")));
    assert_eq!(kind("wamid.k3"), Some(json!("hologram")));
    assert_eq!(kind("wamid.k4"), Some(json!("system")));
    let k2 = all.iter().find(|m| m["message_id"] == "wamid.k2").unwrap();
    assert_eq!(k2["error_code"], 131051);
    // The notice moved the customer to their new number: one contact, under that number.
    let (_, contacts) = app.get("/api/whatsapp/contacts?search=15550000056").await;
    assert_eq!(contacts["total_count"], 1, "{contacts}");
    let contact = &contacts["contacts"][0];
    assert_eq!(
        contact["window_open"], false,
        "2024 messages: the window closed long ago"
    );
    assert_eq!(
        contact["last_inbound_at"], "2024-10-27T03:33:22Z",
        "Meta's system notice opens no window"
    );
    assert_eq!(
        contact["unread_count"], 2,
        "the welcome notice is not unread; unsupported and unknown are"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_down_gets_503_so_meta_retries() {
    let app = TestApp::spawn().await;
    app.store.shutdown();
    let body = inbound_text(
        PHONE_NUMBER_ID,
        "15550000057",
        "wamid.down1",
        1_730_000_000,
        "hi",
        "D",
    );
    let (status, answer) = app.deliver(&body).await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["error"]["code"], "database_unavailable");
    // Reads still work, writes do not: health says so instead of "ok".
    let (status, health) = app.get("/api/whatsapp/health").await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "degraded", "{health}");
    let alert = health["alerts"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["code"] == "database_writes_failing"))
        .unwrap_or_else(|| panic!("no write alert: {health}"));
    assert!(
        alert["message"]
            .as_str()
            .unwrap_or("")
            .contains("shutting down"),
        "{alert}"
    );
    let (status, _) = app
        .send(
            &json!({"phone_number": "+15550000057", "message_text": "x", "allow_outside_window": true}),
        )
        .await;
    assert_eq!(status, 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_load_deliveries_are_answered_first_and_applied_right_after() {
    // Inline limit 0: every delivery is stored, answered, then applied by the backlog.
    let app = TestApp::builder()
        .with(|s| s.database.ingest_inline_limit = 0)
        .spawn()
        .await;
    let mut posts = Vec::new();
    for i in 0..40 {
        let from = format!("155500001{:02}", i % 8);
        posts.push(inbound_text(
            PHONE_NUMBER_ID,
            &from,
            &format!("wamid.bl{i}"),
            1_730_000_000 + i,
            "queued",
            "B",
        ));
    }
    posts.push(status_body(
        PHONE_NUMBER_ID,
        "wamid.blout",
        "sent",
        1_730_000_100,
        "15550000100",
    ));
    posts.push(status_body(
        PHONE_NUMBER_ID,
        "wamid.blout",
        "read",
        1_730_000_102,
        "15550000100",
    ));
    posts.push(posts[0].clone()); // an exact redelivery
    let answers = futures::future::join_all(posts.iter().map(|b| app.deliver(b))).await;
    for (status, a) in &answers {
        assert_eq!(*status, 200, "{a}");
    }
    assert!(
        answers.iter().any(|(_, a)| a["state"] == "received"),
        "deferred: {answers:?}"
    );
    let stats = app
        .wait_for(10, "the backlog applied", || async {
            let s = app.stats().await;
            (s["webhooks"]["received"] == 0 && s["received_messages"] == 40).then_some(s)
        })
        .await;
    assert_eq!(stats["webhooks"]["total"], 42, "{stats}");
    assert_eq!(stats["webhooks"]["processed"], 42);
    assert_eq!(stats["unread_messages"], 40);
    let (_, c) = app.get("/api/whatsapp/contacts?limit=200").await;
    assert_eq!(c["unread_count"], 40, "one increment per message: {c}");
    let out = app
        .all_messages("")
        .await
        .into_iter()
        .find(|m| m["message_id"] == "wamid.blout")
        .unwrap();
    assert_eq!(out["status"], "read");
    // Each deferred delivery was applied once: stored (attempt 1), finished once (attempt 2).
    // Reading the stored ones back while their plans were still queued in memory applied them
    // again (attempts 3 and more).
    #[derive(diesel::QueryableByName)]
    struct Attempts {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        attempts: i32,
    }
    use diesel::RunQueryDsl;
    let url = wacloud_store::DatabaseUrl::parse(&app.database_url);
    let mut c = wacloud_store::conn::establish(&url, true).expect("connect");
    let rows: Vec<Attempts> = wacloud_store::with_conn!(&mut c, |x| diesel::sql_query(
        "SELECT attempts FROM whatsapp_webhooks"
    )
    .load(x))
    .expect("attempts");
    assert_eq!(rows.len(), 42);
    let attempts: Vec<i32> = rows.iter().map(|r| r.attempts).collect();
    assert!(attempts.iter().all(|&a| a == 2), "{attempts:?}");
}
