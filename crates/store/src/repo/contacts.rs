//! `whatsapp_contacts`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use wacloud_core::contact::{Contact, ContactUpdate};
use wacloud_core::events::CustomerRef;
use wacloud_core::message::Direction;
use wacloud_core::phone::{CustomerKey, PhoneNumber};

use crate::conn::DbConnection;
use diesel::sql_types::{Nullable, Text, Timestamp};

use crate::models::{db_time, to_db, ContactRow};
use crate::repo::prepared::{statements, Prepared};
use crate::schema::whatsapp_contacts::dsl as c;
use crate::with_conn;

// Lookups by unique keys use `get_result`, not `first`: `first` binds `LIMIT ?`, and SQLite
// re-prepares a statement whose LIMIT parameter is rebound, on every execution.
//
// `number` is the business number (`phone_number_id`) the contact belongs to; `None` looks on
// every number (the oldest contact first), for a server with no number configured.
fn by_wa_id(
    conn: &mut DbConnection,
    number: Option<&str>,
    wa_id: &str,
) -> QueryResult<Option<ContactRow>> {
    match number {
        Some(n) => with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::phone_number_id.eq(n))
            .filter(c::wa_id.eq(wa_id))
            .select(ContactRow::as_select())
            .get_result(x)
            .optional()),
        None => oldest(with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::wa_id.eq(wa_id))
            .order(c::created_at.asc())
            .select(ContactRow::as_select())
            .load(x))?),
    }
}

fn oldest(rows: Vec<ContactRow>) -> QueryResult<Option<ContactRow>> {
    Ok(rows.into_iter().next())
}

fn by_phone(
    conn: &mut DbConnection,
    number: Option<&str>,
    e164: &str,
) -> QueryResult<Option<ContactRow>> {
    let rows: Vec<ContactRow> = match number {
        Some(n) => with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::phone_number_id.eq(n))
            .filter(c::phone_number.eq(e164))
            .order(c::created_at.asc())
            .select(ContactRow::as_select())
            .load(x))?,
        None => with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::phone_number.eq(e164))
            .order(c::created_at.asc())
            .select(ContactRow::as_select())
            .load(x))?,
    };
    oldest(rows)
}

fn by_user_id(
    conn: &mut DbConnection,
    number: Option<&str>,
    user_id: &str,
) -> QueryResult<Option<ContactRow>> {
    match number {
        Some(n) => with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::phone_number_id.eq(n))
            .filter(c::user_id.eq(user_id))
            .select(ContactRow::as_select())
            .get_result(x)
            .optional()),
        None => oldest(with_conn!(conn, |x| c::whatsapp_contacts
            .filter(c::user_id.eq(user_id))
            .order(c::created_at.asc())
            .select(ContactRow::as_select())
            .load(x))?),
    }
}

