//! `value`s of the phone number fields: `phone_number_quality_update` (throughput and
//! messaging limit) and `phone_number_name_update` (display name review), as Meta's
//! webhook reference pages for those fields describe them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `phone_number_quality_update`: the number's throughput level or messaging limit
/// changed (`entry[].time` says when).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PhoneNumberQualityUpdate {
    /// The business display number.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub display_phone_number: Option<String>,
    /// What changed: `FLAGGED`, `UNFLAGGED`, `UPGRADE`, `DOWNGRADE`, `ONBOARDING`, ...
    /// (a throughput level change too; new values kept as received).
    pub event: Option<String>,
    /// The messaging limit before the change (`TIER_250`, `TIER_1K`, ...); Meta sends
    /// it only for messaging limit changes.
    pub old_limit: Option<String>,
    /// The messaging limit or throughput level now (`TIER_50`, `TIER_250`, `TIER_1K`,
    /// `TIER_10K`, `TIER_100K`, `TIER_UNLIMITED`, ...). Meta announced its removal for
    /// February 2026 in favour of `max_daily_conversations_per_business`.
    pub current_limit: Option<String>,
    /// The business portfolio's messaging limit now, as Meta sends it (a number of
    /// unique users per 24 hours, or a tier name), kept as a string.
    #[serde(deserialize_with = "crate::de::opt_id")]
    pub max_daily_conversations_per_business: Option<String>,
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
    /// `APPROVED` (the name now shows at the top of the profile), `REJECTED`,
    /// `DEFERRED`, ...
    pub decision: Option<String>,
    /// The requested display name.
    pub requested_verified_name: Option<String>,
    /// Why it was rejected, if it was.
    pub rejection_reason: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
