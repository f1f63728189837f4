//! Group commit for webhook deliveries: the runtime that batches concurrent deliveries for the
//! core's ingest pipeline (`wacloud_core::usecases::ingest`), so that many are stored and
//! applied in one transaction and each caller is answered once that transaction is committed.
//!
//! [`IngestBatcher`] collects deliveries while earlier batches are being committed, so the
//! batch size follows the load: one delivery when the server is idle, hundreds under load. The
//! next batch is formed when the store's single writer has taken the newest one (run its job;
//! it is committing it), so it holds everything that arrived meanwhile and is at hand when that
//! commit ends. Up to [`BatcherConfig::in_flight`] batches wait for their commits at once, the
//! older ones while their commit is being made durable; they reach the writer, and are
//! answered, in the order they were formed.
//!
//! A batch of more than [`BatcherConfig::inline_limit`] deliveries is stored raw and answered at
//! once; its effects follow in the background (`backlog`), and later batches are deferred the
//! same way until that backlog is applied, so effects keep Meta's order.

mod backlog;
mod taken;

use std::sync::Arc;

use futures::stream::{FuturesOrdered, StreamExt};
use tokio::sync::{mpsc, oneshot, Notify};
use wacloud_core::events::ParsedDelivery;
use wacloud_core::ports::{Clock, Store, StoreError};
use wacloud_core::usecases::ingest::{
    ingest_many, store_for_later, IngestOutcome, OurNumbers, Parser, Plan,
};
use wacloud_core::webhook::NewWebhook;

use backlog::{Backlog, BacklogTask};
use taken::{BatchTaken, Signalled};

/// How the batcher works.
#[derive(Clone)]
pub struct BatcherConfig {
    /// Most deliveries in one transaction (`1` commits each delivery on its own, effects
    /// included: no deferral then).
    pub max_deliveries: usize,
    /// A batch stops growing past this many events.
    pub max_events: usize,
    /// Batches of more deliveries than this are stored raw and answered at once; their effects
    /// follow right after, in the background (Meta's "answer fast": durable first, heavy work
    /// after). While such a backlog exists, every delivery joins it, so effects keep Meta's
    /// order.
    pub inline_limit: usize,
    /// Batches of deliveries waiting for their commits at once (at most one of them not yet
    /// taken by the writer; the others are being committed or wait until that is durable). With
    /// few slots a delivery that arrives while they are all taken waits for a whole extra
    /// commit. SQLite, whose writer commits cheaply and fsyncs on a thread beside it, does best
    /// with many ([`BatcherConfig::in_flight_for`]); PostgreSQL, where every commit is a WAL
    /// flush in the writer, with one.
    pub in_flight: usize,
    /// Most deferred deliveries applied in one transaction by the backlog task. Smaller keeps
    /// the single writer free sooner for new deliveries (their acknowledgement waits for it);
    /// larger applies more per commit.
    pub backlog_batch: usize,
    /// Parses stored bodies for the backlog.
    pub parse: Parser,
}

impl BatcherConfig {
    /// The batches in flight that suit a store's backend (`sqlite` or `postgres`).
    #[must_use]
    pub fn in_flight_for(backend: &str) -> usize {
        if backend == "sqlite" {
            16
        } else {
            1
        }
    }
}

impl std::fmt::Debug for BatcherConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatcherConfig")
            .field("max_deliveries", &self.max_deliveries)
            .field("max_events", &self.max_events)
            .field("inline_limit", &self.inline_limit)
            .field("backlog_batch", &self.backlog_batch)
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}

/// Collects deliveries from concurrent requests into batches for the ingest pipeline.
#[derive(Debug, Clone)]
pub struct IngestBatcher {
    tx: mpsc::UnboundedSender<Submission>,
}

struct Submission {
    /// When the delivery was handed to the batcher (for the lag to its effects).
    submitted: std::time::Instant,
    delivery: NewWebhook,
    parsed: Result<ParsedDelivery, String>,
    reply: oneshot::Sender<Result<IngestOutcome, StoreError>>,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("id", &self.delivery.id)
            .finish_non_exhaustive()
    }
}

/// A batch once committed (or failed): the answers to send and, when it was stored for the
/// backlog, the plans to apply.
struct BatchDone {
    replies: Vec<oneshot::Sender<Result<IngestOutcome, StoreError>>>,
    results: Vec<Result<IngestOutcome, StoreError>>,
    deferred_plans: Option<(Vec<(String, Plan)>, std::time::Instant)>,
}

type BatchFuture = std::pin::Pin<Box<dyn std::future::Future<Output = BatchDone> + Send>>;

impl IngestBatcher {
    /// Starts the batching task and the backlog task on the current tokio runtime. The backlog
    /// task also applies, at once, deliveries a previous run stored but did not apply.
    #[must_use]
    pub fn start(
        store: Arc<dyn Store>,
        ours: OurNumbers,
        clock: Arc<dyn Clock>,
        config: BatcherConfig,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel::<Submission>();
        let max_deliveries = config.max_deliveries.max(1);
        let backlog = Backlog::new();
        tokio::spawn(
            BacklogTask {
                store: Arc::clone(&store),
                ours: ours.clone(),
                clock: Arc::clone(&clock),
                parse: config.parse.clone(),
                limit: config.backlog_batch.clamp(1, max_deliveries),
                max_events: config.max_events,
                backlog: backlog.clone(),
            }
            .run(),
        );
        let former = Former {
            store,
            ours,
            clock,
            max_deliveries,
            max_events: config.max_events,
            slots: config.in_flight.max(1),
            inline_limit: if max_deliveries == 1 {
                usize::MAX
            } else {
                config.inline_limit
            },
            backlog,
        };
        tokio::spawn(former.run(rx));
        Self { tx }
    }

