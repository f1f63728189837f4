//! Business hours: weekly opening intervals in a number's IANA time zone, and holidays.
//!
//! An instant is converted to the zone's local time first, so daylight saving changes move
//! nothing: "09:00–17:00 on Mondays in Europe/Berlin" is 08:00–16:00 UTC in winter and
//! 07:00–15:00 UTC in summer.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{problem, AutomationProblem};

/// At most this many opening intervals per number.
pub const MAX_OPENINGS: usize = 70;
/// At most this many holidays per number.
pub const MAX_HOLIDAYS: usize = 400;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One weekly opening interval, in the number's local time: open from `open` (inclusive) to
/// `close` (exclusive) on `day`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Opening {
    /// `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`.
    pub day: String,
    /// `HH:MM`, 24-hour clock, `00:00`–`23:59`.
    pub open: String,
    /// `HH:MM`, after `open`; `24:00` is the end of the day.
    pub close: String,
}

/// A number's business hours (`PUT /numbers/{phone_number_id}/automation`'s `hours`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// The IANA time zone the intervals are in, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The weekly opening intervals (at most [`MAX_OPENINGS`]); none: always closed.
    #[serde(default)]
    pub openings: Vec<Opening>,
    /// Local dates on which the business is closed all day (at most [`MAX_HOLIDAYS`]).
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

/// [`BusinessHours`] checked and ready to answer [`Schedule::is_open`].
#[derive(Debug, Clone)]
pub struct Schedule {
    tz: Tz,
    /// Per weekday (Monday first), `[open, close)` in minutes of the local day.
    days: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<NaiveDate>,
}

fn minutes(s: &str, allow_end: bool) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if allow_end && h == 24 && m == 0 {
        return Some(24 * 60);
    }
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl BusinessHours {
    /// Checks the zone, days, times and sizes.
    ///
    /// # Errors
    /// `invalid_time_zone` (`hours.time_zone`), `invalid_opening` (`hours.openings[i].…`),
    /// `too_many_openings`, `too_many_holidays`.
    pub fn check(&self) -> Result<Schedule, AutomationProblem> {
        let tz: Tz = self.time_zone.parse().map_err(|_| {
            problem(
                "invalid_time_zone",
                "hours.time_zone",
                format!(
                    "hours.time_zone: {:?} is not an IANA time zone (e.g. Europe/Berlin)",
                    self.time_zone
                ),
            )
        })?;
        if self.openings.len() > MAX_OPENINGS {
            return Err(problem(
                "too_many_openings",
                "hours.openings",
                format!("hours.openings: at most {MAX_OPENINGS}"),
            ));
        }
        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(problem(
                "too_many_holidays",
                "hours.holidays",
                format!("hours.holidays: at most {MAX_HOLIDAYS}"),
            ));
        }
        let mut days: [Vec<(u32, u32)>; 7] = Default::default();
        for (i, o) in self.openings.iter().enumerate() {
            let bad = |field: &str, msg: &str| {
                let path = format!("hours.openings[{i}].{field}");
                problem("invalid_opening", &path, format!("{path}: {msg}"))
            };
            let day = DAYS
                .iter()
                .position(|d| *d == o.day)
                .ok_or_else(|| bad("day", "one of mon, tue, wed, thu, fri, sat, sun"))?;
            let open = minutes(&o.open, false).ok_or_else(|| bad("open", "HH:MM, 00:00–23:59"))?;
            let close =
                minutes(&o.close, true).ok_or_else(|| bad("close", "HH:MM, 00:01–24:00"))?;
            if close <= open {
                return Err(bad("close", "must be after open"));
            }
            days[day].push((open, close));
        }
        Ok(Schedule {
            tz,
            days,
            holidays: self.holidays.iter().copied().collect(),
        })
    }
}

