//! [`DbStore`]: the core's [`Store`] port over SQLite or PostgreSQL.
//!
//! Writes go through one writer thread that owns one connection and commits many jobs in one
//! transaction (group commit): each job runs in its own savepoint, and each caller is answered
//! only after the shared commit. Throughput is then bounded by CPU rather than by fsync, and
//! SQLite never sees two writers ("database is locked" cannot happen inside one process).
//! Reads run on a pool of read-only connections on tokio's blocking threads.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool};
use diesel::Connection;
use tokio::sync::{mpsc, oneshot};
use wacloud_core::ports::{Job, Repos, Store, StoreError};

use crate::conn::{establish, run_migrations, DatabaseUrl, DbConnection};
use crate::error::{map_err, StoreInitError};
use crate::repo::{in_transaction, Repo};

/// Settings of the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Read connections in the pool.
    pub read_pool_size: u32,
    /// How long a read waits for a pooled connection.
    pub read_timeout: Duration,
    /// Most write jobs committed in one transaction.
    pub max_batch: usize,
    /// Run pending migrations when opening.
    pub migrate: bool,
    /// SQLite only: `FULL` fsyncs the write-ahead log at every commit, so a delivery answered
    /// 200 survives a power loss; `NORMAL` survives process crashes only. Group commit makes
    /// `FULL` cheap: one fsync per batch.
    pub sqlite_full_sync: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            read_pool_size: 4,
            read_timeout: Duration::from_secs(10),
            max_batch: 512,
            migrate: true,
            sqlite_full_sync: true,
        }
    }
}

struct WriteRequest {
    job: Job,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

/// The store. Cheap to clone; all clones share the writer and the pool.
#[derive(Clone)]
pub struct DbStore {
    inner: Arc<Inner>,
}

struct Inner {
    url: DatabaseUrl,
    tx: Mutex<Option<mpsc::UnboundedSender<WriteRequest>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    pool: Pool<ReadManager>,
}

impl std::fmt::Debug for DbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbStore")
            .field("url", &self.inner.url.redacted())
            .finish_non_exhaustive()
    }
}

/// Opens read-only connections for the pool.
#[derive(Debug)]
struct ReadManager {
    url: DatabaseUrl,
}

impl ManageConnection for ReadManager {
    type Connection = DbConnection;
    type Error = StoreInitError;

