//! Background work: the outbound queue, and deliveries stored but not yet processed.
//!
//! The queue worker is the I/O loop around the core's queue use cases: it claims due items under
//! a lease, takes each one's pacer slots in order (the recipient's pair-rate slot without
//! waiting — an item whose recipient is not ready is deferred, so one busy recipient never holds
//! up the others — then the number's throughput slot), and runs up to `WACLOUD_QUEUE_WORKERS`
//! sends at once. Items that got their slots within a few milliseconds of each other are begun
//! in one write, and answers are recorded many to a write (`record_answers`): at 1,000
//! messages/s a transaction per step and message would be most of the queue's CPU. While sending is paused (an access token Meta refused), it claims nothing and
//! probes the token every `WACLOUD_TOKEN_PROBE_SECS`; the pause ends by itself once the probe
//! succeeds. Once a second it settles `unknown` items whose grace period ended, and once an hour
//! it forgets idempotency keys older than a day.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as ChronoDuration;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use wacloud_core::ports::{
    new_id, read, write, write_background, Clock, Store, StoreError, SystemClock,
};
use wacloud_core::queue::{QueueItem, QueueOutcome, QueueState};
use wacloud_core::usecases::ingest::reprocess;
use wacloud_core::usecases::ingest::OurNumbers;
use wacloud_core::usecases::queue::{
    begin_attempts, recipient, record_outcomes, send_attempt, sweep_unknown, Begun, Finished,
};
use wacloud_core::usecases::{contacts, idempotency, privacy};
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
    let (answers, answered) = mpsc::unbounded_channel();
    tokio::spawn(record_answers(state.clone(), answered));
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
        dispatch(&state, &owner, &permits, &answers, items).await;
    }
    // Let the sends in flight record their outcome.
    let all = u32::try_from(concurrency).unwrap_or(u32::MAX);
    let wait = state.settings.meta.graph_timeout + Duration::from_secs(2);
    let _ = tokio::time::timeout(wait, permits.acquire_many(all)).await;
}

/// Most items begun in one write.
const GROUP_MAX: usize = 64;
/// Longest an item that has its pacer slots waits for the rest of its group: the pacer's own
/// burst at any throughput (25 ms), so sends that leave together never exceed what it allows.
const GROUP_WINDOW: Duration = Duration::from_millis(25);
/// Most answers recorded in one write.
const RECORD_MAX: usize = 256;
/// Longest an answer waits for others to be recorded with it. Its item keeps its lease and its
/// attempt mark meanwhile, so a crash in this time leaves it `unknown`, never sent twice.
const RECORD_WINDOW: Duration = Duration::from_millis(20);

/// A sent attempt's answer on its way to [`record_answers`], with the send slot it holds until
/// it is recorded.
type Answered = (Finished, OwnedSemaphorePermit);

