//! Reports (`GET /reports/{name}`): the rules, no I/O. The store hands the use case
//! ([`crate::usecases::reports`]) pages of [`ReportMessage`]s, [`StatusEntry`]s and
//! [`CampaignItem`]s in time order; [`ConversationFold`] and [`CampaignTally`] fold them into
//! groups, and [`Tally::finish`] makes the rows.
//!
//! **Conversations.** A conversation of a contact *opens* with a customer's message
//! ([`ReportMessage::customer`]) while the contact has none open: the contact's first message,
//! or the first after its conversation was resolved. It *ends* when its status is set to
//! `resolved` (a `status_changed` timeline entry); pending and snoozed do not end it. Its
//! *first response* is the first outbound message written by an operator (`actor`
//! `operator:<id>`) after it opened; automatic replies, the API key, the queue and imported
//! history are not responses. *First response time* is first response − opening, *time to
//! resolution* is resolution − opening, in seconds. A report counts the conversations opened in
//! its period, each on the day it opened (in the report's time zone), under the number its
//! opening message came to, and under the operator who gave the first response (`none` when
//! no operator answered before the period's end).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// Longest period of one report: 400 days (as `GET /costs`).
pub const MAX_RANGE_DAYS: i64 = 400;

/// Actor tags that mark automatic replies (written by the rules and business-hours replies).
pub const AUTOMATIC_ACTOR_PREFIXES: [&str; 2] = ["rule:", "automation:"];

/// The reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ReportName {
    /// Conversations opened, answered and resolved.
    Conversations,
    /// First response times (seconds): median, mean, 90th percentile.
    ResponseTimes,
    /// Times to resolution (seconds): median, mean, 90th percentile.
    ResolutionTimes,
    /// Messages received from customers and sent (per operator with `group_by=operator`).
    Messages,
    /// Bulk sends: items sent, delivered, read, failed, and the rates.
    Campaigns,
    /// Automatic replies sent (outbound messages whose actor starts with `rule:` or
    /// `automation:`).
    AutomaticReplies,
}

impl ReportName {
    /// Every report, in the order the documentation lists them.
    pub const ALL: [Self; 6] = [
        Self::Conversations,
        Self::ResponseTimes,
        Self::ResolutionTimes,
        Self::Messages,
        Self::Campaigns,
        Self::AutomaticReplies,
    ];

    /// Its name in the path.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Conversations => "conversations",
            Self::ResponseTimes => "response-times",
            Self::ResolutionTimes => "resolution-times",
            Self::Messages => "messages",
            Self::Campaigns => "campaigns",
            Self::AutomaticReplies => "automatic-replies",
        }
    }

    /// The report named `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// The figures of each row, in order (the CSV's columns after `key` and `label`).
    #[must_use]
    pub const fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Conversations => &["opened", "answered", "resolved"],
            Self::ResponseTimes | Self::ResolutionTimes => &[
                "conversations",
                "median_seconds",
                "mean_seconds",
                "p90_seconds",
            ],
            Self::Messages => &["received", "sent", "automatic"],
            Self::Campaigns => &[
                "items",
                "sent",
                "delivered",
                "read",
                "failed",
                "delivery_rate",
                "read_rate",
            ],
            Self::AutomaticReplies => &["sent"],
        }
    }
}

/// How a report's rows are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportGrouping {
    /// One row per day of the period in the report's time zone (`2026-12-01`), every day
    /// present, empty ones with zeros.
    Day,
    /// One row per business number (`phone_number_id`).
    Number,
    /// One row per actor tag: `operator:<id>` (label: the display name), `customer`
    /// (received messages), `rule:…`/`automation:…`, `api_key`, `queue`, `none`
    /// (conversations no operator answered).
    Operator,
    /// One row per bulk batch (`campaigns` only).
    Batch,
}

impl ReportGrouping {
    /// The grouping named `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "number" => Some(Self::Number),
            "operator" => Some(Self::Operator),
            "batch" => Some(Self::Batch),
            _ => None,
        }
    }
}

