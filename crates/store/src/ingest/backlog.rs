//! The effects of deliveries stored raw and answered before they were applied: their plans kept
//! in memory while that is safe, and the task that applies them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::{FuturesOrdered, StreamExt};
use tokio::sync::Notify;
use wacloud_core::ports::{Clock, Store, StoreError};
use wacloud_core::usecases::ingest::{apply_backlog, apply_received, OurNumbers, Parser, Plan};

/// Most deferred deliveries whose plans are kept in memory.
const MEMORY_PLANS: usize = 50_000;

/// Batches of deferred deliveries' effects waiting for their commits at once: the store's
/// writer runs one such batch per transaction, so a few keep it supplied.
const BACKLOG_IN_FLIGHT: usize = 2;

/// After a failed attempt (the database is down), the wait before the next.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// With nothing to do, the database is looked at again this often, in case.
const IDLE_LOOK: Duration = Duration::from_secs(5);

/// Plans of deliveries stored raw and not yet applied, in the order they were stored, so that
/// the backlog task applies them without reading and parsing them again.
///
/// A delivery is applied either from here or from the database, not both: while some
/// `received` deliveries may be in the database only (a previous run's, past the memory bound,
/// those of a batch that failed), no plans are queued and the task reads the database until it
/// finds nothing there that was stored meanwhile; then queueing resumes. The database has the
/// last word: applying a delivery first moves it out of `received` in the same transaction, and
/// one that is no longer `received` is skipped (a race between a read and a batch stored
/// meanwhile costs a lookup, never a second effect).
pub(crate) struct DeferredPlans {
    /// With when each was handed to the batcher (its batch's first), for the lag metric.
    plans: VecDeque<(String, Plan, Instant)>,
    read_database: bool,
    /// Batches stored without queueing their plans: a database read that finds nothing only
    /// ends database mode when none was stored while it ran.
    unqueued: u64,
}

impl Default for DeferredPlans {
    fn default() -> Self {
        Self {
            plans: VecDeque::new(),
            read_database: true,
            unqueued: 0,
        }
    }
}

impl DeferredPlans {
    /// Queues a stored batch's plans (or, in database mode or past the bound, notes that the
    /// database holds some).
    pub(crate) fn push(&mut self, plans: Vec<(String, Plan)>, submitted: Instant) {
        if self.read_database || self.plans.len() + plans.len() > MEMORY_PLANS {
            self.read_database = true;
            self.unqueued += 1;
            return;
        }
        self.plans
            .extend(plans.into_iter().map(|(id, p)| (id, p, submitted)));
    }

    /// Up to `limit` deliveries and about `max_events` events, oldest first.
    fn take(&mut self, limit: usize, max_events: usize) -> (Vec<(String, Plan)>, Vec<Instant>) {
        let (mut out, mut submitted) = (Vec::new(), Vec::new());
        let mut events = 0;
        while out.len() < limit && events < max_events {
            let Some((id, plan, at)) = self.plans.pop_front() else {
                break;
            };
            events += plan.events.len();
            out.push((id, plan));
            submitted.push(at);
        }
        (out, submitted)
    }
}

/// What the backlog task shares with the batcher.
#[derive(Clone)]
pub(crate) struct Backlog {
    /// The plans at hand.
    pub(crate) deferred: Arc<Mutex<DeferredPlans>>,
    /// Deferred deliveries not applied yet (the batcher defers while any are).
    pub(crate) pending: Arc<AtomicUsize>,
    /// Wakes the task.
    pub(crate) wake: Arc<Notify>,
}

impl Backlog {
    pub(crate) fn new() -> Self {
        Self {
            deferred: Arc::default(),
            pending: Arc::new(AtomicUsize::new(0)),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Hands over the plans of a batch stored for later.
    pub(crate) fn defer(&self, plans: Vec<(String, Plan)>, submitted: Instant) {
        let n = plans.len();
        if let Ok(mut d) = self.deferred.lock() {
            d.push(plans, submitted);
        }
        self.pending.fetch_add(n, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Counts `n` deferred deliveries as applied.
    fn applied(&self, n: usize) {
        let _ = self
            .pending
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| {
                Some(b.saturating_sub(n))
            });
    }

    fn set_read_database(&self, value: bool) {
        if let Ok(mut d) = self.deferred.lock() {
            d.read_database = value;
        }
    }
}

/// What the backlog task needs.
pub(crate) struct BacklogTask {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) ours: OurNumbers,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) parse: Parser,
    /// Most deliveries per transaction.
    pub(crate) limit: usize,
    pub(crate) max_events: usize,
    pub(crate) backlog: Backlog,
}

type ApplyFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<usize, StoreError>> + Send>>;

impl BacklogTask {
    /// Applies deferred effects for ever: the plans at hand first, then (in database mode, and
    /// at start-up for what a previous run stored but did not apply) what the database holds.
    pub(crate) async fn run(self) {
        let Self {
            store,
            ours,
            clock,
            parse,
            limit,
            max_events,
            backlog,
        } = self;
        // Batches of queued plans waiting for their commits, applied in queue order.
        let mut in_flight: FuturesOrdered<ApplyFuture> = FuturesOrdered::new();
        loop {
            while in_flight.len() < BACKLOG_IN_FLIGHT {
                let (plans, submitted) = match backlog.deferred.lock() {
                    Ok(mut d) => d.take(limit, max_events),
                    Err(_) => (Vec::new(), Vec::new()),
                };
                if plans.is_empty() {
                    break;
                }
                let (store, now) = (Arc::clone(&store), clock.now());
                in_flight.push_back(Box::pin(async move {
                    let r = apply_received(store.as_ref(), plans, now).await;
                    if r.is_ok() {
                        super::record_lag("deferred", submitted.iter().map(Instant::elapsed));
                    }
                    r
                }));
            }
            if let Some(r) = in_flight.next().await {
                match r {
                    Ok(n) => backlog.applied(n),
                    Err(_) => {
                        // They stay `received` in the database.
                        backlog.set_read_database(true);
                        tokio::time::sleep(RETRY_AFTER).await;
                    }
                }
                continue;
            }
            // Nothing queued and nothing in flight.
            let next = match backlog.deferred.lock() {
                Ok(d) if !d.read_database => None,
                Ok(d) => Some(d.unqueued),
                Err(_) => Some(0),
            };
            let applied = match next {
                Some(unqueued) => {
                    let limit = i64::try_from(limit).unwrap_or(64);
                    let r = apply_backlog(store.as_ref(), &ours, &parse, clock.now(), limit)
                        .await
                        .map(|(n, received)| {
                            let now = clock.now();
                            super::record_lag(
                                "deferred",
                                received
                                    .into_iter()
                                    .take(n)
                                    .map(|at| (now - at).to_std().unwrap_or_default()),
                            );
                            n
                        });
                    if matches!(r, Ok(0)) {
                        if let Ok(mut d) = backlog.deferred.lock() {
                            // Nothing left, and nothing stored meanwhile: queue again.
                            if d.unqueued == unqueued {
                                d.read_database = false;
                            }
                        }
                    }
                    r
                }
                None => Ok(0),
            };
            match applied {
                Ok(0) => {
                    backlog.pending.store(0, Ordering::SeqCst);
                    tokio::select! {
                        () = backlog.wake.notified() => {}
                        () = tokio::time::sleep(IDLE_LOOK) => backlog.set_read_database(true),
                    }
                }
                Ok(n) => backlog.applied(n),
                Err(_) => tokio::time::sleep(RETRY_AFTER).await,
            }
        }
    }
}
