//! The builders against Meta's own OpenAPI description of the Cloud API
//! (`openapi/business-messaging-api_v23.0.yaml` and `openapi/examples/messages/`):
//!
//! 1. for every documented send request, the builder's body equals the example
//!    (exactly, or after replacing the example's placeholders such as
//!    `{{Recipient-Phone-Number}}` and `http(s)://image-url` by concrete values);
//! 2. every such body validates against Meta's `Message` schema, with the minimal
//!    errata listed in [`errata`], each of which Meta's own examples need too.

mod common;

use serde_json::{json, Map, Value};
use wacloud_graph::messages::{
    Component, ContactAddress, ContactCard, ContactEmail, ContactLabel, ContactName, ContactOrg,
    ContactPhone, ContactUrl, Currency, DateTimeParts, Flow, Header, Interactive, ListRow,
    ListSection, Location, MediaMessage, MediaRef, OutboundMessage, Parameter, ProductSection,
    ReadReceipt, Recipient, ReplyButton, Template, TemplateAction,
};

const TO: &str = "15550000001";
const LINK: &str = "https://example.com/media";

type Built = Result<Value, wacloud_graph::ValidationError>;

fn to() -> Recipient {
    Recipient::PhoneNumber(TO.into())
}

fn msg(m: Result<OutboundMessage, wacloud_graph::ValidationError>) -> Built {
    m.map(|m| m.to_json())
}

fn media(kind: &str, by_link: bool, caption: Option<&str>, filename: Option<&str>) -> Built {
    let id = match kind {
        "audio" => "<AUDIO_OBJECT_ID>",
        "image" => "<IMAGE_OBJECT_ID>",
        "video" => "<VIDEO_OBJECT_ID>",
        "document" => "<DOCUMENT_OBJECT_ID>",
        _ => "<MEDIA_OBJECT_ID>",
    };
    let r = if by_link {
        MediaRef::Link(LINK.into())
    } else {
        MediaRef::Id(id.into())
    };
    let mut m = match kind {
        "audio" => MediaMessage::audio(r),
        "image" => MediaMessage::image(r),
        "video" => MediaMessage::video(r),
        "document" => MediaMessage::document(r),
        _ => MediaMessage::sticker(r),
    }?;
    if let Some(c) = caption {
        m = m.caption(c)?;
    }
    if let Some(f) = filename {
        m = m.filename(f)?;
    }
    msg(OutboundMessage::media(to(), m))
}

fn reply(body: Built, wamid: &str) -> Built {
    let mut v = body?;
    v["context"] = json!({ "message_id": wamid });
    Ok(v)
}

fn contact_card() -> Result<ContactCard, wacloud_graph::ValidationError> {
    let addr = |street: &str, label| {
        ContactAddress::new()
            .street(street)
            .city("Menlo Park")
            .state("CA")
            .zip("94025")
            .country("United States")
            .country_code("us")
            .label(label)
    };
    ContactCard::new(
        ContactName::new("John Smith")
            .first_name("John")
            .last_name("Smith")
            .middle_name("D.")
            .prefix("Dr")
            .suffix("Jr"),
    )
    .address(addr("1 Hacker Way", ContactLabel::Home))
    .address(addr("200 Jefferson Dr", ContactLabel::Work))
    .email(ContactEmail::new("test@fb.com", Some(ContactLabel::Work)))
    .email(ContactEmail::new(
        "test@whatsapp.com",
        Some(ContactLabel::Home),
    ))
    .org(
        ContactOrg::new()
            .company("WhatsApp")
            .department("Design")
            .title("Manager"),
    )
    .phone(ContactPhone::new("+1 (940) 555-1234").label(ContactLabel::Home))
    .phone(
        ContactPhone::new("+1 (650) 555-1234")
            .label(ContactLabel::Work)
            .wa_id("16505551234"),
    )
    .url(ContactUrl::new(
        "https://www.facebook.com",
        Some(ContactLabel::Work),
    ))
    .url(ContactUrl::new(
        "https://www.whatsapp.com",
        Some(ContactLabel::Home),
    ))
    .birthday("2012-08-18")
}

