//! `value`s of the account-level fields: `account_update`, `account_review_update`,
//! `account_alerts`, `business_capability_update`, `security`, `partner_solutions` and
//! `payment_configuration_update`, as Meta's webhook reference page of each field
//! describes them. None of them has `metadata`: the WABA (or, for `partner_solutions`,
//! the business portfolio) is `entry[].id`, the time `entry[].time`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `account_update`: an event on the WhatsApp Business Account: partner-led business
/// verification, deletion, sharing with (or unsharing from) a partner, policy
/// violations and restrictions, authentication-international rate eligibility, primary
/// business location, ad account linking, MM API terms, volume pricing tiers,
/// offboarding and reconnection of a WhatsApp Business app number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AccountUpdate {
    /// The event: `ACCOUNT_DELETED`, `ACCOUNT_RESTRICTION`, `ACCOUNT_VIOLATION`,
    /// `DISABLED_UPDATE`, `PARTNER_ADDED`, `PARTNER_REMOVED`, `PARTNER_APP_INSTALLED`,
    /// `PARTNER_APP_UNINSTALLED`, `PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE`,
    /// `AUTH_INTL_PRICE_ELIGIBILITY_UPDATE`, `BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE`,
    /// `AD_ACCOUNT_LINKED`, `MM_LITE_TERMS_SIGNED`, `VOLUME_BASED_PRICING_TIER_UPDATE`,
    /// `ACCOUNT_OFFBOARDED`, `ACCOUNT_RECONNECTED`, ... (new values kept as received).
    pub event: Option<String>,
    /// The phone number concerned, when the event is about one.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub phone_number: Option<String>,
    /// Which WABA, owner and partner the event is about (partner and ad account events).
    pub waba_info: Option<WabaInfo>,
    /// The primary business location, ISO 3166 alpha-2 (`BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE`).
    pub country: Option<String>,
    /// Ban details (`DISABLED_UPDATE`), as received.
    pub ban_info: Option<Value>,
    /// Restrictions and their expiry (`ACCOUNT_RESTRICTION`), as received.
    pub restriction_info: Option<Value>,
    /// Violation details (`ACCOUNT_VIOLATION`), as received.
    pub violation_info: Option<Value>,
    /// Why a WhatsApp Business app number was disconnected (`PARTNER_REMOVED`), as received.
    pub disconnection_info: Option<Value>,
    /// Partner-led business verification outcome, as received.
    pub partner_client_certification_info: Option<Value>,
    /// Authentication-international rate eligibility and its exception countries, as received.
    pub auth_international_rate_eligibility: Option<Value>,
    /// Volume-based pricing tier reached, as received.
    pub volume_tier_info: Option<Value>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `account_update.waba_info`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WabaInfo {
    /// The WABA id.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub waba_id: Option<String>,
    /// The business portfolio that owns the WABA.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub owner_business_id: Option<String>,
    /// The partner's app (`PARTNER_APP_INSTALLED`, `PARTNER_APP_UNINSTALLED`).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub partner_app_id: Option<String>,
    /// The Multi-Partner Solution, when the WABA was shared through one.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub solution_id: Option<String>,
    /// The business portfolios of the solution's partners.
    pub solution_partner_business_ids: Vec<String>,
    /// The ad account linked (`AD_ACCOUNT_LINKED`).
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub ad_account_linked: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `account_review_update`: the WABA was reviewed against Meta's policies.
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

/// `account_alerts`: a messaging limit increase was denied, deferred or needs more
/// information; an Official Business Account request was approved or denied; a
/// business profile photo was deleted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AccountAlertsValue {
    /// What the alert is about: `BUSINESS`, `PHONE_NUMBER`, ...
    pub entity_type: Option<String>,
    /// The id of that business portfolio or phone number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub entity_id: Option<String>,
    /// The alert.
    pub alert_info: Option<AlertInfo>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `account_alerts.alert_info`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AlertInfo {
    /// `CRITICAL`, `WARNING` or `INFORMATIONAL`.
    pub alert_severity: Option<String>,
    /// `ACTIVE` or `NONE`.
    pub alert_status: Option<String>,
    /// `INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED`, `..._FAILED`,
    /// `..._NEED_MORE_INFO`, `OBA_APPROVED`, `OBA_REJECTED`, `PROFILE_PICTURE_LOST`, ...
    pub alert_type: Option<String>,
    /// Human-readable description.
    pub alert_description: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `business_capability_update`: the WABA's or portfolio's limits changed (sent when
/// a WABA is created). `-1` means unlimited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct BusinessCapabilityUpdate {
    /// The portfolio's messaging limit (250, 2000, 10000, 100000 or -1). Meta announced
    /// its removal for February 2026; read `max_daily_conversations_per_business`.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub max_daily_conversation_per_phone: Option<i64>,
    /// The portfolio's messaging limit: unique users per rolling 24 hours, -1 unlimited.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub max_daily_conversations_per_business: Option<i64>,
    /// How many business phone numbers the portfolio may have.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub max_phone_numbers_per_business: Option<i64>,
    /// How many business phone numbers one WABA may have.
    #[serde(deserialize_with = "crate::de::opt_int")]
    pub max_phone_numbers_per_waba: Option<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `security`: a business phone number's two-step verification PIN was changed or
/// reset, or its reset was requested, in WhatsApp Manager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SecurityUpdate {
    /// The business display number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub display_phone_number: Option<String>,
    /// `PIN_CHANGED`, `PIN_RESET_REQUEST`, ... (new values kept as received).
    pub event: Option<String>,
    /// The Meta Business Suite user who did it.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub requester: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `partner_solutions`: a Multi-Partner Solution changed status (`entry[].id` is the
/// business portfolio, not a WABA).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PartnerSolutionsUpdate {
    /// `SOLUTION_CREATED`, ... (new values kept as received).
    pub event: Option<String>,
    /// The solution.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub solution_id: Option<String>,
    /// `DRAFT`, `INITIATED`, `ACTIVE`, `REJECTED`, `DEACTIVATED`, ...
    pub solution_status: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `payment_configuration_update`: a Payments API (India, Brazil) configuration was
/// connected to or disconnected from a payment gateway, or became active.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PaymentConfigurationUpdate {
    /// The payment configuration's name.
    pub configuration_name: Option<String>,
    /// The payment gateway's name.
    pub provider_name: Option<String>,
    /// The merchant account id at the gateway.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub provider_mid: Option<String>,
    /// The configuration's status, as received.
    pub status: Option<String>,
    /// When the configuration was created, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub created_timestamp: Option<i64>,
    /// When it was last updated, unix seconds.
    #[serde(deserialize_with = "crate::de::opt_ts")]
    pub updated_timestamp: Option<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
