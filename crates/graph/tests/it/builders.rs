//! Local validation of Meta's limits by the message builders: each refusal names the
//! limit, characters are Unicode scalar values (never bytes), and nothing is cut.

use serde_json::json;
use wacloud_graph::messages::{
    char_count, ContactCard, ContactName, Flow, Header, Interactive, ListRow, ListSection,
    Location, MediaMessage, MediaRef, OutboundMessage, ProductSection, Recipient, ReplyButton,
};

fn to() -> Recipient {
    Recipient::PhoneNumber("15550000001".into())
}

fn link() -> MediaRef {
    MediaRef::Link("https://example.com/a.jpg".into())
}

#[test]
fn characters_are_counted_as_meta_does() {
    assert_eq!(char_count("café 😀"), 6);
    assert_eq!(char_count("🇧🇷"), 2, "a flag is two scalar values");
    // 20 emoji fit a 20-character button title; 21 do not, and nothing is cut.
    let twenty = "😀".repeat(20);
    let b = ReplyButton::new("ok", twenty.clone()).unwrap();
    let i = Interactive::reply_buttons("Pick", vec![b]).unwrap();
    assert_eq!(
        i.to_json()["action"]["buttons"][0]["reply"]["title"],
        json!(twenty)
    );
    let e = ReplyButton::new("ok", "😀".repeat(21)).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("is 21 characters; Meta's limit is 20"),
        "{e}"
    );
    assert_eq!(e.field, "interactive.action.buttons.reply.title");
}

#[test]
fn captions_and_bodies() {
    let ok = "é".repeat(1024);
    let m = MediaMessage::image(link())
        .unwrap()
        .caption(ok.clone())
        .unwrap();
    assert_eq!(m.to_json()["caption"], json!(ok));
    let e = MediaMessage::video(link())
        .unwrap()
        .caption("x".repeat(1025))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "video caption is 1025 characters; Meta's limit is 1024"
    );
    assert!(MediaMessage::audio(link()).unwrap().caption("hi").is_err());
    assert!(MediaMessage::sticker(link())
        .unwrap()
        .caption("hi")
        .is_err());
    assert!(MediaMessage::image(link())
        .unwrap()
        .filename("a.jpg")
        .is_err());
    assert!(MediaMessage::document(link())
        .unwrap()
        .filename("../etc/passwd")
        .is_err());
    // Links must be http(s); ids must not be blank.
    assert!(MediaMessage::image(MediaRef::Link("javascript:alert(1)".into())).is_err());
    assert!(MediaMessage::image(MediaRef::Link("ftp://example.com/a".into())).is_err());
    assert!(MediaMessage::image(MediaRef::Id(" ".into())).is_err());
    let e = Interactive::reply_buttons("b".repeat(1025), vec![ReplyButton::new("a", "A").unwrap()])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "interactive body is 1025 characters; Meta's limit is 1024"
    );
    let e = Interactive::location_request("Where are you?")
        .unwrap()
        .footer("x")
        .unwrap_err();
    assert!(e.to_string().contains("footer"), "{e}");
    let e = Interactive::reply_buttons("b", vec![ReplyButton::new("a", "A").unwrap()])
        .unwrap()
        .footer("f".repeat(61))
        .unwrap_err();
    assert!(e.to_string().contains("limit is 60"), "{e}");
}

