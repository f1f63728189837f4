//! Full-text search over message text (`GET /messages?search=`): what a search asks, what it
//! finds, and the rules that turn an operator's words into terms both backends match the same
//! way (every term must match as a whole word, case and diacritics aside).

use serde::Serialize;

use crate::error::CoreError;
use crate::message::{Direction, Message};

/// Most terms one search may hold.
pub const MAX_TERMS: usize = 16;

/// Most characters of one term.
pub const MAX_TERM_CHARS: usize = 64;

/// The character the store puts before a matched word in a snippet (never in message text
/// that the API shows: [`highlights`] takes them out).
pub const MARK_START: char = '\u{2}';

/// The character the store puts after a matched word in a snippet.
pub const MARK_END: char = '\u{3}';

/// A search: every term must match; optionally one contact's messages and one direction; one
/// page, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Lower-case words ([`terms`]), each matched as a whole word.
    pub terms: Vec<String>,
    /// Only this contact's messages.
    pub contact_id: Option<String>,
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Page size, 1–200.
    pub limit: i64,
    /// The position after which to continue (the `next` of the page before), as the store
    /// wrote it.
    pub before: Option<String>,
}

/// One message found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// The message, as `GET /messages` shows it.
    #[serde(flatten)]
    pub message: Message,
    /// The part of its text around the words found, at most about 16 words (`…` where it is
    /// cut), as plain text.
    pub snippet: String,
    /// Where the words found are in `snippet`: `[start, end)` offsets in Unicode characters
    /// (not bytes), in order.
    pub highlights: Vec<[usize; 2]>,
    /// The customer's phone number (E.164), if known.
    pub contact_phone: Option<String>,
    /// The customer's name: the operator's name for them, else their WhatsApp profile name.
    pub contact_name: Option<String>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchPage {
    /// Newest first.
    pub hits: Vec<SearchHit>,
    /// The position to continue from, when more may follow.
    pub next: Option<String>,
}

/// The words of `input` as search terms: runs of letters and digits (what the indexes call a
/// word), lower-cased, each at most [`MAX_TERM_CHARS`], duplicates dropped, at most
/// [`MAX_TERMS`].
///
/// # Errors
/// [`CoreError::Invalid`] `invalid_search` (field `search`) when `input` holds no word, more
/// than [`MAX_TERMS`] words, or a word over [`MAX_TERM_CHARS`] characters.
pub fn terms(input: &str) -> Result<Vec<String>, CoreError> {
    let invalid = |m: String| CoreError::invalid("invalid_search", "search", m);
    let mut out: Vec<String> = Vec::new();
    for word in input.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if word.chars().count() > MAX_TERM_CHARS {
            return Err(invalid(format!(
                "a search word is at most {MAX_TERM_CHARS} characters"
            )));
        }
        let word = word.to_lowercase();
        if !out.contains(&word) {
            out.push(word);
        }
    }
    if out.is_empty() {
        return Err(invalid(
            "search for at least one word (letters or digits)".into(),
        ));
    }
    if out.len() > MAX_TERMS {
        return Err(invalid(format!("a search holds at most {MAX_TERMS} words")));
    }
    Ok(out)
}

/// A snippet as the store marks it ([`MARK_START`] and [`MARK_END`] around each match) →
/// the plain text and the matches' `[start, end)` character offsets in it.
#[must_use]
pub fn highlights(marked: &str) -> (String, Vec<[usize; 2]>) {
    let (mut text, mut spans) = (String::with_capacity(marked.len()), Vec::new());
    let (mut n, mut open) = (0_usize, None);
    for c in marked.chars() {
        match c {
            MARK_START => open = Some(n),
            MARK_END => {
                if let Some(start) = open.take() {
                    if start < n {
                        spans.push([start, n]);
                    }
                }
            }
            c => {
                text.push(c);
                n += 1;
            }
        }
    }
    (text, spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_letters_and_digits_lower_cased_once_each() {
        assert_eq!(
            terms("  Café, order #4521 — CAFÉ\t\"quoted\" AND -x*").unwrap(),
            ["café", "order", "4521", "quoted", "and", "x"]
        );
        assert_eq!(terms("привет مرحبا").unwrap(), ["привет", "مرحبا"]);
        for bad in ["", "  ", "!!! ---", "\"*:^"] {
            let e = terms(bad).unwrap_err().to_string();
            assert!(e.contains("at least one word"), "{bad:?}: {e}");
        }
        assert!(terms(&"a ".repeat(17)).is_ok(), "duplicates count once");
        let many: String = (0..17).map(|i| format!("w{i} ")).collect();
        assert!(terms(&many).unwrap_err().to_string().contains("16 words"));
        assert!(terms(&"x".repeat(65))
            .unwrap_err()
            .to_string()
            .contains("64"));
    }

    #[test]
    fn highlights_are_character_offsets_in_the_plain_snippet() {
        let (text, spans) = highlights("…the \u{2}café\u{3} on \u{2}Main\u{3} st");
        assert_eq!(text, "…the café on Main st");
        assert_eq!(spans, [[5, 9], [13, 17]]);
        let hits: Vec<String> = spans
            .iter()
            .map(|[s, e]| text.chars().skip(*s).take(e - s).collect())
            .collect();
        assert_eq!(hits, ["café", "Main"]);
        assert_eq!(highlights("no marks"), ("no marks".to_owned(), vec![]));
        assert_eq!(highlights("\u{3}stray\u{2}"), ("stray".to_owned(), vec![]));
    }
}
