//! The number's settings (`GET`/`POST /{phone_number_id}/settings`) and its
//! conversational automation (`POST /{phone_number_id}/conversational_automation`).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};
use crate::node::to_body;

/// `enabled` or `disabled`, as the settings spell a feature's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FeatureStatus {
    /// On.
    Enabled,
    /// Off.
    Disabled,
}

/// `calling` of [`PhoneNumberSettings`] (the Calling API). Unknown fields are kept in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallingSettings {
    /// `enabled` or `disabled`.
    #[serde(default)]
    pub status: Option<String>,
    /// `visible` or `hidden`: the call button in the chat.
    #[serde(default)]
    pub call_icon_visibility: Option<String>,
    /// Whether users are asked for call-back permission: `enabled` or `disabled`.
    #[serde(default)]
    pub callback_permission_status: Option<String>,
    /// `DTLS-SRTP` or `SDES-SRTP`.
    #[serde(default)]
    pub srtp_key_exchange_protocol: Option<String>,
    /// SIP settings (`status`, `servers` with `hostname`, `port`, and `password` when
    /// asked for with `include_sip_credentials`), raw.
    #[serde(default)]
    pub sip: Option<Value>,
    /// Every other field: `ip_addresses`, `call_hours`, `call_icons`, `video`, `audio`,
    /// `restrictions`, ...
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `payload_encryption` of [`PhoneNumberSettings`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayloadEncryptionSettings {
    /// `enabled` or `disabled`.
    #[serde(default)]
    pub status: Option<String>,
    /// The fingerprint of the business's key, when enabled.
    #[serde(default)]
    pub client_encryption_key_fingerprint: Option<String>,
    /// Meta's key, when enabled.
    #[serde(default)]
    pub cloud_encryption_key: Option<String>,
}

/// `storage_configuration` of [`PhoneNumberSettings`] (local storage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StorageConfiguration {
    /// `default` or `in_country_storage_enabled`.
    #[serde(default)]
    pub status: Option<String>,
    /// The region messages are stored in, when in-country storage is on.
    #[serde(default)]
    pub data_localization_region: Option<String>,
}

/// Meta's answer to `GET /{phone_number_id}/settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PhoneNumberSettings {
    /// Calling settings.
    #[serde(default)]
    pub calling: Option<CallingSettings>,
    /// Payload encryption settings.
    #[serde(default)]
    pub payload_encryption: Option<PayloadEncryptionSettings>,
    /// Where messages are stored.
    #[serde(default)]
    pub storage_configuration: Option<StorageConfiguration>,
    /// Every other field Meta sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `calling` of a settings change. `status` is required; the rest is sent when set.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CallingSettingsUpdate {
    status: FeatureStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_icon_visibility: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    video: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sip: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    srtp_key_exchange_protocol: Option<String>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl CallingSettingsUpdate {
    /// Calling on or off.
    pub fn new(status: FeatureStatus) -> Self {
        Self {
            status,
            call_icon_visibility: None,
            video: None,
            sip: None,
            srtp_key_exchange_protocol: None,
            other: Map::new(),
        }
    }

    /// Shows or hides the call button in the chat (`visible` / `hidden`).
    pub fn call_icon_visible(mut self, visible: bool) -> Self {
        self.call_icon_visibility = Some(if visible { "visible" } else { "hidden" });
        self
    }

    /// Video calls on or off (`video.status`).
    pub fn video(mut self, status: FeatureStatus) -> Self {
        self.video = Some(serde_json::json!({ "status": status }));
        self
    }

    /// SIP on or off (`sip.status`), with the SRTP key exchange protocol (`DTLS-SRTP`
    /// or `SDES-SRTP`) when given.
    pub fn sip(mut self, status: FeatureStatus, srtp: Option<&str>) -> Self {
        self.sip = Some(serde_json::json!({ "status": status }));
        self.srtp_key_exchange_protocol = srtp.map(str::to_owned);
        self
    }

    /// Any other calling field Meta documents (`callback_permission_status`,
    /// `call_hours`, `call_icons`, `sip` with servers, ...), as Meta spells it.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.other.insert(name.into(), value);
        self
    }
}

/// One change of `POST /{phone_number_id}/settings`: Meta takes one feature per request,
/// so each variant is one request, e.g. `{"user_identity_change": {"enabled": true}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhoneNumberSettingsUpdate {
    /// Calling (the Calling API).
    Calling(CallingSettingsUpdate),
    /// Whether webhooks say when a user changes their number or business-scoped id.
    UserIdentityChange {
        /// On or off.
        enabled: bool,
    },
    /// Payload encryption; enabling needs the business's public key (base64 PEM).
    PayloadEncryption {
        /// On or off.
        status: FeatureStatus,
        /// The base64 public key, required to enable.
        #[serde(skip_serializing_if = "Option::is_none")]
        client_encryption_key: Option<String>,
    },
    /// Local storage of messages at rest.
    StorageConfiguration {
        /// On or off.
        enabled: bool,
        /// The region, when enabled.
        #[serde(skip_serializing_if = "Option::is_none")]
        region: Option<String>,
    },
}

