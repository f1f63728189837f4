//! Outbound work in `whatsapp_queue`: bulk sends, scheduled messages and retries.
//!
//! An item's life: `pending` (waiting for its time or its turn) → `sending` (claimed by a worker
//! under a lease) → `sent` (Meta accepted it), `failed` (with a reason), or back to `pending`
//! (a retry, a deferral by the pacer, a pause of the whole queue). `cancelled` ends an item the
//! operator withdrew before it went out. `unknown` holds an item whose send may or may not have
//! reached Meta (a timeout, a crash between the request and its commit): it is never sent again
//! blindly, but reconciled from the status webhooks that carry its message id in
//! `biz_opaque_callback_data` (see [`crate::usecases::queue`]).

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::outbound::OutboundContent;

/// Where a queue item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QueueState {
    /// Waiting for its time or its turn.
    Pending,
    /// Claimed by a worker under a lease.
    Sending,
    /// Meta accepted it.
    Sent,
    /// Final failure, with a reason.
    Failed,
    /// Cancelled before it was sent.
    Cancelled,
    /// The send may have gone out; to be reconciled from status webhooks, never resent blindly.
    Unknown,
}

impl QueueState {
    /// Every state, in the order the API lists them.
    pub const ALL: [Self; 6] = [
        Self::Pending,
        Self::Sending,
        Self::Sent,
        Self::Failed,
        Self::Cancelled,
        Self::Unknown,
    ];

    /// Stored spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Unknown => "unknown",
        }
    }

    /// Parses the stored spelling.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "unknown" => Self::Unknown,
            _ => return None,
        })
    }

    /// Whether no worker will touch the item again by itself (`sent`, `failed`, `cancelled`).
    /// An `unknown` item still waits for a status webhook.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Sent | Self::Failed | Self::Cancelled)
    }
}

/// A new queue item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQueueItem {
    /// wacloud id. The item's first attempt stores its message under this same id, and sends it
    /// as `biz_opaque_callback_data`.
    pub id: String,
    /// The batch it belongs to.
    pub batch_id: Option<String>,
    /// Recipient, E.164 or BSUID.
    pub recipient: String,
    /// What to send.
    pub content: OutboundContent,
    /// Not before this time.
    pub due_at: DateTime<Utc>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Send a free-form message even when wacloud sees no open customer service window.
    pub allow_outside_window: bool,
    /// `bulk`, `scheduled` or `retry`.
    pub source: String,
    /// The item (or message) this one retries.
    pub retry_of: Option<String>,
    /// Who queued it ([`Actor::tag`](crate::auth::Actor::tag)); its messages carry it.
    pub actor: Option<String>,
    /// The operator's display name when it queued it.
    pub actor_name: Option<String>,
    /// The business number it is sent from (`phone_number_id`); `None`: the default number.
    pub phone_number_id: Option<String>,
}

/// A queue item as a worker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// wacloud id.
    pub id: String,
    /// Who queued it (`operator:<id>`, `api_key`, …), if recorded.
    pub actor: Option<String>,
    /// The operator's display name when it queued it.
    pub actor_name: Option<String>,
    /// Batch.
    pub batch_id: Option<String>,
    /// Recipient, E.164 or BSUID.
    pub recipient: String,
    /// What to send.
    pub content: OutboundContent,
    /// Attempts begun so far.
    pub attempts: i32,
    /// Send free-form content without an open window.
    pub allow_outside_window: bool,
    /// The message row of the latest attempt.
    pub message_id: Option<String>,
    /// Set while an attempt is in flight: the request may have reached Meta. An item claimed
    /// with this set belonged to a worker that died mid-send, so its outcome is unknown.
    pub attempt_started_at: Option<DateTime<Utc>>,
    /// State.
    pub state: QueueState,
    /// The worker holding the lease.
    pub lease_owner: Option<String>,
    /// The business number it is sent from (`phone_number_id`); `None`: the default number.
    pub phone_number_id: Option<String>,
}

