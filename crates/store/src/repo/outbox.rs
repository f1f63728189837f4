//! `whatsapp_outbox`, its events, attempts and `whatsapp_subscriptions` (migration
//! `2026-12-10-000010_outbox`): [`OutboxRepos`] for [`Repo`].
//!
//! Rows are claimed under leases as `whatsapp_queue`'s are (`repo/queue`); a row is taken only
//! when it is the earliest undone row (`pending` or `leased`) of its consumer and ordering key,
//! so a conversation's events reach a consumer in order. Each consumer gets its own window of
//! candidates and a round-robin share of each claim (the consumer whose next row has waited
//! longest first; none past its room in the worker's `ClaimRoom`); a row found waiting behind
//! its chain is flagged `blocked` and left out of later windows until the row before it
//! finishes (migration `2026-12-11-000020_outbox_claim`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::outbox::{subscription_consumer, RULES};
use wacloud_core::outbox::{
    AttemptOutcome, EventType, Interest, OutboxAttempt, OutboxItem, OutboxState, OutboxWrite,
    PreviousSecret, StatusSubject, Subscription,
};
use wacloud_core::ports::{ClaimLeases, ClaimRoom, OutboxRepos, Redeliver, StoreError};

use super::Repo;
use crate::conn::DbConnection;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_messages::dsl as m;
use crate::schema::whatsapp_outbox::dsl as o;
use crate::schema::whatsapp_outbox_attempts::dsl as a;
use crate::schema::whatsapp_outbox_events::dsl as ev;
use crate::schema::whatsapp_subscriptions::dsl as s;
use crate::with_conn;

const UNDONE: [&str; 2] = ["pending", "leased"];

/// `(id, outbox_id, attempted_at, status_code, error, duration_ms)`.
type AttemptRow = (
    String,
    String,
    NaiveDateTime,
    Option<i32>,
    Option<String>,
    i64,
);

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::whatsapp_outbox)]
struct ItemRow {
    id: String,
    consumer: String,
    event_id: String,
    event_type: String,
    ordering_key: String,
    state: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    lease_owner: Option<String>,
    lease_until: Option<NaiveDateTime>,
    last_error: Option<String>,
    redelivered: bool,
    created_at: NaiveDateTime,
    finished_at: Option<NaiveDateTime>,
    /// The body when this row alone delivers its event (no `whatsapp_outbox_events` row).
    payload: Option<String>,
}

impl ItemRow {
    fn into_item(self, payload: String) -> OutboxItem {
        OutboxItem {
            state: OutboxState::parse(&self.state).unwrap_or(OutboxState::Pending),
            id: self.id,
            consumer: self.consumer,
            event_id: self.event_id,
            event_type: self.event_type,
            ordering_key: self.ordering_key,
            attempts: self.attempts,
            next_attempt_at: from_db(self.next_attempt_at),
            lease_owner: self.lease_owner,
            lease_until: self.lease_until.map(from_db),
            last_error: self.last_error,
            redelivered: self.redelivered,
            created_at: from_db(self.created_at),
            finished_at: self.finished_at.map(from_db),
            payload,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::whatsapp_subscriptions)]
struct SubRow {
    id: String,
    url: String,
    secret: String,
    previous_secret: Option<String>,
    previous_until: Option<NaiveDateTime>,
    events: String,
    bot: bool,
    active: bool,
    description: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    older_secrets: Option<String>,
}

/// The previous secrets from their columns: the newest in `previous_secret`/`previous_until`,
/// the older ones in `older_secrets` (JSON, newest first, `until` in RFC 3339).
fn previous_secrets(
    newest: Option<String>,
    newest_until: Option<NaiveDateTime>,
    older: Option<&str>,
) -> Vec<PreviousSecret> {
    let mut out: Vec<PreviousSecret> = newest
        .zip(newest_until)
        .map(|(secret, until)| PreviousSecret {
            secret,
            until: from_db(until),
        })
        .into_iter()
        .collect();
    let older: Vec<serde_json::Value> = older
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    out.extend(older.iter().filter_map(|v| {
        Some(PreviousSecret {
            secret: v.get("secret")?.as_str()?.to_owned(),
            until: DateTime::parse_from_rfc3339(v.get("until")?.as_str()?)
                .ok()?
                .with_timezone(&Utc),
        })
    }));
    out
}

/// `older_secrets` for `previous` (all but its first), NULL for none.
fn older_secrets_json(previous: &[PreviousSecret]) -> Option<String> {
    let older: Vec<serde_json::Value> = previous
        .iter()
        .skip(1)
        .map(|p| serde_json::json!({"secret": p.secret, "until": p.until.to_rfc3339()}))
        .collect();
    (!older.is_empty()).then(|| serde_json::Value::Array(older).to_string())
}

fn parse_events(json: &str) -> Vec<EventType> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| EventType::parse(e))
        .collect()
}

impl From<SubRow> for Subscription {
    fn from(r: SubRow) -> Self {
        Self {
            events: parse_events(&r.events),
            id: r.id,
            url: r.url,
            secret: r.secret,
            previous: previous_secrets(
                r.previous_secret,
                r.previous_until,
                r.older_secrets.as_deref(),
            ),
            bot: r.bot,
            active: r.active,
            description: r.description,
            created_at: from_db(r.created_at),
            updated_at: from_db(r.updated_at),
        }
    }
}

