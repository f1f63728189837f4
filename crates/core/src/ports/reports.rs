//! [`ReportRepos`]: the repository reads of the reports (`GET /reports/{name}`). Every
//! [`Repos`](super::Repos) has them. Each reads one page, in time order, so a report over a
//! year holds one page at a time.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::reports::{CampaignItem, ReportMessage, StatusEntry};

/// Where a page of a report's read ends: the last row's time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCursor {
    /// Its time.
    pub at: DateTime<Utc>,
    /// Its id.
    pub id: String,
}

/// The repository reads of the reports.
pub trait ReportRepos {
    /// The one-to-one messages (not a group's) written in `[from, to)`, by `created_at` then
    /// id, at most `limit`, after `after`; only those of `number` (the message's
    /// `phone_number_id`, else its contact's) when given.
    fn report_messages(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        number: Option<&str>,
        after: Option<&ReportCursor>,
        limit: usize,
    ) -> Result<Vec<(ReportCursor, ReportMessage)>, StoreError>;
    /// The `status_changed` timeline entries of `[from, to)`, by time then id, at most
    /// `limit`, after `after`.
    fn report_status_changes(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<&ReportCursor>,
        limit: usize,
    ) -> Result<Vec<(ReportCursor, StatusEntry)>, StoreError>;
    /// Which of `contact_ids` had a conversation open at `at`: its last status change before
    /// `at` was to something other than `resolved`, or, with none, it has a message before
    /// `at`.
    fn open_at(
        &mut self,
        contact_ids: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError>;
    /// The queue items of bulk sends (with a batch) queued in `[from, to)`, by `created_at`
    /// then id, at most `limit`, after `after`, each with its message's status; only those of
    /// `number` when given.
    fn report_campaign_items(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        number: Option<&str>,
        after: Option<&ReportCursor>,
        limit: usize,
    ) -> Result<Vec<(ReportCursor, CampaignItem)>, StoreError>;
}
