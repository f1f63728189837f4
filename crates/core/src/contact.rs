//! Contacts: the customers a business talks to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::window::CustomerServiceWindow;

/// A stored contact, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    /// wacloud's id (a UUIDv7).
    pub id: String,
    /// The business number the contact belongs to (Meta's `phone_number_id`): a customer
    /// writing to two numbers is two contacts, with their own windows and conversations. Empty
    /// for a contact from before several numbers, or created when no number is configured.
    #[serde(default)]
    pub phone_number_id: String,
    /// E.164 number, `None` for a contact known only by its business-scoped user id.
    pub phone_number: Option<String>,
    /// Meta's WhatsApp id (digits), when known.
    pub wa_id: Option<String>,
    /// Meta's business-scoped user id (BSUID), when known.
    pub user_id: Option<String>,
    /// Meta's parent BSUID (`parent_user_id`, `US.ENT.…`), shared by the business portfolios
    /// Meta links; when Meta sent one.
    #[serde(default)]
    pub parent_user_id: Option<String>,
    /// The name the operator gave, else the name the business saved in the WhatsApp Business
    /// app (`saved_name`), else the WhatsApp profile name.
    pub display_name: Option<String>,
    /// The WhatsApp profile name Meta last sent.
    pub profile_name: Option<String>,
    /// The name the business saved for the customer in the WhatsApp Business app's address
    /// book (coexistence `smb_app_state_sync`), when the number is shared with the app.
    #[serde(default)]
    pub saved_name: Option<String>,
    /// The customer's answer to the business's call permission request (Calling API), when
    /// one was sent or answered.
    #[serde(default)]
    pub call_permission: Option<crate::calls::CallPermission>,
    /// The WhatsApp username Meta last sent (`@name`), when the customer has one.
    pub username: Option<String>,
    /// A business name the operator recorded.
    pub business_name: Option<String>,
    /// Set by the operator.
    pub is_verified: bool,
    /// Blocked contacts are not sent to.
    pub is_blocked: bool,
    /// Pinned contacts list first.
    pub is_pinned: bool,
    /// Free-form labels.
    pub tags: Vec<String>,
    /// Inbound messages not yet read by an operator.
    pub unread_count: i64,
    /// Time of the newest message either way.
    pub last_message_time: Option<DateTime<Utc>>,
    /// Start of the newest message's text.
    pub last_message_preview: Option<String>,
    /// Direction of the newest message.
    pub last_message_direction: Option<String>,
    /// Meta's timestamp of the newest inbound message: the customer service window opens there.
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// The customer opted out of marketing messages (Meta's `user_preferences`).
    pub marketing_opt_out: bool,
    /// Set when Meta reported the number undeliverable (131026).
    pub undeliverable_at: Option<DateTime<Utc>>,
    /// When the contact was first stored.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// What the webhook path needs to know of a stored contact: its id and the identity fields a
/// delivery may update (a narrow read: the batch looks up every customer it mentions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactIdentity {
    /// wacloud id.
    pub id: String,
    /// The business number it belongs to (see [`Contact::phone_number_id`]).
    pub phone_number_id: String,
    /// Meta's `wa_id`.
    pub wa_id: Option<String>,
    /// Meta's business-scoped user id (BSUID).
    pub user_id: Option<String>,
    /// Meta's parent BSUID.
    pub parent_user_id: Option<String>,
    /// The WhatsApp profile name.
    pub profile_name: Option<String>,
    /// The WhatsApp username.
    pub username: Option<String>,
}

impl From<&Contact> for ContactIdentity {
    fn from(c: &Contact) -> Self {
        Self {
            id: c.id.clone(),
            phone_number_id: c.phone_number_id.clone(),
            wa_id: c.wa_id.clone(),
            user_id: c.user_id.clone(),
            parent_user_id: c.parent_user_id.clone(),
            profile_name: c.profile_name.clone(),
            username: c.username.clone(),
        }
    }
}

impl Contact {
    /// The customer service window as of `now`.
    #[must_use]
    pub fn window(&self, now: DateTime<Utc>) -> CustomerServiceWindow {
        CustomerServiceWindow::from_last_inbound(self.last_inbound_at, now)
    }

    /// The key the API uses for this contact in paths: the E.164 number, else the BSUID.
    #[must_use]
    pub fn key(&self) -> String {
        self.phone_number
            .clone()
            .or_else(|| self.user_id.clone())
            .unwrap_or_else(|| self.id.clone())
    }
}

/// The contact list's preview of a message: its first 120 characters, or `[kind]` (Meta's
/// message `type`) when it has no text.
#[must_use]
pub fn preview(text: Option<&str>, kind: &str) -> String {
    match text {
        Some(t) if !t.trim().is_empty() => t.chars().take(120).collect(),
        _ => format!("[{kind}]"),
    }
}

/// An operator's change to a contact (`PUT /contacts/{phone}`); `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    /// Display name, 1–256 characters; an empty string clears it.
    pub display_name: Option<String>,
    /// Business name, up to 256 characters; an empty string clears it.
    pub business_name: Option<String>,
    /// Replaces all tags; each 1–64 characters, at most 32 tags.
    pub tags: Option<Vec<String>>,
    /// Pin or unpin.
    pub is_pinned: Option<bool>,
    /// Block or unblock.
    pub is_blocked: Option<bool>,
    /// Mark verified.
    pub is_verified: Option<bool>,
}

/// Filter and page for `GET /contacts`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    /// Case-insensitive substring of name, number or ids.
    pub search: Option<String>,
    /// Only contacts carrying this tag.
    pub tag: Option<String>,
    /// Only the contacts of this business number (`phone_number_id`).
    pub phone_number_id: Option<String>,
    /// Only the conversations this filter keeps.
    pub filter: Option<ContactFilter>,
    /// Only conversations assigned so (the views `mine` and `unassigned`).
    pub assignee: Option<AssigneeFilter>,
    /// Only conversations with this status at this time (a snooze past its time is open).
    pub status: Option<(crate::conversation::ConversationStatus, DateTime<Utc>)>,
    /// Page size, 1–200.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// Which conversations a contact list keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactFilter {
    /// With unread messages.
    Unread,
    /// Whose last message is the customer's: nobody has answered yet.
    NeedsReply,
    /// Whose customer service window is open: the customer's last message (Meta's time) is
    /// after this instant, i.e. within [`crate::window::WINDOW`] of now.
    WindowOpenSince(DateTime<Utc>),
}

/// Whose conversations a contact list keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Those assigned to this operator (its id): the view `mine`.
    Operator(String),
    /// Those assigned to nobody: the view `unassigned`.
    Unassigned,
}

/// One page of contacts plus totals over the whole filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactList {
    /// The page.
    pub contacts: Vec<Contact>,
    /// Contacts matching the filter over all pages.
    pub total_count: i64,
    /// Unread inbound messages over all contacts matching the filter.
    pub unread_count: i64,
}
