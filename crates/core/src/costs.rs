//! What messages cost: the `pricing` Meta reports on each status, the operator's rate card,
//! and the ledger built from both.
//!
//! Meta bills per message (the per-message pricing model, `PMP`, since 1 July 2025): every
//! status webhook of a billed or free message carries `pricing` with `pricing_model`,
//! `billable`, `category` (`marketing`, `utility`, `authentication`,
//! `authentication_international`, `service`, …) and `type` (`regular`,
//! `free_customer_service`, `free_entry_point`). Meta charges a message when it is delivered.
//! Meta's statuses carry no price: the price comes from the operator's [`RateCard`].
//!
//! Money rules (never a float):
//! - prices are exact decimals, kept as written on the card (Meta's cards have up to 4 places);
//! - a message costs exactly the price that applies to it; totals are exact sums per currency;
//! - a total is also shown rounded to the currency's minor unit ([`minor_unit_places`]),
//!   half to even ([`round_to_minor_unit`]); the exact figure stays alongside;
//! - amounts in different currencies are never added together or converted.
//!
//! Which rate applies ([`RateCard::rate`]): the row for the message's market and category with
//! the latest `effective_date` on or before the day (UTC) the message was billed. The market is
//! the ISO 3166-1 alpha-2 country of the recipient's `wa_id` ([`market_of_wa_id`]); a card row
//! with market `*` applies to every market that has no row of its own for that category, and
//! to recipients whose market is unknown (a customer known only by BSUID). A
//! billable message with no applicable rate (no market, no row, or a date before every row) is
//! counted as unpriced, never guessed. A message whose `billable` is `false` is free.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// `statuses[].pricing` of a status webhook, as Meta sent it (values kept as received).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    /// `pricing_model`: `PMP` (per message) or `CBP` (conversation-based, before July 2025).
    pub model: Option<String>,
    /// `billable`: `false` for free messages (service replies in the window, free entry points).
    pub billable: Option<bool>,
    /// `category`: `marketing`, `utility`, `authentication`, `service`, …
    pub category: Option<String>,
    /// `type`: `regular`, `free_customer_service`, `free_entry_point`, …
    pub kind: Option<String>,
}

impl Pricing {
    /// Nothing reported.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.model.is_none()
            && self.billable.is_none()
            && self.category.is_none()
            && self.kind.is_none()
    }

    /// Each field of `self`, else the one of `other` (a later status fills what an earlier one
    /// left out; what was recorded first is kept).
    #[must_use]
    pub fn or(self, other: Pricing) -> Pricing {
        Pricing {
            model: self.model.or(other.model),
            billable: self.billable.or(other.billable),
            category: self.category.or(other.category),
            kind: self.kind.or(other.kind),
        }
    }
}

/// The market of a recipient: the ISO 3166-1 alpha-2 country (`US`, `IN`, `DE`) of the
/// country calling code of its `wa_id` (Google's libphonenumber metadata). A calling code
/// shared by several countries (`1`, `7`, `44`) resolves by the number's ranges, else to the
/// code's main country (`1` → `US`). `None` for a `wa_id` that is not a number with a known
/// calling code.
#[must_use]
pub fn market_of_wa_id(wa_id: &str) -> Option<String> {
    let digits = wa_id.trim().trim_start_matches('+');
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = phonenumber::parse(None, format!("+{digits}")).ok()?;
    if let Some(id) = n.country().id() {
        return Some(id.as_ref().to_owned());
    }
    // A number in no known range (e.g. a fictional 555 number): the code's main country.
    let code = n.country().code();
    phonenumber::metadata::DATABASE
        .region(&code)
        .and_then(|r| r.first().map(|id| (*id).to_owned()))
}

