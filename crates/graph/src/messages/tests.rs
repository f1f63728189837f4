use super::*;
use serde_json::json;

fn to() -> Recipient {
    Recipient::PhoneNumber("15550000001".into())
}

#[test]
fn text_limits_name_the_limit() {
    let ok = "é".repeat(TEXT_BODY_MAX_CHARS);
    assert!(
        OutboundMessage::text(to(), ok).is_ok(),
        "4096 characters, not bytes"
    );
    let e = OutboundMessage::text(to(), "a".repeat(5000)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "text body is 5000 characters; Meta's limit is 4096"
    );
    assert_eq!(e.field, "text.body");
    assert!(OutboundMessage::text(to(), "").is_err());
    assert!(OutboundMessage::text(to(), " \n ").is_err());
}

#[test]
fn recipients_are_checked() {
    for bad in [
        "",
        "+",
        "1555 000 0001",
        "1555-000-0001",
        "1234567890123456",
        "abc",
    ] {
        assert!(
            OutboundMessage::text(Recipient::PhoneNumber(bad.into()), "hi").is_err(),
            "{bad:?}"
        );
    }
    let m = OutboundMessage::text(Recipient::PhoneNumber("+15550000001".into()), "hi").unwrap();
    assert_eq!(m.to_json()["to"], "15550000001");
    assert!(OutboundMessage::text(Recipient::UserId("US 1".into()), "hi").is_err());
    let m = OutboundMessage::text(Recipient::UserId("US.134912".into()), "hi").unwrap();
    let j = m.to_json();
    assert_eq!(j["recipient"], "US.134912");
    assert!(j.get("to").is_none());
}

#[test]
fn text_json_matches_the_documented_request() {
    let m = OutboundMessage::text(to(), "<TEXT_MSG_CONTENT>")
        .unwrap()
        .preview_url(false)
        .reply_to("<MSGID_OF_PREV_MSG>");
    // openapi/examples/messages/post_request_send_reply_to_text_message.json
    let documented = json!({
        "context": {"message_id": "<MSGID_OF_PREV_MSG>"},
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "text": {"body": "<TEXT_MSG_CONTENT>", "preview_url": false},
        "to": "15550000001",
        "type": "text"
    });
    assert_eq!(m.to_json(), documented);
    assert_eq!(serde_json::to_value(&m).unwrap(), documented);
    assert_eq!(m.type_name(), "text");
    assert_eq!(m.text_body(), Some("<TEXT_MSG_CONTENT>"));
    assert_eq!(m.reply_to_id(), Some("<MSGID_OF_PREV_MSG>"));
    // preview_url only appears when set, and only on text.
    let plain = OutboundMessage::text(to(), "x").unwrap().to_json();
    assert!(plain["text"].get("preview_url").is_none());
    let t = OutboundMessage::template(to(), Template::new("a", "en"))
        .unwrap()
        .preview_url(true);
    assert!(t.to_json()["template"].get("preview_url").is_none());
}

#[test]
fn template_json_matches_the_documented_request() {
    let t = Template::new("template-name", "language-and-locale-code")
        .component(Component::header(vec![Parameter::Image(MediaRef::Link(
            "https://the-image-url".into(),
        ))]))
        .component(Component::body(vec![
            Parameter::text("text-string").unwrap(),
            Parameter::Currency(Currency {
                fallback_value: "$100.99".into(),
                code: "USD".into(),
                amount_1000: 100990,
            }),
        ]))
        .button(Component::quick_reply_button(0, "PAYLOAD").unwrap())
        .unwrap();
    let j = OutboundMessage::template(to(), t).unwrap().to_json();
    assert_eq!(j["type"], "template");
    assert_eq!(
        j["template"]["language"],
        json!({"code": "language-and-locale-code"})
    );
    let c = &j["template"]["components"];
    assert_eq!(
        c[0],
        json!({"type":"header","parameters":[{"type":"image","image":{"link":"https://the-image-url"}}]})
    );
    assert_eq!(
        c[1]["parameters"][0],
        json!({"type":"text","text":"text-string"})
    );
    assert_eq!(
        c[1]["parameters"][1],
        json!({"type":"currency","currency":{"amount_1000":100990,"code":"USD","fallback_value":"$100.99"}})
    );
    assert_eq!(
        c[2],
        json!({"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"PAYLOAD"}]})
    );
    let named = Parameter::named_text("first_name", "Renée").unwrap();
    let j = OutboundMessage::template(
        to(),
        Template::new("n", "en").component(Component::body(vec![named])),
    )
    .unwrap()
    .to_json();
    assert_eq!(
        j["template"]["components"][0]["parameters"][0],
        json!({"type":"text","parameter_name":"first_name","text":"Renée"})
    );
}

#[test]
fn template_parameters_follow_meta_rule() {
    let t = || Template::new("order_update", "en_US");
    assert!(
        t().body_parameters(["Ann", "a    b"]).is_ok(),
        "4 spaces are fine"
    );
    for (bad, what) in [
        ("line\nbreak", "newline"),
        ("tab\there", "tab"),
        ("five     spaces", "more than 4 consecutive spaces"),
        ("", "empty"),
    ] {
        let e = t().body_parameters(["ok", bad]).unwrap_err();
        assert!(e.to_string().contains(what), "{e}");
        assert!(e.to_string().contains("parameter 2"), "{e}");
    }
    assert!(Parameter::text("a\nb").is_err());
    // Parameters built by hand are checked again before sending.
    let hand = Template::new("x", "en").component(Component::body(vec![Parameter::Text {
        text: "a\tb".into(),
        parameter_name: None,
    }]));
    assert!(OutboundMessage::template(to(), hand).is_err());
    // body_parameters replaces an earlier body.
    let t2 = t()
        .body_parameters(["a"])
        .unwrap()
        .body_parameters(["b"])
        .unwrap();
    assert_eq!(t2.components().len(), 1);
}

#[test]
fn template_name_and_language_required() {
    assert!(OutboundMessage::template(to(), Template::new("", "en")).is_err());
    assert!(OutboundMessage::template(to(), Template::new("a", " ")).is_err());
    let ok = OutboundMessage::template(to(), Template::new("a", "en")).unwrap();
    assert!(ok.validate().is_ok());
    let long = ok.biz_opaque_callback_data("x".repeat(513));
    assert!(long.validate().unwrap_err().to_string().contains("512"));
}
