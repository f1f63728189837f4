//! Several business numbers (issue 16): what a number's settings are and the rules they
//! follow. A number is Meta's `phone_number_id`; its contacts, conversations, customer service
//! windows and pacing are its own. The environment's number (`WHATSAPP_PHONE_NUMBER_ID`) is the
//! default; more are added through `/api/whatsapp/numbers` and kept in `whatsapp_numbers`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// Longest label, in characters.
pub const MAX_LABEL: usize = 100;
/// Highest throughput cap accepted, in messages per second (Meta's highest automatic upgrade is
/// 1,000 messages per second).
pub const MAX_MESSAGES_PER_SECOND: u32 = 1000;
/// Longest pair interval accepted, in milliseconds (one hour).
pub const MAX_PAIR_INTERVAL_MS: u64 = 3_600_000;

/// A number's settings as an operator gives them (`POST`/`PUT /api/whatsapp/numbers`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NumberSettings {
    /// Meta's `phone_number_id` (digits). Required when adding; taken from the path when
    /// changing.
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// The WhatsApp Business Account id (digits).
    #[serde(default)]
    pub waba_id: Option<String>,
    /// The number as customers see it, in international form: `+1 555 010 0000`, or digits
    /// with the country code as Meta's webhooks write it (`15550100000`); at most 15 digits
    /// (E.164).
    #[serde(default)]
    pub display_phone_number: Option<String>,
    /// A name for operators (`Sales`, `Support Brazil`), at most [`MAX_LABEL`] characters.
    #[serde(default)]
    pub label: Option<String>,
    /// The number's throughput cap, messages per second (1 to [`MAX_MESSAGES_PER_SECOND`]);
    /// `None`: the server's `WACLOUD_MESSAGES_PER_SECOND`.
    #[serde(default)]
    pub messages_per_second: Option<u32>,
    /// Least time between messages to one customer after a burst (Meta's pair rate), ms;
    /// `None`: the server's setting.
    #[serde(default)]
    pub pair_interval_ms: Option<u64>,
    /// The Meta app's secret, when this number's webhooks come from another app than the
    /// environment's `WHATSAPP_APP_SECRET` (1 to 200 characters, no control characters).
    /// Never shown again. Absent: unchanged; `null` (on `PUT`): the number's own secret is
    /// removed, so its webhooks are checked with the environment's secrets again.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable))]
    pub app_secret: Option<Option<String>>,
    /// Send this number's marketing templates through Meta's Marketing Messages API (`POST
    /// /{phone_number_id}/marketing_messages`), which Meta optimises for delivery. Turn on only
    /// once the business is onboarded to it (Meta refuses with 134100–134103 otherwise).
    #[serde(default)]
    pub marketing_messages: Option<bool>,
}

/// A business number as listed (`GET /api/whatsapp/numbers`): its settings (never the app
/// secret) and its account state from Meta's webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessNumber {
    /// Meta's `phone_number_id`.
    pub phone_number_id: String,
    /// The WhatsApp Business Account id.
    pub waba_id: Option<String>,
    /// The number as customers see it.
    pub display_phone_number: Option<String>,
    /// The operators' name for it.
    pub label: Option<String>,
    /// Throughput cap, messages per second (`None`: the server's).
    pub messages_per_second: Option<u32>,
    /// Pair interval, ms (`None`: the server's).
    pub pair_interval_ms: Option<u64>,
    /// Whether an app secret of its own is stored.
    pub has_app_secret: bool,
    /// Whether its marketing templates go through Meta's Marketing Messages API.
    pub marketing_messages: bool,
    /// `environment` (`WHATSAPP_PHONE_NUMBER_ID`) or `api` (added through the API).
    pub source: String,
    /// Whether it is the default number (the first): sends without `from` go out from it.
    pub is_default: bool,
    /// Approved display name, from Meta's webhooks.
    pub verified_name: Option<String>,
    /// Quality rating, from Meta's webhooks (`GREEN`, `YELLOW`, `RED`, …).
    pub quality_rating: Option<String>,
    /// Messaging limit tier, from Meta's webhooks (`TIER_1K`, …).
    pub messaging_limit_tier: Option<String>,
    /// The last account event (`ACCOUNT_RESTRICTION`, …).
    pub account_status: Option<String>,
    /// When the last delivery for this number arrived.
    pub last_webhook_at: Option<DateTime<Utc>>,
    /// When it was added (`None` for the environment's number before it was stored).
    pub created_at: Option<DateTime<Utc>>,
    /// Unread inbound messages of its contacts (the number switcher's badge).
    pub unread_count: i64,
    /// The WhatsApp Business app's chat history shared with wacloud (coexistence `history`),
    /// when any chunk arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistorySync>,
}

