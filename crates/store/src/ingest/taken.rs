//! The signal that the store's writer has taken a batch: it ran the batch's job and is
//! committing it (or it never will: the batch failed first).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Notify;
use wacloud_core::ports::{Job, Store, StoreError, WriteFailure};

/// Fired once the writer has run a batch's job. The batcher forms the next batch only then, so
/// that it holds everything that arrived while the writer was busy with this one and reaches the
/// writer as that commit ends: formed any sooner, batches are smaller and a transaction's fixed
/// cost (the pages every commit writes) is shared by fewer deliveries.
#[derive(Clone, Default)]
pub(crate) struct BatchTaken(Option<Arc<(AtomicBool, Arc<Notify>)>>);

impl BatchTaken {
    /// A signal that wakes `notify` when fired.
    pub(crate) fn new(notify: &Arc<Notify>) -> Self {
        Self(Some(Arc::new((AtomicBool::new(false), Arc::clone(notify)))))
    }

    /// Marks the batch taken; the first call wakes the batcher.
    pub(crate) fn fire(&self) {
        if let Some(inner) = &self.0 {
            if !inner.0.swap(true, Ordering::AcqRel) {
                inner.1.notify_one();
            }
        }
    }

    /// Whether the batch was taken (a default signal always was: nothing waits on it).
    pub(crate) fn fired(&self) -> bool {
        self.0
            .as_ref()
            .is_none_or(|inner| inner.0.load(Ordering::Acquire))
    }
}

/// The store, firing `taken` once the writer has run each write job of one batch (the batch's
/// own, and any its fallback needs).
pub(crate) struct Signalled {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) taken: BatchTaken,
}

impl Signalled {
    fn wrap(&self, job: Job) -> Job {
        let taken = self.taken.clone();
        Box::new(move |r| {
            let out = job(r);
            taken.fire();
            out
        })
    }
}

#[async_trait]
impl Store for Signalled {
    async fn write_job(&self, job: Job) -> Result<(), StoreError> {
        self.store.write_job(self.wrap(job)).await
    }
    async fn write_background_job(&self, job: Job) -> Result<(), StoreError> {
        self.store.write_background_job(self.wrap(job)).await
    }
    async fn read_job(&self, job: Job) -> Result<(), StoreError> {
        self.store.read_job(job).await
    }
    fn backend(&self) -> &'static str {
        self.store.backend()
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }
    fn write_failure(&self) -> Option<WriteFailure> {
        self.store.write_failure()
    }
}
