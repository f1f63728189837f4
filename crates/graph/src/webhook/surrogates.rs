//! Lone UTF-16 surrogates in Meta's JSON.
//!
//! Meta writes non-ASCII text as `\uXXXX` escapes; an emoji is a pair of them. A text cut in
//! the middle of a pair (a truncated preview, a profile name cut at a length) leaves one half,
//! which is valid JSON syntax but not a Unicode character, and `serde_json` refuses the whole
//! body for it. [`replace_lone_surrogates`] turns each lone half into `\ufffd` (the replacement
//! character), so the rest of the delivery reads as Meta sent it.

/// The body with every `\uD800`–`\uDFFF` escape that is not half of a pair replaced by
/// `\ufffd`; `None` when there is none (the body is returned as it was only when it changes).
/// Escaped backslashes (`\\u…`) are text, not escapes, and are left alone.
#[must_use]
pub fn replace_lone_surrogates(body: &[u8]) -> Option<Vec<u8>> {
    let hex = |at: usize| -> Option<u16> {
        let digits = body.get(at..at + 4)?;
        u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let escape = |at: usize| -> Option<u16> {
        (body.get(at) == Some(&b'\\') && body.get(at + 1) == Some(&b'u'))
            .then(|| hex(at + 2))
            .flatten()
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            if let Some(o) = out.as_mut() {
                o.push(body[i]);
            }
            i += 1;
            continue;
        }
        let Some(unit) = escape(i) else {
            // Another escape (`\\`, `\"`, `\n`, …): two bytes, kept.
            let end = (i + 2).min(body.len());
            if let Some(o) = out.as_mut() {
                o.extend_from_slice(&body[i..end]);
            }
            i = end;
            continue;
        };
        let len = match unit {
            0xD800..=0xDBFF => match escape(i + 6) {
                Some(0xDC00..=0xDFFF) => 12,
                _ => 0,
            },
            0xDC00..=0xDFFF => 0,
            _ => 6,
        };
        if len == 0 {
            out.get_or_insert_with(|| body[..i].to_vec())
                .extend_from_slice(b"\\ufffd");
            i += 6;
        } else {
            if let Some(o) = out.as_mut() {
                o.extend_from_slice(&body[i..i + len]);
            }
            i += len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(s: &str) -> Option<String> {
        replace_lone_surrogates(s.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn lone_halves_become_the_replacement_character_and_pairs_stay() {
        assert_eq!(
            fixed(r#"{"t":"a\ud83d"}"#).as_deref(),
            Some(r#"{"t":"a\ufffd"}"#)
        );
        assert_eq!(
            fixed(r#"{"t":"\ude00b"}"#).as_deref(),
            Some(r#"{"t":"\ufffdb"}"#)
        );
        assert_eq!(
            fixed(r#"{"t":"\ud83d\ude00 \ud83d x"}"#).as_deref(),
            Some(r#"{"t":"\ud83d\ude00 \ufffd x"}"#)
        );
        // Two leading halves in a row: both lone.
        assert_eq!(
            fixed(r#""\ud83d\ud83d""#).as_deref(),
            Some(r#""\ufffd\ufffd""#)
        );
        // Nothing to change: a pair, an escaped backslash before `ud83d`, plain text.
        assert_eq!(fixed(r#"{"t":"\ud83d\ude00 \\ud83d é"}"#), None);
        // What comes out parses, with U+FFFD where the half was.
        let v: serde_json::Value =
            serde_json::from_str(&fixed(r#"{"t":"ok \ud83d"}"#).unwrap()).unwrap();
        assert_eq!(v["t"], "ok \u{FFFD}");
    }
}
