//! Background work: the outbound queue, and deliveries stored but not yet processed.
//!
//! The queue worker is the I/O loop around the core's queue use cases: it claims due items under
//! a lease, takes each one's pacer slots in order (the recipient's pair-rate slot without
//! waiting — an item whose recipient is not ready is deferred, so one busy recipient never holds
//! up the others — then the number's throughput slot), and runs up to `WACLOUD_QUEUE_WORKERS`
//! sends at once. While sending is paused (an access token Meta refused), it claims nothing and
//! probes the token every `WACLOUD_TOKEN_PROBE_SECS`; the pause ends by itself once the probe
//! succeeds. Once a second it settles `unknown` items whose grace period ended, and once an hour
//! it forgets idempotency keys older than a day.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as ChronoDuration;
use tokio::sync::{watch, Semaphore};
use wacloud_core::ports::{
    new_id, read, write, write_background, Clock, Store, StoreError, SystemClock,
};
use wacloud_core::queue::{QueueItem, QueueOutcome, QueueState};
use wacloud_core::usecases::idempotency;
use wacloud_core::usecases::ingest::reprocess;
use wacloud_core::usecases::ingest::OurNumbers;
use wacloud_core::usecases::queue::{recipient, sweep_unknown, work_item};
use wacloud_core::webhook::WebhookState;
use wacloud_store::{DbStore, StoreOptions};

use crate::adapters::webhook_events::parse_delivery;
use crate::settings::Settings;
use crate::state::AppState;

/// How often the worker looks for due work when nothing woke it.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// Runs the queue until `stop` turns true, then waits (up to the Graph timeout) for the sends
/// in flight to record their outcome.
pub async fn run_queue(state: AppState, mut stop: watch::Receiver<bool>) {
    let owner = format!("worker-{}", new_id());
    let concurrency = state.settings.queue.workers;
    let permits = Arc::new(Semaphore::new(concurrency));
    let lease = ChronoDuration::from_std(state.settings.queue.lease)
        .unwrap_or_else(|_| ChronoDuration::seconds(60));
    // Claim about half a second of the number's throughput at a time, so claimed items do not
    // wait long for their slot (their lease keeps running meanwhile).
    let claim_size = i64::from((state.settings.throughput.messages_per_second / 2).clamp(1, 500));
    let mut last_sweep = Instant::now();
    let mut last_purge: Option<Instant> = None;
    tracing::info!(%owner, lease_secs = lease.num_seconds(), concurrency, "queue worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        if last_sweep.elapsed() >= Duration::from_secs(1) {
            last_sweep = Instant::now();
            maintenance(&state, &mut last_purge).await;
        }
        if state.gate.paused().is_some() {
            probe_token(&state, &mut stop).await;
            continue;
        }
        let free = permits.available_permits();
        if free == 0 {
            // Every send slot is busy: wait for one to come back.
            tokio::select! {
                p = Arc::clone(&permits).acquire_owned() => drop(p),
                _ = stop.changed() => {}
            }
            continue;
        }
        let limit = claim_size.min(i64::try_from(free).unwrap_or(i64::MAX));
        let now = state.clock.now();
        let owner_c = owner.clone();
        let claimed = write(state.store.as_ref(), move |r| {
            r.claim_queue_items(&owner_c, now, now + lease, limit)
        })
        .await;
        let items = match claimed {
            Ok(items) => items,
            Err(e) => {
                if let Some(suppressed) = crate::log_throttle::QUEUE_CLAIM.allow() {
                    tracing::warn!(error = %e, suppressed, "queue: cannot claim work");
                }
                Vec::new()
            }
        };
        if items.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = state.queue_wake.notified() => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        dispatch(&state, &owner, &permits, items).await;
    }
    // Let the sends in flight record their outcome.
    let all = u32::try_from(concurrency).unwrap_or(u32::MAX);
    let wait = state.settings.meta.graph_timeout + Duration::from_secs(2);
    let _ = tokio::time::timeout(wait, permits.acquire_many(all)).await;
}