/// The bodies of `event_ids`.
fn payloads(conn: &mut DbConnection, event_ids: &[&str]) -> QueryResult<HashMap<String, String>> {
    let mut out = HashMap::with_capacity(event_ids.len());
    for chunk in event_ids.chunks(500) {
        let rows: Vec<(String, String)> = with_conn!(conn, |x| ev::whatsapp_outbox_events
            .filter(ev::id.eq_any(chunk))
            .select((ev::id, ev::payload))
            .load(x))?;
        out.extend(rows);
    }
    Ok(out)
}

fn with_payloads(conn: &mut DbConnection, rows: Vec<ItemRow>) -> QueryResult<Vec<OutboxItem>> {
    let ids: Vec<&str> = rows
        .iter()
        .filter(|r| r.payload.is_none())
        .map(|r| r.event_id.as_str())
        .collect();
    let bodies = if ids.is_empty() {
        HashMap::new()
    } else {
        payloads(conn, &ids)?
    };
    Ok(rows
        .into_iter()
        .map(|mut r| {
            let body = r
                .payload
                .take()
                .or_else(|| bodies.get(&r.event_id).cloned())
                .unwrap_or_default();
            r.into_item(body)
        })
        .collect())
}

/// How many candidates the claim reads per consumer for each row it wants: some of them may
/// turn out to wait behind an earlier row of their chain (rows not yet seen by a claim).
const WINDOW: i64 = 2;

/// The consumers that can have rows: `rules` and every subscription.
fn consumers(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let ids: Vec<String> = with_conn!(conn, |x| s::whatsapp_subscriptions
        .order(s::id.asc())
        .select(s::id)
        .load(x))?;
    let mut out = Vec::with_capacity(ids.len() + 1);
    out.push(RULES.to_owned());
    out.extend(ids.iter().map(|id| subscription_consumer(id)));
    Ok(out)
}

/// `consumer`'s due `pending` rows not known to be blocked, soonest due first, at most `n`
/// (locked, skipping rows another claim holds, on PostgreSQL).
fn ready(
    conn: &mut DbConnection,
    consumer: &str,
    t: NaiveDateTime,
    n: i64,
) -> QueryResult<Vec<ItemRow>> {
    let q = || {
        o::whatsapp_outbox
            .filter(o::consumer.eq(consumer))
            .filter(o::state.eq("pending"))
            .filter(o::blocked.eq(false))
            .filter(o::next_attempt_at.le(t))
            .order((o::next_attempt_at.asc(), o::id.asc()))
            .limit(n)
    };
    match conn {
        DbConnection::Pg(x) => q()
            .select(ItemRow::as_select())
            .for_update()
            .skip_locked()
            .load(x),
        DbConnection::Sqlite(x) => q().select(ItemRow::as_select()).load(x),
    }
}

/// The earliest undone row of each `(consumer, ordering_key)` among `rows`' chains.
fn heads_of(
    conn: &mut DbConnection,
    rows: &[ItemRow],
) -> QueryResult<HashMap<(String, String), String>> {
    let mut by_consumer: HashMap<&str, HashSet<&str>> = HashMap::new();
    for r in rows {
        by_consumer
            .entry(r.consumer.as_str())
            .or_default()
            .insert(r.ordering_key.as_str());
    }
    let mut heads = HashMap::new();
    for (consumer, keys) in by_consumer {
        let keys: Vec<&str> = keys.into_iter().collect();
        for chunk in keys.chunks(500) {
            let found: Vec<(String, Option<String>)> = with_conn!(conn, |x| o::whatsapp_outbox
                .filter(o::consumer.eq(consumer))
                .filter(o::ordering_key.eq_any(chunk))
                .filter(o::state.eq_any(UNDONE))
                .group_by(o::ordering_key)
                .select((o::ordering_key, diesel::dsl::min(o::id)))
                .load(x))?;
            for (k, m) in found {
                if let Some(m) = m {
                    heads.insert((consumer.to_owned(), k), m);
                }
            }
        }
    }
    Ok(heads)
}

/// After row `id` left the undone states: clears `blocked` on the next undone row of its chain
/// so the claim sees it again. On PostgreSQL a claim that is marking that row blocked holds its
/// lock, so this waits for it and clears the flag after it.
fn unblock_next(conn: &mut DbConnection, consumer: &str, key: &str) -> QueryResult<()> {
    let o2 = diesel::alias!(crate::schema::whatsapp_outbox as o2);
    let next = o2
        .filter(o2.field(o::consumer).eq(consumer))
        .filter(o2.field(o::ordering_key).eq(key))
        .filter(o2.field(o::state).eq_any(UNDONE))
        .select(diesel::dsl::min(o2.field(o::id)))
        .single_value();
    with_conn!(conn, |x| diesel::update(
        o::whatsapp_outbox
            .filter(o::blocked.eq(true))
            .filter(o::id.nullable().eq(next))
    )
    .set(o::blocked.eq(false))
    .execute(x))?;
    Ok(())
}

