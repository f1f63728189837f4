//! [`PacingRepos`]: the repository methods of sharing a number's throughput among instances
//! ([`crate::pacing`]). Every [`Repos`](super::Repos) has them.

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::pacing::PacingShare;

/// The records of `whatsapp_pacing_shares`: per number and instance, whether it is sending, its
/// share and until when its record lives.
pub trait PacingRepos {
    /// The records for `phone_number_id` that live after `now`, other than `instance_id`'s,
    /// in id order. In a write job they stay locked until the job's transaction ends (on
    /// PostgreSQL), so that two instances renewing at once see each other's new share. Records
    /// of the number that expired are deleted.
    fn live_pacing_shares(
        &mut self,
        phone_number_id: &str,
        instance_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<PacingShare>, StoreError>;
    /// Writes (inserts or replaces) one instance's record for `phone_number_id`, living until
    /// `live_until`.
    fn put_pacing_share(
        &mut self,
        phone_number_id: &str,
        record: &PacingShare,
        live_until: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Deletes one instance's record for `phone_number_id` (it stops: its share is free at
    /// once).
    fn drop_pacing_share(
        &mut self,
        phone_number_id: &str,
        instance_id: &str,
    ) -> Result<(), StoreError>;
}
