//! Groups of a business number (Meta's Groups API): the limits Meta documents, checked before
//! any call to Meta, and the rule that folds the `group_*` webhooks into a group's state.
//!
//! Meta's Groups API overview ("Quick facts") and its reference give the limits: a subject of
//! 1 to 128 characters (trimmed), a description of at most 2048, at most 8 participants in a
//! group (the business excluded) and at most 8 per add or remove request. A group is created
//! asynchronously: Meta answers a `request_id`, and the `group_lifecycle_update` webhook with
//! that `request_id` brings the group id, its invite link and its first participants.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// The most characters of a group subject (Meta trims it first).
pub const SUBJECT_MAX_CHARS: usize = 128;
/// The most characters of a group description.
pub const DESCRIPTION_MAX_CHARS: usize = 2048;
/// The most participants a group holds, the business excluded ("Max group participants: 8").
pub const MAX_PARTICIPANTS: usize = 8;
/// The most participants one add or remove request may name.
pub const MAX_PARTICIPANTS_PER_REQUEST: usize = 8;
/// Meta's limit on a text message body, in characters (the same in groups).
pub const TEXT_MAX_CHARS: usize = 4096;

/// Where a group stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    /// Asked of Meta (`POST /{phone_number_id}/groups` answered a `request_id`); the
    /// `group_lifecycle_update` webhook has not come yet.
    Creating,
    /// Created and usable.
    Active,
    /// Suspended by WhatsApp (`group_status_update`); messages to it fail with 131207.
    Suspended,
    /// Deleted (`group_delete`): everyone, the business included, was removed.
    Deleted,
    /// Meta reported the creation failed (the webhook carried `errors`).
    Failed,
}

impl GroupStatus {
    /// The stored text.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "creating",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
            Self::Failed => "failed",
        }
    }

    /// Reads the stored text; an unknown value reads as `active`.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "creating" => Self::Creating,
            "suspended" => Self::Suspended,
            "deleted" => Self::Deleted,
            "failed" => Self::Failed,
            _ => Self::Active,
        }
    }
}

/// Whether a participant is in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParticipantState {
    /// In the group (added by the business, or joined through the invite link).
    Joined,
    /// Left on their own (`initiated_by: participant`).
    Left,
    /// Removed by the business (or by Meta).
    Removed,
}

impl ParticipantState {
    /// The stored text.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Joined => "joined",
            Self::Left => "left",
            Self::Removed => "removed",
        }
    }

    /// Reads the stored text; an unknown value reads as `removed`.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "joined" => Self::Joined,
            "left" => Self::Left,
            _ => Self::Removed,
        }
    }
}

/// A participant as a webhook names one: Meta's `wa_id` and, where given, the BSUID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantRef {
    /// Meta's `wa_id`.
    pub wa_id: Option<String>,
    /// The business-scoped user id.
    pub user_id: Option<String>,
}

impl ParticipantRef {
    /// The key a participant is kept under: its `wa_id`, else its BSUID.
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        self.wa_id.as_deref().or(self.user_id.as_deref())
    }
}

/// One participant of a group, with when it joined and left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupParticipant {
    /// Meta's `wa_id`, when known.
    pub wa_id: Option<String>,
    /// The BSUID, when known.
    pub user_id: Option<String>,
    /// In the group, left or removed.
    pub state: ParticipantState,
    /// When it last joined (Meta's time of the event).
    pub joined_at: Option<DateTime<Utc>>,
    /// When it last left or was removed.
    pub left_at: Option<DateTime<Utc>>,
    /// Meta's time of the last change applied; an older event does not override it.
    pub changed_at: DateTime<Utc>,
}

impl GroupParticipant {
    /// The key it is kept under (`wa_id`, else BSUID).
    #[must_use]
    pub fn key(&self) -> &str {
        self.wa_id
            .as_deref()
            .or(self.user_id.as_deref())
            .unwrap_or("")
    }
}

/// What a `group_*` webhook event says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupChange {
    /// `group_lifecycle_update` `group_create`.
    Created,
    /// `group_lifecycle_update` `group_delete`.
    Deleted,
    /// `group_participants_update` (added, removed, left, joined through the link).
    Participants,
    /// `group_settings_update` (subject, description, picture).
    Settings,
    /// `group_status_update` `group_suspend`.
    Suspended,
    /// `group_status_update` `group_suspend_cleared`.
    SuspensionCleared,
    /// Any other event (join requests, …): only its participant lists are applied.
    Other,
}

