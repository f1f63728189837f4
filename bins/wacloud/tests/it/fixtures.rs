//! Every webhook body under `../shared/fixtures/meta/`, signed and posted to the running
//! server: all answered 200, and what they carry visible through the API afterwards.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::app::TestApp;

/// The delivery ladder as the API documents it (docs/API.md): later statuses win; failed is final.
fn rank(status: &str) -> i32 {
    match status {
        "sent" => 30,
        "delivered" => 40,
        "read" => 50,
        "played" => 60,
        "failed" => 70,
        _ => 0,
    }
}

const HIDDEN_KINDS: [&str; 3] = ["reaction", "edit", "revoke"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_ingests_and_shows_through_the_api() {
    let Some(dir) = fixtures_dir() else { return };
    let app = TestApp::spawn().await;
    let pid = app.phone_number_id.clone();

    let mut bodies = Vec::new();
    let mut invalid = Vec::new();
    for f in json_files(&dir) {
        if f.components().any(|c| c.as_os_str() == "signature") {
            continue; // posted as-is with its own secret below
        }
        let bytes = std::fs::read(&f).expect("read fixture");
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => webhook_bodies(&v, &mut bodies),
            Err(_) => invalid.push((f, bytes)),
        }
    }
    assert!(
        bodies.len() > 200,
        "found only {} webhook bodies",
        bodies.len()
    );

    let mut inbound: HashMap<String, (String, Option<String>)> = HashMap::new();
    let mut echoes: HashSet<String> = HashSet::new();
    let mut statuses: HashMap<String, Vec<String>> = HashMap::new();
    let mut contact_ids: HashSet<String> = HashSet::new();
    // Fixtures reuse placeholder ids (`wamid.ID`, `<WHATSAPP_MESSAGE_ID>`) across kinds: the
    // first delivery to use an id creates the row, later ones are duplicates of it.
    let mut first_seen: HashSet<String> = HashSet::new();
    for body in &mut bodies {
        retarget(body, &pid);
        for change in body["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|e| e["changes"].as_array().cloned().unwrap_or_default())
        {
            let v = &change["value"];
            for m in v["messages"].as_array().into_iter().flatten() {
                let (Some(id), Some(kind)) = (m["id"].as_str(), m["type"].as_str()) else {
                    continue;
                };
                let text = m
                    .pointer("/text/body")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if first_seen.insert(id.to_owned()) {
                    inbound.insert(id.to_owned(), (kind.to_owned(), text));
                }
            }
            for m in v["message_echoes"].as_array().into_iter().flatten() {
                let kind = m["type"].as_str().unwrap_or_default();
                if let Some(id) = m["id"].as_str() {
                    if first_seen.insert(id.to_owned()) && !HIDDEN_KINDS.contains(&kind) {
                        echoes.insert(id.to_owned());
                    }
                }
            }
            let calls = change["field"] != "messages";
            for s in v["statuses"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|_| !calls)
            {
                if let (Some(id), Some(st)) = (s["id"].as_str(), s["status"].as_str()) {
                    if first_seen.insert(id.to_owned()) || statuses.contains_key(id) {
                        statuses
                            .entry(id.to_owned())
                            .or_default()
                            .push(st.to_ascii_lowercase());
                    }
                }
            }
            // Group participants never become private contacts.
            let grouped = v["statuses"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s["recipient_type"] == "group")
                || v["messages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|m| m.get("group_id").is_some());
            if change["field"] == "messages" && !grouped {
                for c in v["contacts"].as_array().into_iter().flatten() {
                    if let Some(w) = c["wa_id"].as_str().or_else(|| c["user_id"].as_str()) {
                        contact_ids.insert(w.to_owned());
                    }
                }
            }
        }
    }

    let mut posted = 0;
    for body in &bodies {
        let (status, answer) = app.deliver(body).await;
        assert_eq!(
            status, 200,
            "fixture body answered {status}: {answer}\n{body}"
        );
        posted += 1;
    }
    for (f, bytes) in &invalid {
        let (status, answer) = app.post_webhook(bytes).await;
        assert_eq!(status, 200, "{}: {answer}", f.display());
        assert_eq!(answer["state"], "failed", "{}: {answer}", f.display());
    }
    println!(
        "posted {posted} fixture bodies and {} invalid JSON file(s); {} inbound messages, {} echoes, {} status targets, {} contacts",
        invalid.len(),
        inbound.len(),
        echoes.len(),
        statuses.len(),
        contact_ids.len()
    );
    assert_eq!(
        invalid.len(),
        1,
        "SOURCES.md names exactly one invalid JSON file"
    );

    let stats = app.stats().await;
    assert_eq!(stats["webhooks"]["failed"], 1, "{stats}");
    assert_eq!(stats["webhooks"]["foreign"], 0, "{stats}");
    assert_eq!(
        stats["webhooks"]["received"], 0,
        "everything processed: {stats}"
    );

    let all = app.all_messages("").await;
    let by_wamid: HashMap<&str, &Value> = all
        .iter()
        .filter_map(|m| m["message_id"].as_str().map(|w| (w, m)))
        .collect();

    for (wamid, (kind, text)) in &inbound {
        if HIDDEN_KINDS.contains(&kind.as_str()) {
            continue;
        }
        let m = by_wamid
            .get(wamid.as_str())
            .unwrap_or_else(|| panic!("inbound {kind} {wamid} not visible in /messages"));
        if let Some(t) = text {
            if m["direction"] == "inbound" && m["deleted_at"].is_null() && m["edited_at"].is_null()
            {
                assert_eq!(m["message_text"].as_str(), Some(t.as_str()), "{m}");
            }
        }
    }
    for wamid in &echoes {
        let m = by_wamid
            .get(wamid.as_str())
            .unwrap_or_else(|| panic!("echo {wamid} not visible"));
        assert_eq!(m["direction"], "outbound", "{m}");
    }
    for (wamid, seen) in &statuses {
        let m = by_wamid
            .get(wamid.as_str())
            .unwrap_or_else(|| panic!("status target {wamid} not visible"));
        let best = seen.iter().max_by_key(|s| rank(s)).expect("non-empty");
        if rank(best) > 0 {
            assert_eq!(
                m["status"].as_str(),
                Some(best.as_str()),
                "{wamid} saw {seen:?}: {m}"
            );
        }
        if seen.iter().any(|s| s == "failed") && rank(best) == rank("failed") {
            assert!(
                m["error_code"].is_number(),
                "failed status keeps its code: {m}"
            );
        }
    }
    for id in &contact_ids {
        let (status, list) = app
            .get(&format!(
                "/api/whatsapp/contacts?search={}&limit=200",
                urlenc(id)
            ))
            .await;
        assert_eq!(status, 200);
        let found = list["contacts"].as_array().into_iter().flatten().any(|c| {
            c["wa_id"].as_str() == Some(id.as_str()) || c["user_id"].as_str() == Some(id.as_str())
        });
        assert!(found, "contact {id} not visible: {list}");
    }

    // Replaying every delivery changes nothing: identical bodies are duplicates.
    let before = app.stats().await;
    for body in bodies.iter().take(40) {
        let (status, answer) = app.deliver(body).await;
        assert_eq!(status, 200);
        assert_eq!(answer["duplicate"], true, "{answer}");
    }
    let after = app.stats().await;
    assert_eq!(before["total_messages"], after["total_messages"]);
    assert_eq!(before["unread_messages"], after["unread_messages"]);
    assert_eq!(before["webhooks"]["total"], after["webhooks"]["total"]);
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pywa_signed_vector_verifies_as_is_with_its_own_secret() {
    let Some(dir) = fixtures_dir() else { return };
    let vector: Value = serde_json::from_slice(
        &std::fs::read(dir.join("pywa/signature/vector.json")).expect("vector"),
    )
    .expect("vector json");
    let body = std::fs::read(dir.join("pywa/signature/signed_body.json")).expect("body");
    let secret = vector["app_secret"].as_str().expect("secret");
    let signature = vector["x_hub_signature_256"].as_str().expect("sig");
    let pid = serde_json::from_slice::<Value>(&body).expect("json")["entry"][0]["changes"][0]
        ["value"]["metadata"]["phone_number_id"]
        .as_str()
        .expect("pid")
        .to_owned();
    let app = TestApp::builder()
        .with(|s| {
            s.meta.app_secrets = vec![secret.into()];
            s.meta.phone_number_id = Some(pid);
        })
        .spawn()
        .await;

    // One byte off, or the body re-serialised pretty: refused, nothing stored.
    let mut tampered = body.clone();
    tampered[body.len() / 2] ^= 0x01;
    assert_eq!(
        app.post_webhook_raw(&tampered, Some(signature)).await.0,
        401
    );
    let pretty =
        serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    assert_eq!(app.post_webhook_raw(&pretty, Some(signature)).await.0, 401);
    assert_eq!(app.post_webhook_raw(&body, None).await.0, 401);
    assert_eq!(app.stats().await["webhooks"]["total"], 0);

    let (status, answer) = app.post_webhook_raw(&body, Some(signature)).await;
    assert_eq!(status, 200, "{answer}");
    let msgs = app.conversation("15550000001").await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["message_text"], "Hey there! I am using PyWa.");
    let (_, contacts) = app.get("/api/whatsapp/contacts").await;
    assert_eq!(contacts["contacts"][0]["profile_name"], "PyWa Tests");
    assert_eq!(contacts["unread_count"], 1);
}

/// `../shared/fixtures/meta`, or None (with a printed reason) when that folder is absent.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/meta");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: fixtures folder {} is absent (it lives beside the repository in ../shared)",
            dir.display()
        );
        None
    }
}

/// Every JSON object at any depth of `v` that is a webhook body
/// (`"object": "whatsapp_business_account"` with an `entry` array).
fn webhook_bodies(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if m.get("object").and_then(Value::as_str) == Some("whatsapp_business_account")
                && m.get("entry").is_some_and(Value::is_array)
            {
                out.push(v.clone());
                return;
            }
            for x in m.values() {
                webhook_bodies(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| webhook_bodies(x, out)),
        _ => {}
    }
}

/// Every `.json` file under `dir`, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Sets every `metadata.phone_number_id` in a webhook body to `pid`.
fn retarget(body: &mut Value, pid: &str) {
    if let Some(entries) = body.get_mut("entry").and_then(Value::as_array_mut) {
        for e in entries {
            if let Some(changes) = e.get_mut("changes").and_then(Value::as_array_mut) {
                for c in changes {
                    if let Some(md) = c.pointer_mut("/value/metadata") {
                        if md.is_object() {
                            md["phone_number_id"] = Value::String(pid.to_owned());
                        }
                    }
                }
            }
        }
    }
}
