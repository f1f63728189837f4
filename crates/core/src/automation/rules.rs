//! Rules: when a customer's new message meets every condition, the actions run, in the rules'
//! stated order (`position`), until a matching rule says `stop_after`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use super::{check_text, problem, AutomationProblem, TemplateRef};
use crate::conversation::ConversationStatus;

/// Longest rule name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Largest `position` (a rule's place in the order): 0 to one billion.
pub const MAX_POSITION: i64 = 1_000_000_000;
/// Most rules a server keeps: each runs for every customer's message, in the write that
/// records its run.
pub const MAX_RULES: usize = 500;
/// Compiled regular expressions kept (by pattern); the whole cache is dropped past this.
const REGEX_CACHE: usize = 1024;
/// At most this many keywords per rule, each at most [`MAX_KEYWORD_CHARS`].
pub const MAX_KEYWORDS: usize = 50;
/// Longest keyword (or phrase), in characters.
pub const MAX_KEYWORD_CHARS: usize = 100;
/// Longest regular expression, in bytes.
pub const MAX_REGEX_BYTES: usize = 500;
/// The compiled size limit of a regular expression, in bytes (the `regex` crate's
/// `size_limit`): a pattern that would grow past it is refused.
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// At most this many actions per rule.
pub const MAX_ACTIONS: usize = 10;
/// A tag: 1–64 characters (as contacts' tags).
pub const MAX_TAG_CHARS: usize = 64;

/// When a rule applies. Every given condition must hold; at least one must be given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Any of these words or phrases appears in the text as whole words, case-insensitively
    /// (`price` matches "Price?" but not "priceless").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// A regular expression (Rust `regex` syntax, at most 500 bytes) that finds a match in the
    /// text; `(?i)` makes it case-insensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// The message's kind is one of these (Meta's message `type`: `text`, `image`, `audio`,
    /// `location`, `interactive`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    /// `true`: only the customer's first message ever on the number; `false`: only later ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_message: Option<bool>,
    /// `true`: only outside the number's business hours; `false`: only inside them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_hours: Option<bool>,
    /// The contact carries this tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_tag: Option<String>,
    /// Only messages to this business number (`phone_number_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
}

/// What a rule does, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Reply with text (only inside the customer service window; else the rule counts a
    /// failure and sends nothing).
    ReplyText {
        /// 1–4096 characters.
        text: String,
    },
    /// Reply with a template without variables (at any time).
    ReplyTemplate {
        /// The template's name.
        name: String,
        /// Its language code.
        language: String,
    },
    /// Add a tag to the contact.
    AddTag {
        /// 1–64 characters.
        tag: String,
    },
    /// Remove a tag from the contact.
    RemoveTag {
        /// 1–64 characters.
        tag: String,
    },
    /// Assign the conversation to an active operator.
    Assign {
        /// The operator's id.
        operator_id: String,
    },
    /// Leave the conversation unassigned.
    Unassign,
    /// Set the conversation's status: `open`, `pending` or `resolved`.
    SetStatus {
        /// The status.
        status: ConversationStatus,
    },
    /// Hand the conversation over to a bot subscription, which answers it until it hands
    /// it back.
    HandOver {
        /// The subscription's id.
        subscription_id: String,
    },
}

impl Action {
    /// Whether it sends a message to the customer.
    #[must_use]
    pub fn is_reply(&self) -> bool {
        matches!(self, Self::ReplyText { .. } | Self::ReplyTemplate { .. })
    }
}

/// A rule as created or replaced (`POST /rules`, `PUT /rules/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleDraft {
    /// 1–100 characters.
    pub name: String,
    /// Rules run in ascending `position` (ties by creation); `null` on creation: after the
    /// last.
    #[serde(default)]
    pub position: Option<i64>,
    /// A disabled rule never runs (default `true`).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// When it matches, the rules after it do not run (default `false`).
    #[serde(default)]
    pub stop_after: bool,
    /// When it applies.
    pub conditions: Conditions,
    /// What it does, 1–10 actions, at most one reply.
    pub actions: Vec<Action>,
}

