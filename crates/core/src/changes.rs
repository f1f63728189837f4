//! Live updates: what committed writes changed, so that widgets connected to any server
//! instance can refresh what they show.
//!
//! The store records a [`ChangeSet`] for every committed transaction and hands it to every
//! subscriber of its [`ChangeFeed`]: in-process on SQLite (one server per database), and through
//! PostgreSQL `LISTEN/NOTIFY` across every instance on one PostgreSQL database.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// Ids of what changed, deduplicated. Over-reporting is harmless (a subscriber re-reads), so
/// writers may report a row that ended up unchanged; under-reporting is not, so a subscriber
/// that may have missed changes gets `resync`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeSet {
    /// Messages created or whose content changed (text, reaction, edit, deletion), wacloud ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
    /// Messages whose delivery status changed (sent, delivered, read, failed), wacloud ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<String>,
    /// Contacts created or changed (last message, unread count, name, tags, ...), wacloud ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// Contacts whose conversation changed: status, assignee, or a new timeline entry (a
    /// private note, a status change, an assignment), wacloud contact ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conversations: Vec<String>,
    /// Changes may have been missed (a subscriber fell behind, or the feed lost its database
    /// connection for a while): re-read everything shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resync: bool,
}

/// A position in a [`ChangeSet`], to undo what a rolled-back savepoint recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeMark(usize, usize, usize, usize);

impl ChangeSet {
    /// A change set that only says "re-read everything".
    #[must_use]
    pub fn resync() -> Self {
        Self {
            resync: true,
            ..Self::default()
        }
    }

    /// Nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        !self.has_ids() && !self.resync
    }

    /// Whether any id is held.
    #[must_use]
    pub fn has_ids(&self) -> bool {
        !(self.messages.is_empty()
            && self.statuses.is_empty()
            && self.contacts.is_empty()
            && self.conversations.is_empty())
    }

    /// Number of ids held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.messages.len() + self.statuses.len() + self.contacts.len() + self.conversations.len()
    }

    /// The current position.
    #[must_use]
    pub fn mark(&self) -> ChangeMark {
        ChangeMark(
            self.messages.len(),
            self.statuses.len(),
            self.contacts.len(),
            self.conversations.len(),
        )
    }

    /// Forgets what was recorded after `mark`.
    pub fn rollback_to(&mut self, mark: ChangeMark) {
        self.messages.truncate(mark.0);
        self.statuses.truncate(mark.1);
        self.contacts.truncate(mark.2);
        self.conversations.truncate(mark.3);
    }

    /// Adds everything of `other`.
    pub fn extend(&mut self, other: Self) {
        self.messages.extend(other.messages);
        self.statuses.extend(other.statuses);
        self.contacts.extend(other.contacts);
        self.conversations.extend(other.conversations);
        self.resync |= other.resync;
    }

    /// Sorts and removes repeated ids.
    pub fn dedup(&mut self) {
        for v in [
            &mut self.messages,
            &mut self.statuses,
            &mut self.contacts,
            &mut self.conversations,
        ] {
            v.sort_unstable();
            v.dedup();
        }
    }

    /// Splits into sets of at most `max_ids` ids each (PostgreSQL's `NOTIFY` payload is limited
    /// to 8000 bytes). A set with no ids but `resync` stays one set.
    #[must_use]
    pub fn chunks(self, max_ids: usize) -> Vec<Self> {
        let max_ids = max_ids.max(1);
        if self.len() <= max_ids {
            return vec![self];
        }
        let mut out = Vec::new();
        let mut cur = Self {
            resync: self.resync,
            ..Self::default()
        };
        let tagged = self
            .messages
            .into_iter()
            .map(|id| (0, id))
            .chain(self.statuses.into_iter().map(|id| (1, id)))
            .chain(self.contacts.into_iter().map(|id| (2, id)))
            .chain(self.conversations.into_iter().map(|id| (3, id)));
        for (kind, id) in tagged {
            match kind {
                0 => cur.messages.push(id),
                1 => cur.statuses.push(id),
                2 => cur.contacts.push(id),
                _ => cur.conversations.push(id),
            }
            if cur.len() == max_ids {
                out.push(std::mem::take(&mut cur));
            }
        }
        if cur.has_ids() {
            out.push(cur);
        }
        out
    }
}

/// Where live updates come from: the store, which knows what each commit changed.
pub trait ChangeFeed: Send + Sync + 'static {
    /// A receiver of every change committed from now on. A receiver that falls behind gets
    /// `RecvError::Lagged` and should treat it as a [`ChangeSet::resync`].
    fn subscribe(&self) -> broadcast::Receiver<Arc<ChangeSet>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(p: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{p}{i}")).collect()
    }

    #[test]
    fn rollback_forgets_what_came_after_the_mark() {
        let mut c = ChangeSet::default();
        c.messages.push("m1".into());
        let mark = c.mark();
        c.messages.push("m2".into());
        c.contacts.push("c1".into());
        c.rollback_to(mark);
        assert_eq!(c.messages, ["m1"]);
        assert!(c.contacts.is_empty());
    }

    #[test]
    fn chunks_keep_every_id_once_and_respect_the_limit() {
        let c = ChangeSet {
            messages: ids("m", 5),
            statuses: ids("s", 4),
            contacts: ids("c", 3),
            conversations: ids("v", 2),
            resync: false,
        };
        let parts = c.clone().chunks(5);
        assert_eq!(parts.len(), 3);
        let parts = c.clone().chunks(4);
        assert_eq!(parts.len(), 4);
        assert!(parts.iter().all(|p| p.len() <= 5));
        let mut all = ChangeSet::default();
        for p in parts {
            all.extend(p);
        }
        assert_eq!(all, c);
        assert_eq!(ChangeSet::resync().chunks(5), vec![ChangeSet::resync()]);
    }

    #[test]
    fn wire_form_leaves_out_empty_parts() {
        let mut c = ChangeSet::default();
        c.statuses.push("s1".into());
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"statuses":["s1"]}"#);
        let back: ChangeSet = serde_json::from_str(r#"{"resync":true}"#).unwrap();
        assert_eq!(back, ChangeSet::resync());
    }
}
