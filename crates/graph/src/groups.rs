//! Groups of the business number (the Groups API): create (`POST
//! /{phone_number_id}/groups`), list the active ones (`GET /{phone_number_id}/groups`),
//! read, change and delete one (`/{group_id}`); participants, join requests and the
//! invite link are in `members`.
//!
//! A group is created asynchronously: the answer is a `request_id`, and the group id
//! arrives in the `group_lifecycle_update` webhook. Limits Meta documents: a subject of
//! at most 128 characters (trimmed), a description of at most 2048, at most 8
//! participants per add or remove request. Meta's refusals come back as
//! [`GraphError::Api`]: 100 (invalid parameter or unknown group), 131215 (groups not
//! enabled for the number), 200 (permission), 4 and 80008 (rate limits).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::{id_arg, to_body, FormPart};

mod members;
pub use members::{
    FailedJoinRequest, GroupInviteLink, JoinRequest, JoinRequestsResult,
    MAX_PARTICIPANTS_PER_REQUEST,
};

/// The most characters of a group subject.
pub const GROUP_SUBJECT_MAX_CHARS: usize = 128;
/// The most characters of a group description.
pub const GROUP_DESCRIPTION_MAX_CHARS: usize = 2048;

/// Who may join through the invite link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JoinApprovalMode {
    /// The business approves each join request.
    ApprovalRequired,
    /// Anyone with the link joins.
    AutoApprove,
}

fn check_subject(s: &str) -> Result<(), ValidationError> {
    let n = char_count(s.trim());
    if n == 0 || n > GROUP_SUBJECT_MAX_CHARS {
        return Err(ValidationError::new(
            "subject",
            format!("group subject is {n} characters; Meta allows 1 to {GROUP_SUBJECT_MAX_CHARS}"),
        ));
    }
    Ok(())
}

fn check_description(s: &str) -> Result<(), ValidationError> {
    let n = char_count(s);
    if n > GROUP_DESCRIPTION_MAX_CHARS {
        return Err(ValidationError::new(
            "description",
            format!("group description is {n} characters; Meta's limit is {GROUP_DESCRIPTION_MAX_CHARS}"),
        ));
    }
    Ok(())
}

/// The body of `POST /{phone_number_id}/groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NewGroup {
    messaging_product: &'static str,
    subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    join_approval_mode: Option<JoinApprovalMode>,
}

impl NewGroup {
    /// A group named `subject` (1 to 128 characters once trimmed).
    pub fn new(subject: impl Into<String>) -> Result<Self, ValidationError> {
        let subject = subject.into();
        check_subject(&subject)?;
        Ok(Self {
            messaging_product: "whatsapp",
            subject,
            description: None,
            join_approval_mode: None,
        })
    }

    /// Its description, at most 2048 characters.
    pub fn description(mut self, d: impl Into<String>) -> Result<Self, ValidationError> {
        let d = d.into();
        check_description(&d)?;
        self.description = Some(d);
        Ok(self)
    }

    /// Who may join through the invite link.
    pub fn join_approval_mode(mut self, m: JoinApprovalMode) -> Self {
        self.join_approval_mode = Some(m);
        self
    }
}

/// Meta's answer to a group creation: the request id that the
/// `group_lifecycle_update` webhook names with the new group's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupCreated {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// The creation request's id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub request_id: Option<String>,
}

/// One active group in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupSummary {
    /// The group id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// Its subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// When it was created, as Meta sends it.
    #[serde(default)]
    pub created_at: Option<Value>,
}

/// One page of `GET /{phone_number_id}/groups`: the groups and the cursor to the next
/// page (`None` on the last).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupsPage {
    /// The groups of this page.
    pub groups: Vec<GroupSummary>,
    /// `paging.cursors.after`, when Meta says there is a next page.
    pub after: Option<String>,
}

#[derive(Deserialize)]
struct RawGroupsPage {
    #[serde(default)]
    data: RawGroups,
    #[serde(default)]
    paging: Option<Value>,
}

#[derive(Deserialize, Default)]
struct RawGroups {
    #[serde(default)]
    groups: Vec<GroupSummary>,
}

/// Meta's answer to `GET /{group_id}`. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupInfo {
    /// The group id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// The subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// `approval_required` or `auto_approve`.
    #[serde(default)]
    pub join_approval_mode: Option<String>,
    /// True when WhatsApp suspended the group.
    #[serde(default, deserialize_with = "crate::de::opt_bool")]
    pub suspended: Option<bool>,
    /// Creation time, Unix seconds.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub creation_timestamp: Option<i64>,
    /// The participants' `wa_id`s (`[{"wa_id": "…"}]`).
    #[serde(default)]
    pub participants: Vec<Value>,
    /// How many participants, the business excluded.
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub total_participant_count: Option<i64>,
    /// Every other field Meta sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The largest group photo Meta takes: 5 MB.