impl Schedule {
    /// Whether the business is open at `at`: not a local holiday, and the local time within
    /// one of the day's intervals.
    #[must_use]
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.tz);
        if self.holidays.contains(&local.date_naive()) {
            return false;
        }
        let day = local.weekday().num_days_from_monday() as usize;
        let minute = local.hour() * 60 + local.minute();
        self.days[day]
            .iter()
            .any(|&(open, close)| open <= minute && minute < close)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn berlin_weekdays() -> Schedule {
        BusinessHours {
            time_zone: "Europe/Berlin".into(),
            openings: ["mon", "tue", "wed", "thu", "fri"]
                .iter()
                .map(|d| Opening {
                    day: (*d).into(),
                    open: "09:00".into(),
                    close: "17:00".into(),
                })
                .collect(),
            holidays: vec![NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()],
        }
        .check()
        .unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn hours_are_read_in_the_numbers_time_zone_across_dst() {
        let s = berlin_weekdays();
        // Winter (CET, UTC+1): Monday 2026-12-07 09:00 local is 08:00 UTC.
        assert!(!s.is_open(utc(2026, 12, 7, 7, 59)));
        assert!(s.is_open(utc(2026, 12, 7, 8, 0)));
        assert!(s.is_open(utc(2026, 12, 7, 15, 59)));
        assert!(!s.is_open(utc(2026, 12, 7, 16, 0)));
        // Summer (CEST, UTC+2): Monday 2026-07-06 09:00 local is 07:00 UTC.
        assert!(s.is_open(utc(2026, 7, 6, 7, 0)));
        assert!(!s.is_open(utc(2026, 7, 6, 15, 0)));
        // The Monday after the spring change (2026-03-29): 09:00 CEST = 07:00 UTC.
        assert!(s.is_open(utc(2026, 3, 30, 7, 0)));
        assert!(!s.is_open(utc(2026, 3, 30, 6, 59)));
        // Saturday.
        assert!(!s.is_open(utc(2026, 12, 12, 10, 0)));
    }

    #[test]
    fn a_holiday_closes_the_whole_local_day() {
        let s = berlin_weekdays();
        // Friday 2026-12-25, noon local.
        assert!(!s.is_open(utc(2026, 12, 25, 11, 0)));
        // 2026-12-24 23:30 UTC is already the 25th in Berlin (00:30 local), and closed;
        // the 24th at noon is an ordinary Thursday.
        assert!(!s.is_open(utc(2026, 12, 24, 23, 30)));
        assert!(s.is_open(utc(2026, 12, 24, 11, 0)));
    }

    #[test]
    fn a_day_can_end_at_midnight_and_zones_far_from_utc_shift_the_weekday() {
        let s = BusinessHours {
            time_zone: "Pacific/Auckland".into(),
            openings: vec![Opening {
                day: "sat".into(),
                open: "20:00".into(),
                close: "24:00".into(),
            }],
            holidays: vec![],
        }
        .check()
        .unwrap();
        // Saturday 2026-12-12 23:59 NZDT (UTC+13) is Saturday 10:59 UTC.
        assert!(s.is_open(utc(2026, 12, 12, 10, 59)));
        // Sunday 00:00 NZDT.
        assert!(!s.is_open(utc(2026, 12, 12, 11, 0)));
    }

    #[test]
    fn bad_hours_name_the_field() {
        let mut h = BusinessHours {
            time_zone: "Mars/Olympus".into(),
            openings: vec![],
            holidays: vec![],
        };
        assert_eq!(h.check().unwrap_err().field, "hours.time_zone");
        h.time_zone = "UTC".into();
        h.openings.push(Opening {
            day: "mon".into(),
            open: "10:00".into(),
            close: "09:00".into(),
        });
        let e = h.check().unwrap_err();
        assert_eq!(
            (e.code, e.field.as_str()),
            ("invalid_opening", "hours.openings[0].close")
        );
        h.openings[0] = Opening {
            day: "monday".into(),
            open: "10:00".into(),
            close: "11:00".into(),
        };
        assert_eq!(h.check().unwrap_err().field, "hours.openings[0].day");
        h.openings[0].day = "mon".into();
        h.openings[0].open = "9:00".into();
        assert_eq!(h.check().unwrap_err().field, "hours.openings[0].open");
    }
}
