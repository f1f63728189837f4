//! The WhatsApp Business Account (WABA): its details (`GET`/`POST /{waba_id}`), the
//! apps subscribed to its webhooks (`/{waba_id}/subscribed_apps`, with a per-WABA
//! callback override) and its phone numbers (`/{waba_id}/phone_numbers`).
//!
//! Every call needs the WABA id ([`crate::GraphClientBuilder::waba_id`]) and returns
//! [`GraphError::Config`] without it, before any request. Meta's refusals come back as
//! [`GraphError::Api`]: 100 (invalid parameter or field), 200 and 10 (the token lacks
//! `whatsapp_business_management`), 190 (token), 4 and 80008 (rate limits); subscribing
//! with an override fails with 2200 when Meta cannot verify the callback URI.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::account::PhoneNumberDetails;
use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::to_body;

/// Meta's answer to `GET /{waba_id}`. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WabaDetails {
    /// The WABA id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// The time zone id (Meta's numbering), e.g. `"1"`.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub timezone_id: Option<String>,
    /// The namespace of its message templates.
    #[serde(default)]
    pub message_template_namespace: Option<String>,
    /// `APPROVED`, `PENDING`, `REJECTED`, `RESTRICTED`.
    #[serde(default)]
    pub account_review_status: Option<String>,
    /// `VERIFIED`, `UNVERIFIED`, `PENDING`, `REJECTED`.
    #[serde(default)]
    pub business_verification_status: Option<String>,
    /// ISO 3166 alpha-2 country.
    #[serde(default)]
    pub country: Option<String>,
    /// ISO 4217 currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// `SELF_OWNED`, `CLIENT_OWNED`, `AGENCY_OWNED`.
    #[serde(default)]
    pub ownership_type: Option<String>,
    /// Every other field Meta sent (`on_behalf_of_business_info`, `schedules`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Changes to the WABA (`POST /{waba_id}`): its name (1 to 100 characters) and time zone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct WabaUpdate {
    /// The new name, 1 to 100 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The new time zone id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone_id: Option<String>,
}

impl WabaUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new name, 1 to 100 characters.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A new time zone id.
    pub fn timezone_id(mut self, id: impl Into<String>) -> Self {
        self.timezone_id = Some(id.into());
        self
    }

    /// Checks Meta's limits: a name of 1 to 100 characters, and at least one change.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.name.is_none() && self.timezone_id.is_none() {
            return Err(ValidationError::new(
                "waba",
                "the WABA update changes nothing",
            ));
        }
        if let Some(n) = &self.name {
            let c = char_count(n);
            if !(1..=100).contains(&c) {
                return Err(ValidationError::new(
                    "name",
                    format!("WABA name is {c} characters; Meta allows 1 to 100"),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Deserialize, Default)]
struct AppData {
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    link: Option<String>,
}

#[derive(Deserialize)]
struct RawApp {
    #[serde(default)]
    whatsapp_business_api_data: Option<AppData>,
    #[serde(default)]
    override_callback_uri: Option<String>,
    #[serde(flatten)]
    flat: AppData,
}

/// An app subscribed to the WABA's webhooks. Meta sends it either flat
/// (`{"id", "name"}`, as the spec's schema says) or inside `whatsapp_business_api_data`
/// (as its examples and the live API do); both parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RawApp")]
#[non_exhaustive]
pub struct SubscribedApp {
    /// The app id.
    pub id: Option<String>,
    /// The app's name.
    pub name: Option<String>,
    /// The app's link.
    pub link: Option<String>,
    /// Where this WABA's webhooks go instead of the app's callback URL, when overridden.
    pub override_callback_uri: Option<String>,
}

impl From<RawApp> for SubscribedApp {
    fn from(r: RawApp) -> Self {
        let d = r.whatsapp_business_api_data.unwrap_or(r.flat);
        Self {
            id: d.id,
            name: d.name,
            link: d.link,
            override_callback_uri: r.override_callback_uri,
        }
    }
}

/// Meta's answer to `POST /{waba_id}/subscribed_apps`: `success`, and with an override
/// the subscription as it now is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SubscribeAppResponse {
    /// `true` when subscribed.
    pub success: bool,
    /// The subscription, when Meta returns it.
    #[serde(default)]
    pub data: Vec<SubscribedApp>,
}

/// The body of `POST /{waba_id}/phone_numbers`: a number to add to the WABA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewPhoneNumber {
    cc: String,
    phone_number: String,
    verified_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    migrate_phone_number: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preverified_id: Option<String>,
}

