//! SQLite only: the fsync that makes a commit durable runs on a thread of its own, while the
//! writer already runs the next batch.
//!
//! With `PRAGMA synchronous = FULL` SQLite writes a commit's pages to the write-ahead log and
//! then waits for `fsync` inside the commit: the writer, the only thread that can write, sits
//! idle for every fsync (about a quarter of its time under webhook load). In group-commit mode
//! the writer's connection runs `synchronous = NORMAL` instead (the log is written at each
//! commit but not synced; checkpoints still sync it first) and hands each committed batch's
//! replies to this thread, which calls `fdatasync` on the log file and only then answers the
//! batch's callers and announces its changes. `fdatasync` covers everything written to the file
//! before it was called, so one call makes every batch queued behind it durable: no caller is
//! answered before its commit would survive a power loss, exactly as with `FULL`.
//!
//! What differs from `FULL`: a reader on another connection can see a batch in the moment
//! between its commit and the fsync. Whatever acts on data outside the database (the send
//! queue, which claims an item before calling Meta) first writes through the writer and waits
//! for its own answer, which comes only after an fsync that covers every earlier commit.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::{broadcast, oneshot};
use wacloud_core::changes::ChangeSet;
use wacloud_core::ports::StoreError;

/// A committed batch waiting for its fsync: the callers' answers and what it changed.
pub(crate) struct Committed {
    pub replies: Vec<oneshot::Sender<Result<(), StoreError>>>,
    pub results: Vec<Result<(), StoreError>>,
    pub changes: Option<Arc<ChangeSet>>,
}

impl Committed {
    /// Announces the batch's changes and answers its callers; when the commit could not be
    /// made durable (`synced` failed), jobs that succeeded are answered `Unavailable` and
    /// nothing is announced.
    pub fn answer(self, changes: &broadcast::Sender<Arc<ChangeSet>>, synced: &std::io::Result<()>) {
        if synced.is_ok() {
            if let Some(c) = self.changes {
                let _ = changes.send(c);
            }
        }
        for (reply, result) in self.replies.into_iter().zip(self.results) {
            let result = match (synced, result) {
                (Err(e), Ok(())) => Err(StoreError::Unavailable(format!(
                    "the commit could not be made durable: {e}"
                ))),
                (_, r) => r,
            };
            let _ = reply.send(result);
        }
    }
}

/// Syncs the write-ahead log of one SQLite database for the writer; stops (after answering
/// every batch handed to it) when dropped.
pub(crate) struct WalSyncer {
    tx: Option<mpsc::Sender<Committed>>,
    handle: Option<JoinHandle<()>>,
}

impl WalSyncer {
    /// Starts the thread for the database file at `database` (its log is `<database>-wal`):
    /// the path SQLite reports for the writer's connection ([`database_file`]).
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn start(
        database: &str,
        changes: broadcast::Sender<Arc<ChangeSet>>,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Committed>();
        let mut log = WalFile::new(database);
        let handle = std::thread::Builder::new()
            .name("wacloud-db-fsync".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut ready = vec![first];
                    ready.extend(rx.try_iter());
                    let synced = log.sync();
                    if let Err(e) = &synced {
                        tracing::error!(error = %e, "fsync of the write-ahead log failed; answering the batch as failed");
                    }
                    for batch in ready {
                        batch.answer(&changes, &synced);
                    }
                }
            })?;
        Ok(Self {
            tx: Some(tx),
            handle: Some(handle),
        })
    }

    /// Hands a committed batch over; its callers are answered after the next fsync.
    pub fn push(&self, batch: Committed) {
        if let Some(tx) = &self.tx {
            if let Err(mpsc::SendError(batch)) = tx.send(batch) {
                // The thread is gone (it cannot panic short of a bug): answer without it.
                for reply in batch.replies {
                    let _ = reply.send(Err(StoreError::Unavailable(
                        "the write-ahead log syncer stopped".into(),
                    )));
                }
            }
        }
    }
}

