//! A team inbox's conversations (issue 19): status, assignee and timeline; the rules only.
//!
//! A conversation is a contact's thread with the business (one number today; issue 16 adds
//! the number to its key). Its [`ConversationStatus`] is `open`, `pending` (waiting for the
//! customer), `snoozed` (until a time) or `resolved`, as in help desks (Chatwoot, Zendesk);
//! [`Conversation::effective`] reads a snooze past its time as open, and
//! [`Conversation::reopen_on_customer_message`] is what a customer's new message does. Who may
//! assign whom is [`check_assignment`]. Changes and private notes go to the conversation's
//! timeline ([`TimelineEntry`]); [`mentions`] finds the operators a note names.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{Actor, Operator, Role};
use crate::error::CoreError;

/// Longest snooze taken.
pub const MAX_SNOOZE: Duration = Duration::days(366);
/// Longest note taken, in characters.
pub const MAX_NOTE_CHARS: usize = 4096;

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Someone should act: the default, and what a customer's message brings back.
    Open,
    /// Waiting for the customer.
    Pending,
    /// Put aside until `snoozed_until`; open again after.
    Snoozed,
    /// Done.
    Resolved,
}

impl ConversationStatus {
    /// `open`, `pending`, `snoozed` or `resolved`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Snoozed => "snoozed",
            Self::Resolved => "resolved",
        }
    }

    /// The status named `s` exactly, else `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "pending" => Some(Self::Pending),
            "snoozed" => Some(Self::Snoozed),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }
}

/// The operator a conversation is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignee {
    /// The operator's id.
    pub id: String,
    /// Its display name now.
    pub display_name: String,
}

/// A conversation's state. A contact with none stored is open and unassigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    /// The contact's wacloud id.
    pub contact_id: String,
    /// Its status, as of when it was read (a snooze past its time reads `open`).
    pub status: ConversationStatus,
    /// Until when it is snoozed (only with `snoozed`).
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Who it is assigned to; `null`: unassigned.
    pub assignee: Option<Assignee>,
    /// When its status or assignee last changed; `null` when never.
    pub updated_at: Option<DateTime<Utc>>,
    /// Who changed it last (`operator:<id>`, `api_key`, `local`, `customer`); `null` when never.
    pub updated_by: Option<String>,
}

impl Conversation {
    /// A contact's conversation as it is before anyone touched it: open and unassigned.
    #[must_use]
    pub fn new(contact_id: &str) -> Self {
        Self {
            contact_id: contact_id.to_owned(),
            status: ConversationStatus::Open,
            snoozed_until: None,
            assignee: None,
            updated_at: None,
            updated_by: None,
        }
    }

    /// As it reads at `now`: a snooze whose time has come is open.
    #[must_use]
    pub fn effective(mut self, now: DateTime<Utc>) -> Self {
        if self.status == ConversationStatus::Snoozed && self.snoozed_until.is_none_or(|t| t <= now)
        {
            self.status = ConversationStatus::Open;
            self.snoozed_until = None;
        }
        self
    }

    /// What a new message from the customer does at `now`: a pending, snoozed or resolved
    /// conversation opens again (the assignee stays); `None` when it is open already.
    #[must_use]
    pub fn reopen_on_customer_message(&self, now: DateTime<Utc>) -> Option<Self> {
        if self.clone().effective(now).status == ConversationStatus::Open {
            return None;
        }
        Some(Self {
            status: ConversationStatus::Open,
            snoozed_until: None,
            updated_at: Some(now),
            updated_by: Some(Actor::Customer.tag()),
            ..self.clone()
        })
    }

