//! The business number and its account: number details (`GET /{phone_number_id}`),
//! the business profile (`/{phone_number_id}/whatsapp_business_profile`), blocking
//! users (`/{phone_number_id}/block_users`), and the paging shared by list calls.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::{excerpt, GraphClient, Payload};
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::retry::RequestKind;

/// The most pages a list call follows before giving up (a loop guard).
const MAX_PAGES: usize = 1000;

/// `{"success": true}`, or a decode error naming `what`.
pub(crate) fn expect_success(status: u16, body: &[u8], what: &str) -> Result<(), GraphError> {
    let v: Value = GraphClient::decode(status, body, what)?;
    match v.get("success").and_then(Value::as_bool) {
        Some(true) => Ok(()),
        _ => Err(GraphError::Decode {
            status,
            message: format!(
                "{what}: Meta did not answer success=true; body starts {}",
                excerpt(body)
            ),
        }),
    }
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    next: Option<String>,
}

impl GraphClient {
    /// GETs `url` and every page after it (`paging.next`), refusing a `next` URL that
    /// leaves the configured Graph origin (the token would go with it).
    pub(crate) async fn get_all_pages<T: DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Vec<T>, GraphError> {
        let mut out = Vec::new();
        let (status, body) = self
            .execute(
                reqwest::Method::GET,
                url,
                query,
                &Payload::None,
                RequestKind::Read,
                None,
            )
            .await?;
        let mut page: Page<T> = Self::decode(status, &body, what)?;
        let mut seen = vec![url.to_owned()];
        for _ in 0..MAX_PAGES {
            out.append(&mut page.data);
            let Some(next) = page.paging.and_then(|p| p.next) else {
                return Ok(out);
            };
            let same_origin = url::Url::parse(&next)
                .map(|u| u.origin() == self.inner.base_origin)
                .unwrap_or(false);
            if !same_origin {
                return Err(GraphError::Decode {
                    status,
                    message: format!(
                        "{what}: paging.next leaves the configured Graph host; not followed"
                    ),
                });
            }
            if seen.contains(&next) {
                return Ok(out);
            }
            let (status, body) = self
                .execute(
                    reqwest::Method::GET,
                    &next,
                    &[],
                    &Payload::None,
                    RequestKind::Read,
                    None,
                )
                .await?;
            page = Self::decode(status, &body, what)?;
            seen.push(next);
        }
        Err(GraphError::Decode {
            status,
            message: format!("{what}: more than {MAX_PAGES} pages; stopped"),
        })
    }
}

/// `throughput` of a phone number: `{"level": "STANDARD" | "HIGH" | "NOT_APPLICABLE"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Throughput {
    /// `STANDARD` (80 messages/s), `HIGH` (up to 1000), `NOT_APPLICABLE`, ...
    #[serde(default)]
    pub level: Option<String>,
}

/// `GET /{phone_number_id}`: the business number's details. Unknown fields are
/// kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhoneNumberDetails {
    /// The phone number id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// The number as shown, e.g. `+1 555-555-5555`.
    #[serde(default)]
    pub display_phone_number: Option<String>,
    /// The approved display name.
    #[serde(default)]
    pub verified_name: Option<String>,
    /// `GREEN`, `YELLOW`, `RED` or `UNKNOWN`.
    #[serde(default)]
    pub quality_rating: Option<String>,
    /// `VERIFIED`, `NOT_VERIFIED`, `EXPIRED`.
    #[serde(default)]
    pub code_verification_status: Option<String>,
    /// Display name review status (`APPROVED`, `AVAILABLE_WITHOUT_REVIEW`, ...).
    #[serde(default)]
    pub name_status: Option<String>,
    /// `CLOUD_API`, `ON_PREMISE`, `NOT_APPLICABLE`.
    #[serde(default)]
    pub platform_type: Option<String>,
    /// The number's throughput level.
    #[serde(default)]
    pub throughput: Option<Throughput>,
    /// Business-initiated conversation tier, e.g. `TIER_1K`.
    #[serde(default)]
    pub messaging_limit_tier: Option<String>,
    /// `CONNECTED`, `PENDING`, `FLAGGED`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// `LIVE` or `SANDBOX`.
    #[serde(default)]
    pub account_mode: Option<String>,
    /// Every other field Meta sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The fields [`GraphClient::phone_number_details`] asks for.
pub const PHONE_NUMBER_FIELDS: &str = "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,platform_type,throughput,messaging_limit_tier,status,account_mode";

/// The business profile (`whatsapp_business_profile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct BusinessProfile {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// The "About" text (≤ 139 characters).
    #[serde(default)]
    pub about: Option<String>,
    /// Address (≤ 256 characters).
    #[serde(default)]
    pub address: Option<String>,
    /// Description (≤ 512 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Contact email (≤ 128 characters).
    #[serde(default)]
    pub email: Option<String>,
    /// Profile picture URL (read only).
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    /// Up to 2 websites.
    #[serde(default)]
    pub websites: Vec<String>,
    /// Industry, e.g. `RESTAURANT`, `RETAIL`, `OTHER`.
    #[serde(default)]
    pub vertical: Option<String>,
}