    fn connect(&self) -> Result<DbConnection, StoreInitError> {
        establish(&self.url, true)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreInitError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| StoreInitError::Connect(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

impl DbStore {
    /// Opens the database at `url` (see [`DatabaseUrl::parse`]), applies migrations, and starts
    /// the writer.
    ///
    /// # Errors
    /// [`StoreInitError`] when the database cannot be opened or migrated.
    pub fn open(url: &str, opts: &StoreOptions) -> Result<Self, StoreInitError> {
        let url = DatabaseUrl::parse(url);
        let mut conn = establish(&url, false)?;
        let sync = if opts.sqlite_full_sync {
            "PRAGMA synchronous = FULL"
        } else {
            "PRAGMA synchronous = NORMAL"
        };
        if let DbConnection::Sqlite(c) = &mut conn {
            c.batch_execute(sync)
                .map_err(|e| StoreInitError::Connect(e.to_string()))?;
        }
        if opts.migrate {
            let n = run_migrations(&mut conn)?;
            if n > 0 {
                tracing::info!(migrations = n, "database migrated");
            }
        }
        let pool = Pool::builder()
            .max_size(opts.read_pool_size.max(1))
            .min_idle(Some(0))
            .connection_timeout(opts.read_timeout)
            .test_on_check_out(false)
            .build_unchecked(ReadManager { url: url.clone() });
        let (tx, rx) = mpsc::unbounded_channel();
        let writer_url = url.clone();
        let max_batch = opts.max_batch.max(1);
        let handle = std::thread::Builder::new()
            .name("wacloud-db-writer".into())
            .spawn(move || writer_loop(writer_url, Some(conn), rx, max_batch, sync))
            .map_err(|e| StoreInitError::Connect(format!("cannot start the writer: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                url,
                tx: Mutex::new(Some(tx)),
                writer: Mutex::new(Some(handle)),
                pool,
            }),
        })
    }

    /// The database, described without secrets.
    #[must_use]
    pub fn describe(&self) -> String {
        self.inner.url.redacted()
    }

    /// Stops accepting writes, lets the writer commit what it has, and waits for it.
    pub fn shutdown(&self) {
        if let Ok(mut tx) = self.inner.tx.lock() {
            tx.take();
        }
        let handle = self.inner.writer.lock().ok().and_then(|mut h| h.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        if let Some(h) = self.writer.lock().ok().and_then(|mut h| h.take()) {
            let _ = h.join();
        }
    }
}

fn writer_loop(
    url: DatabaseUrl,
    mut conn: Option<DbConnection>,
    mut rx: mpsc::UnboundedReceiver<WriteRequest>,
    max_batch: usize,
    sqlite_sync: &'static str,
) {
    let mut last_connect_attempt: Option<Instant> = None;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        if conn.is_none() {
            // Reconnect at most every 500 ms; meanwhile answer "unavailable" so callers (and
            // Meta, through a 503) retry.
            let due =
                last_connect_attempt.is_none_or(|t| t.elapsed() >= Duration::from_millis(500));
            if due {
                last_connect_attempt = Some(Instant::now());
                match establish(&url, false) {
                    Ok(mut c) => {
                        if let DbConnection::Sqlite(x) = &mut c {
                            let _ = x.batch_execute(sqlite_sync);
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
        let (replies, results) = commit_batch(c, batch);
        let broken = results
            .iter()
            .any(|r| matches!(r, Err(StoreError::Unavailable(_))));
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
        if broken && c.batch_execute("SELECT 1").is_err() {
            tracing::warn!("database writer connection broken; will reconnect");
            conn = None;
        }
    }
    tracing::debug!("database writer stopped");
}

type Replies = Vec<oneshot::Sender<Result<(), StoreError>>>;

/// Runs every job of the batch in its own savepoint of one transaction and commits once.
fn commit_batch(
    conn: &mut DbConnection,
    batch: Vec<WriteRequest>,
) -> (Replies, Vec<Result<(), StoreError>>) {
    let mut replies = Vec::with_capacity(batch.len());
    let mut jobs = Vec::with_capacity(batch.len());
    for r in batch {
        replies.push(r.reply);
        jobs.push(r.job);
    }
    let mut results = Vec::with_capacity(jobs.len());
    let outcome = conn.transaction::<(), diesel::result::Error, _>(|c| {
        for job in jobs {
            let mut job = Some(job);
            let r = in_transaction(c, &mut |repos: &mut dyn Repos| {
                job.take().map_or(Ok(()), |j| j(repos))
            });
            results.push(r);
        }
        Ok(())
    });
    match outcome {
        Ok(()) => (replies, results),
        Err(e) => {
            let err = map_err(e);
            let n = replies.len();
            (replies, vec![Err(err); n])
        }
    }
}

#[async_trait]
impl Store for DbStore {
    async fn write_job(&self, job: Job) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        let sent = {
            let guard = self
                .inner
                .tx
                .lock()
                .map_err(|_| StoreError::Internal("writer lock poisoned".into()))?;
            match guard.as_ref() {
                Some(tx) => tx.send(WriteRequest { job, reply }).is_ok(),
                None => false,
            }
        };
        if !sent {
            return Err(StoreError::Unavailable("the store is shutting down".into()));
        }
        rx.await
            .map_err(|_| StoreError::Unavailable("the database writer stopped".into()))?
    }

    async fn read_job(&self, job: Job) -> Result<(), StoreError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner
                .pool
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let mut repo = Repo::new(&mut conn);
            job(&mut repo)
        })
        .await
        .map_err(|e| StoreError::Internal(format!("read task failed: {e}")))?
    }

    fn backend(&self) -> &'static str {
        self.inner.url.backend()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner
                .pool
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            conn.batch_execute("SELECT 1")
                .map_err(|e| StoreError::Unavailable(e.to_string()))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("ping task failed: {e}")))?
    }
}