/// Paces and starts the sends of claimed items, in order.
async fn dispatch(state: &AppState, owner: &str, permits: &Arc<Semaphore>, items: Vec<QueueItem>) {
    let mut deferred: Vec<(String, chrono::DateTime<chrono::Utc>)> = Vec::new();
    for item in items {
        if state.gate.paused().is_some() {
            deferred.push((item.id.clone(), state.clock.now()));
            continue;
        }
        // An attempt found in flight is settled without a send; an invalid recipient fails
        // without one: neither takes a pacing slot.
        let needs_slot = item.attempt_started_at.is_none();
        if needs_slot {
            if let Ok(to) = recipient(&item) {
                if let Err(wait) = state.messenger.reserve_recipient(&to) {
                    let until = state.clock.now()
                        + ChronoDuration::from_std(wait)
                            .unwrap_or_else(|_| ChronoDuration::seconds(1));
                    deferred.push((item.id.clone(), until));
                    continue;
                }
                state.messenger.until_number_ready().await;
            }
        }
        let Ok(permit) = Arc::clone(permits).acquire_owned().await else {
            return;
        };
        let st = state.clone();
        let owner = owner.to_owned();
        tokio::spawn(async move {
            let id = item.id.clone();
            let r = work_item(
                st.store.as_ref(),
                st.messenger.as_ref(),
                st.clock.as_ref(),
                &st.gate,
                &owner,
                item,
            )
            .await;
            match r {
                Err(e) => {
                    if let Some(suppressed) = crate::log_throttle::QUEUE_OUTCOME.allow() {
                        tracing::warn!(error = %e, item = %id, suppressed, "queue: outcome not recorded");
                    }
                }
                Ok(QueueOutcome::Failed { error, .. }) => {
                    tracing::debug!(%error, item = %id, "queue item failed");
                }
                Ok(QueueOutcome::Unknown { error, .. }) => {
                    tracing::info!(%error, item = %id, "queue item outcome unknown");
                }
                Ok(_) => {}
            }
            drop(permit);
        });
    }
    if !deferred.is_empty() {
        let now = state.clock.now();
        let result = write(state.store.as_ref(), move |r| {
            for (id, until) in deferred {
                r.finish_queue_item(
                    &id,
                    &QueueOutcome::Deferred {
                        until,
                        note: None,
                        undo_attempt: false,
                    },
                    now,
                    &[QueueState::Sending],
                )?;
            }
            Ok(())
        })
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "queue: cannot defer items (their lease will run out)");
        }
    }
}

/// While sending is paused: waits for the probe interval, then tries the token once.
async fn probe_token(state: &AppState, stop: &mut watch::Receiver<bool>) {
    tokio::select! {
        _ = tokio::time::sleep(state.settings.meta.token_probe_interval) => {}
        _ = stop.changed() => return,
    }
    match state.messenger.probe().await {
        Ok(()) => {
            if state.gate.resume() {
                tracing::info!("the access token works again: sending resumes");
                state.queue_wake.notify_one();
            }
        }
        Err(e) => tracing::debug!(error = %e, "the access token is still refused"),
    }
}

async fn maintenance(state: &AppState, last_purge: &mut Option<Instant>) {
    // PostgreSQL records /stats's count changes as delta rows; folding them each second keeps
    // the read short (it is exact either way). SQLite changes the counts directly.
    if state.store.backend() == "postgres" {
        if let Err(e) = write_background(state.store.as_ref(), |r| r.fold_counts()).await {
            tracing::debug!(error = %e, "cannot fold the counts of /stats yet");
        }
    }
    match sweep_unknown(
        state.store.as_ref(),
        state.clock.as_ref(),
        state.queue_policy,
    )
    .await
    {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            items = n,
            resend = state.queue_policy.resend_unknown,
            "queue: items whose outcome stayed unknown past the grace period"
        ),
        Err(e) => tracing::warn!(error = %e, "queue: cannot settle unknown items"),
    }
    if last_purge.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
        *last_purge = Some(Instant::now());
        if let Err(e) = idempotency::purge(state.store.as_ref(), state.clock.now()).await {
            tracing::warn!(error = %e, "cannot forget old idempotency keys");
        }
        // Ended sessions nobody presented again, and failed logins long past.
        let now = state.clock.now();
        let (s, l) = (state.auth.sessions, state.auth.lockout);
        let purge = move |r: &mut dyn wacloud_core::ports::Repos| {
            r.purge_auth(
                now - s.idle,
                now - s.absolute,
                now - l.forget_after.max(l.lock_for),
            )
        };
        if let Err(e) = write_background(state.store.as_ref(), purge).await {
            tracing::warn!(error = %e, "cannot remove ended sessions");
        }
    }
}

/// Processes again the stored deliveries that are unprocessed (and failed, when
/// `include_failed`), oldest first. Returns how many were processed and how many still fail.
///
/// # Errors
/// [`StoreError`] when the database fails.
pub async fn reprocess_pending(
    store: &dyn Store,
    ours: &OurNumbers,
    clock: &dyn Clock,
    include_failed: bool,
) -> Result<(usize, usize), StoreError> {
    let pending = read(store, move |r| r.pending_webhooks(include_failed, 100_000)).await?;
    let (mut done, mut failed) = (0, 0);
    for w in pending {
        let now = clock.now();
        let parsed = parse_delivery(&w.body, now);
        let outcome = reprocess(store, ours.clone(), w.id.clone(), parsed, now).await?;
        if outcome.state == WebhookState::Failed {
            failed += 1;
        } else {
            done += 1;
        }
    }
    Ok((done, failed))
}

/// `wacloud webhooks reprocess`: opens the database of `settings` and reprocesses.
///
/// # Errors
/// A description of what failed.
pub async fn reprocess_stored(
    settings: &Settings,
    include_failed: bool,
) -> Result<(usize, usize), String> {
    let store = DbStore::open(
        &settings.database.url,
        &StoreOptions {
            read_timeout: settings.database.timeout,
            listen: false,
            ..StoreOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let ours = OurNumbers(settings.meta.phone_number_id.iter().cloned().collect());
    let result = reprocess_pending(&store, &ours, &SystemClock, include_failed)
        .await
        .map_err(|e| e.to_string());
    store.shutdown();
    result
}
