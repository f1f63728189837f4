//! [`PrivacyRepos`]: the repository methods of erasure, subject access and retention. Every
//! [`Repos`](super::Repos) has them.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::contact::Contact;
use crate::privacy::{Erasure, Needles, SubjectData};

/// A customer as stored, for erasure and subject access: the contact and its aliases.
#[derive(Debug, Clone)]
pub struct ContactGroup {
    /// The contact every alias is merged into.
    pub root: Contact,
    /// The ids of the root and of every contact merged into it.
    pub ids: Vec<String>,
    /// Every stored identity of the group: phone numbers, `wa_id`s, BSUIDs, usernames.
    pub identifiers: Vec<String>,
    /// Every stored name of the group (display, profile, business).
    pub names: Vec<String>,
}

/// What one batch of [`PrivacyRepos::prune_message_texts`] did: messages cleared, the newest
/// one's time, and Meta's media ids of their files.
pub type TextsPruned = (usize, Option<DateTime<Utc>>, Vec<String>);

/// The repository methods of erasure, subject access and retention.
pub trait PrivacyRepos {
    /// The group of the contact with this id: followed to the contact it is merged into, with
    /// every contact merged into that one. `None` for no such contact.
    fn contact_group(&mut self, id: &str) -> Result<Option<ContactGroup>, StoreError>;
    /// The texts of the group's messages (what is scrubbed from raw deliveries with it).
    fn message_texts(&mut self, group: &ContactGroup) -> Result<Vec<String>, StoreError>;
    /// Removes the group's messages, media rows, timeline, conversation, queue items,
    /// idempotent answers naming them and the contacts; rewrites the stored deliveries and
    /// audit entries that [`Needles`] find. What leaves a counted table is added back to the
    /// counts and recorded in `whatsapp_removed_counts`, so `/stats` does not change.
    fn erase_group(
        &mut self,
        group: &ContactGroup,
        needles: &Needles,
    ) -> Result<Erasure, StoreError>;
    /// Everything held about the group (`generated_at` as given).
    fn subject_data(
        &mut self,
        group: &ContactGroup,
        needles: &Needles,
        now: DateTime<Utc>,
    ) -> Result<SubjectData, StoreError>;
    /// Removes at most `limit` raw deliveries that were applied (`processed`, `foreign`) before
    /// `before`, oldest first; never a `received` or `failed` one. They stay counted.
    /// Returns how many.
    fn prune_webhooks(&mut self, before: DateTime<Utc>, limit: i64) -> Result<usize, StoreError>;
    /// Clears the text, payload, raw JSON and media JSON of at most `limit` messages created
    /// before `before` and after `after` (the previous batch's newest, exclusive), oldest first
    /// (their search index entries go with them; the rows and statuses stay), and the
    /// `last_message_preview` of contacts whose last message is older than `before`; the
    /// `whatsapp_media` rows of those messages go too. Returns how many messages, the newest
    /// one's time (to start the next batch from) and Meta's media ids of their files (for the
    /// caller to remove from its media cache).
    fn prune_message_texts(
        &mut self,
        before: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<TextsPruned, StoreError>;
}
