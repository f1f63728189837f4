//! Meta's limits on the message kinds beside text and templates (Cloud API "Media messages",
//! "Reaction messages", "Location messages", "Interactive reply buttons / list / CTA URL
//! messages"), checked before anything is stored or sent: a refusal names the field and the
//! limit.

use std::collections::HashSet;

use crate::error::CoreError;
use crate::outbound::{
    ContactCardContent, InteractiveAction, InteractiveContent, MediaKind, MediaSource,
    OutboundContent, TemplateButtonKind, TemplateButtonValue, TemplateHeaderMedia,
};

/// Most characters of a media caption.
pub const MAX_CAPTION_CHARS: usize = 1024;
/// Most characters of a document's file name.
pub const MAX_FILENAME_CHARS: usize = 240;
/// Most characters of an interactive message's body.
pub const MAX_INTERACTIVE_BODY_CHARS: usize = 1024;
/// Most characters of an interactive message's text header or footer.
pub const MAX_HEADER_FOOTER_CHARS: usize = 60;
/// Most reply buttons.
pub const MAX_REPLY_BUTTONS: usize = 3;
/// Most rows of a list message, all sections together.
pub const MAX_LIST_ROWS: usize = 10;
/// Most sections of a list message.
pub const MAX_LIST_SECTIONS: usize = 10;

fn invalid(field: &'static str, message: String) -> CoreError {
    CoreError::invalid("invalid_content", field, message)
}

/// A text field of `min`–`max` characters, without NUL.
fn text(field: &'static str, value: &str, min: usize, max: usize) -> Result<(), CoreError> {
    let n = value.chars().count();
    if value.contains('\0') {
        return Err(invalid(field, format!("{field} contains a NUL character")));
    }
    if n < min || (min > 0 && value.trim().is_empty()) {
        return Err(invalid(field, format!("{field} is empty")));
    }
    if n > max {
        return Err(invalid(
            field,
            format!("{field} has {n} characters; WhatsApp allows at most {max}"),
        ));
    }
    Ok(())
}

fn optional(field: &'static str, value: Option<&String>, max: usize) -> Result<(), CoreError> {
    value.map_or(Ok(()), |v| text(field, v, 0, max))
}

/// An `http(s)` URL without spaces or control characters, at most 2,048 characters.
fn url(field: &'static str, value: &str, https_only: bool) -> Result<(), CoreError> {
    let scheme_ok = if https_only {
        value.starts_with("https://")
    } else {
        value.starts_with("https://") || value.starts_with("http://")
    };
    if !scheme_ok
        || value.len() > 2048
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        let want = if https_only { "https" } else { "http(s)" };
        return Err(invalid(
            field,
            format!("{field} must be a public {want} URL of at most 2048 characters"),
        ));
    }
    Ok(())
}

/// A media id (as `POST /media` answers it: letters, digits, `_`, `-`, `.`, at most 128) or a
/// public `https` link, the error naming `id_field` or `link_field`.
fn media_source(
    id_field: &'static str,
    link_field: &'static str,
    source: &MediaSource,
) -> Result<(), CoreError> {
    match source {
        MediaSource::Id(id) => {
            if id.is_empty()
                || id.len() > 128
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
            {
                return Err(invalid(
                    id_field,
                    format!("{id_field} must be the id POST /media answered (letters, digits)"),
                ));
            }
            Ok(())
        }
        MediaSource::Link(link) => url(link_field, link, true),
    }
}

/// A parameter's text as Meta takes it in a template: not empty, no newline, tab or more than
/// four spaces in a row, at most `max` characters.
fn template_text(field: &'static str, value: &str, max: usize) -> Result<(), CoreError> {
    text(field, value, 1, max)?;
    if value.contains('\n') || value.contains('\t') || value.contains("     ") {
        return Err(invalid(
            field,
            format!("{field} contains a newline, a tab or more than 4 spaces in a row, which Meta refuses in a template"),
        ));
    }
    Ok(())
}

/// Most contact cards in one message.
pub const MAX_CONTACT_CARDS: usize = 5;

