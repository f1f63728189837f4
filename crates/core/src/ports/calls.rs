//! [`CallRepos`]: the repository methods of the call log and the customers' call permission
//! (issue 17). Every [`Repos`](super::Repos) has them.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::calls::{CallLog, CallPermission};

/// The repository methods of calls.
pub trait CallRepos {
    /// The call with Meta's id `call_id`.
    fn get_call(&mut self, call_id: &str) -> Result<Option<CallLog>, StoreError>;
    /// Writes a call (inserted, or replacing the stored one with this id), and announces its
    /// contact's change.
    fn put_call(&mut self, call: &CallLog, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// The contact's calls, newest first (by start), at most `limit`.
    fn calls_of(&mut self, contact_id: &str, limit: i64) -> Result<Vec<CallLog>, StoreError>;
    /// Records the customer's call permission on the contact, unless a newer one is stored.
    fn set_call_permission(
        &mut self,
        contact_id: &str,
        p: &CallPermission,
    ) -> Result<(), StoreError>;
}
