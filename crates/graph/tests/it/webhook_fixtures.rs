//! Every webhook body in Meta's and other libraries' fixtures parses, and nothing that
//! has a typed variant lands in a catch-all.

use crate::common;

use serde_json::Value;
use wacloud_graph::webhook::{InteractiveReply, MessageContent, WebhookPayload};

const INVALID_FILE: &str = "whatsapp-business-java-api/deserialization/textMessageStatusRead.json";

/// Webhook fields this crate types; a change with one of these must never be `Unknown`.
const TYPED_FIELDS: &[&str] = &[
    "messages",
    "standby",
    "message_echoes",
    "smb_message_echoes",
    "messaging_handovers",
    "history",
    "smb_app_state_sync",
    "message_template_status_update",
    "message_template_quality_update",
    "template_category_update",
    "message_template_components_update",
    "phone_number_quality_update",
    "phone_number_name_update",
    "account_update",
    "account_review_update",
    "account_alerts",
    "business_capability_update",
    "security",
    "partner_solutions",
    "payment_configuration_update",
    "user_preferences",
    "automatic_events",
    "flows",
    "calls",
    "group_lifecycle_update",
    "group_participants_update",
    "group_settings_update",
    "group_status_update",
];

/// Collects every object with `"object":"whatsapp_business_account"` and an `entry` array.
fn find_payloads<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            if m.get("object").and_then(Value::as_str) == Some("whatsapp_business_account")
                && m.get("entry").map(Value::is_array) == Some(true)
            {
                out.push(v);
            }
            for x in m.values() {
                find_payloads(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| find_payloads(x, out)),
        _ => {}
    }
}

fn check_content(where_: &str, c: &MessageContent, problems: &mut Vec<String>) {
    match c {
        MessageContent::Unknown { type_name, .. } => problems.push(format!(
            "{where_}: message type {type_name:?} landed in Unknown"
        )),
        MessageContent::Edit { message, .. } => match message {
            Some(m) => check_content(where_, &m.content, problems),
            None => problems.push(format!("{where_}: edit without new content")),
        },
        MessageContent::Interactive(InteractiveReply::Other(v)) => {
            let t = v.get("type").and_then(Value::as_str).unwrap_or("");
            if matches!(
                t,
                "button_reply" | "list_reply" | "nfm_reply" | "call_permission_reply"
            ) {
                problems.push(format!("{where_}: interactive {t} landed in Other"));
            }
        }
        _ => {}
    }
}

#[test]
fn every_fixture_webhook_parses_into_typed_variants() {
    let Some(files) = common::all_json_files() else {
        return;
    };
    let root = common::fixtures_dir().unwrap();
    let mut payloads = 0usize;
    let mut messages = 0usize;
    let mut statuses = 0usize;
    let mut changes = 0usize;
    let mut problems = Vec::new();
    let mut saw_invalid = false;
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(path).unwrap();
        let json: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(_) => {
                assert_eq!(
                    rel, INVALID_FILE,
                    "only the one known-broken fixture may be invalid JSON"
                );
                saw_invalid = true;
                continue;
            }
        };
        let mut found = Vec::new();
        find_payloads(&json, &mut found);
        for (i, obj) in found.into_iter().enumerate() {
            let where_ = format!("{rel}#{i}");
            // A top-level payload is parsed from the file's own bytes; nested ones
            // are serialised back to bytes.
            let body = if std::ptr::eq(obj, &json) {
                bytes.clone()
            } else {
                serde_json::to_vec(obj).unwrap()
            };
            let p = match WebhookPayload::from_slice(&body) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(format!("{where_}: {e}"));
                    continue;
                }
            };
            payloads += 1;
            assert_eq!(p.object, "whatsapp_business_account");
            let expected_changes: usize = obj["entry"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    e.get("changes")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                })
                .sum();
            assert_eq!(
                p.changes().count(),
                expected_changes,
                "{where_}: every change kept"
            );
            for c in p.changes() {
                changes += 1;
                if c.value.is_unknown() && TYPED_FIELDS.contains(&c.field.as_str()) {
                    problems.push(format!("{where_}: field {} landed in Unknown", c.field));
                }
                if let Some(v) = c.value.messages_value() {
                    for m in v.messages.iter().chain(v.message_echoes.iter()) {
                        messages += 1;
                        check_content(&format!("{where_} {}", m.id), &m.content, &mut problems);
                        assert_eq!(m.raw["id"].as_str().map(str::to_owned), Some(m.id.clone()));
                    }
                    statuses += v.statuses.len();
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        saw_invalid,
        "the known-invalid fixture {INVALID_FILE} was expected"
    );
    println!(
        "parsed {payloads} webhook payloads from {} files: {changes} changes, {messages} messages, {statuses} statuses",
        files.len()
    );
    assert!(
        payloads >= 200,
        "expected at least 200 payloads, found {payloads}"
    );
}

#[test]
fn the_invalid_fixture_fails_with_a_clear_error() {
    let Some(bytes) = common::fixture_bytes(INVALID_FILE) else {
        return;
    };
    let err = WebhookPayload::from_slice(&bytes).unwrap_err();
    assert!(err.invalid_json, "{err}");
    let text = err.to_string();
    assert!(text.contains("not valid JSON"), "{text}");
    assert!(text.contains("line"), "error names the position: {text}");
    assert!(err.line > 1);
}

#[test]
fn wrong_shape_is_reported_as_shape_not_syntax() {
    let err = WebhookPayload::from_slice(
        br#"{"object":"whatsapp_business_account","entry":[{"changes":[]}]}"#,
    )
    .unwrap_err();
    assert!(!err.invalid_json);
    assert!(err.to_string().contains("unexpected shape"), "{err}");
}

#[test]
fn round_trip_keeps_meta_shape() {
    let Some(v) = common::fixture_json("pywa/updates/message.json") else {
        return;
    };
    for (name, body) in v.as_object().unwrap() {
        let p: WebhookPayload = serde_json::from_value(body.clone()).unwrap();
        let again = serde_json::to_value(&p).unwrap();
        let p2: WebhookPayload = serde_json::from_value(again.clone()).unwrap();
        // Messages serialise to exactly what was received.
        let m1 = &body["entry"][0]["changes"][0]["value"]["messages"];
        let m2 = &again["entry"][0]["changes"][0]["value"]["messages"];
        assert_eq!(m1, m2, "{name}");
        assert_eq!(p2.changes().count(), p.changes().count());
    }
}
