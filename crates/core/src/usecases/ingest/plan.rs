//! What to do with one delivery, decided before any transaction: pure, from the parsed delivery
//! and the numbers this server answers for.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::events::{ParsedDelivery, WebhookEvent};
use crate::webhook::{WebhookOutcome, WebhookState};

/// The business numbers this server answers for (`phone_number_id`s, the default first).
/// Deliveries naming none of them are kept raw and counted as foreign, not attributed. Empty
/// means "accept any number". Clones share one list: numbers added while the server runs
/// (`/api/whatsapp/numbers`) are ours at once everywhere.
#[derive(Debug, Clone, Default)]
pub struct OurNumbers(Arc<RwLock<Vec<String>>>);

impl OurNumbers {
    /// These numbers, the default first.
    #[must_use]
    pub fn new(numbers: Vec<String>) -> Self {
        Self(Arc::new(RwLock::new(numbers)))
    }

    /// Replaces the list (what the numbers table and the environment say now).
    pub fn set(&self, numbers: Vec<String>) {
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = numbers;
    }

    /// The numbers, the default first.
    #[must_use]
    pub fn list(&self) -> Vec<String> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The default number: the first.
    #[must_use]
    pub fn default_number(&self) -> Option<String> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .first()
            .cloned()
    }

    /// Whether `phone_number_id` is ours (always, when the list is empty).
    #[must_use]
    pub fn contains(&self, phone_number_id: &str) -> bool {
        let l = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        l.is_empty() || l.iter().any(|n| n == phone_number_id)
    }

    fn only(&self) -> Option<String> {
        let l = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (l.len() == 1).then(|| l[0].clone())
    }
}

/// Longest reason kept for a delivery's left-out elements, in bytes (cut at a character).
const MAX_REASON: usize = 2000;

/// What to do with a delivery: the state it ends in, the business numbers whose session it
/// touches, and the events to apply (those of foreign numbers already left out).
#[derive(Debug, Clone)]
pub struct Plan {
    /// How processing ends when the events apply: `processed`; `failed` when the body did not
    /// parse or some elements did not (those that did still apply); `foreign` when it names
    /// only numbers that are not ours.
    pub outcome: WebhookOutcome,
    /// `phone_number_id`s of ours the delivery names (their session notes a delivery arrived).
    pub touch: Vec<String>,
    /// The events to apply, in delivery order.
    pub events: Vec<WebhookEvent>,
}

impl Plan {
    /// Plans `parsed` (`Err(reason)`: a body the parser cannot handle, stored `failed` with the
    /// reason so that `wacloud webhooks reprocess` can apply it once the parser is fixed).
    #[must_use]
    pub fn new(
        ours: &OurNumbers,
        parsed: Result<ParsedDelivery, String>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut outcome = WebhookOutcome {
            state: WebhookState::Processed,
            error: None,
            event_count: 0,
            phone_number_id: None,
            fields: None,
            processed_at: now,
        };
        let parsed = match parsed {
            Ok(p) => p,
            Err(reason) => {
                outcome.state = WebhookState::Failed;
                outcome.error = Some(reason);
                return Self {
                    outcome,
                    touch: Vec::new(),
                    events: Vec::new(),
                };
            }
        };
        outcome.phone_number_id = parsed.phone_number_ids.first().cloned();
        outcome.fields = (!parsed.fields.is_empty()).then(|| parsed.fields.join(","));
        let touch: Vec<String> = parsed
            .phone_number_ids
            .iter()
            .filter(|p| ours.contains(p))
            .cloned()
            .collect();
        if !parsed.phone_number_ids.is_empty() && touch.is_empty() {
            outcome.state = WebhookState::Foreign;
            return Self {
                outcome,
                touch,
                events: Vec::new(),
            };
        }
        let events: Vec<WebhookEvent> = parsed
            .events
            .into_iter()
            .filter(|e| e.phone_number_id().is_none_or(|p| ours.contains(p)))
            .map(|e| match e {
                // Account-wide events name no number; a server for one number shows them on it.
                WebhookEvent::Account(mut a) if a.phone_number_id.is_none() => {
                    a.phone_number_id = ours.only();
                    WebhookEvent::Account(a)
                }
                mut other => {
                    other.scope_customers();
                    other
                }
            })
            .collect();
        outcome.event_count = i64::try_from(events.len()).unwrap_or(i64::MAX);
        if !parsed.skipped.is_empty() {
            // What parsed is applied; the delivery stays failed so that a fixed parser can
            // apply the rest with `wacloud webhooks reprocess`.
            let mut why = format!(
                "{} element(s) left out because they do not parse: {}",
                parsed.skipped.len(),
                parsed.skipped.join("; ")
            );
            if why.len() > MAX_REASON {
                let cut = (0..=MAX_REASON)
                    .rev()
                    .find(|i| why.is_char_boundary(*i))
                    .unwrap_or(0);
                why.truncate(cut);
                why.push('…');
            }
            outcome.state = WebhookState::Failed;
            outcome.error = Some(why);
        }
        Self {
            outcome,
            touch,
            events,
        }
    }

