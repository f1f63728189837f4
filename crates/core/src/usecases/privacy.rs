//! Erasure (`DELETE /contacts/{id}?erase=true`, `wacloud contacts erase`), subject access
//! (`GET /contacts/{id}/data`) and retention (the background pruner).

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::error::CoreError;
use crate::ports::{read, write, write_background, ContactGroup, Repos, Store, StoreError};
use crate::privacy::{ContactRef, Erasure, Needles, Retention, SubjectData};
use crate::usecases::inbox::Change;

/// Raw deliveries or messages per background write of the pruner by default
/// (`WACLOUD_RETAIN_BATCH`): small, so ingestion waits at most one short transaction behind it.
pub const PRUNE_BATCH: i64 = 10;

/// The pruner's default rest between two writes, in milliseconds (`WACLOUD_RETAIN_PAUSE_MS`):
/// with [`PRUNE_BATCH`] about 190 rows a second (16 million a day), and webhook p99 within
/// issue 20's bound while a backlog is pruned (docs/BENCHMARKS.md).
pub const PRUNE_PAUSE_MS: u64 = 50;

fn group(r: &mut dyn Repos, who: &ContactRef) -> Result<Option<ContactGroup>, StoreError> {
    let id = match who {
        ContactRef::Id(id) => id.clone(),
        ContactRef::Key(k) => match r.find_contact(None, k)? {
            Some(c) => c.id,
            None => return Ok(None),
        },
    };
    r.contact_group(&id)
}

fn needles(r: &mut dyn Repos, g: &ContactGroup) -> Result<Needles, StoreError> {
    let texts = r.message_texts(g)?;
    Ok(Needles::new(
        g.identifiers.iter().map(String::as_str),
        g.names.iter().chain(&texts).map(String::as_str),
    ))
}

/// Erases a customer in one write transaction: their messages, media rows, timeline and
/// conversation, queue items, idempotent answers, identities and aliases; their identifiers
/// and texts scrubbed from stored raw deliveries and audit entries; `/stats` unchanged; an
/// audit entry `contact_erased` naming only the contact id and the counts. A later message
/// from the same number makes a new contact.
///
/// # Errors
/// [`CoreError::NotFound`] for no such contact, [`CoreError::Store`].
pub async fn erase(store: &dyn Store, who: ContactRef, by: Change) -> Result<Erasure, CoreError> {
    write(store, move |r| {
        let Some(g) = group(r, &who)? else {
            return Ok(None);
        };
        let n = needles(r, &g)?;
        let erased = r.erase_group(&g, &n)?;
        let details = serde_json::to_value(&erased).unwrap_or_else(|_| json!({}));
        r.insert_audit(&by.audit("contact_erased", &g.root.id, details))?;
        Ok(Some(erased))
    })
    .await?
    .ok_or_else(|| CoreError::NotFound("no such contact".to_owned()))
}

/// Everything held about a customer, read in one snapshot.
///
/// # Errors
/// [`CoreError::NotFound`] for no such contact, [`CoreError::Store`].
pub async fn subject_access(
    store: &dyn Store,
    who: ContactRef,
    now: DateTime<Utc>,
) -> Result<SubjectData, CoreError> {
    read(store, move |r| {
        let Some(g) = group(r, &who)? else {
            return Ok(None);
        };
        let n = needles(r, &g)?;
        r.subject_data(&g, &n, now).map(Some)
    })
    .await?
    .ok_or_else(|| CoreError::NotFound("no such contact".to_owned()))
}

/// What [`prune`]'s caller waits for between two batches.
pub type Pause = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// What one pass of the pruner removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Raw deliveries removed.
    pub webhooks: usize,
    /// Messages whose text was cleared.
    pub message_texts: usize,
}

/// Where the pruner's previous pass stopped (kept in memory by the worker: a restart starts
/// again from the oldest message, once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneMark {
    /// The newest message whose text a pass cleared or found cleared.
    pub message_texts_after: Option<DateTime<Utc>>,
    /// Meta's media ids of the files of messages whose media a pass cleared: the caller
    /// removes them from its media cache and empties this.
    pub media_ids: Vec<String>,
}

/// One pass of the pruner: batches of `batch` rows (at least 1), each its own background write
/// (one transaction, the rows and the counts they leave together: a crash leaves every batch
/// done or not), until nothing past its age is left. `on_batch` hears each batch's result as it
/// commits, and the pass waits for the future it returns before the next batch (the worker
/// paces itself with it; `Box::pin(std::future::ready(()))` for no pause).
///
/// # Errors
/// [`StoreError`] of the batch that failed (the ones before it stay done).
pub async fn prune(
    store: &dyn Store,
    policy: Retention,
    now: DateTime<Utc>,
    batch: i64,
    mark: &mut PruneMark,
    on_batch: &mut (dyn FnMut(Pruned) -> Pause + Send),
) -> Result<Pruned, StoreError> {
    let batch = batch.max(1);
    let full = usize::try_from(batch).unwrap_or(usize::MAX);
    let mut total = Pruned::default();
    if let Some(before) = policy.webhooks_before(now) {
        loop {
            let n = write_background(store, move |r| r.prune_webhooks(before, batch)).await?;
            total.webhooks += n;
            on_batch(Pruned {
                webhooks: n,
                message_texts: 0,
            })
            .await;
            if n < full {
                break;
            }
        }
        // An automation run's key only has to outlive the outbox's redeliveries of its
        // message, which end long before a delivery's retention.
        loop {
            let n =
                write_background(store, move |r| r.prune_automation_runs(before, batch)).await?;
            if n < full {
                break;
            }
        }
    }
    if let Some(before) = policy.message_texts_before(now) {
        loop {
            let after = mark.message_texts_after;
            let (n, newest, media_ids) =
                write_background(store, move |r| r.prune_message_texts(before, after, batch))
                    .await?;
            total.message_texts += n;
            mark.media_ids.extend(media_ids);
            on_batch(Pruned {
                webhooks: 0,
                message_texts: n,
            })
            .await;
            match newest {
                Some(t) => mark.message_texts_after = Some(t),
                None => break,
            }
        }
    }
    Ok(total)
}
