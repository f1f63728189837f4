//! Typed `value`s of the webhook fields other than the `messages`-shaped ones
//! (`messages`, `standby`, `message_echoes`, `smb_message_echoes`, whose value is a
//! [`MessagesValue`](super::MessagesValue)), one module per group of fields. Every
//! field is optional (Meta adds and drops fields between versions) and unmodelled
//! fields land in `extra`, so nothing Meta sends is lost.

mod account;
mod calls;
mod coexistence;
mod flows;
mod groups;
mod phone_number;
mod routing;
mod templates;
mod users;

pub use account::{
    AccountAlertsValue, AccountReviewUpdate, AccountUpdate, AlertInfo, BusinessCapabilityUpdate,
    PartnerSolutionsUpdate, PaymentConfigurationUpdate, SecurityUpdate, WabaInfo,
};
pub use calls::{Call, CallSession, CallStatus, CallsValue};
pub use coexistence::{
    HistoryChunk, HistoryProgress, HistoryThread, HistoryValue, SmbAppStateSyncValue, StateSync,
    StateSyncContact, StateSyncMetadata,
};
pub use flows::FlowsUpdate;
pub use groups::{GroupEvent, GroupParticipant, GroupSettingResult, GroupsValue};
pub use phone_number::{PhoneNumberNameUpdate, PhoneNumberQualityUpdate};
pub use routing::{HandoverParty, MessagingHandoversValue, ThreadControlChange};
pub use templates::{
    TemplateCategoryUpdate, TemplateComponentsUpdate, TemplateQualityUpdate, TemplateStatusUpdate,
};
pub use users::{
    AutomaticEvent, AutomaticEventData, AutomaticEventsValue, UserPreference, UserPreferencesValue,
};