/// A report's period and time zone, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
    /// The zone days are counted in.
    pub tz: ReportZone,
}

/// The time zone a report counts its days in: a fixed offset, or an IANA zone
/// (`Europe/Paris`, from the tz database in `chrono-tz`) whose days follow its daylight-saving
/// changes (a day may then last 23 or 25 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportZone {
    /// `+02:00`.
    Fixed(FixedOffset),
    /// `Europe/Paris`.
    Named(chrono_tz::Tz),
}

impl From<FixedOffset> for ReportZone {
    fn from(o: FixedOffset) -> Self {
        Self::Fixed(o)
    }
}

impl std::fmt::Display for ReportZone {
    /// `+02:00`, or the zone's IANA name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fixed(o) => o.fmt(f),
            Self::Named(z) => f.write_str(z.name()),
        }
    }
}

impl ReportZone {
    /// A fixed offset ([`parse_offset`]) or an IANA zone name (case-sensitive, as the tz
    /// database spells it: `America/New_York`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        parse_offset(s)
            .map(Self::Fixed)
            .or_else(|| s.trim().parse::<chrono_tz::Tz>().ok().map(Self::Named))
    }

    /// The local day of `t`.
    #[must_use]
    pub fn day_of(&self, t: DateTime<Utc>) -> NaiveDate {
        match self {
            Self::Fixed(o) => t.with_timezone(o).date_naive(),
            Self::Named(z) => t.with_timezone(z).date_naive(),
        }
    }
}

impl Period {
    /// `[from, to)` in `tz`.
    ///
    /// # Errors
    /// 400 `invalid_query` (field `from`) when `from` is not before `to` or the period is longer
    /// than [`MAX_RANGE_DAYS`].
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        tz: impl Into<ReportZone>,
    ) -> Result<Self, CoreError> {
        let tz = tz.into();
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
        Ok(Self { from, to, tz })
    }

    /// Whether `t` is in the period.
    #[must_use]
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.from && t < self.to
    }

    /// The day `t` falls on in the period's time zone.
    #[must_use]
    pub fn day_of(&self, t: DateTime<Utc>) -> NaiveDate {
        self.tz.day_of(t)
    }

    /// Every day the period touches in its time zone, first to last.
    #[must_use]
    pub fn days(&self) -> Vec<NaiveDate> {
        let last = self.day_of(self.to - Duration::nanoseconds(1));
        self.day_of(self.from)
            .iter_days()
            .take_while(|d| *d <= last)
            .collect()
    }
}

/// A time zone as a fixed offset from UTC: `Z`, `UTC`, `+02:00`, `-05:30`, `+0200` or `+02`
/// (named zones: [`ReportZone::parse`]).
#[must_use]
pub fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") || s.is_empty() {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || rest.matches(':').count() > 1 {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Median, mean and 90th percentile of durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationStats {
    /// How many durations.
    pub count: u64,
    /// The middle value; with an even count, the mean of the two middle values.
    pub median: f64,
    /// The sum divided by the count.
    pub mean: f64,
    /// Nearest rank: the ⌈0.9·n⌉-th smallest value.
    pub p90: f64,
}

impl DurationStats {
    /// The statistics of `ms` (milliseconds), in seconds rounded to the millisecond; `None`
    /// when empty.
    #[must_use]
    pub fn of(mut ms: Vec<i64>) -> Option<Self> {
        if ms.is_empty() {
            return None;
        }
        ms.sort_unstable();
        let n = ms.len();
        let secs = |v: f64| (v).round() / 1000.0;
        let median = if n % 2 == 1 {
            ms[n / 2] as f64
        } else {
            (ms[n / 2 - 1] as f64 + ms[n / 2] as f64) / 2.0
        };
        let sum: i128 = ms.iter().map(|v| i128::from(*v)).sum();
        let mean = sum as f64 / n as f64;
        let rank = (n * 9).div_ceil(10).max(1);
        Some(Self {
            count: n as u64,
            median: secs(median),
            mean: secs(mean),
            p90: secs(ms[rank - 1] as f64),
        })
    }
}

