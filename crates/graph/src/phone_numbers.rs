//! The business phone number's life cycle, on `/{phone_number_id}` and its edges:
//! registration (`register`, `deregister`), ownership verification (`request_code`,
//! `verify_code`), the two-step PIN, display name, username and webhook override
//! (`POST /{phone_number_id}`), settings (calling, user identity change, payload
//! encryption, storage: `/settings`) and conversational automation (welcome message,
//! ice breakers, commands: `/conversational_automation`).
//!
//! Each call acts on the number the client was built for
//! ([`GraphClient::phone_number_id`]). The request types check Meta's documented limits
//! before any request and refuse with a [`ValidationError`] naming the field. Meta's
//! refusals come back as [`GraphError::Api`]; the ones the Cloud API documents for these
//! calls are 100 (invalid parameter, e.g. a PIN that is not six digits), 133005 (PIN
//! mismatch), 133006 (the number must be verified before registering), 133008–133010
//! (too many PIN attempts, number not registered), 136024 (verification code expired or
//! wrong), 4 and 80008 (rate limits) and 200 (permission).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::to_body;

mod settings;
pub use settings::{
    BotCommand, CallingSettings, CallingSettingsUpdate, ConversationalAutomation, FeatureStatus,
    PayloadEncryptionSettings, PhoneNumberSettings, PhoneNumberSettingsUpdate,
    StorageConfiguration,
};

/// `s` must be exactly six ASCII digits (the two-step PIN, a verification code).
pub(crate) fn six_digits(field: &str, what: &str, s: &str) -> Result<(), ValidationError> {
    if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!(
                "{what} must be exactly 6 digits (got {} characters)",
                char_count(s)
            ),
        ))
    }
}

/// `{"code_method": …, "language": …}` of a code request, `language` checked to be a
/// `xx_XX` locale.
pub(crate) fn code_request_body(method: CodeMethod, language: &str) -> Result<Value, GraphError> {
    let ok = language.len() == 5
        && language.as_bytes()[2] == b'_'
        && language[..2].bytes().all(|b| b.is_ascii_lowercase())
        && language[3..].bytes().all(|b| b.is_ascii_uppercase());
    if !ok {
        return Err(GraphError::Validation(ValidationError::new(
            "language",
            format!("language {language:?} must be a locale like en_US"),
        )));
    }
    Ok(serde_json::json!({"code_method": method, "language": language}))
}

/// The body of `POST /{phone_number_id}/register`: `{"messaging_product":"whatsapp",
/// "pin":"123456"}`, plus a backup when migrating from the On-Premises API.
///
/// Registering turns the number on for the Cloud API and sets its two-step
/// verification PIN (six digits, [`Registration::new`] checks it). Meta allows 10
/// registration requests per number in 72 hours; beyond that it answers 133016.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Registration {
    messaging_product: &'static str,
    pin: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    backup: Option<RegistrationBackup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_localization_region: Option<String>,
}

/// `backup` of a [`Registration`]: the On-Premises backup to migrate from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct RegistrationBackup {
    password: String,
    data: String,
}

impl Registration {
    /// A registration with the six-digit two-step PIN (a new PIN, or the current one
    /// when the number already has two-step verification).
    pub fn new(pin: impl Into<String>) -> Result<Self, ValidationError> {
        let pin = pin.into();
        six_digits("pin", "the two-step verification PIN", &pin)?;
        Ok(Self {
            messaging_product: "whatsapp",
            pin,
            backup: None,
            data_localization_region: None,
        })
    }

    /// Migrates from the On-Premises API: the backup's `password` and `data`.
    pub fn backup(mut self, password: impl Into<String>, data: impl Into<String>) -> Self {
        self.backup = Some(RegistrationBackup {
            password: password.into(),
            data: data.into(),
        });
        self
    }

    /// Local storage: the ISO 3166 alpha-2 region where Meta keeps messages at rest
    /// (`AE`, `AU`, `BH`, `BR`, `CA`, `CH`, `DE`, `GB`, `ID`, `IN`, `JP`, `KR`, `SG`,
    /// `ZA`). The spec marks it deprecated since v21 in favour of
    /// [`PhoneNumberSettingsUpdate::StorageConfiguration`].
    pub fn data_localization_region(mut self, region: impl Into<String>) -> Self {
        self.data_localization_region = Some(region.into());
        self
    }
}

/// How `POST /{phone_number_id}/request_code` sends the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum CodeMethod {
    /// By SMS.
    Sms,
    /// By a voice call.
    Voice,
}

/// Meta's answer to `POST /{phone_number_id}/verify_code`: `{"success": true, "id": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyCodeResponse {
    /// `true` when the code was right.
    pub success: bool,
    /// The phone number id that was verified, when Meta says it.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
}

/// `search_visibility` of a [`PhoneNumberUpdate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum SearchVisibility {
    /// The business can be found by search.
    Visible,
    /// It cannot.
    Hidden,
}

/// Changes to the number (`POST /{phone_number_id}`); only the fields set are sent.
///
/// Meta takes here the two-step verification PIN (`pin`, six digits), a display name
/// change request (`new_display_name`, 2–75 characters, reviewed by Meta), the business
/// username, search visibility, security notifications and a webhook callback override
/// for this number (`webhook_configuration`; the app must already be subscribed to the
/// WABA). [`PhoneNumberUpdate::validate`] checks those limits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PhoneNumberUpdate {
    fields: Map<String, Value>,
}

