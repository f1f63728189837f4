//! Run-time settings of the sandbox (`GET`/`POST /sandbox/control`): latency, limits, the token,
//! and error injection for tests.

use serde::{Deserialize, Serialize};

use crate::SandboxConfig;

/// What an injected fault does to a matching send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Refuse the request with the Graph error `code` (nothing is sent), as Meta does for
    /// 130429, 131056, 131026, 132000, 190, 131000, ….
    #[default]
    Refuse,
    /// Accept the message (a `wamid`), then report it `failed` with `code` in a status webhook,
    /// as Meta does for 131026 and 131047.
    FailStatus,
    /// Accept the message and send its statuses, but answer only after `hang_ms`: the caller's
    /// timeout fires first and its outcome is unknown.
    Hang,
    /// Accept the message and answer, but never send a status webhook for it.
    NoStatus,
    /// Lose the request before Meta sees it: nothing is recorded or sent, and the answer never
    /// comes (held for `hang_ms`, then the connection is answered 502 without a body).
    Drop,
}

/// An injected fault: which sends it hits and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Only sends to this recipient (digits, `+` optional); every send when absent.
    #[serde(default)]
    pub to: Option<String>,
    /// What it does.
    #[serde(default)]
    pub mode: FaultMode,
    /// Meta's error code (for `refuse` and `fail_status`).
    #[serde(default)]
    pub code: Option<i64>,
    /// HTTP status of a refusal (default: Meta's for the code).
    #[serde(default)]
    pub http_status: Option<u16>,
    /// `Retry-After` seconds on a refusal.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// How many sends it hits before it is used up; forever when absent.
    #[serde(default)]
    pub times: Option<u32>,
    /// For `hang`: how long to hold the answer, in milliseconds (default 60,000).
    #[serde(default)]
    pub hang_ms: Option<u64>,
}

impl Fault {
    pub(crate) fn matches(&self, to: &str) -> bool {
        self.times != Some(0)
            && self
                .to
                .as_deref()
                .is_none_or(|t| t.trim_start_matches('+') == to)
    }
}

/// The run-time settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Control {
    /// Time taken to answer each send, in milliseconds.
    pub latency_ms: u64,
    /// The number's throughput cap (messages per second; 0: none); above it, 130429.
    pub messages_per_second: u32,
    /// Messages to one recipient: one per this many milliseconds after `pair_burst` (0: no
    /// pair limit); above it, 131056.
    pub pair_interval_ms: u64,
    /// The pair-rate burst.
    pub pair_burst: u32,
    /// Free-form messages outside the 24-hour window fail with 131047.
    pub strict_window: bool,
    /// When false, every Graph call is refused with 190 (an expired token).
    pub token_valid: bool,
    /// Send status webhooks at all.
    pub statuses: bool,
    /// Injected faults, tried in order; the first that matches applies.
    pub faults: Vec<Fault>,
    /// Templates known besides the configured ones, as `[name, language]`.
    pub templates: Vec<[String; 2]>,
    /// Most templates on one page of the template list (0: the `limit` asked, default 25).
    pub template_page_size: u32,
    /// The business is not onboarded to the Marketing Messages API: its sends there are
    /// refused with 134100.
    pub marketing_not_onboarded: bool,
}

impl Control {
    pub(crate) fn from_config(c: &SandboxConfig) -> Self {
        Self {
            latency_ms: u64::try_from(c.latency.as_millis()).unwrap_or(u64::MAX),
            messages_per_second: c.messages_per_second.unwrap_or(0),
            pair_interval_ms: u64::try_from(c.pair_interval.as_millis()).unwrap_or(u64::MAX),
            pair_burst: c.pair_burst,
            strict_window: c.strict_window,
            token_valid: true,
            statuses: true,
            faults: Vec::new(),
            templates: Vec::new(),
            template_page_size: 0,
            marketing_not_onboarded: false,
        }
    }

    /// Takes the first fault matching a send to `to`, using up one of its `times`.
    pub(crate) fn take_fault(&mut self, to: &str) -> Option<Fault> {
        let f = self.faults.iter_mut().find(|f| f.matches(to))?;
        if let Some(t) = f.times.as_mut() {
            *t -= 1;
        }
        Some(f.clone())
    }
}

/// A partial change to the settings (`POST /sandbox/control`): fields left out keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ControlPatch {
    latency_ms: Option<u64>,
    messages_per_second: Option<u32>,
    pair_interval_ms: Option<u64>,
    pair_burst: Option<u32>,
    strict_window: Option<bool>,
    token_valid: Option<bool>,
    statuses: Option<bool>,
    faults: Option<Vec<Fault>>,
    templates: Option<Vec<[String; 2]>>,
    template_page_size: Option<u32>,
    marketing_not_onboarded: Option<bool>,
}

impl ControlPatch {
    pub(crate) fn apply(self, mut c: Control) -> Control {
        if let Some(v) = self.latency_ms {
            c.latency_ms = v;
        }
        if let Some(v) = self.messages_per_second {
            c.messages_per_second = v;
        }
        if let Some(v) = self.pair_interval_ms {
            c.pair_interval_ms = v;
        }
        if let Some(v) = self.pair_burst {
            c.pair_burst = v.max(1);
        }
        if let Some(v) = self.strict_window {
            c.strict_window = v;
        }
        if let Some(v) = self.token_valid {
            c.token_valid = v;
        }
        if let Some(v) = self.statuses {
            c.statuses = v;
        }
        if let Some(v) = self.faults {
            c.faults = v;
        }
        if let Some(v) = self.templates {
            c.templates = v;
        }
        if let Some(v) = self.template_page_size {
            c.template_page_size = v;
        }
        if let Some(v) = self.marketing_not_onboarded {
            c.marketing_not_onboarded = v;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_used_up() {
        let mut c = Control {
            faults: vec![Fault {
                to: Some("+15550000001".into()),
                mode: FaultMode::Refuse,
                code: Some(131_026),
                http_status: None,
                retry_after: None,
                times: Some(1),
                hang_ms: None,
            }],
            ..Control::default()
        };
        assert!(c.take_fault("15550000002").is_none());
        assert_eq!(
            c.take_fault("15550000001").and_then(|f| f.code),
            Some(131_026)
        );
        assert!(c.take_fault("15550000001").is_none(), "used up");
    }
}