fn row(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ContactRow>> {
    with_conn!(conn, |x| c::whatsapp_contacts
        .find(id)
        .select(ContactRow::as_select())
        .get_result(x)
        .optional())
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Contact>> {
    Ok(row(conn, id)?.map(Contact::from))
}

/// Follows an alias left by a merge to the contact it was folded into.
fn resolve(conn: &mut DbConnection, row: Option<ContactRow>) -> QueryResult<Option<ContactRow>> {
    match row {
        Some(r) => match r.merged_into.clone() {
            Some(into) => with_conn!(conn, |x| c::whatsapp_contacts
                .find(into)
                .select(ContactRow::as_select())
                .get_result(x)
                .optional()),
            None => Ok(Some(r)),
        },
        None => Ok(None),
    }
}

/// By number: Meta's `wa_id` first, then the number as typed (following a merge); on business
/// number `number` (`None`: any).
pub fn find(
    conn: &mut DbConnection,
    number: Option<&str>,
    key: &CustomerKey,
) -> QueryResult<Option<Contact>> {
    let row = match key {
        CustomerKey::Phone(p) => match by_wa_id(conn, number, p.digits())? {
            Some(r) => Some(r),
            None => {
                let typed = by_phone(conn, number, p.as_e164())?;
                match resolve(conn, typed)? {
                    Some(r) => Some(r),
                    // The customer wrote in under an older form of the number (Brazil's ninth
                    // digit, Mexico's 521, Argentina's 549): that is their contact.
                    None => {
                        let mut found = None;
                        for v in p.wa_id_variants() {
                            found = by_wa_id(conn, number, &v)?;
                            if found.is_some() {
                                break;
                            }
                        }
                        found
                    }
                }
            }
        },
        CustomerKey::UserId(u) => by_user_id(conn, number, u)?,
    };
    Ok(row.map(Contact::from))
}

/// Folds contact `from` (a number as typed) into `into` (the contact holding Meta's `wa_id` for
/// it): its messages and unread count move over, names and tags fill what `into` lacks, and
/// `from` stays behind as an alias, so the typed number keeps finding `into`.
pub fn merge(
    conn: &mut DbConnection,
    from: &str,
    into: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    use crate::schema::whatsapp_messages::dsl as m;
    let (Some(a), Some(b)) = (get(conn, from)?, get(conn, into)?) else {
        return Ok(());
    };
    with_conn!(conn, |x| diesel::update(
        m::whatsapp_messages.filter(m::contact_id.eq(from))
    )
    .set(m::contact_id.eq(into))
    .execute(x))?;
    move_conversation(conn, from, into)?;
    let newer_last = match (a.last_message_time, b.last_message_time) {
        (Some(x), Some(y)) => x > y,
        (Some(_), None) => true,
        _ => false,
    };
    let mut tags = b.tags.clone();
    for t in a.tags {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let t = to_db(now);
    with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(into))
        .set((
            c::unread_count.eq(b.unread_count + a.unread_count),
            c::tags.eq(serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into())),
            c::is_pinned.eq(b.is_pinned || a.is_pinned),
            c::is_blocked.eq(b.is_blocked || a.is_blocked),
            c::updated_at.eq(t),
        ))
        .execute(x))?;
    let operator_name = with_conn!(conn, |x| c::whatsapp_contacts
        .find(from)
        .select(c::display_name)
        .get_result::<Option<String>>(x))?;
    if let Some(name) = operator_name {
        with_conn!(conn, |x| diesel::update(
            c::whatsapp_contacts
                .find(into)
                .filter(c::display_name.is_null())
        )
        .set(c::display_name.eq(name))
        .execute(x))?;
    }
    if newer_last {
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(into))
            .set((
                c::last_message_time.eq(a.last_message_time.map(to_db)),
                c::last_message_preview.eq(&a.last_message_preview),
                c::last_message_direction.eq(&a.last_message_direction),
            ))
            .execute(x))?;
    }
    with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(from))
        .set((
            c::merged_into.eq(into),
            c::wa_id.eq(None::<String>),
            c::user_id.eq(None::<String>),
            c::unread_count.eq(0_i64),
            c::updated_at.eq(t),
        ))
        .execute(x))
    .map(drop)
}

/// By a webhook's identity: `wa_id`, then the typed number equal to `+wa_id`, then the BSUID.
pub fn find_by_ref(conn: &mut DbConnection, who: &CustomerRef) -> QueryResult<Option<Contact>> {
    let number = who.phone_number_id.as_deref();
    if let Some(w) = who.wa_id.as_deref() {
        if let Some(r) = by_wa_id(conn, number, w)? {
            return Ok(Some(r.into()));
        }
        let typed = by_phone(conn, number, &format!("+{w}"))?;
        if let Some(r) = resolve(conn, typed)? {
            return Ok(Some(r.into()));
        }
    }
    if let Some(p) = who.phone_number.as_deref() {
        let typed = by_phone(conn, number, p)?;
        if let Some(r) = resolve(conn, typed)? {
            return Ok(Some(r.into()));
        }
    }
    if let Some(u) = who.user_id.as_deref() {
        if let Some(r) = by_user_id(conn, number, u)? {
            // Meta's wa_id has priority: a BSUID match never joins two different wa_ids.
            let compatible = match (&r.wa_id, &who.wa_id) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            if compatible {
                return Ok(Some(r.into()));
            }
        }
    }
    Ok(None)
}

