//! Campaigns: `GET /batches` lists bulk sends newest first with their counts, paged by
//! `before`; `GET /batches/{id}/export` gives one row per recipient with its outcome at Meta.

use serde_json::{json, Value};

use super::{bulk, hello_world, wait_batch_done};
use crate::app::TestApp;

fn csv_rows(body: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    r.records()
        .map(|x| {
            let x = x.unwrap();
            header
                .iter()
                .cloned()
                .zip(x.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaigns_list_newest_first_with_counts_and_export_each_recipients_outcome() {
    let app = TestApp::spawn().await;
    app.sandbox(json!({"faults": [
        {"to": "15550000711", "mode": "refuse", "code": 131026},
        {"to": "15550000712", "mode": "fail_status", "code": 131026}
    ]}))
    .await;
    let (_, empty) = app.get("/api/whatsapp/batches").await;
    assert_eq!(empty, json!({"batches": [], "next": null}));
    let mut ids = Vec::new();
    for recipients in [
        json!(["+15550000701"]),
        json!(["+15550000702", "+15550000703"]),
        json!(["+15550000711", "+15550000712", "+15550000713"]),
    ] {
        let v = bulk(
            &app,
            json!({"recipients": recipients, "type": "template", "template": hello_world()}),
        )
        .await;
        let id = v["batch_id"].as_str().unwrap().to_owned();
        wait_batch_done(&app, &id, 15).await;
        ids.push(id);
    }
    // Meta's failed status for 712 arrives after the send's answer.
    app.wait_for(15, "the failed status", || async {
        let (_, m) = app.get("/api/whatsapp/messages?phone=%2B15550000712").await;
        (m["messages"][0]["status"] == "failed").then_some(())
    })
    .await;

    let (status, page) = app.get("/api/whatsapp/batches?limit=2").await;
    assert_eq!(status, 200, "{page}");
    let listed: Vec<&str> = page["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["batch_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()], "newest first");
    let newest = &page["batches"][0];
    assert_eq!(
        (&newest["total"], &newest["done"]),
        (&json!(3), &json!(true))
    );
    // 711 refused at the send, 712 failed later by its status webhook.
    assert_eq!(newest["counts"]["failed"], 2, "{newest}");
    assert_eq!(newest["counts"]["sent"], 1, "{newest}");
    assert_eq!(newest["items"], json!([]), "no items in the list");
    assert_eq!(page["next"], ids[1]);
    let (_, older) = app
        .get(&format!("/api/whatsapp/batches?limit=2&before={}", ids[1]))
        .await;
    assert_eq!(older["batches"][0]["batch_id"], ids[0]);
    assert_eq!(older["batches"].as_array().map(Vec::len), Some(1));
    assert_eq!(older["next"], Value::Null);

    let r = app
        .http
        .get(app.url(&format!("/api/whatsapp/batches/{}/export", ids[2])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains(&format!("batch-{}", ids[2])),
        "{disposition}"
    );
    let rows = csv_rows(&r.text().await.unwrap());
    let by_phone = |p: &str| {
        rows.iter()
            .find(|r| r["phone_number"] == p)
            .unwrap_or_else(|| panic!("no row for {p}: {rows:?}"))
    };
    assert_eq!(rows.len(), 3);
    let refused = by_phone("+15550000711");
    assert_eq!(
        (
            refused["state"].as_str(),
            refused["error_code"].as_str(),
            refused["wamid"].as_str()
        ),
        ("failed", "131026", "")
    );
    let failed_later = by_phone("+15550000712");
    assert_eq!(failed_later["state"], "failed");
    assert_eq!(failed_later["message_status"], "failed");
    assert_eq!(failed_later["error_code"], "131026");
    assert!(
        failed_later["wamid"].starts_with("wamid."),
        "{failed_later:?}"
    );
    let ok = by_phone("+15550000713");
    assert!(ok["wamid"].starts_with("wamid."), "{ok:?}");
    assert_eq!(ok["error_code"], "");

    let (status, json_rows) = app
        .get(&format!(
            "/api/whatsapp/batches/{}/export?format=json",
            ids[1]
        ))
        .await;
    assert_eq!(status, 200);
    let phones: Vec<&str> = json_rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["phone_number"].as_str().unwrap())
        .collect();
    assert_eq!(
        phones,
        ["+15550000702", "+15550000703"],
        "in the order queued"
    );
    assert!(json_rows[0]["wamid"]
        .as_str()
        .unwrap()
        .starts_with("wamid."));

    for (path, status, code) in [
        (
            "/api/whatsapp/batches/nope/export".to_owned(),
            404,
            "not_found",
        ),
        (
            format!("/api/whatsapp/batches/{}/export?format=xls", ids[0]),
            400,
            "invalid_query",
        ),
        (
            "/api/whatsapp/batches?before=%3Cb%3E".to_owned(),
            400,
            "invalid_query",
        ),
        (
            "/api/whatsapp/batches?limit=101".to_owned(),
            400,
            "invalid_request",
        ),
    ] {
        let (s, e) = app.get(&path).await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (status, Some(code)),
            "{path}: {e}"
        );
    }
}
