//! Features of the business number beyond messaging: the Official Business Account
//! (green badge) application (`/{phone_number_id}/official_business_account`), commerce
//! settings (cart and catalog, `/{phone_number_id}/whatsapp_commerce_settings`) and the
//! business public key that Flows' data endpoint encryption uses
//! (`/{phone_number_id}/whatsapp_business_encryption`).
//!
//! Meta's refusals come back as [`GraphError::Api`]: 100 (invalid parameter), 200
//! (permission), 4 and 80008 (rate limits); an OBA application Meta will not take now
//! (e.g. one already pending) is refused with 100 or 131000.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::FormPart;

/// The Official Business Account status of the number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OfficialBusinessAccountStatus {
    /// The phone number id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// `PENDING`, `APPROVED`, `REJECTED`, `UNDER_REVIEW`, `EXPIRED`, `CANCELLED`.
    #[serde(default)]
    pub oba_status: Option<String>,
    /// What the status means, in words.
    #[serde(default)]
    pub status_message: Option<String>,
}

/// What to do with the number's OBA application (`action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ObaAction {
    /// Apply.
    SubmitApplication,
    /// Withdraw a pending application.
    WithdrawApplication,
    /// Apply again after a rejection.
    ResubmitApplication,
}

/// `application_data` of an OBA application; each part optional, sent when set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct ObaApplicationData {
    /// The official business name, at most 255 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// What the business does, at most 1000 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_description: Option<String>,
    /// The official website (http or https).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website_url: Option<String>,
    /// The business contact email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
}

impl ObaApplicationData {
    /// Nothing set yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The official business name (≤ 255 characters).
    pub fn business_name(mut self, v: impl Into<String>) -> Self {
        self.business_name = Some(v.into());
        self
    }

    /// What the business does (≤ 1000 characters).
    pub fn business_description(mut self, v: impl Into<String>) -> Self {
        self.business_description = Some(v.into());
        self
    }

    /// The official website.
    pub fn website_url(mut self, v: impl Into<String>) -> Self {
        self.website_url = Some(v.into());
        self
    }

    /// The contact email.
    pub fn contact_email(mut self, v: impl Into<String>) -> Self {
        self.contact_email = Some(v.into());
        self
    }

    /// Checks the spec's limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let max = |field: &str, v: &Option<String>, limit: usize| match v {
            Some(s) if char_count(s) > limit => Err(ValidationError::new(
                field,
                format!(
                    "{field} is {} characters; Meta's limit is {limit}",
                    char_count(s)
                ),
            )),
            _ => Ok(()),
        };
        max("business_name", &self.business_name, 255)?;
        max("business_description", &self.business_description, 1000)?;
        if let Some(u) = &self.website_url {
            crate::messages::validation_http_link("website_url", "the website", u)?;
        }
        if let Some(e) = &self.contact_email {
            if !e.contains('@') || e.chars().any(char::is_whitespace) {
                return Err(ValidationError::new(
                    "contact_email",
                    format!("{e:?} is not an email address"),
                ));
            }
        }
        Ok(())
    }
}

/// Meta's answer to an OBA action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObaActionResponse {
    /// Whether Meta took the action.
    pub success: bool,
    /// What happened, in words.
    #[serde(default)]
    pub message: Option<String>,
    /// The status now.
    #[serde(default)]
    pub updated_status: Option<OfficialBusinessAccountStatus>,
    /// An id to follow the request.
    #[serde(default)]
    pub tracking_id: Option<String>,
}

/// The number's commerce settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommerceSettings {
    /// The settings' id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// Whether users can add products to a cart.
    #[serde(default, deserialize_with = "crate::de::opt_bool")]
    pub is_cart_enabled: Option<bool>,
    /// Whether the catalog shows in the chat and profile.
    #[serde(default, deserialize_with = "crate::de::opt_bool")]
    pub is_catalog_visible: Option<bool>,
}

/// The business public key and whether its signature still matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BusinessEncryptionKey {
    /// The RSA public key, PEM.
    #[serde(default)]
    pub business_public_key: Option<String>,
    /// `VALID` or `MISMATCH` (upload the key again).
    #[serde(default)]
    pub business_public_key_signature_status: Option<String>,
}

#[derive(Deserialize)]
struct DataOf<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
}

