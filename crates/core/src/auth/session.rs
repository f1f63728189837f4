//! When a session ends and when wrong passwords lock an address out: decisions on times the
//! caller reads from its clock and the store.

use chrono::{DateTime, Duration, Utc};

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long has ended.
    pub idle: Duration,
    /// A session this old has ended, however much it is used.
    pub absolute: Duration,
}

/// What a session is at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCheck {
    /// Usable; `touch` says whether to record this use (its last use is older than a tenth of
    /// the idle time, at most a minute), so that most requests write nothing.
    Valid {
        /// Record the use.
        touch: bool,
    },
    /// Unused for longer than the idle time.
    IdleExpired,
    /// Older than the absolute limit.
    AbsoluteExpired,
}

impl SessionPolicy {
    /// What a session made at `created` and last used at `last_seen` is at `now`.
    #[must_use]
    pub fn check(
        &self,
        created: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> SessionCheck {
        if now - created >= self.absolute {
            return SessionCheck::AbsoluteExpired;
        }
        let unused = now - last_seen;
        if unused >= self.idle {
            return SessionCheck::IdleExpired;
        }
        let every = (self.idle / 10).min(Duration::minutes(1));
        SessionCheck::Valid {
            touch: unused >= every,
        }
    }
}

/// Wrong passwords given for one e-mail address, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    /// How many in a row (since the last success or the last lock's end).
    pub failures: i32,
    /// The latest.
    pub last_failed_at: DateTime<Utc>,
    /// Until when logins with this address are refused, if locked.
    pub locked_until: Option<DateTime<Utc>>,
}

/// When wrong passwords lock an address out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Wrong passwords in a row that lock (10).
    pub max_failures: i32,
    /// How long a lock lasts (15 minutes).
    pub lock_for: Duration,
    /// Failures older than this are forgotten (1 hour).
    pub forget_after: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 10,
            lock_for: Duration::minutes(15),
            forget_after: Duration::hours(1),
        }
    }
}

impl LockoutPolicy {
    /// Until when logins for an address with `record` are refused at `now`, if they are.
    #[must_use]
    pub fn locked_until(
        &self,
        record: Option<&LoginFailures>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        record.and_then(|r| r.locked_until).filter(|u| *u > now)
    }

    /// The record after one more wrong password at `now`: the count grows (from zero after a
    /// lock ended or after [`LockoutPolicy::forget_after`]), and the address is locked for
    /// [`LockoutPolicy::lock_for`] when it reaches [`LockoutPolicy::max_failures`].
    #[must_use]
    pub fn after_failure(
        &self,
        record: Option<&LoginFailures>,
        now: DateTime<Utc>,
    ) -> LoginFailures {
        let previous = record
            .filter(|r| r.locked_until.is_none_or(|u| u > now))
            .filter(|r| now - r.last_failed_at < self.forget_after)
            .map_or(0, |r| r.failures);
        let failures = previous + 1;
        LoginFailures {
            failures,
            last_failed_at: now,
            locked_until: (failures >= self.max_failures).then(|| now + self.lock_for),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let p = SessionPolicy {
            idle: Duration::seconds(100),
            absolute: Duration::seconds(1000),
        };
        assert_eq!(
            p.check(t(0), t(0), t(5)),
            SessionCheck::Valid { touch: false }
        );
        assert_eq!(
            p.check(t(0), t(0), t(20)),
            SessionCheck::Valid { touch: true }
        );
        assert_eq!(p.check(t(0), t(0), t(100)), SessionCheck::IdleExpired);
        assert_eq!(
            p.check(t(0), t(990), t(1000)),
            SessionCheck::AbsoluteExpired
        );
    }

    #[test]
    fn ten_failures_lock_and_the_lock_ends() {
        let p = LockoutPolicy::default();
        let mut r: Option<LoginFailures> = None;
        for i in 0..9 {
            r = Some(p.after_failure(r.as_ref(), t(i)));
            assert_eq!(p.locked_until(r.as_ref(), t(i)), None);
        }
        r = Some(p.after_failure(r.as_ref(), t(9)));
        let until = p.locked_until(r.as_ref(), t(9)).expect("locked");
        assert_eq!(until, t(9) + Duration::minutes(15));
        let after = until + Duration::seconds(1);
        assert_eq!(p.locked_until(r.as_ref(), after), None);
        // After the lock, counting starts again.
        assert_eq!(p.after_failure(r.as_ref(), after).failures, 1);
    }
}