fn yes() -> bool {
    true
}

/// A stored rule with its counters (`GET /rules/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    /// wacloud's id (a UUIDv7).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its place in the order.
    pub position: i64,
    /// Whether it runs.
    pub enabled: bool,
    /// Whether the rules after it are skipped when it matches.
    pub stop_after: bool,
    /// When it applies.
    pub conditions: Conditions,
    /// What it does.
    pub actions: Vec<Action>,
    /// Messages it matched and acted on.
    pub runs: i64,
    /// Of those, the runs where an action could not be done (see `last_error`).
    pub failures: i64,
    /// When it last ran.
    pub last_run_at: Option<DateTime<Utc>>,
    /// Why its last failing run failed.
    pub last_error: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A character a keyword must not hold: a control character, a line or paragraph separator
/// (U+2028, U+2029), or one that is invisible and matches nothing a customer sees (zero-width
/// space U+200B, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD, the direction marks and
/// embeddings U+200E–U+200F, U+202A–U+202E, U+2066–U+2069). The zero-width (non-)joiners
/// U+200C–U+200D stay: emoji sequences and Persian or Indic words need them.
fn unseen(ch: char) -> bool {
    ch.is_control()
        || matches!(
            ch,
            '\u{00AD}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

fn check_tag(tag: &str, path: &str) -> Result<(), AutomationProblem> {
    let n = tag.chars().count();
    if n == 0 || n > MAX_TAG_CHARS || tag.chars().any(char::is_control) {
        return Err(problem(
            "invalid_action",
            path,
            format!("{path}: 1 to {MAX_TAG_CHARS} characters, no control characters"),
        ));
    }
    Ok(())
}

/// Compiles a rule's regular expression with the size limit.
///
/// # Errors
/// `invalid_regex` at `conditions.regex`.
pub fn compile_regex(pattern: &str) -> Result<Regex, AutomationProblem> {
    let field = "conditions.regex";
    if pattern.is_empty() || pattern.len() > MAX_REGEX_BYTES {
        return Err(problem(
            "invalid_regex",
            field,
            format!("{field}: 1 to {MAX_REGEX_BYTES} bytes"),
        ));
    }
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| problem("invalid_regex", field, format!("{field}: {e}")))
}

/// [`compile_regex`], compiled once per pattern: rules run for every customer's message, and
/// compiling a pattern costs far more than matching it.
fn cached_regex(pattern: &str) -> Result<Regex, AutomationProblem> {
    static CACHE: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(re) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(re);
    }
    let re = compile_regex(pattern)?;
    if let Ok(mut c) = cache.lock() {
        if c.len() >= REGEX_CACHE {
            c.clear();
        }
        c.insert(pattern.to_owned(), re.clone());
    }
    Ok(re)
}

