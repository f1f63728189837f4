//! Optional pacing of sends so Meta's throughput (130429) and pair-rate (131056)
//! limits are not hit: a per-number messages-per-second budget and a per-recipient
//! spacing, built on `governor`'s GCRA rate limiters.
//!
//! Use it standalone (`pacer.until_ready(recipient).await` before each send, e.g.
//! in a queue worker) or inside the client with
//! [`GraphClientBuilder::pacer`](crate::GraphClientBuilder::pacer). A `Pacer` is
//! cheap to clone and clones share their budgets, so one pacer can serve several
//! clients of the same number.

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::GraphError;

/// Meta's default throughput of a business number, in messages per second.
pub const DEFAULT_MESSAGES_PER_SECOND: u32 = 80;
/// The highest throughput Meta grants a number, in messages per second.
pub const MAX_MESSAGES_PER_SECOND: u32 = 1000;
/// Default spacing between two messages to the same recipient (Meta's pair rate:
/// about one message every 6 seconds).
pub const DEFAULT_PAIR_INTERVAL: Duration = Duration::from_secs(6);

/// The pacer's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacerConfig {
    messages_per_second: u32,
    pair_interval: Duration,
    pair_burst: u32,
}

impl Default for PacerConfig {
    /// 80 messages per second per number; one message per 6 s per recipient.
    fn default() -> Self {
        Self {
            messages_per_second: DEFAULT_MESSAGES_PER_SECOND,
            pair_interval: DEFAULT_PAIR_INTERVAL,
            pair_burst: 1,
        }
    }
}

impl PacerConfig {
    /// The defaults: 80 messages per second, one message per 6 s per recipient.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number's throughput, 1 to 1000 messages per second (Meta's tiers are 80
    /// by default and up to 1000); [`Pacer::new`] refuses other values.
    pub fn messages_per_second(mut self, n: u32) -> Self {
        self.messages_per_second = n;
        self
    }

    /// The spacing between two messages to the same recipient (non-zero).
    pub fn pair_interval(mut self, d: Duration) -> Self {
        self.pair_interval = d;
        self
    }

    /// How many messages a recipient may get at once before the spacing applies
    /// (default 1, at least 1).
    pub fn pair_burst(mut self, n: u32) -> Self {
        self.pair_burst = n;
        self
    }
}

struct Inner {
    config: PacerConfig,
    number: DefaultDirectRateLimiter,
    pairs: DefaultKeyedRateLimiter<String>,
    calls: AtomicU64,
}

/// Paces sends for one business number. See the [module docs](self).
///
/// ```
/// # async fn run() -> Result<(), wacloud_graph::GraphError> {
/// use wacloud_graph::{Pacer, PacerConfig};
/// let pacer = Pacer::new(PacerConfig::new().messages_per_second(200))?;
/// pacer.until_ready("15550000001").await; // returns at once the first time
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Pacer {
    inner: Arc<Inner>,
}

impl fmt::Debug for Pacer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pacer")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Default for Pacer {
    /// A pacer with [`PacerConfig::default`].
    fn default() -> Self {
        Self::build(PacerConfig::default())
    }
}

/// How often (in calls) the per-recipient table drops recipients that are idle.
const PRUNE_EVERY: u64 = 4096;

impl Pacer {
    /// A pacer with these limits. Errors with [`GraphError::Config`] when
    /// `messages_per_second` is 0 or above 1000, the pair interval is zero, or the
    /// pair burst is 0.
    pub fn new(config: PacerConfig) -> Result<Self, GraphError> {
        if config.messages_per_second == 0 || config.messages_per_second > MAX_MESSAGES_PER_SECOND {
            return Err(GraphError::Config(format!(
                "messages_per_second is {}; Meta's throughput is 1 to {MAX_MESSAGES_PER_SECOND} messages per second",
                config.messages_per_second
            )));
        }
        if config.pair_interval.is_zero() {
            return Err(GraphError::Config(
                "the per-recipient interval must be longer than zero".into(),
            ));
        }
        if config.pair_burst == 0 {
            return Err(GraphError::Config(
                "the per-recipient burst must be at least 1".into(),
            ));
        }
        Ok(Self::build(config))
    }

    fn build(config: PacerConfig) -> Self {
        let mps = NonZeroU32::new(config.messages_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.pair_burst).unwrap_or(NonZeroU32::MIN);
        let pair_quota = Quota::with_period(config.pair_interval)
            .unwrap_or_else(|| Quota::with_period(DEFAULT_PAIR_INTERVAL).expect("non-zero"))
            .allow_burst(burst);
        Self {
            inner: Arc::new(Inner {
                number: RateLimiter::direct(Quota::per_second(mps)),
                pairs: RateLimiter::keyed(pair_quota),
                config,
                calls: AtomicU64::new(0),
            }),
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &PacerConfig {
        &self.inner.config
    }

    /// Waits until a message to `recipient` (a `wa_id`, phone number or BSUID) fits
    /// both the recipient's spacing and the number's throughput, and takes the slot.
    /// The recipient's slot is taken first, so waiting for one slow recipient does
    /// not hold the number's budget.
    pub async fn until_ready(&self, recipient: &str) {
        let key = recipient.trim_start_matches('+').to_owned();
        self.inner.pairs.until_key_ready(&key).await;
        self.inner.number.until_ready().await;
        if self.inner.calls.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.inner.pairs.retain_recent();
            self.inner.pairs.shrink_to_fit();
        }
    }
}
