//! Phone identity: E.164 numbers typed by operators, and the identities Meta uses for a
//! customer (`wa_id`, the business-scoped user id).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A phone number in E.164 form (`+15550000001`), parsed and checked with the
/// `phonenumber` crate (Google's libphonenumber metadata).
///
/// Input rules ([`PhoneNumber::parse`]):
/// - the `+` is optional: a string of digits is read as country code plus number, the form
///   Meta uses for `wa_id` and for the `to` field of a send;
/// - a leading `00` (the ITU international prefix) is read as `+`;
/// - spaces, dashes, dots and brackets are accepted only after an explicit `+` or `00`; a number
///   written in national form (`(555) 000-0001`, `0171 1234567`) is refused, because reading it
///   would mean guessing the country;
/// - the country calling code must exist and the whole number must fit E.164 (at most 15
///   digits); numbers that libphonenumber does not know as assigned (fictional `555` numbers,
///   short test numbers) are accepted with [`PhoneNumber::is_known_valid`] `false`, since only
///   Meta can say whether a number is on WhatsApp.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber {
    e164: String,
}

/// Why a phone number was refused. The `Display` text tells the user what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but whitespace.
    #[error("phone number is empty")]
    Empty,
    /// Letters or other characters that have no place in a number.
    #[error("phone number {0:?} contains characters other than digits, '+', spaces, dashes, dots and brackets")]
    InvalidCharacters(String),
    /// Formatted like a national number with no country code.
    #[error("phone number {0:?} has no country code: write it in international form, e.g. +44 20 7946 0958")]
    MissingCountryCode(String),
    /// The country calling code does not exist.
    #[error("phone number {0:?} does not start with a known country calling code")]
    UnknownCountryCode(String),
    /// Fewer digits than any real number, or more than E.164's 15.
    #[error("phone number {input:?} has {digits} digits; an international number has 8 to 15 digits including the country code")]
    BadLength {
        /// What was typed.
        input: String,
        /// How many digits it had.
        digits: usize,
    },
}

