//! The builders against Meta's own OpenAPI description of the Cloud API
//! (`openapi/business-messaging-api_v23.0.yaml` and `openapi/examples/messages/`):
//!
//! 1. for every documented send request, the builder's body equals the example
//!    (exactly, or after replacing the example's placeholders such as
//!    `{{Recipient-Phone-Number}}` and `http(s)://image-url` by concrete values);
//! 2. every such body validates against Meta's `Message` schema, with the minimal
//!    errata listed in `schema::errata`, each of which Meta's own examples need too.
//!
//! `requests` builds each documented request, `schema` loads Meta's schema with its
//! errata; this module normalises the examples and holds the tests.

mod requests;
pub(crate) mod schema;

use serde_json::{json, Map, Value};

use crate::common;
use requests::{build, LINK, TO};
use schema::{errata, errors, schemas, validator};

/// Replaces the example's placeholders with the concrete values the builders use,
/// and fills what Meta defaults; returns what was changed.
fn normalise(v: &mut Value) -> Vec<String> {
    let mut changes = Vec::new();
    let Some(top) = v.as_object_mut() else {
        return changes;
    };
    if top.get("status").is_some() {
        return changes; // a read receipt: nothing to normalise
    }
    if let Some(Value::String(to)) = top.get_mut("to") {
        if to.starts_with("{{") {
            *to = TO.into();
            changes.push("placeholder recipient".into());
        } else if let Some(d) = to.strip_prefix('+') {
            *to = d.to_owned();
            changes.push("leading + of `to` dropped (Meta accepts both)".into());
        }
    }
    if !top.contains_key("recipient_type") {
        top.insert("recipient_type".into(), json!("individual"));
        changes.push("recipient_type individual (Meta's default) added".into());
    }
    if !top.contains_key("type") {
        let ty = ["text", "interactive", "template"]
            .into_iter()
            .find(|k| top.contains_key(*k))
            .unwrap_or("text");
        top.insert("type".into(), json!(ty));
        changes.push(format!("missing type {ty} added"));
    }
    fix_links(v, &mut changes);
    if let Some(cs) = v
        .pointer_mut("/template/components")
        .and_then(Value::as_array_mut)
    {
        for c in cs {
            if let Some(i) = c.get("index").and_then(Value::as_i64) {
                c["index"] = json!(i.to_string());
                changes.push("button index as a string".into());
            }
            if let Some(s) = c.get("sub_type").and_then(Value::as_str) {
                if s != s.to_lowercase() {
                    c["sub_type"] = json!(s.to_lowercase());
                    changes.push("sub_type lower-cased".into());
                }
            }
            for p in c
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(b) = p.get("text").and_then(Value::as_bool) {
                    p["text"] = json!(b.to_string());
                    changes.push("boolean text parameter as a string".into());
                }
            }
        }
    }
    if let Some(t) = v.pointer_mut("/interactive/header/type") {
        if t == "<HEADER_TYPE>" {
            *t = json!("text");
            changes.push("placeholder header type".into());
        }
    }
    changes
}

fn fix_links(v: &mut Value, changes: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "link" {
                    if let Value::String(s) = x {
                        let ok = url::Url::parse(s)
                            .is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                        if !ok {
                            *s = LINK.into();
                            changes.push("placeholder link".into());
                        }
                    }
                } else {
                    fix_links(x, changes);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| fix_links(x, changes)),
        _ => {}
    }
}