/// Places of the currency's minor unit (ISO 4217): 0 for `JPY`, `KRW`, `CLP`, …; 3 for
/// `BHD`, `KWD`, `OMR`, …; 2 for every other code.
#[must_use]
pub fn minor_unit_places(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// `amount` rounded to the currency's minor unit, half to even (banker's rounding).
#[must_use]
pub fn round_to_minor_unit(amount: Decimal, currency: &str) -> Decimal {
    amount.round_dp_with_strategy(
        minor_unit_places(currency),
        RoundingStrategy::MidpointNearestEven,
    )
}

/// One row of a rate card: from `effective_date` on, a billable message of `category` to a
/// recipient in `market` costs `price` `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rate {
    /// First day (UTC) the price applies.
    pub effective_date: NaiveDate,
    /// ISO 3166-1 alpha-2 country, upper case, or `*` for every market without its own row.
    pub market: String,
    /// Meta's pricing category, lower case (`marketing`, `utility`, …).
    pub category: String,
    /// Price of one message, exact as written on the card.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.0250"))]
    pub price: Decimal,
    /// ISO 4217 code, upper case.
    pub currency: String,
}

/// A field of a rate card that is wrong, with its place: `line` counts from 1 for the header,
/// `column` is the header's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rate card line {line}, column {column}: {message}")]
pub struct RateCardError {
    /// Line of the file, 1 being the header.
    pub line: u64,
    /// The column's name (`effective_date`, `market`, `category`, `price`, `currency`), or
    /// `-` for the line as a whole.
    pub column: &'static str,
    /// What is wrong and what is expected.
    pub message: String,
}

/// The columns of a rate card, in order.
pub const RATE_CARD_COLUMNS: [&str; 5] =
    ["effective_date", "market", "category", "price", "currency"];

impl Rate {
    /// Reads one line of a rate card (fields in [`RATE_CARD_COLUMNS`] order, surrounding
    /// spaces ignored).
    ///
    /// # Errors
    /// [`RateCardError`] naming the line and the first wrong column: a date not `YYYY-MM-DD`,
    /// a market neither two letters nor `*`, an empty category, a price that is not a
    /// non-negative decimal (`0.0250`; no exponent, no thousands separator), a currency not
    /// three letters.
    pub fn parse(line: u64, fields: &[&str]) -> Result<Rate, RateCardError> {
        let err = |column: &'static str, message: String| RateCardError {
            line,
            column,
            message,
        };
        if fields.len() != RATE_CARD_COLUMNS.len() {
            return Err(err(
                "-",
                format!(
                    "{} fields; a line has 5: {}",
                    fields.len(),
                    RATE_CARD_COLUMNS.join(",")
                ),
            ));
        }
        let f: Vec<&str> = fields.iter().map(|x| x.trim()).collect();
        let effective_date = NaiveDate::parse_from_str(f[0], "%Y-%m-%d").map_err(|_| {
            err(
                "effective_date",
                format!("{:?} is not a date written YYYY-MM-DD", f[0]),
            )
        })?;
        let market = f[1].to_ascii_uppercase();
        if !(market == "*" || (market.len() == 2 && market.chars().all(|c| c.is_ascii_uppercase())))
        {
            return Err(err(
                "market",
                format!(
                    "{:?} is not an ISO 3166-1 alpha-2 country code (US, IN, DE) or *",
                    f[1]
                ),
            ));
        }
        let category = f[2].to_ascii_lowercase();
        if category.is_empty() || !category.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(err(
                "category",
                format!(
                    "{:?} is not a pricing category (marketing, utility, authentication, service, …)",
                    f[2]
                ),
            ));
        }
        let price = parse_amount(f[3]).ok_or_else(|| {
            err(
                "price",
                format!(
                    "{:?} is not a non-negative decimal amount such as 0.0250",
                    f[3]
                ),
            )
        })?;
        let currency = f[4].to_ascii_uppercase();
        if !(currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase())) {
            return Err(err(
                "currency",
                format!(
                    "{:?} is not an ISO 4217 currency code (USD, EUR, INR)",
                    f[4]
                ),
            ));
        }
        Ok(Rate {
            effective_date,
            market,
            category,
            price,
            currency,
        })
    }
}

