//! [`OutboxRepos`]: the repository methods of the outbox and its subscriptions (issue 21).
//! Every [`Repos`](super::Repos) has them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::outbox::{
    AttemptOutcome, EventType, Interest, OutboxAttempt, OutboxItem, OutboxState, OutboxWrite,
    StatusSubject, Subscription,
};

/// What a redelivery request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeliver {
    /// No such row for this consumer.
    NotFound,
    /// Put back to `pending`.
    Queued,
    /// The row is not `dead`, or was redelivered once already.
    NotDead,
}

/// How long a claim holds its rows: rule runs and webhook deliveries take very different times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimLeases {
    /// Until when `rules` rows are held: a rule run is one write job, so a short lease lets
    /// another worker take over soon after a crash (the run stays exactly once: it commits only
    /// through `finish_outbox_item` on its lease).
    pub rules: DateTime<Utc>,
    /// Until when subscription rows are held: longer than any delivery can take.
    pub deliveries: DateTime<Utc>,
}

impl ClaimLeases {
    /// Both kinds of row held until `until`.
    #[must_use]
    pub const fn same(until: DateTime<Utc>) -> Self {
        Self {
            rules: until,
            deliveries: until,
        }
    }
}

/// How many rows one claim may give each consumer, on top of its `limit`: the worker's
/// per-consumer caps less what each consumer has in flight, so that a receiver that hangs holds
/// only its own share of the slots. [`ClaimRoom::default`] bounds nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimRoom {
    /// Rows of all subscriptions together (`None`: no bound); `rules` rows never count here.
    pub subscriptions: Option<i64>,
    /// Rows of each subscription not in `consumers` (`None`: no bound).
    pub each_subscription: Option<i64>,
    /// Rows of the consumers named (`rules`, `subscription:<id>`), overriding
    /// `each_subscription`: a subscription with deliveries in flight has less room.
    pub consumers: HashMap<String, i64>,
}

impl ClaimRoom {
    /// The room of `consumer` (`i64::MAX`: no bound).
    #[must_use]
    pub fn of(&self, consumer: &str) -> i64 {
        if let Some(n) = self.consumers.get(consumer) {
            return (*n).max(0);
        }
        if consumer == crate::outbox::RULES {
            i64::MAX
        } else {
            self.each_subscription.map_or(i64::MAX, |n| n.max(0))
        }
    }
}

/// The repository methods of the outbox: rows written in the change's transaction, claimed
/// under a lease, finished only while the lease is held.
pub trait OutboxRepos {
    /// Writes events and their rows (set-based; nothing when `w` is empty).
    fn enqueue_outbox(&mut self, w: &OutboxWrite) -> Result<(), StoreError>;
    /// Claims up to `limit` rows for `owner` (each held until its kind's time in `leases`):
    /// rows whose lease lapsed, then `pending` rows due at `now`, each only when no earlier row
    /// of its consumer and ordering key is `pending` or `leased` (dead rows do not block),
    /// shared round robin between the consumers that have due rows so that none waits behind
    /// another's backlog, the consumer whose next row has been due longest first. No consumer
    /// gets more rows than `room` gives it (lapsed rows included), nor all subscriptions
    /// together more than `room.subscriptions`. With their event bodies.
    fn claim_outbox(
        &mut self,
        owner: &str,
        now: DateTime<Utc>,
        leases: ClaimLeases,
        limit: i64,
        room: &ClaimRoom,
    ) -> Result<Vec<OutboxItem>, StoreError>;
    /// Marks row `id` `done`, only while `owner` holds its lease: `false` (nothing written)
    /// otherwise. Rule actions call it in the job that does their effects.
    fn finish_outbox_item(
        &mut self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Records each attempt of `attempts` (of row `attempt.outbox_id`) and applies its outcome,
    /// each only while `owner` holds that row's lease (nothing written for a row whose lease
    /// it lost), in one job (the worker gathers the deliveries that finished meanwhile). How
    /// many were recorded.
    fn record_outbox_attempts(
        &mut self,
        owner: &str,
        attempts: &[(OutboxAttempt, AttemptOutcome)],
    ) -> Result<usize, StoreError>;
    /// The active subscriptions' ids and event types, ordered by id.
    fn subscription_interest(&mut self) -> Result<Vec<(String, Vec<EventType>)>, StoreError>;
    /// Who listens now ([`Interest`]): the active subscriptions with their event types and
    /// whether any automation is active (an enabled rule, or a number with a welcome or away
    /// reply), in one read. Called inside the write transaction that may produce events, so
    /// that what another instance committed before it began counts (no cache).
    fn outbox_interest(&mut self) -> Result<Interest, StoreError>;
    /// What each of `wamids` names once applied ([`StatusSubject`]: our message id and its
    /// contact), for the statuses' outbox rows; a `wamid` not stored is absent.
    fn status_subjects(
        &mut self,
        wamids: &[&str],
    ) -> Result<Vec<(String, StatusSubject)>, StoreError>;
    /// Writes `batch.finished` for batch `batch_id` when none of its items waits or is being
    /// sent any more and a subscription wants the event: the event's id is derived from the
    /// batch id and inserted only if absent, so whichever paths see the batch finish (two
    /// instances at once included) it is written once. `true` when it was written now. The
    /// queue's writes call it after an item reaches a final state.
    fn emit_batch_finished(
        &mut self,
        batch_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// [`emit_batch_finished`](Self::emit_batch_finished) for every batch with an item that
    /// reached a final state since `since` (the periodic check: two transactions finishing a
    /// batch's last items at once each see the other's item open). How many were written.
    fn emit_finished_batches(
        &mut self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError>;
    /// Inserts or replaces a subscription.
    fn put_subscription(&mut self, s: &Subscription) -> Result<(), StoreError>;
    /// The subscription `id`.
    fn get_subscription(&mut self, id: &str) -> Result<Option<Subscription>, StoreError>;
    /// Every subscription, oldest first.
    fn list_subscriptions(&mut self) -> Result<Vec<Subscription>, StoreError>;
    /// Deletes a subscription and its rows; `false` when there was none.
    fn delete_subscription(&mut self, id: &str) -> Result<bool, StoreError>;
    /// A consumer's rows (in `state` when given), newest first, at most `limit`; with `before`,
    /// only those older than row `before` (ids grow with time: a page's last id is the next
    /// page's cursor).
    fn outbox_items(
        &mut self,
        consumer: &str,
        state: Option<OutboxState>,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError>;
    /// Row `id` of `consumer`, with its attempts, oldest first.
    fn outbox_item(
        &mut self,
        consumer: &str,
        id: &str,
    ) -> Result<Option<(OutboxItem, Vec<OutboxAttempt>)>, StoreError>;
    /// Puts a dead row of `consumer` back to `pending` (once per row).
    fn redeliver_outbox_item(
        &mut self,
        consumer: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Redeliver, StoreError>;
    /// Deletes `done` and `dead` rows finished before `before`, their attempts, and events no
    /// row names any more; how many rows went.
    fn prune_outbox(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}
