//! [`CoexistenceRepos`]: the repository methods of coexistence with the WhatsApp Business app
//! (the app's chat history and address book, issue 16). Every [`Repos`](super::Repos) has them.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use super::rows::NewMessage;
use crate::events::HistoryProgress;
use crate::message::Direction;
use crate::numbers::HistorySync;

/// The repository methods of coexistence.
pub trait CoexistenceRepos {
    /// Inserts message rows of the app's history, set-based (prepared statements on SQLite,
    /// multi-row statements on PostgreSQL); a `wamid` already stored is skipped. Answers how
    /// many went in.
    fn insert_history_rows(&mut self, rows: &[NewMessage]) -> Result<usize, StoreError>;
    /// Shows a message of the history as the contact's newest (time, preview, direction) when
    /// it is newer than what the contact shows. Never the unread count nor `last_inbound_at`
    /// (the customer service window): history is the past.
    fn show_history_message(
        &mut self,
        contact_id: &str,
        at: DateTime<Utc>,
        preview: &str,
        direction: Direction,
    ) -> Result<(), StoreError>;
    /// Records a chunk of the number's history synchronisation (its progress, or `error`, the
    /// business's refusal as `code title`) on the number's row, made if missing.
    fn record_history_chunk(
        &mut self,
        phone_number_id: &str,
        progress: &HistoryProgress,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Every number's history synchronisation that ever received a chunk, by
    /// `phone_number_id`.
    fn history_syncs(&mut self) -> Result<Vec<(String, HistorySync)>, StoreError>;
    /// Sets (or with `None` clears) the name the business saved for the contact in the app,
    /// unless a change newer than `at` is stored. `Ok(false)` when nothing changed.
    fn set_saved_name(
        &mut self,
        contact_id: &str,
        name: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}