/// One `groups[]` event of a `group_*` webhook, free of Meta's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupUpdate {
    /// The business number (`metadata.phone_number_id`).
    pub phone_number_id: String,
    /// The group id (absent when a creation failed).
    pub group_id: Option<String>,
    /// The id of the API request this event answers.
    pub request_id: Option<String>,
    /// What happened.
    pub change: GroupChange,
    /// Meta's `type`, as received.
    pub event_type: Option<String>,
    /// Meta's timestamp.
    pub at: DateTime<Utc>,
    /// The subject, when the event gives one (creation, or a successful subject change).
    pub subject: Option<String>,
    /// The description, when the event gives one.
    pub description: Option<String>,
    /// The invite link, when the event gives one.
    pub invite_link: Option<String>,
    /// `approval_required` or `auto_approve`, when given.
    pub join_approval_mode: Option<String>,
    /// The new picture's SHA-256, after a successful picture change.
    pub picture_sha256: Option<String>,
    /// Participants added or joined.
    pub added: Vec<ParticipantRef>,
    /// Participants removed or who left.
    pub removed: Vec<ParticipantRef>,
    /// Who started a participant change (`participant` when someone left on their own).
    pub initiated_by: Option<String>,
    /// Meta's error, when the request failed (`errors[0]`: code and title).
    pub error: Option<String>,
}

/// A group as wacloud keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    /// wacloud's id.
    pub id: String,
    /// The business number the group belongs to.
    pub phone_number_id: String,
    /// Meta's group id (`None` while creating).
    pub group_id: Option<String>,
    /// The creation request's id.
    pub request_id: Option<String>,
    /// The subject (name).
    pub subject: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The invite link, when known.
    pub invite_link: Option<String>,
    /// `approval_required` or `auto_approve`, when known.
    pub join_approval_mode: Option<String>,
    /// The picture's SHA-256, when one was set.
    pub picture_sha256: Option<String>,
    /// Where it stands.
    pub status: GroupStatus,
    /// Meta's last error about it.
    pub last_error: Option<String>,
    /// When wacloud first knew of it.
    pub created_at: DateTime<Utc>,
    /// Meta's time of the newest event applied (or the last local change).
    pub updated_at: DateTime<Utc>,
    /// Everyone who was ever in it, in the order first seen.
    pub participants: Vec<GroupParticipant>,
}

