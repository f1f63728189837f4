//! Reads and writes of nodes known by their own id rather than through the configured
//! number or WABA: a business profile (`/{business_profile_id}`), a business bot
//! (`/{bot_id}`, the conversational automation of a number) and an account number
//! (`/{account_number_id}`).
//!
//! Refusals: 100 (unknown id or field), 200 (permission), 4 and 80008 (rate limits).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::account::{BusinessProfile, BusinessProfileUpdate, PhoneNumberDetails};
use crate::client::GraphClient;
use crate::error::GraphError;
use crate::node::id_arg;
use crate::phone_numbers::BotCommand;

/// A business profile read by its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BusinessProfileNode {
    /// The profile's id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// The business account's name (1 to 75 characters).
    #[serde(default)]
    pub account_name: Option<String>,
    /// The profile's fields.
    #[serde(flatten)]
    pub profile: BusinessProfile,
}

/// A business bot: a number's welcome message, ice breakers and commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BusinessBot {
    /// The bot's id.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
    /// The ice breakers.
    #[serde(default)]
    pub prompts: Vec<String>,
    /// The commands.
    #[serde(default)]
    pub commands: Vec<BotCommand>,
    /// Whether the welcome message is on.
    #[serde(default, deserialize_with = "crate::de::opt_bool")]
    pub enable_welcome_message: Option<bool>,
}

/// The fields [`GraphClient::business_profile_by_id`] asks for.
pub const BUSINESS_PROFILE_NODE_FIELDS: &str =
    "id,account_name,about,address,description,email,profile_picture_url,websites,vertical";

impl GraphClient {
    /// A business profile by its id (`GET /{business_profile_id}?fields=…`).
    pub async fn business_profile_by_id(
        &self,
        profile_id: &str,
    ) -> Result<BusinessProfileNode, GraphError> {
        id_arg("profile_id", "the business profile id", profile_id)?;
        self.get_node(
            &[profile_id],
            &[("fields", BUSINESS_PROFILE_NODE_FIELDS)],
            "business profile answer",
        )
        .await
    }

    /// Updates a business profile by its id (`POST /{business_profile_id}`), with the
    /// same fields and limits as [`GraphClient::update_business_profile`].
    pub async fn update_business_profile_by_id(
        &self,
        profile_id: &str,
        update: &BusinessProfileUpdate,
    ) -> Result<(), GraphError> {
        id_arg("profile_id", "the business profile id", profile_id)?;
        update.validate()?;
        self.write_success(
            Method::POST,
            &[profile_id],
            &[],
            Some(update.to_json()),
            "business profile update answer",
        )
        .await
    }

    /// A business bot by its id (`GET /{bot_id}?fields=id,prompts,commands,enable_welcome_message`).
    pub async fn business_bot(&self, bot_id: &str) -> Result<BusinessBot, GraphError> {
        id_arg("bot_id", "the bot id", bot_id)?;
        self.get_node(
            &[bot_id],
            &[("fields", "id,prompts,commands,enable_welcome_message")],
            "business bot answer",
        )
        .await
    }

    /// An account number by its id (`GET /{account_number_id}`), with Meta's default
    /// fields or the comma-separated `fields` asked for.
    pub async fn account_number_details(
        &self,
        account_number_id: &str,
        fields: Option<&str>,
    ) -> Result<PhoneNumberDetails, GraphError> {
        id_arg(
            "account_number_id",
            "the account number id",
            account_number_id,
        )?;
        let query: Vec<(&str, &str)> = fields.map(|f| ("fields", f)).into_iter().collect();
        self.get_node(&[account_number_id], &query, "account number answer")
            .await
    }
}
