//! `whatsapp_messages` (and the `whatsapp_media` rows of media messages).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::IntoSql;
use wacloud_core::message::{DeliveryError, Direction, Message, MessageStatus};
use wacloud_core::ports::{new_id, MessageQuery, NewMessage, StatusChange};

use crate::conn::DbConnection;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

use crate::models::{db_time, to_db, DbTime, MessageRow};
use crate::repo::prepared::{statements, Prepared};
use crate::schema::whatsapp_media::dsl as md;
use crate::schema::whatsapp_messages::dsl as m;
use crate::with_conn;

/// Message kinds that change another message rather than stand on their own; kept for the
/// record, left out of the history listing.
pub const EFFECT_KINDS: [&str; 3] = ["reaction", "edit", "revoke"];

pub fn insert(conn: &mut DbConnection, n: &NewMessage, now: DateTime<Utc>) -> QueryResult<bool> {
    if matches!(conn, DbConnection::Sqlite(_)) {
        // The batch path's statement, kept prepared (diesel would build and parse this insert
        // again each time: its SQL depends on which values are set).
        let inserted = super::batch::insert_messages(conn, std::slice::from_ref(n), now)?
            .first()
            .copied()
            .unwrap_or(false);
        if inserted {
            if let Some(media) = n.media.as_deref() {
                record_media(conn, &n.id, n.direction, media, now)?;
            }
        }
        return Ok(inserted);
    }
    let err = n.error.clone().unwrap_or_default();
    let rows = with_conn!(conn, |x| diesel::insert_into(m::whatsapp_messages)
        .values((
            (
                m::id.eq(&n.id),
                m::message_id.eq(&n.message_id),
                m::contact_id.eq(&n.contact_id),
                m::direction.eq(n.direction.as_str()),
                m::from_phone.eq(&n.from_phone),
                m::to_phone.eq(&n.to_phone),
                m::user_id.eq(&n.user_id),
                m::message_type.eq(&n.message_type),
                m::message_text.eq(&n.message_text),
                m::status.eq(n.status.as_str()),
                m::status_rank.eq(n.status.rank()),
                m::is_read.eq(n.is_read),
            ),
            (
                m::created_at.eq(to_db(n.created_at)),
                m::received_at.eq(to_db(now)),
                m::reply_to.eq(&n.reply_to),
                m::is_forwarded.eq(n.is_forwarded),
                m::media.eq(&n.media),
                m::raw.eq(&n.raw),
                m::phone_number_id.eq(&n.phone_number_id),
                m::source.eq(&n.source),
                m::queue_id.eq(&n.queue_id),
                m::group_id.eq(&n.group_id),
                m::payload.eq(&n.payload),
                m::updated_at.eq(to_db(now)),
                m::actor.eq(&n.actor),
                m::actor_name.eq(&n.actor_name),
            ),
            (
                m::error_code.eq(err.code),
                m::error_title.eq(err.title),
                m::error_message.eq(err.message),
                m::error_details.eq(err.details),
            ),
        ))
        .on_conflict(m::message_id)
        .do_nothing()
        .execute(x))?;
    if rows == 1 {
        if let Some(media) = n.media.as_deref() {
            record_media(conn, &n.id, n.direction, media, now)?;
        }
    }
    Ok(rows == 1)
}

pub(super) fn record_media(
    conn: &mut DbConnection,
    message_id: &str,
    direction: Direction,
    media_json: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(media_json) else {
        return Ok(());
    };
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    let media_id = s("id");
    if media_id.is_none() && s("url").is_none() {
        return Ok(());
    }
    let t = to_db(now);
    with_conn!(conn, |x| diesel::insert_into(md::whatsapp_media)
        .values((
            md::id.eq(new_id()),
            md::media_id.eq(&media_id),
            md::message_id.eq(message_id),
            md::direction.eq(direction.as_str()),
            md::mime_type.eq(s("mime_type")),
            md::sha256.eq(s("sha256")),
            md::filename.eq(s("filename")),
            md::url.eq(s("url")),
            md::created_at.eq(t),
            md::updated_at.eq(t),
        ))
        .on_conflict(md::media_id)
        .do_nothing()
        .execute(x))
    .map(drop)
}