impl Drop for WalSyncer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[derive(diesel::QueryableByName)]
struct MainFile {
    #[diesel(sql_type = diesel::sql_types::Text)]
    file: String,
}

/// The file of a connection's main database as SQLite resolved it (a `file:` URI or a relative
/// path gives the real path); `None` for an in-memory or temporary database.
pub(crate) fn database_file(conn: &mut diesel::SqliteConnection) -> Option<String> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result::<MainFile>(conn)
        .ok()
        .map(|m| m.file)
        .filter(|f| !f.is_empty())
}

/// The log file, opened once and again whenever the path names a new file (SQLite deletes the
/// log when the last connection closes and creates it again on the next write).
struct WalFile {
    path: PathBuf,
    database: PathBuf,
    dir: PathBuf,
    open: Option<(File, u64)>,
}

impl WalFile {
    fn new(database: &str) -> Self {
        let path = PathBuf::from(format!("{database}-wal"));
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        Self {
            path,
            database: PathBuf::from(database),
            dir,
            open: None,
        }
    }

    /// `fdatasync` of the log as the path names it now. A log file new to this thread also has
    /// its directory synced, so that its name survives a power loss too.
    ///
    /// No log file means the last connection closed and copied it all into the database (the
    /// writer's own connection closing at shutdown): the database file is synced instead.
    fn sync(&mut self) -> std::io::Result<()> {
        let ino = match std::fs::metadata(&self.path) {
            Ok(m) => m.ino(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return File::open(&self.database)?.sync_data();
            }
            Err(e) => return Err(e),
        };
        if self.open.as_ref().is_none_or(|(_, i)| *i != ino) {
            let f = File::open(&self.path)?;
            let ino = f.metadata()?.ino();
            File::open(&self.dir)?.sync_all()?;
            self.open = Some((f, ino));
        }
        match &self.open {
            Some((f, _)) => f.sync_data(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_every_batch_after_syncing_and_reports_a_failed_sync() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        std::fs::write(format!("{}-wal", db.display()), b"frames").unwrap();
        let (changes, mut sub) = broadcast::channel(8);
        let syncer = WalSyncer::start(db.to_str().unwrap(), changes).unwrap();
        let mut waiting = Vec::new();
        for i in 0..3 {
            let (reply, rx) = oneshot::channel();
            let mut set = ChangeSet::default();
            set.messages.push(format!("m{i}"));
            syncer.push(Committed {
                replies: vec![reply],
                results: vec![if i == 1 {
                    Err(StoreError::Conflict("job failed".into()))
                } else {
                    Ok(())
                }],
                changes: Some(Arc::new(set)),
            });
            waiting.push(rx);
        }
        let answers: Vec<_> = waiting
            .into_iter()
            .map(|rx| rx.blocking_recv().unwrap())
            .collect();
        assert!(answers[0].is_ok() && answers[2].is_ok(), "{answers:?}");
        assert!(matches!(answers[1], Err(StoreError::Conflict(_))));
        for i in 0..3 {
            assert_eq!(sub.try_recv().unwrap().messages, vec![format!("m{i}")]);
        }

        // The log gone (the last connection closed): the database file is synced instead.
        std::fs::remove_file(format!("{}-wal", db.display())).unwrap();
        std::fs::write(&db, b"pages").unwrap();
        let (reply, rx) = oneshot::channel();
        syncer.push(Committed {
            replies: vec![reply],
            results: vec![Ok(())],
            changes: None,
        });
        assert!(rx.blocking_recv().unwrap().is_ok());

        // Neither file can be synced: the batch is answered as not durable, and its changes
        // are not announced.
        std::fs::remove_file(&db).unwrap();
        let (reply, rx) = oneshot::channel();
        syncer.push(Committed {
            replies: vec![reply],
            results: vec![Ok(())],
            changes: Some(Arc::new(ChangeSet::default())),
        });
        assert!(matches!(
            rx.blocking_recv().unwrap(),
            Err(StoreError::Unavailable(_))
        ));
        drop(syncer);
        assert!(sub.try_recv().is_err());
    }
}
