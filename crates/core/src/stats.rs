//! Counts for `GET /stats`.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts over the whole store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// All messages.
    pub total_messages: i64,
    /// Outbound messages.
    pub sent_messages: i64,
    /// Inbound messages.
    pub received_messages: i64,
    /// All contacts.
    pub total_contacts: i64,
    /// Unread inbound messages.
    pub unread_messages: i64,
    /// Messages per status.
    pub messages_by_status: BTreeMap<String, i64>,
    /// Queue counts.
    pub queue: QueueStats,
    /// Webhook delivery counts.
    pub webhooks: WebhookStats,
}

/// Queue counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueStats {
    /// Items not yet final (pending or sending).
    pub depth: i64,
    /// Items per state.
    pub by_state: BTreeMap<String, i64>,
}

/// Webhook delivery counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookStats {
    /// All deliveries received, those since pruned by retention included.
    pub total: i64,
    /// Fully processed.
    pub processed: i64,
    /// Kept with an error.
    pub failed: i64,
    /// For another business number.
    pub foreign: i64,
    /// Stored, waiting to be processed.
    pub received: i64,
    /// Applied deliveries whose raw body was removed by retention (`WACLOUD_RETAIN_WEBHOOK_DAYS`);
    /// still counted in `total` and by state.
    pub pruned: i64,
}
