//! What a webhook delivery means for wacloud, free of Meta's JSON: the binary translates Meta's
//! payload into these events, and [`crate::usecases::ingest`] applies them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::message::{DeliveryError, Direction, MessageStatus};
use crate::routing::ThreadState;

/// Who a customer is, as far as one event tells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRef {
    /// The business number the customer wrote to or is written from (Meta's
    /// `phone_number_id`): contacts belong to (number, customer). `None` finds the customer on any
    /// number and creates the contact without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// Meta's `wa_id` (digits), when the event carries one.
    pub wa_id: Option<String>,
    /// The E.164 number an operator typed, when it may differ from Meta's `wa_id` (Brazil's
    /// ninth digit, Argentina's `549`, Mexico's `521`).
    pub phone_number: Option<String>,
    /// The business-scoped user id (BSUID).
    pub user_id: Option<String>,
    /// The parent BSUID Meta shares across a business's linked portfolios (`US.ENT.…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_user_id: Option<String>,
    /// The WhatsApp profile name.
    pub profile_name: Option<String>,
    /// The WhatsApp username, when shown.
    pub username: Option<String>,
}

impl CustomerRef {
    /// The business number as contacts store it: `""` when none.
    #[must_use]
    pub fn number(&self) -> &str {
        self.phone_number_id.as_deref().unwrap_or("")
    }

    /// The key contacts are found by in a batch: `(number, wa_id)`, when there is a `wa_id`.
    #[must_use]
    pub fn key(&self) -> Option<(&str, &str)> {
        self.wa_id.as_deref().map(|w| (self.number(), w))
    }

    /// Whether the event identifies anybody at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.wa_id.is_none() && self.user_id.is_none() && self.phone_number.is_none()
    }
}

/// What an inbound message does besides being a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InboundEffect {
    /// An ordinary message: stored, counted unread.
    Plain,
    /// A reaction to `target`; `emoji: None` removes the reaction.
    Reaction {
        /// The `wamid` reacted to.
        target: String,
        /// The emoji, `None` when the reaction was removed.
        emoji: Option<String>,
    },
    /// The customer edited `target`; `text` is the new text or caption.
    Edit {
        /// The edited message's `wamid`.
        target: String,
        /// Its new text.
        text: Option<String>,
    },
    /// The customer deleted `target` for everyone.
    Revoke {
        /// The deleted message's `wamid`.
        target: String,
    },
    /// The customer answered a call permission request (`interactive` `call_permission_reply`):
    /// tracked on the contact.
    CallPermission {
        /// `accept` or `reject`, as Meta sent it.
        response: String,
        /// Until when an acceptance lasts (`expiration_timestamp`).
        expires_at: Option<DateTime<Utc>>,
    },
    /// Meta's `system` notice that the customer's identity changed (`user_changed_number`,
    /// `user_changed_user_id`): their contact takes the new identities and keeps its history.
    IdentityChange {
        /// The new `wa_id` (`user_changed_number`).
        wa_id: Option<String>,
        /// The new business-scoped user id.
        user_id: Option<String>,
        /// The new parent business-scoped user id.
        parent_user_id: Option<String>,
    },
}

/// A message a customer sent, or one of Meta's system notices about a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// Meta's `wamid`.
    pub wamid: String,
    /// The business number it was sent to.
    pub phone_number_id: String,
    /// The sender.
    pub customer: CustomerRef,
    /// Meta's timestamp.
    pub timestamp: DateTime<Utc>,
    /// Meta's `type`.
    pub message_type: String,
    /// Text, caption or a readable summary.
    pub text: Option<String>,
    /// The `wamid` quoted (`context.id`).
    pub reply_to: Option<String>,
    /// Meta's forwarded flags.
    pub is_forwarded: bool,
    /// Media metadata, for media kinds.
    pub media: Option<serde_json::Value>,
    /// Errors Meta attached to the message (e.g. 131051 unsupported type).
    pub error: Option<DeliveryError>,
    /// Set for group payloads: never shown as a private chat.
    pub group_id: Option<String>,
    /// Extra effect (reaction, edit, delete).
    pub effect: InboundEffect,
    /// The message object as Meta sent it, as JSON text.
    pub raw: String,
}