/// How an attempt (or an operator, or a status webhook) moves an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueOutcome {
    /// Meta accepted it as message `message_id` (wacloud id).
    Sent {
        /// The stored message.
        message_id: String,
        /// A note (e.g. "reconciled from a status webhook").
        note: Option<String>,
    },
    /// Meta refused this attempt before acting; try again at `retry_at`.
    Retry {
        /// When.
        retry_at: DateTime<Utc>,
        /// Why.
        error: String,
        /// Meta's code.
        code: Option<i64>,
    },
    /// Not attempted (the pacer, a paused queue): back to pending until `until`, no attempt used.
    Deferred {
        /// When it may go.
        until: DateTime<Utc>,
        /// Why, when worth showing.
        note: Option<String>,
        /// The attempt begun for it did not count (Meta refused the token before acting).
        undo_attempt: bool,
    },
    /// Final failure.
    Failed {
        /// Why.
        error: String,
        /// Meta's code.
        code: Option<i64>,
        /// The stored message, if one was created.
        message_id: Option<String>,
    },
    /// The outcome is unknown: wait for a status webhook.
    Unknown {
        /// Why.
        error: String,
        /// The stored message.
        message_id: Option<String>,
    },
    /// Withdrawn by the operator.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// An `unknown` item whose grace period ended without a status: left for an operator.
    Held {
        /// What the operator should know.
        note: String,
    },
    /// An `unknown` item whose grace period ended without a status, sent again as a new attempt
    /// (only with the `resend` policy).
    Resend {
        /// Why.
        note: String,
    },
}

/// One queue item, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueItemView {
    /// Queue item id.
    pub id: String,
    /// Batch, if any.
    pub batch_id: Option<String>,
    /// Recipient.
    pub phone_number: String,
    /// State: `pending`, `sending`, `sent`, `failed`, `cancelled` or `unknown`.
    #[cfg_attr(feature = "openapi", schema(value_type = QueueState))]
    pub state: String,
    /// Attempts begun.
    pub attempts: i32,
    /// The message of the latest attempt (wacloud id; its `wamid` is on the message).
    pub message_id: Option<String>,
    /// Last error, or a note on how the item ended.
    pub last_error: Option<String>,
    /// Meta's code of the last error.
    pub last_error_code: Option<i64>,
    /// `text` or `template`.
    pub message_type: String,
    /// Not before this time.
    pub due_at: DateTime<Utc>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it reached a final state.
    pub finished_at: Option<DateTime<Utc>>,
    /// `bulk`, `scheduled` or `retry`.
    pub source: Option<String>,
    /// The item or message this one retries.
    pub retry_of: Option<String>,
}

/// Former name of [`QueueItemView`], kept for callers.
pub type BatchItem = QueueItemView;

/// A batch's item with what became of its message after Meta accepted it (a later status
/// webhook can still say `failed`): one row of a batch's export.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchItemOutcome {
    /// The queue item.
    #[serde(flatten)]
    pub item: QueueItemView,
    /// Meta's message id, once Meta accepted the send.
    pub wamid: Option<String>,
    /// The message's latest status (`sent`, `delivered`, `read`, `played`, `failed`, …), from
    /// Meta's status webhooks; `null` before the send.
    pub message_status: Option<String>,
    /// Meta's error code when a status webhook reported the message failed.
    pub message_error_code: Option<i64>,
    /// Meta's error title for it.
    pub message_error: Option<String>,
}

/// Which items of a batch to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchQuery {
    /// Only items in this state.
    pub state: Option<QueueState>,
    /// Page size, 0–10,000 (0: counts only).
    pub limit: i64,
    /// Items to skip.
    pub offset: i64,
}

impl Default for BatchQuery {
    fn default() -> Self {
        Self {
            state: None,
            limit: 1000,
            offset: 0,
        }
    }
}

