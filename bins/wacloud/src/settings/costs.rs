//! `settings.costs`: the operator's rate card, which prices the cost ledger (`GET /costs`,
//! `/stats`, bulk budgets and dry runs). The rules are `wacloud_core::costs`.

use std::sync::Arc;

use wacloud_core::costs::{Rate, RateCard, RateCardError, RATE_CARD_COLUMNS};

use super::{non_empty, ConfigError};

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Costs")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// CSV file of Meta's per-message prices, copied in by the operator (see
    /// docs/rate-card.example.csv): a header `effective_date,market,category,price,currency`,
    /// then one line per market (ISO country code, or `*`), category and date. Read at start; a
    /// bad line stops the start naming its line and column. Default: unset, no prices (every
    /// billable message is reported unpriced).
    #[arg(long = "rate-card", env, value_name = "FILE")]
    wacloud_rate_card: Option<String>,
}

/// The rate card.
#[derive(Debug, Clone, Default)]
pub struct CostSettings {
    /// `WACLOUD_RATE_CARD`, read and checked; empty when unset.
    pub rate_card: Arc<RateCard>,
}

impl CostSettings {
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
        let Some(path) = non_empty(raw.wacloud_rate_card) else {
            return Ok(Self::default());
        };
        let text = std::fs::read(&path)
            .map_err(|e| ConfigError(format!("WACLOUD_RATE_CARD: cannot read {path}: {e}")))?;
        let card = parse_rate_card(&text, Some(path.clone()))
            .map_err(|e| ConfigError(format!("WACLOUD_RATE_CARD ({path}): {e}")))?;
        Ok(Self {
            rate_card: Arc::new(card),
        })
    }
}

/// Reads a rate card: a CSV file (RFC 4180, UTF-8) whose header is exactly
/// [`RATE_CARD_COLUMNS`], then one rate per line; blank lines and lines starting with `#` are
/// skipped.
///
/// # Errors
/// [`RateCardError`] naming the line (1 is the header) and the column.
pub fn parse_rate_card(text: &[u8], source: Option<String>) -> Result<RateCard, RateCardError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text);
    // The line of a byte offset, counted here: the csv crate's own count skips blank lines.
    let line_at = |p: Option<&csv::Position>| {
        let mut byte = p.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        // A record's position may be that of the blank and comment lines before it.
        loop {
            match text.get(byte) {
                Some(b'\n' | b'\r') => byte += 1,
                Some(b'#') => {
                    byte += text[byte..]
                        .iter()
                        .position(|b| *b == b'\n')
                        .map_or(text.len() - byte, |i| i + 1);
                }
                _ => break,
            }
        }
        let before = text.get(..byte.min(text.len())).unwrap_or_default();
        1 + before.iter().filter(|b| **b == b'\n').count() as u64
    };
    let mut rows = Vec::new();
    let mut header_seen = false;
    for record in reader.records() {
        let record = record.map_err(|e| RateCardError {
            line: line_at(e.position()),
            column: "-",
            message: format!("not CSV: {e}"),
        })?;
        let line = line_at(record.position());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let fields: Vec<&str> = record.iter().collect();
        if !header_seen {
            header_seen = true;
            if fields != RATE_CARD_COLUMNS {
                return Err(RateCardError {
                    line,
                    column: "-",
                    message: format!(
                        "the header must be {}; got {}",
                        RATE_CARD_COLUMNS.join(","),
                        fields.join(",")
                    ),
                });
            }
            continue;
        }
        rows.push((line, Rate::parse(line, &fields)?));
    }
    RateCard::new(source, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_card_reads() {
        let text = include_bytes!("../../../../docs/rate-card.example.csv");
        let card = parse_rate_card(text, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(card.rates().len() >= 4);
    }

    #[test]
    fn a_bad_card_stops_the_start_naming_line_and_column() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("card.csv");
        std::fs::write(
            &path,
            "effective_date,market,category,price,currency\n2026-01-01,US,marketing,0.025.0,USD\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let p = path.to_string_lossy().into_owned();
        let e = crate::settings::Settings::from_pairs([("WACLOUD_RATE_CARD", p.as_str())])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("WACLOUD_RATE_CARD"), "{e}");
        assert!(e.contains("line 2, column price"), "{e}");
        let e = crate::settings::Settings::from_pairs([("WACLOUD_RATE_CARD", "/no/such/card.csv")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("cannot read /no/such/card.csv"), "{e}");
        std::fs::write(
            &path,
            include_bytes!("../../../../docs/rate-card.example.csv"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let s = crate::settings::Settings::from_pairs([("WACLOUD_RATE_CARD", p.as_str())])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.costs.rate_card.source.as_deref(), Some(p.as_str()));
    }

    #[test]
    fn errors_name_the_line_and_the_column() {
        let text = b"effective_date,market,category,price,currency\n\
            2026-01-01,US,marketing,0.0250,USD\n\
            \n\
            2026-01-01,IN,marketing,0,78,INR\n";
        let e = parse_rate_card(text, None)
            .err()
            .map(|e| (e.line, e.column));
        assert_eq!(e, Some((4, "-")));
        let text = b"effective_date,market,category,price,currency\n\
            2026-01-01,US,marketing,0.0250,USD\n\
            2026-01-01,IN,marketing,zero,INR\n";
        let e = parse_rate_card(text, None).err();
        assert_eq!(e.as_ref().map(|e| (e.line, e.column)), Some((3, "price")));
        assert_eq!(
            e.map(|e| e.to_string()).unwrap_or_default(),
            "rate card line 3, column price: \"zero\" is not a non-negative decimal amount such as 0.0250"
        );
        let e = parse_rate_card(b"date,market,category,price,currency\n", None).err();
        assert_eq!(e.map(|e| e.line), Some(1));
        let text = b"# a comment\n# another\neffective_date,market,category,price,currency\n\
            # a price\n\
            2026-01-01,US,marketing,0.0250,EURO\n";
        let e = parse_rate_card(text, None).err();
        assert_eq!(e.map(|e| (e.line, e.column)), Some((5, "currency")));
    }
}