impl Conditions {
    fn check(&self) -> Result<(), AutomationProblem> {
        let c = |field: &str, msg: String| problem("invalid_condition", field, msg);
        if self.keywords.len() > MAX_KEYWORDS {
            return Err(c(
                "conditions.keywords",
                format!("conditions.keywords: at most {MAX_KEYWORDS}"),
            ));
        }
        for (i, k) in self.keywords.iter().enumerate() {
            let n = k.chars().count();
            // A letter or digit, or else a character past ASCII (an emoji, `¿`): a keyword of
            // ASCII punctuation alone would match most messages.
            let meaningful = k
                .chars()
                .any(|ch| ch.is_alphanumeric() || (!ch.is_ascii() && !ch.is_whitespace()));
            if !meaningful || n > MAX_KEYWORD_CHARS || k.chars().any(unseen) {
                let path = format!("conditions.keywords[{i}]");
                return Err(c(
                    &path,
                    format!("{path}: 1 to {MAX_KEYWORD_CHARS} characters with a letter, digit or emoji, and no control, invisible or line-separator characters"),
                ));
            }
        }
        if let Some(r) = &self.regex {
            compile_regex(r)?;
        }
        for (i, k) in self.kinds.iter().enumerate() {
            if !MESSAGE_KINDS.contains(&k.as_str()) {
                let path = format!("conditions.kinds[{i}]");
                return Err(c(
                    &path,
                    format!(
                        "{path}: one of Meta's message types: {}",
                        MESSAGE_KINDS.join(", ")
                    ),
                ));
            }
        }
        if let Some(t) = &self.has_tag {
            check_tag(t, "conditions.has_tag").map_err(|mut e| {
                e.code = "invalid_condition";
                e
            })?;
        }
        let given = !self.keywords.is_empty()
            || self.regex.is_some()
            || !self.kinds.is_empty()
            || self.first_message.is_some()
            || self.outside_hours.is_some()
            || self.has_tag.is_some()
            || self.phone_number_id.is_some();
        if !given {
            return Err(c(
                "conditions",
                "conditions: at least one of keywords, regex, kinds, first_message, outside_hours, has_tag, phone_number_id".into(),
            ));
        }
        Ok(())
    }
}

impl RuleDraft {
    /// Checks the name, conditions and actions.
    ///
    /// # Errors
    /// An [`AutomationProblem`] naming the field (`name`, `conditions.keywords[2]`,
    /// `conditions.regex`, `actions[1].text`, …).
    pub fn check(&self) -> Result<(), AutomationProblem> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > MAX_NAME_CHARS || self.name.chars().any(char::is_control) {
            return Err(problem(
                "invalid_rule",
                "name",
                format!("name: 1 to {MAX_NAME_CHARS} characters, no control characters"),
            ));
        }
        if self
            .position
            .is_some_and(|p| !(0..=MAX_POSITION).contains(&p))
        {
            return Err(problem(
                "invalid_rule",
                "position",
                format!("position: 0 to {MAX_POSITION}"),
            ));
        }
        self.conditions.check()?;
        if self.actions.is_empty() || self.actions.len() > MAX_ACTIONS {
            return Err(problem(
                "invalid_action",
                "actions",
                format!("actions: 1 to {MAX_ACTIONS}"),
            ));
        }
        if self.actions.iter().filter(|a| a.is_reply()).count() > 1 {
            return Err(problem(
                "invalid_action",
                "actions",
                "actions: at most one reply (reply_text or reply_template)",
            ));
        }
        for (i, a) in self.actions.iter().enumerate() {
            let path = |f: &str| format!("actions[{i}].{f}");
            match a {
                Action::ReplyText { text } => {
                    check_text(text, &path("text")).map_err(|mut e| {
                        e.code = "invalid_action";
                        e
                    })?;
                }
                Action::ReplyTemplate { name, language } => TemplateRef {
                    name: name.clone(),
                    language: language.clone(),
                }
                .check(&format!("actions[{i}]"))?,
                Action::AddTag { tag } | Action::RemoveTag { tag } => check_tag(tag, &path("tag"))?,
                Action::Assign { operator_id: id }
                | Action::HandOver {
                    subscription_id: id,
                } => {
                    if id.is_empty() || id.len() > 64 {
                        let field = path(if matches!(a, Action::Assign { .. }) {
                            "operator_id"
                        } else {
                            "subscription_id"
                        });
                        return Err(problem("invalid_action", &field, format!("{field}: an id")));
                    }
                }
                Action::SetStatus { status } => {
                    if *status == ConversationStatus::Snoozed {
                        let field = path("status");
                        return Err(problem(
                            "invalid_action",
                            &field,
                            format!("{field}: open, pending or resolved (a rule cannot snooze)"),
                        ));
                    }
                }
                Action::Unassign => {}
            }
        }
        Ok(())
    }
}