/// Clears `blocked` on every chain head that still carries it (a safety net for a finish that
/// raced a claim in a way [`unblock_next`] does not cover); the periodic prune calls it.
fn unblock_heads(conn: &mut DbConnection) -> QueryResult<usize> {
    // Only `pending` rows are ever flagged: each consumer's are found through
    // `whatsapp_outbox_ready`.
    let everyone = consumers(conn)?;
    let chains: Vec<(String, String)> = with_conn!(conn, |x| o::whatsapp_outbox
        .filter(o::consumer.eq_any(&everyone))
        .filter(o::state.eq("pending"))
        .filter(o::blocked.eq(true))
        .select((o::consumer, o::ordering_key))
        .distinct()
        .load(x))?;
    let mut n = 0;
    for (c, k) in chains {
        let head: Option<String> = with_conn!(conn, |x| o::whatsapp_outbox
            .filter(o::consumer.eq(&c))
            .filter(o::ordering_key.eq(&k))
            .filter(o::state.eq_any(UNDONE))
            .select(diesel::dsl::min(o::id))
            .get_result(x))?;
        if let Some(head) = head {
            n += with_conn!(conn, |x| diesel::update(
                o::whatsapp_outbox.find(&head).filter(o::blocked.eq(true))
            )
            .set(o::blocked.eq(false))
            .execute(x))?;
        }
    }
    Ok(n)
}

/// Deletes the undone rows (and their attempts) of subscriptions that no longer exist: a row
/// written while its subscription was being deleted. The claim only looks at the consumers
/// that exist, so such a row would otherwise stay `pending` for ever.
fn drop_orphans(conn: &mut DbConnection) -> QueryResult<()> {
    let present: HashSet<String> = consumers(conn)?.into_iter().collect();
    let found: Vec<String> = with_conn!(conn, |x| o::whatsapp_outbox
        .filter(o::state.eq_any(UNDONE))
        .select(o::consumer)
        .distinct()
        .load(x))?;
    for c in found.iter().filter(|c| !present.contains(*c)) {
        let mine = o::whatsapp_outbox.filter(o::consumer.eq(c)).select(o::id);
        with_conn!(conn, |x| diesel::delete(
            a::whatsapp_outbox_attempts.filter(a::outbox_id.eq_any(mine))
        )
        .execute(x))?;
        with_conn!(conn, |x| diesel::delete(
            o::whatsapp_outbox.filter(o::consumer.eq(c))
        )
        .execute(x))?;
    }
    Ok(())
}

/// The rows of `waiting` (`(row, its head)`) whose head is `pending` and not due before `t`
/// (waiting out a back-off).
fn waiting_on_pending_heads(
    conn: &mut DbConnection,
    waiting: Vec<(String, String)>,
    t: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let heads: Vec<&str> = waiting
        .iter()
        .map(|(_, h)| h.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut pending: HashSet<String> = HashSet::new();
    for chunk in heads.chunks(500) {
        let found: Vec<String> = with_conn!(conn, |x| o::whatsapp_outbox
            .filter(o::id.eq_any(chunk))
            .filter(o::state.eq("pending"))
            .filter(o::next_attempt_at.gt(t))
            .select(o::id)
            .load(x))?;
        pending.extend(found);
    }
    Ok(waiting
        .into_iter()
        .filter(|(_, h)| pending.contains(h))
        .map(|(r, _)| r)
        .collect())
}

/// What is left of a claim's [`ClaimRoom`] as rows are taken.
struct Budget<'a> {
    room: &'a ClaimRoom,
    taken: HashMap<String, i64>,
    subscriptions: i64,
}

impl<'a> Budget<'a> {
    fn new(room: &'a ClaimRoom) -> Self {
        Self {
            room,
            taken: HashMap::new(),
            subscriptions: room.subscriptions.unwrap_or(i64::MAX),
        }
    }

    /// How many more rows `consumer` may be given.
    fn left(&self, consumer: &str) -> i64 {
        let own = self.room.of(consumer) - self.taken.get(consumer).copied().unwrap_or(0);
        if consumer == RULES {
            own
        } else {
            own.min(self.subscriptions)
        }
    }

    /// Counts a row of `consumer` taken; `false` (nothing counted) when it has no room left.
    fn take(&mut self, consumer: &str) -> bool {
        if self.left(consumer) <= 0 {
            return false;
        }
        *self.taken.entry(consumer.to_owned()).or_default() += 1;
        if consumer != RULES {
            self.subscriptions -= 1;
        }
        true
    }
}

