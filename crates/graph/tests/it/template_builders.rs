//! The template builders (issue 22): parameters from any iterator, named parameters,
//! typed buttons, and a template message checked when it is built. Each test compares
//! with the JSON Meta documents for "Send template messages" or names the refusal.

use serde_json::{json, Value};
use wacloud_graph::messages::{
    ButtonSubType, Component, MediaRef, OutboundMessage, Parameter, Recipient, Template,
};

fn to() -> Recipient {
    Recipient::PhoneNumber("15550000001".into())
}

fn components(t: Template) -> Value {
    OutboundMessage::template(to(), t).unwrap().to_json()["template"]["components"].clone()
}

#[test]
fn body_and_header_parameters_come_from_any_iterator() {
    let owned = vec![String::from("Ana"), String::from("#1042")];
    let from_vec = Template::new("order_update", "en_US")
        .body_parameters(owned.clone())
        .unwrap();
    let from_array = Template::new("order_update", "en_US")
        .body_parameters(["Ana", "#1042"])
        .unwrap();
    let from_map = Template::new("order_update", "en_US")
        .body_parameters(owned.iter().map(String::as_str))
        .unwrap();
    assert_eq!(from_vec, from_array);
    assert_eq!(from_vec, from_map);
    let t = from_vec.header_parameters(Some("Fall Sale")).unwrap();
    assert_eq!(
        components(t),
        json!([
            {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "#1042"}]},
            {"type": "header", "parameters": [{"type": "text", "text": "Fall Sale"}]}
        ])
    );
    // The error names the position and Meta's rule.
    let e = Template::new("t", "en_US")
        .body_parameters((1..=3).map(|i| {
            if i == 3 {
                "a\tb".to_owned()
            } else {
                i.to_string()
            }
        }))
        .unwrap_err();
    assert!(e.to_string().contains("parameter 3 contains a tab"), "{e}");
    // A text header has one variable.
    let e = Template::new("t", "en_US")
        .header_parameters(["a", "b"])
        .unwrap_err();
    assert!(e.to_string().contains("one variable"), "{e}");
}

#[test]
fn named_parameters_send_parameter_name() {
    let t = Template::new("order_confirmation", "en_US")
        .named_header_parameter("sale_name", "Black Friday")
        .unwrap()
        .named_body_parameters([
            ("customer_name", "Jessica"),
            ("order_number", "SKBUP2-4CPIG9"),
        ])
        .unwrap();
    assert_eq!(
        components(t),
        json!([
            {"type": "header", "parameters": [
                {"type": "text", "parameter_name": "sale_name", "text": "Black Friday"}]},
            {"type": "body", "parameters": [
                {"type": "text", "parameter_name": "customer_name", "text": "Jessica"},
                {"type": "text", "parameter_name": "order_number", "text": "SKBUP2-4CPIG9"}]}
        ])
    );
    // Names are variable names, once each; values follow the text rule.
    for (params, what) in [
        (vec![("First Name", "Ana")], "not a variable name"),
        (vec![("", "Ana")], "not a variable name"),
        (vec![("name", "Ana"), ("name", "Bo")], "twice"),
        (vec![("name", "two\nlines")], "newline"),
    ] {
        let e = Template::new("t", "en_US")
            .named_body_parameters(params)
            .unwrap_err();
        assert!(e.to_string().contains(what), "{what}: {e}");
    }
    // A component is named or positional, not both; caught when the message is built.
    let mixed = Template::new("t", "en_US").component(Component::body([
        Parameter::named_text("name", "Ana").unwrap(),
        Parameter::text("#1042").unwrap(),
    ]));
    let e = OutboundMessage::template(to(), mixed).unwrap_err();
    assert!(e.to_string().contains("mixes named and positional"), "{e}");
}