impl Group {
    /// A group asked of Meta, waiting for its `group_lifecycle_update`.
    #[must_use]
    pub fn creating(
        id: String,
        phone_number_id: String,
        request_id: Option<String>,
        new: &NewGroup,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            phone_number_id,
            group_id: None,
            request_id,
            subject: Some(new.subject.trim().to_owned()),
            description: new.description.clone(),
            invite_link: None,
            join_approval_mode: new.join_approval_mode.clone(),
            picture_sha256: None,
            status: GroupStatus::Creating,
            last_error: None,
            created_at: now,
            updated_at: now,
            participants: Vec::new(),
        }
    }

    /// A group first heard of through a webhook.
    #[must_use]
    pub fn seen(id: String, u: &GroupUpdate) -> Self {
        Self {
            id,
            phone_number_id: u.phone_number_id.clone(),
            group_id: u.group_id.clone(),
            request_id: u.request_id.clone(),
            subject: None,
            description: None,
            invite_link: None,
            join_approval_mode: None,
            picture_sha256: None,
            status: GroupStatus::Active,
            last_error: None,
            created_at: u.at,
            updated_at: u.at,
            participants: Vec::new(),
        }
    }

    /// The participants in the group now.
    #[must_use]
    pub fn members(&self) -> Vec<&GroupParticipant> {
        self.participants
            .iter()
            .filter(|p| p.state == ParticipantState::Joined)
            .collect()
    }

    /// Folds one webhook event into the state.
    ///
    /// The participant lists are applied whatever the event's `type` (Meta's own example of a
    /// removal is typed `group_create` on the `group_participants_update` field), each
    /// participant only when the event is not older than that participant's last change.
    /// The group's own fields (subject, description, link, status) move only for an event not
    /// older than the newest one applied, so a late redelivery does not undo a newer change.
    /// A failed request (`error`) changes nothing but `last_error`, and a failed creation
    /// marks a group still `creating` as `failed`.
    pub fn apply(&mut self, u: &GroupUpdate) {
        if self.group_id.is_none() {
            self.group_id.clone_from(&u.group_id);
        }
        if let Some(e) = &u.error {
            self.last_error = Some(e.clone());
            if u.change == GroupChange::Created && self.status == GroupStatus::Creating {
                self.status = GroupStatus::Failed;
            }
            return;
        }
        let leaving = if u.initiated_by.as_deref() == Some("participant") {
            ParticipantState::Left
        } else {
            ParticipantState::Removed
        };
        for p in &u.added {
            self.participant_change(p, ParticipantState::Joined, u.at);
        }
        for p in &u.removed {
            self.participant_change(p, leaving, u.at);
        }
        if u.at < self.updated_at && self.status != GroupStatus::Creating {
            return;
        }
        self.updated_at = self.updated_at.max(u.at);
        let set = |field: &mut Option<String>, v: &Option<String>| {
            if let Some(v) = v {
                *field = Some(v.clone());
            }
        };
        set(&mut self.subject, &u.subject);
        set(&mut self.description, &u.description);
        set(&mut self.invite_link, &u.invite_link);
        set(&mut self.join_approval_mode, &u.join_approval_mode);
        set(&mut self.picture_sha256, &u.picture_sha256);
        self.status = match (&u.change, self.status) {
            (GroupChange::Deleted, _) => GroupStatus::Deleted,
            (GroupChange::Suspended, s) if s != GroupStatus::Deleted => GroupStatus::Suspended,
            (GroupChange::SuspensionCleared, GroupStatus::Suspended) => GroupStatus::Active,
            (_, GroupStatus::Creating | GroupStatus::Failed) => GroupStatus::Active,
            (_, s) => s,
        };
    }

    fn participant_change(
        &mut self,
        who: &ParticipantRef,
        state: ParticipantState,
        at: DateTime<Utc>,
    ) {
        let Some(key) = who.key() else { return };
        let found = self.participants.iter().position(|p| {
            p.key() == key
                || (who.user_id.is_some() && p.user_id == who.user_id)
                || (who.wa_id.is_some() && p.wa_id == who.wa_id)
        });
        let i = if let Some(i) = found {
            let p = &mut self.participants[i];
            if at < p.changed_at {
                return;
            }
            if p.wa_id.is_none() {
                p.wa_id.clone_from(&who.wa_id);
            }
            if p.user_id.is_none() {
                p.user_id.clone_from(&who.user_id);
            }
            i
        } else {
            self.participants.push(GroupParticipant {
                wa_id: who.wa_id.clone(),
                user_id: who.user_id.clone(),
                state,
                joined_at: None,
                left_at: None,
                changed_at: at,
            });
            self.participants.len() - 1
        };
        let p = &mut self.participants[i];
        p.state = state;
        p.changed_at = at;
        if state == ParticipantState::Joined {
            p.joined_at = Some(at);
        } else {
            p.left_at = Some(at);
        }
    }
}

/// A group to create (`POST /groups`), checked against Meta's limits by [`NewGroup::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewGroup {
    /// The subject, 1 to 128 characters once trimmed.
    pub subject: String,
    /// The description, at most 2048 characters.
    pub description: Option<String>,
    /// `approval_required` or `auto_approve` (Meta's default when absent: `auto_approve`).
    pub join_approval_mode: Option<String>,
}

impl NewGroup {
    /// Checks Meta's limits.
    ///
    /// # Errors
    /// [`CoreError::Invalid`]: `subject_too_long` / `invalid_subject` (empty),
    /// `description_too_long`, `invalid_join_approval_mode`.
    pub fn check(&self) -> Result<(), CoreError> {
        check_subject(&self.subject)?;
        if let Some(d) = &self.description {
            check_description(d)?;
        }
        if let Some(m) = &self.join_approval_mode {
            if m != "approval_required" && m != "auto_approve" {
                return Err(CoreError::invalid(
                    "invalid_join_approval_mode",
                    "join_approval_mode",
                    "join_approval_mode is `approval_required` or `auto_approve`",
                ));
            }
        }
        Ok(())
    }
}

