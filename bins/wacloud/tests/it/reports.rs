//! Reports (`GET /reports/{name}`, issue 21): a constructed history whose figures are computed
//! by hand below. Customers' messages come through the real ingest path (signed webhooks with
//! Meta's `timestamp`, which becomes the message's `created_at`); operators' replies,
//! automatic replies and status changes are written through the store's repositories with fixed
//! times, since the API stamps them with the server's clock. Campaigns go through the real bulk
//! path with Meta's status webhooks (`bodies::status_body`, the shape of
//! `shared/fixtures/meta/pywa/updates/message_status.json`).

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use wacloud_core::conversation::{TimelineEntry, TimelineKind};
use wacloud_core::message::{Direction, MessageStatus};
use wacloud_core::ports::{new_id, NewMessage};

use crate::app::TestApp;
use crate::bodies::{inbound_text, status_body};

const A: &str = "15550001001";
const B: &str = "15550001002";
const C: &str = "15550001003";
const D: &str = "15550001004";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").to_utc()
}

/// What happens, in order of time: a customer writes, someone replies, a status is set.
enum Step {
    Customer(&'static str, &'static str),
    Reply(&'static str, &'static str, &'static str),
    Status(&'static str, &'static str, &'static str),
}
use Step::{Customer, Reply, Status};

/// The history (UTC). Operators: `op-a` (Ann), `op-b` (Bob).
fn history() -> Vec<Step> {
    vec![
        // C's conversation opened before the period (10-31), so nothing of it counts; C's
        // message of 11-01 11:00 does not open another (it is still open).
        Customer(C, "2026-10-31T12:00:00Z"),
        Reply(C, "2026-11-01T08:00:00Z", "operator:op-a"),
        // A1: opens 09:00; the automatic reply is no response; op-a answers 09:02 (120 s);
        // resolved 10:00 (3600 s).
        Customer(A, "2026-11-01T09:00:00Z"),
        Reply(A, "2026-11-01T09:00:40Z", "rule:welcome"),
        Customer(A, "2026-11-01T09:01:00Z"),
        Reply(A, "2026-11-01T09:02:00Z", "operator:op-a"),
        Reply(A, "2026-11-01T09:05:00Z", "operator:op-b"),
        Status(A, "2026-11-01T10:00:00Z", "resolved"),
        Customer(C, "2026-11-01T11:00:00Z"),
        Status(C, "2026-11-01T12:00:00Z", "resolved"),
        // A2: opens 22:30 (00:30 on 11-02 at +02:00); op-b 22:40 (600 s); resolved 00:30
        // (7200 s).
        Customer(A, "2026-11-01T22:30:00Z"),
        Reply(A, "2026-11-01T22:40:00Z", "operator:op-b"),
        Status(A, "2026-11-02T00:30:00Z", "resolved"),
        // B1: opens 08:00; op-a 08:00:30 (30 s); pending does not end it; resolved 12:00
        // (14400 s). The API key's message is sent, not a response.
        Customer(B, "2026-11-02T08:00:00Z"),
        Reply(B, "2026-11-02T08:00:30Z", "operator:op-a"),
        Status(B, "2026-11-02T08:10:00Z", "pending"),
        Customer(B, "2026-11-02T09:00:00Z"),
        Reply(B, "2026-11-02T10:00:00Z", "api_key"),
        Status(B, "2026-11-02T12:00:00Z", "resolved"),
        // C1: opens 15:00, only an automatic reply: unanswered, unresolved.
        Customer(C, "2026-11-02T15:00:00Z"),
        Reply(C, "2026-11-02T15:00:05Z", "automation:away"),
        // D1: opens 20:00, op-b 20:15 (900 s), unresolved.
        Customer(D, "2026-11-02T20:00:00Z"),
        Reply(D, "2026-11-02T20:15:00Z", "operator:op-b"),
    ]
}

fn name_of(actor: &str) -> Option<String> {
    match actor {
        "operator:op-a" => Some("Ann".to_owned()),
        "operator:op-b" => Some("Bob".to_owned()),
        _ => None,
    }
}

async fn contact_id(app: &TestApp, wa_id: &str) -> String {
    let (_, v) = app.get("/api/whatsapp/contacts?limit=100").await;
    v["contacts"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["wa_id"] == wa_id))
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("no contact {wa_id}: {v}"))
        .to_owned()
}

