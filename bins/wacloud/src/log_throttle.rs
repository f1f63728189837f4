//! Warnings that a failure repeats on every request (the database down, a flood of badly
//! signed webhooks) are written once per interval per kind, with how many were left out since
//! the previous line: an outage answers every request 503, but fills no disk.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How often a throttled warning is written at most.
pub const INTERVAL: Duration = Duration::from_secs(10);

/// One kind of warning: at most one line per [`INTERVAL`]; shared by every thread.
#[derive(Debug)]
pub struct LogThrottle {
    /// Milliseconds since [`epoch`] before which no line is written.
    next_ms: AtomicU64,
    /// Lines left out since the last one written.
    suppressed: AtomicU64,
}

/// "Database unavailable" (answered 503 `database_unavailable`).
pub static DATABASE_UNAVAILABLE: LogThrottle = LogThrottle::new();

/// "Webhook refused: bad signature" (answered 401 `invalid_signature`).
pub static BAD_SIGNATURE: LogThrottle = LogThrottle::new();

/// "Queue: cannot claim work" (the worker polls several times a second during an outage).
pub static QUEUE_CLAIM: LogThrottle = LogThrottle::new();

/// "Queue: outcome not recorded" (one per item of a batch during an outage).
pub static QUEUE_OUTCOME: LogThrottle = LogThrottle::new();

/// "Pacing: cannot renew this instance's share" (two a second per number during an outage).
pub static PACING_SHARE: LogThrottle = LogThrottle::new();

/// The process's monotonic time origin.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

impl LogThrottle {
    /// A kind of warning none of which was written yet.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            next_ms: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// `Some(n)` when a line may be written now (`n`: how many were left out since the last
    /// one), `None` when this one is to be left out (and counted).
    pub fn allow(&self) -> Option<u64> {
        let now = u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX);
        let interval = u64::try_from(INTERVAL.as_millis()).unwrap_or(u64::MAX);
        self.allow_at(now, interval)
    }

    fn allow_at(&self, now_ms: u64, interval_ms: u64) -> Option<u64> {
        let next = self.next_ms.load(Ordering::Relaxed);
        // Of the threads that find the interval over, one wins the exchange and writes.
        if now_ms >= next
            && self
                .next_ms
                .compare_exchange(
                    next,
                    now_ms.saturating_add(interval_ms),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            return Some(self.suppressed.swap(0, Ordering::Relaxed));
        }
        self.suppressed.fetch_add(1, Ordering::Relaxed);
        None
    }
}

impl Default for LogThrottle {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::LogThrottle;

    #[test]
    fn one_line_per_interval_with_the_count_of_those_left_out() {
        let t = LogThrottle::new();
        assert_eq!(t.allow_at(0, 10_000), Some(0));
        for ms in 1..=500 {
            assert_eq!(t.allow_at(ms, 10_000), None);
        }
        assert_eq!(t.allow_at(9_999, 10_000), None);
        assert_eq!(t.allow_at(10_000, 10_000), Some(501));
        assert_eq!(t.allow_at(10_001, 10_000), None);
        assert_eq!(t.allow_at(30_000, 10_000), Some(1));
    }
}
