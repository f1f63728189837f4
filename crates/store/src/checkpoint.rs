//! SQLite only: the write-ahead log is copied back into the database file by a thread of its
//! own, not by the writer.
//!
//! By default SQLite checkpoints inside the commit that pushes the log past 1,000 pages: that
//! commit (and every delivery waiting on it) then also pays for copying the log into the
//! database and for an fsync of the database file. The writer turns that off
//! (`PRAGMA wal_autocheckpoint = 0`) and this thread runs `PASSIVE` checkpoints, which never
//! block the writer or readers, shortly after commits. Once the log holds [`RESTART_FRAMES`]
//! pages, this thread runs passes back to back until one finds few new pages, and then the
//! writer copies the pages committed since (see [`Checkpointer::restart_if_large`]), so that
//! the log starts again from its beginning: a
//! writer that keeps committing never lets a passive checkpoint do that, and a log file that
//! keeps growing costs more to write to than one written over. Readers that never pause can
//! still hold the log back; past twice that size this thread forces the start-over with a
//! `RESTART` checkpoint, which pauses the writer briefly.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::sql_types::Integer;
use diesel::{QueryableByName, RunQueryDsl};

use crate::conn::{establish, DatabaseUrl, DbConnection};

/// The pragmas the writer runs on every SQLite connection it opens: no checkpoints in commits,
/// and the log file cut back to 512 MiB whenever it starts over (it normally stays smaller).
pub const WRITER_PRAGMA: &str =
    "PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 536870912";

/// How long after a commit the next checkpoint runs, at most.
const INTERVAL: Duration = Duration::from_millis(100);

/// Log size, in pages, past which the writer lets the log start over (256 MiB at 4 KiB pages).
/// Each start-over costs the writer a pause (copying the last commits, two fsyncs): a smaller
/// log starts over so often under full load that those pauses bound the latency's tail
/// (docs/BENCHMARKS.md).
pub const RESTART_FRAMES: i32 = 65_536;

/// Pages committed since the previous pass below which the log is caught up enough for the
/// writer's start-over pass (4 MiB: a few milliseconds to copy and sync).
const CAUGHT_UP_FRAMES: i32 = 1024;

/// Most passes run back to back to catch up before the writer's start-over pass.
const CATCH_UP_PASSES: u32 = 4;

/// Log size, in pages, past which this thread forces the log to start over (see `run`).
const STARVED_FRAMES: i32 = 2 * RESTART_FRAMES;

#[derive(QueryableByName)]
struct CheckpointRow {
    #[diesel(sql_type = Integer)]
    busy: i32,
    /// Frames in the log.
    #[diesel(sql_type = Integer)]
    log: i32,
    /// Frames copied into the database.
    #[diesel(sql_type = Integer)]
    checkpointed: i32,
}

#[derive(Default)]
struct State {
    dirty: bool,
    stop: bool,
}

/// Tells the checkpointer about commits; stops it when dropped.
pub struct Checkpointer {
    shared: Arc<(Mutex<State>, Condvar)>,
    /// Pages in the log at the last checkpoint.
    log_frames: Arc<AtomicI32>,
    handle: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Checkpointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpointer").finish_non_exhaustive()
    }
}

