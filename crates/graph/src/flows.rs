//! WhatsApp Flows management (the Flows API): list and create a WABA's flows
//! (`/{waba_id}/flows`), copy flows from another WABA (`/{waba_id}/migrate_flows`), read,
//! rename, delete, publish and deprecate one (`/{flow_id}`…), and its Flow JSON
//! (`/{flow_id}/assets`). Sending a flow is a message
//! ([`crate::messages::Interactive::flow`]).
//!
//! The writes that take fields go as `multipart/form-data`, as the spec describes them;
//! lists (`categories`, `source_flow_names`) go as JSON-encoded strings inside the form.
//! A flow is created in `DRAFT`; only a draft's Flow JSON and metadata may change;
//! publishing is final (a published flow can only be deprecated), and only a draft can
//! be deleted. Meta's refusals come back as [`GraphError::Api`]: 100 (invalid
//! parameter), 139000–139002 (blocked by integrity, publishing or validation errors),
//! 139004 (the flow is not a draft), 4233041 per flow in a migration's `failed_flows`.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::node::{id_arg, FormPart};
use crate::waba::CreatedId;

mod assets;
pub use assets::{FlowAsset, FlowJsonUpdate, FlowValidationError};

/// The fields [`GraphClient::get_flow`] asks for by default.
pub const FLOW_FIELDS: &str =
    "id,name,categories,preview,status,validation_errors,json_version,data_api_version,data_channel_uri,health_status";

/// A flow, as `GET /{flow_id}` and the flow list return it. Unknown fields are kept in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Flow {
    /// The flow id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// `DRAFT`, `PUBLISHED`, `DEPRECATED`, `BLOCKED`, `THROTTLED`.
    #[serde(default)]
    pub status: Option<String>,
    /// `SIGN_UP`, `SIGN_IN`, `APPOINTMENT_BOOKING`, `LEAD_GENERATION`, `CONTACT_US`,
    /// `CUSTOMER_SUPPORT`, `SURVEY`, `OTHER`.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Errors of its Flow JSON, raw (same shape as [`FlowValidationError`]).
    #[serde(default)]
    pub validation_errors: Vec<Value>,
    /// Every other field Meta sent (`preview`, `health_status`, `json_version`,
    /// `data_api_version`, `data_channel_uri`, `application`, `metric`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The fields of a new flow (`POST /{waba_id}/flows`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewFlow {
    name: String,
    categories: Vec<String>,
    clone_flow_id: Option<String>,
    endpoint_uri: Option<String>,
}

fn check_categories(categories: &[String]) -> Result<(), ValidationError> {
    if categories.is_empty() || categories.iter().any(|c| c.trim().is_empty()) {
        return Err(ValidationError::new(
            "categories",
            "a flow needs at least one category (e.g. OTHER), none blank",
        ));
    }
    Ok(())
}

fn json_list(items: &[String]) -> String {
    Value::from(items.to_vec()).to_string()
}

impl NewFlow {
    /// A flow named `name` (not blank) in at least one category.
    pub fn new(
        name: impl Into<String>,
        categories: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, ValidationError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(ValidationError::new("name", "the flow name is empty"));
        }
        let categories: Vec<String> = categories.into_iter().map(Into::into).collect();
        check_categories(&categories)?;
        Ok(Self {
            name,
            categories,
            clone_flow_id: None,
            endpoint_uri: None,
        })
    }

    /// Starts from a copy of this existing flow.
    pub fn clone_flow_id(mut self, id: impl Into<String>) -> Self {
        self.clone_flow_id = Some(id.into());
        self
    }

    /// The data endpoint (https) of a flow that exchanges data with the business.
    pub fn endpoint_uri(mut self, uri: impl Into<String>) -> Result<Self, ValidationError> {
        let uri = uri.into();
        crate::messages::validation_http_link("endpoint_uri", "the flow endpoint", &uri)?;
        self.endpoint_uri = Some(uri);
        Ok(self)
    }

    fn parts(&self) -> Vec<FormPart> {
        let mut p = vec![
            FormPart::Text("name", self.name.clone()),
            FormPart::Text("categories", json_list(&self.categories)),
        ];
        if let Some(c) = &self.clone_flow_id {
            p.push(FormPart::Text("clone_flow_id", c.clone()));
        }
        if let Some(e) = &self.endpoint_uri {
            p.push(FormPart::Text("endpoint_uri", e.clone()));
        }
        p
    }
}

/// Changes to a draft flow's metadata (`POST /{flow_id}`); only what is set is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct FlowMetadataUpdate {
    name: Option<String>,
    categories: Option<Vec<String>>,
    endpoint_uri: Option<String>,
}

impl FlowMetadataUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// New categories (at least one).
    pub fn categories(mut self, c: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.categories = Some(c.into_iter().map(Into::into).collect());
        self
    }

    /// A new data endpoint (https).
    pub fn endpoint_uri(mut self, uri: impl Into<String>) -> Self {
        self.endpoint_uri = Some(uri.into());
        self
    }

    /// Checks that something changes, the name is not blank, the categories are not
    /// empty and the endpoint is an http(s) URL.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.name.is_none() && self.categories.is_none() && self.endpoint_uri.is_none() {
            return Err(ValidationError::new(
                "flow",
                "the flow update changes nothing",
            ));
        }
        if self.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(ValidationError::new("name", "the flow name is empty"));
        }
        if let Some(c) = &self.categories {
            check_categories(c)?;
        }
        if let Some(u) = &self.endpoint_uri {
            crate::messages::validation_http_link("endpoint_uri", "the flow endpoint", u)?;
        }
        Ok(())
    }

    fn parts(&self) -> Vec<FormPart> {
        let mut p = Vec::new();
        if let Some(n) = &self.name {
            p.push(FormPart::Text("name", n.clone()));
        }
        if let Some(c) = &self.categories {
            p.push(FormPart::Text("categories", json_list(c)));
        }
        if let Some(e) = &self.endpoint_uri {
            p.push(FormPart::Text("endpoint_uri", e.clone()));
        }
        p
    }
}

