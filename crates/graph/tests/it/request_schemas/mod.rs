//! Every request body the client builds, checked against Meta's own schema: for each
//! covered operation whose entry in `business-messaging-api_v23.0.yaml` has a request
//! body, [`CALLS`] makes the client send one (to a mock that records it), and the body
//! is validated against the schema of the content type it was sent as (JSON, a
//! multipart form or a URL-encoded form; `$ref`s resolved from the YAML's
//! `components`). The content type must be one the spec lists.
//!
//! Where Meta's schema is wrong, [`corrections`] patches it, one row each with the
//! reason; the test also checks that each correction is still needed (the body fails
//! the schema as published), so a fixed spec is noticed. `POST
//! /{Phone-Number-ID}/messages` (Meta's `Message` schema and its four errata) is
//! checked by `spec_examples` against all 50 of Meta's send examples.

pub(crate) mod calls;

use std::collections::BTreeSet;

use serde_json::{json, Value};
use wacloud_graph::coverage::{COVERED, OMITTED};
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, parse_multipart, spec};
use crate::spec_examples::schema::{errors, validator};
use calls::CALLS;

/// Meta's schema where it is wrong, as `(method, path, what is changed, why, patch)`;
/// `patch` changes the request body schema of that operation (its `$ref`s already
/// resolved into the `components` it is given).
type Correction = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    fn(&mut Value),
);

fn corrections() -> Vec<Correction> {
    vec![
        (
            "POST",
            "/{Version}/{Phone-Number-ID}/marketing_messages",
            "`LanguageObject.required`: [policy, code] -> [code]",
            "`policy` is optional (its one value, `deterministic`, is the default) and Meta's own \
             marketing and send examples omit it; the same erratum as for `Message`",
            |s| s["components"]["schemas"]["LanguageObject"]["required"] = json!(["code"]),
        ),
        (
            "POST",
            "/{Version}/{Phone-Number-ID}/business_compliance_info",
            "phone number `pattern` escaped twice (`^\\\\+…`) -> `^\\+[1-9]\\d{1,14}$`",
            "the YAML escapes the backslashes twice, so the pattern asks for a literal backslash \
             and refuses every E.164 number, Meta's own `custom_entity_update` example included",
            |s| replace_pattern(s, r"^\\+[1-9]\\d{1,14}$", r"^\+[1-9]\d{1,14}$"),
        ),
        (
            "POST",
            "/{Version}/{Phone-Number-ID}/calls",
            "`CallRequestPayload`: `call_id` added, only `messaging_product` and `action` \
             required (`to` or `call_id`), `terminate` left to `CallTerminateRequestPayload`",
            "`pre_accept`, `accept` and `reject` answer a call the user started, named by the \
             `call_id` of the `calls` webhook (Meta's \"User-initiated calls\" page); the schema \
             has no `call_id` there and requires `to`, which only `connect` takes. Without \
             `terminate` in both branches, `oneOf` still picks exactly one",
            |s| {
                let p = &mut s["components"]["schemas"]["CallRequestPayload"];
                assert_eq!(p["required"], json!(["messaging_product", "to", "action"]));
                p["properties"]["call_id"] = json!({"type": "string"});
                p["required"] = json!(["messaging_product", "action"]);
                p["anyOf"] = json!([{"required": ["to"]}, {"required": ["call_id"]}]);
                p["properties"]["action"]["enum"] =
                    json!(["connect", "pre_accept", "accept", "reject"]);
            },
        ),
        (
            "POST",
            "/{Version}/{WABA-ID}/schedules",
            "`start_time` / `end_time`: `format: time` -> pattern HH:MM",
            "JSON Schema's `time` is RFC 3339 `HH:MM:SS` with an offset, but the field is a wall \
             clock `HH:MM` in `timezone`, as every example of Meta's (`09:00`, `17:00`) writes it",
            |s| {
                for k in ["start_time", "end_time"] {
                    let p =
                        &mut s["components"]["schemas"]["ScheduleCreateRequest"]["properties"][k];
                    assert_eq!(p["format"], "time", "correction target");
                    p.as_object_mut().unwrap().remove("format");
                    p["pattern"] = json!("^([01][0-9]|2[0-3]):[0-5][0-9]$");
                }
            },
        ),
    ]
}

/// Replaces the regular expression `from` by `to` wherever the schema uses it.
fn replace_pattern(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "pattern" && x == from {
                    *x = json!(to);
                } else {
                    replace_pattern(x, from, to);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| replace_pattern(x, from, to)),
        _ => {}
    }
}

/// The request body's schemas of `method path` by content type.
fn body_schemas(spec: &Value, method: &str, path: &str) -> Option<Vec<(String, Value)>> {
    let op = &spec["paths"][path][method.to_lowercase()];
    let mut rb = op.get("requestBody")?.clone();
    if let Some(r) = rb.get("$ref").and_then(Value::as_str) {
        rb = spec
            .pointer(&r[1..])
            .expect("requestBody $ref resolves")
            .clone();
    }
    let content = rb["content"].as_object()?;
    Some(
        content
            .iter()
            .filter_map(|(ct, c)| Some((ct.clone(), c.get("schema")?.clone())))
            .collect(),
    )
}

