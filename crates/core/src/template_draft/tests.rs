use serde_json::json;

use super::*;

/// A marketing template with every kind of component, written for these tests in the shape of
/// Meta's creation request (Cloud API "Template components").
fn good() -> serde_json::Value {
    json!({
        "name": "spring_sale_2026",
        "language": "en_US",
        "category": "MARKETING",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Spring sale for {{1}}",
             "example": {"header_text": ["Ana"]}},
            {"type": "BODY", "text": "Hi {{1}}, use {{2}} for {{3}} off until {{2}} runs out.",
             "example": {"body_text": [["Ana", "SPRING", "20%"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [
                {"type": "URL", "text": "Shop", "url": "https://example.com/shop?c={{1}}",
                 "example": ["https://example.com/shop?c=spring"]},
                {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550100001"},
                {"type": "COPY_CODE", "example": "SPRING"},
                {"type": "QUICK_REPLY", "text": "Stop promotions"},
                {"type": "QUICK_REPLY", "text": "Tell me more"}
            ]}
        ]
    })
}

fn draft(v: serde_json::Value) -> TemplateDraft {
    serde_json::from_value(v).expect("a draft")
}

/// The problem of `good()` changed by `edit`.
fn broken(edit: impl FnOnce(&mut serde_json::Value)) -> TemplateProblem {
    let mut v = good();
    edit(&mut v);
    draft(v).check(false).expect_err("refused")
}

#[test]
fn a_complete_template_passes_and_round_trips_its_unknown_fields() {
    assert_eq!(draft(good()).check(false), Ok(()));
    let mut lines = good();
    lines["components"][1]["text"] = json!("Hi {{1}},\r\nuse {{2}}\tfor {{3}} off.");
    assert_eq!(draft(lines).check(false), Ok(()));
    let mut v = good();
    v["components"][1]["extra_field"] = json!({"kept": true});
    let d = draft(v.clone());
    assert_eq!(serde_json::to_value(&d).unwrap(), v);
}

/// A change that breaks one rule.
type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;

#[test]
fn each_broken_rule_names_its_field() {
    let cases: Vec<(&str, &str, Edit)> = vec![
        (
            "invalid_component",
            "components[0].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][0]["text"] = json!("Spring\u{0} sale for {{1}}")
            }),
        ),
        (
            "invalid_component",
            "components[0].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][0]["text"] = json!("Spring\nsale for {{1}}")
            }),
        ),
        (
            "invalid_component",
            "components[1].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][1]["text"] = json!("Hi {{1}}, use {{2}}\u{0} for {{3}} off.")
            }),
        ),
        (
            "invalid_component",
            "components[2].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][2]["text"] = json!("Reply STOP\u{7}")
            }),
        ),
        (
            "invalid_template_name",
            "name",
            Box::new(|v: &mut serde_json::Value| v["name"] = json!("Spring Sale")),
        ),
        (
            "invalid_template_name",
            "name",
            Box::new(|v: &mut serde_json::Value| v["name"] = json!("a".repeat(NAME_MAX + 1))),
        ),
        (
            "invalid_language",
            "language",
            Box::new(|v: &mut serde_json::Value| v["language"] = json!("english")),
        ),
        (
            "invalid_category",
            "category",
            Box::new(|v: &mut serde_json::Value| v["category"] = json!("PROMOTION")),
        ),
        (
            "text_too_long",
            "components[0].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][0]["text"] = json!("x".repeat(61))
            }),
        ),
        (
            "invalid_variables",
            "components[0].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][0]["text"] = json!("{{1}} and {{2}}")
            }),
        ),
        (
            "missing_example",
            "components[0].example.header_text",
            Box::new(|v: &mut serde_json::Value| v["components"][0]["example"] = json!({})),
        ),
        (
            "text_too_long",
            "components[1].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][1]["text"] = json!("y".repeat(1025))
            }),
        ),
        (
            "invalid_variables",
            "components[1].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][1]["text"] = json!("Hi {{1}}, code {{3}}, {{4}}")
            }),
        ),
        (
            "invalid_variables",
            "components[1].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][1]["text"] = json!("Hi {{2}}, code {{1}}, {{3}}")
            }),
        ),
        (
            "invalid_variables",
            "components[1].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][1]["text"] = json!("Hi {{1}}, {{first name}} {{2}} {{3}}")
            }),
        ),
        (
            "invalid_variables",
            "components[1].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][1]["text"] = json!("Hi {{1}, {{2}} {{3}}")
            }),
        ),
        (
            "missing_example",
            "components[1].example.body_text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][1]["example"]["body_text"] = json!([["Ana", "SPRING"]])
            }),
        ),
        (
            "missing_example",
            "components[1].example.body_text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][1]["example"]["body_text"] = json!([["Ana", "", "20%"]])
            }),
        ),
        (
            "missing_example",
            "components[1].example.body_text",
            Box::new(|v: &mut serde_json::Value| v["components"][1]["example"] = json!({})),
        ),
        (
            "invalid_variables",
            "components[2].text",
            Box::new(|v: &mut serde_json::Value| v["components"][2]["text"] = json!("Bye {{1}}")),
        ),
        (
            "text_too_long",
            "components[2].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][2]["text"] = json!("z".repeat(61))
            }),
        ),
        (
            "text_too_long",
            "components[3].buttons[3].text",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"][3]["text"] = json!("A label far longer than 25")
            }),
        ),
        (
            "too_many_buttons",
            "components[3].buttons",
            Box::new(|v: &mut serde_json::Value| {
                let b = v["components"][3]["buttons"].as_array_mut().unwrap();
                for _ in 0..6 {
                    b.push(json!({"type": "QUICK_REPLY", "text": "More"}));
                }
            }),
        ),
        (
            "too_many_buttons",
            "components[3].buttons",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"].as_array_mut().unwrap().push(
                    json!({"type": "PHONE_NUMBER", "text": "Again", "phone_number": "+1555"}),
                );
            }),
        ),
        (
            "invalid_button",
            "components[3].buttons[4].type",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"]
                    .as_array_mut()
                    .unwrap()
                    .insert(
                        4,
                        json!({"type": "URL", "text": "Site", "url": "https://example.com"}),
                    );
            }),
        ),
        (
            "invalid_variables",
            "components[3].buttons[0].url",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"][0]["url"] = json!("https://example.com/{{1}}/shop")
            }),
        ),
        (
            "missing_example",
            "components[3].buttons[0].example",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"][0]["example"] = json!(null)
            }),
        ),
        (
            "invalid_button",
            "components[3].buttons[0].url",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"][0]["url"] = json!("example.com")
            }),
        ),
        (
            "invalid_button",
            "components[3].buttons[1].phone_number",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"][1]["phone_number"] =
                    json!("+1 555 010 0001 ext. 1234")
            }),
        ),
        (
            "missing_example",
            "components[3].buttons[2].example",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"][2]["example"] = json!("A-CODE-OVER-15-CHARS")
            }),
        ),
        (
            "invalid_button",
            "components[3].buttons[3].type",
            Box::new(|v: &mut serde_json::Value| {
                v["components"][3]["buttons"][3]["type"] = json!("TELEPORT")
            }),
        ),
        (
            "invalid_component",
            "components[1].type",
            Box::new(|v: &mut serde_json::Value| v["components"][1]["type"] = json!("HEADER")),
        ),
        (
            "invalid_component",
            "components",
            Box::new(|v: &mut serde_json::Value| {
                v["components"].as_array_mut().unwrap().remove(1);
            }),
        ),
        (
            "invalid_component",
            "components[0].format",
            Box::new(|v: &mut serde_json::Value| v["components"][0]["format"] = json!("HOLOGRAM")),
        ),
    ];
    for (code, field, edit) in cases {
        let p = broken(edit);
        assert_eq!((p.code, p.field.as_str()), (code, field), "{p}");
    }
}