/// A non-negative decimal amount written with digits and at most one `.` (`12.50`, `0.0250`,
/// `3`). `None` otherwise (signs, exponents, separators, more than 28 places).
#[must_use]
pub fn parse_amount(s: &str) -> Option<Decimal> {
    let s = s.trim();
    let mut parts = s.splitn(2, '.');
    let int = parts.next()?;
    let frac = parts.next().unwrap_or("0");
    let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    if !digits(int) || !digits(frac) {
        return None;
    }
    s.parse::<Decimal>().ok().filter(|d| !d.is_sign_negative())
}

/// The operator's rate card: Meta's prices as copied in by the operator, by market, category
/// and effective date. Empty when none is configured (then every billable message is
/// unpriced).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateCard {
    /// Where it was read from (a file path), for the reports.
    pub source: Option<String>,
    /// Rows sorted by market, category, then effective date.
    rates: Vec<Rate>,
}

impl RateCard {
    /// A card from its rows (`lines[i]` being the line number of `rates[i]`, for errors).
    ///
    /// # Errors
    /// [`RateCardError`] when two rows have the same market, category and effective date (it
    /// names the later line), or when one market and category is priced in two currencies.
    pub fn new(source: Option<String>, rows: Vec<(u64, Rate)>) -> Result<RateCard, RateCardError> {
        let mut seen: HashMap<(String, String, NaiveDate), u64> = HashMap::new();
        let mut currency: HashMap<(String, String), String> = HashMap::new();
        for (line, r) in &rows {
            let key = (r.market.clone(), r.category.clone(), r.effective_date);
            if let Some(first) = seen.insert(key, *line) {
                return Err(RateCardError {
                    line: *line,
                    column: "effective_date",
                    message: format!(
                        "{} {} from {} is already priced on line {first}",
                        r.market, r.category, r.effective_date
                    ),
                });
            }
            let c = currency
                .entry((r.market.clone(), r.category.clone()))
                .or_insert_with(|| r.currency.clone());
            if *c != r.currency {
                return Err(RateCardError {
                    line: *line,
                    column: "currency",
                    message: format!(
                        "{} {} is priced in {c} on another line; one market and category has one currency",
                        r.market, r.category
                    ),
                });
            }
        }
        let mut rates: Vec<Rate> = rows.into_iter().map(|(_, r)| r).collect();
        rates.sort_by(|a, b| {
            (&a.market, &a.category, a.effective_date).cmp(&(
                &b.market,
                &b.category,
                b.effective_date,
            ))
        });
        Ok(RateCard { source, rates })
    }

    /// Every row.
    #[must_use]
    pub fn rates(&self) -> &[Rate] {
        &self.rates
    }

    /// The rate of a billable message of `category` to `market` billed on `day`: the row of
    /// that market (else, or when the market is unknown, of `*`) and category with the latest
    /// effective date on or before `day`. `None` when there is none.
    #[must_use]
    pub fn rate(&self, market: Option<&str>, category: &str, day: NaiveDate) -> Option<&Rate> {
        let category = category.to_ascii_lowercase();
        let find = |m: &str| {
            self.rates
                .iter()
                .filter(|r| r.market == m && r.category == category && r.effective_date <= day)
                .max_by_key(|r| r.effective_date)
        };
        let own = market.map(str::to_ascii_uppercase);
        let has_own_rows = own.as_deref().is_some_and(|m| {
            self.rates
                .iter()
                .any(|r| r.market == m && r.category == category)
        });
        match own.as_deref() {
            Some(m) if has_own_rows => find(m),
            _ => find("*"),
        }
    }

    /// The rows in force on `day`: for each market and category, the latest row effective on
    /// or before it.
    #[must_use]
    pub fn in_force(&self, day: NaiveDate) -> Vec<Rate> {
        let mut out: BTreeMap<(String, String), Rate> = BTreeMap::new();
        for r in self.rates.iter().filter(|r| r.effective_date <= day) {
            out.insert((r.market.clone(), r.category.clone()), r.clone());
        }
        out.into_values().collect()
    }
}