/// A message as the reports read it (group messages are left out by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportMessage {
    /// The message's wacloud id.
    pub id: String,
    /// Its contact.
    pub contact_id: String,
    /// When it was written (`created_at`).
    pub at: DateTime<Utc>,
    /// Inbound (from the customer) or outbound.
    pub inbound: bool,
    /// `source` (`standby`, `history`, `echo`… or `None` for an ordinary message).
    pub source: Option<String>,
    /// Who wrote it (outbound): `operator:<id>`, `api_key`, `queue`, `rule:…`…
    pub actor: Option<String>,
    /// The operator's display name.
    pub actor_name: Option<String>,
    /// The business number (`phone_number_id`) of the message, else of its contact.
    pub phone_number_id: Option<String>,
}

impl ReportMessage {
    /// A customer's own message to us: inbound, neither a standby copy nor imported history.
    #[must_use]
    pub fn customer(&self) -> bool {
        self.inbound && !matches!(self.source.as_deref(), Some("standby" | "history"))
    }

    /// An operator's outbound message: the operator's id.
    #[must_use]
    pub fn operator(&self) -> Option<&str> {
        if self.inbound || matches!(self.source.as_deref(), Some("history" | "standby")) {
            return None;
        }
        self.actor.as_deref()?.strip_prefix("operator:")
    }

    /// An automatic reply (outbound, actor `rule:…` or `automation:…`).
    #[must_use]
    pub fn automatic(&self) -> bool {
        !self.inbound
            && self
                .actor
                .as_deref()
                .is_some_and(|a| AUTOMATIC_ACTOR_PREFIXES.iter().any(|p| a.starts_with(p)))
    }

    /// Sent by us through wacloud (outbound, not standby or imported history).
    #[must_use]
    pub fn sent(&self) -> bool {
        !self.inbound && !matches!(self.source.as_deref(), Some("history" | "standby"))
    }
}

/// A `status_changed` timeline entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The contact.
    pub contact_id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The new status (`open`, `pending`, `snoozed`, `resolved`), from the entry's `details.to`.
    pub to: Option<String>,
    /// Who.
    pub actor: String,
    /// The operator's display name.
    pub actor_name: Option<String>,
}

impl StatusEntry {
    /// The new status from an entry's stored `details` (`{"from","to","snoozed_until"}`).
    #[must_use]
    pub fn status_in(details: Option<&str>) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(details?).ok()?;
        v.get("to")?.as_str().map(str::to_owned)
    }
}

/// A bulk send's queue item with its message's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignItem {
    /// The batch.
    pub batch_id: String,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// The queue item's state (`pending`, `sent`, `failed`…).
    pub state: String,
    /// Its message's status (`sent`, `delivered`, `read`, `played`, `failed`…), if any.
    pub message_status: Option<String>,
    /// The number it goes out from.
    pub phone_number_id: Option<String>,
    /// Who queued it.
    pub actor: Option<String>,
    /// Their display name.
    pub actor_name: Option<String>,
}

/// One row of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// The group: a day (`2026-12-01`), a `phone_number_id`, an actor tag, a batch id, or
    /// `total`.
    pub key: String,
    /// A readable name: the operator's display name; `null` otherwise.
    pub label: Option<String>,
    /// The figures named by the report's `columns`: counts are integers, seconds and rates are
    /// numbers (seconds to the millisecond, rates 0–1 to four places), `null` when there is
    /// nothing to measure.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub figures: BTreeMap<String, serde_json::Value>,
}

/// What one group accumulates.
#[derive(Debug, Clone, Default)]
struct Group {
    label: Option<String>,
    opened: u64,
    answered: u64,
    resolved: u64,
    response_ms: Vec<i64>,
    resolution_ms: Vec<i64>,
    received: u64,
    sent: u64,
    automatic: u64,
    items: u64,
    delivered: u64,
    read: u64,
    failed: u64,
    items_sent: u64,
}