/// Creates the contact, or returns the one that another transaction (another server instance
/// on PostgreSQL) created for the same customer at the same moment: the insert does nothing on a
/// unique conflict (`wa_id`, `user_id`, or the number of a contact known only by its number)
/// and the winner is read back, so a race never fails a delivery or a send.
pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    who: &CustomerRef,
    now: DateTime<Utc>,
) -> QueryResult<Contact> {
    let phone = who.phone_number.clone().or_else(|| {
        who.wa_id
            .as_deref()
            .and_then(|w| PhoneNumber::from_wa_id(w).ok())
            .map(String::from)
    });
    // A BSUID already held by a contact with another wa_id stays with that contact.
    let user_id = match who.user_id.as_deref() {
        Some(u) if by_user_id(conn, who.phone_number_id.as_deref(), u)?.is_none() => {
            Some(u.to_owned())
        }
        _ => None,
    };
    if try_insert(conn, id, who, user_id.as_deref(), phone.as_deref(), now)? {
        return get(conn, id)?.ok_or(diesel::result::Error::NotFound);
    }
    // Lost a race: the contact exists now (the conflicting transaction has committed).
    if let Some(c) = find_by_ref(conn, who)? {
        return Ok(c);
    }
    // The conflict was on the BSUID alone, now held by a contact with another wa_id: that
    // BSUID stays there, as above.
    if user_id.is_some() && try_insert(conn, id, who, None, phone.as_deref(), now)? {
        return get(conn, id)?.ok_or(diesel::result::Error::NotFound);
    }
    find_by_ref(conn, who)?.ok_or(diesel::result::Error::NotFound)
}

fn try_insert(
    conn: &mut DbConnection,
    id: &str,
    who: &CustomerRef,
    user_id: Option<&str>,
    phone: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let t = db_time(now);
    // Kept prepared: diesel would build and parse this insert again each time (its SQL
    // depends on which values are set).
    let n = with_conn!(conn, |x| Prepared::<_, InsertContact>::new()
        .bind::<Text, _>(id)
        .bind::<Text, _>(who.phone_number_id.as_deref().unwrap_or(""))
        .bind::<Nullable<Text>, _>(who.wa_id.as_deref())
        .bind::<Nullable<Text>, _>(user_id)
        .bind::<Nullable<Text>, _>(who.parent_user_id.as_deref())
        .bind::<Nullable<Text>, _>(phone)
        .bind::<Nullable<Text>, _>(who.profile_name.as_deref())
        .bind::<Nullable<Text>, _>(who.username.as_deref())
        .bind::<Timestamp, _>(t)
        .bind::<Timestamp, _>(t)
        .execute(x))?;
    Ok(n == 1)
}

statements! {
    /// [`try_insert`]'s insert.
    InsertContact = "INSERT INTO whatsapp_contacts (id, phone_number_id, wa_id, user_id, \
        parent_user_id, phone_number, profile_name, username, tags, created_at, updated_at) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?) ON CONFLICT DO NOTHING";
}

/// Runs an update that may hit a unique constraint because another transaction just gave the
/// same identity to another contact; then the update is skipped (Meta's ids are identities,
/// never moved). The savepoint keeps the surrounding transaction usable on PostgreSQL. SQLite
/// needs none: a statement that breaks a constraint is undone alone and the transaction goes on,
/// and a savepoint there copies every page the update touches into a sub-journal first.
fn unless_taken(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> QueryResult<usize>,
) -> QueryResult<usize> {
    if matches!(conn, DbConnection::Sqlite(_)) {
        return match f(conn) {
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => Ok(0),
            other => other,
        };
    }
    let mut f = Some(f);
    let r = conn.transaction(|c| match f.take() {
        Some(f) => f(c),
        None => Ok(0),
    });
    match r {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(0),
        other => other,
    }
}

