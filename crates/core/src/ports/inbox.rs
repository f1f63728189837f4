//! [`InboxRepos`]: the repository methods of the team inbox (conversations' status and
//! assignee, their timeline, canned replies). Every [`Repos`](super::Repos) has them.

use super::error::StoreError;
use crate::canned::CannedReply;
use crate::conversation::{Conversation, Mention, TimelineEntry, TimelineKind};

/// The repository methods of the team inbox.
pub trait InboxRepos {
    /// The stored conversations of these contacts (with their assignee's name); a contact
    /// without one is open and unassigned. As stored: a snooze is not read as over.
    fn conversations_of(&mut self, contact_ids: &[String])
        -> Result<Vec<Conversation>, StoreError>;
    /// Those of [`InboxRepos::conversations_of`] that are not `open` (what a customer's message
    /// may reopen): one read of the primary key, usually finding nothing.
    fn conversations_not_open(
        &mut self,
        contact_ids: &[String],
    ) -> Result<Vec<Conversation>, StoreError>;
    /// Writes a conversation's status and assignee (a row is made when none is stored), and
    /// announces the change (the contact and its conversation).
    fn put_conversation(&mut self, c: &Conversation) -> Result<(), StoreError>;
    /// Appends to a conversation's timeline, with the operators a note mentions, and announces
    /// it.
    fn insert_timeline_entry(&mut self, e: &TimelineEntry) -> Result<(), StoreError>;
    /// A conversation's timeline, newest first: at most `limit` entries (of `kind` only, if
    /// given) older than the entry `before`.
    fn list_timeline(
        &mut self,
        contact_id: &str,
        kind: Option<TimelineKind>,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>, StoreError>;
    /// The notes that mention an operator, newest first (at most `limit`).
    fn notes_mentioning(
        &mut self,
        operator_id: &str,
        limit: i64,
    ) -> Result<Vec<TimelineEntry>, StoreError>;
    /// Every canned reply, by `short_code`.
    fn list_canned_replies(&mut self) -> Result<Vec<CannedReply>, StoreError>;
    /// The canned reply with this id.
    fn get_canned_reply(&mut self, id: &str) -> Result<Option<CannedReply>, StoreError>;
    /// Adds a canned reply, or writes its `short_code` and `content` when its id exists;
    /// `Ok(false)`, and nothing written, when another reply has its `short_code`.
    fn put_canned_reply(&mut self, c: &CannedReply) -> Result<bool, StoreError>;
    /// Removes a canned reply; `Ok(false)` when there was none.
    fn delete_canned_reply(&mut self, id: &str) -> Result<bool, StoreError>;
}

/// The mentions of a stored note, as kept in its details.
#[must_use]
pub fn mentions_of(details: Option<&serde_json::Value>) -> Vec<Mention> {
    details
        .and_then(|d| d.get("mentions"))
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or_default()
}
