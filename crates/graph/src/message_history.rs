//! Message history: the delivery status events of the number's messages
//! (`GET /{phone_number_id}/message_history`) and the events of one history entry
//! (`GET /{message_history_id}/events`), with the webhook each event was delivered to.
//! Useful to find statuses whose webhook was lost.
//!
//! Refusals: 100 (invalid parameter or unknown id), 200 (permission), 4 and 80008
//! (rate limits).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::node::id_arg;

/// One delivery status event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryStatusEvent {
    /// The event's id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// `SENT`, `DELIVERED`, `READ`, `FAILED`, `DELETED`.
    #[serde(default)]
    pub delivery_status: Option<String>,
    /// When it happened, Unix seconds (`timestamp` in a history entry,
    /// `occurrence_timestamp` in an events listing).
    #[serde(
        default,
        alias = "occurrence_timestamp",
        deserialize_with = "crate::de::opt_ts"
    )]
    pub timestamp: Option<i64>,
    /// Whether its webhook went out: `PENDING`, `DELIVERED`, `FAILED`, `RETRYING`.
    #[serde(default)]
    pub webhook_update_state: Option<String>,
    /// Why delivery failed, when it did.
    #[serde(default)]
    pub error_description: Option<String>,
    /// Every other field (`application`, `webhook_uri`, `status_timestamp`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct EventsPage {
    #[serde(default)]
    data: Vec<DeliveryStatusEvent>,
}

/// One entry of the message history: a message and its events (the first page of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageHistoryEntry {
    /// The history entry's id, for [`GraphClient::message_history_events`].
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// The message's `wamid`.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Its delivery status events.
    #[serde(default, deserialize_with = "events_data")]
    pub events: Vec<DeliveryStatusEvent>,
}

fn events_data<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<DeliveryStatusEvent>, D::Error> {
    Option::<EventsPage>::deserialize(d).map(|p| p.unwrap_or_default().data)
}

#[derive(Deserialize)]
struct Edge {
    node: DeliveryStatusEvent,
}

impl GraphClient {
    /// The number's message history (`GET /{phone_number_id}/message_history`, all
    /// pages), or only that of the message `wamid`.
    pub async fn message_history(
        &self,
        wamid: Option<&str>,
    ) -> Result<Vec<MessageHistoryEntry>, GraphError> {
        let url = self.node_url(&[self.phone_number_id(), "message_history"]);
        let query: Vec<(&str, &str)> = wamid.map(|w| ("message_id", w)).into_iter().collect();
        self.get_all_pages(&url, &query, "message history answer")
            .await
    }

    /// Every event of a history entry (`GET /{message_history_id}/events`, all pages),
    /// or only those with `status_filter` (`SENT`, `DELIVERED`, `READ`, `FAILED`,
    /// `DELETED`). Meta answers edges (`{"cursor", "node"}`); the nodes are returned.
    pub async fn message_history_events(
        &self,
        message_history_id: &str,
        status_filter: Option<&str>,
    ) -> Result<Vec<DeliveryStatusEvent>, GraphError> {
        id_arg(
            "message_history_id",
            "the message history id",
            message_history_id,
        )?;
        let url = self.node_url(&[message_history_id, "events"]);
        let query: Vec<(&str, &str)> = status_filter
            .map(|s| ("status_filter", s))
            .into_iter()
            .collect();
        let edges: Vec<Edge> = self
            .get_all_pages(&url, &query, "message history events answer")
            .await?;
        Ok(edges.into_iter().map(|e| e.node).collect())
    }
}