/// Meta's inbound message `type`s (Cloud API webhooks, `messages[].type`), which
/// `conditions.kinds` chooses among.
pub const MESSAGE_KINDS: &[&str] = &[
    "text",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "order",
    "system",
    "edit",
    "revoke",
    "request_welcome",
    "unsupported",
    "unknown",
];

/// Whether `c` belongs to a script written without spaces between words (Han, Hiragana,
/// Katakana, Thai, Lao, Khmer, Myanmar), where a keyword cannot be a whole word.
fn unspaced_script(c: char) -> bool {
    matches!(u32::from(c),
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x31F0..=0x31FF // Katakana phonetic extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0xFF66..=0xFF9F // half-width Katakana
        | 0x20000..=0x3FFFF // CJK extensions B and later
    )
}

/// Whether `keyword` is found in a text (given lower-cased and as its `words`): as whole words (`words`) for a keyword of spaced
/// scripts; as a substring (case-insensitively) for one with characters of a script without
/// spaces (CJK, Thai) or without letters and digits at all (an emoji).
fn keyword_matches(lower_text: &str, text_words: &[String], keyword: &str) -> bool {
    let k = keyword.trim();
    if k.chars().any(unspaced_script) || !k.chars().any(char::is_alphanumeric) {
        return !k.is_empty() && lower_text.contains(&k.to_lowercase());
    }
    has_phrase(text_words, k)
}

/// The words of `text`, lower case: runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a keyword (one word or a phrase) appears in `text_words` as whole words.
fn has_phrase(text_words: &[String], keyword: &str) -> bool {
    let k = words(keyword);
    !k.is_empty() && text_words.windows(k.len()).any(|w| w == k.as_slice())
}

/// What a rule's conditions are checked against.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    /// The message's text or caption.
    pub text: Option<&'a str>,
    /// Meta's message `type`.
    pub kind: &'a str,
    /// The customer's first message ever on the number.
    pub first_message: bool,
    /// Outside the number's business hours when it was written.
    pub outside_hours: bool,
    /// The contact's tags.
    pub tags: &'a [String],
    /// The business number it was written to.
    pub phone_number_id: &'a str,
}