impl NewPhoneNumber {
    /// The country calling code `cc` (1 to 3 digits), the number (digits, no `+`, as the
    /// spec's examples give it) and the display name to review (2 to 75 characters).
    pub fn new(
        cc: impl Into<String>,
        phone_number: impl Into<String>,
        verified_name: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let (cc, phone_number, verified_name) =
            (cc.into(), phone_number.into(), verified_name.into());
        if cc.is_empty() || cc.len() > 3 || !cc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::new(
                "cc",
                format!("country code {cc:?} must be 1 to 3 digits"),
            ));
        }
        let digits = phone_number.len() >= 7
            && phone_number.len() <= 15
            && phone_number.bytes().all(|b| b.is_ascii_digit())
            && !phone_number.starts_with('0');
        if !digits {
            return Err(ValidationError::new(
                "phone_number",
                format!(
                    "phone number {phone_number:?} must be 7 to 15 digits without + or a leading 0"
                ),
            ));
        }
        let n = char_count(&verified_name);
        if !(2..=75).contains(&n) {
            return Err(ValidationError::new(
                "verified_name",
                format!("display name is {n} characters; Meta allows 2 to 75"),
            ));
        }
        Ok(Self {
            cc,
            phone_number,
            verified_name,
            migrate_phone_number: None,
            preverified_id: None,
        })
    }

    /// Migrates the number from the On-Premises API.
    pub fn migrate(mut self) -> Self {
        self.migrate_phone_number = Some(true);
        self
    }

    /// Uses a pre-verified number (solution partners).
    pub fn preverified_id(mut self, id: impl Into<String>) -> Self {
        self.preverified_id = Some(id.into());
        self
    }
}

/// An answer that is only the id of what was created: `{"id": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedId {
    /// The new object's id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
}

impl GraphClient {
    /// The WABA's details (`GET /{waba_id}`), with Meta's default fields (`id`, `name`)
    /// or the comma-separated `fields` asked for.
    pub async fn waba_details(&self, fields: Option<&str>) -> Result<WabaDetails, GraphError> {
        let waba = self.require_waba("waba_details")?;
        let query: Vec<(&str, &str)> = fields.map(|f| ("fields", f)).into_iter().collect();
        self.get_node(&[waba], &query, "WABA answer").await
    }

    /// Renames the WABA or changes its time zone (`POST /{waba_id}`), checked first by
    /// [`WabaUpdate::validate`].
    pub async fn update_waba(&self, update: &WabaUpdate) -> Result<(), GraphError> {
        let waba = self.require_waba("update_waba")?;
        update.validate()?;
        self.write_success(
            Method::POST,
            &[waba],
            &[],
            Some(to_body(update)?),
            "WABA update answer",
        )
        .await
    }

    /// The apps subscribed to the WABA's webhooks (`GET /{waba_id}/subscribed_apps`, all
    /// pages).
    pub async fn subscribed_apps(&self) -> Result<Vec<SubscribedApp>, GraphError> {
        let waba = self.require_waba("subscribed_apps")?;
        let url = self.node_url(&[waba, "subscribed_apps"]);
        self.get_all_pages(&url, &[], "subscribed apps answer")
            .await
    }

    /// Subscribes the token's app to the WABA's webhooks
    /// (`POST /{waba_id}/subscribed_apps`). With `callback_override` =
    /// `(override_callback_uri, verify_token)` this WABA's webhooks go to that https URL
    /// instead of the app's; Meta verifies it first with the GET handshake.
    pub async fn subscribe_app(
        &self,
        callback_override: Option<(&str, &str)>,
    ) -> Result<SubscribeAppResponse, GraphError> {
        let waba = self.require_waba("subscribe_app")?;
        let body = match callback_override {
            Some((uri, token)) => {
                crate::messages::validation_http_link(
                    "override_callback_uri",
                    "callback URI",
                    uri,
                )?;
                json!({"override_callback_uri": uri, "verify_token": token})
            }
            None => json!({}),
        };
        self.write_node(
            Method::POST,
            &[waba, "subscribed_apps"],
            &[],
            Some(body),
            "subscribe answer",
        )
        .await
    }

    /// Unsubscribes the token's app from the WABA's webhooks
    /// (`DELETE /{waba_id}/subscribed_apps`): deliveries stop at once.
    pub async fn unsubscribe_app(&self) -> Result<(), GraphError> {
        let waba = self.require_waba("unsubscribe_app")?;
        self.write_success(
            Method::DELETE,
            &[waba, "subscribed_apps"],
            &[],
            None,
            "unsubscribe answer",
        )
        .await
    }

    /// The WABA's phone numbers (`GET /{waba_id}/phone_numbers`, all pages), with Meta's
    /// default fields or the comma-separated `fields` asked for (`id`,
    /// `display_phone_number`, `verified_name`, `status`, `quality_rating`,
    /// `code_verification_status`, `account_mode`, `messaging_limit_tier`, ...; the
    /// others land in [`PhoneNumberDetails::extra`]).
    pub async fn list_phone_numbers(
        &self,
        fields: Option<&str>,
    ) -> Result<Vec<PhoneNumberDetails>, GraphError> {
        let waba = self.require_waba("list_phone_numbers")?;
        let url = self.node_url(&[waba, "phone_numbers"]);
        let query: Vec<(&str, &str)> = fields.map(|f| ("fields", f)).into_iter().collect();
        self.get_all_pages(&url, &query, "phone numbers answer")
            .await
    }

    /// Adds a number to the WABA (`POST /{waba_id}/phone_numbers`); its display name goes
    /// to review, and the number must then be verified (`request_verification_code`,
    /// `verify_code`) and registered. Answers the new phone number id.
    pub async fn add_phone_number(&self, number: &NewPhoneNumber) -> Result<CreatedId, GraphError> {
        let waba = self.require_waba("add_phone_number")?;
        self.write_node(
            Method::POST,
            &[waba, "phone_numbers"],
            &[],
            Some(to_body(number)?),
            "add phone number answer",
        )
        .await
    }
}
