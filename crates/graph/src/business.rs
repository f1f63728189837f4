//! The business portfolio and the accounts around it, for tech providers and solution
//! partners: the portfolio (`/{business_id}`), its owned and client WABAs, its credit
//! lines, pre-verified numbers added to it (`/{business_id}/add_phone_numbers`), the
//! WABAs assigned to a user (`/{user_id}/assigned_whatsapp_business_accounts`) and the
//! client businesses connected to an app (`/{app_id}/connected_client_businesses`).
//!
//! These take the ids they act on as arguments: they are not the configured number's
//! or WABA's. Refusals: 100 (unknown id or field), 200 and 10 (the token lacks
//! `business_management`), 4 and 80008 (rate limits).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::node::id_arg;
use crate::waba::{CreatedId, WabaDetails};

/// A business portfolio. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BusinessPortfolio {
    /// The business id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its time zone id (the spec gives a number here and a string on a WABA; both parse).
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub timezone_id: Option<String>,
    /// Every other field asked for.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A credit line of the business (`extendedcredits`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditLine {
    /// The credit line's id, to attach to a client WABA.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// The legal entity that pays.
    #[serde(default)]
    pub legal_entity_name: Option<String>,
}

/// A WABA assigned to a user, with the user's permissions on it. Unknown fields are
/// kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssignedWaba {
    /// The WABA id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// `ACTIVE`, `PENDING`, `RESTRICTED`, `DISABLED`.
    #[serde(default)]
    pub status: Option<String>,
    /// The user's tasks on it (`MANAGE`, `DEVELOP`, ..., `FULL_CONTROL`).
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Every other field (`assignment_date`, `business_id`, `phone_numbers`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A client business connected to an app. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClientBusiness {
    /// The business id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// `VERIFIED`, `UNVERIFIED`, `PENDING`, `REJECTED`.
    #[serde(default)]
    pub verification_status: Option<String>,
    /// `ACTIVE`, `INACTIVE`, `SUSPENDED`, `PENDING_APPROVAL`.
    #[serde(default)]
    pub business_status: Option<String>,
    /// Every other field (`created_time`, `updated_time`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GraphClient {
    /// A business portfolio (`GET /{business_id}?fields=…`, default `id,name,timezone_id`).
    pub async fn business_portfolio(
        &self,
        business_id: &str,
        fields: Option<&str>,
    ) -> Result<BusinessPortfolio, GraphError> {
        id_arg("business_id", "the business id", business_id)?;
        self.get_node(
            &[business_id],
            &[("fields", fields.unwrap_or("id,name,timezone_id"))],
            "business answer",
        )
        .await
    }

    /// Adds a pre-verified phone number to the business (`POST /{business_id}/add_phone_numbers`);
    /// answers the pre-verified number's id. The number is E.164 (`+` and digits) or
    /// formatted; it must not be blank.
    pub async fn add_preverified_phone_number(
        &self,
        business_id: &str,
        phone_number: &str,
    ) -> Result<CreatedId, GraphError> {
        id_arg("business_id", "the business id", business_id)?;
        if !phone_number.chars().any(|c| c.is_ascii_digit()) {
            return Err(GraphError::Validation(ValidationError::new(
                "phone_number",
                format!("{phone_number:?} has no digits"),
            )));
        }
        self.write_node(
            Method::POST,
            &[business_id, "add_phone_numbers"],
            &[],
            Some(json!({ "phone_number": phone_number })),
            "add phone number answer",
        )
        .await
    }

    /// The WABAs the business owns (`GET /{business_id}/owned_whatsapp_business_accounts`,
    /// all pages).
    pub async fn owned_wabas(&self, business_id: &str) -> Result<Vec<WabaDetails>, GraphError> {
        id_arg("business_id", "the business id", business_id)?;
        let url = self.node_url(&[business_id, "owned_whatsapp_business_accounts"]);
        self.get_all_pages(&url, &[], "owned WABAs answer").await
    }

    /// The clients' WABAs the business may use
    /// (`GET /{business_id}/client_whatsapp_business_accounts`, all pages).
    pub async fn client_wabas(&self, business_id: &str) -> Result<Vec<WabaDetails>, GraphError> {
        id_arg("business_id", "the business id", business_id)?;
        let url = self.node_url(&[business_id, "client_whatsapp_business_accounts"]);
        self.get_all_pages(&url, &[], "client WABAs answer").await
    }

    /// The business's credit lines (`GET /{business_id}/extendedcredits`, all pages).
    pub async fn credit_lines(&self, business_id: &str) -> Result<Vec<CreditLine>, GraphError> {
        id_arg("business_id", "the business id", business_id)?;
        let url = self.node_url(&[business_id, "extendedcredits"]);
        self.get_all_pages(&url, &[], "credit lines answer").await
    }

    /// The WABAs assigned to a user (`GET /{user_id}/assigned_whatsapp_business_accounts`,
    /// all pages).
    pub async fn assigned_wabas(&self, user_id: &str) -> Result<Vec<AssignedWaba>, GraphError> {
        id_arg("user_id", "the user id", user_id)?;
        let url = self.node_url(&[user_id, "assigned_whatsapp_business_accounts"]);
        self.get_all_pages(&url, &[], "assigned WABAs answer").await
    }

    /// The client businesses connected to an app
    /// (`GET /{app_id}/connected_client_businesses`, all pages).
    pub async fn connected_client_businesses(
        &self,
        app_id: &str,
    ) -> Result<Vec<ClientBusiness>, GraphError> {
        id_arg("app_id", "the app id", app_id)?;
        let url = self.node_url(&[app_id, "connected_client_businesses"]);
        self.get_all_pages(&url, &[], "connected client businesses answer")
            .await
    }
}
