//! Optional pacing of sends so Meta's throughput (130429) and pair-rate (131056)
//! limits are not hit: a per-number messages-per-second budget and a per-recipient
//! spacing, built on `governor`'s GCRA rate limiters.
//!
//! Use it standalone (`pacer.until_ready(recipient).await` before each send, e.g.
//! in a queue worker) or inside the client with
//! [`GraphClientBuilder::pacer`](crate::GraphClientBuilder::pacer). A `Pacer` is
//! cheap to clone and clones share their budgets, so one pacer can serve several
//! clients of the same number.
//!
//! A queue worker that must not wait for one slow recipient takes the two budgets
//! apart: [`Pacer::try_recipient`] (never waits: the recipient's slot now, or how
//! long until it is free) and then [`Pacer::until_number_ready`]. When Meta answers
//! 130429 anyway, [`Pacer::pause`] holds the whole number and [`Pacer::slow_down`]
//! lowers its rate by a quarter (Meta's real throughput may be lower than configured);
//! the rate then climbs back by a tenth of the configured one every 2 s without another
//! 130429.
//! On 131056, [`Pacer::pause_recipient`] holds that recipient only.
//!
//! A [`GraphClient`](crate::GraphClient) built with a pacer does this itself
//! ([`Pacer::learn_from_refusal`]): after Meta refuses a send with 130429 it holds the
//! whole number (for `Retry-After`, else [`PacerConfig::throughput_hold`]) and lowers
//! the rate; after 131056 it holds that recipient (for `Retry-After`, else the pair
//! interval). The next send, or the retry policy's next attempt, waits for the hold.
//!
//! Several processes sending for one number each pace to their **share** of its rate
//! ([`Pacer::set_share`]), which something outside the pacer agrees among them (wacloud does it
//! through its database). A share of 0 holds the number until a share is given;
//! [`Pacer::share_wanted`], [`Pacer::held_for_share`] and [`Pacer::slots_asked`] tell that
//! agreement whether this process wants to send. Without a share set, the pacer uses the whole
//! configured rate.

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::fmt;
use std::hash::RandomState;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};

use crate::error::GraphError;

/// Meta's default throughput of a business number, in messages per second.
pub const DEFAULT_MESSAGES_PER_SECOND: u32 = 80;
/// The highest throughput Meta grants a number, in messages per second.
pub const MAX_MESSAGES_PER_SECOND: u32 = 1000;
/// Default spacing between two messages to the same recipient (Meta's pair rate:
/// about one message every 6 seconds).
pub const DEFAULT_PAIR_INTERVAL: Duration = Duration::from_secs(6);

/// The throughput of a number that is also used in the WhatsApp Business app
/// (coexistence), in messages per second.
pub const SHARED_NUMBER_MESSAGES_PER_SECOND: u32 = 20;

/// The pacer's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacerConfig {
    messages_per_second: u32,
    burst: Option<u32>,
    pair_interval: Duration,
    pair_burst: u32,
    throughput_hold: Duration,
}

/// How long the whole number is held after 130429 without `Retry-After`, by default.
pub const DEFAULT_THROUGHPUT_HOLD: Duration = Duration::from_secs(1);

