//! The `value` of the `flows` field (Meta's "Flows Webhooks" guide): a Flow's status
//! changed, or an alert on the client error rate, the endpoint's error rate, latency
//! or availability of an endpoint-powered Flow was raised or cleared, or a Flow JSON
//! version is about to be frozen or to expire. Flow responses arrive on `messages`
//! as an `interactive` `nfm_reply`, not here.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `flows`: one Flow event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct FlowsUpdate {
    /// `FLOW_STATUS_CHANGE`, `CLIENT_ERROR_RATE`, `ENDPOINT_ERROR_RATE`,
    /// `ENDPOINT_LATENCY`, `ENDPOINT_AVAILABILITY`, ... (new values kept as received).
    pub event: Option<String>,
    /// Human-readable description (`Flow X changed status from DRAFT to PUBLISHED`).
    pub message: Option<String>,
    /// The Flow.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub flow_id: Option<String>,
    /// Status before (`FLOW_STATUS_CHANGE`): `DRAFT`, `PUBLISHED`, `DEPRECATED`,
    /// `BLOCKED`, `THROTTLED`.
    pub old_status: Option<String>,
    /// Status after (`FLOW_STATUS_CHANGE`).
    pub new_status: Option<String>,
    /// `ACTIVATED` or `DEACTIVATED` for the alert events.
    pub alert_state: Option<String>,
    /// The alert's threshold and measured values (`error_rate`, `threshold`,
    /// `p50_latency`, `availability`, `errors`, ...) are kept as received in `extra`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
