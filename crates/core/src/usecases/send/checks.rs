//! The checks before a send: content against Meta's limits, the recipient (blocked, the
//! customer service window), a template against the one wacloud stored.

use chrono::{DateTime, Utc};

use crate::contact::Contact;
use crate::error::CoreError;
use crate::outbound::{OutboundContent, MAX_TEXT_CHARS};
use crate::phone::CustomerKey;
use crate::ports::{Messenger, Store};

/// Most body parameters a template send takes. Meta documents no exact count, but a template
/// body is at most 1,024 characters, so a few dozen `{{n}}` variables is the practical ceiling;
/// 100 leaves room and refuses, before anything is stored or sent, requests that could only be
/// abuse (50,000 parameters).
pub const MAX_TEMPLATE_PARAMETERS: usize = 100;

/// Most characters in one body parameter: Meta's limit for a `text` parameter of the body
/// component (Cloud API, "Template messages", components object).
pub const MAX_TEMPLATE_PARAMETER_CHARS: usize = 1024;

/// Most characters in all body parameters together: Meta's limit for a template body's text
/// when it has no other component (32,768).
pub const MAX_TEMPLATE_PARAMETERS_TOTAL_CHARS: usize = 32_768;

/// Meta's template language codes: `en`, `fil`, `en_US`, `zh_HK` — two or three lowercase
/// letters, then optionally `_` and two to four uppercase letters or digits.
fn is_language_code(code: &str) -> bool {
    let (lang, region) = code.split_once('_').unwrap_or((code, ""));
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && (region.is_empty()
            || ((2..=4).contains(&region.len())
                && region
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())))
        && !code.ends_with('_')
}

/// Checks `content` against Meta's documented limits before anything is stored or sent.
///
/// # Errors
/// [`CoreError::Invalid`] naming the limit.
pub fn validate_content(content: &OutboundContent) -> Result<(), CoreError> {
    match content {
        OutboundContent::Text { body, .. } => {
            if body.trim().is_empty() {
                return Err(CoreError::invalid(
                    "empty_text",
                    "message_text",
                    "message_text is empty",
                ));
            }
            if body.contains('\0') {
                return Err(CoreError::invalid(
                    "invalid_text",
                    "message_text",
                    "message_text contains a NUL character, which WhatsApp cannot carry",
                ));
            }
            let n = body.chars().count();
            if n > MAX_TEXT_CHARS {
                return Err(CoreError::invalid(
                    "text_too_long",
                    "message_text",
                    format!(
                        "message_text has {n} characters; WhatsApp allows at most {MAX_TEXT_CHARS}"
                    ),
                ));
            }
        }
        OutboundContent::Template {
            name,
            language,
            body_parameters,
            header_text,
            header_media,
            buttons,
        } => {
            super::kinds::validate_template_extras(
                header_text.as_ref(),
                header_media.as_ref(),
                buttons,
            )?;
            // Meta's rule for template names: lowercase letters, digits and underscores, at most
            // 512 characters.
            if name.is_empty()
                || name.len() > 512
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(CoreError::invalid(
                    "invalid_template",
                    "template.name",
                    "template.name must be 1–512 lowercase letters, digits or underscores, as Meta names templates (e.g. hello_world)",
                ));
            }
            if !is_language_code(language) {
                return Err(CoreError::invalid(
                    "invalid_template",
                    "template.language",
                    "template.language must be a language code such as en, en_US or pt_BR",
                ));
            }
            check_template_sizes(body_parameters)?;
            for (i, p) in body_parameters.iter().enumerate() {
                if p.contains('\n') || p.contains('\t') || p.contains('\0') || p.contains("     ") {
                    return Err(CoreError::invalid(
                        "invalid_template_parameter",
                        "template.body_parameters",
                        format!(
                            "template body parameter {} contains a newline, a tab or more than 4 consecutive spaces, which Meta refuses (error 132000-series)",
                            i + 1
                        ),
                    ));
                }
                if p.is_empty() {
                    return Err(CoreError::invalid(
                        "invalid_template_parameter",
                        "template.body_parameters",
                        format!("template body parameter {} is empty", i + 1),
                    ));
                }
            }
        }
        other => super::kinds::validate(other)?,
    }
    Ok(())
}