fn claim(
    conn: &mut DbConnection,
    owner: &str,
    now: DateTime<Utc>,
    lease: ClaimLeases,
    limit: i64,
    room: &ClaimRoom,
) -> QueryResult<Vec<OutboxItem>> {
    let t = to_db(now);
    let everyone = consumers(conn)?;
    let mut budget = Budget::new(room);
    // A lapsed lease is the head of its chain already: take it back first, longest lapsed
    // first. The state is a literal and the order the index's, so that the partial index
    // `whatsapp_outbox_leased` serves the query (ordered by `id`, SQLite would rather walk the
    // whole table in key order than sort the few rows).
    let lapsed = diesel::dsl::sql::<diesel::sql_types::Bool>("whatsapp_outbox.state = 'leased'")
        .and(o::lease_until.lt(t));
    let mut rows: Vec<ItemRow> = match conn {
        DbConnection::Pg(x) => o::whatsapp_outbox
            .filter(lapsed)
            .order(o::lease_until.asc())
            .limit(limit)
            .select(ItemRow::as_select())
            .for_update()
            .skip_locked()
            .load(x)?,
        DbConnection::Sqlite(x) => o::whatsapp_outbox
            .filter(lapsed)
            .order(o::lease_until.asc())
            .limit(limit)
            .select(ItemRow::as_select())
            .load(x)?,
    };
    rows.retain(|r| budget.take(&r.consumer));
    let rest = limit - i64::try_from(rows.len()).unwrap_or(limit);
    if rest > 0 {
        // Each consumer (the rules, each subscription) with room gets its own window of
        // candidates and its share of the claim, so that one consumer's backlog never holds up
        // another's.
        let mut lists: Vec<Vec<ItemRow>> = Vec::new();
        let mut all: Vec<ItemRow> = Vec::new();
        let mut spans = Vec::new();
        for c in &everyone {
            let want = rest.min(budget.left(c));
            if want <= 0 {
                continue;
            }
            let found = ready(conn, c, t, want.saturating_mul(WINDOW))?;
            if !found.is_empty() {
                spans.push((all.len(), found.len()));
                all.extend(found);
            }
        }
        let heads = heads_of(conn, &all)?;
        // `(row, its chain's head)` for the rows that wait.
        let mut blocked: Vec<(String, String)> = Vec::new();
        let mut rest_of_all = all.into_iter();
        for (_, len) in spans {
            let mut mine = Vec::with_capacity(len);
            for r in rest_of_all.by_ref().take(len) {
                let head = heads.get(&(r.consumer.clone(), r.ordering_key.clone()));
                match head {
                    Some(h) if *h != r.id => blocked.push((r.id, h.clone())),
                    _ => mine.push(r),
                }
            }
            if !mine.is_empty() {
                lists.push(mine);
            }
        }
        // The consumer whose next row has waited longest goes first: a fixed order (by
        // consumer) would hand the first places of every small claim to the same consumers.
        lists.sort_by(|a, b| {
            (a[0].next_attempt_at, &a[0].id).cmp(&(b[0].next_attempt_at, &b[0].id))
        });
        let mut lists: Vec<std::vec::IntoIter<ItemRow>> =
            lists.into_iter().map(Vec::into_iter).collect();
        // Round robin over the consumers until the claim is full or none has room.
        let mut taken = 0;
        while taken < rest && !lists.is_empty() {
            lists.retain_mut(|l| {
                if taken >= rest {
                    return true;
                }
                match l.next() {
                    Some(r) if budget.take(&r.consumer) => {
                        rows.push(r);
                        taken += 1;
                        true
                    }
                    _ => false,
                }
            });
        }
        // Only rows whose head waits out a back-off (`pending`, due later) are flagged: a
        // head in flight (`leased`) usually finishes within moments, and a due head not taken
        // by this claim is taken by one of the next; flagging their followers would cost two
        // writes each for nothing (and an unblock after every finish of a long backlog). If
        // such a head fails, it is due later and the next claim flags its followers.
        let claiming: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        blocked.retain(|(_, h)| !claiming.contains(h.as_str()));
        let blocked = waiting_on_pending_heads(conn, blocked, t)?;
        for chunk in blocked.chunks(500) {
            with_conn!(conn, |x| diesel::update(
                o::whatsapp_outbox.filter(o::id.eq_any(chunk))
            )
            .set(o::blocked.eq(true))
            .execute(x))?;
        }
    }
    for (rules, until) in [(true, lease.rules), (false, lease.deliveries)] {
        let ids: Vec<&str> = rows
            .iter()
            .filter(|r| (r.consumer == RULES) == rules)
            .map(|r| r.id.as_str())
            .collect();
        if ids.is_empty() {
            continue;
        }
        with_conn!(conn, |x| diesel::update(
            o::whatsapp_outbox.filter(o::id.eq_any(&ids))
        )
        .set((
            o::state.eq("leased"),
            o::lease_owner.eq(owner),
            o::lease_until.eq(to_db(until)),
        ))
        .execute(x))?;
    }
    for r in &mut rows {
        let until = if r.consumer == RULES {
            lease.rules
        } else {
            lease.deliveries
        };
        r.state = "leased".into();
        r.lease_owner = Some(owner.to_owned());
        r.lease_until = Some(to_db(until));
    }
    with_payloads(conn, rows)
}

