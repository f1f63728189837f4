//! Several instances sending for one number stay under its throughput together: each one's
//! pacer runs at a share of the number's rate, agreed through the database.
//!
//! [`spawn_rate_share`] runs, per number, a task that renews this instance's record in
//! `whatsapp_pacing_shares` every [`RENEW_EVERY`] (every [`WAITING_RENEW_EVERY`] while it waits
//! for a share), each record living [`LEASE`]. The rule is the core's
//! `wacloud_core::pacing::share_for`: the even split of the rate among the instances that sent
//! for the number in the last [`IDLE_AFTER`] (or wait to), never more than the others' records
//! leave. So an
//! idle instance holds no share (a busy one gets the whole rate), a newcomer starts once the
//! others made room (within about one renewal), a stopped instance gives its share back at
//! once and a dead one when its lease runs out.
//!
//! On SQLite (one instance by design) nothing runs and the pacer keeps the whole rate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;
use wacloud_core::ports::{new_id, Clock, Store, SystemClock};
use wacloud_core::usecases::pacing::{give_back_share, renew_share};
use wacloud_graph::Pacer;

/// How often an instance renews its record for a number.
pub const RENEW_EVERY: Duration = Duration::from_millis(500);
/// How often it renews while it waits for a share (the others make room on their own renewal).
pub const WAITING_RENEW_EVERY: Duration = Duration::from_millis(100);
/// How long a record counts after its renewal: a dead instance's share is free after this.
pub const LEASE: Duration = Duration::from_secs(3);
/// An instance that asked its pacer for nothing this long is idle and holds no share.
pub const IDLE_AFTER: Duration = Duration::from_secs(1);

/// A number's pacer and what it is shared under.
#[derive(Debug, Clone)]
pub struct PacedNumber {
    /// The number's `phone_number_id`, which its records are kept under.
    pub phone_number_id: String,
    /// The number's throughput, in messages per second (`WACLOUD_MESSAGES_PER_SECOND`), which
    /// the instances share.
    pub cap: u32,
    /// The pacer every send for the number goes through in this instance.
    pub pacer: Pacer,
}

/// Starts sharing `number`'s rate with the other instances on `store` until `stop` turns true,
/// then deletes this instance's record. On SQLite it does nothing (the pacer keeps the whole
/// rate) and returns `None`. The pacer holds the number (share 0) from this call until the
/// first renewal.
pub fn spawn_rate_share(
    store: Arc<dyn Store>,
    number: PacedNumber,
    stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    if store.backend() != "postgres" {
        return None;
    }
    number.pacer.set_share(0);
    Some(tokio::spawn(run(store, number, stop)))
}

async fn run(store: Arc<dyn Store>, number: PacedNumber, mut stop: watch::Receiver<bool>) {
    let PacedNumber {
        phone_number_id,
        cap,
        pacer,
    } = number;
    let instance = format!("pacer-{}", new_id());
    tracing::info!(%instance, %phone_number_id, cap, "sharing the number's rate with other instances");
    let clock = SystemClock;
    let lease = chrono::Duration::from_std(LEASE).unwrap_or_else(|_| chrono::Duration::seconds(3));
    let mut asked = pacer.slots_asked();
    let mut active_at: Option<Instant> = None;
    let mut renewed_at: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let now_asked = pacer.slots_asked();
        if now_asked != asked {
            asked = now_asked;
            active_at = Some(Instant::now());
        }
        // Callers held for want of a share asked once and still wait, however long ago.
        let sending =
            pacer.held_for_share() > 0 || active_at.is_some_and(|t| t.elapsed() < IDLE_AFTER);
        let now = clock.now();
        // A lower share is applied before it is committed, so nobody counts on room this
        // instance still uses; a higher one only once it is.
        let lower = pacer.clone();
        let result = renew_share(
            store.as_ref(),
            &phone_number_id,
            &instance,
            cap,
            sending,
            now,
            now + lease,
            move |share| {
                if share < lower.share() {
                    lower.set_share(share);
                }
            },
        )
        .await;
        match result {
            Ok(share) => {
                renewed_at = Some(Instant::now());
                if share != pacer.share() {
                    tracing::debug!(%phone_number_id, share, sending, "pacing share");
                }
                pacer.set_share(share);
            }
            Err(e) => {
                if let Some(suppressed) = crate::log_throttle::PACING_SHARE.allow() {
                    tracing::warn!(error = %e, suppressed, %phone_number_id, "pacing: cannot renew this instance's share of the number's rate");
                }
                // Past its lease the record no longer counts for the others. Without the
                // database this instance cannot send anyway (every send writes its row first),
                // so the pacer goes back to the whole rate rather than holding sends forever: a
                // send then fails at its write with a clear 503 instead of waiting.
                if renewed_at.is_none_or(|t| t.elapsed() >= LEASE) {
                    pacer.set_share(cap);
                }
            }
        }
        let next = if sending && pacer.share() == 0 {
            WAITING_RENEW_EVERY
        } else {
            RENEW_EVERY
        };
        tokio::select! {
            () = tokio::time::sleep(next) => {}
            // Someone waits for the number while this instance holds no share: ask at once.
            () = pacer.share_wanted() => {}
            _ = stop.changed() => {}
        }
    }
    if let Err(e) = give_back_share(store.as_ref(), &phone_number_id, &instance).await {
        tracing::warn!(error = %e, %phone_number_id, "pacing: cannot give back this instance's share (it returns when its lease runs out)");
    }
}