/// The contact made for `who`'s BSUID alone (no `wa_id`) while `current` held their `wa_id`
/// without it, on the same business number: the one customer under two contacts, the first time
/// Meta names them by both. `None` when there is no such twin.
pub fn bsuid_only_twin(
    conn: &mut DbConnection,
    current: &Contact,
    who: &CustomerRef,
) -> QueryResult<Option<String>> {
    let (Some(u), Some(w)) = (who.user_id.as_deref(), who.wa_id.as_deref()) else {
        return Ok(None);
    };
    if current.user_id.is_some() || current.wa_id.as_deref() != Some(w) {
        return Ok(None);
    }
    Ok(by_user_id(conn, Some(&current.phone_number_id), u)?
        .filter(|r| r.id != current.id && r.wa_id.is_none() && r.merged_into.is_none())
        .map(|r| r.id))
}

/// Gives contact `id` the identities Meta reported changed (see
/// `Repos::change_contact_identity`); returns the contacts merged into it.
pub fn change_identity(
    conn: &mut DbConnection,
    id: &str,
    wa_id: Option<&str>,
    user_id: Option<&str>,
    parent_user_id: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<String>> {
    let Some(cur) = row(conn, id)? else {
        return Ok(Vec::new());
    };
    let number = cur.phone_number_id.clone();
    let t = to_db(now);
    let mut merged = Vec::new();
    let wa_id = wa_id.filter(|w| cur.wa_id.as_deref() != Some(*w));
    if let Some(w) = wa_id {
        if let Some(other) = by_wa_id(conn, Some(&number), w)?.filter(|r| r.id != id) {
            merge(conn, &other.id, id, now)?;
            merged.push(other.id);
        }
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
            .set((c::wa_id.eq(w), c::updated_at.eq(t)))
            .execute(x))?;
        if let Ok(p) = PhoneNumber::from_wa_id(w) {
            unless_taken(conn, |conn| {
                with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
                    .set(c::phone_number.eq(p.as_e164()))
                    .execute(x))
            })?;
        }
    }
    if let Some(u) = user_id.filter(|u| cur.user_id.as_deref() != Some(*u)) {
        let holder_wa_id = wa_id.or(cur.wa_id.as_deref());
        let free = match by_user_id(conn, Some(&number), u)?.filter(|r| r.id != id) {
            None => true,
            // Meta's wa_id has priority: a BSUID never joins two different wa_ids.
            Some(other) if other.wa_id.is_none() || other.wa_id.as_deref() == holder_wa_id => {
                merge(conn, &other.id, id, now)?;
                merged.push(other.id);
                true
            }
            Some(_) => false,
        };
        if free {
            unless_taken(conn, |conn| {
                with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
                    .set((c::user_id.eq(u), c::updated_at.eq(t)))
                    .execute(x))
            })?;
        }
    }
    if let Some(p) = parent_user_id {
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
            .set((c::parent_user_id.eq(p), c::updated_at.eq(t)))
            .execute(x))?;
    }
    Ok(merged)
}