/// What the ledger holds about one outbound message that Meta reported pricing for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// When Meta billed it: first delivered, else sent, else written (UTC).
    pub billed_at: DateTime<Utc>,
    /// Meta's pricing, as recorded.
    pub pricing: Pricing,
    /// The recipient's `wa_id`, when known.
    pub wa_id: Option<String>,
    /// The business number (`phone_number_id`).
    pub phone_number_id: Option<String>,
    /// The bulk batch it was sent in, if any.
    pub batch_id: Option<String>,
    /// Our contact id.
    pub contact_id: Option<String>,
}

/// How `GET /costs` groups the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CostGrouping {
    /// By UTC day billed (`2026-12-07`).
    Day,
    /// By Meta's pricing category.
    Category,
    /// By business number (`phone_number_id`).
    Number,
    /// By bulk batch id (`-` for messages sent outside a batch).
    Batch,
    /// By contact id.
    Contact,
}

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amount {
    /// ISO 4217 code.
    pub currency: String,
    /// The exact sum of the prices.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1.0750"))]
    pub exact: Decimal,
    /// `exact` rounded half to even to the currency's minor unit.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1.08"))]
    pub rounded: Decimal,
}

/// Counts and totals of a set of ledger entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostTotals {
    /// Messages Meta reported pricing for.
    pub messages: i64,
    /// Billed ([`is_billable`]): `billable: true`, or without the flag a type not `free_…`.
    pub paid: i64,
    /// Free: `billable: false`, or without the flag a `free_…` type.
    pub free: i64,
    /// Paid messages with no applicable rate on the card (not in `totals`).
    pub unpriced: i64,
    /// Sum of the paid, priced messages, one entry per currency.
    pub totals: Vec<Amount>,
}

/// One group of a cost report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CostGroup {
    /// The group's key: a day, a category, a `phone_number_id`, a batch id or a contact id;
    /// `-` for entries without one.
    pub key: String,
    /// Its counts and totals.
    #[serde(flatten)]
    pub totals: CostTotals,
}

/// Whether the message is billed: Meta's `billable`; where it is absent (it is deprecated
/// with per-message pricing, see whatsapp-api-js's `ServerPricing`), free only when `type` says
/// so (`free_customer_service`, `free_entry_point`, any `free_…`), billed otherwise.
#[must_use]
pub fn is_billable(p: &Pricing) -> bool {
    p.billable.unwrap_or_else(|| {
        !p.kind
            .as_deref()
            .is_some_and(|k| k.to_ascii_lowercase().starts_with("free"))
    })
}

#[derive(Debug, Default)]
struct Acc {
    t: CostTotals,
    sums: BTreeMap<String, Decimal>,
}

impl Acc {
    fn add(&mut self, e: &LedgerEntry, price: Option<&Rate>) {
        self.t.messages += 1;
        if !is_billable(&e.pricing) {
            self.t.free += 1;
            return;
        }
        self.t.paid += 1;
        match price {
            Some(r) => *self.sums.entry(r.currency.clone()).or_default() += r.price,
            None => self.t.unpriced += 1,
        }
    }

    fn finish(mut self) -> CostTotals {
        self.t.totals = self
            .sums
            .into_iter()
            .map(|(currency, exact)| Amount {
                rounded: round_to_minor_unit(exact, &currency),
                exact: exact.normalize(),
                currency,
            })
            .collect();
        self.t
    }
}

/// The rate that applies to one ledger entry (see the module's rules), `None` for a free
/// message or one the card does not price.
#[must_use]
pub fn price_of<'c>(card: &'c RateCard, e: &LedgerEntry) -> Option<&'c Rate> {
    if !is_billable(&e.pricing) {
        return None;
    }
    let category = e.pricing.category.as_deref()?;
    let market = e.wa_id.as_deref().and_then(market_of_wa_id);
    card.rate(market.as_deref(), category, e.billed_at.date_naive())
}

