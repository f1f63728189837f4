//! Bulk sends through the durable queue.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::costs::{
    estimate, summarize, BatchBudget, Budget, CostGroup, CostGrouping, CostTotals, LedgerEntry,
    Pricing, RateCard,
};
use crate::error::CoreError;
use crate::outbound::OutboundContent;
use crate::phone::CustomerKey;
use crate::ports::{new_id, Clock, Messenger, Repos, Store, StoreError};
use crate::queue::{BatchCancelled, BatchItemOutcome, BatchQuery, BatchSummary, NewQueueItem};
use crate::usecases::send::{check_recipient, validate_content};

/// Most recipients in one bulk request.
pub const MAX_RECIPIENTS: usize = 10_000;

/// One recipient of a bulk request, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRecipient {
    /// Number or BSUID as typed.
    pub input: String,
    /// Per-recipient template body parameters (override the message's).
    pub body_parameters: Option<Vec<String>>,
}

/// A recipient refused before queueing, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejected {
    /// What was typed.
    pub phone_number: String,
    /// `invalid_phone_number`, `duplicate`, `blocked`, `opted_out`, `window_closed`,
    /// `invalid_template_parameter`, `template_mismatch`, or with a budget `unpriced` (no rate
    /// for the recipient's market and the message's category on the rate card) or
    /// `currency_mismatch` (its rate is in another currency than the budget).
    pub code: &'static str,
    /// Why, in words.
    pub reason: String,
}

/// A bulk request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRequest {
    /// The recipients as typed.
    pub recipients: Vec<BulkRecipient>,
    /// The message for all of them.
    pub content: OutboundContent,
    /// Not before this time (default: now).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Send free-form content even to contacts without an open window.
    pub allow_outside_window: bool,
    /// The batch id to use (so an `Idempotency-Key` can name it); a new one when `None`.
    pub batch_id: Option<String>,
    /// Who sends it (recorded on its items and their messages).
    pub actor: Option<crate::auth::Actor>,
    /// The most the batch may spend; its items pause before one would exceed it.
    pub budget: Option<Budget>,
}

/// The answer to a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchAccepted {
    /// The batch id for `GET /batches/{id}`; `null` when no recipient was accepted.
    pub batch_id: Option<String>,
    /// Recipients queued.
    pub accepted: usize,
    /// Recipients refused.
    pub rejected: Vec<Rejected>,
    /// When sending starts.
    pub scheduled_at: DateTime<Utc>,
}

/// A recipient that passed the checks that need no store, with its message.
struct Candidate {
    input: String,
    key: CustomerKey,
    content: OutboundContent,
}

/// What [`screen`] found: the candidates, those refused, and what the batch shares.
struct Screened {
    candidates: Vec<Candidate>,
    rejected: Vec<Rejected>,
    /// The pricing category of its messages ([`crate::costs::category_of`]).
    category: Option<String>,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
}

