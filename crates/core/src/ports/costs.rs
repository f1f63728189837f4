//! [`CostRepos`]: the repository methods of the cost ledger (issue 17). Every
//! [`Repos`](super::Repos) has them.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::costs::{BatchBudget, LedgerCursor, LedgerPage};

/// The repository methods of the cost ledger.
pub trait CostRepos {
    /// A page of the outbound messages Meta reported pricing for, billed in `[from, to)`
    /// (billed: first delivered, else sent, else written), one entry per message; only those
    /// of `batch_id` when given. Pages follow the order the messages were written in, at most
    /// `limit` messages read each, from after `after` (`None`: the first page); a page may
    /// hold fewer entries than it read (those billed outside the range), and its `next` is
    /// `None` on the last.
    fn cost_ledger(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        batch_id: Option<&str>,
        after: Option<&LedgerCursor>,
        limit: usize,
    ) -> Result<LedgerPage, StoreError>;
    /// Stores a batch's budget (replacing one stored: amount, currency, committed, pause).
    fn put_batch_budget(&mut self, b: &BatchBudget, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// A batch's budget, `None` when it has none. With `lock` (in a write job), no other
    /// transaction can change it until this one ends (PostgreSQL: `FOR UPDATE`; SQLite has one
    /// writer), so several instances count their items against it one at a time.
    fn batch_budget(
        &mut self,
        batch_id: &str,
        lock: bool,
    ) -> Result<Option<BatchBudget>, StoreError>;
}
