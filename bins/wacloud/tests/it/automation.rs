//! Automations (issue 21): rules and a number's automatic replies, run for a customer's
//! message by the outbox's `rules` consumer (`outbox::run_rules_item` →
//! `usecases::automation::run`), sent through the queue to the sandbox; the bot hand-over; the
//! API's refusals. A test also calls `run` itself, as a second worker would: it finds the
//! message's run done (or does it, once).
//! Webhook shapes: Meta's `messages` (`bodies::inbound_text`), `smb_message_echoes` and
//! `standby` values as documented (see `routing.rs`, `ingest_effects.rs`).

use std::time::Duration;

use serde_json::{json, Value};
use wacloud_core::outbox::Subscription;
use wacloud_core::ports::write;
use wacloud_core::usecases::automation::{run, RulesItem, RunReport};

use crate::app::TestApp;
use crate::bodies::inbound_text;

fn now_ts() -> i64 {
    chrono::Utc::now().timestamp()
}

fn path(phone: &str) -> String {
    phone.replace('+', "%2B")
}

/// A customer's text message, delivered signed; answers its wacloud id.
async fn customer_writes(app: &TestApp, wa_id: &str, wamid: &str, ts: i64, text: &str) -> String {
    let body = inbound_text(&app.phone_number_id, wa_id, wamid, ts, text, "Carla");
    let (s, v) = app.deliver(&body).await;
    assert_eq!(s, 200, "{v}");
    message_id(app, wa_id, wamid).await
}

async fn message_id(app: &TestApp, wa_id: &str, wamid: &str) -> String {
    app.conversation(&format!("+{wa_id}"))
        .await
        .into_iter()
        .find(|m| m["message_id"] == wamid)
        .and_then(|m| m["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{wamid} is stored"))
}

async fn run_for(app: &TestApp, message_id: &str) -> RunReport {
    let item = RulesItem {
        message_id: message_id.to_owned(),
    };
    run(&app.store, item, chrono::Utc::now(), |_| Ok(true))
        .await
        .expect("the run commits")
}

/// A subscription as the outbox stores it (its API is the outbox's).
async fn bot_subscription(app: &TestApp, id: &str, bot: bool) {
    let now = chrono::Utc::now();
    let s = Subscription {
        id: id.to_owned(),
        url: "http://127.0.0.1:9/hook".to_owned(),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        previous: Vec::new(),
        events: Vec::new(),
        bot,
        active: true,
        description: None,
        created_at: now,
        updated_at: now,
    };
    write(&app.store, move |r| r.put_subscription(&s))
        .await
        .expect("stored");
}