fn list(wamid: Option<&str>) -> Built {
    let section = |n: u8| -> Result<ListSection, wacloud_graph::ValidationError> {
        let row = |r: u8| {
            ListRow::new(
                format!("<LIST_SECTION_{n}_ROW_{r}_ID>"),
                format!("<SECTION_{n}_ROW_{r}_TITLE>"),
            )?
            .description(format!("<SECTION_{n}_ROW_{r}_DESC>"))
        };
        Ok(ListSection::new(
            format!("<LIST_SECTION_{n}_TITLE>"),
            vec![row(1)?, row(2)?],
        ))
    };
    let i = Interactive::list(
        "<BODY_TEXT>",
        "<BUTTON_TEXT>",
        vec![section(1)?, section(2)?],
    )?
    .header(Header::Text("<HEADER_TEXT>".into()))?
    .footer("<FOOTER_TEXT>")?;
    let mut m = OutboundMessage::interactive(to(), i)?;
    if let Some(w) = wamid {
        m = m.reply_to(w);
    }
    Ok(m.to_json())
}

fn flow(by_id: bool, draft: bool) -> Built {
    let text = if draft {
        "Not shown in draft mode"
    } else {
        "<BODY_TEXT>"
    };
    let cta = if draft {
        "Not shown in draft mode"
    } else {
        "Open Flow!"
    };
    let mut f = if by_id {
        Flow::by_id("{{Flow-ID}}", cta)?
    } else {
        Flow::by_name("{{Flow-Name}}", cta)?
    }
    .token("<FLOW_TOKEN>")
    .navigate(
        "<SCREEN_ID>",
        Some(json!({"<CUSTOM_KEY>": "<CUSTOM_VALUE>"})),
    )?;
    if draft {
        f = f.draft();
    }
    let (header, footer) = if draft {
        (text, text)
    } else {
        ("<HEADER_TEXT>", "<FOOTER_TEXT>")
    };
    let i = Interactive::flow(text, f)?
        .header(Header::Text(header.into()))?
        .footer(footer)?;
    msg(OutboundMessage::interactive(to(), i))
}

fn sample_body() -> Result<Component, wacloud_graph::ValidationError> {
    let mut dt = DateTimeParts::new("February 25, 1977");
    dt.calendar = Some("GREGORIAN".into());
    dt.day_of_month = Some(25);
    dt.day_of_week = Some(5);
    dt.hour = Some(15);
    dt.minute = Some(33);
    dt.month = Some(2);
    dt.year = Some(1977);
    Ok(Component::body(vec![
        Parameter::text("text-string")?,
        Parameter::Currency(Currency::new("$100.99", "USD", 100990)),
        Parameter::DateTimeParts(dt),
    ]))
}

fn sample_template(header: bool, buttons: bool, to: &str) -> Built {
    let mut t = Template::new("template-name", "language-and-locale-code");
    if header {
        t = t.component(Component::header(vec![Parameter::Image(MediaRef::Link(
            LINK.into(),
        ))]));
    }
    t = t.component(sample_body()?);
    if buttons {
        t = t
            .component(Component::button(
                "quick_reply",
                0,
                vec![Parameter::Payload("aGlzIHRoaXMgaXMgY29v".into())],
            ))
            .component(Component::button(
                "quick_reply",
                1,
                vec![Parameter::Payload("9rwnB8RbYmPF5t2Mn09x4h".into())],
            ));
    }
    let m = OutboundMessage::template(Recipient::PhoneNumber(to.into()), t);
    m.validate()?;
    Ok(m.to_json())
}

