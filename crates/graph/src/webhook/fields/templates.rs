//! `value`s of the template fields: `message_template_status_update`,
//! `message_template_quality_update`, `template_category_update` and
//! `message_template_components_update` (Cloud API webhook reference, one page per field).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