/// Groups of figures being folded, with the whole period's as `total`.
#[derive(Debug, Clone)]
pub struct Tally {
    by: ReportGrouping,
    period: Period,
    groups: BTreeMap<String, Group>,
    total: Group,
}

impl Tally {
    /// Nothing counted yet.
    #[must_use]
    pub fn new(period: Period, by: ReportGrouping) -> Self {
        let mut groups = BTreeMap::new();
        if by == ReportGrouping::Day {
            for d in period.days() {
                groups.insert(d.to_string(), Group::default());
            }
        }
        Self {
            by,
            period,
            groups,
            total: Group::default(),
        }
    }

    fn add(&mut self, key: Key<'_>, f: impl Fn(&mut Group)) {
        f(&mut self.total);
        let (k, label) = match self.by {
            ReportGrouping::Day => (self.period.day_of(key.at).to_string(), None),
            ReportGrouping::Number => (key.number.unwrap_or("unknown").to_owned(), None),
            ReportGrouping::Operator => (key.actor.to_owned(), key.actor_name),
            ReportGrouping::Batch => (key.batch.unwrap_or("none").to_owned(), None),
        };
        let g = self.groups.entry(k).or_default();
        if g.label.is_none() {
            g.label = label.map(str::to_owned);
        }
        f(g);
    }

    /// Counts one message of the period (`messages`, `automatic-replies`).
    pub fn add_message(&mut self, m: &ReportMessage) {
        let (customer, sent, automatic) = (m.customer(), m.sent(), m.automatic());
        if !customer && !sent {
            return;
        }
        let actor = if m.inbound {
            "customer"
        } else {
            m.actor.as_deref().unwrap_or("unknown")
        };
        let key = Key {
            at: m.at,
            number: m.phone_number_id.as_deref(),
            actor,
            actor_name: m.actor_name.as_deref(),
            batch: None,
        };
        self.add(key, |g| {
            g.received += u64::from(customer);
            g.sent += u64::from(sent);
            g.automatic += u64::from(automatic);
        });
    }

    /// Counts one conversation opened in the period.
    fn add_conversation(&mut self, c: &OpenConversation, resolved_at: Option<DateTime<Utc>>) {
        let (actor, name) = match &c.first_response {
            Some(r) => (
                format!("operator:{}", r.operator),
                r.operator_name.as_deref(),
            ),
            None => ("none".to_owned(), None),
        };
        let response = c
            .first_response
            .as_ref()
            .map(|r| (r.at - c.opened_at).num_milliseconds());
        let resolution = resolved_at.map(|t| (t - c.opened_at).num_milliseconds());
        let key = Key {
            at: c.opened_at,
            number: c.number.as_deref(),
            actor: &actor,
            actor_name: name,
            batch: None,
        };
        self.add(key, |g| {
            g.opened += 1;
            if let Some(ms) = response {
                g.answered += 1;
                g.response_ms.push(ms);
            }
            if let Some(ms) = resolution {
                g.resolved += 1;
                g.resolution_ms.push(ms);
            }
        });
    }

    /// Counts one campaign item queued in the period.
    pub fn add_campaign_item(&mut self, i: &CampaignItem) {
        let s = i.message_status.as_deref();
        let read = matches!(s, Some("read" | "played"));
        let delivered = read || s == Some("delivered");
        let sent = delivered || s == Some("sent");
        let failed = s == Some("failed") || i.state == "failed";
        let key = Key {
            at: i.queued_at,
            number: i.phone_number_id.as_deref(),
            actor: i.actor.as_deref().unwrap_or("queue"),
            actor_name: i.actor_name.as_deref(),
            batch: Some(&i.batch_id),
        };
        self.add(key, |g| {
            g.items += 1;
            g.items_sent += u64::from(sent);
            g.delivered += u64::from(delivered);
            g.read += u64::from(read);
            g.failed += u64::from(failed);
        });
    }

