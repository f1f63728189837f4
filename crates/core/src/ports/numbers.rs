//! [`NumberRepos`]: the business numbers configured through the API (`whatsapp_numbers` rows
//! with `configured`). Every [`Repos`](super::Repos) has them.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::numbers::{NumberSettings, StoredNumber};

/// The repository methods of several numbers.
pub trait NumberRepos {
    /// The configured numbers, oldest first, with their account state.
    fn configured_numbers(&mut self) -> Result<Vec<StoredNumber>, StoreError>;
    /// Stores number `phone_number_id` as configured with `settings` (the fields given; a
    /// `None` leaves a stored value as it is). `create`: a new number (`Ok(false)` when it is
    /// configured already); otherwise a change (`Ok(false)` when it is not configured).
    fn put_number(
        &mut self,
        phone_number_id: &str,
        settings: &NumberSettings,
        create: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Unread inbound messages per business number, `(phone_number_id, unread)`, for the
    /// numbers that have any.
    fn unread_by_number(&mut self) -> Result<Vec<(String, i64)>, StoreError>;
    /// Gives the contacts stored without a number (from before several numbers) to
    /// `phone_number_id`, unless it has a contact for the same customer already. Returns how
    /// many moved.
    fn adopt_contacts(&mut self, phone_number_id: &str) -> Result<usize, StoreError>;
    /// The counts of `GET /stats` for one business number: its contacts, their messages, the
    /// queue items sent from it (`default`: also those queued without a number) and the
    /// webhook deliveries for it. Counted from the rows in one snapshot, so the cost grows with
    /// the number's history (the totals of [`Repos::stats`](super::Repos::stats) are kept
    /// instead); `webhooks.pruned` is 0 (pruned deliveries are counted without their number).
    fn number_stats(
        &mut self,
        phone_number_id: &str,
        default: bool,
    ) -> Result<crate::stats::Stats, StoreError>;
}