    /// The conversation with status `to` (and, for `snoozed`, `until`) set by `actor` at `now`;
    /// `Ok(None)` when it has that status already.
    ///
    /// # Errors
    /// 400 `invalid_snooze`: `snoozed` without a time, a time not in the future or more than
    /// [`MAX_SNOOZE`] ahead, or a time with another status.
    pub fn with_status(
        &self,
        to: ConversationStatus,
        until: Option<DateTime<Utc>>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Option<Self>, CoreError> {
        let snoozed_until = match (to, until) {
            (ConversationStatus::Snoozed, Some(t)) if t > now && t <= now + MAX_SNOOZE => Some(t),
            (ConversationStatus::Snoozed, _) => {
                return Err(CoreError::invalid(
                    "invalid_snooze",
                    "snoozed_until",
                    "snoozed needs snoozed_until: a time in the future, at most 366 days ahead (RFC 3339)",
                ))
            }
            (_, Some(_)) => {
                return Err(CoreError::invalid(
                    "invalid_snooze",
                    "snoozed_until",
                    "snoozed_until goes only with the status snoozed",
                ))
            }
            (_, None) => None,
        };
        let current = self.clone().effective(now);
        if current.status == to && current.snoozed_until == snoozed_until {
            return Ok(None);
        }
        Ok(Some(Self {
            status: to,
            snoozed_until,
            updated_at: Some(now),
            updated_by: Some(actor.tag()),
            ..current
        }))
    }
}

/// Whether `actor` may give the conversation now assigned to `current` (an operator id, or
/// `None`) to `to` (an active operator's id, or `None` to unassign).
///
/// Agents take an unassigned conversation or one of theirs, hand one of theirs (or an
/// unassigned one) to another operator, and unassign their own; a conversation assigned to
/// someone else is that operator's: only admins (and the API key) move it. So when two
/// agents take the same unassigned conversation at once, the second is told who has it.
///
/// # Errors
/// 403 `assigned_to_other` (with who has it in the message).
pub fn check_assignment(
    actor: &Actor,
    current: Option<&Assignee>,
    to: Option<&str>,
) -> Result<(), CoreError> {
    let Actor::Operator { id, role, .. } = actor else {
        return Ok(());
    };
    if *role == Role::Admin {
        return Ok(());
    }
    match current {
        Some(a) if a.id != *id && to != Some(a.id.as_str()) => Err(CoreError::Forbidden {
            code: "assigned_to_other",
            message: format!(
                "this conversation is assigned to {}: only they or an admin can reassign it",
                a.display_name
            ),
        }),
        _ => Ok(()),
    }
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// A private note (never sent to WhatsApp).
    Note,
    /// The status changed (`details`: `from`, `to`, `snoozed_until`).
    StatusChanged,
    /// The assignee changed (`details`: `from`, `to` as `{id, display_name}` or `null`).
    AssigneeChanged,
    /// The thread's owner changed (Conversation Routing; `details`: `from`, `to` as
    /// `{owner, app_id, since}`, and Meta's `metadata` when given).
    ThreadOwnerChanged,
    /// A bot subscription took the conversation or handed it back (automations; `details`:
    /// `from`, `to` as a subscription id or `null`).
    BotChanged,
    /// A rule added or removed the contact's tags (`details`: `added`, `removed`).
    TagsChanged,
}

impl TimelineKind {
    /// `note`, `status_changed`, `assignee_changed`, `thread_owner_changed`, `bot_changed` or
    /// `tags_changed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::StatusChanged => "status_changed",
            Self::AssigneeChanged => "assignee_changed",
            Self::ThreadOwnerChanged => "thread_owner_changed",
            Self::BotChanged => "bot_changed",
            Self::TagsChanged => "tags_changed",
        }
    }

    /// The kind named `s` exactly, else `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "note" => Some(Self::Note),
            "status_changed" => Some(Self::StatusChanged),
            "assignee_changed" => Some(Self::AssigneeChanged),
            "thread_owner_changed" => Some(Self::ThreadOwnerChanged),
            "bot_changed" => Some(Self::BotChanged),
            "tags_changed" => Some(Self::TagsChanged),
            _ => None,
        }
    }
}

/// An operator a note mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mention {
    /// The operator's id.
    pub id: String,
    /// Its display name when the note was written.
    pub display_name: String,
}

/// One entry of a conversation's timeline, beside its messages.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    /// Its id (a UUIDv7: newer ids sort after older ones).
    pub id: String,
    /// The contact's wacloud id.
    pub contact_id: String,
    /// What it records.
    pub kind: TimelineKind,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: `operator:<id>`, `api_key`, `local`, or `customer` (a message reopened it).
    pub actor: String,
    /// The operator's display name, when an operator.
    pub actor_name: Option<String>,
    /// A note's text; `null` for the other kinds.
    pub body: Option<String>,
    /// The operators a note mentions (empty for the other kinds).
    pub mentions: Vec<Mention>,
    /// A change's `from` and `to` (and `snoozed_until`); `null` for a note.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}