impl Checkpointer {
    /// Starts the thread for the SQLite database at `url`; `None` for PostgreSQL or an
    /// in-memory database, which have no log to copy, and when its connection cannot be opened
    /// (the writer then keeps SQLite's own checkpoints).
    #[must_use]
    pub fn start(url: &DatabaseUrl) -> Option<Self> {
        match url {
            DatabaseUrl::Sqlite(path) if path != ":memory:" => {}
            _ => return None,
        }
        let conn = match establish(url, false) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpointer cannot open the database; the writer checkpoints instead");
                return None;
            }
        };
        let shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let log_frames = Arc::new(AtomicI32::new(0));
        let handle = {
            let (shared, log_frames) = (Arc::clone(&shared), Arc::clone(&log_frames));
            std::thread::Builder::new()
                .name("wacloud-db-checkpoint".into())
                .spawn(move || run(conn, &shared, &log_frames))
                .ok()?
        };
        Some(Self {
            shared,
            log_frames,
            handle: Some(handle),
        })
    }

    /// Called by the writer between transactions: once the log holds [`RESTART_FRAMES`]
    /// pages and this thread has caught up, copies what its last pass left (the commits made
    /// during it) on the writer's own connection, so that its next transaction starts the log
    /// over. Every commit waits for this pass, which costs mostly the fsync of the pages it
    /// copies, so the checkpointer catches up first and leaves it little to copy. Nothing else
    /// can:
    /// passive checkpoints never finish the log while the writer keeps committing, and a
    /// `RESTART` checkpoint from this thread would make the writer wait in SQLite's busy
    /// handler, which sleeps in steps of up to 100 ms.
    pub fn restart_if_large(&self, writer: &mut DbConnection) {
        if self.log_frames.load(Ordering::Relaxed) < RESTART_FRAMES {
            return;
        }
        if let Some(r) = checkpoint(writer, "PASSIVE") {
            if r.busy == 0 && r.checkpointed == r.log {
                self.log_frames.store(0, Ordering::Relaxed);
            }
        }
    }

    /// Notes that the writer committed.
    pub fn committed(&self) {
        let (lock, cv) = &*self.shared;
        if let Ok(mut s) = lock.lock() {
            if !s.dirty {
                s.dirty = true;
                cv.notify_one();
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        {
            let (lock, cv) = &*self.shared;
            if let Ok(mut s) = lock.lock() {
                s.stop = true;
                cv.notify_one();
            }
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn checkpoint(c: &mut DbConnection, mode: &str) -> Option<CheckpointRow> {
    let DbConnection::Sqlite(c) = c else {
        return None;
    };
    diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})"))
        .get_result::<CheckpointRow>(c)
        .map_err(|e| tracing::warn!(error = %e, mode, "WAL checkpoint failed"))
        .ok()
}

/// Whether to run another pass at once after one that found `log` pages in the log, `fresh` of
/// them committed since the pass before, `passes` of them already run back to back: past the
/// start-over size, until the log is caught up or [`CATCH_UP_PASSES`] have run.
fn catch_up(log: i32, fresh: i32, passes: u32) -> bool {
    log >= RESTART_FRAMES && fresh > CAUGHT_UP_FRAMES && passes < CATCH_UP_PASSES
}

fn run(mut conn: DbConnection, shared: &(Mutex<State>, Condvar), log_frames: &AtomicI32) {
    let (lock, cv) = shared;
    let mut last_log = 0_i32;
    let mut catching_up = 0_u32;
    loop {
        {
            let Ok(mut s) = lock.lock() else { break };
            // While catching up, the next pass runs whether or not anything was committed.
            while !s.dirty && !s.stop && catching_up == 0 {
                s = match cv.wait(s) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            }
            if s.stop {
                break;
            }
            s.dirty = false;
        }
        // Let a few commits gather: one checkpoint then copies each page once. Not while
        // catching up for a start-over: then the next pass follows at once.
        if catching_up == 0 {
            std::thread::sleep(INTERVAL);
        }
        if let Some(r) = checkpoint(&mut conn, "PASSIVE") {
            // Past the start-over size, passes follow each other until one finds only a few
            // pages committed since the last (or a few have run): the writer's own pass, which
            // holds every commit back, then copies and syncs only those.
            let fresh = r.log.saturating_sub(last_log);
            last_log = r.log;
            if catch_up(r.log, fresh, catching_up) {
                catching_up += 1;
            } else {
                catching_up = 0;
                log_frames.store(r.log, Ordering::Relaxed);
            }
            if r.log >= STARVED_FRAMES {
                // Readers that never pause (a dashboard polling under constant webhook load)
                // keep the log from starting over even after the writer's catch-up. RESTART
                // holds new writes back and waits for those readers, then the log starts over:
                // a pause of the writer, once per 512 MiB of log, instead of a log that grows
                // without bound.
                tracing::info!(
                    frames = r.log,
                    "write-ahead log kept from starting over; restarting it"
                );
                if let Some(r) = checkpoint(&mut conn, "RESTART") {
                    log_frames.store(r.log, Ordering::Relaxed);
                }
            }
        }
    }
    // The last connection to close checkpoints what is left; make it this one's job too.
    let _ = checkpoint(&mut conn, "PASSIVE");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_up_before_a_start_over_and_not_forever() {
        // Below the start-over size: the usual pause between passes.
        assert!(!catch_up(RESTART_FRAMES - 1, 50_000, 0));
        // Past it, with many pages committed during the last pass: at once again.
        assert!(catch_up(RESTART_FRAMES, CAUGHT_UP_FRAMES + 1, 0));
        assert!(catch_up(
            RESTART_FRAMES * 3 / 2,
            10_000,
            CATCH_UP_PASSES - 1
        ));
        // Caught up: the writer's pass follows.
        assert!(!catch_up(RESTART_FRAMES, CAUGHT_UP_FRAMES, 0));
        // A disk too slow to ever catch up: the writer's pass follows anyway.
        assert!(!catch_up(RESTART_FRAMES, 10_000, CATCH_UP_PASSES));
    }
}
