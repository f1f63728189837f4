//! [`decide`]: what the rules and the automatic replies do for one customer message.

use chrono::{DateTime, Duration, Utc};

use super::rules::Incoming;
use super::{Action, AutomationSettings, Rule, TemplateRef};

/// Why a message gets no automation at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not a customer's message: ours, an echo of the WhatsApp Business app, or imported history.
    NotFromCustomer,
    /// A standby copy (another app owns the thread).
    Standby,
    /// A group's message.
    Group,
}

/// What is known around one customer message.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    /// The message as rules see it.
    pub incoming: Incoming<'a>,
    /// Set when nothing may run.
    pub skip: Option<Skip>,
    /// The customer opted out (Meta's `marketing_opt_out`) or is blocked: nothing is sent to
    /// them automatically; rules' other actions still run.
    pub no_replies: bool,
    /// A bot subscription owns the conversation: it answers, so nothing is sent
    /// automatically; rules' other actions still run.
    pub bot_owned: bool,
    /// The customer service window is open now.
    pub window_open: bool,
    /// When the conversation last got a welcome or away reply.
    pub last_auto_reply_at: Option<DateTime<Utc>>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedReply {
    /// Free text (inside the window).
    Text(String),
    /// A template without variables.
    Template(TemplateRef),
}

/// Which automatic reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoKind {
    /// The customer's first message on the number (actor `automation:welcome`).
    Welcome,
    /// Outside business hours (actor `automation:away`).
    Away,
}

impl AutoKind {
    /// The actor tag its messages carry.
    #[must_use]
    pub fn actor_tag(self) -> &'static str {
        match self {
            Self::Welcome => "automation:welcome",
            Self::Away => "automation:away",
        }
    }
}

/// What one matching rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// The rule.
    pub rule_id: String,
    /// Its actions other than the reply, in order.
    pub actions: Vec<Action>,
    /// Its reply, when one may be sent.
    pub reply: Option<PlannedReply>,
    /// Why part of it cannot be done (counted as a failure of the run).
    pub problem: Option<String>,
}

/// What a message makes happen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The matching enabled rules, in order, up to the first with `stop_after`.
    pub rules: Vec<RuleOutcome>,
    /// The welcome or away reply, if one is due.
    pub auto: Option<(AutoKind, PlannedReply)>,
}

/// Decides what `rules` (in their stated order) and `settings` do for the message of `f`.
///
/// Replies: none at all while a bot owns the conversation or the customer opted out or is
/// blocked; a rule's text reply only inside the window (else a problem, counted as a
/// failure); a welcome (first message, inside hours) or away reply (outside hours: text inside
/// the window, else the away template, else nothing) only when no rule replied to this message
/// and none was sent in the conversation within `interval_minutes`.
#[must_use]
pub fn decide(rules: &[Rule], settings: Option<&AutomationSettings>, f: &Facts<'_>) -> Plan {
    let mut plan = Plan::default();
    if f.skip.is_some() {
        return plan;
    }
    let may_reply = !f.no_replies && !f.bot_owned;
    let mut replied = false;
    for rule in rules.iter().filter(|r| r.enabled) {
        if !rule.conditions.matches(&f.incoming) {
            continue;
        }
        let mut out = RuleOutcome {
            rule_id: rule.id.clone(),
            actions: Vec::new(),
            reply: None,
            problem: None,
        };
        for a in &rule.actions {
            match a {
                Action::ReplyText { text } if may_reply => {
                    if f.window_open {
                        out.reply = Some(PlannedReply::Text(text.clone()));
                    } else {
                        out.problem = Some(
                            "reply_text: the customer service window is closed; only a template may be sent".into(),
                        );
                    }
                }
                Action::ReplyTemplate { name, language } if may_reply => {
                    out.reply = Some(PlannedReply::Template(TemplateRef {
                        name: name.clone(),
                        language: language.clone(),
                    }));
                }
                a if a.is_reply() => {}
                a => out.actions.push(a.clone()),
            }
        }
        replied |= out.reply.is_some();
        plan.rules.push(out);
        if rule.stop_after {
            break;
        }
    }
    if may_reply && !replied {
        plan.auto = settings.and_then(|s| auto_reply(s, f));
    }
    plan
}

