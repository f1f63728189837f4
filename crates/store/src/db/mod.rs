//! [`DbStore`]: the core's [`Store`] port over SQLite or PostgreSQL.
//!
//! Writes go through one writer thread that owns one connection and commits many jobs in one
//! transaction (group commit): each job runs in its own savepoint, and each caller is answered
//! only after the shared commit. Throughput is then bounded by CPU rather than by fsync, and
//! SQLite never sees two writers ("database is locked" cannot happen inside one process). On a
//! SQLite file the commit's fsync runs on a thread of its own (`wal_sync.rs`) while the
//! writer goes on with the next batch; callers are still answered only once it is durable.
//! Reads run on a pool of read-only connections on tokio's blocking threads.
//!
//! Every commit's [`ChangeSet`] goes to the subscribers of the store's [`ChangeFeed`]: directly
//! on SQLite, and on PostgreSQL through `NOTIFY` (sent in the committing transaction, so only
//! committed changes are announced) and a `LISTEN`ing connection per instance, so that every
//! instance on the database hears every instance's changes.
//!
//! When the database goes away (PostgreSQL restarting or unreachable), writes and reads fail
//! fast with [`StoreError::Unavailable`]; the writer, the read pool and the listener each
//! reconnect on their own once it is back.
//!
//! This module holds [`DbStore`], its read pool and its answers to the port; `writer` the
//! writer thread (batching, the shared transaction, publishing the changes).

mod writer;

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool};
use tokio::sync::{broadcast, mpsc, oneshot};
use wacloud_core::changes::{ChangeFeed, ChangeSet};
use wacloud_core::ports::{Job, Store, StoreError, WriteFailure};

use crate::checkpoint::{Checkpointer, WRITER_PRAGMA};
use crate::conn::{establish, run_migrations, DatabaseUrl, DbConnection};
use crate::error::StoreInitError;
use crate::listen::Listener;
use crate::repo::Repo;
use crate::wal_sync::{database_file, WalSyncer};
use writer::{WriteRequest, Writer};

/// Settings of the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most read connections in the pool (`WACLOUD_DB_POOL_SIZE`). Each instance also holds
    /// one writer connection and, on PostgreSQL, one listening connection.
    pub read_pool_size: u32,
    /// How long a read waits for a pooled connection, and the bound on opening a PostgreSQL
    /// connection (`WACLOUD_DB_TIMEOUT_MS`).
    pub read_timeout: Duration,
    /// Most write jobs committed in one transaction.
    pub max_batch: usize,
    /// Run pending migrations when opening.
    pub migrate: bool,
    /// PostgreSQL: listen for the changes of every instance (live updates). Off for one-off
    /// commands.
    pub listen: bool,
    /// SQLite only: `true` (`WACLOUD_SQLITE_SYNC=full`) fsyncs the write-ahead log before any
    /// caller of a commit is answered, so a delivery answered 200 survives a power loss;
    /// `false` (`normal`) survives process crashes only. Group commit makes the first cheap:
    /// one fsync per batch or fewer, run beside the writer (`max_batch` > 1) or, with
    /// `max_batch` 1, by SQLite inside each commit (`synchronous = FULL`).
    pub sqlite_full_sync: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            read_pool_size: 4,
            read_timeout: Duration::from_secs(5),
            max_batch: 512,
            migrate: true,
            listen: true,
            sqlite_full_sync: true,
        }
    }
}

/// Changes published to subscribers that are slower than this many commits are reported to
/// them as lagged (and they re-read everything).
const CHANGE_BUFFER: usize = 1024;

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
    /// The bound on one read's wait for a connection.
    timeout: Duration,
    changes: broadcast::Sender<Arc<ChangeSet>>,
    /// PostgreSQL only: the `LISTEN`ing thread.
    listener: Mutex<Option<Listener>>,
    /// The newest write job answered `Unavailable`.
    write_failure: Mutex<Option<WriteFailure>>,
}

impl std::fmt::Debug for DbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbStore")
            .field("url", &self.inner.url.redacted())
            .finish_non_exhaustive()
    }
}

/// A pooled read connection, with a mark set when a query on it failed because the connection
/// is gone (a PostgreSQL restart): the pool then drops it instead of handing it out again.
struct ReadConn {
    conn: DbConnection,
    broken: bool,
}