/// Most recipients whose market [`Summary`] remembers; past it the memory starts afresh, so a
/// summary of any number of entries stays small.
const MARKETS_REMEMBERED: usize = 50_000;

/// Sums of ledger entries priced by a rate card, entry by entry: the whole, and per group of
/// its [`CostGrouping`]. The memory it holds is its groups and a bounded cache of recipients'
/// markets, never the entries, so a report reads the ledger a page at a time.
#[derive(Debug)]
pub struct Summary {
    by: CostGrouping,
    all: Acc,
    groups: BTreeMap<String, Acc>,
    markets: HashMap<String, Option<String>>,
}

impl Summary {
    /// An empty summary grouped by `by`.
    #[must_use]
    pub fn new(by: CostGrouping) -> Self {
        Self {
            by,
            all: Acc::default(),
            groups: BTreeMap::new(),
            markets: HashMap::new(),
        }
    }

    /// Counts `e`, priced by `card`.
    pub fn add(&mut self, card: &RateCard, e: &LedgerEntry) {
        let price = if is_billable(&e.pricing) {
            e.pricing.category.as_deref().and_then(|category| {
                let market = e.wa_id.as_deref().and_then(|w| {
                    if let Some(m) = self.markets.get(w) {
                        return m.clone();
                    }
                    if self.markets.len() >= MARKETS_REMEMBERED {
                        self.markets.clear();
                    }
                    let m = market_of_wa_id(w);
                    self.markets.insert(w.to_owned(), m.clone());
                    m
                });
                card.rate(market.as_deref(), category, e.billed_at.date_naive())
            })
        } else {
            None
        };
        let key = match self.by {
            CostGrouping::Day => Some(e.billed_at.date_naive().to_string()),
            CostGrouping::Category => e.pricing.category.as_deref().map(str::to_ascii_lowercase),
            CostGrouping::Number => e.phone_number_id.clone(),
            CostGrouping::Batch => e.batch_id.clone(),
            CostGrouping::Contact => e.contact_id.clone(),
        }
        .unwrap_or_else(|| "-".to_owned());
        self.all.add(e, price);
        self.groups.entry(key).or_default().add(e, price);
    }

    /// The whole, and the groups sorted by key.
    #[must_use]
    pub fn finish(self) -> (CostTotals, Vec<CostGroup>) {
        (
            self.all.finish(),
            self.groups
                .into_iter()
                .map(|(key, a)| CostGroup {
                    key,
                    totals: a.finish(),
                })
                .collect(),
        )
    }
}

/// Sums `entries` priced by `card`: the whole, and per group of `by` (groups sorted by key).
#[must_use]
pub fn summarize(
    card: &RateCard,
    entries: &[LedgerEntry],
    by: CostGrouping,
) -> (CostTotals, Vec<CostGroup>) {
    let mut s = Summary::new(by);
    for e in entries {
        s.add(card, e);
    }
    s.finish()
}

/// Where a page of the ledger ends: the last message read, in the ledger's order (written
/// at, then id). The next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerCursor {
    /// When the message was written.
    pub created_at: DateTime<Utc>,
    /// wacloud's id of the message.
    pub id: String,
}

/// One page of the ledger: its entries billed in the range asked, and where the next page
/// starts (`None`: this was the last).
#[derive(Debug, Clone, Default)]
pub struct LedgerPage {
    /// The entries.
    pub entries: Vec<LedgerEntry>,
    /// The cursor of the next page.
    pub next: Option<LedgerCursor>,
}

/// A bulk batch's spending limit (`POST /send-bulk`'s `budget`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Most the batch may spend, exact.
    pub amount: Decimal,
    /// ISO 4217 code, upper case: the currency of the rates that price its items.
    pub currency: String,
}

