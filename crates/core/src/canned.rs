//! Canned replies (issue 19): named snippets an operator inserts by typing `/` and the
//! `short_code` in the composer (Chatwoot's terms: `short_code`, `content`). Their
//! `{{placeholders}}` ([`PLACEHOLDERS`]) are filled with the conversation's contact and the
//! operator writing ([`render`]); the widget fills them the same way.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::CoreError;

/// Longest `short_code`, in characters.
pub const MAX_SHORT_CODE_CHARS: usize = 64;
/// Longest `content`, in characters (a WhatsApp text message's body limit).
pub const MAX_CONTENT_CHARS: usize = 4096;

/// The placeholders `content` may use, and what fills them.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "name",
        "the contact's name (display name, else profile name, else phone number)",
    ),
    ("contact_name", "the same as name"),
    ("phone_number", "the contact's phone number (E.164)"),
    ("operator_name", "the display name of the operator writing"),
];

/// A canned reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedReply {
    /// Its id (a UUIDv7).
    pub id: String,
    /// What an operator types after `/`: 1–64 letters, digits, `_` or `-`, unique (lower case).
    pub short_code: String,
    /// The text, with `{{placeholders}}`; 1–4096 characters.
    pub content: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Who made or changed it last (`operator:<id>`, `api_key`, `local`).
    pub updated_by: String,
}

/// `short_code` trimmed and lower-cased, if it is one.
///
/// # Errors
/// 400 `invalid_short_code`.
pub fn check_short_code(short_code: &str) -> Result<String, CoreError> {
    let s = short_code.trim().to_lowercase();
    let n = s.chars().count();
    if n == 0
        || n > MAX_SHORT_CODE_CHARS
        || !s
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(CoreError::invalid(
            "invalid_short_code",
            "short_code",
            format!("short_code: 1 to {MAX_SHORT_CODE_CHARS} letters, digits, _ or -"),
        ));
    }
    Ok(s)
}

/// The placeholders `content` names, in order (with repeats): what stands between `{{` and
/// `}}`, trimmed.
fn placeholders(content: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = content;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else { break };
        out.push(after[..j].trim());
        rest = &after[j + 2..];
    }
    out
}

/// `content`, if a canned reply may hold it: 1–4096 characters, no NUL, only known
/// placeholders.
///
/// # Errors
/// 400 `invalid_content`, 400 `unknown_placeholder` (naming it and the known ones).
pub fn check_content(content: &str) -> Result<String, CoreError> {
    let n = content.trim().chars().count();
    if n == 0 || content.chars().count() > MAX_CONTENT_CHARS || content.contains('\0') {
        return Err(CoreError::invalid(
            "invalid_content",
            "content",
            format!("content: 1 to {MAX_CONTENT_CHARS} characters, without NUL"),
        ));
    }
    if let Some(p) = placeholders(content)
        .into_iter()
        .find(|p| !PLACEHOLDERS.iter().any(|(k, _)| k == p))
    {
        let known: Vec<String> = PLACEHOLDERS
            .iter()
            .map(|(k, _)| format!("{{{{{k}}}}}"))
            .collect();
        return Err(CoreError::invalid(
            "unknown_placeholder",
            "content",
            format!(
                "unknown placeholder {{{{{p}}}}}; known: {}",
                known.join(", ")
            ),
        ));
    }
    Ok(content.to_owned())
}

/// What fills the placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fill<'a> {
    /// The contact's name.
    pub contact_name: &'a str,
    /// The contact's phone number.
    pub phone_number: &'a str,
    /// The operator's display name.
    pub operator_name: &'a str,
}

/// `content` with its placeholders filled; an unknown one stays as written.
#[must_use]
pub fn render(content: &str, fill: &Fill<'_>) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            rest = &rest[i..];
            break;
        };
        match after[..j].trim() {
            "name" | "contact_name" => out.push_str(fill.contact_name),
            "phone_number" => out.push_str(fill.phone_number),
            "operator_name" => out.push_str(fill.operator_name),
            _ => out.push_str(&rest[i..i + 2 + j + 2]),
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_refused() {
        let fill = Fill {
            contact_name: "Alice",
            phone_number: "+15550000001",
            operator_name: "Bo",
        };
        assert_eq!(
            render(
                "Hi {{name}}, {{ operator_name }} here ({{phone_number}}) {{x}} {{",
                &fill
            ),
            "Hi Alice, Bo here (+15550000001) {{x}} {{"
        );
        assert!(check_content("Hi {{name}} from {{operator_name}}").is_ok());
        let e = check_content("Hi {{first_name}}").unwrap_err();
        assert!(matches!(
            e,
            CoreError::Invalid {
                code: "unknown_placeholder",
                ..
            }
        ));
        assert!(check_content("  ").is_err());
    }

    #[test]
    fn short_codes_are_one_word_in_lower_case() {
        assert_eq!(check_short_code(" Thanks ").unwrap(), "thanks");
        assert_eq!(
            check_short_code("order-status_2").unwrap(),
            "order-status_2"
        );
        assert!(check_short_code("two words").is_err());
        assert!(check_short_code("/x").is_err());
        assert!(check_short_code("").is_err());
    }
}
