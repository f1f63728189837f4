//! What happened to one delivery.

use crate::webhook::{WebhookOutcome, WebhookState};

/// What happened to one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    /// The stored delivery's id (for a new delivery that duplicates a stored one: unknown, so
    /// `None`).
    pub webhook_id: Option<String>,
    /// Nothing was recorded or applied: an identical body was already stored, or a `received`
    /// delivery had been applied by another path meanwhile.
    pub duplicate: bool,
    /// Final state (`received` when its effects follow later).
    pub state: WebhookState,
    /// Events applied (or to apply, for `received`).
    pub events: i64,
    /// Error text when processing failed (the delivery is still stored).
    pub error: Option<String>,
}

impl IngestOutcome {
    /// A delivery that was not recorded (see [`IngestOutcome::duplicate`]); `webhook_id` is the
    /// stored delivery's id when known.
    pub(crate) fn duplicate(webhook_id: Option<String>) -> Self {
        Self {
            webhook_id,
            duplicate: true,
            state: WebhookState::Processed,
            events: 0,
            error: None,
        }
    }

    /// A delivery recorded with outcome `o`.
    pub(crate) fn recorded(id: &str, o: &WebhookOutcome) -> Self {
        Self {
            webhook_id: Some(id.to_owned()),
            duplicate: false,
            state: o.state,
            events: o.event_count,
            error: o.error.clone(),
        }
    }
}
