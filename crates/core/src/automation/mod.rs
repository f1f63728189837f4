//! Automations (issue 21): business hours and automatic replies per number, and rules that act
//! on a customer's new message. The rules only: no I/O. [`decide`] says, for one message and
//! what is known around it, what every rule and the automatic replies do;
//! `usecases::automation::run` reads those facts and applies the answer in one write job.
//!
//! Automatic replies never answer our own echoes, standby copies, group messages, a blocked
//! customer or one who opted out (Meta's `marketing_opt_out`), nor a conversation a bot
//! subscription owns; they respect the customer service window: inside it free text, outside
//! it only a named template, else nothing.

mod decide;
pub mod hours;
pub mod rules;

pub use decide::{decide, AutoKind, Facts, Plan, PlannedReply, RuleOutcome, Skip};
pub use hours::{BusinessHours, Opening, Schedule};
pub use rules::{Action, Conditions, Rule, RuleDraft, MAX_POSITION, MAX_RULES};

use serde::{Deserialize, Serialize};

/// Longest automatic or rule reply text, in characters (Meta's text message body limit).
pub const MAX_REPLY_CHARS: usize = 4096;
/// Shortest and longest interval between two automatic replies in one conversation, minutes.
pub const INTERVAL_MINUTES: (i64, i64) = (1, 7 * 24 * 60);
/// The interval when none is given, minutes.
pub const DEFAULT_INTERVAL_MINUTES: i64 = 60;

/// Something wrong with an automation or rule, naming the field by its path
/// (`actions[1].text`, `hours.openings[0].close`): answered as HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationProblem {
    /// `invalid_rule`, `invalid_condition`, `invalid_regex`, `invalid_action`,
    /// `invalid_time_zone`, `invalid_opening`, `too_many_openings`, `too_many_holidays`,
    /// `invalid_automation`.
    pub code: &'static str,
    /// The request field at fault, as a path.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for AutomationProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub(crate) fn problem(
    code: &'static str,
    field: &str,
    message: impl Into<String>,
) -> AutomationProblem {
    AutomationProblem {
        code,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A named template and its language: the only kind of automatic reply Meta accepts outside
/// the customer service window (a template without variables).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateRef {
    /// The template's name, as approved by Meta.
    pub name: String,
    /// Its language code, e.g. `en_US`.
    pub language: String,
}

impl TemplateRef {
    pub(crate) fn check(&self, path: &str) -> Result<(), AutomationProblem> {
        let ok_name = !self.name.is_empty()
            && self.name.len() <= 512
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok_name {
            return Err(problem(
                "invalid_template",
                &format!("{path}.name"),
                format!("{path}.name: a template name (lower case letters, digits and _)"),
            ));
        }
        let ok_lang = (2..=15).contains(&self.language.len())
            && self
                .language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok_lang {
            return Err(problem(
                "invalid_template",
                &format!("{path}.language"),
                format!("{path}.language: a language code such as en_US"),
            ));
        }
        Ok(())
    }
}

/// A business number's automatic replies (`GET/PUT /numbers/{phone_number_id}/automation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AutomationSettings {
    /// Business hours; `null`: always open (no away reply, and rules' `outside_hours` never
    /// holds).
    #[serde(default)]
    pub hours: Option<BusinessHours>,
    /// Sent (as text) for a customer's first message ever on this number, inside business
    /// hours; 1–4096 characters; `null`: none.
    #[serde(default)]
    pub welcome_text: Option<String>,
    /// Sent outside business hours while the customer service window is open; 1–4096
    /// characters; `null`: none.
    #[serde(default)]
    pub away_text: Option<String>,
    /// Sent outside business hours when the window is closed (a template without
    /// variables); `null`: nothing is sent then.
    #[serde(default)]
    pub away_template: Option<TemplateRef>,
    /// At most one automatic (welcome or away) reply per conversation in this many minutes,
    /// 1–10080 (default 60).
    #[serde(default = "default_interval")]
    pub interval_minutes: i64,
}

fn default_interval() -> i64 {
    DEFAULT_INTERVAL_MINUTES
}

impl Default for AutomationSettings {
    fn default() -> Self {
        Self {
            hours: None,
            welcome_text: None,
            away_text: None,
            away_template: None,
            interval_minutes: DEFAULT_INTERVAL_MINUTES,
        }
    }
}

pub(crate) fn check_text(text: &str, path: &str) -> Result<(), AutomationProblem> {
    let n = text.trim().chars().count();
    if n == 0 || text.chars().count() > MAX_REPLY_CHARS || text.contains('\0') {
        return Err(problem(
            "invalid_automation",
            path,
            format!("{path}: 1 to {MAX_REPLY_CHARS} characters, no NUL"),
        ));
    }
    Ok(())
}

impl AutomationSettings {
    /// Checks every field; answers the compiled business hours (`None`: always open).
    ///
    /// # Errors
    /// An [`AutomationProblem`] naming the field.
    pub fn check(&self) -> Result<Option<Schedule>, AutomationProblem> {
        if let Some(t) = &self.welcome_text {
            check_text(t, "welcome_text")?;
        }
        if let Some(t) = &self.away_text {
            check_text(t, "away_text")?;
        }
        if let Some(t) = &self.away_template {
            t.check("away_template")?;
        }
        if !(INTERVAL_MINUTES.0..=INTERVAL_MINUTES.1).contains(&self.interval_minutes) {
            return Err(problem(
                "invalid_automation",
                "interval_minutes",
                format!(
                    "interval_minutes: {} to {}",
                    INTERVAL_MINUTES.0, INTERVAL_MINUTES.1
                ),
            ));
        }
        self.hours.as_ref().map(BusinessHours::check).transpose()
    }
}