/// A message the business sent from the WhatsApp Business app (`smb_message_echoes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundEcho {
    /// Meta's `wamid`.
    pub wamid: String,
    /// The business number.
    pub phone_number_id: String,
    /// The customer it went to.
    pub customer: CustomerRef,
    /// Meta's timestamp.
    pub timestamp: DateTime<Utc>,
    /// Meta's `type`.
    pub message_type: String,
    /// Text or caption.
    pub text: Option<String>,
    /// Extra effect (edit, revoke).
    pub effect: InboundEffect,
    /// The echo object as JSON text.
    pub raw: String,
}

/// A delivery status for an outbound message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The `wamid` it is about.
    pub wamid: String,
    /// The business number.
    pub phone_number_id: String,
    /// The new status.
    pub status: MessageStatus,
    /// Meta's timestamp of the status.
    pub timestamp: DateTime<Utc>,
    /// The recipient.
    pub recipient: CustomerRef,
    /// For `failed`: the first error.
    pub error: Option<DeliveryError>,
    /// What the sender attached to the send (wacloud puts its message id here).
    pub biz_opaque_callback_data: Option<String>,
    /// Meta's conversation id.
    pub conversation_id: Option<String>,
    /// Meta's `pricing` (per-message pricing since July 2025); empty when absent.
    #[serde(default)]
    pub pricing: crate::costs::Pricing,
    /// Set for a status about a group message.
    pub group_id: Option<String>,
}

/// A change to a message template (status, quality, category or components).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateUpdate {
    /// Meta's template id.
    pub template_id: Option<String>,
    /// Template name.
    pub name: Option<String>,
    /// Language code (`en_US`).
    pub language: Option<String>,
    /// New status (`APPROVED`, `REJECTED`, `PAUSED`, …).
    pub status: Option<String>,
    /// New quality score (`GREEN`, `YELLOW`, `RED`).
    pub quality_score: Option<String>,
    /// New category.
    pub category: Option<String>,
    /// Reason Meta gave.
    pub reason: Option<String>,
    /// New components, as JSON text.
    pub components: Option<String>,
    /// When Meta sent it.
    pub at: DateTime<Utc>,
}

/// A change to the business number or account (`phone_number_quality_update`,
/// `phone_number_name_update`, `account_update`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEvent {
    /// The business number concerned, if the event names one.
    pub phone_number_id: Option<String>,
    /// WABA id (the entry id).
    pub waba_id: Option<String>,
    /// The field Meta sent (`phone_number_quality_update`, …).
    pub field: String,
    /// A short description (`FLAGGED`, `ACCOUNT_RESTRICTION`, …).
    pub event: Option<String>,
    /// The quality rating, for quality updates.
    pub quality_rating: Option<String>,
    /// The messaging limit tier, for quality updates.
    pub messaging_limit_tier: Option<String>,
    /// The verified name, for name updates.
    pub verified_name: Option<String>,
    /// The change as JSON text.
    pub raw: String,
    /// When it arrived.
    pub at: DateTime<Utc>,
}

/// A customer's marketing preference (`user_preferences`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreferenceUpdate {
    /// The business number.
    pub phone_number_id: Option<String>,
    /// The customer.
    pub customer: CustomerRef,
    /// `true` for `stop`, `false` for `resume`.
    pub marketing_opt_out: bool,
    /// Meta's timestamp.
    pub at: DateTime<Utc>,
}

/// The owner of a customer's thread changed (`messaging_handovers`, Conversation Routing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadHandover {
    /// The business number.
    pub phone_number_id: Option<String>,
    /// The customer whose thread it is.
    pub customer: CustomerRef,
    /// The thread after the change (`since`: Meta's timestamp of the notice).
    pub thread: ThreadState,
    /// The free text the app that passed or took the thread gave, as Meta forwarded it.
    pub metadata: Option<String>,
}

/// One message of the WhatsApp Business app's chat history (coexistence `history`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryMessage {
    /// The message; `customer` is the thread's customer whichever way it went, `phone_number_id`
    /// the business number.
    pub message: InboundMessage,
    /// Sent by the business from the app (`from` is not the thread's customer, or
    /// `history_context.from_me`): stored outbound.
    pub from_business: bool,
    /// What had become of a message of the business when the history was shared
    /// (`history_context.status`, lower-cased); `None` when Meta gave none.
    pub status: Option<MessageStatus>,
}