#[test]
fn reply_buttons() {
    let b = |id: &str, t: &str| ReplyButton::new(id, t).unwrap();
    let three = vec![b("1", "One"), b("2", "Two"), b("3", "Three")];
    assert!(Interactive::reply_buttons("?", three).is_ok());
    let four = vec![
        b("1", "One"),
        b("2", "Two"),
        b("3", "Three"),
        b("4", "Four"),
    ];
    assert_eq!(
        Interactive::reply_buttons("?", four)
            .unwrap_err()
            .to_string(),
        "a reply-button message has 4 buttons; Meta's limit is 3"
    );
    assert!(Interactive::reply_buttons("?", vec![]).is_err());
    assert!(
        Interactive::reply_buttons("?", vec![b("1", "Same"), b("2", "Same")])
            .unwrap_err()
            .to_string()
            .contains("unique")
    );
    assert!(Interactive::reply_buttons("?", vec![b("x", "A"), b("x", "B")]).is_err());
    assert!(ReplyButton::new("", "A").is_err());
    assert!(ReplyButton::new(" id", "A").is_err());
    assert!(ReplyButton::new("a".repeat(257), "A").is_err());
    // Media headers are allowed on buttons.
    let i = Interactive::reply_buttons("?", vec![b("1", "One")])
        .unwrap()
        .header(Header::Image(link()))
        .unwrap();
    assert_eq!(i.to_json()["header"]["type"], "image");
}

#[test]
fn lists() {
    let row = |i: usize| ListRow::new(format!("r{i}"), format!("Row {i}")).unwrap();
    let ten: Vec<_> = (0..10).map(row).collect();
    assert!(Interactive::list("Menu", "Open", vec![ListSection::untitled(ten)]).is_ok());
    // 11 rows over two sections: the total counts.
    let a: Vec<_> = (0..6).map(row).collect();
    let b: Vec<_> = (6..11).map(row).collect();
    let e = Interactive::list(
        "Menu",
        "Open",
        vec![ListSection::new("A", a), ListSection::new("B", b)],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "a list message has 11 rows; Meta's limit is 10 rows over all sections"
    );
    assert!(ListRow::new("r", "x".repeat(25))
        .unwrap_err()
        .to_string()
        .contains("Meta's limit is 24"));
    assert!(ListRow::new("r", "ok")
        .unwrap()
        .description("d".repeat(73))
        .unwrap_err()
        .to_string()
        .contains("Meta's limit is 72"));
    assert!(ListRow::new("r".repeat(201), "ok").is_err());
    let e = Interactive::list(
        "Menu",
        "b".repeat(21),
        vec![ListSection::untitled(vec![row(1)])],
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("list button text is 21 characters"),
        "{e}"
    );
    // Section titles: required with more than one section, at most 24 characters.
    assert!(Interactive::list(
        "Menu",
        "Open",
        vec![
            ListSection::untitled(vec![row(1)]),
            ListSection::untitled(vec![row(2)])
        ]
    )
    .is_err());
    assert!(Interactive::list(
        "Menu",
        "Open",
        vec![ListSection::new("t".repeat(25), vec![row(1)])]
    )
    .unwrap_err()
    .to_string()
    .contains("limit is 24"));
    let eleven: Vec<_> = (0..11)
        .map(|i| ListSection::new(format!("S{i}"), vec![row(i)]))
        .collect();
    assert!(Interactive::list("Menu", "Open", eleven).is_err());
    assert!(Interactive::list("Menu", "Open", vec![]).is_err());
    // Duplicate row ids and a media header are refused.
    assert!(Interactive::list(
        "Menu",
        "Open",
        vec![ListSection::untitled(vec![row(1), row(1)])]
    )
    .is_err());
    assert!(
        Interactive::list("Menu", "Open", vec![ListSection::untitled(vec![row(1)])])
            .unwrap()
            .header(Header::Image(link()))
            .is_err()
    );
}

