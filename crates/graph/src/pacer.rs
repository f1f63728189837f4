//! Optional pacing of sends so Meta's throughput (130429) and pair-rate (131056)
//! limits are not hit: a per-number messages-per-second budget and a per-recipient
//! spacing, each a token bucket of the `ratelimit` crate (tokens refilled continuously at
//! the rate, up to the burst; a bucket starts full).
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

use ratelimit::{Ratelimiter, TryWaitError};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
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
    /// windows, so a burst of a whole second's budget (the usual default of rate
    /// limiters) risks 130429.
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
    number: RwLock<Arc<Ratelimiter>>,
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
    /// One limiter per recipient (by key), made on the recipient's first message. The map
    /// uses std's randomly seeded hasher, as recipients may come from inbound messages.
    pairs: Mutex<HashMap<String, PairSlot>>,
    calls: AtomicU64,
    /// Until when the whole number is held (after 130429).
    paused_until: Mutex<Option<Instant>>,
    /// Until when single recipients are held (after 131056).
    recipient_pauses: Mutex<HashMap<String, Instant>>,
}

/// A recipient's limiter and when its last slot was taken (a bucket untouched for the
/// pair interval times the pair burst is full again, like a new one, and can be dropped).
struct PairSlot {
    limiter: Ratelimiter,
    last_taken: Instant,
}