#[test]
fn typed_buttons_produce_metas_button_components() {
    let t = Template::new("coupon_code_fall2023_25off", "en_US")
        .button(Component::quick_reply_button(0, "UNSUBSCRIBE").unwrap())
        .unwrap()
        .button(Component::url_button(1, "track/1042").unwrap())
        .unwrap()
        .button(Component::copy_code_button(2, "25OFF").unwrap())
        .unwrap()
        .button(Component::catalog_button(3, "2lc20305pt").unwrap())
        .unwrap()
        .button(Component::flow_button(4, Some("tok".into()), Some(json!({"a": 1}))).unwrap())
        .unwrap();
    assert_eq!(
        components(t),
        json!([
            {"type": "button", "sub_type": "quick_reply", "index": "0",
             "parameters": [{"type": "payload", "payload": "UNSUBSCRIBE"}]},
            {"type": "button", "sub_type": "url", "index": "1",
             "parameters": [{"type": "text", "text": "track/1042"}]},
            {"type": "button", "sub_type": "copy_code", "index": "2",
             "parameters": [{"type": "coupon_code", "coupon_code": "25OFF"}]},
            {"type": "button", "sub_type": "catalog", "index": "3",
             "parameters": [{"type": "action", "action": {"thumbnail_product_retailer_id": "2lc20305pt"}}]},
            {"type": "button", "sub_type": "flow", "index": "4",
             "parameters": [{"type": "action", "action": {"flow_token": "tok", "flow_action_data": {"a": 1}}}]}
        ])
    );
    let c = Component::url_button(1, "x").unwrap();
    assert_eq!(c.button_sub_type(), Some(&ButtonSubType::Url));
    assert_eq!(c.button_index(), Some(1));
    // A sub_type Meta adds later is sent as given.
    let other = Component::button(ButtonSubType::Other("voice_call".into()), 0, []);
    let j = components(Template::new("t", "en").component(other));
    assert_eq!(j[0]["sub_type"], "voice_call");
}

#[test]
fn bad_buttons_are_refused_when_built() {
    let cases = [
        (
            Component::quick_reply_button(10, "p").unwrap_err(),
            "outside 0 to 9",
        ),
        (
            Component::quick_reply_button(0, "").unwrap_err(),
            "empty payload",
        ),
        (Component::url_button(0, "a\nb").unwrap_err(), "newline"),
        (Component::copy_code_button(0, "").unwrap_err(), "1 to 15"),
        (
            Component::copy_code_button(0, "SIXTEEN-CHARS-XX").unwrap_err(),
            "16 characters",
        ),
        (Component::catalog_button(0, " ").unwrap_err(), "empty"),
        (
            Component::flow_button(0, None, Some(json!([1]))).unwrap_err(),
            "JSON object",
        ),
    ];
    for (e, what) in cases {
        assert!(e.to_string().contains(what), "{what}: {e}");
    }
    // A component built by hand is checked by `Template::button` and by the message.
    let hand = Component::button(
        ButtonSubType::QuickReply,
        12,
        [Parameter::Payload("p".into())],
    );
    assert!(Template::new("t", "en").button(hand.clone()).is_err());
    let e = OutboundMessage::template(to(), Template::new("t", "en").component(hand)).unwrap_err();
    assert_eq!(e.field, "template.components.index");
}

#[test]
fn headers_and_bodies_are_replaced_and_checked() {
    let t = Template::new("t", "en_US")
        .header_parameters(["old"])
        .unwrap()
        .header_media(Parameter::Image(MediaRef::Link(
            "https://example.com/a.jpg".into(),
        )))
        .unwrap()
        .body_parameters(["old"])
        .unwrap()
        .named_body_parameters([("name", "new")])
        .unwrap();
    assert_eq!(
        components(t),
        json!([
            {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://example.com/a.jpg"}}]},
            {"type": "body", "parameters": [{"type": "text", "parameter_name": "name", "text": "new"}]}
        ])
    );
    let e = Template::new("t", "en_US")
        .header_media(Parameter::Image(MediaRef::Link(
            "ftp://example.com/a.jpg".into(),
        )))
        .unwrap_err();
    assert!(e.field.contains("link"), "{e}");
    // Two bodies added by hand would be refused by Meta; refused here first.
    let two = Template::new("t", "en_US")
        .component(Component::body([Parameter::text("a").unwrap()]))
        .component(Component::body([Parameter::text("b").unwrap()]));
    let e = OutboundMessage::template(to(), two).unwrap_err();
    assert!(e.to_string().contains("more than one body"), "{e}");
}
