//! The cost ledger (issue 17): the `pricing` of status webhooks kept on each message, priced
//! by a rate card, summed by `GET /costs` and `/stats`.
//!
//! The statuses follow Meta's per-message pricing (PMP, since July 2025): `pricing` with
//! `billable`, `pricing_model: "PMP"`, `category` and `type` (`regular`,
//! `free_customer_service`, `free_entry_point`); the shape of the older fixtures
//! (`shared/fixtures/meta/pywa/updates/message_status.json`,
//! `netflie-whatsapp-cloud-api/notification-factory-test/can_build_a_*_status_notification.json`)
//! with the PMP fields of Meta's documentation (and whatsapp-api-js's `ServerPricing`, where
//! `billable` may be absent and `type` tells).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::app::TestApp;

const CARD: &str = "effective_date,market,category,price,currency
# US marketing goes up on 2026-11-03.
2026-01-01,US,marketing,0.0250,USD
2026-11-03,US,marketing,0.0300,USD
2026-01-01,US,utility,0.0040,USD
2026-01-01,IN,marketing,0.0107,USD
";

pub fn card() -> Arc<wacloud_core::costs::RateCard> {
    Arc::new(wacloud::settings::parse_rate_card(CARD.as_bytes(), None).expect("the card reads"))
}

fn ts(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("time")
        .timestamp()
        .to_string()
}

/// One `statuses[]` item; `pricing` null for none.
fn status(wamid: &str, s: &str, at: &str, wa_id: &str, pricing: Value) -> Value {
    let mut v = json!({"id": wamid, "status": s, "timestamp": ts(at), "recipient_id": wa_id});
    if !pricing.is_null() {
        v["pricing"] = pricing;
    }
    v
}

fn pmp(category: &str, billable: Option<bool>, kind: &str) -> Value {
    let mut p = json!({"pricing_model": "PMP", "category": category, "type": kind});
    if let Some(b) = billable {
        p["billable"] = json!(b);
    }
    p
}

fn delivery(pid: &str, statuses: Vec<Value>) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": pid},
        "statuses": statuses}}]}]})
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

fn usd(group: &Value) -> (Decimal, Decimal) {
    let t = group["totals"]
        .as_array()
        .and_then(|a| a.iter().find(|t| t["currency"] == "USD"))
        .unwrap_or_else(|| panic!("no USD total: {group}"));
    (dec(&t["exact"]), dec(&t["rounded"]))
}