/// Opens read-only connections for the pool.
#[derive(Debug)]
struct ReadManager {
    url: DatabaseUrl,
}

impl ManageConnection for ReadManager {
    type Connection = ReadConn;
    type Error = StoreInitError;

    fn connect(&self) -> Result<ReadConn, StoreInitError> {
        Ok(ReadConn {
            conn: establish(&self.url, true)?,
            broken: false,
        })
    }

    fn is_valid(&self, c: &mut ReadConn) -> Result<(), StoreInitError> {
        c.conn
            .batch_execute("SELECT 1")
            .map_err(|e| StoreInitError::Connect(e.to_string()))
    }

    fn has_broken(&self, c: &mut ReadConn) -> bool {
        c.broken
    }
}

impl Inner {
    /// Runs `f` on a pooled read connection; a connection on which `f` saw the database as
    /// unavailable is checked and, when it no longer answers, dropped from the pool.
    fn with_read_conn<R>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&mut DbConnection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut c = self
            .pool
            .get_timeout(timeout)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let r = f(&mut c.conn);
        if matches!(r, Err(StoreError::Unavailable(_))) && c.conn.batch_execute("SELECT 1").is_err()
        {
            c.broken = true;
        }
        r
    }
}

impl DbStore {
    /// Opens the database at `url` (see [`DatabaseUrl::parse`]), applies migrations, and starts
    /// the writer.
    ///
    /// # Errors
    /// [`StoreInitError`] when the database cannot be opened or migrated.
    pub fn open(url: &str, opts: &StoreOptions) -> Result<Self, StoreInitError> {
        let url = DatabaseUrl::parse(url).with_connect_timeout(opts.read_timeout);
        let mut conn = establish(&url, false)?;
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
        let (changes, _) = broadcast::channel(CHANGE_BUFFER);
        let checkpointer = Checkpointer::start(&url);
        let max_batch = opts.max_batch.max(1);
        // Group commit on a SQLite file with FULL durability: the fsync runs beside the writer
        // (see `wal_sync`). One commit per job (`max_batch` 1) keeps SQLite's own fsync inside
        // each commit: nothing is shared between jobs then, not even an fsync.
        let database_file = match &mut conn {
            DbConnection::Sqlite(c) => database_file(c),
            DbConnection::Pg(_) => None,
        };
        let syncer = match (database_file, &checkpointer) {
            (Some(path), Some(_)) if opts.sqlite_full_sync && max_batch > 1 => {
                match WalSyncer::start(&path, changes.clone()) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot start the WAL fsync thread; SQLite syncs in each commit");
                        None
                    }
                }
            }
            _ => None,
        };
        let sqlite_sync = if opts.sqlite_full_sync && syncer.is_none() {
            "PRAGMA synchronous = FULL"
        } else {
            "PRAGMA synchronous = NORMAL"
        };
        let sqlite_pragmas = match &checkpointer {
            Some(_) => format!("{sqlite_sync}; {WRITER_PRAGMA}"),
            None => sqlite_sync.to_owned(),
        };
        if let DbConnection::Sqlite(c) = &mut conn {
            c.batch_execute(&sqlite_pragmas)
                .map_err(|e| StoreInitError::Connect(e.to_string()))?;
        }
        let writer = Writer {
            url: url.clone(),
            changes: changes.clone(),
            max_batch,
            sqlite_pragmas,
            checkpointer,
            syncer,
            separate_background: matches!(url, DatabaseUrl::Sqlite(_)),
        };
        let handle = std::thread::Builder::new()
            .name("wacloud-db-writer".into())
            .spawn(move || {
                // Jobs' panics are caught one by one (`writer::run_job`); one that escapes is a
                // bug in the writer itself, after which no write could ever succeed. Rather
                // than live on answering 503 forever, the process exits non-zero so its
                // supervisor starts it again (`/health` says `down` meanwhile).
                let run = std::panic::AssertUnwindSafe(|| writer.run(Some(conn), rx));
                if let Err(payload) = std::panic::catch_unwind(run) {
                    let message = writer::panic_message(payload.as_ref());
                    tracing::error!(panic = %message, "the database writer panicked; exiting");
                    std::process::exit(70);
                }
            })
            .map_err(|e| StoreInitError::Connect(format!("cannot start the writer: {e}")))?;
        let listener = match &url {
            DatabaseUrl::Postgres(u) if opts.listen => Listener::start(u.clone(), changes.clone()),
            _ => None,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                url,
                tx: Mutex::new(Some(tx)),
                writer: Mutex::new(Some(handle)),
                pool,
                timeout: opts.read_timeout,
                changes,
                listener: Mutex::new(listener),
                write_failure: Mutex::new(None),
            }),
        })
    }

    /// The database, described without secrets.
    #[must_use]
    pub fn describe(&self) -> String {
        self.inner.url.redacted()
    }

    /// Stops accepting writes, lets the writer commit what it has, and waits for it; stops the
    /// listener.
    pub fn shutdown(&self) {
        self.inner.stop();
    }
}

