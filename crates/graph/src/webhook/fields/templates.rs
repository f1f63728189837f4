//! Typed `value`s of the webhook fields other than `messages`: template, phone number
//! and account updates, user preferences, calls and groups. Every field is optional
//! (Meta adds and drops fields between versions) and unmodelled fields land in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::WebhookError;
use super::value::{Contact, Metadata};

/// `message_template_status_update`: a template was approved, rejected, paused, ...
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TemplateStatusUpdate {
    /// `APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, `FLAGGED`, `PENDING_DELETION`, ...
    pub event: Option<String>,
    /// Template id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub message_template_id: Option<String>,
    /// Template name.
    pub message_template_name: Option<String>,
    /// Template language (`en_US`, `pt-BR`, ...).
    pub message_template_language: Option<String>,
    /// Template category, when given.
    pub message_template_category: Option<String>,
    /// Rejection reason (`NONE`, `SCAM`, `INVALID_FORMAT`, ... or null).
    pub reason: Option<String>,
    /// Details of a rejection, as received.
    pub rejection_info: Option<Value>,
    /// When a flagged template will be disabled, as received.
    pub disable_info: Option<Value>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `message_template_quality_update`: a template's quality score changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TemplateQualityUpdate {
    /// Previous score (`GREEN`, `YELLOW`, `RED`, `UNKNOWN`).
    pub previous_quality_score: Option<String>,
    /// New score.
    pub new_quality_score: Option<String>,
    /// Template id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub message_template_id: Option<String>,
    /// Template name.
    pub message_template_name: Option<String>,
    /// Template language.
    pub message_template_language: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `template_category_update`: Meta changed (or will change) a template's category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TemplateCategoryUpdate {
    /// Template id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub message_template_id: Option<String>,
    /// Template name.
    pub message_template_name: Option<String>,
    /// Template language.
    pub message_template_language: Option<String>,
    /// Category before.
    pub previous_category: Option<String>,
    /// Category after.
    pub new_category: Option<String>,
    /// Category Meta considers correct, when announced in advance.
    pub correct_category: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `message_template_components_update`: a template's components were edited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct TemplateComponentsUpdate {
    /// Template id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub message_template_id: Option<String>,
    /// Template name.
    pub message_template_name: Option<String>,
    /// Template language.
    pub message_template_language: Option<String>,
    /// Header text.
    pub message_template_title: Option<String>,
    /// Body text.
    pub message_template_element: Option<String>,
    /// Footer text.
    pub message_template_footer: Option<String>,
    /// Buttons, as received.
    pub message_template_buttons: Option<Vec<Value>>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `phone_number_quality_update`: the number's quality or messaging limit changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PhoneNumberQualityUpdate {
    /// The business display number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub display_phone_number: Option<String>,
    /// `FLAGGED`, `UNFLAGGED`, `UPGRADE`, `DOWNGRADE`, `ONBOARDING`, ...
    pub event: Option<String>,
    /// Messaging limit tier (`TIER_1K`, `TIER_10K`, `TIER_UNLIMITED`, ...).
    pub current_limit: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `phone_number_name_update`: the display name review decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PhoneNumberNameUpdate {
    /// The business display number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub display_phone_number: Option<String>,
    /// `APPROVED`, `REJECTED`, `DEFERRED`, ...
    pub decision: Option<String>,
    /// The requested display name.
    pub requested_verified_name: Option<String>,
    /// Why it was rejected, if it was.
    pub rejection_reason: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `account_update`: an event on the WhatsApp Business Account (ban, restriction,
/// violation, partner added, verification, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AccountUpdate {
    /// The event (`ACCOUNT_RESTRICTION`, `DISABLED_UPDATE`, `VERIFIED_ACCOUNT`, ...).
    pub event: Option<String>,
    /// The phone number concerned, when the event is about one.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub phone_number: Option<String>,
    /// Ban details, as received.
    pub ban_info: Option<Value>,
    /// Restriction details, as received.
    pub restriction_info: Option<Value>,
    /// Violation details, as received.
    pub violation_info: Option<Value>,
    /// Fields not modelled here (`waba_info`, `country`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `account_review_update`: the business account review decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AccountReviewUpdate {
    /// `APPROVED`, `REJECTED`, `PENDING`, `DEFERRED`.
    pub decision: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `user_preferences`: a customer stopped or resumed marketing messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct UserPreferencesValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number.
    pub metadata: Option<Metadata>,
    /// The customers concerned.
    pub contacts: Vec<Contact>,
    /// The preference changes.
    pub user_preferences: Vec<UserPreference>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `user_preferences[]` item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct UserPreference {
    /// The customer's `wa_id`.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub wa_id: Option<String>,
    /// The customer's BSUID.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub user_id: Option<String>,
    /// Human-readable detail.
    pub detail: Option<String>,
    /// `marketing_messages`, or a category not known yet.
    pub category: Option<String>,
    /// `stop`, `resume`, `signup`, ...
    pub value: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `calls`: WhatsApp Business Calling events and call statuses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CallsValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number.
    pub metadata: Option<Metadata>,
    /// The customers concerned.
    pub contacts: Vec<Contact>,
    /// Call events (`connect`, `terminate`).
    pub calls: Vec<Call>,
    /// Call statuses (`RINGING`, `ACCEPTED`, `REJECTED`).
    pub statuses: Vec<CallStatus>,
    /// Value-level errors.
    pub errors: Vec<WebhookError>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `calls[]` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Call {
    /// Call id (`wacid....`).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// Caller.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub from: Option<String>,
    /// Callee.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub to: Option<String>,
    /// `connect`, `terminate`, ...
    pub event: Option<String>,
    /// `USER_INITIATED` or `BUSINESS_INITIATED`.
    pub direction: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// Final status on `terminate` (`COMPLETED`, `FAILED`).
    pub status: Option<String>,
    /// Duration in seconds on `terminate`.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub duration: Option<i64>,
    /// Echo of the value given when the call was started.
    pub biz_opaque_callback_data: Option<String>,
    /// SDP session, as received.
    pub session: Option<Value>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `statuses[]` item of the `calls` field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CallStatus {
    /// Call id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
    /// `call`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `RINGING`, `ACCEPTED`, `REJECTED`, ...
    pub status: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// The customer's `wa_id`.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub recipient_id: Option<String>,
    /// Echo of the value given when the call was started.
    pub biz_opaque_callback_data: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `group_lifecycle_update`, `group_participants_update`, `group_settings_update`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GroupsValue {
    /// Always `whatsapp`.
    pub messaging_product: Option<String>,
    /// The business number.
    pub metadata: Option<Metadata>,
    /// The group events.
    pub groups: Vec<GroupEvent>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `groups[]` event. Participants and settings are kept in `extra` as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GroupEvent {
    /// The group id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub group_id: Option<String>,
    /// `group_create`, `group_delete`, `group_settings_update`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// When, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub timestamp: Option<i64>,
    /// The request this answers.
    pub request_id: Option<String>,
    /// Fields not modelled here (`subject`, `added_participants`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
