//! The `value` of the Groups API fields, one shape for all four (Meta's "Webhooks for
//! Groups API" page and the `GroupValue` schema of its OpenAPI description):
//! `group_lifecycle_update` (group created or deleted), `group_participants_update`
//! (participants added, removed or left, join requests), `group_settings_update`
//! (subject, description or picture changed) and `group_status_update` (the group was
//! suspended or the suspension lifted). Each event says which by its `type`; a request
//! that failed carries `errors`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::webhook::error::WebhookError;
use crate::webhook::value::Metadata;

/// `value` of the `group_*` fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GroupsValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number that owns the group.
    pub metadata: Option<Metadata>,
    /// The group events.
    pub groups: Vec<GroupEvent>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `groups[]` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GroupEvent {
    /// The group id (absent when creating it failed).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub group_id: Option<String>,
    /// `group_create`, `group_delete`, `group_settings_update`,
    /// `group_add_participants`, `group_remove_participants` (as Meta's OpenAPI
    /// description lists them), join request and status events, ... (every value kept
    /// as received).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// The id of the API request this answers (creation, deletion, settings and
    /// participant changes are asynchronous).
    pub request_id: Option<String>,
    /// The group's subject (its name).
    pub subject: Option<String>,
    /// The group's description.
    pub description: Option<String>,
    /// The invite link (`group_create`).
    pub invite_link: Option<String>,
    /// Whether joining needs approval, as received (`group_create`).
    pub join_approval_mode: Option<String>,
    /// Who started a participant change (`business`, `participant`, ...), as received.
    pub initiated_by: Option<String>,
    /// Why, as received (e.g. how a participant joined).
    pub reason: Option<String>,
    /// Participants added.
    pub added_participants: Vec<GroupParticipant>,
    /// Participants removed or who left.
    pub removed_participants: Vec<GroupParticipant>,
    /// Participants the request could not add or remove, each with its `errors`.
    pub failed_participants: Vec<GroupParticipant>,
    /// The join request, for join request events.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub join_request_id: Option<String>,
    /// The customer concerned by a join request, `wa_id`.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
    /// The customer concerned by a join request, BSUID.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub user_id: Option<String>,
    /// A new group picture (`group_settings_update`).
    pub profile_picture: Option<GroupSettingResult>,
    /// A new subject (`group_settings_update`).
    pub group_subject: Option<GroupSettingResult>,
    /// A new description (`group_settings_update`).
    pub group_description: Option<GroupSettingResult>,
    /// Why the request failed.
    pub errors: Vec<WebhookError>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GroupEvent {
    /// True when Meta reports the request failed (`errors` present).
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// One participant of `added_participants`, `removed_participants` or
/// `failed_participants`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GroupParticipant {
    /// The phone number or id as given in the request.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub input: Option<String>,
    /// The participant's `wa_id`.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
    /// The participant's BSUID.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub user_id: Option<String>,
    /// Why this participant failed (`failed_participants`).
    pub errors: Vec<WebhookError>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The outcome of one setting change of `group_settings_update`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GroupSettingResult {
    /// The new subject or description.
    pub text: Option<String>,
    /// The picture's MIME type.
    pub mime_type: Option<String>,
    /// The picture's SHA-256.
    pub sha256: Option<String>,
    /// Whether the change was applied.
    #[serde(deserialize_with = "crate::de::opt_bool")]
    pub update_successful: Option<bool>,
    /// Why it was not.
    pub errors: Vec<WebhookError>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