/// Paces the claimed items, in order, and starts their sends in groups: each group's attempts
/// are begun in one write ([`begin_attempts`]), then each is sent; the answers go to
/// [`record_answers`].
async fn dispatch(
    state: &AppState,
    owner: &str,
    permits: &Arc<Semaphore>,
    answers: &mpsc::UnboundedSender<Answered>,
    items: Vec<QueueItem>,
) {
    let mut deferred: Vec<(String, chrono::DateTime<chrono::Utc>)> = Vec::new();
    let mut group: Vec<(QueueItem, OwnedSemaphorePermit)> = Vec::new();
    let mut group_since = Instant::now();
    // A group is sent from one number: its items' contacts and pacing are that number's.
    let mut group_messenger = Arc::clone(&state.messenger);
    for item in items {
        if state.gate.paused().is_some() {
            deferred.push((item.id.clone(), state.clock.now()));
            continue;
        }
        let Ok(messenger) = state.numbers.messenger(item.phone_number_id.as_deref()) else {
            // Its number is not configured (any more): it waits for the number to come back.
            tracing::warn!(item = %item.id, number = ?item.phone_number_id, "queue: the item's number is not configured; deferred");
            deferred.push((
                item.id.clone(),
                state.clock.now() + ChronoDuration::minutes(1),
            ));
            continue;
        };
        if !group.is_empty() && !Arc::ptr_eq(&group_messenger, &messenger) {
            start_group(
                state,
                &group_messenger,
                owner,
                answers,
                std::mem::take(&mut group),
            );
        }
        group_messenger = Arc::clone(&messenger);
        // An attempt found in flight is settled without a send; an invalid recipient fails
        // without one: neither takes a pacing slot.
        let needs_slot = item.attempt_started_at.is_none();
        if needs_slot {
            if let Ok(to) = recipient(&item) {
                if let Err(wait) = messenger.reserve_recipient(&to) {
                    let until = state.clock.now()
                        + ChronoDuration::from_std(wait)
                            .unwrap_or_else(|_| ChronoDuration::seconds(1));
                    deferred.push((item.id.clone(), until));
                    continue;
                }
                messenger.until_number_ready().await;
            }
        }
        let Ok(permit) = Arc::clone(permits).acquire_owned().await else {
            break;
        };
        if group.is_empty() {
            group_since = Instant::now();
        }
        group.push((item, permit));
        if group.len() >= GROUP_MAX || group_since.elapsed() >= GROUP_WINDOW {
            start_group(
                state,
                &messenger,
                owner,
                answers,
                std::mem::take(&mut group),
            );
        }
    }
    if !group.is_empty() {
        start_group(state, &group_messenger, owner, answers, group);
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

/// Begins a group's attempts in one write, then sends each one that may go.
fn start_group(
    state: &AppState,
    messenger: &Arc<dyn wacloud_core::ports::Messenger>,
    owner: &str,
    answers: &mpsc::UnboundedSender<Answered>,
    group: Vec<(QueueItem, OwnedSemaphorePermit)>,
) {
    let (st, owner, answers) = (state.clone(), owner.to_owned(), answers.clone());
    let messenger = Arc::clone(messenger);
    tokio::spawn(async move {
        let (items, permits): (Vec<QueueItem>, Vec<OwnedSemaphorePermit>) =
            group.into_iter().unzip();
        let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
        let begun = begin_attempts(
            st.store.as_ref(),
            messenger.as_ref(),
            st.clock.as_ref(),
            &st.gate,
            &owner,
            st.settings.costs.rate_card.clone(),
            items,
        )
        .await;
        for ((result, permit), id) in begun.into_iter().zip(permits).zip(ids) {
            let attempt = match result {
                Ok(Begun::Send(attempt)) => *attempt,
                Ok(Begun::Settled(outcome)) => {
                    log_outcome(&id, &Ok(outcome));
                    continue;
                }
                Err(e) => {
                    log_outcome(&id, &Err(e));
                    continue;
                }
            };
            let (st, answers, messenger) = (st.clone(), answers.clone(), Arc::clone(&messenger));
            tokio::spawn(async move {
                let finished =
                    send_attempt(messenger.as_ref(), st.clock.as_ref(), &st.gate, attempt).await;
                // Only fails once the worker stopped recording: the item's lease runs out and
                // its attempt mark makes it `unknown`.
                let _ = answers.send((finished, permit));
            });
        }
    });
}

/// Records sent attempts' answers in groups (up to [`RECORD_MAX`], gathered for at most
/// [`RECORD_WINDOW`]), each group in one write; a send slot is free again once its answer is
/// recorded.
async fn record_answers(state: AppState, mut rx: mpsc::UnboundedReceiver<Answered>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let until = tokio::time::Instant::now() + RECORD_WINDOW;
        while batch.len() < RECORD_MAX {
            match tokio::time::timeout_at(until, rx.recv()).await {
                Ok(Some(a)) => batch.push(a),
                Ok(None) | Err(_) => break,
            }
        }
        let (finished, permits): (Vec<Finished>, Vec<OwnedSemaphorePermit>) =
            batch.into_iter().unzip();
        let ids: Vec<String> = finished.iter().map(|f| f.item_id().to_owned()).collect();
        let results = record_outcomes(state.store.as_ref(), finished).await;
        for (id, result) in ids.iter().zip(&results) {
            log_outcome(id, result);
        }
        drop(permits);
    }
}

fn log_outcome(id: &str, result: &Result<QueueOutcome, StoreError>) {
    match result {
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

/// Keeps the message search index up to date (SQLite: messages are indexed in the background,
/// off ingestion's transactions; PostgreSQL indexes as it writes and this returns at once):
/// every half second, until caught up, at most ten writes of
/// [`contacts::SEARCH_INDEX_BATCH`] before the next pause.
pub async fn run_search_indexer(state: AppState, mut stop: watch::Receiver<bool>) {
    if state.store.backend() == "postgres" {
        return;
    }
    loop {
        let pause = match contacts::index_for_search(state.store.as_ref(), 10).await {
            Ok(true) => Duration::from_millis(500),
            // More to do: let the writer serve others for a moment, then go on.
            Ok(false) => Duration::from_millis(20),
            Err(e) => {
                tracing::debug!(error = %e, "cannot index messages for search yet");
                Duration::from_secs(2)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// How often the retention pruner looks for what is past its age.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The retention pruner (`WACLOUD_RETAIN_*`): every [`PRUNE_EVERY`] (and once at start),
/// removes raw deliveries applied more than `WACLOUD_RETAIN_WEBHOOK_DAYS` ago and clears the
/// text of messages older than `WACLOUD_RETAIN_MESSAGE_TEXT_DAYS`, in batches of
/// `WACLOUD_RETAIN_BATCH` rows, each one background write (ingestion goes first; a crash leaves
/// every batch whole or undone) followed by a rest of `WACLOUD_RETAIN_PAUSE_MS`. Reports each pass in the log and the metrics; `/stats` shows
/// the deliveries pruned.
pub async fn run_pruner(state: AppState, mut stop: watch::Receiver<bool>) {
    let retention = state.settings.retention;
    let policy = retention.policy;
    if policy.webhook_days.is_none() && policy.message_text_days.is_none() {
        return;
    }
    let mut mark = privacy::PruneMark::default();
    loop {
        let mut report = |p: privacy::Pruned| -> privacy::Pause {
            crate::metrics::pruned(p.webhooks, p.message_texts);
            Box::pin(tokio::time::sleep(retention.pause))
        };
        let pass = privacy::prune(
            state.store.as_ref(),
            policy,
            state.clock.now(),
            retention.batch,
            &mut mark,
            &mut report,
        );
        let result = tokio::select! {
            r = pass => r,
            _ = stop.changed() => return,
        };
        // The files of messages whose media is past its age leave the cache with it.
        state
            .media
            .cache
            .remove(&std::mem::take(&mut mark.media_ids));
        match result {
            Ok(p) if p.webhooks > 0 || p.message_texts > 0 => tracing::info!(
                webhooks = p.webhooks,
                message_texts = p.message_texts,
                "retention: pruned raw deliveries and message texts past their age"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention: cannot prune yet"),
        }
        tokio::select! {
            () = tokio::time::sleep(PRUNE_EVERY) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
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
    // `batch.finished` for a batch whose last two items finished at once in two transactions,
    // each seeing the other's item still open (the write paths write it otherwise).
    let now = state.clock.now();
    let since = now - ChronoDuration::minutes(2);
    match write_background(state.store.as_ref(), move |r| {
        r.emit_finished_batches(since, now)
    })
    .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            batches = n,
            "queue: batch.finished written by the periodic check"
        ),
        Err(e) => tracing::debug!(error = %e, "queue: cannot check finished batches yet"),
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
    // Who listens (rule runs, outgoing webhooks) is read inside each ingest transaction, so
    // reprocessed messages reach them as live ones do.
    let ours = OurNumbers::new(settings.meta.phone_number_id.iter().cloned().collect());
    let result = reprocess_pending(&store, &ours, &SystemClock, include_failed)
        .await
        .map_err(|e| e.to_string());
    store.shutdown();
    result
}

/// Reads every template of each configured number's WhatsApp Business Account from Meta once
/// at start
/// (`usecases::templates::sync`), so that a new installation lists them before any template
/// webhook came; tried again a few times while Meta (or the embedded sandbox, served by this
/// same server) is not reachable yet. Without a WABA id it does nothing; a failure is logged.
pub async fn sync_templates_at_start(state: AppState, mut stop: watch::Receiver<bool>) {
    use wacloud_core::error::CoreError;
    use wacloud_core::outbound::SendFailure;
    for wait in [500_u64, 2_000, 10_000, 30_000] {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(wait)) => {}
            _ = stop.changed() => return,
        }
        let messengers = state.numbers.all_messengers();
        let refs: Vec<&dyn wacloud_core::ports::Messenger> =
            messengers.iter().map(AsRef::as_ref).collect();
        match wacloud_core::usecases::templates::sync(
            state.store.as_ref(),
            &refs,
            state.clock.as_ref(),
        )
        .await
        {
            Ok(n) => {
                tracing::info!(templates = n, "templates synced from Meta");
                return;
            }
            Err(CoreError::Unprocessable { .. }) => return,
            Err(CoreError::Send { failure, .. })
                if matches!(
                    *failure,
                    SendFailure::Unreachable(_) | SendFailure::OutcomeUnknown(_)
                ) =>
            {
                tracing::debug!(error = %failure, "template sync: Meta not reachable yet");
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not sync the templates from Meta (POST /api/whatsapp/templates/sync tries again)");
                return;
            }
        }
    }
    tracing::warn!("could not reach Meta to sync the templates (POST /api/whatsapp/templates/sync tries again)");
}
