//! Explicit, safe retries: [`RetryPolicy`] says how often and how long to wait, and
//! which failures may be replayed.
//!
//! - A **read** (GET, and idempotent calls such as read receipts) is retried on any
//!   transient failure: timeouts, broken connections, HTTP 5xx, Meta's transient codes
//!   and rate limits.
//! - A **send** (and any other write) is replayed only when the failure proves Meta
//!   refused it before acting ([`GraphError::may_resend`]): throughput
//!   130429, pair rate 131056, rate limits 4, 613 and 80007, HTTP 429 with
//!   `Retry-After`, or a connection that was never established. A timeout or a
//!   connection broken after sending is reported as outcome unknown
//!   ([`GraphError::is_outcome_unknown`]) and never replayed: the customer could
//!   get the message twice.

use ring::rand::{generate, SystemRandom};
use std::time::Duration;

use crate::error::{ErrorClass, GraphError};

pub use crate::error::REFUSED_BEFORE_ACTING_CODES;

/// What kind of request is retried: it decides which failures may be replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestKind {
    /// Safe to repeat (GET, read receipts): retried on any transient failure.
    Read,
    /// Acts once per request (sends, uploads, creates, deletes, updates): replayed
    /// only when Meta provably refused it before acting.
    Write,
}

/// How many attempts, how long between them, and whether to jitter.
///
/// The wait before retry *n* (1-based) is drawn uniformly from
/// `[0, min(max_delay, base_delay × 2^(n−1))]` ("full jitter"), or is that ceiling
/// when jitter is off; when Meta sent `Retry-After`, the wait is at least that long,
/// and when `Retry-After` exceeds `max_delay` the error is returned at once (its
/// [`GraphError::retry_after`] tells the caller when to try again).
///
/// ```
/// use std::time::Duration;
/// use wacloud_graph::RetryPolicy;
/// let p = RetryPolicy::new(4).base_delay(Duration::from_millis(200)).max_delay(Duration::from_secs(5));
/// assert_eq!(p.max_attempts(), 4);
/// assert!(p.backoff(3) <= Duration::from_millis(800));
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// [`RetryPolicy::none`]: retries are opt-in.
    fn default() -> Self {
        Self::none()
    }
}

impl RetryPolicy {
    /// One attempt, no retry (the client's default).
    pub const fn none() -> Self {
        Self {
            max_attempts: 1,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            jitter: true,
        }
    }

    /// Up to `max_attempts` attempts in all (0 counts as 1), base delay 500 ms,
    /// maximum delay 30 s, full jitter.
    pub const fn new(max_attempts: u32) -> Self {
        Self {
            max_attempts: if max_attempts == 0 { 1 } else { max_attempts },
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            jitter: true,
        }
    }

    /// The first retry's delay ceiling; doubled for each further retry.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The longest wait between two attempts, and the longest `Retry-After` honoured.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Full jitter on (default) or off (deterministic exponential delays).
    pub fn full_jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Attempts in all, including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry `retry` (1-based), without `Retry-After`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        if self.jitter && !ceiling.is_zero() {
            // Uniform in [0, ceiling]: a random fraction of the ceiling, from the
            // system's generator that `ring` already brings (no second RNG crate).
            let bits = generate::<[u8; 8]>(&SystemRandom::new())
                .map(|r| u64::from_le_bytes(r.expose()))
                .unwrap_or(u64::MAX);
            ceiling.mul_f64((bits >> 11) as f64 / (1u64 << 53) as f64)
        } else {
            ceiling
        }
    }

    /// Whether a request of `kind` that failed with `err` may be tried again (the
    /// attempt count aside).
    pub fn may_retry(&self, err: &GraphError, kind: RequestKind) -> bool {
        match kind {
            RequestKind::Write => err.may_resend(),
            RequestKind::Read => match err {
                GraphError::Timeout { .. }
                | GraphError::Transport(_)
                | GraphError::Interrupted { .. } => true,
                // A read changes nothing: one whose answer was lost may be asked again.
                GraphError::Api(_) | GraphError::Decode { .. } => matches!(
                    err.class(),
                    ErrorClass::Transient | ErrorClass::RateLimited | ErrorClass::OutcomeUnknown
                ),
                _ => false,
            },
        }
    }

    /// The wait before retry `retry` (1-based) after `err`, or `None` when the
    /// request must not be retried: attempts used up, the failure not retryable for
    /// `kind`, or a `Retry-After` longer than `max_delay`.
    pub fn next_delay(&self, retry: u32, err: &GraphError, kind: RequestKind) -> Option<Duration> {
        if retry >= self.max_attempts || !self.may_retry(err, kind) {
            return None;
        }
        let backoff = self.backoff(retry);
        match err.retry_after() {
            Some(ra) if ra > self.max_delay => None,
            Some(ra) => Some(ra.max(backoff)),
            None => Some(backoff),
        }
    }
}

impl GraphError {
    /// The same as [`GraphError::may_resend`] (kept under its first name): true when
    /// the failure proves Meta did not act on the request, so replaying it cannot
    /// duplicate anything.
    pub fn is_refused_before_acting(&self) -> bool {
        self.may_resend()
    }
}