impl PhoneNumber {
    /// Parses and normalises a number typed by a person or sent by Meta (see the type's docs).
    ///
    /// # Errors
    /// [`PhoneError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')')))
        {
            return Err(PhoneError::InvalidCharacters(trimmed.to_owned()));
        }
        let explicit_plus = trimmed.starts_with('+');
        let explicit_00 = !explicit_plus && trimmed.starts_with("00");
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let has_formatting = trimmed
            .chars()
            .any(|c| matches!(c, ' ' | '-' | '.' | '(' | ')'));
        if trimmed[usize::from(explicit_plus)..].contains('+') {
            return Err(PhoneError::InvalidCharacters(trimmed.to_owned()));
        }
        if !explicit_plus && !explicit_00 && (has_formatting || digits.starts_with('0')) {
            return Err(PhoneError::MissingCountryCode(trimmed.to_owned()));
        }
        let international = if explicit_00 {
            &digits[2..]
        } else {
            &digits[..]
        };
        if !(8..=15).contains(&international.len()) {
            return Err(PhoneError::BadLength {
                input: trimmed.to_owned(),
                digits: international.len(),
            });
        }
        let candidate = format!("+{international}");
        let parsed = phonenumber::parse(None, &candidate)
            .map_err(|_| PhoneError::UnknownCountryCode(trimmed.to_owned()))?;
        let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
        Ok(Self { e164 })
    }

    /// The E.164 text of Meta's `wa_id`, when there is one and it can be a number.
    #[must_use]
    pub fn e164_of_wa_id(wa_id: Option<&str>) -> Option<String> {
        wa_id.and_then(|w| Self::from_wa_id(w).ok().map(String::from))
    }

    /// Builds the number from Meta's `wa_id` (digits with country code, no `+`).
    ///
    /// Meta is the authority on its own ids, so this only refuses what cannot be a number.
    ///
    /// # Errors
    /// [`PhoneError`] when `wa_id` is not 8–15 digits.
    pub fn from_wa_id(wa_id: &str) -> Result<Self, PhoneError> {
        let wa_id = wa_id.trim();
        if wa_id.is_empty() {
            return Err(PhoneError::Empty);
        }
        if !wa_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError::InvalidCharacters(wa_id.to_owned()));
        }
        if !(8..=15).contains(&wa_id.len()) {
            return Err(PhoneError::BadLength {
                input: wa_id.to_owned(),
                digits: wa_id.len(),
            });
        }
        Ok(Self {
            e164: format!("+{wa_id}"),
        })
    }

    /// The number in E.164, with `+`.
    #[must_use]
    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    /// The digits without `+`: the form of Meta's `wa_id` and of a send's `to`.
    #[must_use]
    pub fn digits(&self) -> &str {
        &self.e164[1..]
    }

    /// The other forms Meta's `wa_id` takes for the same WhatsApp account, where a country's
    /// numbering changed and WhatsApp kept the older form: Brazil's mobile ninth digit
    /// (`55 AA 9XXXX XXXX` ↔ `55 AA XXXX XXXX`), Mexico's `521` and Argentina's `549` mobile
    /// prefixes (↔ `52`, `54`). Empty for every other number. Used to find the contact a typed
    /// number belongs to before Meta has answered a send with its `wa_id`.
    #[must_use]
    pub fn wa_id_variants(&self) -> Vec<String> {
        let d = self.digits();
        let b = d.as_bytes();
        let mut out = Vec::new();
        if let Some(rest) = d.strip_prefix("55") {
            if d.len() == 13 && b[4] == b'9' {
                out.push(format!("55{}{}", &rest[..2], &rest[3..]));
            } else if d.len() == 12 && matches!(b[4], b'6'..=b'9') {
                out.push(format!("55{}9{}", &rest[..2], &rest[2..]));
            }
        } else if let Some(rest) = d.strip_prefix("521").filter(|r| r.len() == 10) {
            out.push(format!("52{rest}"));
        } else if let Some(rest) = d.strip_prefix("52").filter(|r| r.len() == 10) {
            out.push(format!("521{rest}"));
        } else if let Some(rest) = d.strip_prefix("549").filter(|r| r.len() == 10) {
            out.push(format!("54{rest}"));
        } else if let Some(rest) = d.strip_prefix("54").filter(|r| r.len() == 10) {
            out.push(format!("549{rest}"));
        }
        out
    }

    /// Whether libphonenumber knows the number as a valid, assigned number.
    #[must_use]
    pub fn is_known_valid(&self) -> bool {
        phonenumber::parse(None, &self.e164)
            .map(|n| phonenumber::is_valid(&n))
            .unwrap_or(false)
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.e164)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.e164
    }
}

/// How a customer is identified: Meta's `wa_id` (a phone number) or, for users who hide their
/// number, the business-scoped user id (BSUID, e.g. `US.13491208655302741918`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CustomerKey {
    /// A phone number, i.e. a `wa_id`.
    Phone(PhoneNumber),
    /// A business-scoped user id.
    UserId(String),
}

impl CustomerKey {
    /// Reads a path segment or query value: a BSUID when it starts with two letters and a dot
    /// (`US.123…`), otherwise a phone number under [`PhoneNumber::parse`]'s rules.
    ///
    /// # Errors
    /// [`PhoneError`] for a value that is neither.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let t = input.trim();
        let b = t.as_bytes();
        if b.len() > 3 && b[0].is_ascii_alphabetic() && b[1].is_ascii_alphabetic() && b[2] == b'.' {
            if t.len() > 128 || !t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.') {
                return Err(PhoneError::InvalidCharacters(t.to_owned()));
            }
            return Ok(Self::UserId(t.to_owned()));
        }
        PhoneNumber::parse(t).map(Self::Phone)
    }

    /// Reads a key that wacloud stored itself after [`CustomerKey::parse`] accepted it (an E.164
    /// number or a BSUID), without running libphonenumber again; anything else is parsed in full.
    ///
    /// # Errors
    /// [`PhoneError`] as [`CustomerKey::parse`].
    pub fn parse_stored(stored: &str) -> Result<Self, PhoneError> {
        match stored.strip_prefix('+') {
            Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                PhoneNumber::from_wa_id(digits).map(Self::Phone)
            }
            _ => Self::parse(stored),
        }
    }
}

/// A contact as an API path names it: a customer (phone or BSUID) on a business number
/// (`phone_number_id`; `None`: the customer's oldest contact on any number). Contacts belong to
/// (number, customer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactKey {
    /// The business number, when the request names one (`?number=`).
    pub number: Option<String>,
    /// The customer.
    pub customer: CustomerKey,
}