/// A refusal of `field` for holding the control character `c`.
fn control(code: &'static str, field: &'static str, c: char) -> CoreError {
    CoreError::invalid(
        code,
        field,
        format!(
            "the {field} holds the control character {}; remove it",
            crate::text::describe(c)
        ),
    )
}

/// Checks a subject: 1 to [`SUBJECT_MAX_CHARS`] characters once trimmed, one line without
/// control characters (NUL included).
///
/// # Errors
/// [`CoreError::Invalid`] `invalid_subject` (empty, or a control character) or
/// `subject_too_long`.
pub fn check_subject(subject: &str) -> Result<(), CoreError> {
    if let Some(c) = crate::text::control_char(subject) {
        return Err(control("invalid_subject", "subject", c));
    }
    let n = subject.trim().chars().count();
    if n == 0 {
        return Err(CoreError::invalid(
            "invalid_subject",
            "subject",
            "the group subject is empty",
        ));
    }
    if n > SUBJECT_MAX_CHARS {
        return Err(CoreError::invalid(
            "subject_too_long",
            "subject",
            format!("the group subject is {n} characters; Meta allows {SUBJECT_MAX_CHARS}"),
        ));
    }
    Ok(())
}

/// Checks a description: at most [`DESCRIPTION_MAX_CHARS`] characters, no control characters
/// but line breaks and tabs.
///
/// # Errors
/// [`CoreError::Invalid`] `description_too_long` or `invalid_description`.
pub fn check_description(d: &str) -> Result<(), CoreError> {
    if let Some(c) = crate::text::control_char_in_lines(d) {
        return Err(control("invalid_description", "description", c));
    }
    let n = d.chars().count();
    if n > DESCRIPTION_MAX_CHARS {
        return Err(CoreError::invalid(
            "description_too_long",
            "description",
            format!("the group description is {n} characters; Meta allows {DESCRIPTION_MAX_CHARS}"),
        ));
    }
    Ok(())
}

