//! [`AuthRepos`]: the repository methods for operators, their sessions, failed logins and the
//! audit trail. Every [`Repos`](super::Repos) has them.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::auth::session::LoginFailures;
use crate::auth::{AuditEntry, Operator, PasswordHash};

/// A session as stored: the keyed hash of its id, never the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// HMAC-SHA256 of the session id under the server's secret, in hex.
    pub id_hash: String,
    /// Whose.
    pub operator_id: String,
    /// When it was made (the absolute expiry counts from here).
    pub created_at: DateTime<Utc>,
    /// Its last recorded use (the idle expiry counts from here).
    pub last_seen_at: DateTime<Utc>,
    /// The client's address at login.
    pub address: Option<String>,
    /// The client's `User-Agent` at login.
    pub user_agent: Option<String>,
}

/// The repository methods for operators, sessions, failed logins and the audit trail.
pub trait AuthRepos {
    /// Whether any operator exists (active or not): the server then requires a login.
    fn operators_exist(&mut self) -> Result<bool, StoreError>;
    /// Adds an operator; `Ok(false)`, and nothing written, when its e-mail address is taken.
    fn insert_operator(&mut self, op: &Operator, hash: &PasswordHash) -> Result<bool, StoreError>;
    /// The operator with this id.
    fn get_operator(&mut self, id: &str) -> Result<Option<Operator>, StoreError>;
    /// The operator with this (lower-case) e-mail address, with its password hash.
    fn operator_by_email(
        &mut self,
        email: &str,
    ) -> Result<Option<(Operator, PasswordHash)>, StoreError>;
    /// Every operator, by e-mail address.
    fn list_operators(&mut self) -> Result<Vec<Operator>, StoreError>;
    /// Writes `op`'s name, role, active flag and `updated_at`; `Ok(false)` when it does not exist.
    fn update_operator(&mut self, op: &Operator) -> Result<bool, StoreError>;
    /// Replaces an operator's password hash; `Ok(false)` when it does not exist.
    fn set_password_hash(
        &mut self,
        id: &str,
        hash: &PasswordHash,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// The failed logins recorded for an e-mail address.
    fn login_failures(&mut self, email: &str) -> Result<Option<LoginFailures>, StoreError>;
    /// Records the failed logins for an e-mail address (replacing what was there).
    fn put_login_failures(&mut self, email: &str, f: &LoginFailures) -> Result<(), StoreError>;
    /// Forgets the failed logins for an e-mail address (after a successful login).
    fn clear_login_failures(&mut self, email: &str) -> Result<(), StoreError>;
    /// Stores a new session.
    fn insert_operator_session(&mut self, s: &StoredSession) -> Result<(), StoreError>;
    /// The session with this id hash and its operator.
    fn operator_session(
        &mut self,
        id_hash: &str,
    ) -> Result<Option<(StoredSession, Operator)>, StoreError>;
    /// Records a use of a session.
    fn touch_operator_session(
        &mut self,
        id_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Ends one session; `Ok(false)` when there was none.
    fn delete_operator_session(&mut self, id_hash: &str) -> Result<bool, StoreError>;
    /// Ends every session of an operator but `keep` (an id hash), if given; how many ended.
    fn delete_operator_sessions(
        &mut self,
        operator_id: &str,
        keep: Option<&str>,
    ) -> Result<usize, StoreError>;
    /// Removes sessions last used before `idle_before` or made before `made_before` (ended
    /// ones nobody presented again), and failed-login records last written before
    /// `failures_before` whose lock, if any, is over; how many rows went.
    fn purge_auth(
        &mut self,
        idle_before: DateTime<Utc>,
        made_before: DateTime<Utc>,
        failures_before: DateTime<Utc>,
    ) -> Result<usize, StoreError>;
    /// Appends to the audit trail.
    fn insert_audit(&mut self, e: &AuditEntry) -> Result<(), StoreError>;
    /// The audit trail, newest first: at most `limit` entries older than the entry `before`.
    fn list_audit(
        &mut self,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError>;
}