/// The checks of a bulk request that need no contact: content, recipients (numbers,
/// duplicates, per-recipient parameters), the stored template, the schedule.
async fn screen(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    recipients: Vec<BulkRecipient>,
    content: &OutboundContent,
    scheduled_at: Option<DateTime<Utc>>,
) -> Result<Screened, CoreError> {
    validate_content(content)?;
    if recipients.is_empty() {
        return Err(CoreError::invalid(
            "invalid_request",
            "recipients",
            "recipients is empty",
        ));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(CoreError::invalid(
            "too_many_recipients",
            "recipients",
            format!(
                "{} recipients; at most {MAX_RECIPIENTS} per request",
                recipients.len()
            ),
        ));
    }
    let (stored_template, template_category) = match content {
        OutboundContent::Template { name, language, .. } => {
            let (n, l) = (name.clone(), language.clone());
            let t = crate::ports::read(store, move |r| r.find_template(&n, &l)).await?;
            if let Some(t) = &t {
                if !t.sendable() {
                    return Err(CoreError::Unprocessable {
                        code: "template_not_sendable",
                        message: format!(
                            "template {n} ({l}) has status {}; Meta sends only approved templates",
                            t.status.as_deref().unwrap_or("unknown"),
                            n = t.name,
                            l = t.language
                        ),
                    });
                }
            }
            let category = t.as_ref().and_then(|t| t.category.clone());
            (t.and_then(|t| t.components), category)
        }
        // A reaction answers one message of one conversation: never a bulk send.
        OutboundContent::Reaction { .. } => {
            return Err(CoreError::invalid(
                "invalid_request",
                "type",
                "a reaction answers one message; send it with POST /send",
            ))
        }
        _ => (None, None),
    };
    let now = clock.now();
    if let Some(at) = scheduled_at {
        crate::usecases::queue::check_schedule(at, now)?;
    }
    let due = scheduled_at.unwrap_or(now).max(now);
    let mut seen = HashSet::new();
    let mut rejected = Vec::new();
    let mut candidates = Vec::new();
    for r in recipients {
        let key = match CustomerKey::parse(&r.input) {
            Ok(k) => k,
            Err(e) => {
                rejected.push(Rejected {
                    phone_number: r.input,
                    code: "invalid_phone_number",
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if !seen.insert(key.clone()) {
            rejected.push(Rejected {
                phone_number: r.input,
                code: "duplicate",
                reason: "duplicate in this batch".into(),
            });
            continue;
        }
        let item_content = match (content, r.body_parameters) {
            (OutboundContent::Template { .. }, Some(params)) => {
                // This recipient's body; the header and buttons are the batch's.
                let mut c = content.clone();
                if let OutboundContent::Template {
                    body_parameters, ..
                } = &mut c
                {
                    *body_parameters = params;
                }
                if let Err(e) = validate_content(&c) {
                    rejected.push(Rejected {
                        phone_number: r.input,
                        code: "invalid_template_parameter",
                        reason: e.to_string(),
                    });
                    continue;
                }
                c
            }
            (c, _) => c.clone(),
        };
        if let Some(components) = stored_template.as_deref() {
            if let Err(why) = messenger.check_template(&item_content, components) {
                rejected.push(Rejected {
                    phone_number: r.input,
                    code: "template_mismatch",
                    reason: why,
                });
                continue;
            }
        }
        candidates.push(Candidate {
            input: r.input,
            key,
            content: item_content,
        });
    }
    Ok(Screened {
        candidates,
        rejected,
        category: crate::costs::category_of(content, template_category.as_deref()),
        due,
        now,
    })
}

/// The checks of one recipient against its stored contact: blocked, opted out, the customer
/// service window. `None` when it may be sent to.
fn check_contact(
    r: &mut dyn Repos,
    number: Option<&str>,
    c: &Candidate,
    allow_outside_window: bool,
    now: DateTime<Utc>,
) -> Result<Option<Rejected>, StoreError> {
    let refuse = |code: &'static str, reason: String| {
        Some(Rejected {
            phone_number: c.input.clone(),
            code,
            reason,
        })
    };
    let contact = r.find_contact(number, &c.key)?;
    if let Some(contact) = &contact {
        if contact.is_blocked {
            return Ok(refuse("blocked", "contact is blocked".into()));
        }
        if contact.marketing_opt_out {
            return Ok(refuse(
                "opted_out",
                "contact opted out of marketing messages".into(),
            ));
        }
    }
    if let Err(e) = check_recipient(
        contact.as_ref(),
        &c.key,
        &c.content,
        allow_outside_window,
        now,
    ) {
        return Ok(refuse("window_closed", e.to_string()));
    }
    Ok(None)
}

/// With a budget, refuses the candidates the card cannot price in the budget's currency: a
/// budgeted batch counts every item, so an item without a price is refused at once rather
/// than pausing the batch later.
fn refuse_unpriced(s: &mut Screened, card: &RateCard, budget: &Budget) {
    let day = s.due.date_naive();
    let category = s.category.clone();
    let (mut keep, mut refused) = (Vec::new(), Vec::new());
    for c in std::mem::take(&mut s.candidates) {
        match estimate(card, &c.key, category.as_deref(), day) {
            Some(r) if r.currency == budget.currency => keep.push(c),
            Some(r) => refused.push(Rejected {
                phone_number: c.input,
                code: "currency_mismatch",
                reason: format!(
                    "its rate ({} {} in {}) is in {}, the budget in {}",
                    r.category, r.market, r.currency, r.currency, budget.currency
                ),
            }),
            None => refused.push(Rejected {
                phone_number: c.input,
                code: "unpriced",
                reason: format!(
                    "the rate card has no rate for category {} in this recipient's market on {day}; a budgeted batch needs a price for every message",
                    category.as_deref().unwrap_or("unknown (template not synced)")
                ),
            }),
        }
    }
    s.candidates = keep;
    s.rejected.extend(refused);
}

/// Validates the recipients and queues one item per accepted recipient, refusing (with a code and
/// a reason each) invalid numbers, duplicates in the request, blocked or opted-out contacts, and —
/// for free-form content — contacts whose customer service window is not open (unless
/// `allow_outside_window`). With a budget, recipients `card` cannot price are refused
/// (`unpriced`, `currency_mismatch`) and the budget is stored with the items.
///
/// # Errors
/// [`CoreError::Invalid`] for invalid content, no recipients or too many;
/// [`CoreError::Unprocessable`] for a stored template Meta would not send;
/// [`CoreError::Store`].
pub async fn enqueue_bulk(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    card: &RateCard,
    req: BulkRequest,
) -> Result<BatchAccepted, CoreError> {
    let BulkRequest {
        recipients,
        content,
        scheduled_at,
        allow_outside_window,
        batch_id,
        actor,
        budget,
    } = req;
    let actor_tag = actor.as_ref().map(crate::auth::Actor::tag);
    let actor_name = actor.as_ref().and_then(|a| a.name().map(str::to_owned));
    let mut s = screen(store, messenger, clock, recipients, &content, scheduled_at).await?;
    if let Some(b) = &budget {
        refuse_unpriced(&mut s, card, b);
    }
    let Screened {
        candidates,
        mut rejected,
        due,
        now,
        ..
    } = s;
    let batch_id = batch_id.unwrap_or_else(new_id);
    let bid = batch_id.clone();
    let number = messenger.phone_number_id();
    let (accepted, refused) = crate::ports::write(store, move |r| {
        let mut items = Vec::new();
        let mut refused = Vec::new();
        for c in candidates {
            if let Some(no) = check_contact(r, number.as_deref(), &c, allow_outside_window, now)? {
                refused.push(no);
                continue;
            }
            items.push(NewQueueItem {
                id: new_id(),
                batch_id: Some(bid.clone()),
                recipient: c.key.to_string(),
                content: c.content,
                due_at: due,
                created_at: now,
                allow_outside_window,
                source: "bulk".into(),
                retry_of: None,
                actor: actor_tag.clone(),
                actor_name: actor_name.clone(),
                phone_number_id: number.clone(),
            });
        }
        if let (Some(b), false) = (&budget, items.is_empty()) {
            r.put_batch_budget(&BatchBudget::new(bid.clone(), b), now)?;
        }
        r.enqueue(&items)?;
        Ok((items.len(), refused))
    })
    .await?;
    rejected.extend(refused);
    Ok(BatchAccepted {
        batch_id: (accepted > 0).then_some(batch_id),
        accepted,
        rejected,
        scheduled_at: due,
    })
}

/// How fast a number sends: what a dry run's duration is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// The number's throughput cap, messages per second (at least 1).
    pub messages_per_second: u32,
    /// Least time between two messages to one customer, ms.
    pub pair_interval_ms: u64,
}

/// What a bulk send would cost, by category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostEstimate {
    /// Every accepted recipient's message priced at the card's rate for its market and the
    /// message's category on the day it is due (`unpriced` when there is none).
    #[serde(flatten)]
    pub totals: CostTotals,
    /// The same by pricing category.
    pub by_category: Vec<CostGroup>,
}

/// `POST /send-bulk?dry_run=true`'s answer: what the request would do, with nothing queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkDryRun {
    /// Always `true`: nothing was queued.
    pub dry_run: bool,
    /// Recipients that would be queued.
    pub accepted: usize,
    /// Recipients refused, with the same codes and reasons as a real request.
    pub rejected: Vec<Rejected>,
    /// When sending would start.
    pub scheduled_at: DateTime<Utc>,
    /// The estimated cost.
    pub estimate: CostEstimate,
    /// The sending number's rate, messages per second.
    pub messages_per_second: u32,
    /// The sending number's pair interval, ms. Each recipient gets one message of a batch, so
    /// it does not lengthen the batch alone.
    pub pair_interval_ms: u64,
    /// Seconds from the first message to the last at that rate: (accepted − 1) ÷ rate,
    /// rounded up; more when other sends share the number.
    pub duration_seconds: u64,
}