/// Where the history synchronisation of a number stands (`history[].metadata`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryProgress {
    /// 0: the day of onboarding; 1: days 1 to 90 before it; 2: days 90 to 180.
    pub phase: Option<i64>,
    /// The chunk's position within its phase.
    pub chunk_order: Option<i64>,
    /// How far the synchronisation has come, in percent (100: complete).
    pub progress: Option<i64>,
}

/// One chunk of the WhatsApp Business app's chat history (coexistence `history`), for a
/// business that agreed to share it; or, with `error`, the business's refusal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryChunk {
    /// The business number (the delivery's `metadata.phone_number_id`).
    pub phone_number_id: String,
    /// The chunk's phase, order and progress.
    pub progress: HistoryProgress,
    /// Every message of every thread of the chunk, in delivery order.
    pub messages: Vec<HistoryMessage>,
    /// Why no history comes (the chunk's first `errors[]` item, e.g. 2593109 when the business
    /// declined to share it).
    pub error: Option<DeliveryError>,
    /// When the delivery arrived.
    pub at: DateTime<Utc>,
}

/// A contact of the WhatsApp Business app's address book added, changed or removed
/// (coexistence `smb_app_state_sync`, `type: contact`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedContact {
    /// The business number.
    pub phone_number_id: String,
    /// The customer (`contact.phone_number` as `wa_id`).
    pub customer: CustomerRef,
    /// The name saved in the app (`full_name`, else `first_name`); `None` for a removal.
    pub name: Option<String>,
    /// `action: remove`: the name is no longer saved (the contact and its history stay).
    pub removed: bool,
    /// The app's time of the change (`metadata.timestamp`), else the delivery's.
    pub at: DateTime<Utc>,
}

/// What a `calls` webhook item reports (WhatsApp Business Calling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallEventKind {
    /// `calls[].event: connect`: the call is set up (an offer for a customer's call, the
    /// callee's answer for the business's).
    Connect,
    /// `calls[].event: terminate`: the call ended.
    Terminate {
        /// `COMPLETED` or `FAILED`.
        status: Option<String>,
        /// Meta's `start_time`.
        start_time: Option<DateTime<Utc>>,
        /// Meta's `end_time`.
        end_time: Option<DateTime<Utc>>,
        /// Meta's `duration`, seconds.
        duration: Option<i64>,
    },
    /// `statuses[]` with `type: call`: `RINGING`, `ACCEPTED`, `REJECTED`, …
    Status {
        /// As Meta sent it (upper case).
        status: String,
    },
}

/// One event of a call (`calls` field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEvent {
    /// The business number.
    pub phone_number_id: String,
    /// Meta's call id (`wacid.…`).
    pub call_id: String,
    /// The customer (the caller of a customer's call, the callee of the business's).
    pub customer: CustomerRef,
    /// `inbound` for `USER_INITIATED`, `outbound` for `BUSINESS_INITIATED`; `None` when the
    /// item does not say (call statuses concern the business's calls).
    pub direction: Option<Direction>,
    /// What happened.
    pub kind: CallEventKind,
    /// Meta's timestamp.
    pub at: DateTime<Utc>,
    /// Meta's error for the call (the value's `errors[]`), as `code title`.
    pub error: Option<String>,
}

/// One effect of a webhook delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WebhookEvent {
    /// A customer wrote.
    Inbound(InboundMessage),
    /// The business wrote from the WhatsApp Business app.
    Echo(OutboundEcho),
    /// A delivery status.
    Status(StatusUpdate),
    /// A contact profile seen in `contacts[]`.
    ContactSeen {
        /// The business number whose delivery carried it.
        phone_number_id: String,
        /// The contact.
        customer: CustomerRef,
        /// Meta's timestamp of the event carrying it.
        at: DateTime<Utc>,
    },
    /// A template changed.
    Template(TemplateUpdate),
    /// The number or account changed.
    Account(AccountEvent),
    /// A marketing preference.
    Preference(PreferenceUpdate),
    /// A value-level `errors[]` item: Meta could not process something for this number.
    ValueError {
        /// The business number.
        phone_number_id: Option<String>,
        /// The error.
        error: DeliveryError,
    },
    /// A customer's message received on `standby`: a copy for context, on a thread another
    /// responder owns.
    Standby(InboundMessage),
    /// The owning responder's message to the customer, received on `standby`.
    StandbyEcho(OutboundEcho),
    /// The thread's owner changed (`messaging_handovers`).
    Handover(ThreadHandover),
    /// A chunk of the WhatsApp Business app's chat history (coexistence `history`).
    History(HistoryChunk),
    /// A contact of the WhatsApp Business app's address book (`smb_app_state_sync`).
    SavedContact(SavedContact),
    /// A call event or call status (`calls`).
    Call(CallEvent),
    /// A group changed (`group_lifecycle_update`, `group_participants_update`,
    /// `group_settings_update`, `group_status_update`).
    Group(crate::group::GroupUpdate),
    /// A field wacloud keeps only raw (calls, unknown fields).
    Unhandled {
        /// The field name.
        field: String,
    },
}

