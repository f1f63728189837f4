//! Pre-verified phone numbers (solution partners): numbers a business verified ahead of
//! onboarding, listed on the portfolio (`/{business_id}/preverified_numbers`), shared
//! with a partner (`/{business_id}/share_preverified_numbers`), and read, deleted,
//! verified and listed with their partners by id (`/{preverified_id}`…). Adding one is
//! [`GraphClient::add_preverified_phone_number`].
//!
//! Refusals: 100 (unknown id, bad code), 136024 (code expired or wrong), 136025 (too
//! many code requests), 200 (permission), 4 and 80008 (rate limits).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::node::id_arg;
use crate::phone_numbers::{code_request_body, six_digits, CodeMethod, VerifyCodeResponse};

/// A pre-verified phone number. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PreverifiedNumber {
    /// Its id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// The number as shown.
    #[serde(default)]
    pub display_phone_number: Option<String>,
    /// The country calling code, e.g. `1`.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub country_prefix: Option<i64>,
    /// `VERIFIED`, `PENDING`, `FAILED`, `EXPIRED` (in listings).
    #[serde(default)]
    pub verification_status: Option<String>,
    /// `AVAILABLE`, `IN_USE`, `RESERVED`, `UNAVAILABLE` (in listings).
    #[serde(default)]
    pub availability_status: Option<String>,
    /// Whether the id is valid (reading one by id).
    #[serde(default, deserialize_with = "crate::de::opt_bool")]
    pub is_input_id_valid: Option<bool>,
    /// Why it is not (reading one by id).
    #[serde(default)]
    pub error_msg: Option<String>,
    /// Every other field (`created_time`, `country_code`, `supported_features`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A partner business a pre-verified number is shared with. Unknown fields are kept in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PreverifiedPartner {
    /// The business id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// `not_verified`, `pending`, `verified`.
    #[serde(default)]
    pub verification_status: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The fields [`GraphClient::preverified_number`] asks for.
pub const PREVERIFIED_FIELDS: &str =
    "id,country_prefix,display_phone_number,is_input_id_valid,error_msg";

impl GraphClient {
    /// The portfolio's pre-verified numbers (`GET /{business_id}/preverified_numbers`,
    /// all pages), optionally only those with `verification_status` (`VERIFIED`,
    /// `PENDING`, `FAILED`, `EXPIRED`).
    pub async fn preverified_numbers(
        &self,
        business_id: &str,
        verification_status: Option<&str>,
    ) -> Result<Vec<PreverifiedNumber>, GraphError> {
        id_arg("business_id", "the business id", business_id)?;
        let url = self.node_url(&[business_id, "preverified_numbers"]);
        let query: Vec<(&str, &str)> = verification_status
            .map(|s| ("verification_status", s))
            .into_iter()
            .collect();
        self.get_all_pages(&url, &query, "pre-verified numbers answer")
            .await
    }

    /// Shares a pre-verified number with a partner business
    /// (`POST /{business_id}/share_preverified_numbers`); both ids are numeric.
    pub async fn share_preverified_number(
        &self,
        business_id: &str,
        preverified_id: &str,
        partner_business_id: &str,
    ) -> Result<(), GraphError> {
        id_arg("business_id", "the business id", business_id)?;
        for (field, v) in [
            ("preverified_id", preverified_id),
            ("partner_business_id", partner_business_id),
        ] {
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(GraphError::Validation(ValidationError::new(
                    field,
                    format!("{field} {v:?} must be numeric"),
                )));
            }
        }
        self.write_success(
            Method::POST,
            &[business_id, "share_preverified_numbers"],
            &[],
            Some(json!({"preverified_id": preverified_id, "partner_business_id": partner_business_id})),
            "share pre-verified number answer",
        )
        .await
    }

    /// A pre-verified number by id (`GET /{preverified_id}?fields=…`); an id Meta does
    /// not accept comes back with `is_input_id_valid` false and `error_msg`.
    pub async fn preverified_number(
        &self,
        preverified_id: &str,
    ) -> Result<PreverifiedNumber, GraphError> {
        id_arg(
            "preverified_id",
            "the pre-verified number id",
            preverified_id,
        )?;
        self.get_node(
            &[preverified_id],
            &[("fields", PREVERIFIED_FIELDS)],
            "pre-verified number answer",
        )
        .await
    }

    /// Deletes a pre-verified number (`DELETE /{preverified_id}`).
    pub async fn delete_preverified_number(&self, preverified_id: &str) -> Result<(), GraphError> {
        id_arg(
            "preverified_id",
            "the pre-verified number id",
            preverified_id,
        )?;
        self.write_success(
            Method::DELETE,
            &[preverified_id],
            &[],
            None,
            "delete pre-verified number answer",
        )
        .await
    }

    /// The partner businesses a pre-verified number is shared with
    /// (`GET /{preverified_id}/partners`, all pages).
    pub async fn preverified_number_partners(
        &self,
        preverified_id: &str,
    ) -> Result<Vec<PreverifiedPartner>, GraphError> {
        id_arg(
            "preverified_id",
            "the pre-verified number id",
            preverified_id,
        )?;
        let url = self.node_url(&[preverified_id, "partners"]);
        self.get_all_pages(&url, &[], "pre-verified partners answer")
            .await
    }

    /// Asks for a verification code for a pre-verified number
    /// (`POST /{preverified_id}/request_code`), by SMS or voice, in `language` (`en_US`).
    pub async fn request_preverified_code(
        &self,
        preverified_id: &str,
        method: CodeMethod,
        language: &str,
    ) -> Result<(), GraphError> {
        id_arg(
            "preverified_id",
            "the pre-verified number id",
            preverified_id,
        )?;
        let body = code_request_body(method, language)?;
        self.write_success(
            Method::POST,
            &[preverified_id, "request_code"],
            &[],
            Some(body),
            "request code answer",
        )
        .await
    }

    /// Submits the six-digit code for a pre-verified number
    /// (`POST /{preverified_id}/verify_code`).
    pub async fn verify_preverified_code(
        &self,
        preverified_id: &str,
        code: &str,
    ) -> Result<VerifyCodeResponse, GraphError> {
        id_arg(
            "preverified_id",
            "the pre-verified number id",
            preverified_id,
        )?;
        six_digits("code", "the verification code", code)?;
        self.write_node(
            Method::POST,
            &[preverified_id, "verify_code"],
            &[],
            Some(json!({"code": code})),
            "verify code answer",
        )
        .await
    }
}