/// Records `attempts` (each with its outcome) of rows `owner` holds: the delivered ones in one
/// `UPDATE` (they are the common case), a retry or a death one by one, the attempt rows in a
/// few multi-row `INSERT`s, and the next row of a finished chain unblocked only for consumers
/// that have a blocked row at all. Rows whose lease `owner` lost get nothing written. How many
/// were recorded.
fn record_attempts(
    conn: &mut DbConnection,
    owner: &str,
    attempts: &[(OutboxAttempt, AttemptOutcome)],
) -> QueryResult<usize> {
    let held = |ids: Vec<String>| {
        o::whatsapp_outbox
            .filter(o::id.eq_any(ids))
            .filter(o::state.eq("leased"))
            .filter(o::lease_owner.eq(owner.to_owned()))
    };
    // The ids of the rows recorded, and the `(consumer, ordering_key)` chains that finished a row.
    let mut recorded: HashSet<String> = HashSet::with_capacity(attempts.len());
    let mut finished: Vec<(String, String)> = Vec::new();
    let delivered: Vec<&OutboxAttempt> = attempts
        .iter()
        .filter(|(_, o)| matches!(o, AttemptOutcome::Delivered))
        .map(|(a, _)| a)
        .collect();
    if let Some(last) = delivered.iter().map(|a| a.attempted_at).max() {
        for chunk in delivered.chunks(500) {
            let ids: Vec<String> = chunk.iter().map(|a| a.outbox_id.clone()).collect();
            let rows: Vec<(String, String, String)> =
                with_conn!(conn, |x| diesel::update(held(ids.clone()))
                    .set((
                        o::state.eq("done"),
                        o::attempts.eq(o::attempts + 1),
                        o::finished_at.eq(Some(to_db(last))),
                        o::lease_until.eq(None::<NaiveDateTime>),
                        o::last_error.eq(None::<String>),
                    ))
                    .returning((o::id, o::consumer, o::ordering_key))
                    .get_results(x))?;
            for (id, c, k) in rows {
                recorded.insert(id);
                finished.push((c, k));
            }
        }
    }
    for (at, outcome) in attempts {
        let now = to_db(at.attempted_at);
        let one = || held(vec![at.outbox_id.clone()]);
        let chain = match outcome {
            AttemptOutcome::Delivered => continue,
            AttemptOutcome::Retry(next) => with_conn!(conn, |x| diesel::update(one())
                .set((
                    o::state.eq("pending"),
                    o::attempts.eq(o::attempts + 1),
                    o::next_attempt_at.eq(to_db(*next)),
                    o::lease_owner.eq(None::<String>),
                    o::lease_until.eq(None::<NaiveDateTime>),
                    o::last_error.eq(&at.error),
                ))
                .returning((o::consumer, o::ordering_key))
                .get_result::<(String, String)>(x)
                .optional())?
            .map(|c| (c, false)),
            AttemptOutcome::Dead => with_conn!(conn, |x| diesel::update(one())
                .set((
                    o::state.eq("dead"),
                    o::attempts.eq(o::attempts + 1),
                    o::finished_at.eq(Some(now)),
                    o::lease_owner.eq(None::<String>),
                    o::lease_until.eq(None::<NaiveDateTime>),
                    o::last_error.eq(&at.error),
                ))
                .returning((o::consumer, o::ordering_key))
                .get_result::<(String, String)>(x)
                .optional())?
            .map(|c| (c, true)),
        };
        if let Some((c, ended)) = chain {
            recorded.insert(at.outbox_id.clone());
            if ended {
                finished.push(c);
            }
        }
    }
    unblock_after(conn, finished)?;
    let rows: Vec<_> = attempts
        .iter()
        .map(|(at, _)| at)
        .filter(|at| recorded.contains(&at.outbox_id))
        .map(|at| {
            (
                a::id.eq(&at.id),
                a::outbox_id.eq(&at.outbox_id),
                a::attempted_at.eq(to_db(at.attempted_at)),
                a::status_code.eq(at.status_code),
                a::error.eq(&at.error),
                a::duration_ms.eq(at.duration_ms),
            )
        })
        .collect();
    for chunk in rows.chunks(100) {
        with_conn!(conn, |x| diesel::insert_into(a::whatsapp_outbox_attempts)
            .values(chunk)
            .execute(x))?;
    }
    Ok(recorded.len())
}

/// [`unblock_next`] for each of `chains` (`(consumer, ordering_key)`) that finished a row, but
/// only for the consumers with a blocked row at all (one indexed look each): in a healthy flow
/// nothing is blocked and finishing costs no further statement.
fn unblock_after(conn: &mut DbConnection, mut chains: Vec<(String, String)>) -> QueryResult<()> {
    if chains.is_empty() {
        return Ok(());
    }
    chains.sort_unstable();
    chains.dedup();
    let mut consumers: Vec<&str> = chains.iter().map(|(c, _)| c.as_str()).collect();
    consumers.dedup();
    let mut with_blocked: HashSet<String> = HashSet::new();
    for c in consumers {
        let any: Option<String> = with_conn!(conn, |x| o::whatsapp_outbox
            .filter(o::consumer.eq(c))
            .filter(o::state.eq("pending"))
            .filter(o::blocked.eq(true))
            .select(o::id)
            .first(x)
            .optional())?;
        if any.is_some() {
            with_blocked.insert(c.to_owned());
        }
    }
    for (c, k) in chains.iter().filter(|(c, _)| with_blocked.contains(c)) {
        unblock_next(conn, c, k)?;
    }
    Ok(())
}