/// Fills in what Meta sent: the profile name and username always; `wa_id` and `user_id` only
/// where none is known and no other contact holds them (Meta's ids are identities, never moved).
/// Returns whether anything changed.
pub fn refresh_identity(
    conn: &mut DbConnection,
    current: &Contact,
    who: &CustomerRef,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let id = current.id.as_str();
    let t = to_db(now);
    let mut changed = 0;
    if let Some(name) = who.profile_name.as_deref().filter(|n| !n.is_empty()) {
        if current.profile_name.as_deref() != Some(name) {
            changed += with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
                .set((c::profile_name.eq(name), c::updated_at.eq(t)))
                .execute(x))?;
        }
    }
    if let Some(u) = who.username.as_deref() {
        if current.username.as_deref() != Some(u) {
            changed += with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
                .set(c::username.eq(u))
                .execute(x))?;
        }
    }
    // Not a key (no contact is found by it): it follows what Meta sends last.
    if let Some(p) = who.parent_user_id.as_deref() {
        if current.parent_user_id.as_deref() != Some(p) {
            changed += with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
                .set((c::parent_user_id.eq(p), c::updated_at.eq(t)))
                .execute(x))?;
        }
    }
    if let Some(w) = who.wa_id.as_deref() {
        if current.wa_id.is_none() && by_wa_id(conn, Some(&current.phone_number_id), w)?.is_none() {
            changed += unless_taken(conn, |conn| {
                with_conn!(conn, |x| diesel::update(
                    c::whatsapp_contacts.find(id).filter(c::wa_id.is_null())
                )
                .set((c::wa_id.eq(w), c::updated_at.eq(t)))
                .execute(x))
            })?;
        }
    }
    if let Some(u) = who.user_id.as_deref() {
        if current.user_id.is_none()
            && by_user_id(conn, Some(&current.phone_number_id), u)?.is_none()
        {
            changed += unless_taken(conn, |conn| {
                with_conn!(conn, |x| diesel::update(
                    c::whatsapp_contacts.find(id).filter(c::user_id.is_null())
                )
                .set((c::user_id.eq(u), c::updated_at.eq(t)))
                .execute(x))
            })?;
        }
    }
    if current.phone_number.is_none() {
        if let Some(p) = who
            .wa_id
            .as_deref()
            .and_then(|w| PhoneNumber::from_wa_id(w).ok())
        {
            changed += unless_taken(conn, |conn| {
                with_conn!(conn, |x| diesel::update(
                    c::whatsapp_contacts
                        .find(id)
                        .filter(c::phone_number.is_null())
                )
                .set(c::phone_number.eq(p.as_e164()))
                .execute(x))
            })?;
        }
    }
    Ok(changed > 0)
}

/// One statement: the unread count moves by `unread_increment`; the last-message fields move
/// forward to `at` only (never backwards, even when deliveries arrive out of order or from
/// several instances at once: the conditions are checked against the row as it is when the
/// statement runs); `last_inbound_at` rises for inbound messages. SQL evaluates every `SET`
/// against the old row, so the conditions all see the previous `last_message_time`. Written with
/// diesel's DSL so the prepared statement is cached.
pub fn record_message(
    conn: &mut DbConnection,
    id: &str,
    at: DateTime<Utc>,
    preview: Option<&str>,
    direction: Direction,
    unread_increment: i64,
) -> QueryResult<()> {
    use diesel::dsl::case_when;
    use diesel::IntoSql;
    if preview.is_none() && direction == Direction::Outbound && unread_increment == 0 {
        return Ok(());
    }
    if matches!(conn, DbConnection::Sqlite(_)) {
        // The batch path's statement, kept prepared: the same rules, without building and
        // parsing this `UPDATE` again on every message.
        let delta = wacloud_core::ports::ContactDelta {
            contact_id: id.to_owned(),
            at,
            preview: preview.map(str::to_owned),
            direction,
            unread_increment,
            inbound_at: (direction == Direction::Inbound).then_some(at),
        };
        return super::batch::record_contact_deltas(conn, std::slice::from_ref(&delta));
    }
    let t = Some(to_db(at));
    let dir = Some(direction.as_str());
    let target = c::whatsapp_contacts.find(id);
    macro_rules! newer {
        () => {
            c::last_message_time
                .is_null()
                .or(c::last_message_time.le(t))
        };
    }
    macro_rules! last_message {
        ($p:expr) => {
            (
                c::last_message_preview.eq(case_when(
                    newer!(),
                    Some($p).into_sql::<Nullable<Text>>(),
                )
                .otherwise(c::last_message_preview)),
                c::last_message_direction.eq(case_when(newer!(), dir.into_sql::<Nullable<Text>>())
                    .otherwise(c::last_message_direction)),
                c::last_message_time.eq(case_when(newer!(), t.into_sql::<Nullable<Timestamp>>())
                    .otherwise(c::last_message_time)),
            )
        };
    }
    macro_rules! last_inbound {
        () => {
            c::last_inbound_at.eq(case_when(
                c::last_inbound_at.is_null().or(c::last_inbound_at.lt(t)),
                t.into_sql::<Nullable<Timestamp>>(),
            )
            .otherwise(c::last_inbound_at))
        };
    }
    let unread = c::unread_count.eq(c::unread_count + unread_increment);
    let inbound = direction == Direction::Inbound;
    match (preview, inbound) {
        (Some(p), true) => with_conn!(conn, |x| diesel::update(target)
            .set((unread, last_message!(p), last_inbound!()))
            .execute(x)),
        (Some(p), false) => with_conn!(conn, |x| diesel::update(target)
            .set((unread, last_message!(p)))
            .execute(x)),
        (None, true) => with_conn!(conn, |x| diesel::update(target)
            .set((unread, last_inbound!()))
            .execute(x)),
        (None, false) if unread_increment != 0 => {
            with_conn!(conn, |x| diesel::update(target).set(unread).execute(x))
        }
        (None, false) => Ok(0),
    }
    .map(drop)
}