// Lookups by unique keys use `get_result`, not `first`: `first` binds `LIMIT ?`, and SQLite
// re-prepares a statement whose LIMIT parameter is rebound, on every execution.
fn row_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<MessageRow>> {
    with_conn!(conn, |x| m::whatsapp_messages
        .find(id)
        .select(MessageRow::as_select())
        .get_result(x)
        .optional())
}

fn row_by_wamid(conn: &mut DbConnection, wamid: &str) -> QueryResult<Option<MessageRow>> {
    with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::message_id.eq(wamid))
        .select(MessageRow::as_select())
        .get_result(x)
        .optional())
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Message>> {
    Ok(row_by_id(conn, id)?.map(Message::from))
}

pub fn find_by_wamid(conn: &mut DbConnection, wamid: &str) -> QueryResult<Option<Message>> {
    Ok(row_by_wamid(conn, wamid)?.map(Message::from))
}

pub fn latest_for_queue_item(
    conn: &mut DbConnection,
    queue_id: &str,
) -> QueryResult<Option<Message>> {
    let row = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::queue_id.eq(queue_id))
        .order((m::created_at.desc(), m::id.desc()))
        .select(MessageRow::as_select())
        .first(x)
        .optional())?;
    Ok(row.map(Message::from))
}

fn earliest(a: Option<NaiveDateTime>, b: Option<NaiveDateTime>) -> Option<NaiveDateTime> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

statements! {
    /// [`attach_wamid`]'s update.
    AttachWamid = "UPDATE whatsapp_messages SET message_id = ?, status = ?, status_rank = ?, \
        sent_at = ?, delivered_at = ?, read_at = ?, played_at = ?, failed_at = ?, \
        error_code = ?, error_title = ?, error_message = ?, error_details = ?, \
        conversation_id = ?, pricing_category = ?, pricing_model = ?, pricing_billable = ?, \
        pricing_type = ?, updated_at = ? WHERE id = ?";
}