/// Checks contact cards: 1–5, each with a name, numbers that are not empty, email addresses
/// with an `@`, `http(s)` web addresses.
fn validate_cards(cards: &[ContactCardContent]) -> Result<(), CoreError> {
    if cards.is_empty() || cards.len() > MAX_CONTACT_CARDS {
        return Err(invalid(
            "contacts",
            format!(
                "a contacts message has 1 to {MAX_CONTACT_CARDS} cards, not {}",
                cards.len()
            ),
        ));
    }
    for c in cards {
        text("contacts.name", &c.name, 1, 256)?;
        optional("contacts.first_name", c.first_name.as_ref(), 256)?;
        optional("contacts.last_name", c.last_name.as_ref(), 256)?;
        optional("contacts.company", c.company.as_ref(), 256)?;
        for p in &c.phones {
            text("contacts.phones.phone", &p.phone, 1, 64)?;
            if let Some(w) = &p.wa_id {
                if w.is_empty() || w.len() > 20 || !w.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid(
                        "contacts.phones.wa_id",
                        format!("wa_id {w:?} must be the number's digits"),
                    ));
                }
            }
        }
        for e in &c.emails {
            text("contacts.emails", e, 3, 320)?;
            if !e.contains('@') {
                return Err(invalid(
                    "contacts.emails",
                    format!("{e:?} is not an email address"),
                ));
            }
        }
        for u in &c.urls {
            url("contacts.urls", u, false)?;
        }
    }
    Ok(())
}

/// Most characters of a template's text header (its variable's value included).
pub const MAX_TEMPLATE_HEADER_CHARS: usize = 60;
/// Most characters of a quick-reply button's payload.
pub const MAX_BUTTON_PAYLOAD_CHARS: usize = 256;
/// A copy-code button's coupon: 1 to this many characters.
pub const MAX_COUPON_CODE_CHARS: usize = 15;
/// Most buttons a template has (their indexes are 0–9).
pub const MAX_TEMPLATE_BUTTONS: usize = 10;

/// Checks a template's header and button values (Cloud API "Send template messages"): a text
/// header's value or a media header (not both; image, video or document, by id or `https`
/// link), and each button's value at a distinct index 0–9.
///
/// # Errors
/// [`CoreError::Invalid`] `invalid_content` naming the field and the limit.
pub(crate) fn validate_template_extras(
    header_text: Option<&String>,
    header_media: Option<&TemplateHeaderMedia>,
    buttons: &[TemplateButtonValue],
) -> Result<(), CoreError> {
    if header_text.is_some() && header_media.is_some() {
        return Err(invalid(
            "template.header_media",
            "a template has one header: give header_text or header_media, not both".into(),
        ));
    }
    if let Some(t) = header_text {
        template_text("template.header_text", t, MAX_TEMPLATE_HEADER_CHARS)?;
    }
    if let Some(m) = header_media {
        if !matches!(
            m.kind,
            MediaKind::Image | MediaKind::Video | MediaKind::Document
        ) {
            return Err(invalid(
                "template.header_media.type",
                "a template's media header is an image, a video or a document".into(),
            ));
        }
        media_source(
            "template.header_media.media.id",
            "template.header_media.media.link",
            &m.media,
        )?;
        if m.filename.is_some() && m.kind != MediaKind::Document {
            return Err(invalid(
                "template.header_media.filename",
                "only a document header takes a filename".into(),
            ));
        }
        optional(
            "template.header_media.filename",
            m.filename.as_ref(),
            MAX_FILENAME_CHARS,
        )?;
    }
    if buttons.len() > MAX_TEMPLATE_BUTTONS {
        return Err(invalid(
            "template.buttons",
            format!("a template has at most {MAX_TEMPLATE_BUTTONS} buttons"),
        ));
    }
    let mut seen = [false; MAX_TEMPLATE_BUTTONS];
    for b in buttons {
        let i = usize::try_from(b.index).unwrap_or(usize::MAX);
        if i >= MAX_TEMPLATE_BUTTONS {
            return Err(invalid(
                "template.buttons.index",
                format!("button index {} is not 0–9", b.index),
            ));
        }
        if std::mem::replace(&mut seen[i], true) {
            return Err(invalid(
                "template.buttons.index",
                format!("button {i} is given twice"),
            ));
        }
        match b.kind {
            TemplateButtonKind::Url => template_text("template.buttons.value", &b.value, 2000)?,
            TemplateButtonKind::QuickReply => {
                text(
                    "template.buttons.value",
                    &b.value,
                    1,
                    MAX_BUTTON_PAYLOAD_CHARS,
                )?;
            }
            TemplateButtonKind::CopyCode => {
                text("template.buttons.value", &b.value, 1, MAX_COUPON_CODE_CHARS)?;
            }
        }
    }
    Ok(())
}

