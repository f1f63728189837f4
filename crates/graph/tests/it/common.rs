//! Shared test helpers: where Meta's fixtures live.

use std::path::PathBuf;

/// `/work/shared/fixtures/meta`, computed from the crate dir; `None` (with a printed
/// reason) when the folder is absent so the tests skip instead of failing.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/meta");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: fixtures folder {} is absent; fixture-based assertions not run",
            dir.display()
        );
        None
    }
}

/// Reads one fixture file (relative to the fixtures folder) as bytes.
pub fn fixture_bytes(rel: &str) -> Option<Vec<u8>> {
    let dir = fixtures_dir()?;
    Some(std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("read fixture {rel}: {e}")))
}

/// Reads one fixture file as JSON.
pub fn fixture_json(rel: &str) -> Option<serde_json::Value> {
    let b = fixture_bytes(rel)?;
    Some(serde_json::from_slice(&b).unwrap_or_else(|e| panic!("fixture {rel} is not JSON: {e}")))
}

/// Every `.json` file under the fixtures folder, sorted.
pub fn all_json_files() -> Option<Vec<PathBuf>> {
    let dir = fixtures_dir()?;
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read fixtures dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|x| x.to_str()) == Some("json") {
                out.push(p);
            }
        }
    }
    out.sort();
    Some(out)
}

/// One webhook delivery of `value` on `field`, as Meta sends it (WABA id and time on the
/// entry), parsed. Panics with serde's message when the value does not parse.
pub fn deliver(field: &str, value: serde_json::Value) -> wacloud_graph::webhook::WebhookPayload {
    let body = serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "time": 1750090702,
                   "changes": [{"field": field, "value": value}]}]
    });
    wacloud_graph::webhook::WebhookPayload::from_slice(&serde_json::to_vec(&body).unwrap())
        .unwrap_or_else(|e| panic!("{field}: {e}"))
}

/// The first change's value of a delivery, serialised back, with the nulls and empty
/// lists that absent optional fields serialise to removed: what the input had, if the
/// types kept every field.
pub fn value_back(p: &wacloud_graph::webhook::WebhookPayload) -> serde_json::Value {
    let back = serde_json::to_value(p).unwrap();
    prune(back["entry"][0]["changes"][0]["value"].clone())
}

/// `v` without null members and empty arrays or objects, recursively.
pub fn prune(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| match v {
                    Value::Null => false,
                    Value::Array(a) => !a.is_empty(),
                    Value::Object(o) => !o.is_empty(),
                    _ => true,
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(prune).collect()),
        other => other,
    }
}
