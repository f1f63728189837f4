//! `GET /contacts`: the page of contacts an operator's list shows, with its totals; and the
//! contacts an export reads, in id order.

use diesel::prelude::*;
use wacloud_core::contact::{AssigneeFilter, Contact, ContactFilter, ContactList, ContactQuery};
use wacloud_core::conversation::ConversationStatus;

use crate::conn::DbConnection;
use crate::models::{to_db, ContactRow};
use crate::schema::whatsapp_contacts::dsl as c;
use crate::schema::whatsapp_conversations::dsl as v;
use crate::with_conn;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// Escapes LIKE wildcards so a search for `50%` finds "50%".
fn like_pattern(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}

pub fn list(conn: &mut DbConnection, q: &ContactQuery) -> QueryResult<ContactList> {
    let search = q
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(like_pattern);
    let tag = q.tag.as_deref().filter(|t| !t.is_empty()).map(|t| {
        let quoted = serde_json::to_string(t).unwrap_or_default();
        like_pattern(&quoted)
    });
    macro_rules! filtered {
        () => {{
            let mut query = c::whatsapp_contacts
                .filter(c::merged_into.is_null())
                .into_boxed();
            if let Some(p) = &search {
                query = query.filter(
                    lower(c::display_name)
                        .like(p.clone())
                        .escape('\\')
                        .or(lower(c::profile_name).like(p.clone()).escape('\\'))
                        .or(lower(c::phone_number).like(p.clone()).escape('\\'))
                        .or(lower(c::wa_id).like(p.clone()).escape('\\'))
                        .or(lower(c::user_id).like(p.clone()).escape('\\'))
                        .or(lower(c::username).like(p.clone()).escape('\\'))
                        .or(lower(c::parent_user_id).like(p.clone()).escape('\\'))
                        .or(lower(c::business_name).like(p.clone()).escape('\\')),
                );
            }
            if let Some(t) = &tag {
                query = query.filter(lower(c::tags.nullable()).like(t.clone()).escape('\\'));
            }
            if let Some(n) = &q.phone_number_id {
                query = query.filter(c::phone_number_id.eq(n.clone()));
            }
            match q.filter {
                None => {}
                Some(ContactFilter::Unread) => query = query.filter(c::unread_count.gt(0)),
                Some(ContactFilter::NeedsReply) => {
                    query = query.filter(c::last_message_direction.eq("inbound"));
                }
                Some(ContactFilter::WindowOpenSince(t)) => {
                    query = query.filter(c::last_inbound_at.gt(to_db(t)));
                }
            }
            // The team inbox's views: a contact without a conversation row is open and
            // unassigned, so "open" and "unassigned" keep every contact but those a row says
            // otherwise of.
            match &q.assignee {
                None => {}
                Some(AssigneeFilter::Operator(id)) => {
                    query = query.filter(
                        c::id.eq_any(
                            v::whatsapp_conversations
                                .filter(v::assignee_id.eq(id.clone()))
                                .select(v::contact_id),
                        ),
                    );
                }
                Some(AssigneeFilter::Unassigned) => {
                    query = query.filter(
                        c::id.ne_all(
                            v::whatsapp_conversations
                                .filter(v::assignee_id.is_not_null())
                                .select(v::contact_id),
                        ),
                    );
                }
            }
            if let Some((status, now)) = q.status {
                let now = to_db(now);
                let snoozed = v::status
                    .eq(ConversationStatus::Snoozed.as_str())
                    .and(v::snoozed_until.gt(now));
                query = match status {
                    ConversationStatus::Open => query.filter(
                        c::id.ne_all(
                            v::whatsapp_conversations
                                .filter(
                                    v::status
                                        .eq_any([
                                            ConversationStatus::Pending.as_str(),
                                            ConversationStatus::Resolved.as_str(),
                                        ])
                                        .nullable()
                                        .or(snoozed),
                                )
                                .select(v::contact_id),
                        ),
                    ),
                    ConversationStatus::Snoozed => query.filter(
                        c::id.eq_any(
                            v::whatsapp_conversations
                                .filter(snoozed)
                                .select(v::contact_id),
                        ),
                    ),
                    other => query.filter(
                        c::id.eq_any(
                            v::whatsapp_conversations
                                .filter(v::status.eq(other.as_str()))
                                .select(v::contact_id),
                        ),
                    ),
                };
            }
            query
        }};
    }
    let rows: Vec<ContactRow> = with_conn!(conn, |x| filtered!()
        .order((
            c::is_pinned.desc(),
            c::last_message_time.is_null().asc(),
            c::last_message_time.desc(),
            c::id.desc(),
        ))
        .limit(q.limit)
        .offset(q.offset)
        .select(ContactRow::as_select())
        .load(x))?;
    let unfiltered = search.is_none()
        && tag.is_none()
        && q.phone_number_id.is_none()
        && q.filter.is_none()
        && q.assignee.is_none()
        && q.status.is_none();
    let (total_count, unread_count) = if unfiltered {
        // Unfiltered, the total is the kept count (counting every contact grows with the
        // table), and only contacts with unread messages are summed: few rows even with many
        // contacts. A literal condition (not a bound parameter) so PostgreSQL's plans can use
        // the partial index `whatsapp_contacts_unread`.
        let unread: i64 = with_conn!(conn, |x| filtered!()
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "whatsapp_contacts.unread_count > 0"
            ))
            .select(c::unread_count)
            .load::<i64>(x))?
        .into_iter()
        .sum();
        (super::stats::contacts_total(conn)?, unread)
    } else {
        // A search or filter reads every candidate anyway: count and sum in the same pass.
        with_conn!(conn, |x| filtered!()
            .select(diesel::dsl::sql::<(
                diesel::sql_types::BigInt,
                diesel::sql_types::BigInt,
            )>(
                "COUNT(*), CAST(COALESCE(SUM(CASE WHEN whatsapp_contacts.unread_count > 0 \
                 THEN whatsapp_contacts.unread_count ELSE 0 END), 0) AS BIGINT)"
            ))
            .get_result::<(i64, i64)>(x))?
    };
    Ok(ContactList {
        contacts: rows.into_iter().map(Contact::from).collect(),
        total_count,
        unread_count,
    })
}

/// Up to `limit` contacts not merged into another, in id order, after `after` (an id): the
/// pages of an export, each read by its key so the millionth row costs what the first did.
pub fn after_id(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Contact>> {
    let rows: Vec<ContactRow> = with_conn!(conn, |x| {
        let mut query = c::whatsapp_contacts
            .filter(c::merged_into.is_null())
            .into_boxed();
        if let Some(a) = after {
            query = query.filter(c::id.gt(a.to_owned()));
        }
        query
            .order(c::id.asc())
            .limit(limit)
            .select(ContactRow::as_select())
            .load(x)
    })?;
    Ok(rows.into_iter().map(Contact::from).collect())
}
