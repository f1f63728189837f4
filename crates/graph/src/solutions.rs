//! Multi-Partner Solutions (solution partners and tech providers sharing a WABA's
//! permissions): create one for an app (`/{app_id}/whatsapp_business_solution`), list
//! an app's or a WABA's (`/{app_id}/whatsapp_business_solutions`,
//! `/{waba_id}/solutions`), read one (`/{solution_id}`), accept or reject the partnership
//! (`/accept`, `/reject`), handle deactivation (`/send_deactivation_request`,
//! `/accept_deactivation_request`, `/reject_deactivation_request`) and get a customer
//! business's access token (`/access_token`).
//!
//! Refusals: 100 (invalid parameter, e.g. a partner app that does not exist), 200 and 10
//! (permissions), 4 and 80008 (rate limits); a status change Meta does not allow in the
//! solution's current state is refused with 100.

use reqwest::Method;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::id_arg;

/// A Multi-Partner Solution. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Solution {
    /// The solution's id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// `DRAFT`, `INITIATED`, `ACTIVE`, `REJECTED`, `DEACTIVATED`.
    #[serde(default)]
    pub status: Option<String>,
    /// `PENDING_ACTIVATION`, `PENDING_DEACTIVATION`, `NONE`.
    #[serde(default)]
    pub status_for_pending_request: Option<String>,
    /// Every other field (`owner_app`, `owner_permissions`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The fields the solution reads ask for.
pub const SOLUTION_FIELDS: &str =
    "id,name,status,status_for_pending_request,owner_app,owner_permissions";

/// The body of `POST /{app_id}/whatsapp_business_solution`: which of the two apps sends
/// messages (`MESSAGING` on exactly one side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewSolution {
    solution_name: String,
    partner_app_id: String,
    owner_permissions: Vec<&'static str>,
    partner_permissions: Vec<&'static str>,
}

impl NewSolution {
    /// A solution named `solution_name` (2 to 75 characters) with the partner app
    /// `partner_app_id` (numeric); `owner_messages` says whether the owner app (true) or
    /// the partner app (false) holds the `MESSAGING` permission.
    pub fn new(
        solution_name: impl Into<String>,
        partner_app_id: impl Into<String>,
        owner_messages: bool,
    ) -> Result<Self, ValidationError> {
        let (solution_name, partner_app_id) = (solution_name.into(), partner_app_id.into());
        let n = char_count(&solution_name);
        if !(2..=75).contains(&n) {
            return Err(ValidationError::new(
                "solution_name",
                format!("solution name is {n} characters; Meta allows 2 to 75"),
            ));
        }
        numeric("partner_app_id", &partner_app_id)?;
        let (owner, partner) = if owner_messages {
            (vec!["MESSAGING"], vec![])
        } else {
            (vec![], vec!["MESSAGING"])
        };
        Ok(Self {
            solution_name,
            partner_app_id,
            owner_permissions: owner,
            partner_permissions: partner,
        })
    }
}

fn numeric(field: &str, v: &str) -> Result<(), ValidationError> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::new(
            field,
            format!("{field} {v:?} must be numeric"),
        ));
    }
    Ok(())
}

fn reason_ok(field: &str, r: Option<&str>) -> Result<(), ValidationError> {
    match r {
        Some(r) if char_count(r) > 500 => Err(ValidationError::new(
            field,
            format!("{field} is over Meta's limit of 500 characters"),
        )),
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
struct SolutionCreated {
    #[serde(deserialize_with = "crate::de::id")]
    solution_id: String,
}

/// Meta's answer to accepting a solution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SolutionAcceptance {
    /// Whether it was accepted.
    pub success: bool,
    /// The solution.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub solution_id: Option<String>,
    /// The partner's status now, e.g. `ACCEPTED`.
    #[serde(default)]
    pub partner_status: Option<String>,
    /// What happened, in words.
    #[serde(default)]
    pub message: Option<String>,
}

/// Meta's answer to a deactivation request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeactivationRequested {
    /// Whether it was submitted.
    pub success: bool,
    /// What happened, in words.
    #[serde(default)]
    pub message: Option<String>,
    /// The request's id.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// What a rejection refuses (`request_type` of `POST /{solution_id}/reject`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SolutionRejection {
    /// The partnership request of this partner app.
    Partnership {
        /// The requesting partner app's id (numeric).
        partner_app_id: String,
    },
    /// A deactivation request.
    Deactivation,
}

/// A customer business's access token for a solution. `Debug` never shows the token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SolutionAccessToken {
    /// The token (a granular business integration system user token).
    pub access_token: SecretString,
    /// When it expires, Unix seconds.
    pub expires_at: i64,
}

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    #[serde(deserialize_with = "crate::de::ts")]
    expires_at: i64,
}

impl GraphClient {
    /// Creates a Multi-Partner Solution owned by `app_id`
    /// (`POST /{app_id}/whatsapp_business_solution`); answers its id.
    pub async fn create_solution(
        &self,
        app_id: &str,
        solution: &NewSolution,
    ) -> Result<String, GraphError> {
        id_arg("app_id", "the app id", app_id)?;
        let body = serde_json::to_value(solution)
            .map_err(|e| GraphError::Config(format!("could not encode the request: {e}")))?;
        let r: SolutionCreated = self
            .write_node(
                Method::POST,
                &[app_id, "whatsapp_business_solution"],
                &[],
                Some(body),
                "create solution answer",
            )
            .await?;
        Ok(r.solution_id)
    }