#[test]
fn media_headers_need_their_handle_unless_the_file_comes_along() {
    let mut v = good();
    v["components"][0] = json!({"type": "HEADER", "format": "IMAGE"});
    let mut d = draft(v);
    let p = d.check(false).expect_err("no handle");
    assert_eq!(
        (p.code, p.field.as_str()),
        ("missing_example", "components[0].example.header_handle")
    );
    assert_eq!(d.check(true), Ok(()));
    assert_eq!(d.media_header(), Some((0, "IMAGE".to_owned())));
    assert!(d.set_header_handle("4::aW1hZ2UvcG5n:ARb".into()));
    assert_eq!(d.check(false), Ok(()));
}

#[test]
fn named_variables_need_the_named_format_and_their_examples() {
    let named = json!({
        "name": "order_named", "language": "en", "category": "utility",
        "parameter_format": "named",
        "components": [{"type": "body", "text": "Hi {{first_name}}, order {{order_id}} for {{first_name}}",
            "example": {"body_text_named_params": [
                {"param_name": "first_name", "example": "Ana"},
                {"param_name": "order_id", "example": "1042"}]}}]
    });
    assert_eq!(draft(named.clone()).check(false), Ok(()));
    let mut v = named.clone();
    v["components"][0]["example"]["body_text_named_params"]
        .as_array_mut()
        .unwrap()
        .pop();
    let p = draft(v).check(false).unwrap_err();
    assert_eq!(
        (p.code, p.field.as_str()),
        (
            "missing_example",
            "components[0].example.body_text_named_params"
        )
    );
    assert!(p.message.contains("order_id"), "{p}");
    let mut v = named;
    v["parameter_format"] = json!("positional");
    assert_eq!(draft(v).check(false).unwrap_err().code, "invalid_variables");
}

#[test]
fn authentication_templates_have_no_text_of_their_own_and_one_otp_button() {
    let auth = json!({
        "name": "login_code", "language": "en_US", "category": "AUTHENTICATION",
        "components": [
            {"type": "BODY", "add_security_recommendation": true},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}]}
        ]
    });
    assert_eq!(draft(auth.clone()).check(false), Ok(()));
    let mut v = auth.clone();
    v["components"][1]["code_expiration_minutes"] = json!(91);
    assert_eq!(
        draft(v).check(false).unwrap_err().field,
        "components[1].code_expiration_minutes"
    );
    let mut v = auth.clone();
    v["components"][2]["buttons"][0]["otp_type"] = json!("ONE_TAP");
    assert_eq!(
        draft(v).check(false).unwrap_err().field,
        "components[2].buttons[0].package_name"
    );
    let mut v = auth;
    v["components"][2]["buttons"][0] = json!({"type": "QUICK_REPLY", "text": "Hi"});
    assert_eq!(
        draft(v).check(false).unwrap_err().field,
        "components[2].buttons"
    );
}
