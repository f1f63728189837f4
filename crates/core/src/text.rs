//! Characters a text given through the API may not hold. NUL (`\0`) ends a C string and
//! PostgreSQL refuses it in `TEXT`; other control characters are invisible in WhatsApp and in
//! the inbox, so a name, subject or secret holding one is a mistake. A message text keeps line
//! breaks and tabs (WhatsApp shows them), nothing else of the kind.

/// The first control character of `s` (Unicode `Cc`: NUL, U+0001–U+001F, U+007F–U+009F), if
/// any. For one-line fields: labels, subjects, secrets, header and footer texts.
#[must_use]
pub fn control_char(s: &str) -> Option<char> {
    s.chars().find(|c| c.is_control())
}

/// The first control character of `s` other than a line break (`\n`, `\r`) or a tab, if any.
/// For message texts and template bodies, which may span lines.
#[must_use]
pub fn control_char_in_lines(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// How a refusal names the character: `U+0000`.
#[must_use]
pub fn describe(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found() {
        assert_eq!(control_char("Sales"), None);
        assert_eq!(control_char("Sa\0les"), Some('\0'));
        assert_eq!(control_char("a\nb"), Some('\n'));
        assert_eq!(control_char("a\u{85}b"), Some('\u{85}'));
        assert_eq!(control_char_in_lines("a\r\n\tb"), None);
        assert_eq!(control_char_in_lines("a\u{7}b"), Some('\u{7}'));
        assert_eq!(describe('\0'), "U+0000");
        assert_eq!(control_char("emoji 👍 ok"), None);
    }
}
