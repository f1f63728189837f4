//! Row types and their conversions to the core's domain types.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::contact::Contact;
use wacloud_core::message::{Direction, Message, MessageStatus};

use crate::schema::{whatsapp_contacts, whatsapp_messages};

/// A UTC time as stored (naive, UTC by convention).
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// A stored time back to UTC.
pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A row of `whatsapp_contacts`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = whatsapp_contacts)]
pub struct ContactRow {
    pub id: String,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub phone_number: Option<String>,
    pub display_name: Option<String>,
    pub profile_name: Option<String>,
    pub username: Option<String>,
    pub business_name: Option<String>,
    pub is_verified: bool,
    pub is_blocked: bool,
    pub is_pinned: bool,
    pub tags: String,
    pub unread_count: i64,
    pub last_message_time: Option<NaiveDateTime>,
    pub last_message_preview: Option<String>,
    pub last_message_direction: Option<String>,
    pub last_inbound_at: Option<NaiveDateTime>,
    pub marketing_opt_out: bool,
    pub undeliverable_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub merged_into: Option<String>,
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        let display_name = r.display_name.or_else(|| r.profile_name.clone());
        Self {
            id: r.id,
            phone_number: r.phone_number,
            wa_id: r.wa_id,
            user_id: r.user_id,
            display_name,
            profile_name: r.profile_name,
            username: r.username,
            business_name: r.business_name,
            is_verified: r.is_verified,
            is_blocked: r.is_blocked,
            is_pinned: r.is_pinned,
            tags: serde_json::from_str(&r.tags).unwrap_or_default(),
            unread_count: r.unread_count,
            last_message_time: r.last_message_time.map(from_db),
            last_message_preview: r.last_message_preview,
            last_message_direction: r.last_message_direction,
            last_inbound_at: r.last_inbound_at.map(from_db),
            marketing_opt_out: r.marketing_opt_out,
            undeliverable_at: r.undeliverable_at.map(from_db),
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        }
    }
}

/// A row of `whatsapp_messages`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = whatsapp_messages)]
pub struct MessageRow {
    pub id: String,
    pub message_id: Option<String>,
    pub contact_id: Option<String>,
    pub direction: String,
    pub from_phone: Option<String>,
    pub to_phone: Option<String>,
    pub user_id: Option<String>,
    pub message_type: String,
    pub message_text: Option<String>,
    pub status: String,
    pub status_rank: i32,
    pub is_read: bool,
    pub created_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub read_at: Option<NaiveDateTime>,
    pub played_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub error_code: Option<i64>,
    pub error_title: Option<String>,
    pub error_message: Option<String>,
    pub error_details: Option<String>,
    pub reply_to: Option<String>,
    pub reaction: Option<String>,
    pub edited_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub is_forwarded: bool,
    pub media: Option<String>,
    pub raw: Option<String>,
    pub phone_number_id: Option<String>,
    pub source: Option<String>,
    pub queue_id: Option<String>,
    pub group_id: Option<String>,
    pub conversation_id: Option<String>,
    pub pricing_category: Option<String>,
    pub payload: Option<String>,
    pub updated_at: NaiveDateTime,
}

impl From<MessageRow> for Message {
    fn from(r: MessageRow) -> Self {
        Self {
            id: r.id,
            message_id: r.message_id,
            direction: r.direction.parse().unwrap_or(Direction::Outbound),
            contact_id: r.contact_id,
            from_phone: r.from_phone,
            to_phone: r.to_phone,
            user_id: r.user_id,
            message_type: r.message_type,
            message_text: r.message_text,
            status: MessageStatus::from(r.status.as_str()),
            is_read: r.is_read,
            created_at: from_db(r.created_at),
            sent_at: r.sent_at.map(from_db),
            delivered_at: r.delivered_at.map(from_db),
            read_at: r.read_at.map(from_db),
            played_at: r.played_at.map(from_db),
            failed_at: r.failed_at.map(from_db),
            error_code: r.error_code,
            error_title: r.error_title,
            error_message: r.error_message,
            error_details: r.error_details,
            reply_to: r.reply_to,
            reaction: r.reaction,
            edited_at: r.edited_at.map(from_db),
            deleted_at: r.deleted_at.map(from_db),
            is_forwarded: r.is_forwarded,
            media: r.media.and_then(|m| serde_json::from_str(&m).ok()),
            source: r.source,
            queue_id: r.queue_id,
            updated_at: from_db(r.updated_at),
        }
    }
}
