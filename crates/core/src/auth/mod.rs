//! Operators, their roles and sessions, and the audit trail (issue 19): the rules only.
//!
//! [`password`] says whether a password may be used, [`session`] when a session or a lock
//! ends; this module holds the types: an [`Operator`], its [`Role`] and what each role may do
//! ([`Capability`]), who did something ([`Actor`]), an [`AuditEntry`]. Hashing, cookies and
//! HTTP are the binary's; SQL is the store's (`AuthRepos`).

pub mod password;
pub mod session;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest e-mail address taken (RFC 5321's path limit), in bytes.
pub const MAX_EMAIL_BYTES: usize = 254;
/// Longest display name taken, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything an agent may, and manage operators, bulk sends, templates, the sandbox,
    /// settings, metrics and the audit trail.
    Admin,
    /// Reads and answers conversations.
    Agent,
}

impl Role {
    /// `admin` or `agent`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Agent => "agent",
        }
    }

    /// `admin` or `agent` (exactly), else `None`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "agent" => Some(Self::Agent),
            _ => None,
        }
    }

    /// Whether this role may do `cap`.
    #[must_use]
    pub fn may(self, cap: Capability) -> bool {
        match self {
            Self::Admin => true,
            Self::Agent => matches!(
                cap,
                Capability::ReadConversations | Capability::AnswerConversations | Capability::Own
            ),
        }
    }
}

/// Something a request does, as far as roles are concerned. The binary names one for each
/// route; [`Role::may`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Its own session: who am I, log out.
    Own,
    /// Contacts, messages, statistics, templates, the event stream.
    ReadConversations,
    /// Send one message, retry one, mark read, update a contact.
    AnswerConversations,
    /// List, create and change operators, reset passwords.
    ManageOperators,
    /// Read the audit trail.
    ReadAudit,
    /// Bulk sends, batches and queue items.
    BulkSend,
    /// Download every contact or message at once (`/export/…`).
    Export,
    /// Create and change contacts in bulk (`POST /contacts/import`).
    ImportContacts,
    /// Change templates.
    ManageTemplates,
    /// The sandbox's controls (simulated customers, faults).
    SandboxControl,
    /// Settings and the server's metrics.
    Settings,
    /// Create, change and delete canned replies (every operator reads them).
    ManageCannedReplies,
    /// Create, change and delete automation rules (every operator reads them); a number's
    /// automatic replies are [`Capability::Settings`].
    ManageAutomations,
    /// Erase a customer, or read everything held about one (`DELETE /contacts/{id}?erase=true`,
    /// `GET /contacts/{id}/data`).
    PersonalData,
    /// Read the reports (`/reports/…`: figures per operator).
    ReadReports,
}

impl Capability {
    /// Whether only admins may do it (what the audit trail records for every write).
    #[must_use]
    pub fn admin_only(self) -> bool {
        !Role::Agent.may(self)
    }
}

/// An operator's account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Operator {
    /// wacloud's id (a UUIDv7).
    pub id: String,
    /// The e-mail address it logs in with, lower case.
    pub email: String,
    /// The name shown beside what it does.
    pub display_name: String,
    /// `admin` or `agent`.
    pub role: Role,
    /// A disabled operator cannot log in and its sessions end at once.
    pub is_active: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed (name, role, active, password).
    pub updated_at: DateTime<Utc>,
}

/// An Argon2id PHC string. Its `Debug` shows nothing of it, so it cannot reach a log line
/// through a struct that holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// Who did something: recorded with every write (outbound messages' `actor`, the audit trail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A logged-in operator.
    Operator {
        /// Its id.
        id: String,
        /// Its display name at the time.
        name: String,
        /// Its role at the time.
        role: Role,
    },
    /// A program with `WACLOUD_API_KEY`.
    ApiKey,
    /// A caller on a server with neither operators nor an API key (today's open mode).
    Local,
    /// The outbound queue (bulk and scheduled sends).
    Queue,
    /// The command line (`wacloud operators …`).
    Cli,
    /// Someone not logged in: a failed login's entry in the audit trail. May do nothing.
    Anonymous,
    /// The customer: a new message of theirs reopened a conversation. May do nothing.
    Customer,
    /// An automation rule acting on a customer's message (`rule:<id>`). May do nothing
    /// through the API.
    Rule {
        /// The rule's id.
        id: String,
    },
    /// A number's automatic reply: `automation:welcome` or `automation:away`. May do nothing
    /// through the API.
    Automation(crate::automation::AutoKind),
}

