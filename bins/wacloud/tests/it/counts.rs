//! `GET /stats` answers from counts kept as rows change (not by counting every row on each
//! call). After random histories through the server's own paths (webhook deliveries of every
//! kind, redeliveries, failed and foreign ones, single and bulk sends with the sandbox's
//! statuses, a cancelled batch, conversations marked read), its answer equals a full recount
//! of the tables, on the backend under test.

use diesel::prelude::*;
use serde_json::{json, Value};
use wacloud_store::conn::{establish, DatabaseUrl};
use wacloud_store::repo::stats::{from_rows, recount};

use crate::app::TestApp;
use crate::batch_equivalence::stream;

/// `/stats` as a full recount of the tables would answer it.
fn recounted(database_url: &str) -> Value {
    let mut conn = establish(&DatabaseUrl::parse(database_url), false).expect("connect");
    let rows = recount(&mut conn).expect("recount");
    serde_json::to_value(from_rows(&rows)).expect("json")
}

fn hello_world() -> Value {
    json!({"name": "hello_world", "language": "en_US"})
}

async fn history(app: &TestApp, seed: u64) {
    // Inbound messages, statuses in any order, failures, reactions, edits, deletions and exact
    // redeliveries, as Meta would deliver them.
    for body in stream(seed, 300) {
        let (status, v) = app.post_webhook_as_meta(&body).await;
        assert_eq!(status, 200, "{v}");
    }
    // A delivery for another business number, and a signed one that is not JSON.
    let foreign = json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "1", "phone_number_id": "999999999999999"},
        "messages": [{"from": "15550000999", "id": format!("wamid.foreign.{seed}"),
                      "timestamp": "1730000000", "type": "text", "text": {"body": "hi"}}]}}]}]});
    assert_eq!(app.deliver(&foreign).await.0, 200);
    let (status, v) = app
        .post_webhook(format!("{{\"seed\":{seed},").as_bytes())
        .await;
    assert_eq!((status, v["state"].as_str()), (200, Some("failed")), "{v}");

    // Sends: one at a time, and a bulk send; the sandbox answers with sent/delivered/read.
    for k in 0..5 {
        let (status, v) = app
            .send(
                &json!({"phone_number": format!("+1555000{:04}", k), "type": "template",
                          "template": hello_world()}),
            )
            .await;
        assert!(status == 200 || status == 202, "{status} {v}");
    }
    let recipients: Vec<String> = (0..12).map(|k| format!("+1555001{k:04}")).collect();
    let (status, v) = app
        .send_bulk(&json!({"recipients": recipients, "type": "template",
                           "template": hello_world()}))
        .await;
    assert_eq!(status, 202, "{v}");
    let batch = v["batch_id"].as_str().expect("batch id").to_owned();
    // A scheduled batch, cancelled.
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (status, v) = app
        .send_bulk(
            &json!({"recipients": ["+15550020001", "+15550020002"], "type": "template",
                    "template": hello_world(), "scheduled_at": later}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let later_id = v["batch_id"].as_str().expect("batch id").to_owned();
    let (status, v) = app
        .post_json(
            &format!("/api/whatsapp/batches/{later_id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    app.wait_for(60, "the bulk send done", || async {
        let (_, b) = app.get(&format!("/api/whatsapp/batches/{batch}")).await;
        (b["done"] == true).then_some(())
    })
    .await;

    // Some conversations read by an operator.
    for k in (0..40).step_by(3) {
        let phone = format!("1555000{k:04}");
        let (status, v) = app
            .post_json(&format!("/api/whatsapp/contacts/{phone}/read"), &json!({}))
            .await;
        assert!(status == 200 || status == 404, "{status} {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_equal_a_full_recount_after_random_histories() {
    let app = TestApp::builder()
        .with(|s| s.sandbox.status_delay = std::time::Duration::from_millis(5))
        .spawn()
        .await;
    for seed in [3, 1999] {
        history(&app, seed).await;
        // The sandbox's statuses arrive after the sends: wait until the counts settle, then
        // compare (the recount reads the same database the server writes).
        let stats = app
            .wait_for(30, "stats to equal a recount", || async {
                let stats = app.stats().await;
                let again = recounted(&app.database_url);
                (stats == again).then_some(stats)
            })
            .await;
        assert!(
            stats["total_messages"].as_i64().unwrap_or(0) > 100,
            "a meaningful history: {stats}"
        );
        assert!(
            stats["webhooks"]["failed"].as_i64().unwrap_or(0) >= 1,
            "{stats}"
        );
        assert!(
            stats["webhooks"]["foreign"].as_i64().unwrap_or(0) >= 1,
            "{stats}"
        );
        assert!(
            stats["queue"]["by_state"]["cancelled"]
                .as_i64()
                .unwrap_or(0)
                >= 2,
            "{stats}"
        );
        assert!(
            stats["messages_by_status"]["read"].as_i64().unwrap_or(0) > 0,
            "{stats}"
        );
    }
}

/// Rows removed by hand (as retention will remove them) leave the counts right too, and the
/// counts do not come from the tables on each read: changing a kept count changes `/stats`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_follow_deletions_and_are_read_from_the_kept_counts() {
    let app = TestApp::spawn().await;
    history(&app, 77).await;
    let before = app.stats().await;
    let mut conn = establish(&DatabaseUrl::parse(&app.database_url), false).expect("connect");
    let sql = |c: &mut wacloud_store::DbConnection, q: &str| match c {
        wacloud_store::DbConnection::Sqlite(x) => diesel::sql_query(q).execute(x),
        wacloud_store::DbConnection::Pg(x) => diesel::sql_query(q).execute(x),
    };
    sql(
        &mut conn,
        "DELETE FROM whatsapp_messages WHERE message_type = 'reaction' OR direction = 'outbound'",
    )
    .expect("delete messages");
    sql(
        &mut conn,
        "DELETE FROM whatsapp_webhooks WHERE state = 'failed'",
    )
    .expect("delete");
    let stats = app
        .wait_for(30, "stats to equal a recount", || async {
            let stats = app.stats().await;
            (stats == recounted(&app.database_url)).then_some(stats)
        })
        .await;
    // Fewer, not necessarily none: the sandbox may still be answering sends, and a status for a
    // deleted message brings a placeholder row back (how many depends on timing).
    assert!(before["sent_messages"].as_i64() >= Some(17), "{before}");
    assert!(
        stats["sent_messages"].as_i64().unwrap_or(i64::MAX) * 2
            < before["sent_messages"].as_i64().unwrap_or(0),
        "{before} → {stats}"
    );
    assert_eq!(stats["webhooks"]["failed"], 0, "{stats}");

    // The answer is the kept count: bump one by hand and /stats shows it, while a recount
    // does not.
    let before = stats["total_contacts"].as_i64().expect("contacts");
    sql(
        &mut conn,
        "UPDATE whatsapp_counts SET n = n + 1000 WHERE subject = 'contact'",
    )
    .expect("bump");
    let stats = app.stats().await;
    assert_eq!(stats["total_contacts"], before + 1000);
    assert_eq!(recounted(&app.database_url)["total_contacts"], before);
}