/// Runs every check of [`enqueue_bulk`] and queues nothing: the recipients accepted and
/// refused, the cost `card` estimates (by category), and how long the sends would take at
/// `pace`.
///
/// # Errors
/// As [`enqueue_bulk`].
pub async fn dry_run_bulk(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
    card: &RateCard,
    pace: Pace,
    req: BulkRequest,
) -> Result<BulkDryRun, CoreError> {
    let mut s = screen(
        store,
        messenger,
        clock,
        req.recipients,
        &req.content,
        req.scheduled_at,
    )
    .await?;
    if let Some(b) = &req.budget {
        refuse_unpriced(&mut s, card, b);
    }
    let Screened {
        candidates,
        mut rejected,
        category,
        due,
        now,
    } = s;
    let number = messenger.phone_number_id();
    let allow = req.allow_outside_window;
    let (accepted, refused) = crate::ports::read(store, move |r| {
        let mut accepted = Vec::new();
        let mut refused = Vec::new();
        for c in candidates {
            match check_contact(r, number.as_deref(), &c, allow, now)? {
                Some(no) => refused.push(no),
                None => accepted.push(c.key),
            }
        }
        Ok((accepted, refused))
    })
    .await?;
    rejected.extend(refused);
    let entries: Vec<LedgerEntry> = accepted
        .iter()
        .map(|k| LedgerEntry {
            billed_at: due,
            pricing: Pricing {
                model: None,
                billable: Some(true),
                category: category.clone(),
                kind: None,
            },
            wa_id: match k {
                CustomerKey::Phone(p) => Some(p.digits().to_owned()),
                CustomerKey::UserId(_) => None,
            },
            phone_number_id: None,
            batch_id: None,
            contact_id: None,
        })
        .collect();
    let (totals, by_category) = summarize(card, &entries, CostGrouping::Category);
    let n = u64::try_from(accepted.len()).unwrap_or(u64::MAX);
    let rate = u64::from(pace.messages_per_second.max(1));
    Ok(BulkDryRun {
        dry_run: true,
        accepted: accepted.len(),
        rejected,
        scheduled_at: due,
        estimate: CostEstimate {
            totals,
            by_category,
        },
        messages_per_second: pace.messages_per_second,
        pair_interval_ms: pace.pair_interval_ms,
        duration_seconds: n.saturating_sub(1).div_ceil(rate),
    })
}