async fn automatic(app: &TestApp, wa_id: &str) -> Vec<Value> {
    app.conversation(&format!("+{wa_id}"))
        .await
        .into_iter()
        .filter(|m| m["automatic"] == true)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_rule_replies_once_through_the_queue_and_counts_its_run() {
    let app = TestApp::spawn().await;
    let wa = "15550002001";
    let (s, rule) = app
        .post_json(
            "/api/whatsapp/rules",
            &json!({"name": "Prices", "conditions": {"keywords": ["price"]},
                    "actions": [{"type": "reply_text", "text": "Our price list: example.com/prices"},
                                {"type": "add_tag", "tag": "sales"}]}),
        )
        .await;
    assert_eq!(s, 201, "{rule}");
    let rule_id = rule["id"].as_str().unwrap().to_owned();
    // Not matching: "priceless" is not the word "price".
    customer_writes(&app, wa, "wamid.auto.0", now_ts() - 2, "priceless!").await;
    let body = inbound_text(
        &app.phone_number_id,
        wa,
        "wamid.auto.1",
        now_ts() - 1,
        "What's the PRICE?",
        "Carla",
    );
    assert_eq!(app.deliver(&body).await.0, 200);
    let id = message_id(&app, wa, "wamid.auto.1").await;
    let sent = app
        .wait_for(15, "the rule's reply sent", || async {
            let a = automatic(&app, wa).await;
            (a.len() == 1 && a[0]["message_id"].is_string()).then_some(a)
        })
        .await;
    assert_eq!(sent[0]["actor"], format!("rule:{rule_id}"));
    assert_eq!(
        sent[0]["message_text"],
        "Our price list: example.com/prices"
    );
    assert_eq!(sent[0]["direction"], "outbound");
    // Another run of the same item, and a redelivered webhook, change nothing.
    assert!(run_for(&app, &id).await.already_ran);
    assert_eq!(app.deliver(&body).await.0, 200);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(automatic(&app, wa).await.len(), 1, "sent once");
    let (_, r) = app.get(&format!("/api/whatsapp/rules/{rule_id}")).await;
    assert_eq!(
        (r["runs"].as_i64(), r["failures"].as_i64()),
        (Some(1), Some(0)),
        "{r}"
    );
    assert!(r["last_run_at"].is_string(), "{r}");
    let (_, c) = app
        .get(&format!(
            "/api/whatsapp/contacts/{}",
            path(&format!("+{wa}"))
        ))
        .await;
    assert_eq!(c["tags"], json!(["sales"]), "{c}");
    let (_, t) = app
        .get(&format!(
            "/api/whatsapp/contacts/{}/timeline",
            path(&format!("+{wa}"))
        ))
        .await;
    let tags: Vec<&Value> = t["entries"]
        .as_array()
        .or_else(|| t.as_array())
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == "tags_changed")
        .collect();
    assert_eq!(tags.len(), 1, "{t}");
    assert_eq!(tags[0]["actor"], format!("rule:{rule_id}"));
    // The reply itself never starts a run (no loop).
    let reply_id = sent[0]["id"].as_str().unwrap();
    assert_eq!(run_for(&app, reply_id).await, RunReport::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_away_reply_skips_echoes_standby_and_itself_and_waits_its_interval() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    // Never open: every message is outside business hours.
    let (s, v) = app
        .put_json(
            &format!("/api/whatsapp/numbers/{pid}/automation"),
            &json!({"hours": {"time_zone": "Europe/Berlin", "openings": []},
                    "away_text": "We are closed; we answer tomorrow.",
                    "interval_minutes": 30}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let wa = "15550002002";
    // Our own echo (a message sent from the WhatsApp Business app).
    let echo = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "smb_message_echoes", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
            "message_echoes": [{"from": "15550100001", "to": wa, "id": "wamid.auto.echo",
                                "timestamp": (now_ts() - 5).to_string(), "type": "text",
                                "text": {"body": "sent from the phone app"}}]}}]}]});
    assert_eq!(app.deliver(&echo).await.0, 200);
    let echo_id = message_id(&app, wa, "wamid.auto.echo").await;
    assert_eq!(run_for(&app, &echo_id).await.queued, 0, "an echo");
    // A standby copy (another app owns the thread).
    let standby = json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "standby", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": pid},
            "contacts": [{"profile": {"name": "Carla"}, "wa_id": wa}],
            "messages": [{"from": wa, "id": "wamid.auto.standby", "timestamp": (now_ts() - 4).to_string(),
                          "type": "text", "text": {"body": "hello?"}}]}}]}]});
    assert_eq!(app.deliver(&standby).await.0, 200);
    let standby_id = message_id(&app, wa, "wamid.auto.standby").await;
    assert_eq!(run_for(&app, &standby_id).await.queued, 0, "standby");
    // The customer: the away reply, once per interval.
    customer_writes(&app, wa, "wamid.auto.c1", now_ts() - 3, "hello").await;
    let sent = app
        .wait_for(15, "the away reply sent", || async {
            let a = automatic(&app, wa).await;
            (a.len() == 1 && a[0]["message_id"].is_string()).then_some(a)
        })
        .await;
    let m2 = customer_writes(&app, wa, "wamid.auto.c2", now_ts() - 2, "anyone?").await;
    // Run by the outbox already, or now: either way no second reply within the interval.
    let r2 = run_for(&app, &m2).await;
    assert!(r2.already_ran || r2.queued == 0, "{r2:?}");
    assert_eq!(sent[0]["actor"], "automation:away");
    // Its own message never answers itself.
    let own = sent[0]["id"].as_str().unwrap();
    assert_eq!(run_for(&app, own).await, RunReport::default());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(automatic(&app, wa).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_away_outside_the_window_is_a_template_or_nothing() {
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();
    let settings = |template: Value| {
        json!({"hours": {"time_zone": "UTC", "openings": []},
               "away_text": "closed", "away_template": template})
    };
    let put = |v: Value| {
        let app = &app;
        let pid = pid.clone();
        async move {
            let (s, a) = app
                .put_json(&format!("/api/whatsapp/numbers/{pid}/automation"), &v)
                .await;
            assert_eq!(s, 200, "{a}");
        }
    };
    put(settings(Value::Null)).await;
    // Written two days ago (a backlog): the window is closed, so no text.
    let old = now_ts() - 2 * 24 * 3600;
    let m = customer_writes(&app, "15550002003", "wamid.auto.old1", old, "hi").await;
    let r = run_for(&app, &m).await;
    assert!(r.already_ran || (r.auto, r.queued) == (None, 0), "{r:?}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        automatic(&app, "15550002003").await.is_empty(),
        "no template: nothing"
    );
    // A template wacloud knows (an unknown one is refused: `automation_refusals_name_the_field`).
    let (s, v) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    put(settings(
        json!({"name": "hello_world", "language": "en_US"}),
    ))
    .await;
    customer_writes(&app, "15550002004", "wamid.auto.old2", old, "hi").await;
    let sent = app
        .wait_for(15, "the away template queued", || async {
            let a = automatic(&app, "15550002004").await;
            (!a.is_empty()).then_some(a)
        })
        .await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["actor"], "automation:away");
    assert_eq!(sent[0]["message_type"], "template", "{}", sent[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_a_bot_owns_the_conversation_until_it_hands_it_back() {
    let app = TestApp::spawn().await;
    let wa = "15550002005";
    let phone = path(&format!("+{wa}"));
    let (s, _) = app
        .post_json(
            "/api/whatsapp/rules",
            &json!({"name": "Hi", "conditions": {"keywords": ["hi"]},
                    "actions": [{"type": "reply_text", "text": "Hello!"},
                                {"type": "add_tag", "tag": "greeted"}]}),
        )
        .await;
    assert_eq!(s, 201);
    bot_subscription(&app, "bot-1", true).await;
    bot_subscription(&app, "not-a-bot", false).await;
    customer_writes(&app, wa, "wamid.bot.0", now_ts() - 3, "first").await;
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/contacts/{phone}/bot"),
            &json!({"subscription_id": "not-a-bot"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "invalid_subscription");
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/contacts/{phone}/bot"),
            &json!({"subscription_id": "bot-1"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["bot"]["subscription_id"], "bot-1");
    let (_, c) = app.get(&format!("/api/whatsapp/contacts/{phone}")).await;
    assert_eq!(c["bot"]["subscription_id"], "bot-1", "{c}");
    customer_writes(&app, wa, "wamid.bot.1", now_ts() - 2, "hi there").await;
    let c = app
        .wait_for(15, "the rule's tag", || async {
            let (_, c) = app.get(&format!("/api/whatsapp/contacts/{phone}")).await;
            (c["tags"] == json!(["greeted"])).then_some(c)
        })
        .await;
    assert_eq!(c["bot"]["subscription_id"], "bot-1", "{c}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        automatic(&app, wa).await.is_empty(),
        "the bot answers: no reply"
    );
    let req = app
        .http
        .delete(app.url(&format!("/api/whatsapp/contacts/{phone}/bot")))
        .send()
        .await
        .unwrap();
    assert_eq!(req.status(), 200);
    let (_, c) = app.get(&format!("/api/whatsapp/contacts/{phone}")).await;
    assert!(c.get("bot").is_none(), "{c}");
    customer_writes(&app, wa, "wamid.bot.2", now_ts() - 1, "hi again").await;
    app.wait_for(15, "the rule answers again", || async {
        (automatic(&app, wa).await.len() == 1).then_some(())
    })
    .await;
    let (_, t) = app
        .get(&format!("/api/whatsapp/contacts/{phone}/timeline"))
        .await;
    let n = t.to_string().matches("bot_changed").count();
    assert_eq!(n, 2, "{t}");
    // A bot deleted while it owns the conversation owns nothing any more.
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/contacts/{phone}/bot"),
            &json!({"subscription_id": "bot-1"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let r = app
        .http
        .delete(app.url("/api/whatsapp/subscriptions/bot-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, c) = app.get(&format!("/api/whatsapp/contacts/{phone}")).await;
    assert!(c.get("bot").is_none(), "{c}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_refusals_name_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"name": "x", "conditions": {"regex": "(unclosed"}, "actions": [{"type": "unassign"}]}),
            "invalid_regex",
            "conditions.regex",
        ),
        (
            json!({"name": "x", "conditions": {}, "actions": [{"type": "unassign"}]}),
            "invalid_condition",
            "conditions",
        ),
        (
            json!({"name": "x", "conditions": {"kinds": ["text"]},
                "actions": [{"type": "unassign"}, {"type": "add_tag", "tag": ""}]}),
            "invalid_action",
            "actions[1].tag",
        ),
    ];
    for (body, code, field) in cases {
        let (s, v) = app.post_json("/api/whatsapp/rules", &body).await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(
            (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
            (Some(code), Some(field)),
            "{v}"
        );
    }
    let (s, v) = app
        .post_json("/api/whatsapp/rules", &json!({"name": "x", "conditions": {"kinds": ["text"]}, "actions": [{"type": "explode"}]}))
        .await;
    assert_eq!(s, 400, "{v}");
    // A message type Meta does not send, and keywords with a NUL, a zero-width space or a
    // line separator.
    for (conditions, field) in [
        (json!({"kinds": ["nonsense"]}), "conditions.kinds[0]"),
        (
            json!({"keywords": ["pri\u{0}ce"]}),
            "conditions.keywords[0]",
        ),
        (
            json!({"keywords": ["price", "pri\u{200B}ce"]}),
            "conditions.keywords[1]",
        ),
        (
            json!({"keywords": ["price\u{2028}list"]}),
            "conditions.keywords[0]",
        ),
    ] {
        let (s, v) = app
            .post_json(
                "/api/whatsapp/rules",
                &json!({"name": "x", "conditions": conditions, "actions": [{"type": "unassign"}]}),
            )
            .await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(v["error"]["code"], "invalid_condition", "{v}");
        assert_eq!(v["error"]["field"], field, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap_or("").contains(field),
            "{field}: {v}"
        );
    }
    // What a rule names must exist when it is made, not fail each time it runs: an operator,
    // a bot subscription, one of this server's numbers.
    let pid = app.phone_number_id.clone();
    for (conditions, action, code, field, path) in [
        (
            json!({"kinds": ["text"]}),
            json!({"type": "assign", "operator_id": "no-such-operator"}),
            "unknown_operator",
            "actions",
            "actions[0].operator_id",
        ),
        (
            json!({"kinds": ["text"]}),
            json!({"type": "hand_over", "subscription_id": "no-such-subscription"}),
            "unknown_subscription",
            "actions",
            "actions[0].subscription_id",
        ),
        (
            json!({"kinds": ["text"]}),
            json!({"type": "hand_over", "subscription_id": "not-a-bot"}),
            "unknown_subscription",
            "actions",
            "actions[0].subscription_id",
        ),
        (
            json!({"phone_number_id": "999999"}),
            json!({"type": "unassign"}),
            "unknown_number",
            "conditions.phone_number_id",
            "conditions.phone_number_id",
        ),
    ] {
        if action["subscription_id"] == "not-a-bot" {
            bot_subscription(&app, "not-a-bot", false).await;
        }
        let (s, v) = app
            .post_json(
                "/api/whatsapp/rules",
                &json!({"name": "x", "conditions": conditions, "actions": [action]}),
            )
            .await;
        assert_eq!(s, 400, "{v}");
        assert_eq!(
            (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
            (Some(code), Some(field)),
            "{v}"
        );
        assert!(
            v["error"]["message"].as_str().unwrap_or("").contains(path),
            "{path}: {v}"
        );
    }
    // The same with what exists: taken.
    bot_subscription(&app, "a-bot", true).await;
    let (s, v) = app
        .post_json(
            "/api/whatsapp/rules",
            &json!({"name": "ok", "conditions": {"phone_number_id": pid},
                    "actions": [{"type": "hand_over", "subscription_id": "a-bot"}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    // A number's away template is checked as a rule's reply_template is.
    let away = |name: &str| {
        json!({"hours": {"time_zone": "UTC", "openings": []},
               "away_template": {"name": name, "language": "en_US"}})
    };
    let (s, v) = app
        .put_json(
            &format!("/api/whatsapp/numbers/{pid}/automation"),
            &away("no_such_template"),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (Some("unknown_template"), Some("away_template")),
        "{v}"
    );
    // A reply with a template wacloud does not know would only fail at Meta (132001) later;
    // once the templates are synced it is taken.
    let rule = |name: &str| {
        json!({"name": "tpl", "conditions": {"keywords": ["price"]},
               "actions": [{"type": "reply_template", "name": name, "language": "en_US"}]})
    };
    let (s, v) = app
        .post_json("/api/whatsapp/rules", &rule("no_such_template"))
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (Some("unknown_template"), Some("actions")),
        "{v}"
    );
    let (s, v) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post_json("/api/whatsapp/rules", &rule("order_update"))
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .put_json(
            &format!("/api/whatsapp/numbers/{pid}/automation"),
            &away("hello_world"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .put_json(
            &format!("/api/whatsapp/numbers/{pid}/automation"),
            &json!({"hours": {"time_zone": "Mars/Olympus"}}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["field"], "hours.time_zone");
    let (s, _) = app.get("/api/whatsapp/numbers/999/automation").await;
    assert_eq!(s, 404);
    let (s, v) = app
        .get(&format!("/api/whatsapp/numbers/{pid}/automation"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["interval_minutes"], 60, "{v}");
    let (s, _) = app.get("/api/whatsapp/rules/nope").await;
    assert_eq!(s, 404);
}

/// A rule's reply that Meta refuses for good (the sandbox answers 131026, "message
/// undeliverable", as Meta's error codes reference lists it) counts as a failure of the rule,
/// with Meta's reason as its last error; the run itself had succeeded (it only queued it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_a_refused_reply_counts_as_a_failure_of_its_rule() {
    let app = TestApp::spawn().await;
    let wa = "15550002091";
    let (s, rule) = app
        .post_json(
            "/api/whatsapp/rules",
            &json!({"name": "Hours", "conditions": {"keywords": ["hours"]},
                    "actions": [{"type": "reply_text", "text": "9 to 5"}]}),
        )
        .await;
    assert_eq!(s, 201, "{rule}");
    let rule_id = rule["id"].as_str().expect("id").to_owned();
    let (s, v) = app
        .post_json(
            "/sandbox/control",
            &json!({"faults": [{"to": wa, "mode": "refuse", "code": 131_026, "times": 5}]}),
        )
        .await;
    assert!(s < 300, "{s} {v}");
    customer_writes(&app, wa, "wamid.auto.refused", now_ts(), "your hours?").await;
    let r = app
        .wait_for(20, "the rule's failure counted", || async {
            let (_, r) = app.get(&format!("/api/whatsapp/rules/{rule_id}")).await;
            (r["failures"].as_i64() == Some(1)).then_some(r)
        })
        .await;
    assert_eq!(r["runs"].as_i64(), Some(1), "{r}");
    let err = r["last_error"].as_str().unwrap_or_default();
    assert!(err.starts_with("reply failed"), "{r}");
}
