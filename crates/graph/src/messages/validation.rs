//! Meta's limits on outbound content, checked locally so a refusal names the limit.

use std::fmt;

/// Meta's limit on `text.body`, in characters.
pub const TEXT_BODY_MAX_CHARS: usize = 4096;
/// Meta's limit on `biz_opaque_callback_data`, in characters.
pub(crate) const BIZ_OPAQUE_MAX_CHARS: usize = 512;
/// The rule for template text parameters, as Meta states it (error 132018 / 100).
pub const TEMPLATE_PARAMETER_RULE: &str =
    "template text parameters cannot contain a newline, a tab, or more than 4 consecutive spaces";

/// A message refused locally because Meta would refuse it. The message names the
/// field and the limit, e.g. "text body is 5000 characters; Meta's limit is 4096".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// The request field at fault, in Meta's naming (`text.body`, `template.name`, ...).
    pub field: String,
    /// What is wrong and which limit applies.
    pub message: String,
}

impl ValidationError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValidationError {}

pub(crate) fn text_body(body: &str) -> Result<(), ValidationError> {
    if body.trim().is_empty() {
        return Err(ValidationError::new(
            "text.body",
            "text body is empty; Meta requires at least one visible character",
        ));
    }
    let n = body.chars().count();
    if n > TEXT_BODY_MAX_CHARS {
        return Err(ValidationError::new(
            "text.body",
            format!("text body is {n} characters; Meta's limit is {TEXT_BODY_MAX_CHARS}"),
        ));
    }
    Ok(())
}

/// Template text parameters: not empty, no newline, no tab, at most 4 spaces in a row.
pub(crate) fn template_text_parameter(index: usize, text: &str) -> Result<(), ValidationError> {
    let field = format!("template parameter {}", index + 1);
    if text.is_empty() {
        return Err(ValidationError::new(
            field,
            format!(
                "template parameter {} is empty; Meta rejects empty parameters",
                index + 1
            ),
        ));
    }
    if text.contains('\n') || text.contains('\r') {
        return Err(ValidationError::new(
            field,
            format!(
                "template parameter {} contains a newline; {TEMPLATE_PARAMETER_RULE}",
                index + 1
            ),
        ));
    }
    if text.contains('\t') {
        return Err(ValidationError::new(
            field,
            format!(
                "template parameter {} contains a tab; {TEMPLATE_PARAMETER_RULE}",
                index + 1
            ),
        ));
    }
    if text.contains("     ") {
        return Err(ValidationError::new(
            field,
            format!(
                "template parameter {} contains more than 4 consecutive spaces; {TEMPLATE_PARAMETER_RULE}",
                index + 1
            ),
        ));
    }
    Ok(())
}

/// A named parameter's `parameter_name`: not empty, lowercase ASCII letters, digits
/// and underscores only, as Meta names the variables of a `NAMED` template
/// (`{{first_name}}`).
pub(crate) fn template_parameter_name(name: &str) -> Result<(), ValidationError> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(ValidationError::new(
            "template.components.parameters.parameter_name",
            format!(
                "template parameter name {name:?} is not a variable name; Meta's named variables are lowercase letters, digits and underscores"
            ),
        ));
    }
    Ok(())
}

/// Meta's limit on a media caption (image, video, document), in characters.
pub const CAPTION_MAX_CHARS: usize = 1024;
/// Meta's limit on an interactive message's body text, in characters.
pub const INTERACTIVE_BODY_MAX_CHARS: usize = 1024;
/// Meta's limit on an interactive header text and on a footer, in characters.
pub const INTERACTIVE_HEADER_FOOTER_MAX_CHARS: usize = 60;
/// Meta's limit on a reply button title, in characters.
pub const BUTTON_TITLE_MAX_CHARS: usize = 20;
/// Meta's limit on a reply button id, in characters.
pub const BUTTON_ID_MAX_CHARS: usize = 256;
/// Meta's limit on the number of reply buttons.
pub const REPLY_BUTTONS_MAX: usize = 3;
/// Meta's limit on a list message's button text, in characters.
pub const LIST_BUTTON_MAX_CHARS: usize = 20;
/// Meta's limit on a list or product section title, in characters.
pub const SECTION_TITLE_MAX_CHARS: usize = 24;
/// Meta's limit on the number of sections of a list or multi-product message.
pub const SECTIONS_MAX: usize = 10;
/// Meta's limit on the number of rows of a list message, over all sections.
pub const LIST_ROWS_MAX: usize = 10;
/// Meta's limit on a list row id, in characters.
pub const LIST_ROW_ID_MAX_CHARS: usize = 200;
/// Meta's limit on a list row title, in characters.
pub const LIST_ROW_TITLE_MAX_CHARS: usize = 24;
/// Meta's limit on a list row description, in characters.
pub const LIST_ROW_DESCRIPTION_MAX_CHARS: usize = 72;
/// Meta's limit on the products of a multi-product message, over all sections.
pub const PRODUCT_ITEMS_MAX: usize = 30;
/// Meta's limit on a `cta_url` button's display text, in characters.
pub const CTA_DISPLAY_TEXT_MAX_CHARS: usize = 20;
/// Meta's limit on a Flow's call-to-action button text (`flow_cta`), in characters.
pub const FLOW_CTA_MAX_CHARS: usize = 30;
/// Meta's limit on the contact cards of one contacts message.
pub const CONTACTS_MAX: usize = 5;

/// Counts characters as Meta does: Unicode scalar values (`é` is 1, `😀` is 1, a
/// flag `🇧🇷` is 2), never bytes.
pub fn char_count(s: &str) -> usize {
    s.chars().count()
}

/// `s` must not be blank and at most `limit` characters; `what` names it in the
/// message ("caption", "reply button title", ...).
pub(crate) fn required_text(
    field: &str,
    what: &str,
    s: &str,
    limit: usize,
) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::new(
            field,
            format!("{what} is empty; Meta requires at least one visible character"),
        ));
    }
    max_chars(field, what, s, limit)
}

/// `s` at most `limit` characters (may be empty).
pub(crate) fn max_chars(
    field: &str,
    what: &str,
    s: &str,
    limit: usize,
) -> Result<(), ValidationError> {
    let n = char_count(s);
    if n > limit {
        return Err(ValidationError::new(
            field,
            format!("{what} is {n} characters; Meta's limit is {limit}"),
        ));
    }
    Ok(())
}

/// An id-like value: not empty, no whitespace at either end.
pub(crate) fn id_value(field: &str, what: &str, s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::new(field, format!("{what} is empty")));
    }
    if s.trim() != s {
        return Err(ValidationError::new(
            field,
            format!("{what} {s:?} has leading or trailing whitespace, which Meta rejects"),
        ));
    }
    Ok(())
}

/// A link Meta fetches: an absolute `http` or `https` URL with a host.
pub(crate) fn http_link(field: &str, what: &str, s: &str) -> Result<(), ValidationError> {
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        _ => Err(ValidationError::new(
            field,
            format!("{what} {s:?} is not an absolute http(s) URL; Meta only fetches http and https links"),
        )),
    }
}