/// Takes one slot of `limiter` now, or says how long until one is free.
fn take(limiter: &Ratelimiter) -> Result<(), Duration> {
    match limiter.try_wait() {
        Ok(()) => Ok(()),
        Err(TryWaitError::Insufficient(wait)) => Err(wait),
        // The pacer's buckets hold at least one slot, so a later attempt succeeds; wait
        // one refill period for it.
        Err(_) => Err(limiter.period()),
    }
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
        let mps = config.messages_per_second.max(1);
        Self {
            inner: Arc::new(Inner {
                number: RwLock::new(Arc::new(Self::limiter(&config, mps, mps))),
                rate: AtomicU32::new(mps),
                share: watch::Sender::new(mps),
                wanted: Notify::new(),
                asked: AtomicU64::new(0),
                held: AtomicUsize::new(0),
                rate_changed: Mutex::new(Instant::now()),
                pairs: Mutex::new(HashMap::new()),
                config,
                calls: AtomicU64::new(0),
                paused_until: Mutex::new(None),
                recipient_pauses: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The number's limiter at `rate` messages per second (at least 1): a full bucket of
    /// the burst set by [`PacerConfig::burst`], else 25 ms worth of `burst_basis` messages per
    /// second (both at most `rate`, at least 1), refilled at the rate.
    fn limiter(config: &PacerConfig, rate: u32, burst_basis: u32) -> Ratelimiter {
        let rate = rate.max(1);
        let burst = match config.burst {
            Some(b) => b,
            None => burst_basis / 40,
        };
        // (`effective_burst` says the same for the configured rate.)
        Self::bucket(rate, Duration::from_secs(1), burst.min(rate))
    }

    /// A recipient's limiter: a full bucket of the pair burst, refilled by one message
    /// per pair interval.
    fn pair_limiter(config: &PacerConfig) -> Ratelimiter {
        let interval = if config.pair_interval.is_zero() {
            DEFAULT_PAIR_INTERVAL
        } else {
            config.pair_interval
        };
        Self::bucket(1, interval, config.pair_burst)
    }

    /// A full bucket of `burst` (at least 1) slots, refilled by `rate` (at least 1) slots
    /// every `period` (non-zero).
    fn bucket(rate: u32, period: Duration, burst: u32) -> Ratelimiter {
        let burst = u64::from(burst.max(1));
        Ratelimiter::builder(u64::from(rate.max(1)))
            .period(period)
            .max_tokens(burst)
            .initial_available(burst)
            .build()
            .expect("a non-zero period and a burst of at least 1 that the bucket starts with")
    }

    /// Takes the recipient's slot (by key) now, or says how long until it is free.
    fn take_recipient(&self, key: &str) -> Result<(), Duration> {
        let mut pairs = self
            .inner
            .pairs
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let slot = pairs.entry(key.to_owned()).or_insert_with(|| PairSlot {
            limiter: Self::pair_limiter(&self.inner.config),
            last_taken: Instant::now(),
        });
        take(&slot.limiter)?;
        slot.last_taken = Instant::now();
        Ok(())
    }

    /// Drops the recipients whose bucket is full again (as a new one would be).
    fn prune_recipients(&self) {
        let config = &self.inner.config;
        let refilled_after = config
            .pair_interval
            .saturating_mul(config.pair_burst.max(1));
        let mut pairs = self
            .inner
            .pairs
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pairs.retain(|_, slot| slot.last_taken.elapsed() < refilled_after);
        pairs.shrink_to_fit();
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
        while let Err(wait) = self.take_recipient(&key) {
            tokio::time::sleep(wait).await;
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
        self.take_recipient(&key)
            .map_err(|wait| wait.max(Duration::from_millis(1)))
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
            // Waking up to a millisecond late (tokio's timer) loses nothing: the burst
            // lets the slots missed meanwhile go at once.
            while let Err(wait) = take(&l) {
                tokio::time::sleep(wait).await;
            }
        }
        if self.inner.calls.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune_recipients();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn recipients(pacer: &Pacer) -> usize {
        pacer
            .inner
            .pairs
            .lock()
            .map(|m| m.len())
            .unwrap_or_default()
    }

    #[test]
    fn pruning_keeps_recipients_still_spaced_and_drops_refilled_ones() {
        let pacer = Pacer::new(
            PacerConfig::new()
                .pair_interval(Duration::from_millis(200))
                .pair_burst(2),
        )
        .unwrap();
        assert!(pacer.try_recipient("15550000001").is_ok());
        assert!(pacer.try_recipient("15550000001").is_ok(), "burst of 2");
        assert!(pacer.try_recipient("15550000001").is_err());
        pacer.prune_recipients();
        assert_eq!(recipients(&pacer), 1, "an empty bucket is kept");
        assert!(
            pacer.try_recipient("15550000001").is_err(),
            "pruning does not give a recipient a fresh bucket"
        );
        // Two intervals (the burst) after the last slot taken, the bucket is full again.
        std::thread::sleep(Duration::from_millis(420));
        pacer.prune_recipients();
        assert_eq!(recipients(&pacer), 0, "a refilled bucket is dropped");
        assert!(pacer.try_recipient("15550000001").is_ok());
        assert!(pacer.try_recipient("15550000001").is_ok());
        assert!(pacer.try_recipient("15550000001").is_err());
    }

    #[test]
    fn a_bucket_starts_full_with_the_burst_and_refills_at_the_rate() {
        let limiter = Pacer::limiter(
            &PacerConfig::new().messages_per_second(100).burst(3),
            100,
            100,
        );
        for _ in 0..3 {
            assert!(take(&limiter).is_ok());
        }
        let wait = take(&limiter).unwrap_err();
        assert!(wait <= Duration::from_millis(10), "{wait:?}");
        std::thread::sleep(wait);
        assert!(take(&limiter).is_ok());
    }

    #[test]
    fn a_share_below_the_rate_keeps_the_whole_rates_burst_capped_at_the_share() {
        let pacer = Pacer::new(PacerConfig::new().messages_per_second(400)).unwrap();
        pacer.set_share(100);
        let limiter = pacer.inner.number.read().map(|n| Arc::clone(&n)).unwrap();
        for i in 0..10 {
            assert!(take(&limiter).is_ok(), "slot {i} of the burst of 400/s");
        }
        assert!(
            take(&limiter).is_err(),
            "no more than 25 ms of the whole rate"
        );
        // A share smaller than that burst caps it.
        pacer.set_share(4);
        let limiter = pacer.inner.number.read().map(|n| Arc::clone(&n)).unwrap();
        for _ in 0..4 {
            assert!(take(&limiter).is_ok());
        }
        assert!(take(&limiter).is_err());
    }
}