/// The fields [`GraphClient::business_profile`] asks for.
pub const BUSINESS_PROFILE_FIELDS: &str =
    "about,address,description,email,profile_picture_url,websites,vertical";

/// Changes to the business profile; only the fields set are sent. Meta's limits are
/// checked by [`BusinessProfileUpdate::validate`]: about 1–139 characters, address ≤ 256,
/// description ≤ 512, email ≤ 128, at most 2 websites of ≤ 256 characters (http/https).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BusinessProfileUpdate {
    fields: Map<String, Value>,
}

impl BusinessProfileUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn set(mut self, k: &str, v: impl Into<String>) -> Self {
        self.fields.insert(k.into(), Value::String(v.into()));
        self
    }

    /// The "About" text, 1 to 139 characters.
    pub fn about(self, v: impl Into<String>) -> Self {
        self.set("about", v)
    }

    /// The address, at most 256 characters.
    pub fn address(self, v: impl Into<String>) -> Self {
        self.set("address", v)
    }

    /// The description, at most 512 characters.
    pub fn description(self, v: impl Into<String>) -> Self {
        self.set("description", v)
    }

    /// The contact email, at most 128 characters.
    pub fn email(self, v: impl Into<String>) -> Self {
        self.set("email", v)
    }

    /// The industry (`vertical`), e.g. `RESTAURANT`.
    pub fn vertical(self, v: impl Into<String>) -> Self {
        self.set("vertical", v)
    }

    /// A new profile picture, by the handle of a resumable upload.
    pub fn profile_picture_handle(self, v: impl Into<String>) -> Self {
        self.set("profile_picture_handle", v)
    }

    /// The websites (at most 2), replacing the current ones.
    pub fn websites(mut self, sites: Vec<String>) -> Self {
        self.fields.insert(
            "websites".into(),
            Value::Array(sites.into_iter().map(Value::String).collect()),
        );
        self
    }

    /// Checks Meta's limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        use crate::messages::char_count;
        let lim = |k: &str, min: usize, max: usize| -> Result<(), ValidationError> {
            if let Some(s) = self.fields.get(k).and_then(Value::as_str) {
                let n = char_count(s);
                if n < min || n > max {
                    return Err(ValidationError::new(
                        k,
                        format!(
                            "business profile {k} is {n} characters; Meta allows {min} to {max}"
                        ),
                    ));
                }
            }
            Ok(())
        };
        lim("about", 1, 139)?;
        lim("address", 0, 256)?;
        lim("description", 0, 512)?;
        lim("email", 0, 128)?;
        if let Some(Value::Array(sites)) = self.fields.get("websites") {
            if sites.len() > 2 {
                return Err(ValidationError::new(
                    "websites",
                    format!("{} websites; Meta's limit is 2", sites.len()),
                ));
            }
            for s in sites.iter().filter_map(Value::as_str) {
                crate::messages::validation_http_link("websites", "website", s)?;
                if char_count(s) > 256 {
                    return Err(ValidationError::new(
                        "websites",
                        format!("website {s:?} is over Meta's limit of 256 characters"),
                    ));
                }
            }
        }
        if self.fields.is_empty() {
            return Err(ValidationError::new(
                "business_profile",
                "the profile update changes nothing",
            ));
        }
        Ok(())
    }

    /// The request body: `{"messaging_product":"whatsapp", ...fields}`.
    pub fn to_json(&self) -> Value {
        let mut m = self.fields.clone();
        m.insert("messaging_product".into(), json!("whatsapp"));
        Value::Object(m)
    }
}

/// A user in a block or unblock answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlockedUser {
    /// What was sent as `user`.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub input: Option<String>,
    /// The user's WhatsApp id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
    /// Why it failed (in `failed_users`): Meta's error objects, raw.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Value>,
}

/// `block_users` of a block or unblock answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct BlockUsersResult {
    /// Users now blocked.
    #[serde(default)]
    pub added_users: Vec<BlockedUser>,
    /// Users now unblocked.
    #[serde(default)]
    pub removed_users: Vec<BlockedUser>,
    /// Users Meta could not block or unblock (e.g. no message from them in 24 h).
    #[serde(default)]
    pub failed_users: Vec<BlockedUser>,
}

/// Meta's answer to `POST`/`DELETE /{phone_number_id}/block_users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct BlockUsersResponse {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// Who was (un)blocked and who failed.
    #[serde(default)]
    pub block_users: BlockUsersResult,
}

/// One entry of `GET /{phone_number_id}/block_users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BlockedUserEntry {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// The blocked user's WhatsApp id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
}