impl Default for PacerConfig {
    /// 80 messages per second per number; one message per 6 s per recipient.
    fn default() -> Self {
        Self {
            messages_per_second: DEFAULT_MESSAGES_PER_SECOND,
            burst: None,
            pair_interval: DEFAULT_PAIR_INTERVAL,
            pair_burst: 1,
            throughput_hold: DEFAULT_THROUGHPUT_HOLD,
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

    /// How many messages the number may send at once before the per-second spacing
    /// applies (at least 1). Default: 25 ms worth of messages, at least 1 (2 at 80/s,
    /// 25 at 1000/s) — enough to absorb timer lateness without ever exceeding the
    /// rate by more than that over any window. Meta measures throughput over short
    /// windows, so a burst of a whole second's budget (governor's default) risks
    /// 130429.
    pub fn burst(mut self, n: u32) -> Self {
        self.burst = Some(n);
        self
    }

    /// The number's burst in force: the one set with [`PacerConfig::burst`], else
    /// 25 ms worth of messages (at least 1).
    pub fn effective_burst(&self) -> u32 {
        self.burst
            .unwrap_or_else(|| (self.messages_per_second / 40).max(1))
    }

    /// The number's throughput in messages per second.
    pub fn rate(&self) -> u32 {
        self.messages_per_second
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

    /// How long [`Pacer::learn_from_refusal`] holds the whole number after Meta
    /// answers 130429 without `Retry-After` (default 1 s).
    pub fn throughput_hold(mut self, d: Duration) -> Self {
        self.throughput_hold = d;
        self
    }
}

struct Inner {
    config: PacerConfig,
    /// The number's limiter at the current rate (rebuilt when the rate changes).
    number: RwLock<Arc<NumberLimiter>>,
    /// The current rate: the share, or less after [`Pacer::slow_down`].
    rate: AtomicU32,
    /// The share of the number's rate this pacer may use ([`Pacer::set_share`]): the configured
    /// rate unless set; 0 holds the number.
    share: watch::Sender<u32>,
    /// Raised when a caller waits because the share is 0 ([`Pacer::share_wanted`]).
    wanted: Notify,
    /// Slots of the number asked for ([`Pacer::slots_asked`]).
    asked: AtomicU64,
    /// Callers waiting because the share is 0 ([`Pacer::held_for_share`]).
    held: AtomicUsize,
    /// When the rate last changed.
    rate_changed: Mutex<Instant>,
    pairs: PairLimiter,
    calls: AtomicU64,
    /// Until when the whole number is held (after 130429).
    paused_until: Mutex<Option<Instant>>,
    /// Until when single recipients are held (after 131056).
    recipient_pauses: Mutex<HashMap<String, Instant>>,
}

/// The time source of the pacer's limiters: `std::time::Instant`, as the time since the
/// limiter was made (governor's `Reference` for `Duration`). Governor's own `Instant`
/// clock comes with its `std` feature, which also brings parking_lot and futures-timer;
/// the pacer waits on tokio's timer instead.
#[derive(Debug, Clone)]
struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for MonotonicClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// The number's limiter: one GCRA state.
type NumberLimiter = RateLimiter<NotKeyed, InMemoryState, MonotonicClock, NoOpMiddleware<Duration>>;
/// The per-recipient limiter: one GCRA state per recipient, in governor's hash map
/// (with std's randomly seeded hasher, as recipients may come from inbound messages).
type PairLimiter = RateLimiter<
    String,
    HashMapStateStore<String, RandomState>,
    MonotonicClock,
    NoOpMiddleware<Duration>,
>;

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

/// Least time between two rate changes after 130429.
const SLOW_DOWN_EVERY: Duration = Duration::from_secs(2);

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
        if config.burst == Some(0) {
            return Err(GraphError::Config(
                "the number's burst must be at least 1".into(),
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
                number: RwLock::new(Arc::new(Self::limiter(&config, mps.get(), mps.get()))),
                rate: AtomicU32::new(mps.get()),
                share: watch::Sender::new(mps.get()),
                wanted: Notify::new(),
                asked: AtomicU64::new(0),
                held: AtomicUsize::new(0),
                rate_changed: Mutex::new(Instant::now()),
                pairs: RateLimiter::new(
                    pair_quota,
                    HashMapStateStore::default(),
                    MonotonicClock::new(),
                ),
                config,
                calls: AtomicU64::new(0),
                paused_until: Mutex::new(None),
                recipient_pauses: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The number's limiter at `rate` messages per second, with the burst set by
    /// [`PacerConfig::burst`], else 25 ms worth of `burst_basis` messages per second (both at
    /// most `rate`).
    fn limiter(config: &PacerConfig, rate: u32, burst_basis: u32) -> NumberLimiter {
        let mps = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
        let burst = match config.burst {
            Some(b) => b,
            None => burst_basis / 40,
        };
        let burst = NonZeroU32::new(burst.min(rate).max(1)).unwrap_or(NonZeroU32::MIN);
        // (`effective_burst` says the same for the configured rate.)
        RateLimiter::new(
            Quota::per_second(mps).allow_burst(burst),
            InMemoryState::default(),
            MonotonicClock::new(),
        )
    }

    fn set_rate(&self, rate: u32) {
        // A share below the number's rate keeps the burst of the whole rate (capped at the
        // share): a burst of one slot would lose every slot a late timer wake-up misses, and
        // together the processes still stay within the rate plus their bursts in any window.
        let configured = self.inner.config.messages_per_second;
        let basis = if self.share() < configured {
            configured
        } else {
            rate
        };
        if let Ok(mut n) = self.inner.number.write() {
            *n = Arc::new(Self::limiter(&self.inner.config, rate, basis));
        }
        self.inner.rate.store(rate, Ordering::Relaxed);
    }

    /// The rate in force, in messages per second: the share ([`Pacer::set_share`], the
    /// configured rate unless set), or less after [`Pacer::slow_down`]. While the share is 0
    /// it is the rate that applied before.
    pub fn current_rate(&self) -> u32 {
        self.inner.rate.load(Ordering::Relaxed)
    }

    /// The most this pacer may use of the number's rate, in messages per second: the configured
    /// rate, unless [`Pacer::set_share`] set another; 0 while the number is held for want of
    /// a share.
    pub fn share(&self) -> u32 {
        *self.inner.share.borrow()
    }

    /// Sets this process's share of the number's rate, in messages per second, when several
    /// processes send for one number and must together stay under its rate (Meta counts the
    /// number's messages, whoever sends them). Values above the configured rate count as the
    /// configured rate. The rate in force becomes the share (or stays lower while it climbs
    /// back after [`Pacer::slow_down`], which now climbs back to the share). 0 holds the
    /// number: [`Pacer::until_ready`] and [`Pacer::until_number_ready`] wait until a share
    /// above 0 is set, and [`Pacer::share_wanted`] resolves. Clones share it.
    pub fn set_share(&self, share: u32) {
        let share = share.min(self.inner.config.messages_per_second);
        let before = self.share();
        if share == before {
            return;
        }
        if share > 0 {
            let rate = self.current_rate();
            // Slowed down below the old share: keep the lower rate (it climbs back by itself).
            let slowed = before > 0 && rate < before;
            let rate = if slowed { rate.min(share) } else { share };
            self.inner.share.send_replace(share);
            self.set_rate(rate);
        } else {
            self.inner.share.send_replace(0);
        }
    }

    /// How many slots of the number were asked for since the pacer was made (one per
    /// [`Pacer::until_number_ready`] or [`Pacer::until_ready`] call, counted when the call
    /// starts; wraps around). Two readings that differ show that this process had something
    /// to send in between: what a share agreement needs to give idle processes no share.
    pub fn slots_asked(&self) -> u64 {
        self.inner.asked.load(Ordering::Relaxed)
    }

    /// How many callers wait for the number right now because the share is 0: they asked for
    /// a slot once ([`Pacer::slots_asked`]) and still want one, however long the wait.
    pub fn held_for_share(&self) -> usize {
        self.inner.held.load(Ordering::Relaxed)
    }

    /// Resolves when a caller waits for the number while the share is 0 (at once if one
    /// started waiting since the last time this resolved). Several callers waiting at once
    /// may resolve it once.
    pub async fn share_wanted(&self) {
        self.inner.wanted.notified().await;
    }

    /// Meta answered 130429 although the pacer kept to its rate: the number's real
    /// throughput may be lower. Lowers the rate by a quarter (at most once every 2 s, so
    /// one burst of refusals counts once; never below 1 message per second). It climbs
    /// back by a tenth of the configured rate every 2 s without another call, up to the
    /// share ([`Pacer::set_share`]).
    pub fn slow_down(&self) {
        let Ok(mut changed) = self.inner.rate_changed.lock() else {
            return;
        };
        let rate = self.current_rate();
        if changed.elapsed() < SLOW_DOWN_EVERY && rate < self.share() {
            return;
        }
        self.set_rate((rate - rate / 4).max(1));
        *changed = Instant::now();
    }

    /// Climbs back towards the share after [`Pacer::slow_down`].
    fn recover(&self) {
        let configured = self.inner.config.messages_per_second;
        let share = self.share();
        let rate = self.current_rate();
        if rate >= share {
            return;
        }
        let Ok(mut changed) = self.inner.rate_changed.lock() else {
            return;
        };
        if changed.elapsed() >= SLOW_DOWN_EVERY {
            self.set_rate((rate + (configured / 10).max(1)).min(share));
            *changed = Instant::now();
        }
    }

    /// Waits while the share is 0, telling [`Pacer::share_wanted`].
    async fn until_share(&self) {
        if self.share() > 0 {
            return;
        }
        /// Counts a waiter for as long as it waits, however its wait ends (a caller may drop
        /// the future).
        struct Held<'a>(&'a AtomicUsize);
        impl Drop for Held<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.inner.held.fetch_add(1, Ordering::Relaxed);
        let _held = Held(&self.inner.held);
        let mut share = self.inner.share.subscribe();
        while *share.borrow_and_update() == 0 {
            self.inner.wanted.notify_one();
            // The sender lives as long as `self`, so this never ends with an error while
            // someone waits.
            if share.changed().await.is_err() {
                return;
            }
        }
    }

    fn key(recipient: &str) -> String {
        recipient.trim_start_matches('+').to_owned()
    }

    /// The limits in force.
    pub fn config(&self) -> &PacerConfig {
        &self.inner.config
    }

    /// Waits until a message to `recipient` (a `wa_id`, phone number or BSUID) fits
    /// both the recipient's spacing and the number's throughput, and takes the slot.
    /// The recipient's slot is taken first, so waiting for one slow recipient does
    /// not hold the number's budget.
    /// Recipients and the number held by [`Pacer::pause_recipient`] and
    /// [`Pacer::pause`] wait for the hold to end first.
    pub async fn until_ready(&self, recipient: &str) {
        let key = Self::key(recipient);
        while let Some(d) = self.recipient_paused_for(&key) {
            tokio::time::sleep(d).await;
        }
        // Waits on tokio's timer, as for the number below.
        while let Err(not_until) = self.inner.pairs.check_key(&key) {
            let now = self.inner.pairs.clock().now();
            tokio::time::sleep(not_until.wait_time_from(now)).await;
        }
        self.until_number_ready().await;
    }

    /// Takes the recipient's slot now if it is free (and the recipient is not held),
    /// without waiting; otherwise says how long until it is free, and takes nothing.
    /// Follow a success with [`Pacer::until_number_ready`].
    pub fn try_recipient(&self, recipient: &str) -> Result<(), Duration> {
        let key = Self::key(recipient);
        if let Some(d) = self.recipient_paused_for(&key) {
            return Err(d);
        }
        match self.inner.pairs.check_key(&key) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let now = self.inner.pairs.clock().now();
                Err(not_until.wait_time_from(now).max(Duration::from_millis(1)))
            }
        }
    }

    /// Waits until the number may send one more message (after any hold from
    /// [`Pacer::pause`], and while the share is 0, until one is given) and takes that slot.
    pub async fn until_number_ready(&self) {
        self.inner.asked.fetch_add(1, Ordering::Relaxed);
        loop {
            while let Some(d) = self.paused_for() {
                tokio::time::sleep(d).await;
            }
            if self.share() > 0 {
                break;
            }
            self.until_share().await;
        }
        self.recover();
        let limiter = self.inner.number.read().map(|n| Arc::clone(&n)).ok();
        if let Some(l) = limiter {
            // Waits on tokio's timer (governor's `until_ready` needs its `std` feature and
            // sleeps on futures-timer's own thread). Waking up to a millisecond late loses
            // nothing: the burst lets the slots missed meanwhile go at once.
            while let Err(not_until) = l.check() {
                let now = l.clock().now();
                tokio::time::sleep(not_until.wait_time_from(now)).await;
            }
        }
        if self.inner.calls.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.inner.pairs.retain_recent();
            self.inner.pairs.shrink_to_fit();
            if let Ok(mut m) = self.inner.recipient_pauses.lock() {
                let now = Instant::now();
                m.retain(|_, until| *until > now);
            }
        }
    }

    /// Holds the whole number for `d` (Meta answered 130429: the throughput was
    /// exceeded). A longer hold already in force is kept.
    pub fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        if let Ok(mut p) = self.inner.paused_until.lock() {
            if p.is_none_or(|cur| cur < until) {
                *p = Some(until);
            }
        }
    }