#[test]
fn cta_url_flow_location_request_products() {
    let i = Interactive::cta_url("See our hours", "Open site", "https://example.com/hours")
        .unwrap()
        .footer("Tap below")
        .unwrap();
    assert_eq!(
        i.to_json()["action"],
        json!({"name": "cta_url", "parameters": {"display_text": "Open site", "url": "https://example.com/hours"}})
    );
    assert!(Interactive::cta_url("b", "x".repeat(21), "https://example.com").is_err());
    assert!(Interactive::cta_url("b", "Go", "example.com").is_err());

    let lr = Interactive::location_request("Share your location").unwrap();
    assert_eq!(
        lr.to_json(),
        json!({"type": "location_request_message", "body": {"text": "Share your location"},
               "action": {"name": "send_location"}})
    );
    assert!(lr.clone().header(Header::Text("x".into())).is_err());

    let f = Flow::by_name("signup", "Sign up").unwrap().data_exchange();
    let j = Interactive::flow("Join", f).unwrap().to_json();
    assert_eq!(j["action"]["parameters"]["flow_action"], "data_exchange");
    assert_eq!(j["action"]["parameters"]["flow_name"], "signup");
    assert!(Flow::by_id("1", "c".repeat(31)).is_err());
    assert!(Flow::by_id("1", "Go")
        .unwrap()
        .navigate("S", Some(json!({})))
        .is_err());

    let p = Interactive::product("cat1", "sku1").unwrap();
    assert!(
        p.body_text().is_none(),
        "body optional for a single product"
    );
    assert!(p.clone().header(Header::Text("h".into())).is_err());
    let many: Vec<String> = (0..31).map(|i| format!("sku{i}")).collect();
    assert!(
        Interactive::product_list("H", "B", "cat1", vec![ProductSection::new("All", many)])
            .unwrap_err()
            .to_string()
            .contains("limit is 30")
    );
    let perm = Interactive::call_permission_request("May we call you?").unwrap();
    assert_eq!(
        perm.to_json()["action"],
        json!({"name": "call_permission_request"})
    );
}

#[test]
fn reactions_location_contacts_context() {
    let r = OutboundMessage::reaction(to(), "wamid.IN1", "👍🏽").unwrap();
    assert_eq!(
        r.to_json()["reaction"],
        json!({"message_id": "wamid.IN1", "emoji": "👍🏽"})
    );
    let removed = OutboundMessage::remove_reaction(to(), "wamid.IN1").unwrap();
    assert_eq!(removed.to_json()["reaction"]["emoji"], "");
    assert!(OutboundMessage::reaction(to(), "wamid.IN1", "").is_err());
    assert!(OutboundMessage::reaction(to(), "wamid.IN1", "nice").is_err());
    assert!(OutboundMessage::reaction(to(), "", "👍").is_err());
    assert!(OutboundMessage::reaction(to(), "wamid.IN1", "👍")
        .unwrap()
        .reply_to("wamid.X")
        .validate()
        .is_err());

    assert!(Location::new(91.0, 0.0).is_err());
    assert!(Location::new(0.0, -180.5).is_err());
    assert!(Location::new(f64::NAN, 0.0).is_err());
    let l = OutboundMessage::location(to(), Location::new(-23.55, -46.63).unwrap().name("Sé"))
        .unwrap()
        .to_json();
    assert_eq!(l["location"]["latitude"], json!(-23.55));

    let card = || ContactCard::new(ContactName::new("Ann"));
    assert!(OutboundMessage::contacts(to(), vec![]).is_err());
    assert!(
        OutboundMessage::contacts(to(), (0..6).map(|_| card()).collect())
            .unwrap_err()
            .to_string()
            .contains("limit is 5")
    );
    assert!(
        OutboundMessage::contacts(to(), vec![ContactCard::new(ContactName::new(" "))]).is_err()
    );
    assert!(card().birthday("18/08/2012").is_err());

    // Reply context, BSUID recipient and callback data on a new kind.
    let m = OutboundMessage::image(Recipient::UserId("US.13491208655302741918".into()), link())
        .unwrap()
        .reply_to("wamid.PREV")
        .biz_opaque_callback_data("campaign-7");
    let j = m.to_json();
    assert_eq!(j["recipient"], "US.13491208655302741918");
    assert_eq!(j["context"]["message_id"], "wamid.PREV");
    assert_eq!(j["biz_opaque_callback_data"], "campaign-7");
    assert_eq!(m.type_name(), "image");
    assert!(m.validate().is_ok());
}