/// Checks a message of any kind but text and template (those are checked beside it).
///
/// # Errors
/// [`CoreError::Invalid`] `invalid_content` naming the field and the limit.
pub(crate) fn validate(content: &OutboundContent) -> Result<(), CoreError> {
    match content {
        OutboundContent::Text { .. } | OutboundContent::Template { .. } => Ok(()),
        OutboundContent::Contacts { cards } => validate_cards(cards),
        OutboundContent::Media {
            kind,
            source,
            caption,
            filename,
        } => {
            media_source("media.id", "media.link", source)?;
            if caption.is_some() && !kind.takes_caption() {
                return Err(invalid(
                    "caption",
                    format!("a {} message takes no caption", kind.as_str()),
                ));
            }
            optional("caption", caption.as_ref(), MAX_CAPTION_CHARS)?;
            if filename.is_some() && *kind != MediaKind::Document {
                return Err(invalid(
                    "filename",
                    "only a document takes a filename".into(),
                ));
            }
            optional("filename", filename.as_ref(), MAX_FILENAME_CHARS)
        }
        OutboundContent::Reaction { message_id, emoji } => {
            if !message_id.starts_with("wamid.") || message_id.len() > 256 {
                return Err(invalid(
                    "reaction.message_id",
                    "reaction.message_id must be the wamid of a message (wamid.…)".into(),
                ));
            }
            // One emoji: a single grapheme may hold several code points (skin tones, flags,
            // families joined by U+200D), so the bound is generous but keeps text out.
            let n = emoji.chars().count();
            if n > 10
                || emoji
                    .chars()
                    .any(|c| c.is_alphanumeric() || c.is_whitespace() || c.is_control())
            {
                return Err(invalid(
                    "reaction.emoji",
                    "reaction.emoji must be one emoji (or empty to remove the reaction)".into(),
                ));
            }
            Ok(())
        }
        OutboundContent::Location {
            latitude,
            longitude,
            name,
            address,
        } => {
            if !(-90.0..=90.0).contains(latitude) {
                return Err(invalid(
                    "location.latitude",
                    "location.latitude must be between -90 and 90".into(),
                ));
            }
            if !(-180.0..=180.0).contains(longitude) {
                return Err(invalid(
                    "location.longitude",
                    "location.longitude must be between -180 and 180".into(),
                ));
            }
            optional("location.name", name.as_ref(), 1000)?;
            optional("location.address", address.as_ref(), 1000)
        }
        OutboundContent::Interactive(i) => interactive(i),
    }
}

