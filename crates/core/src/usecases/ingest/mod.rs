//! A webhook delivery's way from "stored raw" to "its effects committed", exactly once. One
//! pipeline serves every entry point:
//!
//! 1. [`Plan::new`] (pure) decides what to do with a parsed delivery: the events that apply
//!    (those of numbers that are not ours left out), the state it ends in.
//! 2. One write transaction for a batch of planned deliveries (`commit::commit`) records each
//!    delivery (a new one inserted raw, deduplicated by its body's hash; a stored `received`
//!    one marked finished, or skipped when another path applied it) and applies the events of
//!    those it recorded with a few set-based statements (`effects::apply_events`, whose pure
//!    part is `fold`; the kinds it leaves to `one_by_one` run after them).
//! 3. One fallback: if that transaction fails for a reason other than the database being
//!    unavailable, each delivery is committed alone; one that fails alone is recorded
//!    `failed` with the reason, without effects.
//!
//! The entry points: [`ingest`] (one new delivery), [`ingest_many`] (a batch of new ones),
//! [`store_for_later`] (a batch stored raw and answered at once, effects after),
//! [`apply_received`] (those effects, plans at hand), [`apply_backlog`] (stored `received`
//! deliveries read back from the database) and [`reprocess`] (one stored delivery again, any
//! state). The batching runtime that decides which to call lives with the store's writer
//! (`wacloud_store::ingest`).

mod commit;
mod effects;
mod fold;
pub(crate) mod one_by_one;
mod outcome;
mod plan;
pub(crate) mod rows;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::events::ParsedDelivery;
use crate::ports::{read, Store, StoreError};
use crate::webhook::{NewWebhook, WebhookState};
use commit::{commit, Planned, Source, Urgency};
pub use outcome::IngestOutcome;
pub use plan::{OurNumbers, Plan};

/// Turns a stored delivery's bytes into events (Meta's JSON is the binary's business).
pub type Parser = Arc<dyn Fn(&[u8], DateTime<Utc>) -> Result<ParsedDelivery, String> + Send + Sync>;

/// Stores `delivery` and applies `parsed` in one write transaction; resolves once committed.
///
/// - An identical redelivery (same bytes) is a no-op reported as `duplicate`.
/// - `parsed = Err(reason)` (a body the parser cannot handle) stores the delivery `failed` with
///   the reason; it can be reprocessed later.
/// - A delivery naming only business numbers that are not ours is stored `foreign`.
/// - A failure while applying events rolls the whole attempt back; the raw delivery is then
///   stored alone, marked `failed` with the reason.
///
/// # Errors
/// [`StoreError`] when the delivery could not be stored (the caller answers 503 so Meta retries).
pub async fn ingest(
    store: &dyn Store,
    ours: OurNumbers,
    delivery: NewWebhook,
    parsed: Result<ParsedDelivery, String>,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let mut out = ingest_many(store, &ours, vec![(delivery, parsed)], now).await;
    out.pop()
        .unwrap_or_else(|| Err(StoreError::Internal("no outcome".into())))
}

/// [`ingest`] for many deliveries in one transaction; one result per delivery, in order. The
/// effects equal those of ingesting them one by one in this order.
pub async fn ingest_many(
    store: &dyn Store,
    ours: &OurNumbers,
    items: Vec<(NewWebhook, Result<ParsedDelivery, String>)>,
    now: DateTime<Utc>,
) -> Vec<Result<IngestOutcome, StoreError>> {
    let batch = items
        .into_iter()
        .map(|(d, p)| Planned {
            source: Source::New(Arc::new(d)),
            plan: Plan::new(ours, p, now),
        })
        .collect();
    commit(store, batch, now, Urgency::Waited).await
}

/// Stores deliveries raw in one transaction, to be applied later: state `received` (or the
/// final `failed`/`foreign` when there is nothing to apply). Returns one result per delivery
/// and, in order, the plans of those left `received`, for [`apply_received`].
pub async fn store_for_later(
    store: &dyn Store,
    ours: &OurNumbers,
    items: Vec<(NewWebhook, Result<ParsedDelivery, String>)>,
    now: DateTime<Utc>,
) -> (Vec<Result<IngestOutcome, StoreError>>, Vec<(String, Plan)>) {
    let (batch, plans): (Vec<Planned>, Vec<Plan>) = items
        .into_iter()
        .map(|(d, p)| {
            let plan = Plan::new(ours, p, now);
            let stored = Planned {
                source: Source::New(Arc::new(d)),
                plan: plan.store_only(),
            };
            (stored, plan)
        })
        .unzip();
    let results = commit(store, batch, now, Urgency::Waited).await;
    let waiting = results
        .iter()
        .zip(plans)
        .filter_map(|(r, plan)| match r {
            Ok(o) if !o.duplicate && o.state == WebhookState::Received => {
                o.webhook_id.clone().map(|id| (id, plan))
            }
            _ => None,
        })
        .collect();
    (results, waiting)
}

/// Applies the plans of stored `received` deliveries in one background transaction and marks
/// each finished (one no longer `received` is skipped); returns how many were taken.
///
/// # Errors
/// [`StoreError::Unavailable`] when the database is: they stay `received` in it.
pub async fn apply_received(
    store: &dyn Store,
    plans: Vec<(String, Plan)>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let n = plans.len();
    let batch = plans
        .into_iter()
        .map(|(id, mut plan)| {
            plan.outcome.processed_at = now;
            Planned {
                source: Source::Received(id),
                plan,
            }
        })
        .collect();
    for r in commit(store, batch, now, Urgency::Background).await {
        r?;
    }
    Ok(n)
}

/// Applies stored `received` deliveries read back from the database, oldest first, up to
/// `limit`; returns how many were taken and when each of them was received (for the lag
/// from receipt to applied).
///
/// # Errors
/// [`StoreError`] when the database fails.
pub async fn apply_backlog(
    store: &dyn Store,
    ours: &OurNumbers,
    parse: &Parser,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<(usize, Vec<DateTime<Utc>>), StoreError> {
    let pending = read(store, move |r| r.pending_webhooks(false, limit)).await?;
    let received: Vec<DateTime<Utc>> = pending.iter().map(|w| w.received_at).collect();
    let plans = pending
        .into_iter()
        .map(|w| (w.id, Plan::new(ours, parse(&w.body, now), now)))
        .collect();
    let n = apply_received(store, plans, now).await?;
    Ok((n, received))
}

/// Applies an already stored delivery again, whatever its state (`wacloud webhooks reprocess`,
/// start-up recovery). Effects are idempotent, so a delivery partly applied before is safe.
///
/// # Errors
/// [`StoreError`] when the database fails.
pub async fn reprocess(
    store: &dyn Store,
    ours: OurNumbers,
    webhook_id: String,
    parsed: Result<ParsedDelivery, String>,
    now: DateTime<Utc>,
) -> Result<IngestOutcome, StoreError> {
    let batch = vec![Planned {
        source: Source::Stored(webhook_id),
        plan: Plan::new(&ours, parsed, now),
    }];
    commit(store, batch, now, Urgency::Waited)
        .await
        .pop()
        .unwrap_or_else(|| Err(StoreError::Internal("no outcome".into())))
}
