//! The builder calls that reproduce each send request Meta documents, by example file
//! stem, with the concrete recipient and link that stand in for the placeholders.

use serde_json::{json, Value};
use wacloud_graph::messages::{
    ButtonSubType, Component, ContactAddress, ContactCard, ContactEmail, ContactLabel, ContactName,
    ContactOrg, ContactPhone, ContactUrl, Currency, DateTimeParts, Flow, Header, Interactive,
    ListRow, ListSection, Location, MediaMessage, MediaRef, OutboundMessage, Parameter,
    ProductSection, ReadReceipt, Recipient, ReplyButton, Template,
};

pub(super) const TO: &str = "15550000001";
pub(super) const LINK: &str = "https://example.com/media";

pub(super) type Built = Result<Value, wacloud_graph::ValidationError>;

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
    Ok(Component::body([
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
            .button(Component::quick_reply_button(0, "aGlzIHRoaXMgaXMgY29v")?)?
            .button(Component::quick_reply_button(1, "9rwnB8RbYmPF5t2Mn09x4h")?)?;
    }
    let m = OutboundMessage::template(Recipient::PhoneNumber(to.into()), t)?;
    Ok(m.to_json())
}

/// The builder calls that produce each documented request, by example file stem.
/// `None`: no builder for this kind (reported, not hidden).
pub(super) fn build(stem: &str) -> Option<Built> {
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
            OutboundMessage::template(to(), Template::new("hello_world", "en_US"))
                .map(|m| m.to_json())
        }
        "send_catalog_template_message" => (|| {
            let t = Template::new("intro_catalog_offer", "en_US")
                .body_parameters(["100", "400", "3"])?
                .button(Component::catalog_button(0, "2lc20305pt")?)?;
            Ok(OutboundMessage::template(meta_to.clone(), t)?.to_json())
        })(),
        "send_flow_template_message" => (|| {
            let t = Template::new("<TEMPLATE_NAME>", "en_US").button(Component::flow_button(
                0,
                Some("<FLOW_TOKEN>".into()),
                Some(json!({"<CUSTOM_KEY>": "<CUSTOM_VALUE>"})),
            )?)?;
            Ok(OutboundMessage::template(to(), t)?.to_json())
        })(),
        "send_sample_issue_resolution_template" => (|| {
            let t = Template::new("sample_issue_resolution", "en_US")
                .deterministic_policy()
                .body_parameters(["*Mr. Jones*"])?
                // Meta's example fills quick-reply buttons with text, not a payload.
                .component(Component::button(
                    ButtonSubType::QuickReply,
                    0,
                    [Parameter::text("true")?],
                ))
                .component(Component::button(
                    ButtonSubType::QuickReply,
                    1,
                    [Parameter::text("false")?],
                ));
            Ok(OutboundMessage::template(to(), t)?.to_json())
        })(),
        "send_typing_indicator_and_read_receipt" => {
            ReadReceipt::new("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUYzMjEzNDM2RTZGQ0MzMDJBRgA=")
                .map(|r| r.with_typing_indicator().to_json())
        }
        _ => return None,
    })
}
