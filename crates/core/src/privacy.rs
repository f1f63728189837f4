//! Data protection: what erasing a customer removes and reports ([`Erasure`]), everything held
//! about one ([`SubjectData`]), how their identifiers and texts are scrubbed from stored raw
//! deliveries ([`Needles`]), and how long what is kept stays ([`Retention`]). No I/O here: the
//! SQL is the store's (`PrivacyRepos`), the use cases `usecases::privacy`.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::contact::Contact;
use crate::conversation::{Conversation, TimelineEntry};
use crate::message::Message;
use crate::phone::CustomerKey;

/// What replaces a scrubbed value in a stored raw delivery or audit entry.
pub const ERASED: &str = "[erased]";

/// How a route names a customer: their phone number or BSUID (as every contact route takes), or
/// wacloud's contact id (a UUID, as `GET /contacts` answers it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactRef {
    /// A phone number or BSUID.
    Key(CustomerKey),
    /// wacloud's contact id.
    Id(String),
}

/// What `DELETE /contacts/{id}?erase=true` removed. No personal data: ids and counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Erasure {
    /// The erased contact's id (also what the audit entry names).
    pub contact_id: String,
    /// Contacts removed: the contact and its aliases (numbers merged into it).
    pub contacts: usize,
    /// Messages removed (their statuses, reactions and search index entries with them).
    pub messages: usize,
    /// Media rows removed.
    pub media: usize,
    /// Timeline entries removed (notes, status changes, assignments) and the conversation.
    pub timeline_entries: usize,
    /// Queue items removed (sent or not: those not sent yet never will be).
    pub queue_items: usize,
    /// Stored idempotent answers removed (those naming the customer or their messages).
    pub idempotency_answers: usize,
    /// Raw deliveries whose body was rewritten without the customer's identifiers and texts
    /// (the rows stay, for counts and the audit).
    pub deliveries_scrubbed: usize,
    /// Audit entries whose target or details named the customer, rewritten.
    pub audit_entries_scrubbed: usize,
    /// Meta's media ids of the erased messages' files, for the caller to remove from its media
    /// cache (not part of the answer).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub media_ids: Vec<String>,
}

/// Everything held about one customer (`GET /contacts/{id}/data`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectData {
    /// When this document was made.
    pub generated_at: DateTime<Utc>,
    /// The contact and its aliases (numbers merged into it), with every identity stored: phone
    /// number, `wa_id`, BSUID (`user_id`), username, names, tags.
    pub contacts: Vec<Contact>,
    /// The conversation's status and assignee, if one was ever set.
    pub conversation: Option<Conversation>,
    /// The conversation's timeline: notes, status changes, assignments, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Every message, each with its status and timestamps, oldest first.
    pub messages: Vec<Message>,
    /// Media metadata of those messages (`whatsapp_media` rows, as stored).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub media: Vec<serde_json::Value>,
    /// Queue items addressed to the customer (`whatsapp_queue` rows, as stored).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub queue_items: Vec<serde_json::Value>,
    /// The stored raw webhook deliveries that mention them: id, when, state, and the body as
    /// JSON (as text when it is not JSON).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub deliveries: Vec<serde_json::Value>,
}

/// The values that identify a customer or are theirs (identities, names, message texts), to be
/// found and scrubbed in stored raw deliveries and audit entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needles {
    /// Identifiers: a stored delivery mentioning one of these is about the customer.
    pub identifiers: Vec<String>,
    /// Names and message texts: scrubbed from the deliveries that mention an identifier.
    pub texts: Vec<String>,
}

/// A value shorter than this is scrubbed only where a whole string equals it, never where a
/// string contains it (a message text "ok" must not scrub "webhook").
const SHORTEST_CONTAINED: usize = 6;

