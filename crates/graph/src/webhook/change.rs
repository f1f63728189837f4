//! `changes[]`: a subscribed field and its value, typed by field ([`ChangeValue`]).
//! A field this crate does not know becomes [`ChangeValue::Unknown`] with the value as
//! received; a known field whose value has the wrong shape is a parse error.
//!
//! The fields and their values follow Meta's webhook reference (one page per field of
//! the WhatsApp Business Account object) and, for the fields without a page of their
//! own, the guide that documents them (Groups API, Flows, Conversation Routing).

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::fields::{
    AccountAlertsValue, AccountReviewUpdate, AccountUpdate, AutomaticEventsValue,
    BusinessCapabilityUpdate, CallsValue, FlowsUpdate, GroupsValue, HistoryValue,
    MessagingHandoversValue, PartnerSolutionsUpdate, PaymentConfigurationUpdate,
    PhoneNumberNameUpdate, PhoneNumberQualityUpdate, SecurityUpdate, SmbAppStateSyncValue,
    TemplateCategoryUpdate, TemplateComponentsUpdate, TemplateQualityUpdate, TemplateStatusUpdate,
    UserPreferencesValue,
};
use super::value::MessagesValue;

/// `changes[]`: one subscribed field and its value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Change {
    /// The webhook field name as received (`messages`, `account_update`, ...).
    pub field: String,
    /// The value, typed by field.
    pub value: ChangeValue,
}

/// The value of a change, typed by its `field`. A field this crate does not know
/// becomes [`ChangeValue::Unknown`] with the value as received.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "field", content = "value")]
#[non_exhaustive]
pub enum ChangeValue {
    /// `messages`: inbound messages, statuses, errors, marketing link clicks.
    #[serde(rename = "messages")]
    Messages(MessagesValue),
    /// `standby`: the same shape as `messages`, for a thread this app does not own under
    /// Conversation Routing (another partner or Meta Business Agent answers it): inbound
    /// messages, the owner's message echoes and their statuses, to keep context. Do not
    /// reply to them; sending a service message takes the thread over.
    #[serde(rename = "standby")]
    Standby(MessagesValue),
    /// `message_echoes`: messages another sender on the number sent, in `message_echoes`.
    #[serde(rename = "message_echoes")]
    MessageEchoes(MessagesValue),
    /// `smb_message_echoes`: messages sent from the WhatsApp Business app (coexistence).
    #[serde(rename = "smb_message_echoes")]
    SmbMessageEchoes(MessagesValue),
    /// `messaging_handovers`: the thread's owner changed (Conversation Routing).
    #[serde(rename = "messaging_handovers")]
    MessagingHandovers(MessagingHandoversValue),
    /// `history`: the WhatsApp Business app's chat history (coexistence).
    #[serde(rename = "history")]
    History(HistoryValue),
    /// `smb_app_state_sync`: the WhatsApp Business app's contacts (coexistence).
    #[serde(rename = "smb_app_state_sync")]
    SmbAppStateSync(SmbAppStateSyncValue),
    /// `message_template_status_update`.
    #[serde(rename = "message_template_status_update")]
    TemplateStatusUpdate(TemplateStatusUpdate),
    /// `message_template_quality_update`.
    #[serde(rename = "message_template_quality_update")]
    TemplateQualityUpdate(TemplateQualityUpdate),
    /// `template_category_update`.
    #[serde(rename = "template_category_update")]
    TemplateCategoryUpdate(TemplateCategoryUpdate),
    /// `message_template_components_update`.
    #[serde(rename = "message_template_components_update")]
    TemplateComponentsUpdate(TemplateComponentsUpdate),
    /// `phone_number_quality_update`: throughput level or messaging limit changed.
    #[serde(rename = "phone_number_quality_update")]
    PhoneNumberQualityUpdate(PhoneNumberQualityUpdate),
    /// `phone_number_name_update`: display name review.
    #[serde(rename = "phone_number_name_update")]
    PhoneNumberNameUpdate(PhoneNumberNameUpdate),
    /// `account_update`.
    #[serde(rename = "account_update")]
    AccountUpdate(AccountUpdate),
    /// `account_review_update`.
    #[serde(rename = "account_review_update")]
    AccountReviewUpdate(AccountReviewUpdate),
    /// `account_alerts`: messaging limit, Official Business Account, profile photo.
    #[serde(rename = "account_alerts")]
    AccountAlerts(AccountAlertsValue),
    /// `business_capability_update`: portfolio and WABA limits.
    #[serde(rename = "business_capability_update")]
    BusinessCapabilityUpdate(BusinessCapabilityUpdate),
    /// `security`: two-step verification PIN changed or reset.
    #[serde(rename = "security")]
    Security(SecurityUpdate),
    /// `partner_solutions`: a Multi-Partner Solution's status.
    #[serde(rename = "partner_solutions")]
    PartnerSolutions(PartnerSolutionsUpdate),
    /// `payment_configuration_update`: Payments API (India, Brazil) configuration.
    #[serde(rename = "payment_configuration_update")]
    PaymentConfigurationUpdate(PaymentConfigurationUpdate),
    /// `user_preferences`: marketing messages stopped, resumed or signed up for.
    #[serde(rename = "user_preferences")]
    UserPreferences(UserPreferencesValue),
    /// `automatic_events`: a lead or purchase detected in a Click to WhatsApp chat.
    #[serde(rename = "automatic_events")]
    AutomaticEvents(AutomaticEventsValue),
    /// `flows`: a Flow's status or an endpoint alert.
    #[serde(rename = "flows")]
    Flows(FlowsUpdate),
    /// `calls`.
    #[serde(rename = "calls")]
    Calls(CallsValue),
    /// `group_lifecycle_update`.
    #[serde(rename = "group_lifecycle_update")]
    GroupLifecycleUpdate(GroupsValue),
    /// `group_participants_update`.
    #[serde(rename = "group_participants_update")]
    GroupParticipantsUpdate(GroupsValue),
    /// `group_settings_update`.
    #[serde(rename = "group_settings_update")]
    GroupSettingsUpdate(GroupsValue),
    /// `group_status_update`: a group was suspended or its suspension lifted.
    #[serde(rename = "group_status_update")]
    GroupStatusUpdate(GroupsValue),
    /// Any other field, with its value as received.
    #[serde(rename = "unknown")]
    Unknown(Value),
}

