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