impl Budget {
    /// A budget from the request's strings: `amount` a positive decimal string (`"12.50"`;
    /// no float, no exponent, no sign: a budget of 0 would send nothing), `currency` three
    /// letters.
    ///
    /// # Errors
    /// [`CoreError::Invalid`](crate::CoreError::Invalid) `invalid_budget`, naming
    /// `budget.amount` or `budget.currency`.
    pub fn parse(amount: &str, currency: &str) -> Result<Budget, crate::CoreError> {
        let amount = parse_amount(amount)
            .filter(|a| !a.is_zero())
            .ok_or_else(|| {
                crate::CoreError::invalid(
                    "invalid_budget",
                    "budget.amount",
                    format!("budget.amount must be a decimal string above 0 such as \"12.50\"; got {amount:?}"),
                )
            })?;
        let c = currency.trim().to_ascii_uppercase();
        if !(c.len() == 3 && c.chars().all(|x| x.is_ascii_uppercase())) {
            return Err(crate::CoreError::invalid(
                "invalid_budget",
                "budget.currency",
                format!("budget.currency must be an ISO 4217 code such as USD; got {currency:?}"),
            ));
        }
        Ok(Budget {
            amount,
            currency: c,
        })
    }
}

/// Why a budgeted batch stopped sending.
pub mod pause_reason {
    /// The next item would take the batch past its budget.
    pub const BUDGET_REACHED: &str = "budget_reached";
    /// The next item has no rate on the card (changed since it was queued): it cannot be
    /// counted against the budget.
    pub const UNPRICED: &str = "unpriced_item";
}

/// A batch's budget as stored and shown (`GET /batches/{id}`'s `budget`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchBudget {
    /// The batch.
    pub batch_id: String,
    /// Most it may spend, exact.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12.50"))]
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// What its items begun so far cost at the card's rates (in flight and sent): checked
    /// against `amount` before each item is sent.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.0750"))]
    pub committed: Decimal,
    /// `running`, or `paused` until the budget is raised (`PATCH /batches/{id}`).
    pub state: &'static str,
    /// Why it is paused: `budget_reached` or `unpriced_item`.
    pub paused_reason: Option<String>,
    /// When it paused.
    pub paused_at: Option<DateTime<Utc>>,
}

impl BatchBudget {
    /// A new, running budget with nothing committed.
    #[must_use]
    pub fn new(batch_id: String, b: &Budget) -> BatchBudget {
        BatchBudget {
            batch_id,
            amount: b.amount,
            currency: b.currency.clone(),
            committed: Decimal::ZERO,
            state: "running",
            paused_reason: None,
            paused_at: None,
        }
    }

    /// Pauses it for `reason`.
    pub fn pause(&mut self, reason: &str, at: DateTime<Utc>) {
        self.state = "paused";
        self.paused_reason = Some(reason.to_owned());
        self.paused_at = Some(at);
    }

    /// Lets it run again (the next item is checked again).
    pub fn resume(&mut self) {
        self.state = "running";
        self.paused_reason = None;
        self.paused_at = None;
    }

    /// Counts the next item, priced `rate`, against the budget: `Ok` (and `committed` grows)
    /// when it fits, `Err(reason)` when the batch must pause first. An item whose price would
    /// take `committed` past `amount` does not fit; reaching it exactly does.
    ///
    /// # Errors
    /// The pause reason ([`pause_reason`]).
    pub fn take(&mut self, rate: Option<&Rate>) -> Result<(), &'static str> {
        let Some(rate) = rate.filter(|r| r.currency == self.currency) else {
            return Err(pause_reason::UNPRICED);
        };
        let next = self.committed + rate.price;
        if next > self.amount {
            return Err(pause_reason::BUDGET_REACHED);
        }
        self.committed = next;
        Ok(())
    }
}