    /// How much longer the number is held, if it is.
    pub fn paused_for(&self) -> Option<Duration> {
        let until = (*self.inner.paused_until.lock().ok()?)?;
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    /// Holds one recipient for `d` (Meta answered 131056: too many messages to this
    /// recipient); the others are not affected.
    pub fn pause_recipient(&self, recipient: &str, d: Duration) {
        let until = Instant::now() + d;
        if let Ok(mut m) = self.inner.recipient_pauses.lock() {
            let e = m.entry(Self::key(recipient)).or_insert(until);
            if *e < until {
                *e = until;
            }
        }
    }

    /// Learns from a refused send to `recipient` (a `wa_id`, phone number or BSUID):
    /// Meta's 130429 (the number's throughput exceeded) holds the whole number for
    /// the error's `Retry-After`, else [`PacerConfig::throughput_hold`], and lowers the
    /// rate ([`Pacer::slow_down`]); 131056 (too many messages to this recipient) holds
    /// that recipient only, for `Retry-After`, else the pair interval. Returns whether
    /// the error was one of these; any other error changes nothing.
    /// [`GraphClient`](crate::GraphClient) calls this for every refused send when it has
    /// a pacer.
    pub fn learn_from_refusal(&self, recipient: &str, err: &GraphError) -> bool {
        let Some(api) = err.api() else {
            return false;
        };
        match api.code {
            130429 => {
                self.pause(api.retry_after.unwrap_or(self.inner.config.throughput_hold));
                self.slow_down();
                true
            }
            131056 => {
                let hold = api.retry_after.unwrap_or(self.inner.config.pair_interval);
                self.pause_recipient(recipient, hold);
                true
            }
            _ => false,
        }
    }

    /// How much longer `recipient` is held by [`Pacer::pause_recipient`], if it is.
    pub fn recipient_paused_for(&self, recipient: &str) -> Option<Duration> {
        let key = Self::key(recipient);
        let m = self.inner.recipient_pauses.lock().ok()?;
        m.get(&key)?
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }
}
