//! Who is in a group: participants (`/{group_id}/participants`), join requests
//! (`/{group_id}/join_requests`) and the invite link (`/{group_id}/invite_link`).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::node::id_arg;

/// The most participants one add or remove request may name.
pub const MAX_PARTICIPANTS_PER_REQUEST: usize = 8;

/// An open request to join a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JoinRequest {
    /// The request's id, to approve or reject it.
    #[serde(deserialize_with = "crate::de::id")]
    pub join_request_id: String,
    /// Who asked.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
    /// When, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub creation_timestamp: Option<i64>,
}

/// A join request Meta could not approve or reject, with its errors (raw).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailedJoinRequest {
    /// The request's id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub join_request_id: Option<String>,
    /// Meta's error objects (`code`, `message`, `title`, `error_data.details`).
    #[serde(default)]
    pub errors: Vec<Value>,
}

/// Meta's answer to approving or rejecting join requests.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JoinRequestsResult {
    /// The ids approved (when approving).
    #[serde(default)]
    pub approved_join_requests: Vec<String>,
    /// The ids rejected (when rejecting).
    #[serde(default)]
    pub rejected_join_requests: Vec<String>,
    /// The ids that failed, with why.
    #[serde(default)]
    pub failed_join_requests: Vec<FailedJoinRequest>,
    /// Errors of the whole request.
    #[serde(default)]
    pub errors: Vec<Value>,
}

/// Meta's answer to `POST /{group_id}/invite_link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupInviteLink {
    /// The link, e.g. `https://chat.whatsapp.com/…`.
    pub invite_link: String,
}

fn users_body(users: &[&str]) -> Result<Value, GraphError> {
    if users.is_empty() || users.len() > MAX_PARTICIPANTS_PER_REQUEST {
        return Err(GraphError::Validation(ValidationError::new(
            "participants",
            format!(
                "{} participants; Meta takes 1 to {MAX_PARTICIPANTS_PER_REQUEST} per request",
                users.len()
            ),
        )));
    }
    for u in users {
        id_arg("participants.user", "the participant", u)?;
    }
    Ok(json!({
        "messaging_product": "whatsapp",
        "participants": users.iter().map(|u| json!({"user": u})).collect::<Vec<_>>(),
    }))
}

fn join_body(ids: &[&str]) -> Result<Value, GraphError> {
    if ids.is_empty() {
        return Err(GraphError::Validation(ValidationError::new(
            "join_requests",
            "no join request to answer",
        )));
    }
    for id in ids {
        id_arg("join_requests", "the join request id", id)?;
    }
    Ok(json!({"messaging_product": "whatsapp", "join_requests": ids}))
}

impl GraphClient {
    /// Adds up to 8 participants, each a phone number or `wa_id`
    /// (`POST /{group_id}/participants`).
    pub async fn add_group_participants(
        &self,
        group_id: &str,
        users: &[&str],
    ) -> Result<(), GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.write_ack(
            Method::POST,
            &[group_id, "participants"],
            Some(users_body(users)?),
            "add participants answer",
        )
        .await
    }

    /// Removes up to 8 participants (`DELETE /{group_id}/participants`).
    pub async fn remove_group_participants(
        &self,
        group_id: &str,
        users: &[&str],
    ) -> Result<(), GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.write_ack(
            Method::DELETE,
            &[group_id, "participants"],
            Some(users_body(users)?),
            "remove participants answer",
        )
        .await
    }

    /// The open join requests of a group (`GET /{group_id}/join_requests`, all pages).
    pub async fn group_join_requests(
        &self,
        group_id: &str,
    ) -> Result<Vec<JoinRequest>, GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        let url = self.node_url(&[group_id, "join_requests"]);
        self.get_all_pages(&url, &[], "join requests answer").await
    }

    /// Approves join requests by id (`POST /{group_id}/join_requests`); the ones Meta
    /// could not approve are in `failed_join_requests`.
    pub async fn approve_join_requests(
        &self,
        group_id: &str,
        ids: &[&str],
    ) -> Result<JoinRequestsResult, GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.write_node(
            Method::POST,
            &[group_id, "join_requests"],
            &[],
            Some(join_body(ids)?),
            "approve join requests answer",
        )
        .await
    }

    /// Rejects join requests by id (`DELETE /{group_id}/join_requests`).
    pub async fn reject_join_requests(
        &self,
        group_id: &str,
        ids: &[&str],
    ) -> Result<JoinRequestsResult, GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.write_node(
            Method::DELETE,
            &[group_id, "join_requests"],
            &[],
            Some(join_body(ids)?),
            "reject join requests answer",
        )
        .await
    }

    /// The group's current invite link (`GET /{group_id}/invite_link`, Meta's "Get group
    /// invite link": `{"messaging_product": "whatsapp", "invite_link": "https://chat.whatsapp.com/…"}`).
    pub async fn group_invite_link(&self, group_id: &str) -> Result<GroupInviteLink, GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.get_node(&[group_id, "invite_link"], &[], "invite link answer")
            .await
    }

    /// Creates a new invite link for the group, replacing the old one
    /// (`POST /{group_id}/invite_link`).
    pub async fn create_group_invite_link(
        &self,
        group_id: &str,
    ) -> Result<GroupInviteLink, GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.write_node(
            Method::POST,
            &[group_id, "invite_link"],
            &[],
            Some(json!({"messaging_product": "whatsapp"})),
            "invite link answer",
        )
        .await
    }

    /// Deletes the group's invite link (`DELETE /{group_id}/invite_link`); the spec
    /// gives `success` as a string, so `"true"` and `true` are both accepted.
    pub async fn delete_group_invite_link(&self, group_id: &str) -> Result<(), GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.write_ack(
            Method::DELETE,
            &[group_id, "invite_link"],
            Some(json!({"messaging_product": "whatsapp"})),
            "invite link delete answer",
        )
        .await
    }
}