async fn build(app: &TestApp) {
    let pid = app.phone_number_id.clone();
    for (i, step) in history().iter().enumerate() {
        match step {
            Customer(who, when) => {
                let body = inbound_text(
                    &pid,
                    who,
                    &format!("wamid.r{i}"),
                    at(when).timestamp(),
                    "hi",
                    "Customer",
                );
                let (s, v) = app.deliver(&body).await;
                assert_eq!(s, 200, "{v}");
            }
            Reply(who, when, actor) => {
                let contact = contact_id(app, who).await;
                let m = NewMessage {
                    id: new_id(),
                    message_id: Some(format!("wamid.out{i}")),
                    contact_id: Some(contact),
                    direction: Direction::Outbound,
                    from_phone: None,
                    to_phone: Some(format!("+{who}")),
                    user_id: None,
                    message_type: "text".to_owned(),
                    message_text: Some("reply".to_owned()),
                    status: MessageStatus::Sent,
                    is_read: true,
                    created_at: at(when),
                    reply_to: None,
                    is_forwarded: false,
                    media: None,
                    raw: None,
                    error: None,
                    phone_number_id: Some(pid.clone()),
                    source: None,
                    queue_id: None,
                    group_id: None,
                    payload: None,
                    actor: Some((*actor).to_owned()),
                    actor_name: name_of(actor),
                };
                wacloud_core::ports::write(&app.store, move |r| r.insert_message(&m))
                    .await
                    .expect("reply written");
            }
            Status(who, when, to) => {
                let contact = contact_id(app, who).await;
                let e = TimelineEntry {
                    id: new_id(),
                    contact_id: contact,
                    kind: TimelineKind::StatusChanged,
                    at: at(when),
                    actor: "operator:op-a".to_owned(),
                    actor_name: Some("Ann".to_owned()),
                    body: None,
                    mentions: Vec::new(),
                    details: Some(json!({"from": "open", "to": to, "snoozed_until": null})),
                };
                wacloud_core::ports::write(&app.store, move |r| r.insert_timeline_entry(&e))
                    .await
                    .expect("status written");
            }
        }
    }
}

const PERIOD: &str = "from=2026-11-01&to=2026-11-02";

async fn report(app: &TestApp, name: &str, query: &str) -> Value {
    let (s, v) = app
        .get(&format!("/api/whatsapp/reports/{name}?{PERIOD}&{query}"))
        .await;
    assert_eq!(s, 200, "{name}?{query}: {v}");
    v
}

/// `(key, [figures in the report's column order])` of every row, then the total's.
fn table(v: &Value) -> (Vec<(String, Vec<Value>)>, Vec<Value>) {
    let cols: Vec<String> = v["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c.as_str().unwrap_or_default().to_owned())
        .collect();
    let figures = |r: &Value| cols.iter().map(|c| r[c].clone()).collect::<Vec<_>>();
    let rows = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["key"].as_str().unwrap_or_default().to_owned(), figures(r)))
        .collect();
    (rows, figures(&v["total"]))
}

