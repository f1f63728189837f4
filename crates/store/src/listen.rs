//! Live updates across server instances on PostgreSQL: `NOTIFY` in the committing transaction,
//! and one `LISTEN`ing connection per instance that hands every notification to the local
//! subscribers.
//!
//! diesel's [`PgConnection::notifications_iter`] reads what has arrived without blocking; the
//! listener polls it every [`POLL`] (a non-blocking `recv` on the socket, no round trip to the
//! server), which bounds the added latency of a live update, and checks the connection with a
//! query every [`CHECK_EVERY`]. After a lost connection it reconnects with back-off and tells the
//! subscribers to re-read everything, since notifications sent meanwhile are lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::PgConnection;
use tokio::sync::broadcast;
use wacloud_core::changes::ChangeSet;

/// The channel wacloud's instances notify each other on.
pub const CHANNEL: &str = "wacloud_changes";
/// How often the listener looks for notifications.
pub const POLL: Duration = Duration::from_millis(25);
/// How often the listener checks its connection with a query.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);
/// Ids per notification: 36-character ids, quoted, stay well under PostgreSQL's 8000-byte
/// payload limit.
const IDS_PER_NOTIFY: usize = 150;

/// Sends `changes` with `pg_notify` on [`CHANNEL`]; delivered to listeners only if the
/// surrounding transaction commits.
///
/// # Errors
/// The database error of the statement.
pub fn notify(conn: &mut PgConnection, changes: &ChangeSet) -> QueryResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    for part in changes.clone().chunks(IDS_PER_NOTIFY) {
        let payload = serde_json::to_string(&part).unwrap_or_else(|_| r#"{"resync":true}"#.into());
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(CHANNEL)
            .bind::<Text, _>(payload)
            .execute(conn)?;
    }
    Ok(())
}

/// The listening thread of one instance.
#[derive(Debug)]
pub struct Listener {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Listener {
    /// Starts listening on `url` (a PostgreSQL URL), publishing into `out`. The first
    /// connection is made before this returns, so every change committed afterwards is heard
    /// (when the database cannot be reached now, the thread keeps trying). `None` when the
    /// thread cannot be started.
    #[must_use]
    pub fn start(url: String, out: broadcast::Sender<Arc<ChangeSet>>) -> Option<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let first = connect(&url)
            .map_err(|e| tracing::warn!(error = %e, "change listener cannot connect yet"))
            .ok();
        let handle = std::thread::Builder::new()
            .name("wacloud-db-listen".into())
            .spawn(move || run(&url, first, &out, &flag))
            .map_err(|e| tracing::error!(error = %e, "cannot start the change listener"))
            .ok()?;
        Some(Self {
            stop,
            handle: Some(handle),
        })
    }

    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn connect(url: &str) -> Result<PgConnection, String> {
    let mut c =
        PgConnection::establish(url).map_err(|e| e.to_string().replace(url, "(database url)"))?;
    c.batch_execute(&format!("LISTEN {CHANNEL}"))
        .map_err(|e| e.to_string())?;
    Ok(c)
}

fn run(
    url: &str,
    first: Option<PgConnection>,
    out: &broadcast::Sender<Arc<ChangeSet>>,
    stop: &AtomicBool,
) {
    let mut lost = first.is_none();
    let mut conn = first;
    let mut backoff = Duration::from_millis(100);
    let mut last_check = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let Some(c) = conn.as_mut() else {
            match connect(url) {
                Ok(c) => {
                    conn = Some(c);
                    backoff = Duration::from_millis(100);
                    last_check = Instant::now();
                    if lost {
                        tracing::info!("change listener reconnected");
                        // Whatever was notified while we were away is lost: re-read.
                        let _ = out.send(Arc::new(ChangeSet::resync()));
                    }
                }
                Err(e) => {
                    if !lost {
                        tracing::warn!(error = %e, "change listener cannot connect");
                    }
                    lost = true;
                    sleep_unless_stopped(backoff, stop);
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
            continue;
        };
        let mut broken = false;
        if last_check.elapsed() >= CHECK_EVERY {
            last_check = Instant::now();
            broken = c.batch_execute("SELECT 1").is_err();
        }
        if !broken {
            for n in c.notifications_iter() {
                match n {
                    Ok(n) if n.channel == CHANNEL => {
                        let set = serde_json::from_str::<ChangeSet>(&n.payload)
                            .unwrap_or_else(|_| ChangeSet::resync());
                        let _ = out.send(Arc::new(set));
                    }
                    Ok(_) => {}
                    Err(_) => {
                        broken = true;
                        break;
                    }
                }
            }
        }
        if broken {
            tracing::warn!("change listener lost its connection; reconnecting");
            conn = None;
            lost = true;
            continue;
        }
        std::thread::sleep(POLL);
    }
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}