impl OutboxRepos for Repo<'_> {
    fn enqueue_outbox(&mut self, w: &OutboxWrite) -> Result<(), StoreError> {
        if w.is_empty() {
            return Ok(());
        }
        // An event one consumer alone wants is one row: its body goes in that row.
        let mut consumers_of: HashMap<&str, usize> = HashMap::with_capacity(w.events.len());
        for i in &w.items {
            *consumers_of.entry(i.event_id.as_str()).or_default() += 1;
        }
        let alone = |event_id: &str| consumers_of.get(event_id) == Some(&1);
        let bodies: HashMap<&str, &str> = w
            .events
            .iter()
            .filter(|e| alone(&e.id))
            .map(|e| (e.id.as_str(), e.payload.as_str()))
            .collect();
        let shared: Vec<_> = w.events.iter().filter(|e| !alone(&e.id)).collect();
        // Chunked: SQLite limits the number of bound parameters per statement.
        for chunk in shared.chunks(200) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|e| {
                    (
                        ev::id.eq(&e.id),
                        ev::event_type.eq(e.event_type.as_str()),
                        ev::contact_id.eq(&e.contact_id),
                        ev::payload.eq(&e.payload),
                        ev::created_at.eq(to_db(e.created_at)),
                    )
                })
                .collect();
            with_conn!(self.conn, |x| diesel::insert_into(
                ev::whatsapp_outbox_events
            )
            .values(&rows)
            .execute(x))
            .map_err(map_err)?;
        }
        for chunk in w.items.chunks(100) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|i| {
                    (
                        o::id.eq(&i.id),
                        o::consumer.eq(&i.consumer),
                        o::event_id.eq(&i.event_id),
                        o::event_type.eq(i.event_type.as_str()),
                        o::ordering_key.eq(&i.ordering_key),
                        o::state.eq("pending"),
                        o::attempts.eq(0),
                        o::next_attempt_at.eq(to_db(i.next_attempt_at)),
                        o::redelivered.eq(false),
                        o::created_at.eq(to_db(i.next_attempt_at)),
                        o::payload.eq(bodies.get(i.event_id.as_str()).copied()),
                    )
                })
                .collect();
            with_conn!(self.conn, |x| diesel::insert_into(o::whatsapp_outbox)
                .values(&rows)
                .execute(x))
            .map_err(map_err)?;
        }
        Ok(())
    }

    fn claim_outbox(
        &mut self,
        owner: &str,
        now: DateTime<Utc>,
        leases: ClaimLeases,
        limit: i64,
        room: &ClaimRoom,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        claim(self.conn, owner, now, leases, limit, room).map_err(map_err)
    }

    fn finish_outbox_item(
        &mut self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = with_conn!(self.conn, |x| diesel::update(
            o::whatsapp_outbox
                .find(id)
                .filter(o::state.eq("leased"))
                .filter(o::lease_owner.eq(owner))
        )
        .set((
            o::state.eq("done"),
            o::attempts.eq(o::attempts + 1),
            o::finished_at.eq(Some(to_db(now))),
            o::lease_until.eq(None::<NaiveDateTime>),
        ))
        .returning((o::consumer, o::ordering_key))
        .get_result::<(String, String)>(x)
        .optional())
        .map_err(map_err)?;
        let Some((consumer, key)) = n else {
            return Ok(false);
        };
        unblock_next(self.conn, &consumer, &key).map_err(map_err)?;
        Ok(true)
    }

    fn record_outbox_attempts(
        &mut self,
        owner: &str,
        attempts: &[(OutboxAttempt, AttemptOutcome)],
    ) -> Result<usize, StoreError> {
        record_attempts(self.conn, owner, attempts).map_err(map_err)
    }

    fn subscription_interest(&mut self) -> Result<Vec<(String, Vec<EventType>)>, StoreError> {
        let rows: Vec<(String, String)> = with_conn!(self.conn, |x| s::whatsapp_subscriptions
            .filter(s::active.eq(true))
            .order(s::id.asc())
            .select((s::id, s::events))
            .load(x))
        .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, e)| (id, parse_events(&e)))
            .collect())
    }

    fn outbox_interest(&mut self) -> Result<Interest, StoreError> {
        // One statement (one round trip on PostgreSQL): the active subscriptions (`s`), a row
        // when any rule is enabled (`r`), and every number's automatic replies (`n`, one row per
        // number: few, their JSON judged here as `automations_active` does).
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            kind: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            a: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            b: String,
        }
        const SQL: &str = "SELECT 's' AS kind, id AS a, events AS b FROM whatsapp_subscriptions \
             WHERE active = TRUE \
             UNION ALL SELECT 'r', '', '' WHERE EXISTS \
             (SELECT 1 FROM whatsapp_rules WHERE enabled = TRUE) \
             UNION ALL SELECT 'n', phone_number_id, settings FROM whatsapp_automation_settings";
        let rows: Vec<Row> =
            with_conn!(self.conn, |x| diesel::sql_query(SQL).load(x)).map_err(map_err)?;
        let mut interest = Interest::default();
        for r in rows {
            match r.kind.as_str() {
                "s" => interest.subscriptions.push((r.a, parse_events(&r.b))),
                "r" => interest.automations = true,
                _ => interest.automations |= super::automation::replies(&r.b),
            }
        }
        interest
            .subscriptions
            .sort_unstable_by(|x, y| x.0.cmp(&y.0));
        Ok(interest)
    }

    fn status_subjects(
        &mut self,
        wamids: &[&str],
    ) -> Result<Vec<(String, StatusSubject)>, StoreError> {
        type Found = (Option<String>, String, Option<String>);
        let subject = |(w, id, contact_id): Found| {
            w.map(|w| {
                (
                    w,
                    StatusSubject {
                        message_id: Some(id),
                        contact_id,
                    },
                )
            })
        };
        let mut out = Vec::with_capacity(wamids.len());
        // SQLite: point lookups on the `wamid` index, as `batch::find_message_ids` does.
        if let crate::conn::DbConnection::Sqlite(x) = self.conn {
            for w in wamids {
                let row: Option<Found> = m::whatsapp_messages
                    .filter(m::message_id.eq(w))
                    .select((m::message_id, m::id, m::contact_id))
                    .first(x)
                    .optional()
                    .map_err(map_err)?;
                out.extend(row.and_then(subject));
            }
            return Ok(out);
        }
        for chunk in wamids.chunks(500) {
            let rows: Vec<Found> = with_conn!(self.conn, |x| m::whatsapp_messages
                .filter(m::message_id.eq_any(chunk))
                .select((m::message_id, m::id, m::contact_id))
                .load(x))
            .map_err(map_err)?;
            out.extend(rows.into_iter().filter_map(subject));
        }
        Ok(out)
    }

    fn emit_batch_finished(
        &mut self,
        batch_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        super::batch_finished::emit(self.conn, batch_id, now).map_err(map_err)
    }

    fn emit_finished_batches(
        &mut self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        super::batch_finished::emit_since(self.conn, since, now).map_err(map_err)
    }

    fn put_subscription(&mut self, sub: &Subscription) -> Result<(), StoreError> {
        let events: Vec<&str> = sub.events.iter().map(|e| e.as_str()).collect();
        let events = serde_json::to_string(&events).unwrap_or_else(|_| "[]".into());
        let older = older_secrets_json(&sub.previous);
        let values = (
            s::url.eq(&sub.url),
            s::secret.eq(&sub.secret),
            s::previous_secret.eq(sub.previous.first().map(|p| p.secret.as_str())),
            s::previous_until.eq(sub.previous.first().map(|p| to_db(p.until))),
            s::older_secrets.eq(&older),
            s::events.eq(&events),
            s::bot.eq(sub.bot),
            s::active.eq(sub.active),
            s::description.eq(&sub.description),
            s::updated_at.eq(to_db(sub.updated_at)),
        );
        let n = with_conn!(self.conn, |x| diesel::update(
            s::whatsapp_subscriptions.find(&sub.id)
        )
        .set(values)
        .execute(x))
        .map_err(map_err)?;
        if n == 0 {
            with_conn!(self.conn, |x| diesel::insert_into(
                s::whatsapp_subscriptions
            )
            .values((
                s::id.eq(&sub.id),
                s::created_at.eq(to_db(sub.created_at)),
                values,
            ))
            .execute(x))
            .map_err(map_err)?;
        }
        Ok(())
    }

    fn get_subscription(&mut self, id: &str) -> Result<Option<Subscription>, StoreError> {
        let row: Option<SubRow> = with_conn!(self.conn, |x| s::whatsapp_subscriptions
            .find(id)
            .select(SubRow::as_select())
            .get_result(x)
            .optional())
        .map_err(map_err)?;
        Ok(row.map(Subscription::from))
    }

    fn list_subscriptions(&mut self) -> Result<Vec<Subscription>, StoreError> {
        let rows: Vec<SubRow> = with_conn!(self.conn, |x| s::whatsapp_subscriptions
            .order((s::created_at.asc(), s::id.asc()))
            .select(SubRow::as_select())
            .load(x))
        .map_err(map_err)?;
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    fn delete_subscription(&mut self, id: &str) -> Result<bool, StoreError> {
        let consumer = wacloud_core::outbox::subscription_consumer(id);
        let mine = o::whatsapp_outbox
            .filter(o::consumer.eq(&consumer))
            .select(o::id);
        with_conn!(self.conn, |x| diesel::delete(
            a::whatsapp_outbox_attempts.filter(a::outbox_id.eq_any(mine))
        )
        .execute(x))
        .map_err(map_err)?;
        with_conn!(self.conn, |x| diesel::delete(
            o::whatsapp_outbox.filter(o::consumer.eq(&consumer))
        )
        .execute(x))
        .map_err(map_err)?;
        let n = with_conn!(self.conn, |x| diesel::delete(
            s::whatsapp_subscriptions.find(id)
        )
        .execute(x))
        .map_err(map_err)?;
        Ok(n > 0)
    }

    fn outbox_items(
        &mut self,
        consumer: &str,
        state: Option<OutboxState>,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let rows: Vec<ItemRow> = with_conn!(self.conn, |x| {
            let mut q = o::whatsapp_outbox
                .filter(o::consumer.eq(consumer))
                .into_boxed();
            if let Some(st) = state {
                q = q.filter(o::state.eq(st.as_str()));
            }
            if let Some(b) = before {
                q = q.filter(o::id.lt(b));
            }
            q.order(o::id.desc())
                .limit(limit)
                .select(ItemRow::as_select())
                .load(x)
        })
        .map_err(map_err)?;
        with_payloads(self.conn, rows).map_err(map_err)
    }

    fn outbox_item(
        &mut self,
        consumer: &str,
        id: &str,
    ) -> Result<Option<(OutboxItem, Vec<OutboxAttempt>)>, StoreError> {
        let row: Option<ItemRow> = with_conn!(self.conn, |x| o::whatsapp_outbox
            .find(id)
            .filter(o::consumer.eq(consumer))
            .select(ItemRow::as_select())
            .get_result(x)
            .optional())
        .map_err(map_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let item = with_payloads(self.conn, vec![row])
            .map_err(map_err)?
            .pop()
            .ok_or_else(|| StoreError::Internal("no item".into()))?;
        let attempts: Vec<AttemptRow> = with_conn!(self.conn, |x| a::whatsapp_outbox_attempts
            .filter(a::outbox_id.eq(id))
            .order((a::attempted_at.asc(), a::id.asc()))
            .select((
                a::id,
                a::outbox_id,
                a::attempted_at,
                a::status_code,
                a::error,
                a::duration_ms,
            ))
            .load(x))
        .map_err(map_err)?;
        let attempts = attempts
            .into_iter()
            .map(
                |(id, outbox_id, at, status_code, error, duration_ms)| OutboxAttempt {
                    id,
                    outbox_id,
                    attempted_at: from_db(at),
                    status_code,
                    error,
                    duration_ms,
                },
            )
            .collect();
        Ok(Some((item, attempts)))
    }

    fn redeliver_outbox_item(
        &mut self,
        consumer: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Redeliver, StoreError> {
        let n = with_conn!(self.conn, |x| diesel::update(
            o::whatsapp_outbox
                .find(id)
                .filter(o::consumer.eq(consumer))
                .filter(o::state.eq("dead"))
                .filter(o::redelivered.eq(false))
        )
        .set((
            o::state.eq("pending"),
            o::redelivered.eq(true),
            o::next_attempt_at.eq(to_db(now)),
            o::finished_at.eq(None::<NaiveDateTime>),
        ))
        .execute(x))
        .map_err(map_err)?;
        if n > 0 {
            return Ok(Redeliver::Queued);
        }
        let exists: i64 = with_conn!(self.conn, |x| o::whatsapp_outbox
            .find(id)
            .filter(o::consumer.eq(consumer))
            .count()
            .get_result(x))
        .map_err(map_err)?;
        Ok(if exists > 0 {
            Redeliver::NotDead
        } else {
            Redeliver::NotFound
        })
    }

    fn prune_outbox(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let t = to_db(before);
        let old = || {
            o::whatsapp_outbox
                .filter(o::state.eq_any(["done", "dead"]))
                .filter(o::finished_at.lt(t))
        };
        with_conn!(self.conn, |x| diesel::delete(
            a::whatsapp_outbox_attempts.filter(a::outbox_id.eq_any(old().select(o::id)))
        )
        .execute(x))
        .map_err(map_err)?;
        let n = with_conn!(self.conn, |x| diesel::delete(old()).execute(x)).map_err(map_err)?;
        unblock_heads(self.conn).map_err(map_err)?;
        drop_orphans(self.conn).map_err(map_err)?;
        let named = o::whatsapp_outbox.select(o::event_id);
        with_conn!(self.conn, |x| diesel::delete(
            ev::whatsapp_outbox_events
                .filter(ev::created_at.lt(t))
                .filter(ev::id.ne_all(named))
        )
        .execute(x))
        .map_err(map_err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Erasure: the outbox rows ordered by any of `keys` (the customer's contact ids; their `wa_id`s
/// for statuses of messages with no known contact), the events about the contacts `ids` or
/// named by those rows, and their attempts.
pub(super) fn erase(conn: &mut DbConnection, ids: &[String], keys: &[String]) -> QueryResult<()> {
    let rows: Vec<(String, String)> = with_conn!(conn, |x| o::whatsapp_outbox
        .filter(o::ordering_key.eq_any(keys))
        .select((o::id, o::event_id))
        .load(x))?;
    let mut events: Vec<String> = with_conn!(conn, |x| ev::whatsapp_outbox_events
        .filter(ev::contact_id.eq_any(ids))
        .select(ev::id)
        .load(x))?;
    events.extend(rows.iter().map(|(_, e)| e.clone()));
    events.sort_unstable();
    events.dedup();
    for chunk in events.chunks(500) {
        let named = o::whatsapp_outbox
            .filter(o::event_id.eq_any(chunk))
            .select(o::id);
        with_conn!(conn, |x| diesel::delete(
            a::whatsapp_outbox_attempts.filter(a::outbox_id.eq_any(named))
        )
        .execute(x))?;
        with_conn!(conn, |x| diesel::delete(
            o::whatsapp_outbox.filter(o::event_id.eq_any(chunk))
        )
        .execute(x))?;
        with_conn!(conn, |x| diesel::delete(
            ev::whatsapp_outbox_events.filter(ev::id.eq_any(chunk))
        )
        .execute(x))?;
    }
    Ok(())
}