/// The pricing category a send of `content` is billed in: a template's category as stored
/// from Meta (`template_category`, lower case), `service` for a free-form message; `None`
/// for a template whose category is not known.
#[must_use]
pub fn category_of(
    content: &crate::outbound::OutboundContent,
    template_category: Option<&str>,
) -> Option<String> {
    match content {
        crate::outbound::OutboundContent::Template { .. } => {
            template_category.map(str::to_ascii_lowercase)
        }
        _ => Some("service".to_owned()),
    }
}

/// The rate of one send to `to` in `category` on `day` (the market from the number; a
/// customer known only by BSUID has none).
#[must_use]
pub fn estimate<'c>(
    card: &'c RateCard,
    to: &crate::phone::CustomerKey,
    category: Option<&str>,
    day: NaiveDate,
) -> Option<&'c Rate> {
    let market = match to {
        crate::phone::CustomerKey::Phone(p) => market_of_wa_id(p.digits()),
        crate::phone::CustomerKey::UserId(_) => None,
    };
    card.rate(market.as_deref(), category?, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    fn card(lines: &[&str]) -> RateCard {
        let rows = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let f: Vec<&str> = l.split(',').collect();
                let line = i as u64 + 2;
                (
                    line,
                    Rate::parse(line, &f).unwrap_or_else(|e| panic!("{e}")),
                )
            })
            .collect();
        RateCard::new(None, rows).unwrap_or_else(|e| panic!("{e}"))
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn entry(at_: &str, wa_id: &str, category: &str, billable: bool) -> LedgerEntry {
        LedgerEntry {
            billed_at: at(at_),
            pricing: Pricing {
                model: Some("PMP".into()),
                billable: Some(billable),
                category: Some(category.into()),
                kind: Some(
                    if billable {
                        "regular"
                    } else {
                        "free_customer_service"
                    }
                    .into(),
                ),
            },
            wa_id: Some(wa_id.into()),
            phone_number_id: Some("111".into()),
            batch_id: None,
            contact_id: None,
        }
    }

    #[test]
    fn markets_come_from_the_calling_code() {
        assert_eq!(market_of_wa_id("16505551234").as_deref(), Some("US"));
        assert_eq!(market_of_wa_id("919876543210").as_deref(), Some("IN"));
        assert_eq!(market_of_wa_id("4915123456789").as_deref(), Some("DE"));
        // +44 is shared: a London number is GB, +44 7911 a Guernsey mobile range.
        assert_eq!(market_of_wa_id("442079460958").as_deref(), Some("GB"));
        assert_eq!(market_of_wa_id("447911123456").as_deref(), Some("GG"));
        // +1 by range: Toronto is CA; an unassigned 555 number falls to the code's main country.
        assert_eq!(market_of_wa_id("14165550123").as_deref(), Some("CA"));
        assert_eq!(market_of_wa_id("15550000031").as_deref(), Some("US"));
        assert_eq!(market_of_wa_id("not-a-number"), None);
    }

    #[test]
    fn the_latest_row_on_or_before_the_day_applies_and_star_covers_the_rest() {
        let c = card(&[
            "2026-01-01,US,marketing,0.0250,USD",
            "2026-07-01,US,marketing,0.0300,USD",
            "2026-01-01,*,marketing,0.0500,USD",
        ]);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(
            c.rate(Some("US"), "MARKETING", day("2026-06-30"))
                .map(|r| r.price),
            Some(d("0.0250"))
        );
        assert_eq!(
            c.rate(Some("US"), "marketing", day("2026-07-01"))
                .map(|r| r.price),
            Some(d("0.0300"))
        );
        assert_eq!(
            c.rate(Some("IN"), "marketing", day("2026-07-01"))
                .map(|r| r.price),
            Some(d("0.0500"))
        );
        assert_eq!(c.rate(Some("US"), "marketing", day("2025-12-31")), None);
        assert_eq!(c.rate(Some("US"), "utility", day("2026-07-01")), None);
        assert_eq!(
            c.rate(None, "marketing", day("2026-07-01"))
                .map(|r| r.price),
            Some(d("0.0500"))
        );
        assert_eq!(c.rate(Some("IN"), "utility", day("2026-07-01")), None);
        assert_eq!(c.in_force(day("2026-08-01")).len(), 2);
    }

    #[test]
    fn totals_by_category_and_day_are_exact_and_unpriced_is_never_guessed() {
        let c = card(&[
            "2026-01-01,US,marketing,0.0250,USD",
            "2026-01-01,US,utility,0.0040,USD",
            "2026-01-01,IN,marketing,0.7846,INR",
        ]);
        let entries = vec![
            entry("2026-12-01T10:00:00Z", "16505551234", "marketing", true),
            entry("2026-12-01T23:59:59Z", "16505551234", "marketing", true),
            entry("2026-12-02T00:00:00Z", "16505551234", "utility", true),
            entry("2026-12-02T01:00:00Z", "919876543210", "marketing", true),
            entry("2026-12-02T02:00:00Z", "16505551234", "service", false),
            // No rate for authentication in the US: unpriced.
            entry(
                "2026-12-02T03:00:00Z",
                "16505551234",
                "authentication",
                true,
            ),
        ];
        let (all, by_cat) = summarize(&c, &entries, CostGrouping::Category);
        assert_eq!(
            (all.messages, all.paid, all.free, all.unpriced),
            (6, 5, 1, 1)
        );
        let usd = all.totals.iter().find(|a| a.currency == "USD").cloned();
        assert_eq!(usd.as_ref().map(|a| a.exact), Some(d("0.054")));
        assert_eq!(usd.map(|a| a.rounded), Some(d("0.05")));
        let inr = all
            .totals
            .iter()
            .find(|a| a.currency == "INR")
            .map(|a| a.rounded);
        assert_eq!(inr, Some(d("0.78")));
        let keys: Vec<&str> = by_cat.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["authentication", "marketing", "service", "utility"]);
        assert_eq!(by_cat[0].totals.unpriced, 1);
        let (_, by_day) = summarize(&c, &entries, CostGrouping::Day);
        assert_eq!(by_day[0].key, "2026-12-01");
        assert_eq!(by_day[0].totals.totals[0].exact, d("0.05"));
        assert_eq!(by_day[1].totals.paid, 3);
    }

    #[test]
    fn rounding_is_half_to_even_in_the_minor_unit() {
        assert_eq!(round_to_minor_unit(d("0.125"), "USD"), d("0.12"));
        assert_eq!(round_to_minor_unit(d("0.135"), "USD"), d("0.14"));
        assert_eq!(round_to_minor_unit(d("2.5"), "JPY"), d("2"));
        assert_eq!(round_to_minor_unit(d("0.0125"), "KWD"), d("0.012"));
    }

    #[test]
    fn bad_lines_name_their_line_and_column() {
        let e = Rate::parse(3, &["2026-13-01", "US", "marketing", "0.02", "USD"]);
        assert_eq!(
            e.err().map(|e| (e.line, e.column)),
            Some((3, "effective_date"))
        );
        let e = Rate::parse(4, &["2026-01-01", "USA", "marketing", "0.02", "USD"]);
        assert_eq!(e.err().map(|e| e.column), Some("market"));
        for bad in ["-1", "1e3", "1,5", "", "0.0.1"] {
            let e = Rate::parse(5, &["2026-01-01", "US", "marketing", bad, "USD"]);
            assert_eq!(e.err().map(|e| e.column), Some("price"), "{bad}");
        }
        let e = Rate::parse(6, &["2026-01-01", "US", "marketing", "0.02", "US"]);
        assert_eq!(e.err().map(|e| e.column), Some("currency"));
        let rows = vec![
            (
                2,
                Rate::parse(2, &["2026-01-01", "US", "marketing", "0.02", "USD"])
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
            (
                3,
                Rate::parse(3, &["2026-01-01", "us", "MARKETING", "0.03", "USD"])
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
        ];
        let e = RateCard::new(None, rows).err();
        assert_eq!(e.map(|e| e.line), Some(3));
    }
}
