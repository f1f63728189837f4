//! Working the outbound queue: one attempt per claimed item, retries by error class, never a
//! message sent twice.
//!
//! **Never twice.** Before an item's request leaves, its attempt is marked in flight in the same
//! commit that stores its message row (`attempt_started_at`, fenced on the worker's lease), and
//! the message's wacloud id travels as `biz_opaque_callback_data`. When the outcome is lost — a
//! timeout, or a worker killed between the request and its commit (the next worker finds the
//! mark) — the item becomes `unknown` instead of being sent again, and the status webhooks that
//! carry the id settle it ([`reconcile_from_status`]): `sent` on `sent`/`delivered`/`read`,
//! `failed` on `failed`. An `unknown` item that hears nothing for the grace period
//! ([`QueuePolicy::unknown_grace`]) is decided by [`sweep_unknown`]: held for an operator
//! (default), or — only with [`QueuePolicy::resend_unknown`] — sent again as a new attempt.
//!
//! **Retries by class** ([`FailureClass`], from the Graph classifier): rate limits back off
//! (the whole number on 130429, the recipient only on 131056) and retry; passing faults retry
//! with the graph retry policy's jittered exponential back-off up to its attempt limit; an
//! authentication error (190) puts the item back untouched and pauses all sending
//! ([`SendingGate`]); everything else is final at once, with Meta's reason.
//!
//! `work` begins claimed items, sends each once and records the outcomes ([`begin_attempts`],
//! [`send_attempt`], [`record_outcomes`]; [`work_item`] for one item); `unknown` settles items whose outcome was lost
//! ([`QueuePolicy`], [`reconcile_from_status`], [`sweep_unknown`]); `manage` is what the API
//! does with items (one item, cancel, retry, a scheduled send).
//!
//! [`FailureClass`]: crate::outbound::FailureClass
//! [`SendingGate`]: crate::queue::SendingGate

mod manage;
mod unknown;
mod work;

pub use manage::{
    cancel_item, check_schedule, enqueue_one, item, retry_item, MAX_SCHEDULE_AHEAD_DAYS,
};
pub use unknown::{reconcile_from_status, sweep_unknown, QueuePolicy};
pub use work::{
    begin_attempts, recipient, record_outcomes, send_attempt, work_item, Attempt, Begun, Finished,
};