/// Checks a removal request: 1 to [`MAX_PARTICIPANTS_PER_REQUEST`] distinct participants,
/// each a phone number's digits or a BSUID. Answers them as given, trimmed, `+` dropped.
///
/// # Errors
/// [`CoreError::Invalid`] `invalid_participants` (none, too many, a duplicate or a blank).
pub fn check_participants(list: &[String]) -> Result<Vec<String>, CoreError> {
    let bad = |m: String| CoreError::invalid("invalid_participants", "participants", m);
    if list.is_empty() || list.len() > MAX_PARTICIPANTS_PER_REQUEST {
        return Err(bad(format!(
            "{} participants; Meta takes 1 to {MAX_PARTICIPANTS_PER_REQUEST} per request",
            list.len()
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for p in list {
        let p = p.trim().trim_start_matches('+').to_owned();
        if p.is_empty() || p.chars().any(char::is_whitespace) {
            return Err(bad("a participant is blank or contains spaces".into()));
        }
        if out.contains(&p) {
            // Meta answers 131202 (duplicate participant) for the whole request.
            return Err(bad(format!("participant {p} is named twice")));
        }
        out.push(p);
    }
    Ok(out)
}

/// Checks a text for a group: not blank, at most [`TEXT_MAX_CHARS`] characters, no control
/// characters but line breaks and tabs (NUL included).
///
/// # Errors
/// [`CoreError::Invalid`] `invalid_text` or `text_too_long`.
pub fn check_text(text: &str) -> Result<(), CoreError> {
    if let Some(c) = crate::text::control_char_in_lines(text) {
        return Err(control("invalid_text", "text", c));
    }
    if text.trim().is_empty() {
        return Err(CoreError::invalid(
            "invalid_text",
            "text",
            "the text is empty",
        ));
    }
    let n = text.chars().count();
    if n > TEXT_MAX_CHARS {
        return Err(CoreError::invalid(
            "text_too_long",
            "text",
            format!("the text is {n} characters; Meta allows {TEXT_MAX_CHARS}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + s, 0).unwrap()
    }

    fn who(w: &str) -> ParticipantRef {
        ParticipantRef {
            wa_id: Some(w.into()),
            user_id: None,
        }
    }

    fn update(change: GroupChange, t: i64) -> GroupUpdate {
        GroupUpdate {
            phone_number_id: "pn".into(),
            group_id: Some("g1".into()),
            request_id: Some("r1".into()),
            change,
            event_type: None,
            at: at(t),
            subject: None,
            description: None,
            invite_link: None,
            join_approval_mode: None,
            picture_sha256: None,
            added: vec![],
            removed: vec![],
            initiated_by: None,
            error: None,
        }
    }

    fn creating() -> Group {
        let new = NewGroup {
            subject: " Team ".into(),
            description: None,
            join_approval_mode: None,
        };
        Group::creating("id".into(), "pn".into(), Some("r1".into()), &new, at(0))
    }

    #[test]
    fn creation_then_participants_fold() {
        let mut g = creating();
        assert_eq!(g.subject.as_deref(), Some("Team"));
        let mut c = update(GroupChange::Created, 1);
        c.subject = Some("Team A".into());
        c.invite_link = Some("https://chat.whatsapp.com/x".into());
        c.added = vec![who("1"), who("2")];
        g.apply(&c);
        assert_eq!(g.status, GroupStatus::Active);
        assert_eq!(g.group_id.as_deref(), Some("g1"));
        assert_eq!(g.members().len(), 2);
        let mut r = update(GroupChange::Participants, 5);
        r.removed = vec![who("1")];
        g.apply(&r);
        let mut l = update(GroupChange::Participants, 6);
        l.removed = vec![who("2")];
        l.initiated_by = Some("participant".into());
        g.apply(&l);
        assert!(g.members().is_empty());
        assert_eq!(g.participants[0].state, ParticipantState::Removed);
        assert_eq!(g.participants[1].state, ParticipantState::Left);
        assert_eq!(g.participants[0].joined_at, Some(at(1)));
        assert_eq!(g.participants[0].left_at, Some(at(5)));
        // The creation redelivered late neither re-adds them nor renames the group.
        let mut late = c.clone();
        late.subject = Some("Old".into());
        g.apply(&late);
        assert!(g.members().is_empty());
        assert_eq!(g.subject.as_deref(), Some("Team A"));
    }

    #[test]
    fn failure_suspension_and_delete() {
        let mut g = creating();
        let mut f = update(GroupChange::Created, 1);
        f.group_id = None;
        f.error = Some("131211 Group create limit reached".into());
        g.apply(&f);
        assert_eq!(g.status, GroupStatus::Failed);
        let mut g = creating();
        g.apply(&update(GroupChange::Created, 1));
        g.apply(&update(GroupChange::Suspended, 2));
        assert_eq!(g.status, GroupStatus::Suspended);
        g.apply(&update(GroupChange::SuspensionCleared, 3));
        assert_eq!(g.status, GroupStatus::Active);
        g.apply(&update(GroupChange::Deleted, 4));
        g.apply(&update(GroupChange::SuspensionCleared, 5));
        assert_eq!(g.status, GroupStatus::Deleted);
    }

    #[test]
    fn limits() {
        assert!(check_subject(&"a".repeat(128)).is_ok());
        assert!(check_subject(&"a".repeat(129)).is_err());
        assert!(check_subject("   ").is_err());
        assert!(check_subject("Te\0am").is_err());
        assert!(check_subject("Te\nam").is_err());
        assert!(check_text("line one\nline two\ttab").is_ok());
        assert!(check_text("a\0b").is_err());
        assert!(check_description("a\u{1b}b").is_err());
        assert!(check_description(&"é".repeat(2048)).is_ok());
        assert!(check_description(&"é".repeat(2049)).is_err());
        let nine: Vec<String> = (0..9).map(|i| format!("1555000000{i}")).collect();
        assert!(check_participants(&nine).is_err());
        assert!(check_participants(&nine[..8]).is_ok());
        assert!(check_participants(&["+1".into(), "1".into()]).is_err());
        assert!(check_participants(&[]).is_err());
        assert!(check_text(&"x".repeat(4097)).is_err());
    }
}
