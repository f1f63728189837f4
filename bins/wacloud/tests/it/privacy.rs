//! Erasure (`DELETE /contacts/{id}?erase=true`), subject access (`GET /contacts/{id}/data`)
//! and retention (the pruner), on the backend under test: after an erasure no column of any
//! table (read from the catalog, the search index's tokens included) holds the customer's
//! number, BSUID, username, name or texts; `/stats` keeps its totals and still equals a
//! recount; the audit trail says who erased which contact id.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Text};
use serde_json::{json, Value};
use wacloud_store::conn::{establish, DatabaseUrl, DbConnection};
use wacloud_store::repo::stats::{from_rows, recount};

use crate::app::{TestApp, PHONE_NUMBER_ID};

const T0: i64 = 1_700_000_000;
const WA_ID: &str = "15557770001";
const BSUID: &str = "US.99887766554433221";
const USERNAME: &str = "zelda_quux_77";
const NAME: &str = "Zelda Quuxworth";
const TEXTS: [&str; 2] = ["erasable marmalade xylophone", "second zanzibar quokka"];
const REPLY: &str = "reply vermilion okapi";

fn delivery(
    from: &str,
    user_id: Option<&str>,
    name: &str,
    start: i64,
    texts: &[(&str, &str)],
) -> Value {
    let messages: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, (id, text))| {
            json!({"from": from, "id": id, "timestamp": (T0 + start + i64::try_from(i).unwrap()).to_string(),
                   "type": "text", "text": {"body": text}})
        })
        .collect();
    let mut contact = json!({"profile": {"name": name, "username": USERNAME}, "wa_id": from});
    if let Some(u) = user_id {
        contact["user_id"] = json!(u);
    } else {
        contact["profile"] = json!({"name": name});
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [contact],
            "messages": messages
        }}]}]
    })
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every `table.column` (of every table in the catalog) holding `needle`, and on SQLite every
/// search-index token equal to one of its words.
fn find_everywhere(conn: &mut DbConnection, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    match conn {
        DbConnection::Sqlite(c) => {
            let tables: Vec<Name> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .load(c)
            .unwrap();
            for t in tables {
                let cols: Vec<Name> =
                    diesel::sql_query(format!("SELECT name FROM pragma_table_info('{}')", t.name))
                        .load(c)
                        .unwrap();
                for col in cols {
                    let n: Count = diesel::sql_query(format!(
                        "SELECT COUNT(*) AS n FROM \"{}\" WHERE instr(CAST(\"{}\" AS BLOB), ?) > 0",
                        t.name, col.name
                    ))
                    .bind::<Binary, _>(needle.as_bytes())
                    .get_result(c)
                    .unwrap();
                    if n.n > 0 {
                        found.push(format!("{}.{}", t.name, col.name));
                    }
                }
            }
            // The FTS5 index keeps tokens in its shadow tables in its own encoding: ask it.
            diesel::sql_query(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms \
                 USING fts5vocab(main, 'whatsapp_messages_fts', 'row')",
            )
            .execute(c)
            .unwrap();
            for word in needle
                .split(|ch: char| !ch.is_alphanumeric())
                .filter(|w| w.len() > 3)
            {
                let n: Count =
                    diesel::sql_query("SELECT COUNT(*) AS n FROM temp.fts_terms WHERE term = ?")
                        .bind::<Text, _>(word.to_lowercase())
                        .get_result(c)
                        .unwrap();
                if n.n > 0 {
                    found.push(format!("whatsapp_messages_fts token {word}"));
                }
            }
        }
        DbConnection::Pg(c) => {
            let cols: Vec<Col> = diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                        data_type::text AS data_type \
                   FROM information_schema.columns WHERE table_schema = current_schema()",
            )
            .load(c)
            .unwrap();
            for col in cols {
                let test = if col.data_type == "bytea" {
                    format!(
                        "position(convert_to($1, 'UTF8') in \"{}\") > 0",
                        col.column_name
                    )
                } else {
                    format!("strpos(CAST(\"{}\" AS TEXT), $1) > 0", col.column_name)
                };
                let n: Count = diesel::sql_query(format!(
                    "SELECT COUNT(*) AS n FROM \"{}\" WHERE {test}",
                    col.table_name
                ))
                .bind::<Text, _>(needle)
                .get_result(c)
                .unwrap();
                if n.n > 0 {
                    found.push(format!("{}.{}", col.table_name, col.column_name));
                }
            }
        }
    }
    found
}