pub fn attach_wamid(
    conn: &mut DbConnection,
    id: &str,
    wamid: &str,
    now: DateTime<Utc>,
) -> QueryResult<Message> {
    let ours = row_by_id(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    let placeholder = row_by_wamid(conn, wamid)?.filter(|p| p.id != id);
    let accepted = MessageStatus::Accepted;
    let (mut status, mut rank) = if accepted.rank() > ours.status_rank {
        (accepted.as_str().to_owned(), accepted.rank())
    } else {
        (ours.status.clone(), ours.status_rank)
    };
    let (mut sent, mut delivered, mut read, mut played, mut failed) = (
        ours.sent_at,
        ours.delivered_at,
        ours.read_at,
        ours.played_at,
        ours.failed_at,
    );
    let mut err = (
        ours.error_code,
        ours.error_title.clone(),
        ours.error_message.clone(),
        ours.error_details.clone(),
    );
    let (mut conversation, mut pricing) = (ours.conversation_id.clone(), ours.pricing());
    if let Some(p) = placeholder {
        // A status beat the send's response: fold what it recorded into the real row.
        pricing = pricing.or(p.pricing());
        if p.status_rank > rank {
            status = p.status.clone();
            rank = p.status_rank;
        }
        sent = earliest(sent, p.sent_at);
        delivered = earliest(delivered, p.delivered_at);
        read = earliest(read, p.read_at);
        played = earliest(played, p.played_at);
        failed = earliest(failed, p.failed_at);
        if p.error_code.is_some() {
            err = (
                p.error_code,
                p.error_title,
                p.error_message,
                p.error_details,
            );
        }
        conversation = conversation.or(p.conversation_id);
        with_conn!(conn, |x| diesel::delete(m::whatsapp_messages.find(&p.id))
            .execute(x))?;
    }
    // Kept prepared: one run per message sent.
    let ts = |t: Option<NaiveDateTime>| t.map(DbTime);
    with_conn!(conn, |x| Prepared::<_, AttachWamid>::new()
        .bind::<Text, _>(wamid)
        .bind::<Text, _>(status.as_str())
        .bind::<Integer, _>(rank)
        .bind::<Nullable<Timestamp>, _>(ts(sent))
        .bind::<Nullable<Timestamp>, _>(ts(delivered))
        .bind::<Nullable<Timestamp>, _>(ts(read))
        .bind::<Nullable<Timestamp>, _>(ts(played))
        .bind::<Nullable<Timestamp>, _>(ts(failed))
        .bind::<Nullable<BigInt>, _>(err.0)
        .bind::<Nullable<Text>, _>(err.1.as_deref())
        .bind::<Nullable<Text>, _>(err.2.as_deref())
        .bind::<Nullable<Text>, _>(err.3.as_deref())
        .bind::<Nullable<Text>, _>(conversation.as_deref())
        .bind::<Nullable<Text>, _>(pricing.category.as_deref())
        .bind::<Nullable<Text>, _>(pricing.model.as_deref())
        .bind::<Nullable<Bool>, _>(pricing.billable)
        .bind::<Nullable<Text>, _>(pricing.kind.as_deref())
        .bind::<Timestamp, _>(db_time(now))
        .bind::<Text, _>(id)
        .execute(x))?;
    // The row as just written, without reading it back.
    Ok(MessageRow {
        message_id: Some(wamid.to_owned()),
        status,
        status_rank: rank,
        sent_at: sent,
        delivered_at: delivered,
        read_at: read,
        played_at: played,
        failed_at: failed,
        error_code: err.0,
        error_title: err.1,
        error_message: err.2,
        error_details: err.3,
        conversation_id: conversation,
        pricing_category: pricing.category,
        pricing_model: pricing.model,
        pricing_billable: pricing.billable,
        pricing_type: pricing.kind,
        updated_at: to_db(now),
        ..ours
    }
    .into())
}

pub fn apply_status(conn: &mut DbConnection, id: &str, ch: &StatusChange) -> QueryResult<bool> {
    let Some(cur) = row_by_id(conn, id)? else {
        return Ok(false);
    };
    let at = to_db(ch.at);
    // Every status's own timestamp is recorded once, even when it arrives late; the condition
    // is part of the statement so a concurrent writer's stamp is never overwritten.
    macro_rules! stamp {
        ($col:expr, $current:expr) => {
            if $current.is_none() {
                with_conn!(conn, |x| diesel::update(
                    m::whatsapp_messages.find(id).filter($col.is_null())
                )
                .set($col.eq(Some(at)))
                .execute(x))?;
            }
        };
    }
    match ch.status {
        MessageStatus::Sent => stamp!(m::sent_at, cur.sent_at),
        MessageStatus::Delivered => stamp!(m::delivered_at, cur.delivered_at),
        MessageStatus::Read => stamp!(m::read_at, cur.read_at),
        MessageStatus::Played => stamp!(m::played_at, cur.played_at),
        MessageStatus::Failed => stamp!(m::failed_at, cur.failed_at),
        _ => {}
    }
    if ch.conversation_id.is_some() || !ch.pricing.is_empty() {
        let pricing = cur.pricing().or(ch.pricing.clone());
        with_conn!(conn, |x| diesel::update(m::whatsapp_messages.find(id))
            .set((
                m::conversation_id.eq(ch.conversation_id.as_ref().or(cur.conversation_id.as_ref())),
                m::pricing_category.eq(&pricing.category),
                m::pricing_model.eq(&pricing.model),
                m::pricing_billable.eq(pricing.billable),
                m::pricing_type.eq(&pricing.kind),
            ))
            .execute(x))?;
    }
    let rank = ch.status.rank();
    // The guard makes the move atomic: a concurrent, further status is never overwritten.
    let moved = with_conn!(conn, |x| diesel::update(
        m::whatsapp_messages
            .filter(m::id.eq(id))
            .filter(m::status_rank.lt(rank))
    )
    .set((
        m::status.eq(ch.status.as_str()),
        m::status_rank.eq(rank),
        m::updated_at.eq(at.max(cur.updated_at)),
    ))
    .execute(x))?
        == 1;
    if ch.status == MessageStatus::Failed && (moved || cur.error_code.is_none()) {
        if let Some(e) = &ch.error {
            set_error(conn, id, e)?;
        }
    }
    Ok(moved)
}

fn set_error(conn: &mut DbConnection, id: &str, e: &DeliveryError) -> QueryResult<()> {
    with_conn!(conn, |x| diesel::update(m::whatsapp_messages.find(id))
        .set((
            m::error_code.eq(e.code),
            m::error_title.eq(&e.title),
            m::error_message.eq(&e.message),
            m::error_details.eq(&e.details),
        ))
        .execute(x))
    .map(drop)
}

pub fn fail(
    conn: &mut DbConnection,
    id: &str,
    e: &DeliveryError,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    let change = StatusChange {
        status: MessageStatus::Failed,
        at,
        error: Some(e.clone()),
        conversation_id: None,
        pricing: Default::default(),
    };
    apply_status(conn, id, &change).map(drop)
}

pub fn note_error(conn: &mut DbConnection, id: &str, note: &str) -> QueryResult<()> {
    with_conn!(conn, |x| diesel::update(m::whatsapp_messages.find(id))
        .set(m::error_message.eq(note))
        .execute(x))
    .map(drop)
}

pub fn set_reaction(
    conn: &mut DbConnection,
    wamid: &str,
    emoji: Option<&str>,
) -> QueryResult<bool> {
    with_conn!(conn, |x| diesel::update(
        m::whatsapp_messages.filter(m::message_id.eq(wamid))
    )
    .set(m::reaction.eq(emoji))
    .execute(x))
    .map(|n| n > 0)
}

/// Sets (or with `None` clears) the business's own reaction on the message with `wamid`.
pub fn set_business_reaction(
    conn: &mut DbConnection,
    wamid: &str,
    emoji: Option<&str>,
) -> QueryResult<bool> {
    with_conn!(conn, |x| diesel::update(
        m::whatsapp_messages.filter(m::message_id.eq(wamid))
    )
    .set(m::business_reaction.eq(emoji))
    .execute(x))
    .map(|n| n > 0)
}

pub fn edit(
    conn: &mut DbConnection,
    wamid: &str,
    text: Option<&str>,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    let target = m::whatsapp_messages.filter(m::message_id.eq(wamid));
    let n = match text {
        Some(t) => with_conn!(conn, |x| diesel::update(target)
            .set((m::message_text.eq(t), m::edited_at.eq(to_db(at))))
            .execute(x))?,
        None => with_conn!(conn, |x| diesel::update(target)
            .set(m::edited_at.eq(to_db(at)))
            .execute(x))?,
    };
    Ok(n > 0)
}

pub fn revoke(conn: &mut DbConnection, wamid: &str, at: DateTime<Utc>) -> QueryResult<bool> {
    with_conn!(conn, |x| diesel::update(
        m::whatsapp_messages.filter(m::message_id.eq(wamid))
    )
    .set((
        m::message_text.eq(None::<String>),
        m::deleted_at.eq(to_db(at)),
        m::reaction.eq(None::<String>),
    ))
    .execute(x))
    .map(|n| n > 0)
}

pub fn mark_contact_read(
    conn: &mut DbConnection,
    contact_id: &str,
) -> QueryResult<(i64, Option<String>)> {
    let newest: Option<Option<String>> = with_conn!(conn, |x| m::whatsapp_messages
        .filter(m::contact_id.eq(contact_id))
        .filter(m::direction.eq(Direction::Inbound.as_str()))
        .filter(m::message_id.is_not_null())
        .order((m::created_at.desc(), m::id.desc()))
        .select(m::message_id)
        .first(x)
        .optional())?;
    let n = with_conn!(conn, |x| diesel::update(
        m::whatsapp_messages
            .filter(m::contact_id.eq(contact_id))
            .filter(m::direction.eq(Direction::Inbound.as_str()))
            .filter(m::is_read.eq(false))
    )
    .set(m::is_read.eq(true))
    .execute(x))?;
    {
        use crate::schema::whatsapp_contacts::dsl as c;
        with_conn!(conn, |x| diesel::update(
            c::whatsapp_contacts.find(contact_id)
        )
        .set(c::unread_count.eq(0_i64))
        .execute(x))?;
    }
    Ok((i64::try_from(n).unwrap_or(i64::MAX), newest.flatten()))
}

pub fn list(conn: &mut DbConnection, q: &MessageQuery) -> QueryResult<(Vec<Message>, bool)> {
    let rows: Vec<MessageRow> = with_conn!(conn, |x| {
        let mut query = m::whatsapp_messages
            .filter(m::message_type.ne_all(EFFECT_KINDS))
            .into_boxed();
        if let Some(cid) = &q.contact_id {
            query = query.filter(m::contact_id.eq(cid.clone()));
        }
        if let Some(d) = q.direction {
            query = query.filter(m::direction.eq(d.as_str()));
        }
        if let Some((t, id)) = &q.before {
            let t = to_db(*t);
            // `created_at <= t` alone bounds the index range; the second condition breaks
            // ties by id.
            query = query
                .filter(m::created_at.le(t))
                .filter(m::created_at.lt(t).or(m::id.lt(id.clone())));
        }
        query
            .order((m::created_at.desc(), m::id.desc()))
            .limit(q.limit + 1)
            .select(MessageRow::as_select())
            .load(x)
    })?;
    let has_more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > q.limit;
    let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
    Ok((
        rows.into_iter().take(limit).map(Message::from).collect(),
        has_more,
    ))
}

diesel::define_sql_function! {
    /// SQL `COALESCE(x, y)`.
    fn coalesce<T: diesel::sql_types::SqlType + diesel::sql_types::SingleValue>(x: diesel::sql_types::Nullable<T>, y: diesel::sql_types::Nullable<T>) -> diesel::sql_types::Nullable<T>;
}

/// The hot path of status webhooks: one statement that stamps the status's time (first report
/// wins), moves the status forward only (the rank guard makes it atomic against concurrent
/// writers), and keeps conversation and pricing. Returns the message's id, `None` when no
/// message has `wamid`.
pub fn apply_status_by_wamid(
    conn: &mut DbConnection,
    wamid: &str,
    ch: &StatusChange,
    now: DateTime<Utc>,
) -> QueryResult<Option<String>> {
    use diesel::dsl::case_when;
    use diesel::sql_types::{Integer, Text};
    let at = Some(to_db(ch.at));
    let rank = ch.status.rank();
    let status = ch.status.as_str();
    let conversation = ch.conversation_id.as_deref();
    let p = &ch.pricing;
    macro_rules! update {
        ($col:expr) => {
            with_conn!(conn, |x| diesel::update(
                m::whatsapp_messages.filter(m::message_id.eq(wamid))
            )
            .set((
                $col.eq(coalesce($col, at)),
                m::status.eq(
                    case_when(m::status_rank.lt(rank), status.into_sql::<Text>())
                        .otherwise(m::status)
                ),
                m::status_rank.eq(
                    case_when(m::status_rank.lt(rank), rank.into_sql::<Integer>())
                        .otherwise(m::status_rank)
                ),
                m::conversation_id.eq(coalesce(conversation, m::conversation_id)),
                m::pricing_category.eq(coalesce(m::pricing_category, p.category.as_deref())),
                m::pricing_model.eq(coalesce(m::pricing_model, p.model.as_deref())),
                m::pricing_billable.eq(coalesce(m::pricing_billable, p.billable)),
                m::pricing_type.eq(coalesce(m::pricing_type, p.kind.as_deref())),
                m::updated_at.eq(to_db(now)),
            ))
            .returning(m::id)
            .get_result::<String>(x)
            .optional())
        };
    }
    match ch.status {
        MessageStatus::Sent => update!(m::sent_at),
        MessageStatus::Delivered => update!(m::delivered_at),
        MessageStatus::Read => update!(m::read_at),
        MessageStatus::Played => update!(m::played_at),
        MessageStatus::Failed => update!(m::failed_at),
        _ => {
            // A status Meta added later ranks lowest and moves nothing: only say whether the
            // message exists.
            with_conn!(conn, |x| m::whatsapp_messages
                .filter(m::message_id.eq(wamid))
                .select(m::id)
                .get_result::<String>(x)
                .optional())
        }
    }
}
