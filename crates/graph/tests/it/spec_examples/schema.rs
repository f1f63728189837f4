//! Meta's `Message` schema from the OpenAPI description, with the errata its own
//! examples need, and a JSON Schema validator for it.

use serde_json::{json, Value};

use crate::common;

/// Meta's schemas for the request body of `POST /{Phone-Number-ID}/messages`, with
/// the errata below applied; also returns the untouched schema for comparison.
/// Each erratum fixes a defect that makes Meta's own examples fail:
///
/// 1. `additionalProperties: false` inside an `allOf` branch only sees that branch's
///    properties, so it forbids `messaging_product`, `to`, ... (0 of Meta's 50
///    examples validate). Moved to `unevaluatedProperties: false` on the whole
///    schema, which is what it means in JSON Schema 2020-12 (OpenAPI 3.1).
/// 2. `location.latitude` / `longitude` are typed `string`, but every example (and
///    Meta's API) uses numbers: number or string allowed.
/// 3. `LanguageObject` requires `policy`, which Meta's examples omit (it is
///    optional; `deterministic` is the only value): only `code` required.
/// 4. `TemplateComponent.index` has the pattern `^[2-6, 11-14]$`, which refuses `"0"`,
///    and examples use integers; `sub_type` lacks `flow` and `copy_code`, used by
///    Meta's examples and docs: index a string or integer, sub_type extended.
pub(super) fn schemas() -> Option<(Value, Value)> {
    let dir = common::fixtures_dir()?;
    let text = std::fs::read_to_string(dir.join("openapi/business-messaging-api_v23.0.yaml"))
        .expect("read the OpenAPI YAML");
    let doc: Value = serde_norway::from_str(&text).expect("the OpenAPI YAML parses");
    let all = doc["components"]["schemas"].clone();
    let raw =
        json!({"$ref": "#/components/schemas/Message", "components": {"schemas": all.clone()}});
    let mut s = all;
    errata(&mut s);
    let fixed = json!({"$ref": "#/components/schemas/Message", "components": {"schemas": s}});
    Some((raw, fixed))
}

pub(super) fn errata(s: &mut Value) {
    let names: Vec<String> = s.as_object().unwrap().keys().cloned().collect();
    let mut moved = 0;
    for n in names {
        let sc = &mut s[&n];
        let Some(branches) = sc.get_mut("allOf").and_then(Value::as_array_mut) else {
            continue;
        };
        let mut had = false;
        for b in branches.iter_mut() {
            if let Some(o) = b.as_object_mut() {
                if o.get("additionalProperties") == Some(&Value::Bool(false)) {
                    o.remove("additionalProperties");
                    had = true;
                }
            }
        }
        if had {
            sc["unevaluatedProperties"] = json!(false);
            moved += 1;
        }
    }
    assert!(
        moved >= 10,
        "erratum 1 applies to the message schemas ({moved})"
    );
    for k in ["latitude", "longitude"] {
        let p = s
            .pointer_mut(&format!(
                "/LocationMessage/allOf/1/properties/location/properties/{k}/type"
            ))
            .expect("erratum 2 target exists");
        assert_eq!(p, "string");
        *p = json!(["number", "string"]);
    }
    let req = s
        .pointer_mut("/LanguageObject/required")
        .expect("erratum 3 target exists");
    assert_eq!(req, &json!(["policy", "code"]));
    *req = json!(["code"]);
    let tc = s
        .pointer_mut("/TemplateComponent/properties")
        .expect("erratum 4 target exists");
    assert_eq!(tc["index"]["pattern"], "^[2-6, 11-14]$");
    tc["index"] = json!({"type": ["string", "integer"]});
    let sub = tc["sub_type"]["enum"].as_array_mut().unwrap();
    sub.extend([json!("flow"), json!("copy_code")]);
}

pub(crate) fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .expect("Meta's schema compiles")
}

pub(crate) fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}
