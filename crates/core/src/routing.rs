//! Conversation Routing (issue 16): who owns a conversation's thread when several responders
//! share the business number — wacloud, Meta's business AI, another app, or the WhatsApp
//! Business app — and what that allows. The rules only; the use cases are
//! [`crate::usecases::routing`].
//!
//! Meta's model (WhatsApp "Conversation Routing"): one responder owns each thread. The
//! owner receives the customer's messages on the `messages` webhook field; the others, if the
//! business granted them standby, receive copies on `standby` and may not send service
//! (free-form) messages. `messaging_handovers` reports `control_passed` to the new owner and
//! `control_taken` to the previous one; a `release` reports nothing and the customer's next
//! message decides the owner. Template messages are not service messages: thread ownership
//! does not restrict them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::outbound::OutboundContent;

/// Who owns a conversation's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ThreadOwner {
    /// This wacloud (the default: a conversation nobody routed elsewhere).
    Wacloud,
    /// Meta's business AI (Meta Business Agent, role `ai_agent`).
    AiAgent,
    /// Another app on the number (a partner's integration), by id when known.
    App,
    /// The WhatsApp Business app (coexistence).
    BusinessApp,
    /// Nobody: the thread was released and the customer's next message picks the owner.
    Released,
}

impl ThreadOwner {
    /// `wacloud`, `ai_agent`, `app`, `business_app` or `released`: the stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wacloud => "wacloud",
            Self::AiAgent => "ai_agent",
            Self::App => "app",
            Self::BusinessApp => "business_app",
            Self::Released => "released",
        }
    }

    /// The owner named `s` exactly, else `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "wacloud" => Some(Self::Wacloud),
            "ai_agent" => Some(Self::AiAgent),
            "app" => Some(Self::App),
            "business_app" => Some(Self::BusinessApp),
            "released" => Some(Self::Released),
            _ => None,
        }
    }

    /// Whether another responder holds the thread (wacloud may not send service messages).
    #[must_use]
    pub fn is_another(self) -> bool {
        matches!(self, Self::AiAgent | Self::App | Self::BusinessApp)
    }
}

/// A conversation's thread: its owner and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadState {
    /// Who owns it.
    pub owner: ThreadOwner,
    /// The other app's id, when `owner` is `app` and Meta or an operator named it.
    pub app_id: Option<String>,
    /// When ownership last changed (Meta's timestamp of the notice, or the time of our own
    /// thread control call); `null` for a conversation never routed elsewhere.
    pub since: Option<DateTime<Utc>>,
}

impl Default for ThreadState {
    fn default() -> Self {
        Self::ours()
    }
}

impl ThreadState {
    /// wacloud's, never changed.
    #[must_use]
    pub fn ours() -> Self {
        Self {
            owner: ThreadOwner::Wacloud,
            app_id: None,
            since: None,
        }
    }

    /// `owner` (with `app_id` for an app) since `at`.
    #[must_use]
    pub fn new(owner: ThreadOwner, app_id: Option<String>, at: DateTime<Utc>) -> Self {
        Self {
            owner,
            app_id: app_id.filter(|_| owner == ThreadOwner::App),
            since: Some(at),
        }
    }

    /// Who holds it, for people: "Meta's business AI", "another app (id 123)", …
    #[must_use]
    pub fn label(&self) -> String {
        match (self.owner, self.app_id.as_deref()) {
            (ThreadOwner::Wacloud, _) => "wacloud".to_owned(),
            (ThreadOwner::AiAgent, _) => "Meta's business AI".to_owned(),
            (ThreadOwner::App, Some(id)) => format!("another app (id {id})"),
            (ThreadOwner::App, None) => "another app".to_owned(),
            (ThreadOwner::BusinessApp, _) => "the WhatsApp Business app".to_owned(),
            (ThreadOwner::Released, _) => "nobody (released)".to_owned(),
        }
    }

    /// The state after a change that happened at `to.since`, or `None` when it changes nothing:
    /// the same owner, or a notice older than the last change (Meta delivers out of order).
    #[must_use]
    pub fn after(&self, to: &ThreadState) -> Option<ThreadState> {
        // Meta's timestamps are whole seconds: a notice from the same second as the last
        // change is not older than it.
        if let (Some(now), Some(at)) = (self.since, to.since) {
            if at.timestamp() < now.timestamp() {
                return None;
            }
        }
        if self.owner == to.owner && self.app_id == to.app_id {
            return None;
        }
        Some(to.clone())
    }