    /// Stores and applies one delivery with whatever else is waiting; resolves once it is
    /// committed.
    ///
    /// # Errors
    /// [`StoreError`] as `wacloud_core::usecases::ingest::ingest`.
    pub async fn submit(
        &self,
        delivery: NewWebhook,
        parsed: Result<ParsedDelivery, String>,
    ) -> Result<IngestOutcome, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Submission {
                submitted: std::time::Instant::now(),
                delivery,
                parsed,
                reply,
            })
            .map_err(|_| StoreError::Unavailable("the ingest batcher stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the ingest batcher stopped".into()))?
    }
}

/// The task that forms batches.
struct Former {
    store: Arc<dyn Store>,
    ours: OurNumbers,
    clock: Arc<dyn Clock>,
    max_deliveries: usize,
    max_events: usize,
    slots: usize,
    inline_limit: usize,
    backlog: Backlog,
}

impl Former {
    async fn run(self, mut rx: mpsc::UnboundedReceiver<Submission>) {
        // Up to `slots` batches wait for their commits at once, so the writer has the next
        // batch at hand while the previous one's fsync runs; they are submitted, and their
        // outcomes handled, in the order they were formed.
        let mut in_flight: FuturesOrdered<BatchFuture> = FuturesOrdered::new();
        // Deferred batches in flight: later batches defer too, so effects keep the order.
        let mut deferring = 0_usize;
        let mut open = true;
        // The next batch is formed once the writer has taken the newest one (see
        // `BatchTaken`).
        let taken_notify = Arc::new(Notify::new());
        let mut newest = BatchTaken::default();
        loop {
            tokio::select! {
                biased;
                Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                    let BatchDone { replies, results, deferred_plans } = done;
                    if let Some((plans, submitted)) = deferred_plans {
                        deferring -= 1;
                        if !plans.is_empty() {
                            self.backlog.defer(plans, submitted);
                        }
                    }
                    for (reply, result) in replies.into_iter().zip(results) {
                        let _ = reply.send(result);
                    }
                }
                () = taken_notify.notified(), if !newest.fired() => {}
                first = rx.recv(), if open && in_flight.len() < self.slots && newest.fired() => {
                    let Some(first) = first else {
                        open = false;
                        continue;
                    };
                    let batch = self.gather(first, &mut rx);
                    let deferred = deferring > 0
                        || self.backlog.pending.load(std::sync::atomic::Ordering::SeqCst) > 0
                        || batch.len() > self.inline_limit;
                    // One delivery per commit: nothing to gather, nothing to wait for.
                    let taken = if self.max_deliveries > 1 {
                        BatchTaken::new(&taken_notify)
                    } else {
                        BatchTaken::default()
                    };
                    newest = taken.clone();
                    if deferred {
                        deferring += 1;
                    }
                    in_flight.push_back(self.commit(batch, taken, deferred));
                }
                else => break,
            }
        }
    }

    /// `first` and whatever else is waiting, up to the batch's bounds.
    fn gather(
        &self,
        first: Submission,
        rx: &mut mpsc::UnboundedReceiver<Submission>,
    ) -> Vec<Submission> {
        let count = |s: &Submission| s.parsed.as_ref().map_or(0, |p| p.events.len());
        let mut events = count(&first);
        let mut batch = vec![first];
        while batch.len() < self.max_deliveries && events < self.max_events {
            match rx.try_recv() {
                Ok(s) => {
                    events += count(&s);
                    batch.push(s);
                }
                Err(_) => break,
            }
        }
        batch
    }

    /// The batch's commit: stored and applied, or (deferred) stored for the backlog.
    fn commit(&self, batch: Vec<Submission>, taken: BatchTaken, deferred: bool) -> BatchFuture {
        let mut replies = Vec::with_capacity(batch.len());
        let submitted = batch
            .iter()
            .map(|s| s.submitted)
            .min()
            .unwrap_or_else(std::time::Instant::now);
        let items: Vec<_> = batch
            .into_iter()
            .map(|s| {
                replies.push(s.reply);
                (s.delivery, s.parsed)
            })
            .collect();
        let store = Signalled {
            store: Arc::clone(&self.store),
            taken: taken.clone(),
        };
        let (ours, now) = (self.ours.clone(), self.clock.now());
        let mode = if deferred { "deferred" } else { "inline" };
        metrics::histogram!("wacloud_ingest_batch_deliveries", "mode" => mode)
            .record(items.len() as f64);
        Box::pin(async move {
            let (results, deferred_plans) = if deferred {
                let (results, plans) = store_for_later(&store, &ours, items, now).await;
                (results, Some((plans, submitted)))
            } else {
                let results = ingest_many(&store, &ours, items, now).await;
                let applied = results.iter().filter(|r| r.is_ok()).count();
                record_lag("inline", std::iter::repeat_n(submitted.elapsed(), applied));
                (results, None)
            };
            // A batch that failed before the writer ran it must not hold up the next.
            taken.fire();
            BatchDone {
                replies,
                results,
                deferred_plans,
            }
        })
    }
}

/// Records, for each delivery whose effects were just committed, how long it waited since it
/// was handed to the writer (`mode`: `inline` or `deferred`).
pub(crate) fn record_lag(mode: &'static str, lags: impl IntoIterator<Item = std::time::Duration>) {
    let histogram = metrics::histogram!("wacloud_ingest_lag_seconds", "mode" => mode);
    for lag in lags {
        histogram.record(lag.as_secs_f64());
    }
}
