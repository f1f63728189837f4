//! Meta's two send limits as the sandbox enforces them: the number's throughput (130429) and
//! the pair rate to one recipient (131056).
//!
//! The throughput is a GCRA at the cap with a tolerance of half a second's worth of messages (at
//! least 4): a sender paced at the cap passes even when a busy machine stalls its requests (or
//! the sandbox itself) for a few hundred milliseconds and they arrive bunched, while one that
//! bursts a whole second's budget, runs at twice the cap for half a second, or a few percent
//! over it for long, is refused. The pair rate is a GCRA per recipient (Meta: one message per 6 s after a burst of 45).

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::control::Control;
use crate::SandboxConfig;

/// The pair limiter with the `(interval_ms, burst)` it was built for.
type PairLimiter = ((u64, u32), DefaultKeyedRateLimiter<String>);

#[derive(Debug, Default)]
pub(crate) struct Limits {
    number: Mutex<Option<(u32, DefaultDirectRateLimiter)>>,
    pairs: Mutex<Option<PairLimiter>>,
}

/// Which limit a send broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broken {
    Throughput,
    PairRate,
}

fn number_limiter(cap: u32) -> Option<DefaultDirectRateLimiter> {
    let rate = NonZeroU32::new(cap)?;
    let tolerance = NonZeroU32::new((cap / 2).max(4)).unwrap_or(NonZeroU32::MIN);
    Some(RateLimiter::direct(
        Quota::per_second(rate).allow_burst(tolerance),
    ))
}

fn pair_limiter(interval_ms: u64, burst: u32) -> Option<DefaultKeyedRateLimiter<String>> {
    if interval_ms == 0 {
        return None;
    }
    let quota = Quota::with_period(Duration::from_millis(interval_ms))?
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
    Some(RateLimiter::keyed(quota))
}

impl Limits {
    pub(crate) fn new(c: &Control, cfg: &SandboxConfig) -> Self {
        let l = Self::default();
        l.reconfigure(c, cfg);
        l
    }

    /// Rebuilds a limiter whose settings changed (its history starts afresh).
    pub(crate) fn reconfigure(&self, c: &Control, _cfg: &SandboxConfig) {
        if let Ok(mut n) = self.number.lock() {
            if n.as_ref().map(|(cap, _)| *cap) != Some(c.messages_per_second) {
                *n = number_limiter(c.messages_per_second).map(|l| (c.messages_per_second, l));
            }
        }
        if let Ok(mut p) = self.pairs.lock() {
            let key = (c.pair_interval_ms, c.pair_burst);
            if p.as_ref().map(|(k, _)| *k) != Some(key) {
                *p = pair_limiter(c.pair_interval_ms, c.pair_burst).map(|l| (key, l));
            }
        }
    }

    /// Counts one send to `to` against both limits; says which one it breaks, if any. A send
    /// refused for the pair rate does not use the number's budget (Meta refuses it first).
    pub(crate) fn check(&self, to: &str) -> Result<(), Broken> {
        if let Ok(p) = self.pairs.lock() {
            if let Some((_, l)) = p.as_ref() {
                if l.check_key(&to.to_owned()).is_err() {
                    return Err(Broken::PairRate);
                }
            }
        }
        if let Ok(n) = self.number.lock() {
            if let Some((_, l)) = n.as_ref() {
                if l.check().is_err() {
                    return Err(Broken::Throughput);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn cfg() -> SandboxConfig {
        SandboxConfig::new("1", SecretString::from("s"), SecretString::from("t"))
    }

    #[test]
    fn a_burst_over_the_cap_is_refused() {
        let c = Control {
            messages_per_second: 80,
            ..Control::default()
        };
        let l = Limits::new(&c, &cfg());
        let ok = (0..80)
            .filter(|i| l.check(&format!("1555{i:07}")).is_ok())
            .count();
        assert!(
            ok <= 40,
            "a tolerance of half a second (40) at 80/s, got {ok}"
        );
    }

    #[test]
    fn the_pair_rate_holds_one_recipient() {
        let c = Control {
            pair_interval_ms: 6000,
            pair_burst: 2,
            ..Control::default()
        };
        let l = Limits::new(&c, &cfg());
        assert!(l.check("15550000001").is_ok());
        assert!(l.check("15550000001").is_ok());
        assert_eq!(l.check("15550000001"), Err(Broken::PairRate));
        assert!(l.check("15550000002").is_ok(), "others are not affected");
    }
}