fn auto_reply(s: &AutomationSettings, f: &Facts<'_>) -> Option<(AutoKind, PlannedReply)> {
    if let Some(last) = f.last_auto_reply_at {
        if f.now < last + Duration::minutes(s.interval_minutes) {
            return None;
        }
    }
    if f.incoming.outside_hours {
        let reply = match (&s.away_text, &s.away_template) {
            (Some(t), _) if f.window_open => PlannedReply::Text(t.clone()),
            (_, Some(t)) => PlannedReply::Template(t.clone()),
            _ => return None,
        };
        return Some((AutoKind::Away, reply));
    }
    match &s.welcome_text {
        Some(t) if f.incoming.first_message && f.window_open => {
            Some((AutoKind::Welcome, PlannedReply::Text(t.clone())))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automation::Conditions;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 20, 0, 0).unwrap()
    }

    fn rule(id: &str, keyword: &str, actions: Vec<Action>, stop_after: bool) -> Rule {
        Rule {
            id: id.into(),
            name: id.into(),
            position: 0,
            enabled: true,
            stop_after,
            conditions: Conditions {
                keywords: vec![keyword.into()],
                ..Conditions::default()
            },
            actions,
            runs: 0,
            failures: 0,
            last_run_at: None,
            last_error: None,
            created_at: now(),
            updated_at: now(),
        }
    }

    fn facts(text: &str) -> Facts<'_> {
        Facts {
            incoming: Incoming {
                text: Some(text),
                kind: "text",
                first_message: false,
                outside_hours: false,
                tags: &[],
                phone_number_id: "111",
            },
            skip: None,
            no_replies: false,
            bot_owned: false,
            window_open: true,
            last_auto_reply_at: None,
            now: now(),
        }
    }

    fn away() -> AutomationSettings {
        AutomationSettings {
            welcome_text: Some("Welcome!".into()),
            away_text: Some("We are closed".into()),
            away_template: Some(TemplateRef {
                name: "away_notice".into(),
                language: "en_US".into(),
            }),
            ..AutomationSettings::default()
        }
    }

    fn text(s: &str) -> Action {
        Action::ReplyText { text: s.into() }
    }

    #[test]
    fn rules_run_in_order_until_stop_after() {
        let rules = vec![
            rule(
                "a",
                "price",
                vec![Action::AddTag {
                    tag: "sales".into(),
                }],
                false,
            ),
            rule("b", "price", vec![text("Prices: …")], true),
            rule("c", "price", vec![Action::Unassign], false),
        ];
        let p = decide(&rules, Some(&away()), &facts("price?"));
        let ids: Vec<&str> = p.rules.iter().map(|r| r.rule_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(
            p.rules[1].reply,
            Some(PlannedReply::Text("Prices: …".into()))
        );
        assert_eq!(p.auto, None, "a rule replied: no automatic reply besides");
        let mut disabled = rules.clone();
        disabled[1].enabled = false;
        let p = decide(&disabled, None, &facts("price?"));
        let ids: Vec<&str> = p.rules.iter().map(|r| r.rule_id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
    }

    #[test]
    fn echoes_standby_and_groups_get_nothing() {
        let rules = vec![rule("a", "price", vec![text("x")], false)];
        for skip in [Skip::NotFromCustomer, Skip::Standby, Skip::Group] {
            let mut f = facts("price");
            f.incoming.outside_hours = true;
            f.skip = Some(skip);
            assert_eq!(decide(&rules, Some(&away()), &f), Plan::default());
        }
    }

    #[test]
    fn a_bot_or_an_opt_out_silences_replies_but_not_other_actions() {
        let rules = vec![rule(
            "a",
            "price",
            vec![text("x"), Action::AddTag { tag: "t".into() }],
            false,
        )];
        for (bot, opted) in [(true, false), (false, true)] {
            let mut f = facts("price");
            f.incoming.outside_hours = true;
            f.bot_owned = bot;
            f.no_replies = opted;
            let p = decide(&rules, Some(&away()), &f);
            assert_eq!(p.rules[0].reply, None);
            assert_eq!(p.rules[0].actions, vec![Action::AddTag { tag: "t".into() }]);
            assert_eq!(p.auto, None);
        }
    }

    #[test]
    fn away_outside_the_window_is_the_template_or_nothing() {
        let mut f = facts("hello");
        f.incoming.outside_hours = true;
        let s = away();
        assert_eq!(
            decide(&[], Some(&s), &f).auto,
            Some((AutoKind::Away, PlannedReply::Text("We are closed".into())))
        );
        f.window_open = false;
        assert_eq!(
            decide(&[], Some(&s), &f).auto,
            Some((
                AutoKind::Away,
                PlannedReply::Template(s.away_template.clone().unwrap())
            ))
        );
        let no_template = AutomationSettings {
            away_template: None,
            ..away()
        };
        assert_eq!(decide(&[], Some(&no_template), &f).auto, None);
        // A rule's text reply outside the window is a problem, not a message.
        let rules = vec![rule("a", "hello", vec![text("x")], false)];
        let p = decide(&rules, None, &f);
        assert_eq!(p.rules[0].reply, None);
        assert!(p.rules[0].problem.as_deref().unwrap().contains("window"));
    }

    #[test]
    fn at_most_one_automatic_reply_per_interval() {
        let s = away();
        let mut f = facts("hello");
        f.incoming.outside_hours = true;
        f.last_auto_reply_at = Some(now() - Duration::minutes(59));
        assert_eq!(decide(&[], Some(&s), &f).auto, None);
        f.last_auto_reply_at = Some(now() - Duration::minutes(60));
        assert!(decide(&[], Some(&s), &f).auto.is_some());
    }

    #[test]
    fn welcome_only_for_the_first_message_inside_hours() {
        let s = away();
        let mut f = facts("hello");
        assert_eq!(decide(&[], Some(&s), &f).auto, None);
        f.incoming.first_message = true;
        assert_eq!(
            decide(&[], Some(&s), &f).auto,
            Some((AutoKind::Welcome, PlannedReply::Text("Welcome!".into())))
        );
        f.incoming.outside_hours = true;
        assert_eq!(decide(&[], Some(&s), &f).auto.unwrap().0, AutoKind::Away);
    }
}