    /// The report's rows (sorted by key) and its total row.
    #[must_use]
    pub fn finish(self, name: ReportName) -> (Vec<ReportRow>, ReportRow) {
        let row = |key: String, g: Group| ReportRow {
            key,
            label: g.label.clone(),
            figures: figures(name, g),
        };
        let total = row("total".to_owned(), self.total);
        let rows = self.groups.into_iter().map(|(k, g)| row(k, g)).collect();
        (rows, total)
    }
}

struct Key<'a> {
    at: DateTime<Utc>,
    number: Option<&'a str>,
    actor: &'a str,
    actor_name: Option<&'a str>,
    batch: Option<&'a str>,
}

/// `part / whole` to four places; `null` when `whole` is 0.
#[must_use]
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

fn figures(name: ReportName, g: Group) -> BTreeMap<String, serde_json::Value> {
    use serde_json::{json, Value};
    let stats = |ms: Vec<i64>| -> [Value; 4] {
        match DurationStats::of(ms) {
            Some(s) => [json!(s.count), json!(s.median), json!(s.mean), json!(s.p90)],
            None => [json!(0), Value::Null, Value::Null, Value::Null],
        }
    };
    let values: Vec<Value> = match name {
        ReportName::Conversations => vec![json!(g.opened), json!(g.answered), json!(g.resolved)],
        ReportName::ResponseTimes => stats(g.response_ms).to_vec(),
        ReportName::ResolutionTimes => stats(g.resolution_ms).to_vec(),
        ReportName::Messages => vec![json!(g.received), json!(g.sent), json!(g.automatic)],
        ReportName::Campaigns => vec![
            json!(g.items),
            json!(g.items_sent),
            json!(g.delivered),
            json!(g.read),
            json!(g.failed),
            json!(rate(g.delivered, g.items_sent)),
            json!(rate(g.read, g.delivered)),
        ],
        ReportName::AutomaticReplies => vec![json!(g.automatic)],
    };
    name.columns()
        .iter()
        .map(|c| (*c).to_owned())
        .zip(values)
        .collect()
}

/// The first response of an open conversation.
#[derive(Debug, Clone)]
struct FirstResponse {
    at: DateTime<Utc>,
    operator: String,
    operator_name: Option<String>,
}

/// A contact's conversation while it is open.
#[derive(Debug, Clone)]
struct OpenConversation {
    opened_at: DateTime<Utc>,
    number: Option<String>,
    /// Opened in the period (else open since before it: not counted).
    counted: bool,
    first_response: Option<FirstResponse>,
}

/// Folds messages and status changes, in time order, into conversations (see the module's
/// documentation). Holds one entry per contact seen with an open conversation.
#[derive(Debug)]
pub struct ConversationFold {
    period: Period,
    open: HashMap<String, Option<OpenConversation>>,
}

impl ConversationFold {
    /// Nothing seen yet.
    #[must_use]
    pub fn new(period: Period) -> Self {
        Self {
            period,
            open: HashMap::new(),
        }
    }

    /// Whether the fold already knows how `contact_id` stood at the period's start.
    #[must_use]
    pub fn knows(&self, contact_id: &str) -> bool {
        self.open.contains_key(contact_id)
    }

    /// How a contact stood at the period's start: with a conversation open (opened before the
    /// period, so never counted) or not. Call before its first event; a contact never
    /// introduced has none open.
    pub fn start(&mut self, contact_id: &str, open_before: bool) {
        let c = open_before.then_some(OpenConversation {
            opened_at: self.period.from,
            number: None,
            counted: false,
            first_response: None,
        });
        self.open.insert(contact_id.to_owned(), c);
    }

