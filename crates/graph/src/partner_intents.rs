//! Moving WABAs between solution partners: Marketing Messages onboarding requests
//! (`/{business_id}/onboard_partners_to_mm_lite`), solution migration intents
//! (`/{waba_id}/set_solution_migration_intent`, `/{migration_intent_id}`), on-behalf-of
//! (OBO) mobility intents (`/{waba_id}/obo_mobility_intent`,
//! `/{waba_id}/set_obo_mobility_intent`, `/{obo_mobility_intent_id}`) and the WABA's
//! in-progress on-behalf requests (`/{waba_id}/in_progress_onbehalf_request`).
//!
//! The WABA-scoped calls use the configured WABA id. Refusals: 100 (invalid parameter or
//! a transition Meta does not allow now), 200 (permission), 4 and 80008 (rate limits).
//! An intent Meta answers with `success: false` is returned as is, with its message.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::{id_arg, to_body};

/// An intent's state read by id (`id`, `status` and whatever else Meta sends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IntentState {
    /// The intent's id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Migration: `INITIATED`, `ACCEPTED`, `COMPLETED`, `REJECTED`; OBO: `PENDING`,
    /// `ACTIVE`, `COMPLETED`, `CANCELLED`, `FAILED`.
    #[serde(default)]
    pub status: Option<String>,
    /// Every other field (`waba`, `solution`, `created_time`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Meta's answer to setting an intent. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IntentSet {
    /// Whether Meta took it.
    pub success: bool,
    /// The intent's id (`migration_intent_id`, `mobility_intent_id` or `intent_id`).
    #[serde(
        default,
        alias = "migration_intent_id",
        alias = "mobility_intent_id",
        alias = "intent_id"
    )]
    pub id: Option<String>,
    /// Its status, when given.
    #[serde(default)]
    pub status: Option<String>,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error_msg: Option<String>,
    /// Every other field (`estimated_completion_time`, `next_steps`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An intent request: its required fields, and optional ones set as Meta names them.
/// Reasons are at most 500 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct IntentRequest {
    #[serde(flatten)]
    fields: Map<String, Value>,
}

impl IntentRequest {
    /// A solution migration intent (`migration_intent`: `INITIATE_MIGRATION`,
    /// `CANCEL_MIGRATION`, `CONFIRM_MIGRATION`, `SCHEDULE_MIGRATION`) for `solution_id`.
    pub fn migration(solution_id: impl Into<String>, migration_intent: impl Into<String>) -> Self {
        Self::default()
            .field("solution_id", solution_id.into())
            .field("migration_intent", migration_intent.into())
    }

    /// An OBO mobility intent (`intent_type`: `INITIATE_TRANSFER`, `CONFIRM_TRANSFER`,
    /// `CANCEL_TRANSFER`, `REQUEST_HANDOVER`, `APPROVE_HANDOVER`, `REJECT_HANDOVER`) for
    /// `solution_id`.
    pub fn mobility(solution_id: impl Into<String>, intent_type: impl Into<String>) -> Self {
        Self::default()
            .field("solution_id", solution_id.into())
            .field("intent_type", intent_type.into())
    }