    /// What a copy received on `standby` at `at` says: another responder holds the thread. A
    /// thread already known to be another's keeps its owner; otherwise it becomes "another
    /// app" (Meta's copy does not say which).
    #[must_use]
    pub fn after_standby(&self, at: DateTime<Utc>) -> Option<ThreadState> {
        if self.owner.is_another() {
            return None;
        }
        self.after(&ThreadState::new(ThreadOwner::App, None, at))
    }

    /// What a customer's message received on `messages` at `at` says: wacloud owns the
    /// thread (Meta sends the owner's traffic there and only copies on `standby`).
    #[must_use]
    pub fn after_own_message(&self, at: DateTime<Utc>) -> Option<ThreadState> {
        if self.owner == ThreadOwner::Wacloud {
            return None;
        }
        self.after(&ThreadState::new(ThreadOwner::Wacloud, None, at))
    }
}

/// Refuses a service (free-form) message on a thread another responder owns (HTTP 409
/// `not_thread_owner`, naming the owner and what to do). Templates pass: Meta's Conversation
/// Routing restricts service messages, not template messages.
///
/// # Errors
/// [`CoreError::Conflict`] `not_thread_owner`.
pub fn check_thread_owner(
    thread: &ThreadState,
    recipient: &str,
    content: &OutboundContent,
) -> Result<(), CoreError> {
    if !thread.owner.is_another() || !content.needs_open_window() {
        return Ok(());
    }
    Err(CoreError::Conflict {
        code: "not_thread_owner",
        message: format!(
            "{} owns the conversation with {recipient} (thread owner: {}); WhatsApp lets only the thread's owner send free-form messages. Take the conversation over first (POST /api/whatsapp/contacts/{{phone}}/thread with {{\"action\": \"take\"}}, or \"Take over\" in the widget), wait for it to be passed back, or send a template",
            thread.label(),
            thread.owner.as_str(),
        ),
    })
}

/// What an operator asks of the thread (`POST /contacts/{phone}/thread`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ThreadAction {
    /// Take the thread from its owner (Meta allows it to the business's escalation partner).
    Take,
    /// Give the thread up; the customer's next message picks the owner.
    Release,
    /// Hand the thread to the escalation partner, or to Meta's business AI.
    Pass,
}

/// Where a `pass` sends the thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassTarget {
    /// The business's escalation partner (an app; its id, when the operator named it, is
    /// only recorded: Meta's WhatsApp pass takes no app id).
    Partner(Option<String>),
    /// Meta's business AI (`control_pass.target_role` = `ai_agent`).
    AiAgent,
}

impl PassTarget {
    /// The thread's state once passed here at `at`.
    #[must_use]
    pub fn state(&self, at: DateTime<Utc>) -> ThreadState {
        match self {
            Self::Partner(id) => ThreadState::new(ThreadOwner::App, id.clone(), at),
            Self::AiAgent => ThreadState::new(ThreadOwner::AiAgent, None, at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).unwrap()
    }

    #[test]
    fn an_older_notice_never_overrides_a_newer_one() {
        let ai = ThreadState::new(ThreadOwner::AiAgent, None, at(100));
        let back = ThreadState::new(ThreadOwner::Wacloud, None, at(50));
        assert_eq!(ai.after(&back), None);
        let back = ThreadState::new(ThreadOwner::Wacloud, None, at(150));
        assert_eq!(ai.after(&back), Some(back));
    }

    #[test]
    fn standby_marks_another_owner_and_own_messages_take_it_back() {
        let ours = ThreadState::ours();
        let s = ours.after_standby(at(10)).unwrap();
        assert_eq!(s.owner, ThreadOwner::App);
        // Already another's: a standby copy keeps who it is.
        let ai = ThreadState::new(ThreadOwner::AiAgent, None, at(5));
        assert_eq!(ai.after_standby(at(10)), None);
        assert_eq!(
            ai.after_own_message(at(20)).unwrap().owner,
            ThreadOwner::Wacloud
        );
        assert_eq!(ai.after_own_message(at(1)), None);
    }

    #[test]
    fn only_free_form_is_refused_and_the_message_names_the_owner() {
        let ai = ThreadState::new(ThreadOwner::App, Some("777".into()), at(5));
        let text = OutboundContent::Text {
            body: "hi".into(),
            preview_url: false,
        };
        let e = check_thread_owner(&ai, "+15550001111", &text).unwrap_err();
        let CoreError::Conflict { code, message } = e else {
            panic!()
        };
        assert_eq!(code, "not_thread_owner");
        assert!(message.contains("another app (id 777)"), "{message}");
        let released = ThreadState::new(ThreadOwner::Released, None, at(5));
        assert!(check_thread_owner(&released, "x", &text).is_ok());
    }
}