impl GraphClient {
    /// The number's Official Business Account status
    /// (`GET /{phone_number_id}/official_business_account?fields=…`).
    pub async fn official_business_account(
        &self,
    ) -> Result<OfficialBusinessAccountStatus, GraphError> {
        self.get_node(
            &[self.phone_number_id(), "official_business_account"],
            &[("fields", "id,oba_status,status_message")],
            "official business account answer",
        )
        .await
    }

    /// Submits, withdraws or resubmits the number's OBA application
    /// (`POST /{phone_number_id}/official_business_account`). `success` false in
    /// Meta's answer is returned as is, with its `message`.
    pub async fn official_business_account_action(
        &self,
        action: ObaAction,
        application: Option<&ObaApplicationData>,
    ) -> Result<ObaActionResponse, GraphError> {
        let mut body = json!({ "action": action });
        if let Some(a) = application {
            a.validate()?;
            body["application_data"] = serde_json::to_value(a)
                .map_err(|e| GraphError::Config(format!("could not encode the request: {e}")))?;
        }
        self.write_node(
            Method::POST,
            &[self.phone_number_id(), "official_business_account"],
            &[],
            Some(body),
            "official business account answer",
        )
        .await
    }

    /// The number's commerce settings (`GET /{phone_number_id}/whatsapp_commerce_settings`);
    /// `None` when Meta has none.
    pub async fn commerce_settings(&self) -> Result<Option<CommerceSettings>, GraphError> {
        let d: DataOf<CommerceSettings> = self
            .get_node(
                &[self.phone_number_id(), "whatsapp_commerce_settings"],
                &[],
                "commerce settings answer",
            )
            .await?;
        Ok(d.data.into_iter().next())
    }

    /// Turns the cart and the catalog on or off
    /// (`POST /{phone_number_id}/whatsapp_commerce_settings?is_cart_enabled=…&is_catalog_visible=…`;
    /// the settings go in the query, as Meta documents). `None` leaves one as it is.
    pub async fn update_commerce_settings(
        &self,
        is_cart_enabled: Option<bool>,
        is_catalog_visible: Option<bool>,
    ) -> Result<(), GraphError> {
        let flag = |b: bool| if b { "true" } else { "false" };
        let mut query = Vec::new();
        if let Some(b) = is_cart_enabled {
            query.push(("is_cart_enabled", flag(b)));
        }
        if let Some(b) = is_catalog_visible {
            query.push(("is_catalog_visible", flag(b)));
        }
        if query.is_empty() {
            return Err(GraphError::Validation(ValidationError::new(
                "commerce_settings",
                "the commerce settings update changes nothing",
            )));
        }
        self.write_success(
            Method::POST,
            &[self.phone_number_id(), "whatsapp_commerce_settings"],
            &query,
            None,
            "commerce settings answer",
        )
        .await
    }

    /// The business public key in use
    /// (`GET /{phone_number_id}/whatsapp_business_encryption`); `None` when none is set.
    pub async fn business_encryption_key(
        &self,
    ) -> Result<Option<BusinessEncryptionKey>, GraphError> {
        let d: DataOf<BusinessEncryptionKey> = self
            .get_node(
                &[self.phone_number_id(), "whatsapp_business_encryption"],
                &[],
                "business encryption answer",
            )
            .await?;
        Ok(d.data.into_iter().next())
    }

    /// Uploads the business public key (`POST /{phone_number_id}/whatsapp_business_encryption`,
    /// a form field `business_public_key`): an RSA public key in PEM, checked to look like
    /// one (`-----BEGIN PUBLIC KEY-----`) before any request.
    pub async fn set_business_encryption_key(&self, pem: &str) -> Result<(), GraphError> {
        if !pem.trim_start().starts_with("-----BEGIN PUBLIC KEY-----") {
            return Err(GraphError::Validation(ValidationError::new(
                "business_public_key",
                "the business public key must be PEM (-----BEGIN PUBLIC KEY-----)",
            )));
        }
        let v: Value = self
            .write_form(
                &[self.phone_number_id(), "whatsapp_business_encryption"],
                vec![FormPart::Text("business_public_key", pem.to_owned())],
                "business encryption answer",
            )
            .await?;
        if v.get("success").and_then(Value::as_bool) == Some(true) {
            Ok(())
        } else {
            Err(GraphError::Decode {
                status: 200,
                message: "business encryption answer: Meta did not answer success=true".into(),
            })
        }
    }
}