impl ChangeValue {
    /// Types `value` by webhook `field`.
    pub fn parse(field: &str, value: Value) -> Result<Self, serde_json::Error> {
        fn p<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, serde_json::Error> {
            serde_json::from_value(v)
        }
        use ChangeValue as C;
        Ok(match field {
            "messages" => C::Messages(p(value)?),
            "standby" => C::Standby(p(value)?),
            "message_echoes" => C::MessageEchoes(p(value)?),
            "smb_message_echoes" => C::SmbMessageEchoes(p(value)?),
            "messaging_handovers" => C::MessagingHandovers(p(value)?),
            "history" => C::History(p(value)?),
            "smb_app_state_sync" => C::SmbAppStateSync(p(value)?),
            "message_template_status_update" => C::TemplateStatusUpdate(p(value)?),
            "message_template_quality_update" => C::TemplateQualityUpdate(p(value)?),
            "template_category_update" => C::TemplateCategoryUpdate(p(value)?),
            "message_template_components_update" => C::TemplateComponentsUpdate(p(value)?),
            "phone_number_quality_update" => C::PhoneNumberQualityUpdate(p(value)?),
            "phone_number_name_update" => C::PhoneNumberNameUpdate(p(value)?),
            "account_update" => C::AccountUpdate(p(value)?),
            "account_review_update" => C::AccountReviewUpdate(p(value)?),
            "account_alerts" => C::AccountAlerts(p(value)?),
            "business_capability_update" => C::BusinessCapabilityUpdate(p(value)?),
            "security" => C::Security(p(value)?),
            "partner_solutions" => C::PartnerSolutions(p(value)?),
            "payment_configuration_update" => C::PaymentConfigurationUpdate(p(value)?),
            "user_preferences" => C::UserPreferences(p(value)?),
            "automatic_events" => C::AutomaticEvents(p(value)?),
            "flows" => C::Flows(p(value)?),
            "calls" => C::Calls(p(value)?),
            "group_lifecycle_update" => C::GroupLifecycleUpdate(p(value)?),
            "group_participants_update" => C::GroupParticipantsUpdate(p(value)?),
            "group_settings_update" => C::GroupSettingsUpdate(p(value)?),
            "group_status_update" => C::GroupStatusUpdate(p(value)?),
            _ => C::Unknown(value),
        })
    }

    /// True for [`ChangeValue::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self, ChangeValue::Unknown(_))
    }

    /// The value of the `messages`-shaped fields (`messages`, `standby`,
    /// `message_echoes`, `smb_message_echoes`); `None` for the others.
    pub fn messages_value(&self) -> Option<&MessagesValue> {
        match self {
            ChangeValue::Messages(v)
            | ChangeValue::Standby(v)
            | ChangeValue::MessageEchoes(v)
            | ChangeValue::SmbMessageEchoes(v) => Some(v),
            _ => None,
        }
    }

    fn value_json(&self) -> Result<Value, serde_json::Error> {
        use serde_json::to_value as j;
        use ChangeValue as C;
        match self {
            C::Messages(v) | C::Standby(v) | C::MessageEchoes(v) | C::SmbMessageEchoes(v) => j(v),
            C::MessagingHandovers(v) => j(v),
            C::History(v) => j(v),
            C::SmbAppStateSync(v) => j(v),
            C::TemplateStatusUpdate(v) => j(v),
            C::TemplateQualityUpdate(v) => j(v),
            C::TemplateCategoryUpdate(v) => j(v),
            C::TemplateComponentsUpdate(v) => j(v),
            C::PhoneNumberQualityUpdate(v) => j(v),
            C::PhoneNumberNameUpdate(v) => j(v),
            C::AccountUpdate(v) => j(v),
            C::AccountReviewUpdate(v) => j(v),
            C::AccountAlerts(v) => j(v),
            C::BusinessCapabilityUpdate(v) => j(v),
            C::Security(v) => j(v),
            C::PartnerSolutions(v) => j(v),
            C::PaymentConfigurationUpdate(v) => j(v),
            C::UserPreferences(v) => j(v),
            C::AutomaticEvents(v) => j(v),
            C::Flows(v) => j(v),
            C::Calls(v) => j(v),
            C::GroupLifecycleUpdate(v)
            | C::GroupParticipantsUpdate(v)
            | C::GroupSettingsUpdate(v)
            | C::GroupStatusUpdate(v) => j(v),
            C::Unknown(v) => Ok(v.clone()),
        }
    }
}

impl Serialize for Change {
    /// Serialises to Meta's shape `{"field": ..., "value": ...}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeStruct};
        let value = self.value.value_json().map_err(S::Error::custom)?;
        let mut st = s.serialize_struct("Change", 2)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("value", &value)?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            field: String,
            #[serde(default)]
            value: Value,
        }
        let raw = Raw::deserialize(d)?;
        let value = ChangeValue::parse(&raw.field, raw.value)
            .map_err(|e| D::Error::custom(format!("change field `{}`: {e}", raw.field)))?;
        Ok(Change {
            field: raw.field,
            value,
        })
    }
}