fn row<'a>(t: &'a (Vec<(String, Vec<Value>)>, Vec<Value>), key: &str) -> &'a Vec<Value> {
    &t.0.iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no row {key}: {:?}", t.0))
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_of_a_constructed_history_match_hand_computed_figures() {
    let app = TestApp::spawn().await;
    build(&app).await;

    // Conversations opened in the period (11-01 00:00 to 11-03 00:00 UTC): A1, A2, B1, C1, D1
    // = 5; answered by an operator: A1, A2, B1, D1 = 4; resolved: A1, A2, B1 = 3.
    // Per UTC day: 11-01 A1, A2 (2 opened, 2 answered, 2 resolved); 11-02 B1, C1, D1 (3, 2, 1).
    let v = report(&app, "conversations", "group_by=day").await;
    let t = table(&v);
    assert_eq!(t.1, [json!(5), json!(4), json!(3)], "{v}");
    assert_eq!(t.0.len(), 2, "{v}");
    assert_eq!(row(&t, "2026-11-01"), &[json!(2), json!(2), json!(2)]);
    assert_eq!(row(&t, "2026-11-02"), &[json!(3), json!(2), json!(1)]);

    // At +02:00 the period touches 11-01 (02:00) to 11-03 (02:00): A1 opens 11:00 on 11-01;
    // A2 00:30, B1 10:00, C1 17:00, D1 22:00 on 11-02; 11-03 has none.
    let v = report(&app, "conversations", "group_by=day&tz=%2B02:00").await;
    let t = table(&v);
    assert_eq!(v["tz"], "+02:00");
    assert_eq!(row(&t, "2026-11-01")[0], json!(1), "{v}");
    assert_eq!(row(&t, "2026-11-02")[0], json!(4), "{v}");
    assert_eq!(row(&t, "2026-11-03")[0], json!(0), "{v}");

    // First responses: A1 120, A2 600, B1 30, D1 900 → sorted 30, 120, 600, 900: median
    // (120 + 600) / 2 = 360, mean 1650 / 4 = 412.5, p90 the ⌈0.9·4⌉ = 4th = 900.
    // By the operator who answered first: op-a A1 120, B1 30 → median 75, mean 75, p90 the
    // 2nd = 120; op-b A2 600, D1 900 → 750, 750, 900; none (C1): 0 and nothing to measure.
    let v = report(&app, "response-times", "group_by=operator").await;
    let t = table(&v);
    assert_eq!(
        t.1,
        [json!(4), json!(360.0), json!(412.5), json!(900.0)],
        "{v}"
    );
    assert_eq!(
        row(&t, "operator:op-a"),
        &[json!(2), json!(75.0), json!(75.0), json!(120.0)]
    );
    assert_eq!(
        row(&t, "operator:op-b"),
        &[json!(2), json!(750.0), json!(750.0), json!(900.0)]
    );
    assert_eq!(
        row(&t, "none"),
        &[json!(0), Value::Null, Value::Null, Value::Null]
    );
    let label = v["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["key"] == "operator:op-a"));
    assert_eq!(label.map(|r| r["label"].clone()), Some(json!("Ann")), "{v}");

    // Resolutions: A1 3600, A2 7200, B1 14400 → median 7200, mean 25200 / 3 = 8400, p90 the
    // ⌈2.7⌉ = 3rd = 14400. Per UTC day of opening: 11-01 A1, A2 → median (3600 + 7200) / 2 =
    // 5400, mean 5400, p90 the 2nd = 7200; 11-02 B1 → 14400.
    let v = report(&app, "resolution-times", "group_by=day").await;
    let t = table(&v);
    assert_eq!(
        t.1,
        [json!(3), json!(7200.0), json!(8400.0), json!(14400.0)],
        "{v}"
    );
    assert_eq!(
        row(&t, "2026-11-01"),
        &[json!(2), json!(5400.0), json!(5400.0), json!(7200.0)]
    );
    assert_eq!(
        row(&t, "2026-11-02"),
        &[json!(1), json!(14400.0), json!(14400.0), json!(14400.0)]
    );

    // Messages of the period (C's of 10-31 is outside): received A 3, B 2, C 2, D 1 = 8;
    // sent A 4, B 2, C 2, D 1 = 9, of which automatic 2 (rule:welcome, automation:away).
    // Per actor: op-a C 08:00, A 09:02, B 08:00:30 = 3; op-b A 09:05, A 22:40, D 20:15 = 3.
    let v = report(&app, "messages", "group_by=operator").await;
    let t = table(&v);
    assert_eq!(t.1, [json!(8), json!(9), json!(2)], "{v}");
    assert_eq!(row(&t, "customer"), &[json!(8), json!(0), json!(0)]);
    assert_eq!(row(&t, "operator:op-a"), &[json!(0), json!(3), json!(0)]);
    assert_eq!(row(&t, "operator:op-b"), &[json!(0), json!(3), json!(0)]);
    assert_eq!(row(&t, "rule:welcome"), &[json!(0), json!(1), json!(1)]);
    assert_eq!(row(&t, "api_key"), &[json!(0), json!(1), json!(0)]);

    // Automatic replies per UTC day: 11-01 rule:welcome, 11-02 automation:away.
    let v = report(&app, "automatic-replies", "group_by=day").await;
    let t = table(&v);
    assert_eq!(t.1, [json!(2)], "{v}");
    assert_eq!(row(&t, "2026-11-01"), &[json!(1)]);
    assert_eq!(row(&t, "2026-11-02"), &[json!(1)]);

    // By number: everything is on the app's one number.
    let v = report(&app, "conversations", "group_by=number").await;
    let t = table(&v);
    assert_eq!(
        row(&t, &app.phone_number_id),
        &[json!(5), json!(4), json!(3)],
        "{v}"
    );
    let v = report(&app, "conversations", "number=999").await;
    assert_eq!(
        table(&v).1,
        [json!(0), json!(0), json!(0)],
        "another number has none: {v}"
    );

    // A period that starts after A1 opened but before it was resolved: A1 is not counted, and
    // neither is C's message of 11-01 11:00 (C's conversation was open at the start).
    let (s, v) = app
        .get(
            "/api/whatsapp/reports/conversations?from=2026-11-01T09:30:00Z&to=2026-11-01T23:00:00Z",
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // Only A2 (opened 22:30, answered 22:40, resolved after the end).
    assert_eq!(table(&v).1, [json!(1), json!(1), json!(0)], "{v}");

    // CSV: a header line, one line per row, the total last; it parses back.
    for (url, accept) in [
        ("/api/whatsapp/reports/response-times?from=2026-11-01&to=2026-11-02&group_by=operator&format=csv", None),
        ("/api/whatsapp/reports/response-times?from=2026-11-01&to=2026-11-02&group_by=operator", Some("text/csv")),
    ] {
        let mut r = app.http.get(app.url(url));
        if let Some(a) = accept {
            r = r.header("Accept", a);
        }
        let r = r.send().await.expect("GET");
        assert_eq!(r.status(), 200);
        let ct = r.headers()["content-type"].to_str().unwrap_or_default().to_owned();
        assert!(ct.starts_with("text/csv"), "{ct}");
        let body = r.text().await.expect("body");
        let mut rd = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = rd.headers().expect("header").iter().map(str::to_owned).collect();
        assert_eq!(
            header,
            ["key", "label", "conversations", "median_seconds", "mean_seconds", "p90_seconds"]
        );
        let lines: Vec<csv::StringRecord> = rd.records().map(|l| l.expect("a line")).collect();
        let keys: Vec<&str> = lines.iter().map(|l| &l[0]).collect();
        assert_eq!(keys, ["none", "operator:op-a", "operator:op-b", "total"], "{body}");
        assert_eq!(&lines[1].iter().collect::<Vec<_>>(), &["operator:op-a", "Ann", "2", "75.0", "75.0", "120.0"]);
        assert_eq!(&lines[0].iter().collect::<Vec<_>>(), &["none", "", "0", "", "", ""]);
        assert_eq!(&lines[3].iter().collect::<Vec<_>>(), &["total", "", "4", "360.0", "412.5", "900.0"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_report_counts_each_batch_items_statuses_and_rates() {
    let app = TestApp::spawn().await;
    app.sandbox(json!({"statuses": false})).await;
    let pid = app.phone_number_id.clone();
    let to = [
        "+15550002001",
        "+15550002002",
        "+15550002003",
        "+15550002004",
    ];
    let (s, accepted) = app
        .send_bulk(&json!({"recipients": to, "message_text": "sale", "allow_outside_window": true}))
        .await;
    assert_eq!(s, 202, "{accepted}");
    let id = accepted["batch_id"].as_str().expect("batch id").to_owned();
    let items = app
        .wait_for(20, "every item sent", || async {
            let (_, v) = app
                .get(&format!("/api/whatsapp/batches/{id}/export?format=json"))
                .await;
            let items = v.as_array().cloned().unwrap_or_default();
            (items.len() == 4 && items.iter().all(|i| i["wamid"].is_string())).then_some(items)
        })
        .await;
    let wamid = |n: &str| {
        items
            .iter()
            .find(|i| i["phone_number"].as_str().is_some_and(|r| r.ends_with(n)))
            .and_then(|i| i["wamid"].as_str())
            .unwrap_or_else(|| panic!("no item to {n}: {items:?}"))
            .to_owned()
    };
    // 2001: sent, delivered, read; 2002: sent, delivered; 2003: sent; 2004: failed.
    let now = Utc::now().timestamp();
    for (n, statuses) in [
        ("2001", &["sent", "delivered", "read"][..]),
        ("2002", &["sent", "delivered"][..]),
        ("2003", &["sent"][..]),
        ("2004", &["failed"][..]),
    ] {
        for (k, st) in statuses.iter().enumerate() {
            let body = status_body(&pid, &wamid(n), st, now + k as i64, &format!("1555000{n}"));
            let (s, v) = app.deliver(&body).await;
            assert_eq!(s, 200, "{v}");
        }
    }
    // 4 items; sent 3 (2001–2003), delivered 2, read 1, failed 1; delivery rate 2 / 3 =
    // 0.6667, read rate 1 / 2 = 0.5.
    let today = Utc::now().date_naive();
    let query = format!(
        "from={}&to={}&group_by=batch",
        today - Duration::days(1),
        today + Duration::days(1)
    );
    let (s, v) = app
        .get(&format!("/api/whatsapp/reports/campaigns?{query}"))
        .await;
    assert_eq!(s, 200, "{v}");
    let t = table(&v);
    let want = [4, 3, 2, 1, 1].map(|n| json!(n)).to_vec();
    let mut want = want;
    want.extend([json!(0.6667), json!(0.5)]);
    assert_eq!(row(&t, &id), &want, "{v}");
    assert_eq!(t.1, want, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_queries_are_checked() {
    let app = TestApp::spawn().await;
    for (q, field) in [
        ("conversations?from=2026-11-02&to=2026-11-01", "from"),
        ("conversations?from=2025-01-01&to=2026-11-01", "from"),
        ("conversations?from=yesterday", "from"),
        ("conversations?group_by=week", "group_by"),
        ("messages?group_by=batch", "group_by"),
        ("conversations?tz=Mars/Olympus", "tz"),
        ("conversations?format=xml", "format"),
        // Years outside 2000..=2100, as days and as RFC 3339 times.
        ("conversations?from=0000-01-01&to=2026-11-01", "from"),
        ("conversations?from=-0001-01-01&to=2026-11-01", "from"),
        ("conversations?from=2026-11-01&to=9999-12-31", "to"),
        ("conversations?from=2026-11-01&to=%2B10000-01-01", "to"),
        ("conversations?from=1999-12-31T00:00:00Z", "from"),
        (
            "conversations?from=2026-11-01&to=2101-01-01T00:00:00Z",
            "to",
        ),
        // A repeated parameter.
        ("conversations?group_by=day&group_by=number", "group_by"),
    ] {
        let (s, v) = app.get(&format!("/api/whatsapp/reports/{q}")).await;
        assert_eq!(s, 400, "{q}: {v}");
        assert_eq!(v["error"]["code"], "invalid_query", "{q}: {v}");
        assert_eq!(v["error"]["field"], field, "{q}: {v}");
    }
    // An IANA zone is taken and named in the answer.
    let (s, v) = app
        .get("/api/whatsapp/reports/conversations?from=2026-10-20&to=2026-10-30&tz=Europe/Paris")
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["tz"], "Europe/Paris", "{v}");
    let (s, v) = app.get("/api/whatsapp/reports/conversations?limit=3").await;
    assert_eq!(s, 400, "an unknown parameter: {v}");
    let (s, v) = app
        .get("/api/whatsapp/reports/conversations?number=%27%3B--")
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "invalid_number", "{v}");
    assert_eq!(v["error"]["field"], "number", "{v}");
    let (s, v) = app.get("/api/whatsapp/reports/sales").await;
    assert_eq!(s, 404, "{v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("no report \"sales\""), "{v}");
}
