//! The cost ledger's reports: `GET /costs` ([`report`]) and the costs of `/stats`
//! ([`current`]). The rules (which rate, rounding, free and unpriced) are
//! [`crate::costs`].

use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::costs::{CostGroup, CostGrouping, CostTotals, LedgerEntry, Rate, RateCard, Summary};
use crate::error::CoreError;
use crate::ports::{Clock, Repos, Store, StoreError};

/// How amounts are rounded, said in every report.
pub const ROUNDING: &str = "prices exact as on the rate card; totals are exact sums per currency (`exact`), also rounded half to even to the currency's minor unit (`rounded`)";

/// Messages read from the ledger at a time: what a report holds in memory besides its sums.
pub const LEDGER_PAGE: usize = 5_000;

/// Calls `f` with every ledger entry billed in `[from, to)`, reading `page` messages at a time
/// ([`LEDGER_PAGE`] in the reports), in one read.
///
/// # Errors
/// [`StoreError`] from the store.
pub fn each_ledger_entry(
    r: &mut dyn Repos,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    page: usize,
    mut f: impl FnMut(&LedgerEntry),
) -> Result<(), StoreError> {
    let mut after = None;
    loop {
        let page = r.cost_ledger(from, to, None, after.as_ref(), page)?;
        page.entries.iter().for_each(&mut f);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

/// Longest range of one report: 400 days.
pub const MAX_RANGE_DAYS: i64 = 400;

/// The rate card as a report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateCardInForce {
    /// The file it was read from (`WACLOUD_RATE_CARD`); `null` when none is configured.
    pub source: Option<String>,
    /// The day its rates are given for (the report's last day).
    pub on: NaiveDate,
    /// For each market and category, the rate in force on `on`.
    pub rates: Vec<Rate>,
}

/// `GET /costs`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostReport {
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (exclusive).
    pub to: DateTime<Utc>,
    /// How `groups` are formed.
    pub group_by: CostGrouping,
    /// The whole range.
    #[serde(flatten)]
    pub totals: CostTotals,
    /// One entry per group, sorted by key.
    pub groups: Vec<CostGroup>,
    /// The rates the report used, as in force at its end.
    pub rate_card: RateCardInForce,
    /// How amounts are rounded ([`ROUNDING`]).
    pub rounding: &'static str,
}

/// The costs of today and of this month (UTC), for `/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentCosts {
    /// Since 00:00 UTC today.
    pub today: CostTotals,
    /// Since the first of this month, 00:00 UTC.
    pub month: CostTotals,
}

/// The ledger of `[from, to)` priced by `card` and grouped by `by`. Both default: `to` now,
/// `from` the first of `to`'s month.
///
/// # Errors
/// [`CoreError::Invalid`] (`invalid_query`, field `from`) when `from` is not before `to` or
/// the range is longer than [`MAX_RANGE_DAYS`]; [`CoreError::Store`].
pub async fn report(
    store: &dyn Store,
    clock: &dyn Clock,
    card: Arc<RateCard>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    by: CostGrouping,
) -> Result<CostReport, CoreError> {
    let to = to.unwrap_or_else(|| clock.now());
    let from = from.unwrap_or_else(|| month_start(to));
    if from >= to {
        return Err(CoreError::invalid(
            "invalid_query",
            "from",
            "from must be before to",
        ));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(CoreError::invalid(
            "invalid_query",
            "from",
            format!("a report covers at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let priced = Arc::clone(&card);
    let (totals, groups) = crate::ports::read(store, move |r| {
        let mut s = Summary::new(by);
        each_ledger_entry(r, from, to, LEDGER_PAGE, |e| s.add(&priced, e))?;
        Ok(s.finish())
    })
    .await?;
    let on = (to - Duration::nanoseconds(1)).date_naive();
    Ok(CostReport {
        from,
        to,
        group_by: by,
        totals,
        groups,
        rate_card: RateCardInForce {
            source: card.source.clone(),
            on,
            rates: card.in_force(on),
        },
        rounding: ROUNDING,
    })
}

/// Today's and this month's costs (UTC) at `now`.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn current(
    store: &dyn Store,
    card: &RateCard,
    now: DateTime<Utc>,
) -> Result<CurrentCosts, CoreError> {
    let start = month_start(now);
    let end = now + Duration::seconds(1);
    let midnight = Utc.from_utc_datetime(&now.date_naive().and_time(chrono::NaiveTime::MIN));
    let card = card.clone();
    let (today, month) = crate::ports::read(store, move |r| {
        let (mut today, mut month) = (
            Summary::new(CostGrouping::Day),
            Summary::new(CostGrouping::Day),
        );
        each_ledger_entry(r, start, end, LEDGER_PAGE, |e| {
            if e.billed_at >= midnight {
                today.add(&card, e);
            }
            month.add(&card, e);
        })?;
        Ok((today.finish().0, month.finish().0))
    })
    .await?;
    Ok(CurrentCosts { today, month })
}

/// 00:00 UTC on the first day of `t`'s month.
#[must_use]
pub fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let d = t.date_naive().with_day(1).unwrap_or_else(|| t.date_naive());
    Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN))
}