impl PhoneNumberUpdate {
    /// No changes yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn set(mut self, k: &str, v: Value) -> Self {
        self.fields.insert(k.into(), v);
        self
    }

    /// Sets or changes the two-step verification PIN (six digits).
    pub fn pin(self, pin: impl Into<String>) -> Self {
        self.set("pin", Value::String(pin.into()))
    }

    /// Requests a new display name (2 to 75 characters); Meta reviews it.
    pub fn new_display_name(self, name: impl Into<String>) -> Self {
        self.set("new_display_name", Value::String(name.into()))
    }

    /// The business username.
    pub fn username(self, username: impl Into<String>) -> Self {
        self.set("username", Value::String(username.into()))
    }

    /// Whether the business can be found by search.
    pub fn search_visibility(self, v: SearchVisibility) -> Self {
        self.set(
            "search_visibility",
            serde_json::to_value(v).unwrap_or(Value::Null),
        )
    }

    /// Security notifications (`whatsapp_business_api_data`): whether to show them, and
    /// whether users are told when the number changes.
    pub fn security_notifications(self, show: bool, notify_user_change_number: bool) -> Self {
        self.set(
            "whatsapp_business_api_data",
            serde_json::json!({
                "show_security_notifications": show,
                "notify_user_change_number": notify_user_change_number,
            }),
        )
    }

    /// Sends this number's webhooks to `override_callback_uri` (an https URL, verified
    /// by Meta with `verify_token` through the GET handshake); an empty URI removes the
    /// override.
    pub fn webhook_override(
        self,
        override_callback_uri: impl Into<String>,
        verify_token: impl Into<String>,
    ) -> Self {
        self.set(
            "webhook_configuration",
            serde_json::json!({
                "override_callback_uri": override_callback_uri.into(),
                "verify_token": verify_token.into(),
            }),
        )
    }

    /// Checks Meta's limits: PIN of six digits, display name of 2 to 75 characters, an
    /// http(s) callback URI, and at least one change.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.fields.is_empty() {
            return Err(ValidationError::new(
                "phone_number",
                "the phone number update changes nothing",
            ));
        }
        if let Some(pin) = self.fields.get("pin").and_then(Value::as_str) {
            six_digits("pin", "the two-step verification PIN", pin)?;
        }
        if let Some(name) = self.fields.get("new_display_name").and_then(Value::as_str) {
            let n = char_count(name);
            if !(2..=75).contains(&n) {
                return Err(ValidationError::new(
                    "new_display_name",
                    format!("display name is {n} characters; Meta allows 2 to 75"),
                ));
            }
        }
        if let Some(uri) = self
            .fields
            .get("webhook_configuration")
            .and_then(|w| w.get("override_callback_uri"))
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
        {
            crate::messages::validation_http_link(
                "webhook_configuration.override_callback_uri",
                "callback URI",
                uri,
            )?;
        }
        Ok(())
    }

    /// The request body: the fields set.
    pub fn to_json(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

impl GraphClient {
    /// Registers the number for the Cloud API (`POST /{phone_number_id}/register`) with
    /// its two-step PIN; needed once before the number can send. Errors Meta documents:
    /// 133005 (PIN mismatch), 133006 (verify the number first), 133016 (more than 10
    /// registrations in 72 hours).
    pub async fn register_phone_number(
        &self,
        registration: &Registration,
    ) -> Result<(), GraphError> {
        self.write_success(
            Method::POST,
            &[self.phone_number_id(), "register"],
            &[],
            Some(to_body(registration)?),
            "register answer",
        )
        .await
    }

    /// Deregisters the number (`POST /{phone_number_id}/deregister`): it stops sending and
    /// receiving on the Cloud API until registered again. Meta refuses numbers of a
    /// WhatsApp Business app (SMB) account.
    pub async fn deregister_phone_number(&self) -> Result<(), GraphError> {
        self.write_success(
            Method::POST,
            &[self.phone_number_id(), "deregister"],
            &[],
            None,
            "deregister answer",
        )
        .await
    }

    /// Asks Meta to send a verification code to the number
    /// (`POST /{phone_number_id}/request_code`), by SMS or voice, in `language` (a
    /// `xx_XX` locale such as `en_US`). Meta rate-limits code requests (136025 and 4).
    pub async fn request_verification_code(
        &self,
        method: CodeMethod,
        language: &str,
    ) -> Result<(), GraphError> {
        let body = code_request_body(method, language)?;
        self.write_success(
            Method::POST,
            &[self.phone_number_id(), "request_code"],
            &[],
            Some(body),
            "request code answer",
        )
        .await
    }

    /// Submits the six-digit code Meta sent (`POST /{phone_number_id}/verify_code`).
    /// A wrong or expired code (valid about 10 minutes) is refused with 136024 or 100.
    pub async fn verify_code(&self, code: &str) -> Result<VerifyCodeResponse, GraphError> {
        six_digits("code", "the verification code", code)?;
        self.write_node(
            Method::POST,
            &[self.phone_number_id(), "verify_code"],
            &[],
            Some(serde_json::json!({"code": code})),
            "verify code answer",
        )
        .await
    }

    /// Changes the number (`POST /{phone_number_id}`): two-step PIN, display name,
    /// username, search visibility, security notifications, webhook override (see
    /// [`PhoneNumberUpdate`]). Meta answers `{"success": true}`.
    pub async fn update_phone_number(&self, update: &PhoneNumberUpdate) -> Result<(), GraphError> {
        update.validate()?;
        self.write_success(
            Method::POST,
            &[self.phone_number_id()],
            &[],
            Some(update.to_json()),
            "phone number update answer",
        )
        .await
    }

    /// Sets or changes the two-step verification PIN (`POST /{phone_number_id}` with
    /// `{"pin": "123456"}`), the same call as [`GraphClient::update_phone_number`].
    pub async fn set_two_step_pin(&self, pin: &str) -> Result<(), GraphError> {
        self.update_phone_number(&PhoneNumberUpdate::new().pin(pin))
            .await
    }
}