/// One bot command of [`ConversationalAutomation`]: `/name` and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BotCommand {
    /// The name without the slash: letters, digits and `_`, at most 30 characters.
    pub command_name: String,
    /// What the command does, at most 256 characters.
    pub command_description: String,
}

impl BotCommand {
    /// A command, checked when the automation is sent.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            command_name: name.into(),
            command_description: description.into(),
        }
    }
}

/// The body of `POST /{phone_number_id}/conversational_automation`: the welcome message
/// switch, up to 3 ice breakers (`prompts`) and up to 30 commands. Only the parts set
/// are sent; an empty list clears that part.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct ConversationalAutomation {
    /// Whether WhatsApp sends a `request_welcome` webhook on a user's first contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_welcome_message: Option<bool>,
    /// Ice breakers shown to users, at most 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompts: Option<Vec<String>>,
    /// Commands, at most 30, names unique.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commands: Option<Vec<BotCommand>>,
}

impl ConversationalAutomation {
    /// Nothing set yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns the welcome message on or off.
    pub fn enable_welcome_message(mut self, on: bool) -> Self {
        self.enable_welcome_message = Some(on);
        self
    }

    /// The ice breakers (at most 3); an empty list removes them.
    pub fn prompts(mut self, prompts: Vec<String>) -> Self {
        self.prompts = Some(prompts);
        self
    }

    /// The commands (at most 30); an empty list removes them.
    pub fn commands(mut self, commands: Vec<BotCommand>) -> Self {
        self.commands = Some(commands);
        self
    }

    /// Checks the spec's limits: ≤ 3 prompts, ≤ 30 commands, names of letters, digits
    /// and `_` up to 30 characters and unique, descriptions up to 256.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(p) = &self.prompts {
            if p.len() > 3 {
                return Err(ValidationError::new(
                    "prompts",
                    format!("{} prompts; Meta's limit is 3", p.len()),
                ));
            }
        }
        let mut seen = HashSet::new();
        for c in self.commands.iter().flatten() {
            let name = &c.command_name;
            let ok = !name.is_empty()
                && name.len() <= 30
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                return Err(ValidationError::new(
                    "commands.command_name",
                    format!("command name {name:?} must be 1 to 30 letters, digits or _"),
                ));
            }
            if !seen.insert(name.as_str()) {
                return Err(ValidationError::new(
                    "commands.command_name",
                    format!("command name {name:?} appears twice"),
                ));
            }
            let n = char_count(&c.command_description);
            if n == 0 || n > 256 {
                return Err(ValidationError::new(
                    "commands.command_description",
                    format!("command description is {n} characters; Meta allows 1 to 256"),
                ));
            }
        }
        if let Some(c) = &self.commands {
            if c.len() > 30 {
                return Err(ValidationError::new(
                    "commands",
                    format!("{} commands; Meta's limit is 30", c.len()),
                ));
            }
        }
        Ok(())
    }
}

impl GraphClient {
    /// The number's settings (`GET /{phone_number_id}/settings`): calling, payload
    /// encryption, storage. `include_sip_credentials` adds SIP passwords (it needs
    /// additional permissions).
    pub async fn phone_number_settings(
        &self,
        include_sip_credentials: bool,
    ) -> Result<PhoneNumberSettings, GraphError> {
        let query: &[(&str, &str)] = if include_sip_credentials {
            &[("include_sip_credentials", "true")]
        } else {
            &[]
        };
        self.get_node(
            &[self.phone_number_id(), "settings"],
            query,
            "phone number settings answer",
        )
        .await
    }

    /// Changes one feature of the number's settings (`POST /{phone_number_id}/settings`);
    /// Meta answers `{"success": true}` and refuses more than one feature per request.
    pub async fn update_phone_number_settings(
        &self,
        update: &PhoneNumberSettingsUpdate,
    ) -> Result<(), GraphError> {
        self.write_success(
            Method::POST,
            &[self.phone_number_id(), "settings"],
            &[],
            Some(to_body(update)?),
            "phone number settings answer",
        )
        .await
    }

    /// Sets the welcome message, ice breakers and commands
    /// (`POST /{phone_number_id}/conversational_automation`), checked first by
    /// [`ConversationalAutomation::validate`].
    pub async fn configure_conversational_automation(
        &self,
        automation: &ConversationalAutomation,
    ) -> Result<(), GraphError> {
        automation.validate()?;
        self.write_success(
            Method::POST,
            &[self.phone_number_id(), "conversational_automation"],
            &[],
            Some(to_body(automation)?),
            "conversational automation answer",
        )
        .await
    }
}