impl Inner {
    /// Whether the writer thread ended while the store still takes writes: nothing can be
    /// written any more.
    fn writer_stopped(&self) -> bool {
        let open = self.tx.lock().is_ok_and(|tx| tx.is_some());
        open && self.writer.lock().map_or(true, |h| {
            h.as_ref().is_none_or(std::thread::JoinHandle::is_finished)
        })
    }

    fn stop(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        if let Some(h) = self.writer.lock().ok().and_then(|mut h| h.take()) {
            let _ = h.join();
        }
        if let Some(l) = self.listener.lock().ok().and_then(|mut l| l.take()) {
            l.stop();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop();
    }
}

impl ChangeFeed for DbStore {
    fn subscribe(&self) -> broadcast::Receiver<Arc<ChangeSet>> {
        self.inner.changes.subscribe()
    }
}

impl DbStore {
    /// Hands a write job to the writer and waits for its answer.
    async fn submit(&self, job: Job, background: bool) -> Result<(), StoreError> {
        let (reply, rx) = oneshot::channel();
        let sent = {
            let guard = self
                .inner
                .tx
                .lock()
                .map_err(|_| StoreError::Internal("writer lock poisoned".into()))?;
            match guard.as_ref() {
                Some(tx) => tx
                    .send(WriteRequest {
                        job,
                        reply,
                        background,
                    })
                    .is_ok(),
                None => false,
            }
        };
        let answer = if sent {
            rx.await
                .map_err(|_| StoreError::Unavailable("the database writer stopped".into()))
                .and_then(|r| r)
        } else {
            Err(StoreError::Unavailable("the store is shutting down".into()))
        };
        // Only the database's failures: a job's own refusal (a conflict, a missing row) says
        // nothing about whether the database can write.
        if let Err(StoreError::Unavailable(e)) = &answer {
            if let Ok(mut failure) = self.inner.write_failure.lock() {
                *failure = Some(WriteFailure {
                    at: Utc::now(),
                    error: e.clone(),
                });
            }
        }
        answer
    }
}

#[async_trait]
impl Store for DbStore {
    async fn write_job(&self, job: Job) -> Result<(), StoreError> {
        self.submit(job, false).await
    }

    async fn write_background_job(&self, job: Job) -> Result<(), StoreError> {
        self.submit(job, true).await
    }

    async fn read_job(&self, job: Job) -> Result<(), StoreError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            inner.with_read_conn(inner.timeout, |conn| {
                let mut ignored = ChangeSet::default();
                let mut repo = Repo::new(conn, &mut ignored);
                job(&mut repo)
            })
        })
        .await
        .map_err(|e| StoreError::Internal(format!("read task failed: {e}")))?
    }

    fn backend(&self) -> &'static str {
        self.inner.url.backend()
    }

    fn write_failure(&self) -> Option<WriteFailure> {
        self.inner.write_failure.lock().ok().and_then(|f| f.clone())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        if self.inner.writer_stopped() {
            return Err(StoreError::Unavailable(
                "the database writer stopped".into(),
            ));
        }
        let inner = Arc::clone(&self.inner);
        // A health check answers within 2 s even when the pool would wait longer.
        let timeout = inner.timeout.min(Duration::from_secs(2));
        tokio::task::spawn_blocking(move || {
            inner.with_read_conn(timeout, |conn| {
                conn.batch_execute("SELECT 1")
                    .map_err(|e| StoreError::Unavailable(e.to_string()))
            })
        })
        .await
        .map_err(|e| StoreError::Internal(format!("ping task failed: {e}")))?
    }
}