impl ContactKey {
    /// `customer` on `number`.
    #[must_use]
    pub fn on(number: Option<String>, customer: CustomerKey) -> Self {
        Self { number, customer }
    }
}

impl From<CustomerKey> for ContactKey {
    fn from(customer: CustomerKey) -> Self {
        Self {
            number: None,
            customer,
        }
    }
}

impl fmt::Display for ContactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.customer.fmt(f)?;
        match &self.number {
            Some(n) => write!(f, " on number {n}"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for CustomerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Phone(p) => p.fmt(f),
            Self::UserId(u) => f.write_str(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_optional_and_formatting_is_stripped() {
        for input in [
            "+15550000001",
            "15550000001",
            "+1 555-000-0001",
            "+1 (555) 000.0001",
            "0015550000001",
            "00 1 555 000 0001",
        ] {
            let p = PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.as_e164(), "+15550000001", "{input}");
            assert_eq!(p.digits(), "15550000001");
        }
    }

    #[test]
    fn national_form_is_refused_not_guessed() {
        for input in [
            "(555) 000-0001",
            "555-000-0001",
            "020 7946 0958",
            "07911123456",
        ] {
            assert!(
                matches!(
                    PhoneNumber::parse(input),
                    Err(PhoneError::MissingCountryCode(_))
                ),
                "{input} should be refused"
            );
        }
    }

    #[test]
    fn garbage_and_bad_lengths_are_refused() {
        assert_eq!(PhoneNumber::parse("  "), Err(PhoneError::Empty));
        assert!(matches!(
            PhoneNumber::parse("+1555abc0001"),
            Err(PhoneError::InvalidCharacters(_))
        ));
        assert!(matches!(
            PhoneNumber::parse("+1+5550000001"),
            Err(PhoneError::InvalidCharacters(_))
        ));
        assert!(matches!(
            PhoneNumber::parse("+12345"),
            Err(PhoneError::BadLength { digits: 5, .. })
        ));
        assert!(matches!(
            PhoneNumber::parse("+1234567890123456"),
            Err(PhoneError::BadLength { digits: 16, .. })
        ));
        let msg = PhoneNumber::parse("(555) 000-0001")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("country code"), "{msg}");
    }

    #[test]
    fn validity_is_reported_not_enforced() {
        let fictional = PhoneNumber::parse("+15550000001").unwrap();
        assert!(!fictional.is_known_valid());
        let real = PhoneNumber::parse("+447911123456").unwrap();
        assert!(real.is_known_valid());
        // The seed's own example: explicit country code, accepted as typed.
        assert_eq!(
            PhoneNumber::parse("+1234567890").unwrap().as_e164(),
            "+1234567890"
        );
    }

    #[test]
    fn customer_key_tells_bsuid_from_phone() {
        assert_eq!(
            CustomerKey::parse("US.13491208655302741918").unwrap(),
            CustomerKey::UserId("US.13491208655302741918".into())
        );
        assert!(matches!(
            CustomerKey::parse("15550000001").unwrap(),
            CustomerKey::Phone(_)
        ));
        assert!(CustomerKey::parse("US.<script>").is_err());
    }

    #[test]
    fn wa_id_round_trips() {
        let p = PhoneNumber::from_wa_id("5511987654321").unwrap();
        assert_eq!(p.as_e164(), "+5511987654321");
        assert!(PhoneNumber::from_wa_id("US.123").is_err());
    }
}

#[cfg(test)]
mod wa_id_variant_tests {
    use super::PhoneNumber;

    #[test]
    fn brazil_mexico_and_argentina_have_their_older_wa_id_forms() {
        let v = |n: &str| PhoneNumber::parse(n).unwrap().wa_id_variants();
        assert_eq!(v("+55 11 98765-4321"), ["551187654321"]);
        assert_eq!(v("+55 11 8765-4321"), ["5511987654321"]);
        assert!(
            v("+55 11 3456-7890").is_empty(),
            "a landline has no ninth digit"
        );
        assert_eq!(v("+52 55 1234 5678"), ["5215512345678"]);
        assert_eq!(v("+54 9 11 2345-6789"), ["541123456789"]);
        assert_eq!(v("+54 11 2345-6789"), ["5491123456789"]);
        assert!(v("+1 415 555 0100").is_empty());
    }
}
