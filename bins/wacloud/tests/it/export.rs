//! Exports: every row across pages, CSV a spreadsheet opens safely, JSON equal to the lists,
//! the filters, and precise errors.

use serde_json::{json, Value};

use crate::app::{TestApp, PHONE_NUMBER_ID};

const T0: i64 = 1_700_000_000;

/// One delivery of `n` inbound texts from `from` (named `name`), `wamid.<from>.<i>`, one second
/// apart from `T0 + start`.
fn texts(from: &str, name: &str, start: i64, n: i64, text: impl Fn(i64) -> String) -> Value {
    let messages: Vec<Value> = (0..n)
        .map(|i| {
            json!({"from": from, "id": format!("wamid.{from}.{}", start + i),
                   "timestamp": (T0 + start + i).to_string(), "type": "text",
                   "text": {"body": text(start + i)}})
        })
        .collect();
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": messages
        }}]}]
    })
}

async fn download(app: &TestApp, path: &str) -> (u16, String, String, String) {
    let r = app.http.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let header = |n: &str| {
        r.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    (status, kind, disposition, r.text().await.unwrap())
}

fn csv_rows(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

async fn fill(app: &TestApp) {
    // 1,150 messages from one customer (three pages of 500), in three deliveries, and one each
    // from two others whose name and text a spreadsheet would run as formulas.
    for (start, n) in [(0, 500), (500, 500), (1000, 150)] {
        let (status, _) = app
            .deliver(&texts("15550001001", "Ana", start, n, |i| {
                format!("hello {i}")
            }))
            .await;
        assert_eq!(status, 200);
    }
    let (status, _) = app
        .deliver(&texts(
            "15550001002",
            "=HYPERLINK(\"http://x\")",
            2000,
            1,
            |_| "@SUM(1+1), \"quoted\"\nsecond line".to_owned(),
        ))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .deliver(&texts("15550001003", "Zoë", 3000, 1, |_| {
            "+15551234567".to_owned()
        }))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_stream_every_row_as_safe_csv_and_as_the_lists_json() {
    let app = TestApp::spawn().await;
    fill(&app).await;

    // Contacts as CSV: a header, the three customers, the formula neutralised.
    let (status, kind, disposition, body) = download(&app, "/api/whatsapp/export/contacts").await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(
        disposition.starts_with("attachment") && disposition.contains("contacts-"),
        "{disposition}"
    );
    let (header, rows) = csv_rows(&body);
    assert_eq!(header[..3], ["id", "phone_number", "wa_id"]);
    let name = header.iter().position(|h| h == "profile_name").unwrap();
    let mut names: Vec<&str> = rows.iter().map(|r| r[name].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["'=HYPERLINK(\"http://x\")", "Ana", "Zoë"]);

    // Contacts as JSON: the objects the list answers, the same set.
    let (status, kind, _, body) = download(&app, "/api/whatsapp/export/contacts?format=json").await;
    assert_eq!((status, kind.as_str()), (200, "application/json"));
    let exported: Value = serde_json::from_str(&body).unwrap();
    let (_, listed) = app.get("/api/whatsapp/contacts?limit=200").await;
    let ids = |v: &Value| {
        let mut ids: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&exported), ids(&listed["contacts"]));

    // Messages as CSV: all 1,152 across pages, newest first, no repeats, text kept whole.
    let (status, _, disposition, body) = download(&app, "/api/whatsapp/export/messages").await;
    assert_eq!(status, 200);
    assert!(disposition.contains("messages-"), "{disposition}");
    let (header, rows) = csv_rows(&body);
    let (wamid, text, created) = (
        header.iter().position(|h| h == "wamid").unwrap(),
        header.iter().position(|h| h == "message_text").unwrap(),
        header.iter().position(|h| h == "created_at").unwrap(),
    );
    assert_eq!(rows.len(), 1152);
    let mut seen: Vec<&str> = rows.iter().map(|r| r[wamid].as_str()).collect();
    assert!(
        rows.windows(2).all(|w| w[0][created] >= w[1][created]),
        "newest first"
    );
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 1152, "no message twice");
    let texts: Vec<&str> = rows.iter().map(|r| r[text].as_str()).collect();
    assert_eq!(texts[0], "+15551234567", "a plain number stays a number");
    assert_eq!(texts[1], "'@SUM(1+1), \"quoted\"\nsecond line");

    // JSON across pages is one valid array of every message.
    let (_, _, _, body) = download(&app, "/api/whatsapp/export/messages?format=json").await;
    let all: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(all.as_array().map(Vec::len), Some(1152));
    assert_eq!(all[0]["message_text"], "+15551234567");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_exports_filter_by_customer_and_time_and_refuse_bad_queries() {
    let app = TestApp::spawn().await;
    fill(&app).await;
    let at = |s: i64| {
        chrono::DateTime::from_timestamp(T0 + s, 0)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    // Seconds 100..=700 of the first customer: both ends included, across a page boundary.
    let path = format!(
        "/api/whatsapp/export/messages?format=json&phone=%2B15550001001&from={}&to={}",
        at(100),
        at(700)
    );
    let (status, _, _, body) = download(&app, &path).await;
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    let wamids: Vec<&str> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(wamids.len(), 601);
    assert_eq!(wamids[0], "wamid.15550001001.700");
    assert_eq!(wamids[600], "wamid.15550001001.100");

    // Nothing in range: a header only, or an empty array.
    let path = format!("/api/whatsapp/export/messages?to={}", at(-10));
    let (status, _, _, body) = download(&app, &path).await;
    assert_eq!(status, 200);
    assert_eq!(csv_rows(&body).1.len(), 0, "{body}");
    let (_, _, _, body) = download(&app, &format!("{path}&format=json")).await;
    assert_eq!(body, "[]");

    for (path, field) in [
        ("/api/whatsapp/export/messages?format=xml", "format"),
        ("/api/whatsapp/export/contacts?format=pdf", "format"),
        ("/api/whatsapp/export/messages?from=yesterday", "from"),
        (
            "/api/whatsapp/export/messages?to=2026-13-01T00:00:00Z",
            "to",
        ),
    ] {
        let (status, e) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {e}");
        assert_eq!(e["error"]["code"], "invalid_query", "{path}: {e}");
        assert_eq!(e["error"]["field"], field, "{path}: {e}");
    }
    let (status, e) = app
        .get("/api/whatsapp/export/messages?phone=not-a-number")
        .await;
    assert_eq!(status, 400, "{e}");
    let (status, e) = app.get("/api/whatsapp/export/contacts?limit=5").await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
}