    /// The same plan with no effects: the delivery is only stored, `received`, for the backlog
    /// to apply (or in its final state when there is nothing to apply).
    pub(crate) fn store_only(&self) -> Self {
        let mut outcome = self.outcome.clone();
        if self.has_effects() {
            outcome.state = WebhookState::Received;
            outcome.error = None;
        }
        Self {
            outcome,
            touch: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Whether applying the plan does anything beyond recording the delivery's state.
    pub(crate) fn has_effects(&self) -> bool {
        self.outcome.state == WebhookState::Processed
            || (self.outcome.state == WebhookState::Failed && self.outcome.event_count > 0)
    }

    /// The outcome recorded when the plan's effects could not be applied: `failed` with `why`
    /// and no events.
    pub(crate) fn failed(&self, why: String) -> WebhookOutcome {
        let mut failed = self.outcome.clone();
        failed.state = WebhookState::Failed;
        failed.event_count = 0;
        failed.error = Some(why);
        failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{AccountEvent, CustomerRef};

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
    }

    fn account(pid: Option<&str>) -> WebhookEvent {
        WebhookEvent::Account(AccountEvent {
            phone_number_id: pid.map(str::to_owned),
            waba_id: None,
            field: "account_update".into(),
            event: None,
            quality_rating: None,
            messaging_limit_tier: None,
            verified_name: None,
            raw: "{}".into(),
            at: at(),
        })
    }

    fn delivery(pids: &[&str], events: Vec<WebhookEvent>, skipped: &[&str]) -> ParsedDelivery {
        ParsedDelivery {
            phone_number_ids: pids.iter().map(|p| (*p).to_owned()).collect(),
            fields: vec!["messages".into()],
            events,
            skipped: skipped.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn a_body_that_does_not_parse_is_failed_with_its_reason_and_no_effects() {
        let plan = Plan::new(&OurNumbers::default(), Err("not JSON".into()), at());
        assert_eq!(plan.outcome.state, WebhookState::Failed);
        assert_eq!(plan.outcome.error.as_deref(), Some("not JSON"));
        assert!(plan.events.is_empty() && plan.touch.is_empty());
        assert!(!plan.has_effects());
    }

    #[test]
    fn a_delivery_for_other_numbers_only_is_foreign() {
        let ours = OurNumbers::new(vec!["111".into()]);
        let plan = Plan::new(
            &ours,
            Ok(delivery(&["222"], vec![account(Some("222"))], &[])),
            at(),
        );
        assert_eq!(plan.outcome.state, WebhookState::Foreign);
        assert_eq!(plan.outcome.phone_number_id.as_deref(), Some("222"));
        assert!(plan.events.is_empty());
        assert!(!plan.has_effects());
    }

    #[test]
    fn events_of_other_numbers_are_left_out_and_account_events_get_our_one_number() {
        let ours = OurNumbers::new(vec!["111".into()]);
        let seen = WebhookEvent::ContactSeen {
            phone_number_id: "111".into(),
            customer: CustomerRef::default(),
            at: at(),
        };
        let parsed = delivery(
            &["111", "222"],
            vec![account(Some("222")), account(None), seen],
            &[],
        );
        let plan = Plan::new(&ours, Ok(parsed), at());
        assert_eq!(plan.touch, vec!["111".to_owned()]);
        assert_eq!(plan.events.len(), 2);
        assert_eq!(plan.outcome.event_count, 2);
        assert!(
            matches!(&plan.events[0], WebhookEvent::Account(a) if a.phone_number_id.as_deref() == Some("111"))
        );
        assert_eq!(plan.outcome.state, WebhookState::Processed);
    }

    #[test]
    fn left_out_elements_fail_the_delivery_but_what_parsed_applies() {
        let long = "x".repeat(3000);
        let parsed = delivery(&["111"], vec![account(Some("111"))], &["é", &long]);
        let plan = Plan::new(&OurNumbers::default(), Ok(parsed), at());
        assert_eq!(plan.outcome.state, WebhookState::Failed);
        let why = plan.outcome.error.clone().unwrap_or_default();
        assert!(why.starts_with("2 element(s) left out"), "{why}");
        assert!(why.ends_with('…') && why.len() <= MAX_REASON + '…'.len_utf8());
        assert!(plan.has_effects(), "the parsed event still applies");
        let later = plan.store_only();
        assert_eq!(later.outcome.state, WebhookState::Received);
        assert!(later.outcome.error.is_none() && later.events.is_empty());
        let failed = plan.failed("boom".into());
        assert_eq!(
            (failed.state, failed.event_count, failed.error.as_deref()),
            (WebhookState::Failed, 0, Some("boom"))
        );
    }
}