    /// The solutions of an app (`GET /{app_id}/whatsapp_business_solutions`, all pages),
    /// optionally only those where it is the `OWNER` or the `PARTNER`.
    pub async fn app_solutions(
        &self,
        app_id: &str,
        role: Option<&str>,
    ) -> Result<Vec<Solution>, GraphError> {
        id_arg("app_id", "the app id", app_id)?;
        let url = self.node_url(&[app_id, "whatsapp_business_solutions"]);
        let mut query = vec![("fields", SOLUTION_FIELDS)];
        if let Some(r) = role {
            query.push(("role", r));
        }
        self.get_all_pages(&url, &query, "solutions answer").await
    }

    /// The solutions the configured WABA is part of (`GET /{waba_id}/solutions`, all pages).
    pub async fn waba_solutions(&self) -> Result<Vec<Solution>, GraphError> {
        let waba = self.require_waba("waba_solutions")?;
        let url = self.node_url(&[waba, "solutions"]);
        self.get_all_pages(&url, &[("fields", SOLUTION_FIELDS)], "solutions answer")
            .await
    }

    /// One solution (`GET /{solution_id}?fields=…`).
    pub async fn solution(&self, solution_id: &str) -> Result<Solution, GraphError> {
        id_arg("solution_id", "the solution id", solution_id)?;
        self.get_node(
            &[solution_id],
            &[("fields", SOLUTION_FIELDS)],
            "solution answer",
        )
        .await
    }

    /// Accepts a solution invitation as the partner app `partner_app_id`
    /// (`POST /{solution_id}/accept`).
    pub async fn accept_solution(
        &self,
        solution_id: &str,
        partner_app_id: &str,
    ) -> Result<SolutionAcceptance, GraphError> {
        id_arg("solution_id", "the solution id", solution_id)?;
        numeric("partner_app_id", partner_app_id)?;
        self.write_node(
            Method::POST,
            &[solution_id, "accept"],
            &[],
            Some(json!({ "partner_app_id": partner_app_id })),
            "accept solution answer",
        )
        .await
    }

    /// Rejects a partnership or a deactivation request (`POST /{solution_id}/reject`),
    /// with an optional reason (≤ 500 characters).
    pub async fn reject_solution_request(
        &self,
        solution_id: &str,
        rejection: &SolutionRejection,
        reason: Option<&str>,
    ) -> Result<(), GraphError> {
        id_arg("solution_id", "the solution id", solution_id)?;
        reason_ok("rejection_reason", reason)?;
        let mut body = match rejection {
            SolutionRejection::Partnership { partner_app_id } => {
                numeric("partner_app_id", partner_app_id)?;
                json!({"request_type": "PARTNERSHIP_REQUEST", "partner_app_id": partner_app_id})
            }
            SolutionRejection::Deactivation => json!({"request_type": "DEACTIVATION_REQUEST"}),
        };
        if let Some(r) = reason {
            body["rejection_reason"] = json!(r);
        }
        self.write_success(
            Method::POST,
            &[solution_id, "reject"],
            &[],
            Some(body),
            "reject solution answer",
        )
        .await
    }

    /// Asks to deactivate a solution (`POST /{solution_id}/send_deactivation_request`),
    /// with an optional reason (≤ 500 characters); the other side accepts or rejects it.
    pub async fn send_solution_deactivation_request(
        &self,
        solution_id: &str,
        reason: Option<&str>,
    ) -> Result<DeactivationRequested, GraphError> {
        id_arg("solution_id", "the solution id", solution_id)?;
        reason_ok("reason", reason)?;
        let body = reason.map_or_else(|| json!({}), |r| json!({ "reason": r }));
        self.write_node(
            Method::POST,
            &[solution_id, "send_deactivation_request"],
            &[],
            Some(body),
            "deactivation answer",
        )
        .await
    }

    /// Accepts the pending deactivation (`POST /{solution_id}/accept_deactivation_request`,
    /// empty body); answers the solution as it now is.
    pub async fn accept_solution_deactivation(
        &self,
        solution_id: &str,
    ) -> Result<Solution, GraphError> {
        id_arg("solution_id", "the solution id", solution_id)?;
        self.write_node(
            Method::POST,
            &[solution_id, "accept_deactivation_request"],
            &[("fields", SOLUTION_FIELDS)],
            Some(json!({})),
            "accept deactivation answer",
        )
        .await
    }

    /// Rejects the pending deactivation (`POST /{solution_id}/reject_deactivation_request`);
    /// answers the solution as it now is.
    pub async fn reject_solution_deactivation(
        &self,
        solution_id: &str,
    ) -> Result<Solution, GraphError> {
        id_arg("solution_id", "the solution id", solution_id)?;
        self.write_node(
            Method::POST,
            &[solution_id, "reject_deactivation_request"],
            &[("fields", SOLUTION_FIELDS)],
            Some(json!({ "reject_deactivation_request": true })),
            "reject deactivation answer",
        )
        .await
    }

    /// The access token of customer business `business_id` for the solution
    /// (`GET /{solution_id}/access_token?business_id=…`), kept secret.
    pub async fn solution_access_token(
        &self,
        solution_id: &str,
        business_id: &str,
    ) -> Result<SolutionAccessToken, GraphError> {
        id_arg("solution_id", "the solution id", solution_id)?;
        id_arg("business_id", "the business id", business_id)?;
        let t: RawToken = self
            .get_node(
                &[solution_id, "access_token"],
                &[("business_id", business_id)],
                "access token answer",
            )
            .await?;
        Ok(SolutionAccessToken {
            access_token: SecretString::from(t.access_token),
            expires_at: t.expires_at,
        })
    }
}
