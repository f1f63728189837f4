//! The single writer: one thread that owns the write connection and commits many jobs in one
//! transaction (group commit), each job in its own savepoint, then publishes what they changed.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::Connection;
use tokio::sync::{broadcast, mpsc, oneshot};
use wacloud_core::changes::ChangeSet;
use wacloud_core::ports::{Job, Repos, StoreError};

use crate::checkpoint::Checkpointer;
use crate::conn::{establish, DatabaseUrl, DbConnection};
use crate::error::map_err;
use crate::listen::notify;
use crate::repo::{in_transaction, Repo, TxError};
use crate::wal_sync::{Committed, WalSyncer};

pub(super) struct WriteRequest {
    pub(super) job: Job,
    pub(super) reply: oneshot::Sender<Result<(), StoreError>>,
    /// A background job ([`Store::write_background_job`]).
    ///
    /// [`Store::write_background_job`]: wacloud_core::ports::Store::write_background_job
    pub(super) background: bool,
}

/// The writer thread's settings.
pub(super) struct Writer {
    pub(super) url: DatabaseUrl,
    pub(super) changes: broadcast::Sender<Arc<ChangeSet>>,
    pub(super) max_batch: usize,
    /// The pragmas for SQLite (synchronous level, checkpoints), set again on every
    /// reconnection.
    pub(super) sqlite_pragmas: String,
    /// SQLite: copies the write-ahead log into the database off the writer's path.
    pub(super) checkpointer: Option<Checkpointer>,
    /// Background jobs get transactions of their own (SQLite, where a commit costs the writer
    /// little) rather than sharing them with waiting callers' jobs (PostgreSQL).
    pub(super) separate_background: bool,
    /// SQLite group commit: fsyncs the log, then answers the batch (declared after the
    /// checkpointer, so it is dropped after it and answers every batch before the writer ends).
    pub(super) syncer: Option<WalSyncer>,
}

impl Writer {
    pub(super) fn run(
        self,
        mut conn: Option<DbConnection>,
        mut rx: mpsc::UnboundedReceiver<WriteRequest>,
    ) {
        let mut last_connect_attempt: Option<Instant> = None;
        // Jobs whose callers wait, and background jobs, not yet run; oldest first.
        let mut waiting: VecDeque<WriteRequest> = VecDeque::new();
        let mut background: VecDeque<WriteRequest> = VecDeque::new();
        let mut last_was_background = false;
        loop {
            let queue =
                |r: WriteRequest, waiting: &mut VecDeque<_>, background: &mut VecDeque<_>| {
                    if r.background {
                        background.push_back(r);
                    } else {
                        waiting.push_back(r);
                    }
                };
            if waiting.is_empty() && background.is_empty() {
                let Some(r) = rx.blocking_recv() else { break };
                queue(r, &mut waiting, &mut background);
            }
            while let Ok(r) = rx.try_recv() {
                queue(r, &mut waiting, &mut background);
            }
            // On SQLite a transaction holds either waiting callers' jobs or one background job,
            // the two kinds taking turns: a commit that answers a webhook waits for at most one
            // batch of deferred effects, and deferred effects are never starved. On PostgreSQL
            // every commit waits here for its WAL flush, so fewer commits win: the waiting jobs
            // and one background job share each transaction.
            let run_background = !background.is_empty()
                && (waiting.is_empty() || !last_was_background || !self.separate_background);
            last_was_background = run_background;
            let batch: Vec<WriteRequest> = if run_background && self.separate_background {
                background.pop_front().into_iter().collect()
            } else {
                let n = waiting.len().min(self.max_batch);
                let mut batch: Vec<WriteRequest> = waiting.drain(..n).collect();
                if run_background && batch.len() < self.max_batch {
                    batch.extend(background.pop_front());
                }
                batch
            };
            if conn.is_none() {
                // Reconnect at most every 500 ms; meanwhile answer "unavailable" so callers
                // (and Meta, through a 503) retry.
                let due =
                    last_connect_attempt.is_none_or(|t| t.elapsed() >= Duration::from_millis(500));
                if due {
                    last_connect_attempt = Some(Instant::now());
                    match establish(&self.url, false) {
                        Ok(mut c) => {
                            if let DbConnection::Sqlite(x) = &mut c {
                                let _ = x.batch_execute(&self.sqlite_pragmas);
                            }
                            tracing::info!("database writer reconnected");
                            conn = Some(c);
                        }
                        Err(e) => tracing::warn!(error = %e, "database writer cannot reconnect"),
                    }
                }
            }
            let Some(c) = conn.as_mut() else {
                for r in batch {
                    let _ = r.reply.send(Err(StoreError::Unavailable(
                        "database connection lost; reconnecting".into(),
                    )));
                }
                continue;
            };
            let (replies, results, changes) = commit_batch(c, batch);
            let broken = results
                .iter()
                .any(|r| matches!(r, Err(StoreError::Unavailable(_))));
            let committed = results.iter().any(Result::is_ok);
            // On PostgreSQL the changes went out with the commit (NOTIFY) and come back through
            // the listener, to this instance and every other.
            let batch = Committed {
                replies,
                results,
                changes: (committed && !changes.is_empty() && matches!(c, DbConnection::Sqlite(_)))
                    .then(|| Arc::new(changes)),
            };
            match &self.syncer {
                Some(syncer) => syncer.push(batch),
                // No fsync thread: the commit itself was as durable as configured.
                None => batch.answer(&self.changes, &Ok(())),
            }
            if committed {
                if let Some(ck) = &self.checkpointer {
                    ck.committed();
                    ck.restart_if_large(c);
                }
            }
            if broken && c.batch_execute("SELECT 1").is_err() {
                tracing::warn!("database writer connection broken; will reconnect");
                conn = None;
            }
        }
        tracing::debug!("database writer stopped");
    }
}