/// The builder calls that produce each documented request, by example file stem.
/// `None`: no builder for this kind (reported, not hidden).
fn build(stem: &str) -> Option<Built> {
    let prev = "<MSGID_OF_PREV_MSG>";
    let yours = "<MSGID_OF_MSG_YOU_ARE_REPLYING_TO>";
    let meta_to = Recipient::PhoneNumber("+16505551234".into());
    Some(match stem {
        "send_audio_message_by_id" => media("audio", false, None, None),
        "send_audio_message_by_url" => media("audio", true, None, None),
        "send_image_message_by_id" => media("image", false, None, None),
        "send_image_message_by_url" => media("image", true, None, None),
        "send_sticker_message_by_id" => media("sticker", false, None, None),
        "send_sticker_message_by_url" => media("sticker", true, None, None),
        "send_video_message_by_id" => media("video", false, Some("<VIDEO_CAPTION_TEXT>"), None),
        "send_video_message_by_url" => media("video", true, Some("<VIDEO_CAPTION_TEXT>"), None),
        "send_document_message_by_id" => media(
            "document",
            false,
            Some("<DOCUMENT_CAPTION_TO_SEND>"),
            Some("<DOCUMENT_FILENAME>"),
        ),
        "send_document_message_by_url" => {
            media("document", true, Some("<DOCUMENT-CAPTION-TEXT>"), None)
        }
        "send_reply_to_audio_message_by_id" => reply(media("audio", false, None, None), yours),
        "send_reply_to_audio_message_by_url" => reply(media("audio", true, None, None), yours),
        "send_reply_to_image_message_by_id" => reply(media("image", false, None, None), prev),
        "send_reply_to_image_message_by_url" => reply(media("image", true, None, None), prev),
        "send_reply_to_sticker_message_by_id" => reply(media("sticker", false, None, None), yours),
        "send_reply_to_sticker_message_by_url" => reply(media("sticker", true, None, None), yours),
        "send_reply_to_video_message_by_id" => reply(
            media("video", false, Some("<VIDEO_CAPTION_TEXT>"), None),
            yours,
        ),
        "send_reply_to_video_message_by_url" => reply(
            media("video", true, Some("<VIDEO_CAPTION_TEXT>"), None),
            yours,
        ),
        "send_reply_to_document_message_by_id" => reply(
            media(
                "document",
                false,
                Some("<DOCUMENT_CAPTION_TO_SEND>"),
                Some("<DOCUMENT_FILENAME>"),
            ),
            yours,
        ),
        "send_reply_to_document_message_by_url" => reply(
            media("document", true, Some("<DOCUMENT_CAPTION_TEXT>"), None),
            yours,
        ),
        "send_text_message" => {
            msg(OutboundMessage::text(to(), "text-message-content").map(|m| m.preview_url(false)))
        }
        "send_text_message_with_preview_url" => msg(OutboundMessage::text(
            to(),
            "Please visit https://youtu.be/hpltvTEiRrY.",
        )
        .map(|m| m.preview_url(true))),
        "send_reply_to_text_message" => msg(OutboundMessage::text(to(), "<TEXT_MSG_CONTENT>")
            .map(|m| m.preview_url(false).reply_to(prev))),
        "send_location_message" | "send_reply_to_location_message" => {
            let l = Location::new(37.758056, -122.425332).map(|l| {
                l.name("META HQ")
                    .address("1 Hacker Way, Menlo Park, CA 94025")
            });
            let m = l.and_then(|l| OutboundMessage::location(to(), l));
            if stem.contains("reply") {
                msg(m.map(|m| m.reply_to(prev)))
            } else {
                msg(m)
            }
        }
        "send_contact_message" | "send_reply_to_contact_message" => {
            let m = contact_card().and_then(|c| OutboundMessage::contacts(to(), vec![c]));
            if stem.contains("reply") {
                msg(m.map(|m| m.reply_to(prev)))
            } else {
                msg(m)
            }
        }
        "send_reply_with_reaction_message" => {
            msg(OutboundMessage::reaction(to(), "wamid.HBgLM...", "😀"))
        }
        "send_reply_button" => (|| {
            let i = Interactive::reply_buttons(
                "<BUTTON_TEXT>",
                vec![
                    ReplyButton::new("<UNIQUE_BUTTON_ID_1>", "<BUTTON_TITLE_1>")?,
                    ReplyButton::new("<UNIQUE_BUTTON_ID_2>", "<BUTTON_TITLE_2>")?,
                ],
            )?;
            msg(OutboundMessage::interactive(to(), i))
        })(),
        "send_list_message" => list(None),
        "send_reply_to_list_message" => list(Some(prev)),
        "send_draft_flow_by_id" => flow(true, true),
        "send_draft_flow_by_name" => flow(false, true),
        "send_published_flow_by_id" => flow(true, false),
        "send_published_flow_by_name" => flow(false, false),
        "send_catalog_message" => (|| {
            let i = Interactive::catalog(
                "Hello! Thanks for your interest. Ordering is easy. Just visit our catalog and add items to purchase.",
                Some("2lc20305pt".into()),
            )?
            .footer("Best grocery deals on WhatsApp!")?;
            msg(OutboundMessage::interactive(meta_to.clone(), i))
        })(),
        "send_single_product_message" => (|| {
            let i = Interactive::product("367025965434465", "<ID_TEST_ITEM_1>")?
                .body("<OPTIONAL_BODY_TEXT>")?
                .footer("<OPTIONAL_FOOTER_TEXT>")?;
            msg(OutboundMessage::interactive(to(), i))
        })(),
        "send_multi_product_message" => (|| {
            let i = Interactive::product_list(
                "<YOUR_TEXT_HEADER_CONTENT>",
                "<YOUR_TEXT_BODY_CONTENT>",
                "146265584024623",
                vec![
                    ProductSection::new(
                        "<SECTION1_TITLE>",
                        vec![
                            "<YOUR_PRODUCT1_SKU_IN_CATALOG>".into(),
                            "<YOUR_SECOND_PRODUCT1_SKU_IN_CATALOG>".into(),
                        ],
                    ),
                    ProductSection::new(
                        "<SECTION2_TITLE>",
                        vec![
                            "<YOUR_PRODUCT2_SKU_IN_CATALOG>".into(),
                            "<YOUR_SECOND_PRODUCT2_SKU_IN_CATALOG>".into(),
                        ],
                    ),
                ],
            )?
            .footer("<YOUR_TEXT_FOOTER_CONTENT>")?;
            msg(OutboundMessage::interactive(to(), i))
        })(),
        "send_message_template_interactive" => sample_template(true, true, TO),
        "send_message_template_media" => sample_template(true, false, TO),
        "send_message_template_text" => sample_template(false, false, TO),
        "send_sample_shipping_confirmation_template" | "send_sample_text_message" => {
            sample_template(false, false, "16315555555")
        }
        "send_test_message" => {
            let m = OutboundMessage::template(to(), Template::new("hello_world", "en_US"));
            m.validate().map(|_| m.to_json())
        }
        "send_catalog_template_message" => (|| {
            let t = Template::new("intro_catalog_offer", "en_US")
                .body_parameters(vec!["100".into(), "400".into(), "3".into()])?
                .component(Component::button(
                    "catalog",
                    0,
                    vec![Parameter::Action(TemplateAction::Catalog {
                        thumbnail_product_retailer_id: "2lc20305pt".into(),
                    })],
                ));
            let m = OutboundMessage::template(meta_to.clone(), t);
            m.validate()?;
            Ok(m.to_json())
        })(),
        "send_flow_template_message" => (|| {
            let t = Template::new("<TEMPLATE_NAME>", "en_US").component(Component::button(
                "flow",
                0,
                vec![Parameter::Action(TemplateAction::Flow {
                    flow_token: Some("<FLOW_TOKEN>".into()),
                    flow_action_data: Some(json!({"<CUSTOM_KEY>": "<CUSTOM_VALUE>"})),
                })],
            ));
            let m = OutboundMessage::template(to(), t);
            m.validate()?;
            Ok(m.to_json())
        })(),
        "send_sample_issue_resolution_template" => (|| {
            let t = Template::new("sample_issue_resolution", "en_US")
                .deterministic_policy()
                .component(Component::body(vec![Parameter::text("*Mr. Jones*")?]))
                .component(Component::button(
                    "quick_reply",
                    0,
                    vec![Parameter::text("true")?],
                ))
                .component(Component::button(
                    "quick_reply",
                    1,
                    vec![Parameter::text("false")?],
                ));
            let m = OutboundMessage::template(to(), t);
            m.validate()?;
            Ok(m.to_json())
        })(),
        "send_typing_indicator_and_read_receipt" => {
            ReadReceipt::new("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUYzMjEzNDM2RTZGQ0MzMDJBRgA=")
                .map(|r| r.with_typing_indicator().to_json())
        }
        _ => return None,
    })
}

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
fn schemas() -> Option<(Value, Value)> {
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

fn errata(s: &mut Value) {
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

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .expect("Meta's schema compiles")
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
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
