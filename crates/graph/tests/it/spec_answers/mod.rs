//! Every success answer Meta's OpenAPI description gives as an example (the inline
//! `examples` of each 2xx JSON response in `business-messaging-api_v23.0.yaml`), answered by a
//! mock to the client method that performs the operation ([`reads::READS`] and the request
//! table of `request_schemas`): the method must parse it.
//!
//! Two normalisations, both about where the answer points, not its shape: `paging.next` /
//! `paging.previous` are dropped (they point at graph.facebook.com, which a client on a local
//! mock rightly refuses to follow with its token), and binary answers (a media download) are
//! not JSON and are left to `media`'s tests.

pub(crate) mod reads;

use std::collections::BTreeMap;

use serde_json::Value;
use wacloud_graph::coverage::COVERED;

use crate::graph_mock::{answering, spec};
use crate::request_schemas::calls::{Call, CALLS};
use reads::READS;

/// Examples filed under an operation whose answer they are not, with the reason; each must
/// still fail to parse there (so a corrected spec is noticed).
const MISFILED: &[(&str, &str, &str, &str)] = &[(
    "POST",
    "/{Version}/{Phone-Number-ID}",
    "200 message_sent",
    "a send's answer (`messages`, `contacts`) filed under the phone number update, whose \
     answer is `{\"success\": true}`; the send endpoint's own examples parse",
)];

/// The 2xx JSON examples of `method path`, by name.
fn answers(spec: &Value, method: &str, path: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let op = &spec["paths"][path][method.to_lowercase()];
    for (status, r) in op["responses"].as_object().into_iter().flatten() {
        if !status.starts_with('2') {
            continue;
        }
        let examples = &r["content"]["application/json"]["examples"];
        for (name, ex) in examples.as_object().into_iter().flatten() {
            out.push((format!("{status} {name}"), ex["value"].clone()));
        }
    }
    out
}

fn drop_paging_links(v: &mut Value) {
    if let Some(p) = v.get_mut("paging").and_then(Value::as_object_mut) {
        p.remove("next");
        p.remove("previous");
    }
}

#[tokio::test]
async fn every_documented_success_answer_parses() {
    let Some(spec) = spec() else {
        return;
    };
    let mut rows: BTreeMap<(&str, &str), Vec<Call>> = BTreeMap::new();
    for (m, p, call) in CALLS.iter().chain(READS) {
        rows.entry((m, p)).or_default().push(*call);
    }
    // Every covered operation has a call, except the media download (binary).
    for c in COVERED {
        let key = (c.operation.method, c.operation.path);
        assert!(
            rows.contains_key(&key) || key.1 == "/{Version}/{Media-URL}",
            "no call for {} {}",
            key.0,
            key.1
        );
    }
    let (mut parsed, mut failures, mut skipped) = (0, Vec::new(), Vec::new());
    for ((method, path), calls) in &rows {
        for (name, mut answer) in answers(spec, method, path) {
            drop_paging_links(&mut answer);
            let mut errors = Vec::new();
            for call in calls {
                let (_server, c) = answering(200, answer.clone()).await;
                match call(c).await {
                    Ok(()) => {
                        errors.clear();
                        break;
                    }
                    Err(e) => errors.push(e.to_string()),
                }
            }
            let misfiled = MISFILED
                .iter()
                .any(|(m, p, n, _)| m == method && p == path && *n == name);
            if misfiled {
                assert!(
                    !errors.is_empty(),
                    "{method} {path} [{name}] parses now: drop it from MISFILED"
                );
                skipped.push(format!("{method} {path} [{name}]"));
            } else if errors.is_empty() {
                parsed += 1;
            } else {
                failures.push(format!("{method} {path} [{name}]: {errors:?}\n  {answer}"));
            }
        }
    }
    println!(
        "{parsed} documented success answers parsed by the methods that get them; \
         misfiled in the spec (not parsed): {skipped:?}"
    );
    assert_eq!(
        skipped.len(),
        MISFILED.len(),
        "every MISFILED example is in the spec"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(parsed >= 150, "{parsed}");
}