/// Progress of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchSummary {
    /// Batch id.
    pub batch_id: String,
    /// Items in the batch.
    pub total: i64,
    /// Items per state (every state listed, zero included).
    pub counts: BTreeMap<String, i64>,
    /// Items in a final state (`sent`, `failed`, `cancelled`).
    pub finished: i64,
    /// True when no item waits or is being sent (`unknown` items wait for a status webhook).
    pub done: bool,
    /// When the batch was queued.
    pub created_at: DateTime<Utc>,
    /// The earliest time its items were due.
    pub scheduled_at: DateTime<Utc>,
    /// The items of the requested page, in the order they were given.
    pub items: Vec<QueueItemView>,
    /// Its budget, when it was queued with one: `state` `paused` (with `paused_reason`
    /// `budget_reached`) while its items wait for the budget to be raised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<crate::costs::BatchBudget>,
}

impl BatchSummary {
    /// Fills `finished` and `done` from `counts`, and lists every state.
    pub fn complete_counts(&mut self) {
        for s in QueueState::ALL {
            self.counts.entry(s.as_str().to_owned()).or_insert(0);
        }
        let n = |s: QueueState| self.counts.get(s.as_str()).copied().unwrap_or(0);
        self.finished = n(QueueState::Sent) + n(QueueState::Failed) + n(QueueState::Cancelled);
        self.done = n(QueueState::Pending) + n(QueueState::Sending) + n(QueueState::Unknown) == 0;
    }
}

/// What cancelling a batch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchCancelled {
    /// Batch id.
    pub batch_id: String,
    /// Items cancelled now.
    pub cancelled: i64,
    /// Items being sent at this moment (they finish; they cannot be recalled).
    pub in_flight: i64,
    /// Items already final.
    pub already_final: i64,
}

/// Why the whole queue (and every send) is paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pause {
    /// Since when.
    pub since: DateTime<Utc>,
    /// Meta's code (190 for an expired or invalid token).
    pub code: Option<i64>,
    /// What Meta said.
    pub reason: String,
}

/// The switch that pauses all sending when Meta refuses the access token (190), shared by the
/// queue worker and the send use cases. Pure state, no I/O; resumed by the worker once a probe
/// call succeeds.
#[derive(Debug, Default)]
pub struct SendingGate {
    pause: Mutex<Option<Pause>>,
}

impl SendingGate {
    /// Pauses sending; returns true if it was running.
    pub fn pause(&self, pause: Pause) -> bool {
        match self.pause.lock() {
            Ok(mut p) => {
                let was_running = p.is_none();
                if was_running {
                    *p = Some(pause);
                }
                was_running
            }
            Err(_) => false,
        }
    }

    /// Resumes sending; returns true if it was paused.
    pub fn resume(&self) -> bool {
        self.pause
            .lock()
            .map(|mut p| p.take().is_some())
            .unwrap_or(false)
    }

    /// The pause in force, if any.
    #[must_use]
    pub fn paused(&self) -> Option<Pause> {
        self.pause.lock().ok().and_then(|p| p.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states() {
        assert!(QueueState::Sent.is_final());
        assert!(QueueState::Cancelled.is_final());
        assert!(!QueueState::Unknown.is_final());
        for s in QueueState::ALL {
            assert_eq!(QueueState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn the_gate_pauses_once() {
        let g = SendingGate::default();
        let p = Pause {
            since: Utc::now(),
            code: Some(190),
            reason: "expired".into(),
        };
        assert!(g.pause(p.clone()));
        assert!(!g.pause(p), "a second pause is the same pause");
        assert_eq!(g.paused().and_then(|p| p.code), Some(190));
        assert!(g.resume());
        assert!(!g.resume());
        assert!(g.paused().is_none());
    }

    #[test]
    fn counts_say_when_a_batch_is_done() {
        let mut b = BatchSummary {
            batch_id: "b".into(),
            total: 3,
            counts: BTreeMap::from([("sent".into(), 2), ("unknown".into(), 1)]),
            finished: 0,
            done: false,
            created_at: Utc::now(),
            scheduled_at: Utc::now(),
            items: vec![],
            budget: None,
        };
        b.complete_counts();
        assert_eq!(b.finished, 2);
        assert!(!b.done, "an unknown item still waits");
        assert_eq!(b.counts.len(), 6);
        b.counts.insert("unknown".into(), 0);
        b.counts.insert("failed".into(), 1);
        b.complete_counts();
        assert!(b.done);
    }
}