type Replies = Vec<oneshot::Sender<Result<(), StoreError>>>;

/// Runs every job of the batch in its own savepoint of one transaction and commits once.
/// Returns the replies, each job's result, and what the committed jobs changed.
fn commit_batch(
    conn: &mut DbConnection,
    batch: Vec<WriteRequest>,
) -> (Replies, Vec<Result<(), StoreError>>, ChangeSet) {
    let mut replies = Vec::with_capacity(batch.len());
    let mut jobs = Vec::with_capacity(batch.len());
    for r in batch {
        replies.push(r.reply);
        jobs.push(r.job);
    }
    if jobs.len() == 1 {
        if let Some(job) = jobs.pop() {
            let (result, changes) = commit_one(conn, job);
            return (replies, vec![result], changes);
        }
    }
    let mut results = Vec::with_capacity(jobs.len());
    let mut changes = ChangeSet::default();
    let outcome = write_transaction::<(), diesel::result::Error, _>(conn, |c| {
        for job in jobs {
            let mut job = Some(job);
            let r = in_transaction(c, &mut changes, &mut |repos: &mut dyn Repos| {
                job.take().map_or(Ok(()), |j| run_job(j, repos))
            });
            results.push(r);
        }
        publish(c, &mut changes)?;
        Ok(())
    });
    match outcome {
        Ok(()) => (replies, results, changes),
        Err(e) => {
            let err = map_err(e);
            let n = replies.len();
            (replies, vec![Err(err); n], ChangeSet::default())
        }
    }
}

/// The end of a write transaction's work: what it changed, once per id, and on PostgreSQL sent
/// with the commit (`NOTIFY`) to every instance.
fn publish(conn: &mut DbConnection, changes: &mut ChangeSet) -> diesel::QueryResult<()> {
    changes.dedup();
    if let DbConnection::Pg(pg) = conn {
        notify(pg, changes)?;
    }
    Ok(())
}

/// Runs `f` in a write transaction, as diesel's `Connection::transaction` does, except that on
/// SQLite it starts with `BEGIN IMMEDIATE`: the write lock is taken first, waiting in the busy
/// handler if a checkpoint holds it. With a plain `BEGIN`, a job that reads before it writes
/// would have to upgrade a read transaction, which SQLite refuses at once ("database is
/// locked") while a `RESTART` checkpoint runs, instead of waiting.
fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::connection::AnsiTransactionManager::begin_transaction_sql(
                c,
                "BEGIN IMMEDIATE",
            )?;
        }
        DbConnection::Pg(_) => Manager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// Runs one job, turning a panic into that job's own failure: its transaction (or savepoint)
/// is rolled back like any failed job's and the writer goes on serving the others. Without
/// this, one job's bug would end the writer thread and every later write would fail.
fn run_job(job: Job, repos: &mut dyn Repos) -> Result<(), StoreError> {
    // The job is consumed and the repos' only state is the connection, whose transaction the
    // caller rolls back on `Err`, so nothing half-updated is observed after the unwind.
    match std::panic::catch_unwind(AssertUnwindSafe(|| job(repos))) {
        Ok(result) => result,
        Err(payload) => {
            let message = panic_message(payload.as_ref());
            tracing::error!(panic = %message, "a write job panicked; its transaction is rolled back");
            Err(StoreError::Internal(format!(
                "the write job panicked: {message}"
            )))
        }
    }
}

/// The text of a panic's payload (`panic!("...")` gives a `&str` or a `String`).
pub(super) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// A lone job: its own transaction, without the savepoint that keeps jobs of a batch apart
/// (on SQLite a savepoint copies every page the job touches first into a sub-journal, a cost
/// worth saving on the hot path). A failed job rolls the transaction back,
/// which is all a savepoint would have rolled back.
fn commit_one(conn: &mut DbConnection, job: Job) -> (Result<(), StoreError>, ChangeSet) {
    let mut changes = ChangeSet::default();
    let outcome = write_transaction::<(), TxError, _>(conn, |c| {
        {
            let mut repo = Repo::new(c, &mut changes);
            run_job(job, &mut repo).map_err(TxError::Job)?;
        }
        publish(c, &mut changes)?;
        Ok(())
    });
    match outcome {
        Ok(()) => (Ok(()), changes),
        Err(TxError::Job(e)) => (Err(e), ChangeSet::default()),
        Err(TxError::Db(e)) => (Err(map_err(e)), ChangeSet::default()),
    }
}