fn recounted(url: &str) -> Value {
    let mut conn = establish(&DatabaseUrl::parse(url), false).expect("connect");
    serde_json::to_value(from_rows(&recount(&mut conn).expect("recount"))).unwrap()
}

/// `/stats`, once the sandbox's statuses have stopped changing it.
async fn settled_stats(app: &TestApp) -> Value {
    let mut last = app.stats().await;
    loop {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let now = app.stats().await;
        if now == last {
            return now;
        }
        last = now;
    }
}

#[tokio::test]
async fn erase_removes_every_trace_keeps_the_counts_and_subject_access_shows_everything_first() {
    let app = TestApp::spawn().await;
    let phone = format!("%2B{WA_ID}");
    // An outgoing webhook whose receiver never answers: the outbox keeps the customer's
    // events, which the erasure must take too.
    let (s, v) = app
        .post_json(
            "/api/whatsapp/subscriptions",
            &serde_json::json!({"url": "http://127.0.0.1:9/never",
                                "events": ["message.received", "message.status"]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .deliver(&delivery(
            WA_ID,
            Some(BSUID),
            NAME,
            0,
            &[("wamid.erase.1", TEXTS[0]), ("wamid.erase.2", TEXTS[1])],
        ))
        .await;
    assert_eq!(s, 200, "{v}");
    // Someone else, who stays.
    let (s, v) = app
        .deliver(&delivery(
            "15557770002",
            None,
            "Otto Keeper",
            10,
            &[("wamid.keep.1", "keep this pelican")],
        ))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .send(
            &json!({"phone_number": format!("+{WA_ID}"), "type": "text", "message_text": REPLY,
                      "allow_outside_window": true}),
        )
        .await;
    assert!(s == 200 || s == 202, "{s} {v}");
    let (s, v) = app
        .post_json(
            &format!("/api/whatsapp/contacts/{phone}/notes"),
            &json!({"body": format!("call {NAME} back")}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .put_json(
            &format!("/api/whatsapp/contacts/{phone}/status"),
            &json!({"status": "pending"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // The search index has their words before the erasure (SQLite indexes in the background).
    app.wait_for(10, "the search index", || async {
        let (_, v) = app.get("/api/whatsapp/messages?search=marmalade").await;
        (v["messages"].as_array().map(Vec::len) == Some(1)).then_some(())
    })
    .await;
    let before = settled_stats(&app).await;

    // Subject access, by number and by contact id: the same document.
    let (s, doc) = app
        .get(&format!("/api/whatsapp/contacts/{phone}/data"))
        .await;
    assert_eq!(s, 200, "{doc}");
    let id = doc["contacts"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(doc["contacts"][0]["wa_id"], WA_ID, "{doc}");
    assert_eq!(doc["messages"].as_array().unwrap().len(), 3, "{doc}");
    assert!(doc["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["status"].is_string()));
    assert!(
        doc["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["body"].as_str().is_some_and(|b| b.contains(NAME))),
        "{doc}"
    );
    assert_eq!(doc["conversation"]["status"], "pending", "{doc}");
    assert!(doc["deliveries"].as_array().unwrap().len() >= 2, "{doc}");
    let text = doc.to_string();
    for needle in [BSUID, USERNAME, TEXTS[0], TEXTS[1], REPLY] {
        assert!(text.contains(needle), "{needle} missing from {doc}");
    }
    assert!(!text.contains("pelican"), "another customer's data: {doc}");
    let (s, by_id) = app.get(&format!("/api/whatsapp/contacts/{id}/data")).await;
    assert_eq!(s, 200, "{by_id}");
    assert_eq!(by_id["messages"], doc["messages"]);

    // Erasure needs erase=true.
    let r = app
        .http
        .delete(app.url(&format!("/api/whatsapp/contacts/{phone}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .http
        .delete(app.url(&format!("/api/whatsapp/contacts/{phone}?erase=true")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let erased: Value = r.json().await.unwrap();
    assert_eq!(erased["contact_id"], id.as_str(), "{erased}");
    assert_eq!(erased["messages"], 3, "{erased}");
    assert!(
        erased["deliveries_scrubbed"].as_u64().unwrap() >= 2,
        "{erased}"
    );
    assert!(
        erased["timeline_entries"].as_u64().unwrap() >= 2,
        "{erased}"
    );

    let (s, _) = app
        .get(&format!("/api/whatsapp/contacts/{phone}/data"))
        .await;
    assert_eq!(s, 404);
    let r = app
        .http
        .delete(app.url(&format!("/api/whatsapp/contacts/{id}?erase=true")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The counts: totals as before; their unread messages no longer unread; still a recount.
    let after = settled_stats(&app).await;
    for k in [
        "total_messages",
        "sent_messages",
        "received_messages",
        "total_contacts",
        "messages_by_status",
        "webhooks",
    ] {
        assert_eq!(after[k], before[k], "{k}: {before} → {after}");
    }
    assert_eq!(
        after["unread_messages"].as_i64().unwrap(),
        before["unread_messages"].as_i64().unwrap() - 2,
        "{before} → {after}"
    );
    assert_eq!(after, recounted(&app.database_url));

    // The audit entry: who, when, which contact id; nothing personal.
    let (s, audit) = app.get("/api/whatsapp/audit").await;
    assert_eq!(s, 200, "{audit}");
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "contact_erased")
        .unwrap_or_else(|| panic!("no contact_erased entry in {audit}"));
    assert_eq!(entry["target"], id.as_str());
    assert!(
        entry["at"].is_string() && entry["actor"].is_string(),
        "{entry}"
    );

    // Nowhere: every column of every table, the search index's tokens included.
    let mut conn = establish(&DatabaseUrl::parse(&app.database_url), false).expect("connect");
    for needle in [WA_ID, BSUID, USERNAME, NAME, TEXTS[0], TEXTS[1], REPLY] {
        let found = find_everywhere(&mut conn, needle);
        assert!(found.is_empty(), "{needle} still in {found:?}");
    }
    assert!(
        !find_everywhere(&mut conn, "keep this pelican").is_empty(),
        "the scan finds what is there"
    );
    let (_, v) = app.get("/api/whatsapp/messages?search=pelican").await;
    assert_eq!(v["messages"].as_array().map(Vec::len), Some(1), "{v}");
    let (_, v) = app.get("/api/whatsapp/messages?search=marmalade").await;
    assert_eq!(v["messages"].as_array().map(Vec::len), Some(0), "{v}");

    // A later message from the same number starts a new contact.
    let (s, v) = app
        .deliver(&delivery(
            WA_ID,
            None,
            "Z",
            100,
            &[("wamid.erase.3", "hello again")],
        ))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, doc) = app
        .get(&format!("/api/whatsapp/contacts/{phone}/data"))
        .await;
    assert_eq!(s, 200, "{doc}");
    assert_ne!(doc["contacts"][0]["id"], id.as_str());
    assert_eq!(doc["messages"].as_array().unwrap().len(), 1, "{doc}");
}

#[derive(QueryableByName)]
struct State {
    #[diesel(sql_type = Text)]
    state: String,
}

fn stored_states(url: &str) -> Vec<String> {
    let mut conn = establish(&DatabaseUrl::parse(url), false).expect("connect");
    let q = "SELECT state FROM whatsapp_webhooks ORDER BY state";
    let rows: Vec<State> = match &mut conn {
        DbConnection::Sqlite(c) => diesel::sql_query(q).load(c).unwrap(),
        DbConnection::Pg(c) => diesel::sql_query(q).load(c).unwrap(),
    };
    rows.into_iter().map(|r| r.state).collect()
}

#[tokio::test]
async fn retention_prunes_only_applied_deliveries_past_their_age_and_keeps_the_counts() {
    use wacloud_core::privacy::Retention;
    use wacloud_core::usecases::privacy::{prune, Pause, PruneMark, Pruned, PRUNE_BATCH};

    let app = TestApp::spawn().await;
    for k in 0..3 {
        let wamid = format!("wamid.retain.{k}");
        let (s, v) = app
            .deliver(&delivery(
                "15557770003",
                None,
                "Ret",
                k * 10,
                &[(&wamid, "retained walrus words")],
            ))
            .await;
        assert_eq!(s, 200, "{v}");
    }
    // A delivery that failed: kept whatever its age.
    let (s, v) = app.post_webhook(b"{\"not\": json").await;
    assert_eq!((s, v["state"].as_str()), (200, Some("failed")), "{v}");
    app.wait_for(10, "the search index", || async {
        let (_, v) = app.get("/api/whatsapp/messages?search=walrus").await;
        (v["messages"].as_array().map(Vec::len) == Some(3)).then_some(())
    })
    .await;
    let before = settled_stats(&app).await;
    let policy = Retention {
        webhook_days: Some(1),
        message_text_days: None,
    };
    let now = chrono::Utc::now();
    let mut mark = PruneMark::default();
    let mut batches = Vec::new();
    let mut seen = |p: Pruned| -> Pause {
        batches.push(p);
        Box::pin(std::future::ready(()))
    };
    // Not past their age yet: nothing.
    let p = prune(
        &app.store,
        policy,
        now + chrono::Duration::hours(12),
        PRUNE_BATCH,
        &mut mark,
        &mut seen,
    )
    .await
    .unwrap();
    assert_eq!(p, Pruned::default());
    assert_eq!(
        stored_states(&app.database_url),
        ["failed", "processed", "processed", "processed"]
    );
    // Two days on: the applied ones go, the failed one stays.
    let p = prune(
        &app.store,
        policy,
        now + chrono::Duration::days(2),
        PRUNE_BATCH,
        &mut mark,
        &mut seen,
    )
    .await
    .unwrap();
    assert_eq!(p.webhooks, 3);
    assert_eq!(stored_states(&app.database_url), ["failed"]);
    let after = settled_stats(&app).await;
    assert_eq!(
        after["webhooks"]["total"], before["webhooks"]["total"],
        "{before} → {after}"
    );
    assert_eq!(
        after["webhooks"]["processed"],
        before["webhooks"]["processed"]
    );
    assert_eq!(after["webhooks"]["pruned"], 3, "{after}");
    assert_eq!(after["total_messages"], before["total_messages"]);
    let mut recount = recounted(&app.database_url);
    recount["webhooks"]["pruned"] = json!(3);
    assert_eq!(after, recount);

    // Message texts older than a day (Meta's timestamps are from 2023): cleared, rows kept.
    let policy = Retention {
        webhook_days: None,
        message_text_days: Some(1),
    };
    let p = prune(&app.store, policy, now, PRUNE_BATCH, &mut mark, &mut seen)
        .await
        .unwrap();
    assert_eq!(p.message_texts, 3);
    let (_, v) = app.get("/api/whatsapp/messages?search=walrus").await;
    assert_eq!(v["messages"].as_array().map(Vec::len), Some(0), "{v}");
    let messages = app.conversation("+15557770003").await;
    assert_eq!(messages.len(), 3);
    assert!(
        messages.iter().all(|m| m["message_text"].is_null()),
        "{messages:?}"
    );
    assert_eq!(
        settled_stats(&app).await["total_messages"],
        before["total_messages"]
    );
    let mut conn = establish(&DatabaseUrl::parse(&app.database_url), false).expect("connect");
    assert!(find_everywhere(&mut conn, "retained walrus words").is_empty());
    // Again: nothing left to do.
    let p = prune(&app.store, policy, now, PRUNE_BATCH, &mut mark, &mut seen)
        .await
        .unwrap();
    assert_eq!(p.message_texts, 0);
    assert!(!batches.is_empty());
}
