//! Location and contacts messages (`"type": "location"`, `"type": "contacts"`), as in
//! Cloud API "Send messages: location messages / contacts messages".

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::validation::{self, ValidationError, CONTACTS_MAX};

/// A location pin: latitude and longitude in decimal degrees, with an optional
/// place name and address. Sent as `{"latitude","longitude","name"?,"address"?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    latitude: f64,
    longitude: f64,
    name: Option<String>,
    address: Option<String>,
}

impl Location {
    /// A pin at `latitude` (−90..=90) and `longitude` (−180..=180) degrees; errors
    /// outside those ranges or for NaN/infinite values.
    pub fn new(latitude: f64, longitude: f64) -> Result<Self, ValidationError> {
        let l = Self {
            latitude,
            longitude,
            name: None,
            address: None,
        };
        l.validate()?;
        Ok(l)
    }

    /// The place name, e.g. `Meta HQ`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The address, e.g. `1 Hacker Way, Menlo Park, CA 94025`.
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    /// Checks the coordinate ranges.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !self.latitude.is_finite() || !(-90.0..=90.0).contains(&self.latitude) {
            return Err(ValidationError::new(
                "location.latitude",
                format!("latitude {} is outside -90 to 90 degrees", self.latitude),
            ));
        }
        if !self.longitude.is_finite() || !(-180.0..=180.0).contains(&self.longitude) {
            return Err(ValidationError::new(
                "location.longitude",
                format!(
                    "longitude {} is outside -180 to 180 degrees",
                    self.longitude
                ),
            ));
        }
        Ok(())
    }

    /// `{"latitude","longitude","name"?,"address"?}` with the coordinates as numbers.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("latitude".into(), json!(self.latitude));
        m.insert("longitude".into(), json!(self.longitude));
        if let Some(n) = &self.name {
            m.insert("name".into(), Value::String(n.clone()));
        }
        if let Some(a) = &self.address {
            m.insert("address".into(), Value::String(a.clone()));
        }
        Value::Object(m)
    }
}

macro_rules! opt_setters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, v: impl Into<String>) -> Self {
                self.$name = Some(v.into());
                self
            }
        )*
    };
}

/// `HOME` or `WORK`, the only labels Meta accepts on a contact's phone, email, URL
/// or address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum ContactLabel {
    /// `HOME`.
    Home,
    /// `WORK`.
    Work,
}

/// A contact's name: `formatted_name` is required by Meta, the parts are optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactName {
    formatted_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suffix: Option<String>,
}

impl ContactName {
    /// A name shown as `formatted_name` (e.g. `John Smith`).
    pub fn new(formatted_name: impl Into<String>) -> Self {
        Self {
            formatted_name: formatted_name.into(),
            first_name: None,
            last_name: None,
            middle_name: None,
            prefix: None,
            suffix: None,
        }
    }

    opt_setters!(
        /// First name.
        first_name,
        /// Last name.
        last_name,
        /// Middle name.
        middle_name,
        /// Name prefix (`Dr`).
        prefix,
        /// Name suffix (`Jr`).
        suffix,
    );
}

/// A contact's phone number; `wa_id` makes WhatsApp show a "Message" button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactPhone {
    phone: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    label: Option<ContactLabel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wa_id: Option<String>,
}

impl ContactPhone {
    /// A phone number as it should be shown, e.g. `+1 (650) 555-1234`.
    pub fn new(phone: impl Into<String>) -> Self {
        Self {
            phone: phone.into(),
            label: None,
            wa_id: None,
        }
    }

    /// `HOME` or `WORK`.
    pub fn label(mut self, label: ContactLabel) -> Self {
        self.label = Some(label);
        self
    }

    opt_setters!(
        /// The number's WhatsApp id (digits), e.g. `16505551234`.
        wa_id,
    );
}

/// A contact's email address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactEmail {
    email: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    label: Option<ContactLabel>,
}

impl ContactEmail {
    /// An email address.
    pub fn new(email: impl Into<String>, label: Option<ContactLabel>) -> Self {
        Self {
            email: email.into(),
            label,
        }
    }
}

/// A contact's web address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactUrl {
    url: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    label: Option<ContactLabel>,
}

impl ContactUrl {
    /// A URL.
    pub fn new(url: impl Into<String>, label: Option<ContactLabel>) -> Self {
        Self {
            url: url.into(),
            label,
        }
    }
}

/// A contact's postal address; every part is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ContactAddress {
    #[serde(skip_serializing_if = "Option::is_none")]
    street: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    zip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country_code: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    label: Option<ContactLabel>,
}