#[test]
fn builders_reproduce_and_validate_every_documented_send() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let (raw, fixed) = schemas().unwrap();
    let raw_v = validator(&raw);
    let fixed_v = validator(&fixed);
    let mut files: Vec<_> = std::fs::read_dir(dir.join("openapi/examples/messages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("post_request_")
        })
        .collect();
    files.sort();
    let (mut exact, mut normalised, mut validated, mut raw_ok, mut meta_fixed_ok) = (0, 0, 0, 0, 0);
    let mut uncovered = Vec::new();
    let mut not_messages = Vec::new();
    for p in &files {
        let name = p.file_stem().unwrap().to_str().unwrap();
        let stem = name.trim_start_matches("post_request_");
        let example: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        if errors(&fixed_v, &example).is_empty() {
            meta_fixed_ok += 1;
        }
        let Some(built) = build(stem) else {
            uncovered.push(stem.to_owned());
            continue;
        };
        let built = built.unwrap_or_else(|e| panic!("{stem}: the builder refused: {e}"));
        let mut expected = example.clone();
        let changes = normalise(&mut expected);
        assert_eq!(
            built, expected,
            "{stem}: the builder's body differs from Meta's example (normalised: {changes:?})"
        );
        if changes.is_empty() {
            exact += 1;
        } else {
            normalised += 1;
        }
        if built.get("status").is_some() {
            // The read receipt / typing indicator shares the endpoint but not the
            // `Message` schema; Meta's YAML has no schema for it.
            not_messages.push(stem.to_owned());
            continue;
        }
        let errs = errors(&fixed_v, &built);
        assert!(
            errs.is_empty(),
            "{stem}: builder body does not validate against Meta's schema: {errs:#?}\n{built:#}"
        );
        validated += 1;
        if errors(&raw_v, &built).is_empty() {
            raw_ok += 1;
        }
    }
    println!(
        "{} documented send requests: {exact} reproduced exactly, {normalised} after replacing placeholders; \
         {validated} validated against Meta's Message schema (with the 4 errata; {raw_ok} against the schema as published); \
         Meta's own examples valid with the errata: {meta_fixed_ok}; \
         not a Message (no schema): {not_messages:?}; no builder: {uncovered:?}",
        files.len()
    );
    assert_eq!(files.len(), 50, "the spec has 50 send examples");
    assert_eq!(exact + normalised, 48);
    assert_eq!(validated, 47);
    // The two kinds without a builder are India-only payment messages.
    assert_eq!(
        uncovered,
        ["send_order_details_message", "send_order_status_message"]
    );
}

#[test]
fn errata_are_needed_by_metas_own_examples() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let (raw, _) = schemas().unwrap();
    let raw_v = validator(&raw);
    let read = |f: &str| -> Value {
        serde_json::from_slice(
            &std::fs::read(dir.join("openapi/examples/messages").join(f)).unwrap(),
        )
        .unwrap()
    };
    // Erratum 1: even the plainest example fails the schema as published.
    let image = read("post_request_send_image_message_by_id.json");
    assert!(!errors(&raw_v, &image).is_empty());
    // With each erratum, the examples that needed it pass.
    let mut fixed_one = raw.clone();
    errata(&mut fixed_one["components"]["schemas"]);
    let v = validator(&fixed_one);
    let mut image = image;
    image["to"] = json!(TO);
    assert!(errors(&v, &image).is_empty(), "{:?}", errors(&v, &image));
    let mut loc = read("post_request_send_location_message.json");
    loc["to"] = json!(TO);
    assert!(errors(&v, &loc).is_empty());
    // And the schema still refuses what it should: a fourth reply button, a 21-character
    // button title, an unknown top-level field.
    let mut buttons = read("post_request_send_reply_button.json");
    let b = buttons["interactive"]["action"]["buttons"][0].clone();
    for _ in 0..2 {
        buttons["interactive"]["action"]["buttons"]
            .as_array_mut()
            .unwrap()
            .push(b.clone());
    }
    assert!(!errors(&v, &buttons).is_empty());
    let mut long_title = read("post_request_send_reply_button.json");
    long_title["interactive"]["action"]["buttons"][0]["reply"]["title"] = json!("x".repeat(21));
    assert!(!errors(&v, &long_title).is_empty());
    let mut extra: Map<String, Value> = read("post_request_send_text_message.json")
        .as_object()
        .unwrap()
        .clone();
    extra.insert("surprise".into(), json!(1));
    assert!(!errors(&v, &Value::Object(extra)).is_empty());
}