    /// A message (in time order with the status entries).
    pub fn message(&mut self, m: &ReportMessage) {
        let slot = self.open.entry(m.contact_id.clone()).or_default();
        match slot {
            None if m.customer() => {
                *slot = Some(OpenConversation {
                    opened_at: m.at,
                    number: m.phone_number_id.clone(),
                    counted: self.period.contains(m.at),
                    first_response: None,
                });
            }
            Some(c) if c.first_response.is_none() => {
                if let Some(op) = m.operator() {
                    c.first_response = Some(FirstResponse {
                        at: m.at,
                        operator: op.to_owned(),
                        operator_name: m.actor_name.clone(),
                    });
                }
            }
            _ => {}
        }
    }

    /// A status change (in time order with the messages): `resolved` ends the conversation.
    pub fn status(&mut self, e: &StatusEntry, tally: &mut Tally) {
        if e.to.as_deref() != Some("resolved") {
            return;
        }
        if let Some(Some(c)) = self.open.get_mut(&e.contact_id).map(Option::take) {
            if c.counted {
                tally.add_conversation(&c, Some(e.at));
            }
        }
    }

    /// The period is over: conversations still open count as opened (and answered, if they
    /// were), not resolved.
    pub fn finish(self, tally: &mut Tally) {
        let mut still: Vec<OpenConversation> = self
            .open
            .into_values()
            .flatten()
            .filter(|c| c.counted)
            .collect();
        still.sort_by_key(|c| c.opened_at);
        for c in still {
            tally.add_conversation(&c, None);
        }
    }
}