pub fn update(
    conn: &mut DbConnection,
    id: &str,
    u: &ContactUpdate,
    now: DateTime<Utc>,
) -> QueryResult<Contact> {
    let t = to_db(now);
    let blank = |s: &Option<String>| {
        s.as_ref()
            .map(|v| Some(v.trim().to_owned()).filter(|v| !v.is_empty()))
    };
    if let Some(v) = blank(&u.display_name) {
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
            .set(c::display_name.eq(v))
            .execute(x))?;
    }
    if let Some(v) = blank(&u.business_name) {
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
            .set(c::business_name.eq(v))
            .execute(x))?;
    }
    if let Some(tags) = &u.tags {
        let mut tags: Vec<String> = tags.iter().map(|t| t.trim().to_owned()).collect();
        tags.dedup();
        let json = serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into());
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
            .set(c::tags.eq(&json))
            .execute(x))?;
    }
    if let Some(v) = u.is_pinned {
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
            .set(c::is_pinned.eq(v))
            .execute(x))?;
    }
    if let Some(v) = u.is_blocked {
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
            .set(c::is_blocked.eq(v))
            .execute(x))?;
    }
    if let Some(v) = u.is_verified {
        with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
            .set(c::is_verified.eq(v))
            .execute(x))?;
    }
    with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
        .set(c::updated_at.eq(t))
        .execute(x))?;
    get(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

pub fn set_opt_out(
    conn: &mut DbConnection,
    id: &str,
    opt_out: bool,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
        .set((
            c::marketing_opt_out.eq(opt_out),
            c::updated_at.eq(to_db(now))
        ))
        .execute(x))
    .map(drop)
}

pub fn set_undeliverable(
    conn: &mut DbConnection,
    id: &str,
    at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    with_conn!(conn, |x| diesel::update(c::whatsapp_contacts.find(id))
        .set(c::undeliverable_at.eq(at.map(to_db)))
        .execute(x))
    .map(drop)
}

/// A merged contact's timeline goes to the contact it was merged into, and its conversation's
/// status and assignee too when that one has none stored.
fn move_conversation(conn: &mut DbConnection, from: &str, into: &str) -> QueryResult<()> {
    use crate::schema::whatsapp_conversation_events::dsl as e;
    use crate::schema::whatsapp_conversations::dsl as v;
    with_conn!(conn, |x| diesel::update(
        e::whatsapp_conversation_events.filter(e::contact_id.eq(from))
    )
    .set(e::contact_id.eq(into))
    .execute(x))?;
    let kept: Option<String> = with_conn!(conn, |x| v::whatsapp_conversations
        .find(into)
        .select(v::contact_id)
        .first(x)
        .optional())?;
    if kept.is_some() {
        with_conn!(conn, |x| diesel::delete(
            v::whatsapp_conversations.find(from)
        )
        .execute(x))?;
    } else {
        with_conn!(conn, |x| diesel::update(
            v::whatsapp_conversations.find(from)
        )
        .set(v::contact_id.eq(into))
        .execute(x))?;
    }
    Ok(())
}