/// A flow copied by a migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MigratedFlow {
    /// Its name in the source WABA.
    #[serde(default)]
    pub source_name: Option<String>,
    /// Its id in the source WABA.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub source_id: Option<String>,
    /// The new flow's id in this WABA.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub migrated_id: Option<String>,
}

/// A flow a migration could not copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailedFlowMigration {
    /// Its name in the source WABA.
    #[serde(default)]
    pub source_name: Option<String>,
    /// Meta's error code, e.g. `4233041`.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub error_code: Option<String>,
    /// Meta's message.
    #[serde(default)]
    pub error_message: Option<String>,
}

/// Meta's answer to `POST /{waba_id}/migrate_flows`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlowMigration {
    /// The flows copied.
    #[serde(default)]
    pub migrated_flows: Vec<MigratedFlow>,
    /// The flows not copied, with why.
    #[serde(default)]
    pub failed_flows: Vec<FailedFlowMigration>,
}

impl GraphClient {
    /// The WABA's flows (`GET /{waba_id}/flows`, all pages).
    pub async fn list_flows(&self) -> Result<Vec<Flow>, GraphError> {
        let waba = self.require_waba("list_flows")?;
        let url = self.node_url(&[waba, "flows"]);
        self.get_all_pages(&url, &[], "flows answer").await
    }

    /// Creates a draft flow (`POST /{waba_id}/flows`, multipart) and answers its id.
    pub async fn create_flow(&self, flow: &NewFlow) -> Result<CreatedId, GraphError> {
        let waba = self.require_waba("create_flow")?;
        self.write_form(&[waba, "flows"], flow.parts(), "create flow answer")
            .await
    }

    /// Copies flows from `source_waba_id` into this WABA (`POST
    /// /{waba_id}/migrate_flows`): the ones named in `source_flow_names`, or all when it
    /// is empty. Flows that could not be copied are in `failed_flows`.
    pub async fn migrate_flows(
        &self,
        source_waba_id: &str,
        source_flow_names: &[&str],
    ) -> Result<FlowMigration, GraphError> {
        let waba = self.require_waba("migrate_flows")?;
        id_arg("source_waba_id", "the source WABA id", source_waba_id)?;
        let mut parts = vec![FormPart::Text("source_waba_id", source_waba_id.to_owned())];
        if !source_flow_names.is_empty() {
            let names: Vec<String> = source_flow_names.iter().map(|s| (*s).to_owned()).collect();
            parts.push(FormPart::Text("source_flow_names", json_list(&names)));
        }
        self.write_form(&[waba, "migrate_flows"], parts, "migrate flows answer")
            .await
    }

    /// One flow (`GET /{flow_id}?fields=…`), with [`FLOW_FIELDS`] or the fields asked
    /// for (e.g. `preview.invalidate(false)` or a `metric.name(...)` query).
    pub async fn get_flow(&self, flow_id: &str, fields: Option<&str>) -> Result<Flow, GraphError> {
        id_arg("flow_id", "the flow id", flow_id)?;
        self.get_node(
            &[flow_id],
            &[("fields", fields.unwrap_or(FLOW_FIELDS))],
            "flow answer",
        )
        .await
    }

    /// Changes a draft flow's name, categories or endpoint (`POST /{flow_id}`, multipart).
    pub async fn update_flow_metadata(
        &self,
        flow_id: &str,
        update: &FlowMetadataUpdate,
    ) -> Result<(), GraphError> {
        id_arg("flow_id", "the flow id", flow_id)?;
        update.validate()?;
        let v: Value = self
            .write_form(&[flow_id], update.parts(), "flow update answer")
            .await?;
        success_of(&v, "flow update answer")
    }

    /// Deletes a draft flow (`DELETE /{flow_id}`); a published one must be deprecated.
    pub async fn delete_flow(&self, flow_id: &str) -> Result<(), GraphError> {
        id_arg("flow_id", "the flow id", flow_id)?;
        self.write_success(Method::DELETE, &[flow_id], &[], None, "flow delete answer")
            .await
    }

    /// Publishes a draft flow (`POST /{flow_id}/publish`); it can no longer change.
    pub async fn publish_flow(&self, flow_id: &str) -> Result<(), GraphError> {
        id_arg("flow_id", "the flow id", flow_id)?;
        self.write_success(
            Method::POST,
            &[flow_id, "publish"],
            &[],
            None,
            "flow publish answer",
        )
        .await
    }

    /// Deprecates a published flow (`POST /{flow_id}/deprecate`): it can no longer be sent.
    pub async fn deprecate_flow(&self, flow_id: &str) -> Result<(), GraphError> {
        id_arg("flow_id", "the flow id", flow_id)?;
        self.write_success(
            Method::POST,
            &[flow_id, "deprecate"],
            &[],
            None,
            "flow deprecate answer",
        )
        .await
    }
}

/// `{"success": true}` in an already decoded answer.
fn success_of(v: &Value, what: &str) -> Result<(), GraphError> {
    if v.get("success").and_then(Value::as_bool) == Some(true) {
        Ok(())
    } else {
        Err(GraphError::Decode {
            status: 200,
            message: format!("{what}: Meta did not answer success=true"),
        })
    }
}