/// The body sent, as JSON: a JSON body parsed; a form's fields as strings (a file as
/// its text), each decoded from JSON text where the schema wants an array, object,
/// boolean or number (Graph reads such form values as JSON).
fn body_as_json(content_type: &str, body: &[u8], schema: &Value, spec: &Value) -> Value {
    let fields: Vec<(String, String)> = if content_type.starts_with("application/json") {
        return serde_json::from_slice(body).expect("a JSON body");
    } else if let Some(b) = content_type.strip_prefix("multipart/form-data; boundary=") {
        parse_multipart(body, b)
            .into_iter()
            .map(|p| (p.name, String::from_utf8_lossy(&p.value).into_owned()))
            .collect()
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        url::form_urlencoded::parse(body).into_owned().collect()
    } else {
        panic!("unexpected content type {content_type}");
    };
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(&r[1..]).unwrap(),
        None => schema,
    };
    let mut out = serde_json::Map::new();
    for (k, v) in fields {
        let ty = schema["properties"][&k]["type"]
            .as_str()
            .unwrap_or("string");
        let value = match ty {
            "array" | "object" | "boolean" | "integer" | "number" => {
                serde_json::from_str(&v).unwrap_or(Value::String(v))
            }
            _ => Value::String(v),
        };
        out.insert(k, value);
    }
    Value::Object(out)
}

#[tokio::test]
async fn every_request_body_validates_against_meta_s_schema() {
    let Some(spec) = spec() else {
        return;
    };
    // Which operations the table must hold: covered, with a request body, not the send.
    let omitted: std::collections::HashSet<_> = OMITTED.iter().map(|o| o.operation).collect();
    let want: BTreeSet<(String, String)> = COVERED
        .iter()
        .map(|c| c.operation)
        .filter(|o| !omitted.contains(o) && o.path != "/{Version}/{Phone-Number-ID}/messages")
        .filter(|o| body_schemas(spec, o.method, o.path).is_some())
        .map(|o| (o.method.to_owned(), o.path.to_owned()))
        .collect();
    let have: BTreeSet<(String, String)> = CALLS
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        have, want,
        "the table must hold every covered operation with a request body"
    );

    let corrections = corrections();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    // Operations with a correction, and whether some body of theirs needs it.
    let mut needed = std::collections::BTreeMap::<String, bool>::new();
    for (method, path, call) in CALLS {
        let (server, c) = answering(200, json!({"success": true})).await;
        if let Err(GraphError::Validation(e)) = call(c).await {
            panic!("{method} {path}: refused before sending: {e}");
        }
        let received = server.received_requests().await.unwrap();
        assert_eq!(received.len(), 1, "{method} {path}: one request");
        let r = &received[0];
        assert_eq!(r.method.as_str(), *method, "{path}");
        let ct = r
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let schemas = body_schemas(spec, method, path).unwrap();
        let Some((spec_ct, schema)) = schemas
            .iter()
            .find(|(s, _)| ct.starts_with(s.as_str()))
            .cloned()
        else {
            if r.body.is_empty() {
                // Meta's spec gives a body the call does not need (e.g. a GET).
                report.push(format!(
                    "{method} {path}: no body sent (spec lists {:?})",
                    schemas.iter().map(|s| &s.0).collect::<Vec<_>>()
                ));
                continue;
            }
            failures.push(format!(
                "{method} {path}: sent as {ct:?}, the spec lists {:?}",
                schemas.iter().map(|s| &s.0).collect::<Vec<_>>()
            ));
            continue;
        };
        let instance = body_as_json(&ct, &r.body, &schema, spec);
        let mut root = schema.clone();
        root["components"] = spec["components"].clone();
        let raw_errors = errors(&validator(&root), &instance);
        let mine: Vec<_> = corrections
            .iter()
            .filter(|(m, p, ..)| m == method && p == path)
            .collect();
        if mine.is_empty() {
            if !raw_errors.is_empty() {
                failures.push(format!(
                    "{method} {path} ({spec_ct}): {raw_errors:?}\n  body: {instance}"
                ));
            }
        } else {
            let mut fixed = root.clone();
            for (.., patch) in &mine {
                patch(&mut fixed);
            }
            let errs = errors(&validator(&fixed), &instance);
            if !errs.is_empty() {
                failures.push(format!(
                    "{method} {path} (corrected): {errs:?}\n  body: {instance}"
                ));
            }
            *needed.entry(format!("{method} {path}")).or_default() |= !raw_errors.is_empty();
        }
        report.push(format!("{method} {path}: {spec_ct} valid"));
    }
    println!("{}", report.join("\n"));
    println!(
        "{} request bodies checked against Meta's schemas, {} correction(s):",
        CALLS.len(),
        corrections.len()
    );
    for (m, p, what, why, _) in &corrections {
        println!("- {m} {p}: {what} ({why})");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        corrections
            .iter()
            .all(|(m, p, ..)| needed.get(&format!("{m} {p}")) == Some(&true)),
        "corrections no body needs any more: {needed:?}"
    );
}
