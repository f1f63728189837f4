//! `GET /reports/{name}` ([`report`]): reads the store a page at a time and folds the pages
//! with the rules of [`crate::reports`].

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Duration, Utc};

use crate::error::CoreError;
use crate::ports::{Clock, ReportCursor, Repos, Store, StoreError};
use crate::reports::{
    ConversationFold, Period, Report, ReportGrouping, ReportMessage, ReportName, StatusEntry, Tally,
};

/// Rows read from the store at a time: what a report holds in memory besides its groups (and,
/// for the conversation reports, one entry per contact seen in the period).
pub const REPORT_PAGE: usize = 2_000;

/// The period a report covers when `from` is not given: the 30 days before `to`.
pub const DEFAULT_DAYS: i64 = 30;

/// What a report is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    /// Which report.
    pub name: ReportName,
    /// Start (inclusive); default `to` − [`DEFAULT_DAYS`].
    pub from: Option<DateTime<Utc>>,
    /// End (exclusive); default now.
    pub to: Option<DateTime<Utc>>,
    /// How rows are formed.
    pub group_by: ReportGrouping,
    /// Only this business number's figures.
    pub number: Option<String>,
    /// The zone days are counted in (a fixed offset or an IANA zone).
    pub tz: crate::reports::ReportZone,
}

/// The report `q` asks for.
///
/// # Errors
/// 400 `invalid_query`: `from` not before `to`, a period over
/// [`crate::reports::MAX_RANGE_DAYS`] (field `from`), `group_by=batch` for a report other than
/// `campaigns` (field `group_by`); [`CoreError::Store`].
pub async fn report(
    store: &dyn Store,
    clock: &dyn Clock,
    q: ReportQuery,
) -> Result<Report, CoreError> {
    let to = q.to.unwrap_or_else(|| clock.now());
    let from = q.from.unwrap_or(to - Duration::days(DEFAULT_DAYS));
    let period = Period::new(from, to, q.tz)?;
    if q.group_by == ReportGrouping::Batch && q.name != ReportName::Campaigns {
        return Err(CoreError::invalid(
            "invalid_query",
            "group_by",
            "group_by=batch is for the campaigns report only; use day, number or operator",
        ));
    }
    let (name, by, number) = (q.name, q.group_by, q.number.clone());
    let (rows, total) = crate::ports::read(store, move |r| {
        let mut tally = Tally::new(period, by);
        let number = number.as_deref();
        match name {
            ReportName::Conversations | ReportName::ResponseTimes | ReportName::ResolutionTimes => {
                fold_conversations(r, period, number, &mut tally)?;
            }
            ReportName::Messages | ReportName::AutomaticReplies => {
                let mut after = None;
                loop {
                    let page = r.report_messages(from, to, number, after.as_ref(), REPORT_PAGE)?;
                    let last = page.len() < REPORT_PAGE;
                    after = page.last().map(|p| p.0.clone());
                    page.iter().for_each(|(_, m)| tally.add_message(m));
                    if last {
                        break;
                    }
                }
            }
            ReportName::Campaigns => {
                let mut after = None;
                loop {
                    let page =
                        r.report_campaign_items(from, to, number, after.as_ref(), REPORT_PAGE)?;
                    let last = page.len() < REPORT_PAGE;
                    after = page.last().map(|p| p.0.clone());
                    page.iter().for_each(|(_, i)| tally.add_campaign_item(i));
                    if last {
                        break;
                    }
                }
            }
        }
        Ok(tally.finish(name))
    })
    .await?;
    Ok(Report {
        report: q.name,
        from,
        to,
        tz: q.tz.to_string(),
        group_by: q.group_by,
        number: q.number,
        columns: q.name.columns().iter().map(|c| (*c).to_owned()).collect(),
        rows,
        total,
    })
}

/// A paged read in time order.
struct Pages<T> {
    buf: VecDeque<T>,
    after: Option<ReportCursor>,
    done: bool,
}

impl<T> Pages<T> {
    const fn new() -> Self {
        Self {
            buf: VecDeque::new(),
            after: None,
            done: false,
        }
    }

    /// Reads the next page when the buffer is empty; answers the rows read (empty if none).
    fn refill<'a>(
        &'a mut self,
        read: impl FnOnce(Option<&ReportCursor>) -> Result<Vec<(ReportCursor, T)>, StoreError>,
    ) -> Result<Option<std::collections::vec_deque::Iter<'a, T>>, StoreError> {
        if !self.buf.is_empty() || self.done {
            return Ok(None);
        }
        let page = read(self.after.as_ref())?;
        self.done = page.len() < REPORT_PAGE;
        self.after = page.last().map(|p| p.0.clone());
        self.buf.extend(page.into_iter().map(|p| p.1));
        Ok(Some(self.buf.iter()))
    }
}

/// Merges the period's messages and status changes by time (a message before a status change
/// of the same instant) into `fold`, and counts the conversations in `tally`.
fn fold_conversations(
    r: &mut dyn Repos,
    period: Period,
    number: Option<&str>,
    tally: &mut Tally,
) -> Result<(), StoreError> {
    let (from, to) = (period.from, period.to);
    let mut fold = ConversationFold::new(period);
    let mut messages: Pages<ReportMessage> = Pages::new();
    let mut statuses: Pages<StatusEntry> = Pages::new();
    loop {
        let new: Vec<String> = match messages
            .refill(|after| r.report_messages(from, to, number, after, REPORT_PAGE))?
        {
            Some(read) => {
                let mut seen = HashSet::new();
                read.filter(|m| !fold.knows(&m.contact_id) && seen.insert(&m.contact_id))
                    .map(|m| m.contact_id.clone())
                    .collect()
            }
            None => Vec::new(),
        };
        if !new.is_empty() {
            let open: HashSet<String> = r.open_at(&new, from)?.into_iter().collect();
            for id in &new {
                fold.start(id, open.contains(id));
            }
        }
        statuses.refill(|after| r.report_status_changes(from, to, after, REPORT_PAGE))?;
        let status_first = match (messages.buf.front(), statuses.buf.front()) {
            (None, None) => break,
            (Some(m), Some(s)) => s.at < m.at,
            (None, Some(_)) => true,
            (Some(_), None) => false,
        };
        if status_first {
            if let Some(s) = statuses.buf.pop_front() {
                fold.status(&s, tally);
            }
        } else if let Some(m) = messages.buf.pop_front() {
            fold.message(&m);
        }
    }
    fold.finish(tally);
    Ok(())
}