fn interactive(i: &InteractiveContent) -> Result<(), CoreError> {
    text("interactive.body", &i.body, 1, MAX_INTERACTIVE_BODY_CHARS)?;
    optional(
        "interactive.header",
        i.header.as_ref(),
        MAX_HEADER_FOOTER_CHARS,
    )?;
    optional(
        "interactive.footer",
        i.footer.as_ref(),
        MAX_HEADER_FOOTER_CHARS,
    )?;
    let mut ids = HashSet::new();
    let mut unique = |field: &'static str, id: &str| {
        if ids.insert(id.to_owned()) {
            Ok(())
        } else {
            Err(invalid(field, format!("{field} {id:?} is used twice")))
        }
    };
    match &i.action {
        InteractiveAction::Buttons { buttons } => {
            if buttons.is_empty() || buttons.len() > MAX_REPLY_BUTTONS {
                return Err(invalid(
                    "interactive.buttons",
                    format!("interactive.buttons needs 1 to {MAX_REPLY_BUTTONS} buttons"),
                ));
            }
            for b in buttons {
                text("interactive.buttons.id", &b.id, 1, 256)?;
                text("interactive.buttons.title", &b.title, 1, 20)?;
                unique("interactive.buttons.id", &b.id)?;
            }
            Ok(())
        }
        InteractiveAction::List { button, sections } => {
            text("interactive.button", button, 1, 20)?;
            if sections.is_empty() || sections.len() > MAX_LIST_SECTIONS {
                return Err(invalid(
                    "interactive.sections",
                    format!("interactive.sections needs 1 to {MAX_LIST_SECTIONS} sections"),
                ));
            }
            let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
            if rows == 0 || rows > MAX_LIST_ROWS {
                return Err(invalid(
                    "interactive.sections",
                    format!("a list holds 1 to {MAX_LIST_ROWS} rows in all; this one has {rows}"),
                ));
            }
            for s in sections {
                if sections.len() > 1 && s.title.as_deref().is_none_or(str::is_empty) {
                    return Err(invalid(
                        "interactive.sections.title",
                        "every section needs a title when there are several".into(),
                    ));
                }
                optional("interactive.sections.title", s.title.as_ref(), 24)?;
                for r in &s.rows {
                    text("interactive.sections.rows.id", &r.id, 1, 200)?;
                    text("interactive.sections.rows.title", &r.title, 1, 24)?;
                    optional(
                        "interactive.sections.rows.description",
                        r.description.as_ref(),
                        72,
                    )?;
                    unique("interactive.sections.rows.id", &r.id)?;
                }
            }
            Ok(())
        }
        InteractiveAction::CtaUrl {
            display_text,
            url: u,
        } => {
            text("interactive.display_text", display_text, 1, 20)?;
            url("interactive.url", u, false)
        }
        InteractiveAction::CallPermissionRequest => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::{ListRow, ListSection, ReplyButton};

    fn code_and_field(c: &OutboundContent) -> Option<String> {
        validate(c).err().map(|e| match e {
            CoreError::Invalid { field, .. } => field.unwrap_or_default().to_owned(),
            other => format!("{other:?}"),
        })
    }

    fn media(kind: MediaKind, source: MediaSource) -> OutboundContent {
        OutboundContent::Media {
            kind,
            source,
            caption: None,
            filename: None,
        }
    }

    #[test]
    fn media_needs_an_id_or_an_https_link_and_only_documents_take_a_filename() {
        assert_eq!(
            code_and_field(&media(
                MediaKind::Image,
                MediaSource::Id("1234567890".into())
            )),
            None
        );
        assert_eq!(
            code_and_field(&media(
                MediaKind::Image,
                MediaSource::Link("https://example.com/a.jpg".into())
            )),
            None
        );
        for bad in ["http://example.com/a.jpg", "ftp://x", "https://a b", ""] {
            assert_eq!(
                code_and_field(&media(MediaKind::Video, MediaSource::Link(bad.into()))).as_deref(),
                Some("media.link"),
                "{bad:?}"
            );
        }
        assert_eq!(
            code_and_field(&media(MediaKind::Image, MediaSource::Id("<script>".into()))).as_deref(),
            Some("media.id")
        );
        let mut m = media(MediaKind::Audio, MediaSource::Id("1".into()));
        if let OutboundContent::Media { caption, .. } = &mut m {
            *caption = Some("hi".into());
        }
        assert_eq!(code_and_field(&m).as_deref(), Some("caption"));
        let mut d = media(MediaKind::Document, MediaSource::Id("1".into()));
        if let OutboundContent::Media {
            caption, filename, ..
        } = &mut d
        {
            *caption = Some("x".repeat(1024));
            *filename = Some("report.pdf".into());
        }
        assert_eq!(code_and_field(&d), None);
        if let OutboundContent::Media { caption, .. } = &mut d {
            *caption = Some("x".repeat(1025));
        }
        assert_eq!(code_and_field(&d).as_deref(), Some("caption"));
        let mut i = media(MediaKind::Image, MediaSource::Id("1".into()));
        if let OutboundContent::Media { filename, .. } = &mut i {
            *filename = Some("a.jpg".into());
        }
        assert_eq!(code_and_field(&i).as_deref(), Some("filename"));
    }

    #[test]
    fn a_reaction_is_one_emoji_or_none_on_a_wamid() {
        let r = |id: &str, e: &str| OutboundContent::Reaction {
            message_id: id.into(),
            emoji: e.into(),
        };
        for ok in ["👍", "", "👍🏽", "🇧🇷", "👨‍👩‍👧"] {
            assert_eq!(code_and_field(&r("wamid.X", ok)), None, "{ok:?}");
        }
        for bad in ["ok", "a👍", "👍 ", "\u{0}"] {
            assert_eq!(
                code_and_field(&r("wamid.X", bad)).as_deref(),
                Some("reaction.emoji"),
                "{bad:?}"
            );
        }
        assert_eq!(
            code_and_field(&r("123", "👍")).as_deref(),
            Some("reaction.message_id")
        );
    }

    #[test]
    fn locations_are_on_the_globe() {
        let l = |lat: f64, lon: f64| OutboundContent::Location {
            latitude: lat,
            longitude: lon,
            name: None,
            address: None,
        };
        assert_eq!(code_and_field(&l(-23.55, -46.63)), None);
        assert_eq!(
            code_and_field(&l(90.1, 0.0)).as_deref(),
            Some("location.latitude")
        );
        assert_eq!(
            code_and_field(&l(0.0, -180.5)).as_deref(),
            Some("location.longitude")
        );
    }

    #[test]
    fn interactive_messages_keep_metas_counts_and_lengths() {
        let buttons = |n: usize| {
            OutboundContent::Interactive(InteractiveContent {
                body: "Pick one".into(),
                header: None,
                footer: None,
                action: InteractiveAction::Buttons {
                    buttons: (0..n)
                        .map(|i| ReplyButton {
                            id: format!("b{i}"),
                            title: format!("Option {i}"),
                        })
                        .collect(),
                },
            })
        };
        assert_eq!(code_and_field(&buttons(3)), None);
        assert_eq!(
            code_and_field(&buttons(4)).as_deref(),
            Some("interactive.buttons")
        );
        assert_eq!(
            code_and_field(&buttons(0)).as_deref(),
            Some("interactive.buttons")
        );
        let list = |rows: usize, title: &str| {
            OutboundContent::Interactive(InteractiveContent {
                body: "Choose".into(),
                header: Some("Menu".into()),
                footer: None,
                action: InteractiveAction::List {
                    button: "Open".into(),
                    sections: vec![ListSection {
                        title: None,
                        rows: (0..rows)
                            .map(|i| ListRow {
                                id: format!("r{i}"),
                                title: title.into(),
                                description: None,
                            })
                            .collect(),
                    }],
                },
            })
        };
        assert_eq!(code_and_field(&list(10, "Row")), None);
        assert_eq!(
            code_and_field(&list(11, "Row")).as_deref(),
            Some("interactive.sections")
        );
        assert_eq!(
            code_and_field(&list(1, &"t".repeat(25))).as_deref(),
            Some("interactive.sections.rows.title")
        );
        let cta = |u: &str| {
            OutboundContent::Interactive(InteractiveContent {
                body: "See".into(),
                header: None,
                footer: None,
                action: InteractiveAction::CtaUrl {
                    display_text: "Open".into(),
                    url: u.into(),
                },
            })
        };
        assert_eq!(code_and_field(&cta("https://example.com/o?1")), None);
        assert_eq!(
            code_and_field(&cta("javascript:alert(1)")).as_deref(),
            Some("interactive.url")
        );
    }
}