/// `text` trimmed, if it is a note: 1 to [`MAX_NOTE_CHARS`] characters, no NUL.
///
/// # Errors
/// 400 `invalid_note`.
pub fn check_note(text: &str) -> Result<String, CoreError> {
    let t = text.trim();
    let n = t.chars().count();
    if n == 0 || n > MAX_NOTE_CHARS || t.contains('\0') {
        return Err(CoreError::invalid(
            "invalid_note",
            "body",
            format!("a note is 1 to {MAX_NOTE_CHARS} characters, without NUL"),
        ));
    }
    Ok(t.to_owned())
}

/// The operators `text` mentions, in the order first mentioned: `@` at the start or after a
/// character that is not a letter, digit or `.`, then an active operator's display name or the
/// local part of its e-mail address (case-insensitive), ending where the text ends or at a
/// character that is not a letter, digit, `_`, `-` or `.` followed by a letter or digit. The
/// longest name wins (`@Ada Lovelace` over `@Ada`).
#[must_use]
pub fn mentions(text: &str, operators: &[Operator]) -> Vec<Mention> {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; match on the lower-cased text only
    // when it kept every boundary, else on ASCII case folding of the original.
    let hay: &str = if lower.len() == text.len() {
        &lower
    } else {
        text
    };
    // (name, whether it is an e-mail local part, operator): a display name wins over another
    // operator's local part of the same length.
    let mut names: Vec<(String, bool, &Operator)> = Vec::new();
    for op in operators.iter().filter(|o| o.is_active) {
        names.push((op.display_name.to_lowercase(), false, op));
        if let Some((local, _)) = op.email.split_once('@') {
            names.push((local.to_lowercase(), true, op));
        }
    }
    names.retain(|(n, _, _)| !n.is_empty());
    names.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-' || c == '.';
    let mut out: Vec<Mention> = Vec::new();
    for (i, _) in hay.match_indices('@') {
        let before = hay[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '.') {
            continue; // an e-mail address, not a mention
        }
        let rest = &hay[i + 1..];
        let found = names.iter().find(|(n, _, _)| {
            rest.get(..n.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(n))
                && {
                    let mut after = rest[n.len()..].chars();
                    match after.next() {
                        None => true,
                        Some(c) if !word(c) => true,
                        // "@bo." ends a sentence; "@bo.x" is another name.
                        Some('.') => !after.next().is_some_and(char::is_alphanumeric),
                        Some(_) => false,
                    }
                }
        });
        if let Some((_, _, op)) = found {
            if !out.iter().any(|m| m.id == op.id) {
                out.push(Mention {
                    id: op.id.clone(),
                    display_name: op.display_name.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap_or_default()
    }

    fn op(id: &str, name: &str, email: &str, role: Role) -> Operator {
        Operator {
            id: id.into(),
            email: email.into(),
            display_name: name.into(),
            role,
            is_active: true,
            created_at: t(0),
            updated_at: t(0),
        }
    }

    fn actor(id: &str, role: Role) -> Actor {
        Actor::Operator {
            id: id.into(),
            name: id.into(),
            role,
        }
    }

    #[test]
    fn a_snooze_past_its_time_reads_open() {
        let c = Conversation {
            status: ConversationStatus::Snoozed,
            snoozed_until: Some(t(100)),
            ..Conversation::new("c1")
        };
        assert_eq!(
            c.clone().effective(t(99)).status,
            ConversationStatus::Snoozed
        );
        let later = c.effective(t(100));
        assert_eq!(later.status, ConversationStatus::Open);
        assert_eq!(later.snoozed_until, None);
    }

    #[test]
    fn a_customer_message_reopens_all_but_an_open_conversation() {
        let base = Conversation::new("c1");
        assert!(base.reopen_on_customer_message(t(1)).is_none());
        for s in [
            ConversationStatus::Pending,
            ConversationStatus::Resolved,
            ConversationStatus::Snoozed,
        ] {
            let c = Conversation {
                status: s,
                snoozed_until: (s == ConversationStatus::Snoozed).then(|| t(500)),
                assignee: Some(Assignee {
                    id: "o1".into(),
                    display_name: "Ada".into(),
                }),
                ..base.clone()
            };
            let r = c.reopen_on_customer_message(t(1)).expect("reopens");
            assert_eq!(r.status, ConversationStatus::Open);
            assert_eq!(r.snoozed_until, None);
            assert_eq!(r.updated_by.as_deref(), Some("customer"));
            assert_eq!(r.assignee, c.assignee, "the assignee stays");
        }
        // A snooze already over reads open: nothing to reopen.
        let over = Conversation {
            status: ConversationStatus::Snoozed,
            snoozed_until: Some(t(0)),
            ..base
        };
        assert!(over.reopen_on_customer_message(t(1)).is_none());
    }

    #[test]
    fn a_snooze_needs_a_time_ahead_and_only_a_snooze_takes_one() {
        let c = Conversation::new("c1");
        let a = Actor::Local;
        let snooze = |u| c.with_status(ConversationStatus::Snoozed, u, &a, t(10));
        assert!(snooze(None).is_err());
        assert!(snooze(Some(t(10))).is_err());
        assert!(snooze(Some(t(10) + MAX_SNOOZE + Duration::seconds(1))).is_err());
        let s = snooze(Some(t(60))).unwrap().unwrap();
        assert_eq!(
            (s.status, s.snoozed_until),
            (ConversationStatus::Snoozed, Some(t(60)))
        );
        assert!(c
            .with_status(ConversationStatus::Resolved, Some(t(60)), &a, t(10))
            .is_err());
        assert!(c
            .with_status(ConversationStatus::Open, None, &a, t(10))
            .unwrap()
            .is_none());
    }

    #[test]
    fn agents_move_only_their_own_or_unassigned_conversations() {
        let bo = actor("bo", Role::Agent);
        let cy = Assignee {
            id: "cy".into(),
            display_name: "Cy".into(),
        };
        let mine = Assignee {
            id: "bo".into(),
            display_name: "Bo".into(),
        };
        assert!(check_assignment(&bo, None, Some("bo")).is_ok());
        assert!(check_assignment(&bo, None, Some("cy")).is_ok());
        assert!(check_assignment(&bo, Some(&mine), None).is_ok());
        assert!(check_assignment(&bo, Some(&mine), Some("cy")).is_ok());
        let e = check_assignment(&bo, Some(&cy), Some("bo")).unwrap_err();
        assert!(matches!(
            e,
            CoreError::Forbidden {
                code: "assigned_to_other",
                ..
            }
        ));
        assert!(check_assignment(&bo, Some(&cy), None).is_err());
        assert!(
            check_assignment(&bo, Some(&cy), Some("cy")).is_ok(),
            "no change"
        );
        assert!(check_assignment(&actor("ad", Role::Admin), Some(&cy), Some("bo")).is_ok());
        assert!(check_assignment(&Actor::ApiKey, Some(&cy), None).is_ok());
    }

    #[test]
    fn mentions_match_names_and_local_parts_not_addresses() {
        let ops = [
            op("1", "Ada Lovelace", "ada@example.com", Role::Admin),
            op("2", "Bo", "bo.b@example.com", Role::Agent),
            op("3", "Ada", "a3@example.com", Role::Agent),
        ];
        let ids =
            |t: &str| -> Vec<String> { mentions(t, &ops).into_iter().map(|m| m.id).collect() };
        assert_eq!(ids("@ada lovelace please look"), ["1"], "longest name wins");
        assert_eq!(ids("cc @Ada, and @bo.b."), ["3", "2"]);
        assert_eq!(ids("@Bo @bo again"), ["2"], "once each");
        assert!(ids("write to bo@example.com").is_empty());
        assert!(ids("@Bob is nobody").is_empty());
        assert!(ids("no mention").is_empty());
        assert_eq!(ids("(@a3)"), ["3"]);
    }

    #[test]
    fn notes_are_one_to_4096_characters() {
        assert!(check_note("  ").is_err());
        assert_eq!(check_note(" hi ").unwrap(), "hi");
        assert!(check_note(&"x".repeat(MAX_NOTE_CHARS + 1)).is_err());
        assert!(check_note("a\0b").is_err());
    }
}
