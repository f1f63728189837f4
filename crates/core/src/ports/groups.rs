//! [`GroupRepos`]: the repository methods of groups (Meta's Groups API). Every
//! [`Repos`](super::Repos) has them.

use super::error::StoreError;
use crate::group::Group;
use crate::message::Message;

/// The repository methods of groups: each group's folded state and its participants.
pub trait GroupRepos {
    /// The group of `phone_number_id` with Meta's `group_id`, else the one created by
    /// `request_id` (a creation whose webhook has not named the group yet), with its
    /// participants.
    fn find_group(
        &mut self,
        phone_number_id: &str,
        group_id: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<Option<Group>, StoreError>;
    /// The group whose wacloud id or Meta group id is `id`, with its participants.
    fn get_group(&mut self, id: &str) -> Result<Option<Group>, StoreError>;
    /// Writes the group and its participants (inserted or replaced as a whole).
    fn put_group(&mut self, group: &Group) -> Result<(), StoreError>;
    /// The groups (of `phone_number_id` when given), the most recently changed first, at most
    /// `limit`, each with its participants.
    fn list_groups(
        &mut self,
        phone_number_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Group>, StoreError>;
    /// A page of a group's messages (Meta's `group_id` on the message rows), newest first, and
    /// whether older ones remain.
    fn group_messages(
        &mut self,
        group_id: &str,
        limit: i64,
        before: Option<(chrono::DateTime<chrono::Utc>, String)>,
    ) -> Result<(Vec<Message>, bool), StoreError>;
}