pub const GROUP_PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;

/// The fields [`GraphClient::group_info`] asks for.
pub const GROUP_FIELDS: &str =
    "subject,description,participants,join_approval_mode,suspended,creation_timestamp,total_participant_count";

/// Changes to a group (`POST /{group_id}`): subject and description, as JSON. A new
/// photo goes as `multipart/form-data` instead: [`GraphClient::update_group_photo`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct GroupUpdate {
    /// A new subject, 1 to 128 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A new description, at most 2048 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl GroupUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new subject, 1 to 128 characters.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// A new description, at most 2048 characters.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Checks the limits and that something changes.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.subject.is_none() && self.description.is_none() {
            return Err(ValidationError::new(
                "group",
                "the group update changes nothing",
            ));
        }
        if let Some(s) = &self.subject {
            check_subject(s)?;
        }
        if let Some(d) = &self.description {
            check_description(d)?;
        }
        Ok(())
    }
}

impl GraphClient {
    /// Creates a group (`POST /{phone_number_id}/groups`); the answer's `request_id` is
    /// matched by the `group_lifecycle_update` webhook that brings the group id.
    pub async fn create_group(&self, group: &NewGroup) -> Result<GroupCreated, GraphError> {
        self.write_node(
            Method::POST,
            &[self.phone_number_id(), "groups"],
            &[],
            Some(to_body(group)?),
            "create group answer",
        )
        .await
    }

    /// One page of the number's active groups (`GET /{phone_number_id}/groups`), `limit`
    /// per page, from the cursor `after` of the previous page. Meta answers
    /// `{"data": {"groups": [...]}, "paging": {...}}`, not the usual `data` array.
    pub async fn active_groups(
        &self,
        limit: Option<u32>,
        after: Option<&str>,
    ) -> Result<GroupsPage, GraphError> {
        let limit = limit.map(|l| l.to_string());
        let mut query = Vec::new();
        if let Some(l) = &limit {
            query.push(("limit", l.as_str()));
        }
        if let Some(a) = after {
            query.push(("after", a));
        }
        let raw: RawGroupsPage = self
            .get_node(&[self.phone_number_id(), "groups"], &query, "groups answer")
            .await?;
        let paging = raw.paging.unwrap_or(Value::Null);
        let after = if paging.get("next").is_some() {
            paging
                .pointer("/cursors/after")
                .and_then(Value::as_str)
                .map(str::to_owned)
        } else {
            None
        };
        Ok(GroupsPage {
            groups: raw.data.groups,
            after,
        })
    }

    /// A group's metadata (`GET /{group_id}?fields=…`, the fields of [`GROUP_FIELDS`]).
    pub async fn group_info(&self, group_id: &str) -> Result<GroupInfo, GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.get_node(&[group_id], &[("fields", GROUP_FIELDS)], "group answer")
            .await
    }

    /// Changes a group's subject or description (`POST /{group_id}`).
    pub async fn update_group(
        &self,
        group_id: &str,
        update: &GroupUpdate,
    ) -> Result<(), GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        update.validate()?;
        let mut body = to_body(update)?;
        body["messaging_product"] = Value::from("whatsapp");
        self.write_ack(Method::POST, &[group_id], Some(body), "group update answer")
            .await
    }

    /// Sets the group's photo (`POST /{group_id}` as `multipart/form-data` with the
    /// spec's fields `messaging_product=whatsapp` and `file`): a JPEG of at most 5 MB
    /// ([`GROUP_PHOTO_MAX_BYTES`]), square and at least 192×192 pixels (Meta checks the
    /// size: 131211 when it is not square or too small).
    pub async fn update_group_photo(
        &self,
        group_id: &str,
        jpeg: bytes::Bytes,
    ) -> Result<(), GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        if jpeg.len() > GROUP_PHOTO_MAX_BYTES {
            return Err(ValidationError::new(
                "file",
                format!(
                    "the group photo is {} bytes; Meta's limit is {GROUP_PHOTO_MAX_BYTES}",
                    jpeg.len()
                ),
            )
            .into());
        }
        if !jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(ValidationError::new("file", "the group photo is not a JPEG").into());
        }
        self.write_form_ack(
            &[group_id],
            vec![
                FormPart::Text("messaging_product", "whatsapp".into()),
                FormPart::File("file", "photo.jpg".into(), "image/jpeg", jpeg),
            ],
            "group photo answer",
        )
        .await
    }

    /// Deletes a group and removes everyone from it, the business included
    /// (`DELETE /{group_id}`).
    pub async fn delete_group(&self, group_id: &str) -> Result<(), GraphError> {
        id_arg("group_id", "the group id", group_id)?;
        self.write_ack(Method::DELETE, &[group_id], None, "group delete answer")
            .await
    }
}