impl Conditions {
    /// Whether every given condition holds for `m`. A regular expression that no longer
    /// compiles (stored before a limit changed) never matches.
    #[must_use]
    pub fn matches(&self, m: &Incoming<'_>) -> bool {
        let text = m.text.unwrap_or("");
        if !self.keywords.is_empty() {
            let w = words(text);
            let lower = text.to_lowercase();
            if !self.keywords.iter().any(|k| keyword_matches(&lower, &w, k)) {
                return false;
            }
        }
        if let Some(r) = &self.regex {
            match cached_regex(r) {
                Ok(re) if re.is_match(text) => {}
                _ => return false,
            }
        }
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| k == m.kind) {
            return false;
        }
        if self.first_message.is_some_and(|f| f != m.first_message) {
            return false;
        }
        if self.outside_hours.is_some_and(|o| o != m.outside_hours) {
            return false;
        }
        if self.has_tag.as_ref().is_some_and(|t| !m.tags.contains(t)) {
            return false;
        }
        if self
            .phone_number_id
            .as_ref()
            .is_some_and(|p| p != m.phone_number_id)
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(text: &str) -> Incoming<'_> {
        Incoming {
            text: Some(text),
            kind: "text",
            first_message: false,
            outside_hours: false,
            tags: &[],
            phone_number_id: "111",
        }
    }

    fn keywords(k: &[&str]) -> Conditions {
        Conditions {
            keywords: k.iter().map(|s| (*s).to_owned()).collect(),
            ..Conditions::default()
        }
    }

    /// Invisible characters and line separators are refused like control characters; the
    /// joiners emoji sequences and Persian words need are kept.
    #[test]
    fn keywords_with_invisible_characters_or_line_separators_are_refused() {
        for bad in [
            "pri\u{200B}ce",
            "price\u{2028}",
            "\u{FEFF}price",
            "pri\u{0}ce",
            "a\u{202E}b",
        ] {
            let e = keywords(&["ok", bad]).check().expect_err(bad);
            assert_eq!(
                (e.code, e.field.as_str()),
                ("invalid_condition", "conditions.keywords[1]"),
                "{bad:?}"
            );
        }
        for good in ["👨\u{200D}👩\u{200D}👧", "می\u{200C}خواهم", "price"] {
            assert!(keywords(&[good]).check().is_ok(), "{good:?}");
        }
    }

    #[test]
    fn keywords_match_whole_words_case_insensitively() {
        let c = keywords(&["price"]);
        assert!(c.matches(&incoming("What's the PRICE?")));
        assert!(c.matches(&incoming("price")));
        assert!(!c.matches(&incoming("priceless")));
        assert!(c.matches(&incoming("the-price-list")));
        assert!(!c.matches(&incoming("prices")));
        let c = keywords(&["opening hours", "größe"]);
        assert!(c.matches(&incoming("your Opening   hours, please")));
        assert!(!c.matches(&incoming("opening the hours")));
        assert!(!c.matches(&incoming("opening times")));
        assert!(c.matches(&incoming("Welche GRÖSSE? nein: Größe!")));
    }

    #[test]
    fn keywords_of_unspaced_scripts_and_emoji_match_inside_text() {
        // Chinese, Japanese and Thai put no space between words: a keyword is found anywhere.
        let c = keywords(&["价格"]);
        assert!(c.matches(&incoming("请问这个价格是多少？")));
        assert!(!c.matches(&incoming("请问这个多少钱？")));
        let c = keywords(&["営業時間"]);
        assert!(c.matches(&incoming("明日の営業時間を教えてください")));
        let c = keywords(&["ราคา"]);
        assert!(c.matches(&incoming("สินค้านี้ราคาเท่าไหร่ครับ")));
        // An emoji-only keyword.
        let c = keywords(&["👍"]);
        assert!(c.matches(&incoming("ok👍")));
        assert!(!c.matches(&incoming("ok")));
        // Latin keywords stay whole-word.
        let c = keywords(&["price", "价格"]);
        assert!(!c.matches(&incoming("priceless")));
        assert!(c.matches(&incoming("the price")));
    }

    #[test]
    fn kinds_must_be_metas_and_keywords_free_of_control_characters() {
        let field = |d: RuleDraft| {
            let e = d.check().unwrap_err();
            (e.code, e.field)
        };
        let mut d = draft();
        d.conditions.kinds = vec!["text".into(), "nonsense".into()];
        assert_eq!(
            field(d),
            ("invalid_condition", "conditions.kinds[1]".into())
        );
        let mut d = draft();
        d.conditions.kinds = vec!["image".into(), "request_welcome".into()];
        assert!(d.check().is_ok());
        let mut d = draft();
        d.conditions.keywords.push("pri\0ce".into());
        assert_eq!(
            field(d),
            ("invalid_condition", "conditions.keywords[1]".into())
        );
        let mut d = draft();
        d.conditions.keywords.push("tab\there".into());
        assert_eq!(
            field(d),
            ("invalid_condition", "conditions.keywords[1]".into())
        );
        for ok in ["👍", "🙏🏽", "价格", "ราคา"] {
            let mut d = draft();
            d.conditions.keywords.push(ok.into());
            assert!(d.check().is_ok(), "{ok}");
        }
    }

    #[test]
    fn every_given_condition_must_hold() {
        let tags = vec!["vip".to_owned()];
        let c = Conditions {
            regex: Some(r"(?i)order\s+#?\d{4,}".into()),
            kinds: vec!["text".into()],
            has_tag: Some("vip".into()),
            outside_hours: Some(true),
            ..Conditions::default()
        };
        let mut m = incoming("Where is Order #12345?");
        assert!(!c.matches(&m), "no tag, inside hours");
        m.tags = &tags;
        assert!(!c.matches(&m), "inside hours");
        m.outside_hours = true;
        assert!(c.matches(&m));
        m.kind = "image";
        assert!(!c.matches(&m));
        let first = Conditions {
            first_message: Some(true),
            ..Conditions::default()
        };
        assert!(!first.matches(&incoming("hi")));
        assert!(first.matches(&Incoming {
            first_message: true,
            ..incoming("hi")
        }));
    }

    fn draft() -> RuleDraft {
        RuleDraft {
            name: "Prices".into(),
            position: None,
            enabled: true,
            stop_after: false,
            conditions: keywords(&["price"]),
            actions: vec![Action::ReplyText {
                text: "See our price list".into(),
            }],
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(draft().check().is_ok());
        let field = |d: RuleDraft| {
            let e = d.check().unwrap_err();
            (e.code, e.field)
        };
        let mut d = draft();
        d.name = " ".into();
        assert_eq!(field(d), ("invalid_rule", "name".into()));
        let mut d = draft();
        d.conditions = Conditions::default();
        assert_eq!(field(d), ("invalid_condition", "conditions".into()));
        let mut d = draft();
        d.conditions.keywords.push("!!".into());
        assert_eq!(
            field(d),
            ("invalid_condition", "conditions.keywords[1]".into())
        );
        let mut d = draft();
        d.conditions.regex = Some("(unclosed".into());
        assert_eq!(field(d), ("invalid_regex", "conditions.regex".into()));
        let mut d = draft();
        // Compiles to far more than the size limit.
        d.conditions.regex = Some(r"\w{1000}\w{1000}\w{1000}".into());
        assert_eq!(field(d), ("invalid_regex", "conditions.regex".into()));
        let mut d = draft();
        d.actions.push(Action::AddTag { tag: String::new() });
        assert_eq!(field(d), ("invalid_action", "actions[1].tag".into()));
        let mut d = draft();
        d.actions.push(Action::ReplyTemplate {
            name: "hello".into(),
            language: "en".into(),
        });
        assert_eq!(field(d), ("invalid_action", "actions".into()));
        let mut d = draft();
        d.actions = vec![Action::ReplyText {
            text: "x".repeat(4097),
        }];
        assert_eq!(field(d), ("invalid_action", "actions[0].text".into()));
        let mut d = draft();
        d.actions = vec![Action::SetStatus {
            status: ConversationStatus::Snoozed,
        }];
        assert_eq!(field(d), ("invalid_action", "actions[0].status".into()));
        let mut d = draft();
        d.actions = vec![Action::ReplyTemplate {
            name: "Bad Name".into(),
            language: "en".into(),
        }];
        assert_eq!(field(d), ("invalid_template", "actions[0].name".into()));
        // A place past the bound would overflow the next rule's default place (last + 10).
        for p in [i64::MAX, MAX_POSITION + 1, -1] {
            let mut d = draft();
            d.position = Some(p);
            assert_eq!(field(d), ("invalid_rule", "position".into()), "{p}");
        }
        let mut d = draft();
        d.position = Some(MAX_POSITION);
        assert!(d.check().is_ok());
    }

    #[test]
    fn a_pattern_matches_the_same_from_the_cache() {
        let c = Conditions {
            regex: Some(r"(?i)order\s+#?\d+".into()),
            ..Conditions::default()
        };
        for _ in 0..3 {
            assert!(c.matches(&incoming("Where is ORDER #123?")));
            assert!(!c.matches(&incoming("Where is my order?")));
        }
    }

    #[test]
    fn actions_read_as_tagged_json() {
        let a: Vec<Action> = serde_json::from_str(
            r#"[{"type":"reply_text","text":"hi"},{"type":"unassign"},{"type":"set_status","status":"resolved"},{"type":"hand_over","subscription_id":"s1"}]"#,
        )
        .unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(
            a[2],
            Action::SetStatus {
                status: ConversationStatus::Resolved
            }
        );
        assert!(serde_json::from_str::<Action>(r#"{"type":"reply_text","txt":"hi"}"#).is_err());
    }
}