impl WebhookEvent {
    /// The event's kind, one of a fixed set (for counting): `message`, `echo`, `status`,
    /// `contact`, `template`, `account`, `preference`, `error`, `standby`, `standby_echo`,
    /// `handover`, `history`, `saved_contact`, `call`, `group`, `unhandled`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Inbound(_) => "message",
            Self::Echo(_) => "echo",
            Self::Status(_) => "status",
            Self::ContactSeen { .. } => "contact",
            Self::Template(_) => "template",
            Self::Account(_) => "account",
            Self::Preference(_) => "preference",
            Self::ValueError { .. } => "error",
            Self::Standby(_) => "standby",
            Self::StandbyEcho(_) => "standby_echo",
            Self::Handover(_) => "handover",
            Self::History(_) => "history",
            Self::SavedContact(_) => "saved_contact",
            Self::Call(_) => "call",
            Self::Group(_) => "group",
            Self::Unhandled { .. } => "unhandled",
        }
    }
}

/// A parsed delivery: its events and what it was about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParsedDelivery {
    /// Every `metadata.phone_number_id` it names.
    pub phone_number_ids: Vec<String>,
    /// Every `changes[].field`.
    pub fields: Vec<String>,
    /// Its events in delivery order.
    pub events: Vec<WebhookEvent>,
    /// Elements that did not parse and were left out (where and why); their siblings were
    /// kept.
    pub skipped: Vec<String>,
}

impl WebhookEvent {
    /// Puts the event's business number on the customers it names, so that they are found and
    /// created on that number (contacts belong to (number, customer)).
    pub fn scope_customers(&mut self) {
        let number = self.phone_number_id().map(str::to_owned);
        let customer = match self {
            Self::Inbound(m) | Self::Standby(m) => &mut m.customer,
            Self::Echo(e) | Self::StandbyEcho(e) => &mut e.customer,
            Self::Handover(h) => &mut h.customer,
            Self::Status(s) => &mut s.recipient,
            Self::ContactSeen { customer, .. } => customer,
            Self::Preference(p) => &mut p.customer,
            Self::SavedContact(c) => &mut c.customer,
            Self::Call(c) => &mut c.customer,
            Self::History(h) => {
                for m in &mut h.messages {
                    if m.message.customer.phone_number_id.is_none() {
                        m.message.customer.phone_number_id.clone_from(&number);
                    }
                }
                return;
            }
            _ => return,
        };
        if customer.phone_number_id.is_none() {
            customer.phone_number_id = number;
        }
    }

    /// The business number the event belongs to, when it names one.
    #[must_use]
    pub fn phone_number_id(&self) -> Option<&str> {
        match self {
            Self::Inbound(m) | Self::Standby(m) => Some(&m.phone_number_id),
            Self::Echo(e) | Self::StandbyEcho(e) => Some(&e.phone_number_id),
            Self::Handover(h) => h.phone_number_id.as_deref(),
            Self::Group(g) => Some(&g.phone_number_id),
            Self::Status(s) => Some(&s.phone_number_id),
            Self::ValueError {
                phone_number_id, ..
            } => phone_number_id.as_deref(),
            Self::Account(a) => a.phone_number_id.as_deref(),
            Self::ContactSeen {
                phone_number_id, ..
            } => Some(phone_number_id),
            Self::Preference(p) => p.phone_number_id.as_deref(),
            Self::History(h) => Some(&h.phone_number_id),
            Self::SavedContact(c) => Some(&c.phone_number_id),
            Self::Call(c) => Some(&c.phone_number_id),
            Self::Template(_) | Self::Unhandled { .. } => None,
        }
    }
}
