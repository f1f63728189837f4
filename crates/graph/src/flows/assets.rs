//! A flow's assets: the Flow JSON (`GET`/`POST /{flow_id}/assets`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::node::{id_arg, FormPart};

/// One asset of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlowAsset {
    /// Its name, e.g. `flow.json`.
    #[serde(default)]
    pub name: Option<String>,
    /// `FLOW_JSON`.
    #[serde(default)]
    pub asset_type: Option<String>,
    /// A short-lived URL to download it (on Meta's CDN).
    #[serde(default)]
    pub download_url: Option<String>,
}

/// A problem Meta found in a Flow JSON, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlowValidationError {
    /// The error, e.g. `INVALID_PROPERTY`.
    #[serde(default)]
    pub error: Option<String>,
    /// Its kind, e.g. `JSON_SCHEMA_ERROR`.
    #[serde(default)]
    pub error_type: Option<String>,
    /// What is wrong.
    #[serde(default)]
    pub message: Option<String>,
    /// First line, 1-based.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub line_start: Option<i64>,
    /// Last line.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub line_end: Option<i64>,
    /// First column.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub column_start: Option<i64>,
    /// Last column.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub column_end: Option<i64>,
}

/// Meta's answer to a Flow JSON upload: `success` even when the JSON has errors, which
/// are listed (a flow with errors cannot be published).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlowJsonUpdate {
    /// Whether the file was stored.
    pub success: bool,
    /// What Meta found wrong in it.
    #[serde(default)]
    pub validation_errors: Vec<FlowValidationError>,
}

impl GraphClient {
    /// The flow's assets (`GET /{flow_id}/assets`, all pages): the Flow JSON's download URL.
    pub async fn flow_assets(&self, flow_id: &str) -> Result<Vec<FlowAsset>, GraphError> {
        id_arg("flow_id", "the flow id", flow_id)?;
        let url = self.node_url(&[flow_id, "assets"]);
        self.get_all_pages(&url, &[], "flow assets answer").await
    }

    /// Replaces a draft flow's Flow JSON (`POST /{flow_id}/assets`, multipart with
    /// `name=flow.json`, `asset_type=FLOW_JSON` and the file). `flow_json` must be JSON
    /// (checked locally); Meta's findings come back in `validation_errors`.
    pub async fn update_flow_json(
        &self,
        flow_id: &str,
        flow_json: &str,
    ) -> Result<FlowJsonUpdate, GraphError> {
        id_arg("flow_id", "the flow id", flow_id)?;
        if let Err(e) = serde_json::from_str::<Value>(flow_json) {
            return Err(GraphError::Validation(ValidationError::new(
                "file",
                format!("the Flow JSON is not JSON: {e}"),
            )));
        }
        let parts = vec![
            FormPart::Text("name", "flow.json".into()),
            FormPart::Text("asset_type", "FLOW_JSON".into()),
            FormPart::File(
                "file",
                "flow.json".into(),
                "application/json",
                bytes::Bytes::copy_from_slice(flow_json.as_bytes()),
            ),
        ];
        self.write_form(&[flow_id, "assets"], parts, "flow JSON answer")
            .await
    }
}