    /// Any other field, as Meta spells it (`target_solution_id`, `migration_reason`,
    /// `mobility_reason`, `scheduled_migration_time`, `scheduled_execution_time`,
    /// `metadata`, `app_id`, `actor_id`, `client_mutation_id`, ...).
    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(name.to_owned(), value.into());
        self
    }

    fn validate(&self) -> Result<(), ValidationError> {
        for k in ["migration_reason", "mobility_reason"] {
            if let Some(r) = self.fields.get(k).and_then(Value::as_str) {
                if char_count(r) > 500 {
                    return Err(ValidationError::new(
                        k,
                        format!("{k} is over Meta's limit of 500 characters"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// An on-behalf request in progress on the WABA. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OnBehalfRequest {
    /// The request's id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// `APPROVE`, `DECLINE`, `IN_PROGRESS`, `EXPIRED`, `PENDING`, `CANCELED`, `INVALID`.
    #[serde(default)]
    pub status: Option<String>,
    /// The WABA the request is about.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub business_owned_object: Option<String>,
    /// Every other field (`receiving_business`, `requesting_business`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct RequestId {
    #[serde(deserialize_with = "crate::de::id")]
    request_id: String,
}

impl GraphClient {
    /// Asks the end business `business_id` to onboard to Marketing Messages through the
    /// partner (`POST /{business_id}/onboard_partners_to_mm_lite`, optionally
    /// `?solution_id=`); answers the request id (an existing request's, if one is open).
    pub async fn onboard_partners_to_mm_lite(
        &self,
        business_id: &str,
        solution_id: Option<&str>,
    ) -> Result<String, GraphError> {
        id_arg("business_id", "the business id", business_id)?;
        let query: Vec<(&str, &str)> = solution_id
            .map(|s| ("solution_id", s))
            .into_iter()
            .collect();
        let r: RequestId = self
            .write_node(
                Method::POST,
                &[business_id, "onboard_partners_to_mm_lite"],
                &query,
                None,
                "MM Lite onboarding answer",
            )
            .await?;
        Ok(r.request_id)
    }

    /// Sets a solution migration intent on the WABA
    /// (`POST /{waba_id}/set_solution_migration_intent`).
    pub async fn set_solution_migration_intent(
        &self,
        intent: &IntentRequest,
    ) -> Result<IntentSet, GraphError> {
        let waba = self.require_waba("set_solution_migration_intent")?;
        intent.validate()?;
        self.write_node(
            Method::POST,
            &[waba, "set_solution_migration_intent"],
            &[],
            Some(to_body(intent)?),
            "migration intent answer",
        )
        .await
    }

    /// A migration intent by id (`GET /{migration_intent_id}?fields=id,status`).
    pub async fn migration_intent(&self, intent_id: &str) -> Result<IntentState, GraphError> {
        id_arg("migration_intent_id", "the migration intent id", intent_id)?;
        self.get_node(
            &[intent_id],
            &[("fields", "id,status")],
            "migration intent answer",
        )
        .await
    }

    /// Creates an OBO mobility intent on the WABA (`POST /{waba_id}/obo_mobility_intent`).
    pub async fn create_obo_mobility_intent(
        &self,
        intent: &IntentRequest,
    ) -> Result<IntentSet, GraphError> {
        let waba = self.require_waba("create_obo_mobility_intent")?;
        intent.validate()?;
        self.write_node(
            Method::POST,
            &[waba, "obo_mobility_intent"],
            &[],
            Some(to_body(intent)?),
            "OBO intent answer",
        )
        .await
    }

    /// Sets the OBO mobility intent (`POST /{waba_id}/set_obo_mobility_intent`); the spec
    /// wants the WABA id in the body too, so it is added. `fields` are the optional
    /// `solution_id`, `app_id`, `actor_id`, `client_mutation_id`.
    pub async fn set_obo_mobility_intent(
        &self,
        fields: &IntentRequest,
    ) -> Result<IntentSet, GraphError> {
        let waba = self.require_waba("set_obo_mobility_intent")?;
        let body = fields.clone().field("waba_id", waba);
        self.write_node(
            Method::POST,
            &[waba, "set_obo_mobility_intent"],
            &[],
            Some(to_body(&body)?),
            "OBO intent answer",
        )
        .await
    }

    /// An OBO mobility intent by id
    /// (`GET /{obo_mobility_intent_id}?fields=id,waba,solution,status,created_time,updated_time`).
    pub async fn obo_mobility_intent(&self, intent_id: &str) -> Result<IntentState, GraphError> {
        id_arg(
            "obo_mobility_intent_id",
            "the OBO mobility intent id",
            intent_id,
        )?;
        self.get_node(
            &[intent_id],
            &[(
                "fields",
                "id,waba,solution,status,created_time,updated_time",
            )],
            "OBO intent answer",
        )
        .await
    }

    /// The WABA's on-behalf requests in progress
    /// (`GET /{waba_id}/in_progress_onbehalf_request`, all pages).
    pub async fn in_progress_onbehalf_requests(&self) -> Result<Vec<OnBehalfRequest>, GraphError> {
        let waba = self.require_waba("in_progress_onbehalf_requests")?;
        let url = self.node_url(&[waba, "in_progress_onbehalf_request"]);
        self.get_all_pages(&url, &[], "on-behalf requests answer")
            .await
    }
}
