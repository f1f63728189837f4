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

/// A time bound as a `TIMESTAMP` value, written for SQLite without chrono's format
/// interpreter: the batch statements bind several per row, and `format("%F %T%.f")` showed up
/// in the writer's profile. The text is the same as diesel's (`%F %T%.f`);
/// PostgreSQL gets diesel's own binary encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::expression::AsExpression)]
#[diesel(sql_type = diesel::sql_types::Timestamp)]
pub struct DbTime(pub NaiveDateTime);

/// [`to_db`] as a [`DbTime`].
pub fn db_time(t: DateTime<Utc>) -> DbTime {
    DbTime(t.naive_utc())
}

impl diesel::serialize::ToSql<diesel::sql_types::Timestamp, diesel::sqlite::Sqlite> for DbTime {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
    ) -> diesel::serialize::Result {
        out.set_value(sqlite_text(self.0));
        Ok(diesel::serialize::IsNull::No)
    }
}

impl diesel::serialize::ToSql<diesel::sql_types::Timestamp, diesel::pg::Pg> for DbTime {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        diesel::serialize::ToSql::<diesel::sql_types::Timestamp, diesel::pg::Pg>::to_sql(
            &self.0,
            &mut out.reborrow(),
        )
    }
}

/// `t` as chrono's `%F %T%.f` (what diesel stores for SQLite): `YYYY-MM-DD HH:MM:SS` and, when
/// there is a fraction, `.` with 3, 6 or 9 digits.
fn sqlite_text(t: NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    let (year, nano) = (t.year(), t.nanosecond());
    if !(0..=9999).contains(&year) || nano >= 1_000_000_000 {
        // Signed or five-digit years, leap seconds: chrono's own rules.
        return t.format("%F %T%.f").to_string();
    }
    let mut out = String::with_capacity(29);
    digits(&mut out, year.unsigned_abs(), 4);
    for (sep, n) in [
        ('-', t.month()),
        ('-', t.day()),
        (' ', t.hour()),
        (':', t.minute()),
        (':', t.second()),
    ] {
        out.push(sep);
        digits(&mut out, n, 2);
    }
    let (fraction, width) = match nano {
        0 => return out,
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    out.push('.');
    digits(&mut out, fraction, width);
    out
}

/// `n` in `width` decimal digits, zero-padded (`width` ≤ 9, `n` < 10^`width`).
fn digits(out: &mut String, n: u32, width: usize) {
    let mut buf = [b'0'; 9];
    let mut n = n;
    for d in buf[..width].iter_mut().rev() {
        *d = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
    }
    out.extend(buf[..width].iter().map(|&b| char::from(b)));
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
    pub phone_number_id: String,
    pub parent_user_id: Option<String>,
    pub saved_name: Option<String>,
    pub call_permission: Option<String>,
    pub call_permission_at: Option<NaiveDateTime>,
    pub call_permission_expires_at: Option<NaiveDateTime>,
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        // The operator's name, else the business's own (the Business app's address book), else
        // the customer's WhatsApp profile name.
        let display_name = r
            .display_name
            .or_else(|| r.saved_name.clone())
            .or_else(|| r.profile_name.clone());
        Self {
            id: r.id,
            phone_number_id: r.phone_number_id,
            phone_number: r.phone_number,
            wa_id: r.wa_id,
            user_id: r.user_id,
            parent_user_id: r.parent_user_id,
            display_name,
            profile_name: r.profile_name,
            saved_name: r.saved_name,
            call_permission: match (r.call_permission, r.call_permission_at) {
                (Some(state), Some(at)) => Some(wacloud_core::calls::CallPermission {
                    state,
                    at: from_db(at),
                    expires_at: r.call_permission_expires_at.map(from_db),
                }),
                _ => None,
            },
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
    pub actor: Option<String>,
    pub actor_name: Option<String>,
    pub business_reaction: Option<String>,
    pub pricing_model: Option<String>,
    pub pricing_billable: Option<bool>,
    pub pricing_type: Option<String>,
}

impl MessageRow {
    /// The pricing Meta reported for it.
    pub fn pricing(&self) -> wacloud_core::costs::Pricing {
        wacloud_core::costs::Pricing {
            model: self.pricing_model.clone(),
            billable: self.pricing_billable,
            category: self.pricing_category.clone(),
            kind: self.pricing_type.clone(),
        }
    }
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
            business_reaction: r.business_reaction,
            edited_at: r.edited_at.map(from_db),
            deleted_at: r.deleted_at.map(from_db),
            is_forwarded: r.is_forwarded,
            media: r.media.and_then(|m| serde_json::from_str(&m).ok()),
            source: r.source,
            queue_id: r.queue_id,
            automatic: r
                .actor
                .as_deref()
                .is_some_and(wacloud_core::auth::Actor::is_automatic_tag),
            actor: r.actor,
            actor_name: r.actor_name,
            received_at: from_db(r.received_at),
            updated_at: from_db(r.updated_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate};

    use super::sqlite_text;

    /// Same text as diesel's `%F %T%.f` for whole seconds, milli-, micro- and nanosecond
    /// fractions, the first and last four-digit years, and years chrono writes its own way.
    #[test]
    fn sqlite_text_is_diesels_format() {
        let mut cases = vec![
            NaiveDate::from_ymd_opt(2026, 11, 30)
                .and_then(|d| d.and_hms_opt(3, 4, 5))
                .expect("date"),
            NaiveDate::from_ymd_opt(0, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
            NaiveDate::from_ymd_opt(9999, 12, 31)
                .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 999_999_999))
                .expect("date"),
            NaiveDate::from_ymd_opt(-44, 3, 15)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .expect("date"),
            NaiveDate::from_ymd_opt(10_000, 1, 1)
                .and_then(|d| d.and_hms_milli_opt(0, 0, 0, 7))
                .expect("date"),
        ];
        for nanos in [1, 10, 1_000, 120_000, 5_000_000, 999_000_000, 123_456_789] {
            cases.push(
                DateTime::from_timestamp(1_764_470_000, nanos)
                    .expect("time")
                    .naive_utc(),
            );
        }
        for t in cases {
            assert_eq!(sqlite_text(t), t.format("%F %T%.f").to_string(), "{t:?}");
        }
    }
}
