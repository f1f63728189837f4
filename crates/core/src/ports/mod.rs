//! The ports: what the use cases need from the outside world (a store, a way to send to Meta,
//! a clock), as traits the other crates implement.
//!
//! This module holds the [`Store`] port and the [`write()`], [`write_background()`] and
//! [`read()`] helpers that run a closure as a store job; `error` holds [`StoreError`], `repos`
//! the [`Repos`] a job is given, `rows` the row types those methods take, `effects` a batch's
//! common webhook effects as data ([`BatchEffects`]), `messenger` the
//! [`Messenger`] port, `clock` the [`Clock`], and `ids` [`new_id`] and [`retry_id`].

mod auth;
mod automation;
mod calls;
mod clock;
mod coexistence;
mod costs;
mod effects;
mod error;
mod groups;
mod ids;
mod inbox;
mod messenger;
mod numbers;
mod outbox;
mod pacing;
mod privacy;
mod reports;
mod repos;
mod routing;
mod rows;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use auth::{AuthRepos, StoredSession};
pub use automation::{AutomationRepos, ConversationAutomation};
pub use calls::CallRepos;
pub use clock::{Clock, SystemClock};
pub use coexistence::CoexistenceRepos;
pub use costs::CostRepos;
pub use effects::{BatchEffects, EnsureContact, Found, Lookup};
pub use error::StoreError;
pub use groups::GroupRepos;
pub use ids::{new_id, retry_id};
pub use inbox::{mentions_of, InboxRepos};
pub use messenger::Messenger;
pub use numbers::NumberRepos;
pub use outbox::{ClaimLeases, ClaimRoom, OutboxRepos, Redeliver};
pub use pacing::PacingRepos;
pub use privacy::{ContactGroup, PrivacyRepos, TextsPruned};
pub use reports::{ReportCursor, ReportRepos};
pub use repos::Repos;
pub use routing::RoutingRepos;
pub use rows::{ContactDelta, MediaRecord, MessageQuery, NewMessage, StatusChange, StatusFold};

/// A unit of work run by the store inside a transaction (writes) or on a read connection.
pub type Job = Box<dyn FnOnce(&mut dyn Repos) -> Result<(), StoreError> + Send + 'static>;

/// The store: runs jobs against the database.
///
/// Every write job runs in its own savepoint inside a transaction the store may share with
/// other jobs (group commit); the future resolves only once that transaction is committed, so
/// a caller that sees `Ok` knows its effects are durable. A job that returns `Err` is rolled
/// back alone.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Runs `job` in a write transaction and waits for its commit.
    async fn write_job(&self, job: Job) -> Result<(), StoreError>;
    /// [`Store::write_job`] for work nobody is waiting on (a webhook's deferred effects): the
    /// store may run jobs submitted after it first, and gives it a transaction of its own
    /// rather than holding waiting callers' commits behind it. Background jobs keep their
    /// order among themselves.
    async fn write_background_job(&self, job: Job) -> Result<(), StoreError> {
        self.write_job(job).await
    }
    /// Runs `job` on a read-only connection.
    async fn read_job(&self, job: Job) -> Result<(), StoreError>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// The newest write job answered [`StoreError::Unavailable`] (a full disk, a read-only
    /// file, a lost connection, a commit that could not be made durable), if any.
    /// [`Store::ping`] only proves the database can be read; writes that succeed meanwhile
    /// prove little (one that changes nothing needs no disk space), so callers judge by `at`.
    fn write_failure(&self) -> Option<WriteFailure> {
        None
    }
}

/// A write that failed (see [`Store::write_failure`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFailure {
    /// When.
    pub at: DateTime<Utc>,
    /// The error.
    pub error: String,
}

/// Runs `f` as a write job and returns its value once committed.
///
/// # Errors
/// [`StoreError`] from the job or the commit.
pub async fn write<R, F>(store: &dyn Store, f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    run(store, f, Kind::Write).await
}

/// [`write`] as a background job ([`Store::write_background_job`]).
///
/// # Errors
/// [`StoreError`] from the job or the commit.
pub async fn write_background<R, F>(store: &dyn Store, f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    run(store, f, Kind::Background).await
}

/// Runs `f` as a read job and returns its value.
///
/// # Errors
/// [`StoreError`] from the job.
pub async fn read<R, F>(store: &dyn Store, f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    run(store, f, Kind::Read).await
}

#[derive(Clone, Copy)]
enum Kind {
    Read,
    Write,
    Background,
}

async fn run<R, F>(store: &dyn Store, f: F, kind: Kind) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    let slot: Arc<Mutex<Option<R>>> = Arc::new(Mutex::new(None));
    let out = Arc::clone(&slot);
    let job: Job = Box::new(move |repos| {
        let value = f(repos)?;
        *out.lock()
            .map_err(|_| StoreError::Internal("poisoned".into()))? = Some(value);
        Ok(())
    });
    match kind {
        Kind::Read => store.read_job(job).await?,
        Kind::Write => store.write_job(job).await?,
        Kind::Background => store.write_background_job(job).await?,
    }
    let value = slot
        .lock()
        .map_err(|_| StoreError::Internal("poisoned".into()))?
        .take();
    value.ok_or_else(|| StoreError::Internal("job produced no value".into()))
}