fn block_body(users: &[&str]) -> Result<Value, GraphError> {
    if users.is_empty() {
        return Err(GraphError::Validation(ValidationError::new(
            "block_users",
            "no user to block or unblock",
        )));
    }
    for u in users {
        if u.trim().is_empty() || u.chars().any(char::is_whitespace) {
            return Err(GraphError::Validation(ValidationError::new(
                "block_users.user",
                format!("user {u:?} must be a phone number or wa_id without spaces"),
            )));
        }
    }
    Ok(json!({
        "messaging_product": "whatsapp",
        "block_users": users.iter().map(|u| json!({"user": u})).collect::<Vec<_>>(),
    }))
}

impl GraphClient {
    /// The business number's details (`GET /{phone_number_id}?fields=...`): quality
    /// rating, throughput level, verified name, messaging tier, status.
    pub async fn phone_number_details(&self) -> Result<PhoneNumberDetails, GraphError> {
        let url = self.node_url(&[self.phone_number_id()]);
        let (status, body) = self
            .execute(
                reqwest::Method::GET,
                &url,
                &[("fields", PHONE_NUMBER_FIELDS)],
                &Payload::None,
                RequestKind::Read,
                None,
            )
            .await?;
        Self::decode(status, &body, "phone number answer")
    }

    /// The business profile (`GET /{phone_number_id}/whatsapp_business_profile`).
    /// Accepts both documented shapes, `{"data":[{...}]}` and
    /// `{"data":[{"business_profile":{...}}]}`.
    pub async fn business_profile(&self) -> Result<BusinessProfile, GraphError> {
        let url = self.node_url(&[self.phone_number_id(), "whatsapp_business_profile"]);
        let (status, body) = self
            .execute(
                reqwest::Method::GET,
                &url,
                &[("fields", BUSINESS_PROFILE_FIELDS)],
                &Payload::None,
                RequestKind::Read,
                None,
            )
            .await?;
        parse_business_profile(status, &body)
    }

    /// Updates the business profile (`POST /{phone_number_id}/whatsapp_business_profile`).
    pub async fn update_business_profile(
        &self,
        update: &BusinessProfileUpdate,
    ) -> Result<(), GraphError> {
        update.validate()?;
        let url = self.node_url(&[self.phone_number_id(), "whatsapp_business_profile"]);
        let (status, body) = self
            .execute(
                reqwest::Method::POST,
                &url,
                &[],
                &Payload::Json(update.to_json()),
                RequestKind::Write,
                None,
            )
            .await?;
        expect_success(status, &body, "business profile update")
    }

    /// Blocks users (`POST /{phone_number_id}/block_users`); each is a phone number or
    /// `wa_id`. Meta only blocks users who messaged the business in the last 24 hours;
    /// the others come back in `failed_users`.
    pub async fn block_users(&self, users: &[&str]) -> Result<BlockUsersResponse, GraphError> {
        let url = self.node_url(&[self.phone_number_id(), "block_users"]);
        let (status, body) = self
            .execute(
                reqwest::Method::POST,
                &url,
                &[],
                &Payload::Json(block_body(users)?),
                RequestKind::Write,
                None,
            )
            .await?;
        Self::decode(status, &body, "block users answer")
    }

    /// Unblocks users (`DELETE /{phone_number_id}/block_users` with the same body).
    pub async fn unblock_users(&self, users: &[&str]) -> Result<BlockUsersResponse, GraphError> {
        let url = self.node_url(&[self.phone_number_id(), "block_users"]);
        let (status, body) = self
            .execute(
                reqwest::Method::DELETE,
                &url,
                &[],
                &Payload::Json(block_body(users)?),
                RequestKind::Write,
                None,
            )
            .await?;
        Self::decode(status, &body, "unblock users answer")
    }

    /// Every blocked user (`GET /{phone_number_id}/block_users`, all pages).
    pub async fn blocked_users(&self) -> Result<Vec<BlockedUserEntry>, GraphError> {
        let url = self.node_url(&[self.phone_number_id(), "block_users"]);
        self.get_all_pages(&url, &[], "blocked users answer").await
    }
}

/// Parses a business profile answer in either documented shape.
pub fn parse_business_profile(status: u16, body: &[u8]) -> Result<BusinessProfile, GraphError> {
    let v: Value = GraphClient::decode(status, body, "business profile answer")?;
    let first = v
        .get("data")
        .and_then(Value::as_array)
        .and_then(|d| d.first())
        .ok_or_else(|| GraphError::Decode {
            status,
            message: format!(
                "business profile answer has no data[0]; body starts {}",
                excerpt(body)
            ),
        })?;
    let inner = first.get("business_profile").unwrap_or(first);
    BusinessProfile::deserialize(inner).map_err(|e| GraphError::Decode {
        status,
        message: format!("business profile answer: {e}"),
    })
}

/// Meta's bare acknowledgement `{"success": true}` (media and template deletes,
/// profile updates, registrations, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SuccessResponse {
    /// `true` when Meta did it.
    pub success: bool,
}