/// Where the coexistence `history` synchronisation of a number stands, from the last chunk
/// received (Meta sends phases 0 to 2, each in chunks; `progress` 100 means complete).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistorySync {
    /// The last chunk's phase: 0 the day of onboarding, 1 days 1–90 before, 2 days 90–180.
    pub phase: Option<i64>,
    /// The last chunk's position within its phase.
    pub chunk_order: Option<i64>,
    /// How far the synchronisation has come, percent.
    pub progress: Option<i64>,
    /// Chunks received (each delivery's `history[]` items, refusals included).
    pub chunks: i64,
    /// The business's refusal or another reason no history comes, as `code title` (Meta's
    /// `history[].errors[]`, e.g. `2593109 …` when the business declined to share it).
    pub error: Option<String>,
    /// When the last chunk arrived.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A configured number as stored, with its app secret (for the webhook's signature check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNumber {
    /// The number, as listed (`source` `api`, `is_default` false: the caller decides both).
    pub number: BusinessNumber,
    /// Its app secret, if it has one.
    pub app_secret: Option<String>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`, by `default`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn no_control(field: &'static str, code: &'static str, v: &str) -> Result<(), CoreError> {
    match crate::text::control_char(v) {
        Some(c) => Err(CoreError::invalid(
            code,
            field,
            format!(
                "{field} holds the control character {}; remove it",
                crate::text::describe(c)
            ),
        )),
        None => Ok(()),
    }
}

fn digits(field: &'static str, v: &str) -> Result<(), CoreError> {
    if v.is_empty() || v.len() > 30 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CoreError::invalid(
            "invalid_number",
            field,
            format!("{field} is Meta's id: 1 to 30 digits, as shown in WhatsApp Manager"),
        ));
    }
    Ok(())
}

impl NumberSettings {
    /// Checks the settings given.
    ///
    /// # Errors
    /// [`CoreError::Invalid`] naming the field: ids that are not digits, a display number that
    /// is not a phone number in international form, a label over [`MAX_LABEL`] characters or
    /// holding a control character (NUL included), a rate outside 1..=[`MAX_MESSAGES_PER_SECOND`], a pair interval
    /// over [`MAX_PAIR_INTERVAL_MS`], an empty or over-long app secret or one holding a control
    /// character.
    pub fn check(&self) -> Result<(), CoreError> {
        if let Some(p) = &self.phone_number_id {
            digits("phone_number_id", p)?;
        }
        if let Some(w) = &self.waba_id {
            digits("waba_id", w)?;
        }
        if let Some(d) = &self.display_phone_number {
            if d.chars().count() > 30 || crate::PhoneNumber::parse(d).is_err() {
                return Err(CoreError::invalid(
                    "invalid_number",
                    "display_phone_number",
                    "display_phone_number is the number in international form: +1 555 010 0000, or its digits with the country code (15550100000), at most 15 digits",
                ));
            }
        }
        if let Some(l) = &self.label {
            no_control("label", "invalid_label", l)?;
            if l.trim().is_empty() || l.chars().count() > MAX_LABEL {
                return Err(CoreError::invalid(
                    "invalid_label",
                    "label",
                    format!("label is 1 to {MAX_LABEL} characters"),
                ));
            }
        }
        if let Some(r) = self.messages_per_second {
            if r == 0 || r > MAX_MESSAGES_PER_SECOND {
                return Err(CoreError::invalid(
                    "invalid_rate",
                    "messages_per_second",
                    format!("messages_per_second is 1 to {MAX_MESSAGES_PER_SECOND}"),
                ));
            }
        }
        if let Some(p) = self.pair_interval_ms {
            if p > MAX_PAIR_INTERVAL_MS {
                return Err(CoreError::invalid(
                    "invalid_rate",
                    "pair_interval_ms",
                    format!("pair_interval_ms is at most {MAX_PAIR_INTERVAL_MS}"),
                ));
            }
        }
        if let Some(Some(s)) = &self.app_secret {
            if s.is_empty() || s.len() > 200 {
                return Err(CoreError::invalid(
                    "invalid_secret",
                    "app_secret",
                    "app_secret is the Meta app's secret, 1 to 200 characters",
                ));
            }
            no_control("app_secret", "invalid_secret", s)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_field_by_field() {
        let ok = NumberSettings {
            phone_number_id: Some("106540352242922".into()),
            label: Some("Sales".into()),
            messages_per_second: Some(80),
            ..NumberSettings::default()
        };
        assert!(ok.check().is_ok());
        let field = |s: NumberSettings| match s.check() {
            Err(CoreError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        let mut bad = ok.clone();
        bad.phone_number_id = Some("+1 555".into());
        assert_eq!(field(bad), Some("phone_number_id"));
        let mut bad = ok.clone();
        bad.messages_per_second = Some(0);
        assert_eq!(field(bad), Some("messages_per_second"));
        let mut bad = ok.clone();
        bad.label = Some("x".repeat(MAX_LABEL + 1));
        assert_eq!(field(bad), Some("label"));
        let mut bad = ok.clone();
        bad.app_secret = Some(Some(String::new()));
        assert_eq!(field(bad), Some("app_secret"));
        let mut bad = ok.clone();
        bad.app_secret = Some(Some("s3\0cret".into()));
        assert_eq!(field(bad), Some("app_secret"));
        let mut bad = ok.clone();
        bad.label = Some("Sa\0les".into());
        assert_eq!(field(bad), Some("label"));
        let mut bad = ok.clone();
        bad.display_phone_number = Some("15550100000\0".into());
        assert_eq!(field(bad), Some("display_phone_number"));
        let mut bad = ok.clone();
        bad.display_phone_number = Some("call us".into());
        assert_eq!(field(bad), Some("display_phone_number"));
        let mut good = ok;
        good.display_phone_number = Some("+1 555 010 0000".into());
        good.app_secret = Some(None);
        assert!(good.check().is_ok());
    }
}
