//! [`RoutingRepos`]: the repository methods of Conversation Routing (who owns each
//! conversation's thread). Every [`Repos`](super::Repos) has them.

use super::error::StoreError;
use crate::routing::ThreadState;

/// The repository methods of Conversation Routing.
pub trait RoutingRepos {
    /// The threads of these contacts that were ever routed (stored owner), by contact id; a
    /// contact missing from the answer is wacloud's ([`ThreadState::ours`]).
    fn thread_states(
        &mut self,
        contact_ids: &[String],
    ) -> Result<Vec<(String, ThreadState)>, StoreError>;
    /// Writes a conversation's thread owner (a conversation row, open and unassigned, is made
    /// when none is stored; its status and assignee are left as they are), and announces the
    /// change (the contact and its conversation).
    fn put_thread_state(&mut self, contact_id: &str, t: &ThreadState) -> Result<(), StoreError>;
}