/// What [`change_budget`]'s transaction found.
enum BudgetChange {
    Changed(BatchBudget),
    NoBatch,
    NoBudget,
    Currency(String),
    Finished,
    BelowCommitted(BatchBudget),
}

/// Changes a batch's budget (`PATCH /batches/{id}`): the new amount, in the budget's currency,
/// and a paused batch runs again (its next item is checked against the new amount, and pauses
/// it again if it still does not fit).
///
/// # Errors
/// [`CoreError::NotFound`] for no such batch; [`CoreError::Unprocessable`] `no_budget` for a
/// batch queued without a budget, `currency_mismatch` for another currency than its budget's;
/// [`CoreError::Conflict`] `batch_finished` for a batch with nothing left to send (finished or
/// cancelled), `budget_below_committed` for an amount below what its items begun so far cost
/// (`committed`: that money is spent or about to be); [`CoreError::Store`].
pub async fn change_budget(
    store: &dyn Store,
    clock: &dyn Clock,
    batch_id: String,
    budget: Budget,
) -> Result<BatchBudget, CoreError> {
    let now = clock.now();
    let id = batch_id.clone();
    let found = crate::ports::write(store, move |r| {
        let counts_only = BatchQuery {
            state: None,
            limit: 0,
            offset: 0,
        };
        let Some(summary) = r.batch_summary(&id, &counts_only)? else {
            return Ok(BudgetChange::NoBatch);
        };
        let Some(mut b) = r.batch_budget(&id, true)? else {
            return Ok(BudgetChange::NoBudget);
        };
        if b.currency != budget.currency {
            return Ok(BudgetChange::Currency(b.currency));
        }
        if summary.done {
            return Ok(BudgetChange::Finished);
        }
        if budget.amount < b.committed {
            return Ok(BudgetChange::BelowCommitted(b));
        }
        b.amount = budget.amount;
        b.resume();
        r.put_batch_budget(&b, now)?;
        Ok(BudgetChange::Changed(b))
    })
    .await?;
    match found {
        BudgetChange::Changed(b) => Ok(b),
        BudgetChange::Currency(currency) => Err(CoreError::Unprocessable {
            code: "currency_mismatch",
            message: format!(
                "the batch's budget is in {currency}; give the new amount in {currency}"
            ),
        }),
        BudgetChange::NoBudget => Err(CoreError::Unprocessable {
            code: "no_budget",
            message: format!("batch {batch_id} was queued without a budget"),
        }),
        BudgetChange::NoBatch => Err(CoreError::NotFound(format!("no batch {batch_id}"))),
        BudgetChange::Finished => Err(CoreError::Conflict {
            code: "batch_finished",
            message: format!(
                "batch {batch_id} has nothing left to send (finished or cancelled); its budget no longer changes"
            ),
        }),
        BudgetChange::BelowCommitted(b) => Err(CoreError::Conflict {
            code: "budget_below_committed",
            message: format!(
                "batch {batch_id} has committed {} {} already (items begun); the budget cannot be lower",
                b.committed, b.currency
            ),
        }),
    }
}