impl Actor {
    /// As stored: `operator:<id>`, `api_key`, `local`, `queue`, `cli`, `anonymous`,
    /// `customer`, `rule:<id>`, `automation:welcome` or `automation:away` (what reports count
    /// as automatic: a tag starting with `rule:` or `automation:`, [`Actor::is_automatic_tag`]).
    #[must_use]
    pub fn tag(&self) -> String {
        match self {
            Self::Operator { id, .. } => format!("operator:{id}"),
            Self::ApiKey => "api_key".to_owned(),
            Self::Local => "local".to_owned(),
            Self::Queue => "queue".to_owned(),
            Self::Cli => "cli".to_owned(),
            Self::Anonymous => "anonymous".to_owned(),
            Self::Customer => "customer".to_owned(),
            Self::Rule { id } => format!("rule:{id}"),
            Self::Automation(kind) => kind.actor_tag().to_owned(),
        }
    }

    /// Whether a stored actor tag is an automation's (a rule or an automatic reply).
    #[must_use]
    pub fn is_automatic_tag(tag: &str) -> bool {
        tag.starts_with("rule:") || tag.starts_with("automation:")
    }

    /// The operator's display name, for an operator.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Operator { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Whether it may do `cap`: an operator as its role says; the API key, the open mode, the
    /// queue and the command line everything; [`Actor::Anonymous`] nothing.
    #[must_use]
    pub fn may(&self, cap: Capability) -> bool {
        match self {
            Self::Operator { role, .. } => role.may(cap),
            Self::Anonymous | Self::Customer | Self::Rule { .. } | Self::Automation(_) => false,
            Self::ApiKey | Self::Local | Self::Queue | Self::Cli => true,
        }
    }
}

/// One event of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Its id (a UUIDv7: newer ids sort after older ones).
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who: `operator:<id>`, `api_key`, `local`, `cli`, or `anonymous` (a failed login).
    pub actor: String,
    /// The operator's display name, when an operator.
    pub actor_name: Option<String>,
    /// What: `login`, `login_failed`, `logout`, `logout_all`, `operator_created`,
    /// `operator_changed`, `operator_disabled`, `password_reset`, `admin_request` (an admin-only
    /// write such as a bulk send, with its method and path as `target`) or `request` (another
    /// write: a contact changed, a conversation marked read).
    pub action: String,
    /// What it was done to (an operator id, an e-mail address, a request's method and path).
    pub target: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
    /// More, as JSON (which fields changed, why a login failed).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<serde_json::Value>,
}

/// `email` trimmed and lower-cased, if it looks like an address: one `@` with something on
/// each side, at most [`MAX_EMAIL_BYTES`], no whitespace or control characters.
///
/// # Errors
/// A message saying what is wrong.
pub fn normalize_email(email: &str) -> Result<String, String> {
    let e = email.trim().to_lowercase();
    if e.len() > MAX_EMAIL_BYTES {
        return Err(format!("email: at most {MAX_EMAIL_BYTES} bytes"));
    }
    let ok = matches!(e.split_once('@'), Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@'))
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(e)
    } else {
        Err("email: an address like name@example.com".to_owned())
    }
}

/// `name` trimmed, 1 to [`MAX_NAME_CHARS`] characters, no control characters.
///
/// # Errors
/// A message saying what is wrong.
pub fn normalize_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    let len = n.chars().count();
    if len == 0 || len > MAX_NAME_CHARS || n.chars().any(char::is_control) {
        return Err(format!(
            "display_name: 1 to {MAX_NAME_CHARS} characters, no control characters"
        ));
    }
    Ok(n.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_answer_conversations_and_nothing_more() {
        assert!(Role::Agent.may(Capability::ReadConversations));
        assert!(Role::Agent.may(Capability::AnswerConversations));
        for cap in [
            Capability::ManageOperators,
            Capability::ReadAudit,
            Capability::BulkSend,
            Capability::ManageTemplates,
            Capability::SandboxControl,
            Capability::Settings,
            Capability::ManageCannedReplies,
            Capability::ManageAutomations,
            Capability::PersonalData,
            Capability::ReadReports,
        ] {
            assert!(!Role::Agent.may(cap), "{cap:?}");
            assert!(Role::Admin.may(cap), "{cap:?}");
            assert!(cap.admin_only());
        }
    }

    #[test]
    fn emails_compare_case_insensitively() {
        assert_eq!(
            normalize_email(" Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        assert!(normalize_email("ann").is_err());
        assert!(normalize_email("@example.com").is_err());
        assert!(normalize_email("a b@example.com").is_err());
    }

    #[test]
    fn a_password_hash_never_shows_in_debug() {
        let h = PasswordHash("$argon2id$v=19$secret".to_owned());
        assert!(!format!("{h:?}").contains("argon2"));
    }
}