/// A report's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// Which report.
    pub report: ReportName,
    /// Start of the period (inclusive).
    pub from: DateTime<Utc>,
    /// End of the period (exclusive).
    pub to: DateTime<Utc>,
    /// The zone days are counted in (`+00:00`, or an IANA name such as `Europe/Paris`).
    pub tz: String,
    /// How rows are formed.
    pub group_by: ReportGrouping,
    /// Only this number's figures, when asked.
    pub number: Option<String>,
    /// The figures of each row, in order.
    pub columns: Vec<String>,
    /// One row per group, sorted by key.
    pub rows: Vec<ReportRow>,
    /// The whole period (`key`: `total`).
    pub total: ReportRow,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, s).unwrap()
    }

    #[test]
    fn median_mean_and_p90_by_nearest_rank() {
        // 10, 20, 30, 40 s: median (20+30)/2 = 25, mean 100/4 = 25, p90 rank ⌈3.6⌉ = 4 → 40.
        let s = DurationStats::of(vec![40_000, 10_000, 30_000, 20_000]).unwrap();
        assert_eq!((s.count, s.median, s.mean, s.p90), (4, 25.0, 25.0, 40.0));
        // 1..=10 s: median (5+6)/2 = 5.5, mean 55/10 = 5.5, p90 rank 9 → 9.
        let s = DurationStats::of((1..=10).map(|v| v * 1000).collect()).unwrap();
        assert_eq!((s.median, s.mean, s.p90), (5.5, 5.5, 9.0));
        // One value: all three are it. Odd count: the middle. Mean of 1 ms, 2 ms: 1.5 ms → 0.002 s.
        let s = DurationStats::of(vec![7_000]).unwrap();
        assert_eq!((s.median, s.mean, s.p90), (7.0, 7.0, 7.0));
        let s = DurationStats::of(vec![3_000, 1_000, 2_000]).unwrap();
        assert_eq!((s.median, s.p90), (2.0, 3.0));
        assert_eq!(DurationStats::of(vec![1, 2]).unwrap().mean, 0.002);
        assert!(DurationStats::of(vec![]).is_none());
    }

    #[test]
    fn offsets_parse_and_days_follow_the_time_zone() {
        assert_eq!(parse_offset("Z"), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("+02:00"), FixedOffset::east_opt(7200));
        assert_eq!(parse_offset("-05:30"), FixedOffset::east_opt(-19800));
        assert_eq!(parse_offset("+0530"), FixedOffset::east_opt(19800));
        assert_eq!(parse_offset("+02"), FixedOffset::east_opt(7200));
        for bad in ["Europe/Paris", "+2", "+25:00", "02:00", "+02:60", "+0:2:00"] {
            assert_eq!(parse_offset(bad), None, "{bad}");
        }
        // 23:30 UTC on the 1st is the 2nd at +02:00 and still the 1st at -05:00.
        let late = t(23, 30, 0);
        let p = |tz| Period::new(t(0, 0, 0), t(0, 0, 0) + Duration::days(2), tz).unwrap();
        let east = p(FixedOffset::east_opt(7200).unwrap());
        assert_eq!(east.day_of(late).to_string(), "2026-12-02");
        let west = p(FixedOffset::west_opt(5 * 3600).unwrap());
        assert_eq!(west.day_of(late).to_string(), "2026-12-01");
        // Two UTC days seen from +02:00 touch three local days (00:00 UTC is 02:00 local).
        let days: Vec<String> = east.days().iter().map(ToString::to_string).collect();
        assert_eq!(days, ["2026-12-01", "2026-12-02", "2026-12-03"]);
        let utc = p(FixedOffset::east_opt(0).unwrap());
        assert_eq!(utc.days().len(), 2);
    }

    #[test]
    fn a_named_zone_splits_days_across_its_daylight_saving_change() {
        let paris = ReportZone::parse("Europe/Paris").expect("an IANA zone");
        assert_eq!(paris.to_string(), "Europe/Paris");
        assert_eq!(
            ReportZone::parse("+02:00"),
            FixedOffset::east_opt(7200).map(ReportZone::Fixed)
        );
        assert_eq!(ReportZone::parse("Mars/Olympus"), None);
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Paris leaves summer time on 2026-10-25 at 03:00 local (01:00 UTC): 22:30 UTC is the
        // next day in summer (+02:00) but still the same day in winter (+01:00).
        assert_eq!(
            paris.day_of(at("2026-10-24T22:30:00Z")).to_string(),
            "2026-10-25"
        );
        assert_eq!(
            paris.day_of(at("2026-10-25T22:30:00Z")).to_string(),
            "2026-10-25"
        );
        assert_eq!(
            paris.day_of(at("2026-10-25T23:30:00Z")).to_string(),
            "2026-10-26"
        );
        // One fixed offset (summer's) would put 23:30 UTC on the 25th into the 26th too, but
        // 22:30 UTC on the 25th as well: an hour off after the change.
        let summer = ReportZone::Fixed(FixedOffset::east_opt(7200).unwrap());
        assert_eq!(
            summer.day_of(at("2026-10-25T22:30:00Z")).to_string(),
            "2026-10-26"
        );
        // The period's days follow the zone: the 25-hour day is one day.
        let p = Period::new(
            at("2026-10-24T22:00:00Z"),
            at("2026-10-26T23:00:00Z"),
            paris,
        )
        .unwrap();
        let days: Vec<String> = p.days().iter().map(ToString::to_string).collect();
        assert_eq!(days, ["2026-10-25", "2026-10-26"]);
    }

    #[test]
    fn periods_are_checked() {
        let z = FixedOffset::east_opt(0).unwrap();
        assert!(Period::new(t(1, 0, 0), t(1, 0, 0), z).is_err());
        assert!(Period::new(t(0, 0, 0), t(0, 0, 0) + Duration::days(401), z).is_err());
        assert!(Period::new(t(0, 0, 0), t(0, 0, 0) + Duration::days(400), z).is_ok());
    }

    fn msg(contact: &str, at: DateTime<Utc>, inbound: bool, actor: Option<&str>) -> ReportMessage {
        ReportMessage {
            id: format!("{contact}-{at}"),
            contact_id: contact.to_owned(),
            at,
            inbound,
            source: None,
            actor: actor.map(str::to_owned),
            actor_name: actor.map(|a| a.to_uppercase()),
            phone_number_id: Some("PN1".to_owned()),
        }
    }

    fn resolved(contact: &str, at: DateTime<Utc>) -> StatusEntry {
        StatusEntry {
            contact_id: contact.to_owned(),
            at,
            to: Some("resolved".to_owned()),
            actor: "operator:a".to_owned(),
            actor_name: None,
        }
    }

    #[test]
    fn conversations_open_with_the_customer_and_end_when_resolved() {
        let z = FixedOffset::east_opt(0).unwrap();
        let period = Period::new(t(0, 0, 0), t(0, 0, 0) + Duration::days(1), z).unwrap();
        let mut fold = ConversationFold::new(period);
        let mut tally = Tally::new(period, ReportGrouping::Operator);
        // c1: opens 10:00, a second customer message 10:01 changes nothing, an automatic
        // reply 10:02 is no response, operator a answers 10:05 (300 s), b writes 10:06 (not
        // first), resolved 11:00 (3600 s). Then c1 writes again 12:00: a second conversation,
        // answered by b at 12:00:30 (30 s), never resolved.
        fold.start("c1", false);
        fold.message(&msg("c1", t(10, 0, 0), true, None));
        fold.message(&msg("c1", t(10, 1, 0), true, None));
        fold.message(&msg("c1", t(10, 2, 0), false, Some("rule:welcome")));
        fold.message(&msg("c1", t(10, 5, 0), false, Some("operator:a")));
        fold.message(&msg("c1", t(10, 6, 0), false, Some("operator:b")));
        fold.status(&resolved("c1", t(11, 0, 0)), &mut tally);
        fold.message(&msg("c1", t(12, 0, 0), true, None));
        fold.message(&msg("c1", t(12, 0, 30), false, Some("operator:b")));
        // c2 was open before the period: its answer and resolution count nowhere; its next
        // message after the resolution opens one nobody answers.
        fold.start("c2", true);
        fold.message(&msg("c2", t(9, 0, 0), false, Some("operator:a")));
        fold.status(&resolved("c2", t(9, 30, 0)), &mut tally);
        fold.message(&msg("c2", t(13, 0, 0), true, None));
        fold.finish(&mut tally);
        let (rows, total) = tally.finish(ReportName::Conversations);
        let get = |r: &ReportRow, c: &str| r.figures[c].as_u64().unwrap();
        assert_eq!(
            (
                get(&total, "opened"),
                get(&total, "answered"),
                get(&total, "resolved")
            ),
            (3, 2, 1)
        );
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["none", "operator:a", "operator:b"]);
        assert_eq!(rows[1].label.as_deref(), Some("OPERATOR:A"));
        assert_eq!(get(&rows[1], "resolved"), 1);
        assert_eq!(get(&rows[2], "resolved"), 0);
    }

    #[test]
    fn campaign_rates() {
        assert_eq!(rate(2, 3), Some(0.6667));
        assert_eq!(rate(0, 0), None);
        let z = FixedOffset::east_opt(0).unwrap();
        let period = Period::new(t(0, 0, 0), t(0, 0, 0) + Duration::days(1), z).unwrap();
        let mut tally = Tally::new(period, ReportGrouping::Batch);
        for (s, state) in [
            (Some("read"), "sent"),
            (Some("delivered"), "sent"),
            (Some("sent"), "sent"),
            (Some("failed"), "sent"),
            (None, "failed"),
            (None, "pending"),
        ] {
            tally.add_campaign_item(&CampaignItem {
                batch_id: "b1".into(),
                queued_at: t(8, 0, 0),
                state: state.into(),
                message_status: s.map(str::to_owned),
                phone_number_id: None,
                actor: None,
                actor_name: None,
            });
        }
        let (rows, _) = tally.finish(ReportName::Campaigns);
        let f = &rows[0].figures;
        // 6 items; sent 3 (read, delivered, sent), delivered 2, read 1, failed 2.
        // delivery 2/3 = 0.6667, read 1/2 = 0.5.
        assert_eq!(
            ["items", "sent", "delivered", "read", "failed"].map(|c| f[c].as_u64().unwrap()),
            [6, 3, 2, 1, 2]
        );
        assert_eq!(f["delivery_rate"].as_f64(), Some(0.6667));
        assert_eq!(f["read_rate"].as_f64(), Some(0.5));
    }
}