impl Needles {
    /// Builds the needles from a contact's stored identities and names and its messages'
    /// texts. Empty values are dropped, duplicates kept once; phone numbers are taken both with
    /// and without `+`.
    #[must_use]
    pub fn new<'a>(
        identifiers: impl IntoIterator<Item = &'a str>,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut ids: Vec<String> = Vec::new();
        for i in identifiers
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            ids.push(i.to_owned());
            if let Some(digits) = i.strip_prefix('+') {
                ids.push(digits.to_owned());
            }
        }
        ids.sort();
        ids.dedup();
        let mut texts: Vec<String> = texts
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        texts.sort();
        texts.dedup();
        Self {
            identifiers: ids,
            texts,
        }
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        self.identifiers.iter().chain(&self.texts)
    }

    /// Whether `s` holds one of the needles (contains a long one, or equals a short one).
    #[must_use]
    pub fn matches(&self, s: &str) -> bool {
        self.all().any(|n| {
            if n.chars().count() >= SHORTEST_CONTAINED {
                s.contains(n.as_str())
            } else {
                s.trim() == n
            }
        })
    }

    /// Whether `bytes` mention one of the identifiers (what selects a stored delivery).
    #[must_use]
    pub fn mentioned_in(&self, bytes: &[u8]) -> bool {
        self.identifiers
            .iter()
            .any(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes()))
    }

    /// Replaces, in a JSON value, every string (and object key) that [`Needles::matches`] with
    /// [`ERASED`]. Returns whether anything changed.
    pub fn scrub_json(&self, v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) if self.matches(s) => {
                ERASED.clone_into(s);
                true
            }
            serde_json::Value::Array(a) => a.iter_mut().fold(false, |c, x| self.scrub_json(x) | c),
            serde_json::Value::Object(o) => {
                let keys: Vec<String> = o.keys().filter(|k| self.matches(k)).cloned().collect();
                let mut changed = !keys.is_empty();
                for (i, k) in keys.into_iter().enumerate() {
                    if let Some(x) = o.remove(&k) {
                        o.insert(format!("{ERASED}{i}"), x);
                    }
                }
                for x in o.values_mut() {
                    changed |= self.scrub_json(x);
                }
                changed
            }
            _ => false,
        }
    }

    /// Scrubs a stored delivery's body: as JSON when it is JSON, else by replacing every
    /// occurrence of a needle in the text. `None` when nothing changed.
    #[must_use]
    pub fn scrub_body(&self, body: &[u8]) -> Option<Vec<u8>> {
        if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body) {
            return self
                .scrub_json(&mut v)
                .then(|| serde_json::to_vec(&v).unwrap_or_default());
        }
        let text = String::from_utf8_lossy(body);
        self.scrub_text(&text).map(String::into_bytes)
    }

    /// Replaces every occurrence of a needle in free text (an audit entry's target or details).
    /// `None` when nothing changed.
    #[must_use]
    pub fn scrub_text(&self, text: &str) -> Option<String> {
        let mut out = text.to_owned();
        // Longest first, so a phone number goes before its digits.
        let mut all: Vec<&String> = self.all().collect();
        all.sort_by_key(|n| std::cmp::Reverse(n.len()));
        for n in all {
            if n.chars().count() >= SHORTEST_CONTAINED || out.trim() == n.as_str() {
                out = out.replace(n.as_str(), ERASED);
            }
        }
        (out != text).then_some(out)
    }
}

/// How long what wacloud stores is kept (`WACLOUD_RETAIN_*`). `None`: forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Raw webhook deliveries, counted from when they were applied. Failed ones and ones not
    /// applied yet are kept whatever their age.
    pub webhook_days: Option<u32>,
    /// Message texts, payloads and raw JSON (the rows stay, with their statuses), counted from
    /// the message's time.
    pub message_text_days: Option<u32>,
}

impl Retention {
    /// Deliveries applied before this are pruned.
    #[must_use]
    pub fn webhooks_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.webhook_days
            .map(|d| now - Duration::days(i64::from(d)))
    }

    /// Messages older than this lose their text.
    #[must_use]
    pub fn message_texts_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.message_text_days
            .map(|d| now - Duration::days(i64::from(d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles() -> Needles {
        Needles::new(
            ["+15550001111", "15550001111", "US.1234567", ""],
            ["hello from a unique text", "ok", "Ana Lima"],
        )
    }

    #[test]
    fn phone_numbers_are_taken_with_and_without_plus_and_duplicates_once() {
        let n = needles();
        assert_eq!(n.identifiers, ["+15550001111", "15550001111", "US.1234567"]);
    }

    #[test]
    fn json_strings_holding_a_needle_are_erased_and_short_ones_only_when_equal() {
        let n = needles();
        let mut v = serde_json::json!({
            "object": "whatsapp_business_account",
            "contacts": [{"wa_id": "15550001111", "profile": {"name": "Ana Lima"}}],
            "messages": [{"from": "15550001111", "text": {"body": "hello from a unique text"}},
                         {"text": {"body": "ok"}}, {"type": "webhook"}],
            "15550001111": 1
        });
        assert!(n.scrub_json(&mut v));
        let s = v.to_string();
        for gone in ["15550001111", "Ana Lima", "unique text", "\"ok\""] {
            assert!(!s.contains(gone), "{gone} in {s}");
        }
        assert!(s.contains("webhook") && s.contains("whatsapp_business_account"));
    }

    #[test]
    fn a_body_that_is_not_json_is_scrubbed_as_text() {
        let n = needles();
        let out = n
            .scrub_body(b"not json 15550001111 and Ana Lima")
            .expect("changed");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "not json [erased] and [erased]"
        );
        assert!(n.scrub_body(b"{\"nothing\": \"here\"}").is_none());
        assert!(n.mentioned_in(b"xx US.1234567 yy"));
        assert!(!n.mentioned_in(b"xx Ana Lima yy"));
    }
}
