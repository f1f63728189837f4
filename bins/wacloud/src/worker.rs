//! Background work: the outbound queue, and deliveries stored but not yet processed.

use std::time::Duration;

use chrono::Duration as ChronoDuration;
use tokio::sync::watch;
use wacloud_core::ports::{new_id, read, Clock, Store, StoreError, SystemClock};
use wacloud_core::queue::QueueOutcome;
use wacloud_core::usecases::bulk::work_item;
use wacloud_core::usecases::ingest::reprocess;
use wacloud_core::usecases::ingest::OurNumbers;
use wacloud_core::webhook::WebhookState;
use wacloud_store::{DbStore, StoreOptions};

use crate::config::Settings;
use crate::glue::webhook::parse_delivery;
use crate::state::AppState;

/// Runs the queue until `stop` turns true: claims due items, sends them concurrently, records
/// each outcome.
pub async fn run_queue(state: AppState, mut stop: watch::Receiver<bool>) {
    let owner = format!("worker-{}", new_id());
    let batch = i64::try_from(state.settings.queue_workers).unwrap_or(8);
    // How long a claimed item stays with this worker before another instance may take it.
    let lease = ChronoDuration::from_std(state.settings.queue_lease)
        .unwrap_or_else(|_| ChronoDuration::seconds(120));
    tracing::info!(%owner, lease_secs = lease.num_seconds(), "queue worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        let now = state.clock.now();
        let owner_c = owner.clone();
        let claimed = wacloud_core::ports::write(state.store.as_ref(), move |r| {
            r.claim_queue_items(&owner_c, now, now + lease, batch)
        })
        .await;
        let items = match claimed {
            Ok(items) => items,
            Err(e) => {
                tracing::warn!(error = %e, "queue: cannot claim work");
                Vec::new()
            }
        };
        if items.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let sends = items.into_iter().map(|item| {
            let st = state.clone();
            async move {
                let r = work_item(
                    st.store.as_ref(),
                    st.messenger.as_ref(),
                    st.clock.as_ref(),
                    item,
                )
                .await;
                if let Ok(QueueOutcome::Failed { error, .. } | QueueOutcome::Retry { error, .. }) =
                    &r
                {
                    tracing::debug!(%error, "queue item not sent");
                }
                r
            }
        });
        for r in futures::future::join_all(sends).await {
            match r {
                Err(e) => tracing::warn!(error = %e, "queue: outcome not recorded"),
                Ok(QueueOutcome::Failed { code: Some(190), .. }) => state.alerts.raise(
                    "token_invalid",
                    "Meta refused the access token (error 190); queued sends are failing. Set a valid WHATSAPP_API_TOKEN and restart.",
                ),
                Ok(_) => {}
            }
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
        &settings.database_url,
        &StoreOptions {
            read_timeout: settings.db_timeout,
            listen: false,
            ..StoreOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let ours = OurNumbers(settings.phone_number_id.iter().cloned().collect());
    let result = reprocess_pending(&store, &ours, &SystemClock, include_failed)
        .await
        .map_err(|e| e.to_string());
    store.shutdown();
    result
}