/// The bounds on a template's body parameters: their count, each one's length, all of them
/// together ([`MAX_TEMPLATE_PARAMETERS`], [`MAX_TEMPLATE_PARAMETER_CHARS`],
/// [`MAX_TEMPLATE_PARAMETERS_TOTAL_CHARS`]).
fn check_template_sizes(body_parameters: &[String]) -> Result<(), CoreError> {
    const FIELD: &str = "template.body_parameters";
    let n = body_parameters.len();
    if n > MAX_TEMPLATE_PARAMETERS {
        return Err(CoreError::invalid(
            "too_many_template_parameters",
            FIELD,
            format!("template.body_parameters has {n} parameters; at most {MAX_TEMPLATE_PARAMETERS} are taken"),
        ));
    }
    let mut total = 0;
    for (i, p) in body_parameters.iter().enumerate() {
        let chars = p.chars().count();
        if chars > MAX_TEMPLATE_PARAMETER_CHARS {
            return Err(CoreError::invalid(
                "template_parameter_too_long",
                FIELD,
                format!(
                    "template body parameter {} has {chars} characters; WhatsApp allows at most {MAX_TEMPLATE_PARAMETER_CHARS}",
                    i + 1
                ),
            ));
        }
        total += chars;
    }
    if total > MAX_TEMPLATE_PARAMETERS_TOTAL_CHARS {
        return Err(CoreError::invalid(
            "template_parameter_too_long",
            FIELD,
            format!("template body parameters have {total} characters together; WhatsApp allows at most {MAX_TEMPLATE_PARAMETERS_TOTAL_CHARS}"),
        ));
    }
    Ok(())
}

/// Refuses content that cannot go to this contact now: a blocked contact, or free-form content
/// outside the customer service window (measured from Meta's timestamp of the customer's last
/// message) unless `allow_outside_window`. Templates are always allowed.
///
/// # Errors
/// [`CoreError::Unprocessable`] (`contact_blocked`), [`CoreError::WindowClosed`].
pub fn check_recipient(
    contact: Option<&Contact>,
    to: &CustomerKey,
    content: &OutboundContent,
    allow_outside_window: bool,
    now: DateTime<Utc>,
) -> Result<(), CoreError> {
    if let Some(c) = contact {
        if c.is_blocked {
            return Err(CoreError::Unprocessable {
                code: "contact_blocked",
                message: format!("{} is blocked; unblock the contact to send", c.key()),
            });
        }
    }
    if content.needs_open_window() && !allow_outside_window {
        let last = contact.and_then(|c| c.last_inbound_at);
        let open = contact.is_some_and(|c| c.window(now).open);
        if !open {
            return Err(CoreError::WindowClosed {
                recipient: to.to_string(),
                last_inbound_at: last,
            });
        }
    }
    Ok(())
}

/// Checks a template message against the template as wacloud stored it (from Meta's template
/// webhooks): refused when Meta would refuse it — a template that is paused, disabled or not
/// approved, or a parameter count that does not match its variables (Meta's 132000). A template
/// wacloud does not know is left to Meta (132001 comes back as a Graph error).
///
/// # Errors
/// [`CoreError::Unprocessable`] (`template_not_sendable`, `template_mismatch`), [`CoreError::Store`].
pub async fn check_template(
    store: &dyn Store,
    messenger: &dyn Messenger,
    content: &OutboundContent,
) -> Result<(), CoreError> {
    let OutboundContent::Template { name, language, .. } = content else {
        return Ok(());
    };
    let (n, l) = (name.clone(), language.clone());
    let Some(t) = crate::ports::read(store, move |r| r.find_template(&n, &l)).await? else {
        return Ok(());
    };
    if !t.sendable() {
        return Err(CoreError::Unprocessable {
            code: "template_not_sendable",
            message: format!(
                "template {name} ({language}) has status {}; Meta sends only approved templates",
                t.status.as_deref().unwrap_or("unknown")
            ),
        });
    }
    if let Some(components) = t.components.as_deref() {
        messenger
            .check_template(content, components)
            .map_err(|why| CoreError::Unprocessable {
                code: "template_mismatch",
                message: format!("template {name} ({language}): {why}"),
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(name: &str, language: &str) -> OutboundContent {
        OutboundContent::Template {
            name: name.into(),
            language: language.into(),
            body_parameters: vec![],
            header_text: None,
            header_media: None,
            buttons: vec![],
        }
    }

    #[test]
    fn template_names_and_languages_follow_metas_rules() {
        for (n, l) in [
            ("hello_world", "en_US"),
            ("order_2", "en"),
            ("x", "fil"),
            ("a_b", "zh_HK"),
        ] {
            assert!(validate_content(&template(n, l)).is_ok(), "{n} {l}");
        }
        for (n, l) in [
            ("HELLO_WORLD", "en_US"),
            ("a\0", "en_US"),
            ("x\ny", "en_US"),
            ("<script>", "en_US"),
            ("", "en_US"),
            ("hello_world", "en US"),
            ("hello_world", "e"),
            ("hello_world", "en_US\n"),
            ("hello_world", "en_"),
            ("hello_world", "😀😀"),
        ] {
            assert!(
                matches!(
                    validate_content(&template(n, l)),
                    Err(CoreError::Invalid { .. })
                ),
                "{n:?} {l:?}"
            );
        }
    }
}