/// Progress of a batch and one page of its items.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn batch(
    store: &dyn Store,
    batch_id: String,
    q: BatchQuery,
) -> Result<BatchSummary, CoreError> {
    let id = batch_id.clone();
    crate::ports::read(store, move |r| {
        let Some(mut b) = r.batch_summary(&id, &q)? else {
            return Ok(None);
        };
        b.budget = r.batch_budget(&id, false)?;
        Ok(Some(b))
    })
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("no batch {batch_id}")))
}

/// Cancels what has not gone out of a batch: pending and scheduled items (and `unknown` ones,
/// which are then never resent). Items in flight finish.
///
/// # Errors
/// [`CoreError::NotFound`], [`CoreError::Store`].
pub async fn cancel_batch(
    store: &dyn Store,
    clock: &dyn Clock,
    batch_id: String,
) -> Result<BatchCancelled, CoreError> {
    let now = clock.now();
    let id = batch_id.clone();
    crate::ports::write(store, move |r| {
        r.cancel_batch(&id, "cancelled by the operator (batch)", now)
    })
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("no batch {batch_id}")))
}

/// A page of batches, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchList {
    /// Each batch's progress (counts per state, `finished`, `done`), without its items.
    pub batches: Vec<BatchSummary>,
    /// Give it as `before` for the next (older) page; `null` on the last page.
    pub next: Option<String>,
}

/// The newest batches before the batch `before`, newest first, each with its counts per state
/// (`GET /batches`). Reads only the batches of the page: the cost does not grow with history.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn list_batches(
    store: &dyn Store,
    before: Option<String>,
    limit: i64,
) -> Result<BatchList, CoreError> {
    let counts_only = BatchQuery {
        state: None,
        limit: 0,
        offset: 0,
    };
    Ok(crate::ports::read(store, move |r| {
        let ids = r.recent_batch_ids(before.as_deref(), limit + 1)?;
        let more = usize::try_from(limit).is_ok_and(|l| ids.len() > l);
        let mut batches = Vec::with_capacity(ids.len());
        for id in ids.iter().take(usize::try_from(limit).unwrap_or(0)) {
            if let Some(mut b) = r.batch_summary(id, &counts_only)? {
                b.budget = r.batch_budget(id, false)?;
                batches.push(b);
            }
        }
        let next = more
            .then(|| batches.last().map(|b| b.batch_id.clone()))
            .flatten();
        Ok(BatchList { batches, next })
    })
    .await?)
}

/// One page of a batch's export: up to `limit` items after the item `after`, in the order they
/// were queued, each with what became of its message; `Ok(None)` when there is no such batch.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn export_page(
    store: &dyn Store,
    batch_id: String,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<BatchItemOutcome>, CoreError> {
    Ok(crate::ports::read(store, move |r| {
        r.batch_items_after(&batch_id, after.as_deref(), limit)
    })
    .await?)
}