fn d(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

fn counts(g: &Value) -> (i64, i64, i64, i64) {
    let n = |k: &str| g[k].as_i64().unwrap_or(-1);
    (n("messages"), n("paid"), n("free"), n("unpriced"))
}

const US: &str = "16505550101";
const IN: &str = "919876543210";
const GB: &str = "447911123456";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costs_by_category_and_day_match_hand_computed_totals_and_a_redelivered_status_counts_once()
{
    let app = TestApp::builder()
        .with(|s| s.costs.rate_card = card())
        .spawn()
        .await;
    let pid = app.phone_number_id.clone();
    let billed = pmp("marketing", Some(true), "regular");
    // Messages sent by another tool on this number (wacloud keeps a row per wamid): the batched
    // ingest path.
    let first = delivery(
        &pid,
        vec![
            status(
                "wamid.c1",
                "sent",
                "2026-11-02T10:00:00Z",
                US,
                billed.clone(),
            ),
            status(
                "wamid.c1",
                "delivered",
                "2026-11-02T10:01:00Z",
                US,
                billed.clone(),
            ),
            status(
                "wamid.c2",
                "delivered",
                "2026-11-02T23:59:59Z",
                US,
                billed.clone(),
            ),
            // Sent on the 2nd, delivered (billed) on the 3rd at the new price.
            status(
                "wamid.c3",
                "sent",
                "2026-11-02T23:59:58Z",
                US,
                billed.clone(),
            ),
            status(
                "wamid.c3",
                "delivered",
                "2026-11-03T00:00:05Z",
                US,
                billed.clone(),
            ),
            status(
                "wamid.c4",
                "delivered",
                "2026-11-03T08:00:00Z",
                US,
                pmp("utility", Some(true), "regular"),
            ),
            status(
                "wamid.c6",
                "delivered",
                "2026-11-03T09:00:00Z",
                US,
                pmp("service", Some(false), "free_customer_service"),
            ),
            // No rate for GB and no `*` line: unpriced.
            status(
                "wamid.c7",
                "delivered",
                "2026-11-03T10:00:00Z",
                GB,
                billed.clone(),
            ),
            // Without `billable` (deprecated with PMP): `type` regular is billed.
            status(
                "wamid.c8",
                "delivered",
                "2026-11-02T12:00:00Z",
                US,
                json!({"pricing_model": "PMP", "category": "utility", "type": "regular"}),
            ),
        ],
    );
    let (s, v) = app.deliver(&first).await;
    assert_eq!(s, 200, "{v}");
    // A status carrying biz_opaque_callback_data takes the one-by-one path.
    let mut c5 = status(
        "wamid.c5",
        "delivered",
        "2026-11-03T11:00:00Z",
        IN,
        billed.clone(),
    );
    c5["biz_opaque_callback_data"] = json!("not-ours");
    let (s, v) = app.deliver(&delivery(&pid, vec![c5])).await;
    assert_eq!(s, 200, "{v}");
    // Redeliveries: the same body again, and c1 billed again by a later status (both paths),
    // then a read without pricing. c1 is one message: counted once.
    assert_eq!(app.deliver(&first).await.0, 200);
    let again = delivery(
        &pid,
        vec![status(
            "wamid.c1",
            "delivered",
            "2026-11-02T10:01:00Z",
            US,
            billed.clone(),
        )],
    );
    assert_eq!(app.deliver(&again).await.0, 200);
    let mut again_late = status(
        "wamid.c1",
        "read",
        "2026-11-02T10:05:00Z",
        US,
        billed.clone(),
    );
    again_late["biz_opaque_callback_data"] = json!("not-ours");
    assert_eq!(app.deliver(&delivery(&pid, vec![again_late])).await.0, 200);
    let read = delivery(
        &pid,
        vec![status(
            "wamid.c1",
            "read",
            "2026-11-02T11:00:00Z",
            US,
            Value::Null,
        )],
    );
    assert_eq!(app.deliver(&read).await.0, 200);

    let (s, v) = app
        .get("/api/whatsapp/costs?from=2026-11-02&to=2026-11-03&group_by=day")
        .await;
    assert_eq!(s, 200, "{v}");
    // Hand-computed: the 2nd c1 0.0250 + c2 0.0250 + c8 0.0040 = 0.0540;
    // the 3rd c3 0.0300 + c4 0.0040 + c5 0.0107 = 0.0447, c6 free, c7 unpriced.
    assert_eq!(counts(&v), (8, 7, 1, 1), "{v}");
    assert_eq!(usd(&v), (d("0.0987"), d("0.10")), "{v}");
    let days = v["groups"].as_array().cloned().unwrap_or_default();
    assert_eq!(days.len(), 2, "{v}");
    assert_eq!(days[0]["key"], "2026-11-02");
    assert_eq!(counts(&days[0]), (3, 3, 0, 0), "{v}");
    assert_eq!(usd(&days[0]), (d("0.054"), d("0.05")));
    assert_eq!(days[1]["key"], "2026-11-03");
    assert_eq!(counts(&days[1]), (5, 4, 1, 1), "{v}");
    assert_eq!(usd(&days[1]), (d("0.0447"), d("0.04")));
    assert_eq!(v["rate_card"]["on"], "2026-11-03");
    let rates = v["rate_card"]["rates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rates.len(), 3, "one per market and category: {v}");
    assert!(rates
        .iter()
        .any(|r| r["market"] == "US" && r["category"] == "marketing" && r["price"] == "0.0300"));

    let (s, v) = app
        .get("/api/whatsapp/costs?from=2026-11-02T00:00:00Z&to=2026-11-04T00:00:00Z&group_by=category")
        .await;
    assert_eq!(s, 200, "{v}");
    let by: std::collections::HashMap<String, Value> = v["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| (g["key"].as_str().unwrap_or_default().to_owned(), g.clone()))
        .collect();
    assert_eq!(counts(&by["marketing"]), (5, 5, 0, 1), "{v}");
    assert_eq!(usd(&by["marketing"]), (d("0.0907"), d("0.09")));
    assert_eq!(counts(&by["utility"]), (2, 2, 0, 0));
    assert_eq!(usd(&by["utility"]), (d("0.0080"), d("0.01")));
    assert_eq!(counts(&by["service"]), (1, 0, 1, 0));
    assert_eq!(by["service"]["totals"], json!([]));

    // The reports read the ledger a page at a time: any page size gives the same sums.
    let range = |t: &str| {
        DateTime::parse_from_rfc3339(t)
            .expect("time")
            .with_timezone(&Utc)
    };
    let (from, to) = (range("2026-11-02T00:00:00Z"), range("2026-11-04T00:00:00Z"));
    for page in [1, 3, 5000] {
        let c = card();
        let (all, groups) = wacloud_core::ports::read(&app.store, move |r| {
            let mut s =
                wacloud_core::costs::Summary::new(wacloud_core::costs::CostGrouping::Category);
            wacloud_core::usecases::costs::each_ledger_entry(r, from, to, page, |e| {
                s.add(&c, e);
            })?;
            Ok(s.finish())
        })
        .await
        .expect("the ledger");
        assert_eq!(
            (all.messages, all.paid, all.free, all.unpriced),
            counts(&v),
            "page {page}: {all:?}"
        );
        assert_eq!(all.totals[0].exact, usd(&v).0, "page {page}");
        assert_eq!(groups.len(), 3, "page {page}");
    }

    // Only the 2nd.
    let (_, v) = app
        .get("/api/whatsapp/costs?from=2026-11-02&to=2026-11-02&group_by=number")
        .await;
    assert_eq!(counts(&v), (3, 3, 0, 0), "{v}");
    assert_eq!(v["groups"][0]["key"], pid.as_str());

    for bad in [
        "group_by=week",
        "from=yesterday",
        "from=2026-11-03&to=2026-11-02",
        "from=2020-01-01&to=2026-01-01",
        "currency=USD",
    ] {
        let (s, v) = app.get(&format!("/api/whatsapp/costs?{bad}")).await;
        assert_eq!(s, 400, "{bad}: {v}");
        assert_eq!(v["error"]["code"], "invalid_query", "{bad}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_show_what_today_and_this_month_cost() {
    let app = TestApp::builder()
        .with(|s| s.costs.rate_card = card())
        .spawn()
        .await;
    let pid = app.phone_number_id.clone();
    let (_, before) = app.get("/api/whatsapp/stats").await;
    assert_eq!(before["costs"]["today"]["messages"], 0, "{before}");
    let now = Utc::now().to_rfc3339();
    let body = delivery(
        &pid,
        vec![
            status(
                "wamid.t1",
                "delivered",
                &now,
                US,
                pmp("marketing", Some(true), "regular"),
            ),
            status(
                "wamid.t2",
                "delivered",
                &now,
                US,
                pmp("utility", Some(true), "regular"),
            ),
            status(
                "wamid.t3",
                "delivered",
                &now,
                US,
                pmp("service", Some(false), "free_customer_service"),
            ),
        ],
    );
    assert_eq!(app.deliver(&body).await.0, 200);
    let (s, v) = app.get("/api/whatsapp/stats").await;
    assert_eq!(s, 200, "{v}");
    for period in ["today", "month"] {
        let c = &v["costs"][period];
        assert_eq!(counts(c), (3, 2, 1, 0), "{period}: {v}");
        assert_eq!(usd(c), (d("0.0340"), d("0.03")), "{period}: {v}");
    }
    // The counts are still those of a recount (the helper leaves the costs out).
    assert!(app.stats().await.get("costs").is_none());
}

/// Every free-form (service) message costs 0.0100 USD wherever it goes.
const SERVICE_CARD: &str = "effective_date,market,category,price,currency
2026-01-01,*,service,0.0100,USD
";

fn service_card() -> Arc<wacloud_core::costs::RateCard> {
    Arc::new(wacloud::settings::parse_rate_card(SERVICE_CARD.as_bytes(), None).expect("card"))
}

async fn batch(app: &TestApp, id: &str) -> Value {
    let (s, b) = app.get(&format!("/api/whatsapp/batches/{id}")).await;
    assert_eq!(s, 200, "{b}");
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budgeted_batch_pauses_before_the_item_that_would_exceed_it_and_resumes_when_raised() {
    let app = TestApp::builder()
        .with(|s| s.costs.rate_card = service_card())
        .spawn()
        .await;
    let recipients: Vec<String> = (1..=5).map(|i| format!("+1650555020{i}")).collect();
    let body = |amount: &str| {
        json!({"recipients": recipients, "message_text": "Sale today",
               "allow_outside_window": true, "budget": {"amount": amount, "currency": "USD"}})
    };
    // The amount is a decimal string, never a JSON number; the currency three letters.
    for bad in [
        json!({"recipients": ["+16505550201"], "message_text": "x", "allow_outside_window": true,
               "budget": {"amount": "1e3", "currency": "USD"}}),
        json!({"recipients": ["+16505550201"], "message_text": "x", "allow_outside_window": true,
               "budget": {"amount": "1.00", "currency": "dollars"}}),
        // Nothing could be sent on a budget of 0; a negative one is no amount.
        json!({"recipients": ["+16505550201"], "message_text": "x", "allow_outside_window": true,
               "budget": {"amount": "0", "currency": "USD"}}),
        json!({"recipients": ["+16505550201"], "message_text": "x", "allow_outside_window": true,
               "budget": {"amount": "0.00", "currency": "USD"}}),
        json!({"recipients": ["+16505550201"], "message_text": "x", "allow_outside_window": true,
               "budget": {"amount": "-5", "currency": "USD"}}),
    ] {
        let (s, v) = app.send_bulk(&bad).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (400, Some("invalid_budget")),
            "{v}"
        );
    }
    let (s, v) = app
        .send_bulk(&json!({"recipients": ["+16505550201"], "message_text": "x",
            "allow_outside_window": true, "budget": {"amount": 1.5, "currency": "USD"}}))
        .await;
    assert_eq!(s, 400, "a JSON number is refused: {v}");

    // 0.03 USD: exactly three messages at 0.0100 each; the fourth would exceed it.
    let (s, accepted) = app.send_bulk(&body("0.03")).await;
    assert_eq!(s, 202, "{accepted}");
    assert_eq!(accepted["accepted"], 5, "{accepted}");
    let id = accepted["batch_id"].as_str().expect("batch id").to_owned();
    let paused = app
        .wait_for(20, "the batch to pause", || async {
            let b = batch(&app, &id).await;
            (b["budget"]["state"] == "paused").then_some(b)
        })
        .await;
    assert_eq!(
        paused["budget"]["paused_reason"], "budget_reached",
        "{paused}"
    );
    assert_eq!(dec(&paused["budget"]["committed"]), d("0.03"), "{paused}");
    // Nothing more goes out while it is paused.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let still = batch(&app, &id).await;
    assert_eq!(still["counts"]["pending"], 2, "{still}");
    assert_eq!(
        still["counts"]["sent"].as_i64().unwrap_or(0)
            + still["counts"]["sending"].as_i64().unwrap_or(0),
        3,
        "{still}"
    );
    assert_eq!(still["budget"]["state"], "paused");
    let (_, sent) = app.get("/sandbox/sent").await;
    assert_eq!(sent["requests"].as_array().map(Vec::len), Some(3), "{sent}");

    // Across a restart it stays paused.
    let db = app.stop().await;
    let app = TestApp::builder()
        .with(|s| s.costs.rate_card = service_card())
        .on(db)
        .spawn()
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let after = batch(&app, &id).await;
    assert_eq!(after["counts"]["pending"], 2, "{after}");
    assert_eq!(after["budget"]["state"], "paused", "{after}");

    // Raised by one message: one more goes, and it pauses again before the last.
    let patch = |amount: &str| json!({"budget": {"amount": amount, "currency": "USD"}});
    let r = app
        .http
        .patch(app.url(&format!("/api/whatsapp/batches/{id}")))
        .json(&patch("0.04"))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(r.status(), 200);
    let again = app
        .wait_for(20, "one more sent and paused again", || async {
            let b = batch(&app, &id).await;
            (b["counts"]["pending"] == 1 && b["budget"]["state"] == "paused").then_some(b)
        })
        .await;
    assert_eq!(dec(&again["budget"]["committed"]), d("0.04"), "{again}");
    // Below what is committed already: refused, and the budget stays.
    let r = app
        .http
        .patch(app.url(&format!("/api/whatsapp/batches/{id}")))
        .json(&patch("0.01"))
        .send()
        .await
        .expect("PATCH");
    let status = r.status().as_u16();
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("budget_below_committed")),
        "{v}"
    );
    assert_eq!(dec(&batch(&app, &id).await["budget"]["amount"]), d("0.04"));
    // Another currency, or a batch without a budget, is refused.
    let r = app
        .http
        .patch(app.url(&format!("/api/whatsapp/batches/{id}")))
        .json(&json!({"budget": {"amount": "1", "currency": "EUR"}}))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(r.status(), 422);
    let r = app
        .http
        .patch(app.url("/api/whatsapp/batches/no-such-batch"))
        .json(&patch("1"))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(r.status(), 404);
    // Raised enough: the batch finishes.
    let r = app
        .http
        .patch(app.url(&format!("/api/whatsapp/batches/{id}")))
        .json(&patch("12.50"))
        .send()
        .await
        .expect("PATCH");
    assert_eq!(r.status(), 200);
    let done = app
        .wait_for(20, "the batch to finish", || async {
            let b = batch(&app, &id).await;
            (b["counts"]["sent"] == 5).then_some(b)
        })
        .await;
    assert_eq!(done["budget"]["state"], "running", "{done}");
    assert_eq!(dec(&done["budget"]["committed"]), d("0.05"), "{done}");
    // A finished batch's budget no longer changes.
    let r = app
        .http
        .patch(app.url(&format!("/api/whatsapp/batches/{id}")))
        .json(&patch("20"))
        .send()
        .await
        .expect("PATCH");
    let status = r.status().as_u16();
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("batch_finished")),
        "{v}"
    );
}

/// A cancelled batch's budget no longer changes either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_batchs_budget_is_not_changed() {
    let app = TestApp::builder()
        .with(|s| s.costs.rate_card = service_card())
        .spawn()
        .await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (s, accepted) = app
        .send_bulk(&json!({"recipients": ["+16505550201", "+16505550202"],
            "message_text": "Sale tomorrow", "allow_outside_window": true,
            "scheduled_at": later, "budget": {"amount": "1.00", "currency": "USD"}}))
        .await;
    assert_eq!(s, 202, "{accepted}");
    let id = accepted["batch_id"].as_str().expect("batch id").to_owned();
    let patch = || {
        app.http
            .patch(app.url(&format!("/api/whatsapp/batches/{id}")))
            .json(&json!({"budget": {"amount": "2.00", "currency": "USD"}}))
            .send()
    };
    assert_eq!(patch().await.expect("PATCH").status(), 200, "still waiting");
    let r = app
        .http
        .post(app.url(&format!("/api/whatsapp/batches/{id}/cancel")))
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status(), 200);
    let r = patch().await.expect("PATCH");
    let status = r.status().as_u16();
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("batch_finished")),
        "{v}"
    );
    assert_eq!(dec(&batch(&app, &id).await["budget"]["amount"]), d("2.00"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budgeted_batch_refuses_recipients_the_card_cannot_price() {
    // Marketing only: a free-form (service) message has no rate.
    let app = TestApp::builder()
        .with(|s| s.costs.rate_card = card())
        .spawn()
        .await;
    let (s, v) = app
        .send_bulk(&json!({"recipients": ["+16505550301"], "message_text": "x",
            "allow_outside_window": true, "budget": {"amount": "1.00", "currency": "USD"}}))
        .await;
    assert_eq!(s, 202, "{v}");
    assert_eq!(v["accepted"], 0, "{v}");
    assert_eq!(v["rejected"][0]["code"], "unpriced", "{v}");
    assert!(v["batch_id"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_queues_nothing_and_estimates_cost_and_time() {
    let app = TestApp::builder()
        .with(|s| {
            s.costs.rate_card = service_card();
            s.throughput.messages_per_second = 2;
        })
        .spawn()
        .await;
    // A blocked contact is refused as a real request refuses it.
    let (s, v) = app
        .send(&json!({"phone_number": "+16505550409", "message_text": "hi", "allow_outside_window": true}))
        .await;
    assert!(s < 300, "{v}");
    let (s, v) = app
        .put_json(
            "/api/whatsapp/contacts/+16505550409",
            &json!({"is_blocked": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (_, before) = app.get("/api/whatsapp/batches").await;
    let queued_before = app.stats().await["queue"].clone();
    let mut recipients: Vec<String> = (1..=5).map(|i| format!("+1650555040{i}")).collect();
    recipients.extend([
        "not a number".to_owned(),
        "+16505550401".to_owned(),
        "+16505550409".to_owned(),
    ]);
    let (s, v) = app
        .post_json(
            "/api/whatsapp/send-bulk?dry_run=true",
            &json!({"recipients": recipients, "message_text": "Sale today", "allow_outside_window": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["accepted"], 5, "{v}");
    let codes: Vec<&str> = v["rejected"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(codes.len(), 3, "{v}");
    for c in ["invalid_phone_number", "duplicate", "blocked"] {
        assert!(codes.contains(&c), "{c}: {v}");
    }
    assert_eq!(counts(&v["estimate"]), (5, 5, 0, 0), "{v}");
    assert_eq!(usd(&v["estimate"]), (d("0.05"), d("0.05")), "{v}");
    assert_eq!(v["estimate"]["by_category"][0]["key"], "service", "{v}");
    assert_eq!(v["messages_per_second"], 2);
    assert_eq!(v["duration_seconds"], 2, "4 intervals at 2/s: {v}");
    // Nothing was queued: no new batch, the same queue counts.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, after) = app.get("/api/whatsapp/batches").await;
    assert_eq!(after["batches"], before["batches"], "{after}");
    assert_eq!(app.stats().await["queue"], queued_before);
    let (_, sent) = app.get("/sandbox/sent").await;
    assert_eq!(
        sent["requests"].as_array().map(Vec::len),
        Some(1),
        "only the first /send: {sent}"
    );
    let (s, v) = app
        .post_json(
            "/api/whatsapp/send-bulk?dry_run=maybe",
            &json!({"recipients": ["+16505550401"], "message_text": "x"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
}

/// The sandbox bills as Meta's per-message pricing does: a template in its category (the
/// built-in `hello_world` is a utility template), a free-form reply inside the customer
/// service window as a free service message; so costs can be tried without a Meta account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_bills_a_template_in_its_category_and_a_reply_as_free_service() {
    let app = TestApp::builder()
        .with(|s| s.costs.rate_card = card())
        .spawn()
        .await;
    let (s, v) = app
        .post_json(
            &format!("/sandbox/customers/{US}/messages"),
            &json!({"text": "Where is my order?"}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let (s, v) = app
        .send(&json!({"phone_number": format!("+{US}"), "message_text": "On its way"}))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .send(
            &json!({"phone_number": format!("+{US}"), "type": "template",
                      "template": {"name": "hello_world", "language": "en_US"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let by = app
        .wait_for(15, "both messages priced", || async {
            let (_, v) = app.get("/api/whatsapp/costs?group_by=category").await;
            (v["messages"] == 2).then_some(v)
        })
        .await;
    let groups: std::collections::HashMap<String, Value> = by["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| (g["key"].as_str().unwrap_or_default().to_owned(), g.clone()))
        .collect();
    assert_eq!(counts(&groups["utility"]), (1, 1, 0, 0), "{by}");
    assert_eq!(usd(&groups["utility"]), (d("0.004"), d("0.00")), "{by}");
    assert_eq!(counts(&groups["service"]), (1, 0, 1, 0), "{by}");
}