impl ContactAddress {
    /// An empty address; fill it with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// `HOME` or `WORK`.
    pub fn label(mut self, label: ContactLabel) -> Self {
        self.label = Some(label);
        self
    }

    opt_setters!(
        /// Street and number.
        street,
        /// City.
        city,
        /// State or region.
        state,
        /// Postal code.
        zip,
        /// Country name.
        country,
        /// Two-letter ISO country code (`us`).
        country_code,
    );
}

/// A contact's organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ContactOrg {
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

impl ContactOrg {
    /// An empty organisation; fill it with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    opt_setters!(
        /// Company name.
        company,
        /// Department.
        department,
        /// Job title.
        title,
    );
}

/// One contact card of a contacts message (at most 5 per message).
///
/// ```
/// use wacloud_graph::messages::{ContactCard, ContactLabel, ContactName, ContactPhone};
/// let card = ContactCard::new(ContactName::new("John Smith").first_name("John"))
///     .phone(ContactPhone::new("+1 (650) 555-1234").label(ContactLabel::Work).wa_id("16505551234"));
/// assert_eq!(card.to_json()["phones"][0]["type"], "WORK");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactCard {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    addresses: Vec<ContactAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    birthday: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    emails: Vec<ContactEmail>,
    name: ContactName,
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<ContactOrg>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phones: Vec<ContactPhone>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    urls: Vec<ContactUrl>,
}

impl ContactCard {
    /// A card with this name.
    pub fn new(name: ContactName) -> Self {
        Self {
            addresses: Vec::new(),
            birthday: None,
            emails: Vec::new(),
            name,
            org: None,
            phones: Vec::new(),
            urls: Vec::new(),
        }
    }

    /// Adds a phone number.
    pub fn phone(mut self, p: ContactPhone) -> Self {
        self.phones.push(p);
        self
    }

    /// Adds an email address.
    pub fn email(mut self, e: ContactEmail) -> Self {
        self.emails.push(e);
        self
    }

    /// Adds a web address.
    pub fn url(mut self, u: ContactUrl) -> Self {
        self.urls.push(u);
        self
    }

    /// Adds a postal address.
    pub fn address(mut self, a: ContactAddress) -> Self {
        self.addresses.push(a);
        self
    }

    /// Sets the organisation.
    pub fn org(mut self, o: ContactOrg) -> Self {
        self.org = Some(o);
        self
    }

    /// The birthday as `YYYY-MM-DD`; errors on any other shape.
    pub fn birthday(mut self, date: impl Into<String>) -> Result<Self, ValidationError> {
        let date = date.into();
        check_birthday(&date)?;
        self.birthday = Some(date);
        Ok(self)
    }

    /// Checks the name, phones, emails, URLs and birthday.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validation::required_text(
            "contacts.name.formatted_name",
            "contact formatted_name",
            &self.name.formatted_name,
            usize::MAX,
        )?;
        for p in &self.phones {
            if p.phone.trim().is_empty() {
                return Err(ValidationError::new(
                    "contacts.phones.phone",
                    "a contact phone number is empty",
                ));
            }
        }
        for e in &self.emails {
            if !e.email.contains('@') {
                return Err(ValidationError::new(
                    "contacts.emails.email",
                    format!("contact email {:?} is not an email address", e.email),
                ));
            }
        }
        for u in &self.urls {
            validation::http_link("contacts.urls.url", "contact URL", &u.url)?;
        }
        if let Some(b) = &self.birthday {
            check_birthday(b)?;
        }
        Ok(())
    }

    /// The card as Meta's contact object.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

fn check_birthday(date: &str) -> Result<(), ValidationError> {
    let b = date.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let month = date.get(5..7).and_then(|m| m.parse::<u8>().ok());
    let day = date.get(8..10).and_then(|d| d.parse::<u8>().ok());
    if !shape_ok || !matches!(month, Some(1..=12)) || !matches!(day, Some(1..=31)) {
        return Err(ValidationError::new(
            "contacts.birthday",
            format!("contact birthday {date:?} is not a YYYY-MM-DD date"),
        ));
    }
    Ok(())
}

pub(crate) fn check_cards(cards: &[ContactCard]) -> Result<(), ValidationError> {
    if cards.is_empty() {
        return Err(ValidationError::new(
            "contacts",
            "a contacts message needs at least one contact card",
        ));
    }
    if cards.len() > CONTACTS_MAX {
        return Err(ValidationError::new(
            "contacts",
            format!(
                "a contacts message has {} cards; Meta's limit is {CONTACTS_MAX}",
                cards.len()
            ),
        ));
    }
    cards.iter().try_for_each(ContactCard::validate)
}
