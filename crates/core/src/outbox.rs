//! The outbox (issue 21): work that follows from a change (outgoing webhooks, rule actions),
//! written in the change's own transaction and carried out later by a lease-claimed worker.
//!
//! Rules only: which events exist ([`EventType`]), who wants them ([`Interest`], read from the
//! database inside each write transaction that may produce events, so that a subscription or
//! rule committed on any instance counts for every transaction that starts after it, and
//! ingestion writes nothing when nobody listens), what an event's body is ([`OutboxEvent::new`], Standard Webhooks' recommended
//! `{"type", "timestamp", "data"}` envelope), and the retry schedule ([`RetryPolicy`]).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::ports::{new_id, NewMessage};

/// The consumer of rule actions (automations): one row per new customer message.
pub const RULES: &str = "rules";

/// The consumer name of subscription `id`: `subscription:<id>`.
#[must_use]
pub fn subscription_consumer(id: &str) -> String {
    format!("subscription:{id}")
}

/// The subscription id of a consumer named `subscription:<id>`.
#[must_use]
pub fn subscription_of(consumer: &str) -> Option<&str> {
    consumer.strip_prefix("subscription:")
}

/// An event an outgoing webhook can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// A new one-to-one customer message (field `messages`; not an echo, standby copy, history
    /// or group message; not a `wamid` seen before).
    MessageReceived,
    /// A status of an outbound message (`sent`, `delivered`, `read`, `failed`, …).
    MessageStatus,
    /// A `failed` status.
    MessageFailed,
    /// A conversation was assigned (or unassigned).
    ConversationAssigned,
    /// A conversation was resolved.
    ConversationResolved,
    /// The last item of a bulk batch reached a final state.
    BatchFinished,
}

impl EventType {
    /// Every event type, in the documented order.
    pub const ALL: [Self; 6] = [
        Self::MessageReceived,
        Self::MessageStatus,
        Self::MessageFailed,
        Self::ConversationAssigned,
        Self::ConversationResolved,
        Self::BatchFinished,
    ];

    /// The wire name (`message.received`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MessageReceived => "message.received",
            Self::MessageStatus => "message.status",
            Self::MessageFailed => "message.failed",
            Self::ConversationAssigned => "conversation.assigned",
            Self::ConversationResolved => "conversation.resolved",
            Self::BatchFinished => "batch.finished",
        }
    }

    /// The event type named `s`, if any.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// Who wants what, as read inside one write transaction
/// ([`OutboxRepos::outbox_interest`](crate::ports::OutboxRepos::outbox_interest)): whether any
/// automation is active, and which active subscriptions want which event types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interest {
    /// Any automation (rule) is active: every new customer message gets a [`RULES`] row.
    pub automations: bool,
    /// Active subscriptions: `(id, event types)`.
    pub subscriptions: Vec<(String, Vec<EventType>)>,
}

impl Interest {
    /// Nobody listens: ingestion writes nothing to the outbox.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        !self.automations && self.subscriptions.is_empty()
    }

    /// Whether anyone wants `t` (rules count for `message.received`).
    #[must_use]
    pub fn wants(&self, t: EventType) -> bool {
        (self.automations && t == EventType::MessageReceived)
            || self.subscriptions.iter().any(|(_, ev)| ev.contains(&t))
    }

    /// The consumers of `t`: [`RULES`] first (for `message.received` when automations are
    /// active), then each interested subscription.
    #[must_use]
    pub fn consumers(&self, t: EventType) -> Vec<String> {
        let mut out = Vec::new();
        if self.automations && t == EventType::MessageReceived {
            out.push(RULES.to_owned());
        }
        out.extend(
            self.subscriptions
                .iter()
                .filter(|(_, ev)| ev.contains(&t))
                .map(|(id, _)| subscription_consumer(id)),
        );
        out
    }
}

/// An event as it happened: the JSON body every consumer receives, the same bytes for all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Its id (UUIDv7): the Standard Webhooks `webhook-id` of every delivery of it.
    pub id: String,
    /// What happened.
    pub event_type: EventType,
    /// The customer it is about, if any (erasure deletes it with them).
    pub contact_id: Option<String>,
    /// `{"type": "<event type>", "timestamp": "<RFC 3339, UTC>", "data": {…}}`.
    pub payload: String,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

impl OutboxEvent {
    /// An event of type `t` with `data`, happening `at`.
    #[must_use]
    pub fn new(t: EventType, data: &Value, contact_id: Option<String>, at: DateTime<Utc>) -> Self {
        let payload = json!({
            "type": t.as_str(),
            "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "data": data,
        });
        Self {
            id: new_id(),
            event_type: t,
            contact_id,
            payload: payload.to_string(),
            created_at: at,
        }
    }
}

/// One consumer's delivery of one event, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxItem {
    /// Its id (UUIDv7: rows of one consumer and key are taken in this order).
    pub id: String,
    /// [`RULES`] or `subscription:<id>`.
    pub consumer: String,
    /// The event.
    pub event_id: String,
    /// The event's type.
    pub event_type: EventType,
    /// Order is kept per key: the contact id (or another id for events about no customer).
    pub ordering_key: String,
    /// When it may first be tried.
    pub next_attempt_at: DateTime<Utc>,
}

/// Events and their deliveries to write in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxWrite {
    /// The events.
    pub events: Vec<OutboxEvent>,
    /// Their deliveries (one per interested consumer).
    pub items: Vec<NewOutboxItem>,
}

impl OutboxWrite {
    /// Nothing to write.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds event `t` with `data` for every consumer `interest` names; nothing when there is
    /// none. `ordering_key`: the contact id, or the subject's id for events about no customer.
    pub fn push(
        &mut self,
        interest: &Interest,
        t: EventType,
        data: &Value,
        contact_id: Option<&str>,
        ordering_key: &str,
        at: DateTime<Utc>,
    ) {
        let consumers = interest.consumers(t);
        if consumers.is_empty() {
            return;
        }
        let event = OutboxEvent::new(t, data, contact_id.map(str::to_owned), at);
        for consumer in consumers {
            self.items.push(NewOutboxItem {
                id: new_id(),
                consumer,
                event_id: event.id.clone(),
                event_type: t,
                ordering_key: ordering_key.to_owned(),
                next_attempt_at: at,
            });
        }
        self.events.push(event);
    }

    /// `message.received` for each inbound row that went in (`fresh[i]`: `rows[i]` was new)
    /// and names a contact (group messages name none).
    #[must_use]
    pub fn received(
        interest: &Interest,
        rows: &[NewMessage],
        fresh: &[bool],
        now: DateTime<Utc>,
    ) -> Self {
        let mut w = Self::default();
        if !interest.wants(EventType::MessageReceived) {
            return w;
        }
        for (m, is_new) in rows.iter().zip(fresh) {
            if let (true, Some(cid), None) = (*is_new, m.contact_id.as_deref(), &m.group_id) {
                w.push(
                    interest,
                    EventType::MessageReceived,
                    &message_received_data(m),
                    Some(cid),
                    cid,
                    now,
                );
            }
        }
        w
    }
}

/// What a status names once it is applied: our message id and its contact, when the message
/// (or the placeholder made for it) is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusSubject {
    /// Our message id.
    pub message_id: Option<String>,
    /// The contact the message belongs to (none for a placeholder or a group message).
    pub contact_id: Option<String>,
}

impl OutboxWrite {
    /// `message.status` for every status, and `message.failed` as well for a failure, for the
    /// consumers that want them, in the order given (delivery order: row ids increase in it, so
    /// a conversation's statuses reach each consumer in that order). `subject` names what each
    /// status's `wamid` is about (read after the statuses were applied). The ordering key is
    /// the contact, else the recipient's `wa_id`, else the `wamid`.
    #[must_use]
    pub fn statuses<'a>(
        interest: &Interest,
        statuses: impl IntoIterator<Item = &'a crate::events::StatusUpdate>,
        subject: impl Fn(&str) -> StatusSubject,
        now: DateTime<Utc>,
    ) -> Self {
        let mut w = Self::default();
        let all = interest.wants(EventType::MessageStatus);
        let failures = interest.wants(EventType::MessageFailed);
        if !all && !failures {
            return w;
        }
        for s in statuses {
            let failed = s.status == crate::message::MessageStatus::Failed;
            if !all && !failed {
                continue;
            }
            let who = subject(&s.wamid);
            let contact_id = who.contact_id.as_deref();
            let data = status_data(s, who.message_id.as_deref(), contact_id);
            let key = contact_id
                .or(s.recipient.wa_id.as_deref())
                .unwrap_or(&s.wamid)
                .to_owned();
            w.push(
                interest,
                EventType::MessageStatus,
                &data,
                contact_id,
                &key,
                now,
            );
            if failed {
                w.push(
                    interest,
                    EventType::MessageFailed,
                    &data,
                    contact_id,
                    &key,
                    now,
                );
            }
        }
        w
    }
}

/// The id of a batch's `batch.finished` event: derived from the batch id, so that every path
/// that sees the batch finish (and the periodic check) writes the same event, once.
#[must_use]
pub fn batch_finished_event_id(batch_id: &str) -> String {
    format!("batch-finished-{batch_id}")
}

/// `batch.finished` for a batch none of whose items waits or is being sent any more
/// (`summary.done`): `data` is `batch_id`, `total`, `counts` (items per final state: `sent`,
/// `failed`, `cancelled`), `created_at` and `scheduled_at` (as `GET /batches/{id}` names
/// them) and `finished_at` (when its last item reached a final state), RFC 3339 UTC. Its id is
/// [`batch_finished_event_id`]; ordered by the batch id.
#[must_use]
pub fn batch_finished_event(
    summary: &crate::queue::BatchSummary,
    finished_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> OutboxEvent {
    let n = |s: crate::queue::QueueState| summary.counts.get(s.as_str()).copied().unwrap_or(0);
    let data = json!({
        "batch_id": summary.batch_id,
        "total": summary.total,
        "counts": {
            "sent": n(crate::queue::QueueState::Sent),
            "failed": n(crate::queue::QueueState::Failed),
            "cancelled": n(crate::queue::QueueState::Cancelled),
        },
        "created_at": summary.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "scheduled_at": summary.scheduled_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "finished_at": finished_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    });
    let mut e = OutboxEvent::new(EventType::BatchFinished, &data, None, now);
    e.id = batch_finished_event_id(&summary.batch_id);
    e
}

/// The `data` of `message.received`: our message id, Meta's `wamid`, the contact, the business
/// number, the sender (`from`, E.164 with `+`; `user_id`, the BSUID),
/// Meta's `type`, the text or summary, Meta's timestamp, the quoted `wamid`.
#[must_use]
pub fn message_received_data(m: &NewMessage) -> Value {
    json!({
        "message_id": m.id,
        "wamid": m.message_id,
        "contact_id": m.contact_id,
        "phone_number_id": m.phone_number_id,
        "from": m.from_phone,
        "user_id": m.user_id,
        "type": m.message_type,
        "text": m.message_text,
        "timestamp": m.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "reply_to": m.reply_to,
    })
}

/// The `data` of `message.status` and `message.failed`: our message id (when wacloud knows the
/// message), Meta's `wamid`, the contact, the business number, the status, Meta's timestamp,
/// the recipient's `wa_id`, Meta's conversation id, and for failures Meta's error
/// (`code`, `title`, `message`, `details`).
#[must_use]
pub fn status_data(
    s: &crate::events::StatusUpdate,
    message_id: Option<&str>,
    contact_id: Option<&str>,
) -> Value {
    json!({
        "message_id": message_id,
        "wamid": s.wamid,
        "contact_id": contact_id,
        "phone_number_id": s.phone_number_id,
        "status": s.status.as_str(),
        "timestamp": s.timestamp.to_rfc3339_opts(SecondsFormat::Secs, true),
        "recipient_id": s.recipient.wa_id,
        "conversation_id": s.conversation_id,
        "error": s.error.as_ref().map(|e| json!({
            "code": e.code,
            "title": e.title,
            "message": e.message,
            "details": e.details,
        })),
    })
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting for `next_attempt_at` (and for earlier rows of its consumer and key).
    Pending,
    /// A worker holds it until `lease_until`.
    Leased,
    /// Delivered (or, for rules, run).
    Done,
    /// Given up on after the retry schedule ran out.
    Dead,
}

impl OutboxState {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Leased => "leased",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    /// The state named `s`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "leased" => Some(Self::Leased),
            "done" => Some(Self::Done),
            "dead" => Some(Self::Dead),
            _ => None,
        }
    }
}

/// A delivery as claimed or shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Its id.
    pub id: String,
    /// [`RULES`] or `subscription:<id>`.
    pub consumer: String,
    /// The event.
    pub event_id: String,
    /// The event's type (as stored).
    pub event_type: String,
    /// The ordering key (contact id).
    pub ordering_key: String,
    /// Where it is.
    pub state: OutboxState,
    /// Attempts made.
    pub attempts: i32,
    /// When it may next be tried.
    pub next_attempt_at: DateTime<Utc>,
    /// The worker holding it.
    pub lease_owner: Option<String>,
    /// Until when.
    pub lease_until: Option<DateTime<Utc>>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// A dead row put back by hand (once only).
    pub redelivered: bool,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
    /// When it became `done` or `dead`.
    pub finished_at: Option<DateTime<Utc>>,
    /// The event's body.
    pub payload: String,
}

/// One attempt at delivering a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxAttempt {
    /// Its id.
    pub id: String,
    /// The row.
    pub outbox_id: String,
    /// When it started.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; none on a connection error or timeout.
    pub status_code: Option<i32>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

/// What came of an attempt, as the worker records it (only while it holds the lease).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered: the row is `done`.
    Delivered,
    /// Failed: try again at this time.
    Retry(DateTime<Utc>),
    /// Failed and the schedule ran out: the row is `dead`.
    Dead,
}

/// An outgoing webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its id.
    pub id: String,
    /// Where deliveries are POSTed (http or https).
    pub url: String,
    /// The signing secret (`whsec_` + base64).
    pub secret: String,
    /// The secrets replaced by rotations whose grace period had not ended at the last
    /// rotation, newest first, at most [`MAX_PREVIOUS_SECRETS`]: each signs too until its
    /// `until`.
    pub previous: Vec<PreviousSecret>,
    /// The event types it wants.
    pub events: Vec<EventType>,
    /// The receiver is a bot.
    pub bot: bool,
    /// Deliveries are made (an inactive subscription gets no new rows).
    pub active: bool,
    /// A note for people.
    pub description: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Subscription {
    /// The secrets that sign a delivery made `at`: the current one, and the previous one while
    /// its grace period lasts.
    #[must_use]
    pub fn signing_secrets(&self, at: DateTime<Utc>) -> Vec<&str> {
        let mut out = vec![self.secret.as_str()];
        out.extend(
            self.previous
                .iter()
                .filter(|p| at < p.until)
                .map(|p| p.secret.as_str()),
        );
        out
    }

    /// Signs with `secret` from `now` on; the current secret keeps signing until
    /// `now + grace`, and every earlier one still inside its own grace period keeps its end
    /// (Standard Webhooks: several signatures during a rotation), so rotating again soon does
    /// not cut a receiver off early. The [`MAX_PREVIOUS_SECRETS`] newest are kept.
    pub fn rotate(&mut self, secret: String, grace: chrono::Duration, now: DateTime<Utc>) {
        let old = std::mem::replace(&mut self.secret, secret);
        self.previous.retain(|p| p.until > now);
        if grace > chrono::Duration::zero() {
            self.previous.insert(
                0,
                PreviousSecret {
                    secret: old,
                    until: now + grace,
                },
            );
        }
        self.previous.truncate(MAX_PREVIOUS_SECRETS);
    }

    /// When the last previous secret stops signing.
    #[must_use]
    pub fn previous_until(&self) -> Option<DateTime<Utc>> {
        self.previous.iter().map(|p| p.until).max()
    }
}

/// Most previous secrets a subscription keeps signing with (each during its grace period):
/// a delivery carries at most this + 1 signatures.
pub const MAX_PREVIOUS_SECRETS: usize = 5;

/// A secret a rotation replaced, still signing until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSecret {
    /// `whsec_` + base64.
    pub secret: String,
    /// When it stops signing.
    pub until: DateTime<Utc>,
}

/// When to try a failed delivery again: exponential back-off from `base`, capped at `cap`,
/// with full jitter on the upper half, giving up once the row is older than `max_age`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// After this age (from the event) a failure makes the row dead.
    pub max_age: Duration,
}

impl Default for RetryPolicy {
    /// 5 s doubling to at most 1 h; dead after 3 days.
    fn default() -> Self {
        Self {
            base: Duration::seconds(5),
            cap: Duration::hours(1),
            max_age: Duration::days(3),
        }
    }
}

impl RetryPolicy {
    /// What follows a failed attempt number `attempts` (1 for the first) of a row made
    /// `created_at`, at `now`; `jitter` in `[0, 1)` (the caller's randomness: this is pure).
    #[must_use]
    pub fn after_failure(
        &self,
        attempts: i32,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> AttemptOutcome {
        if now - created_at >= self.max_age {
            return AttemptOutcome::Dead;
        }
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let base_ms = self.base.num_milliseconds().max(1);
        let cap_ms = self.cap.num_milliseconds().max(base_ms);
        let wait = base_ms.saturating_mul(1_i64 << exp.min(40)).min(cap_ms);
        // Half fixed, half random: spreads retries of many rows without ever retrying at once.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_precision_loss,
            reason = "a wait in milliseconds, far below 2^52"
        )]
        let wait = wait / 2 + ((wait / 2) as f64 * jitter.clamp(0.0, 1.0)) as i64;
        AttemptOutcome::Retry(now + Duration::milliseconds(wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).expect("time")
    }

    #[test]
    fn nobody_interested_means_no_rows() {
        let i = Interest::default();
        assert!(i.is_empty());
        let mut w = OutboxWrite::default();
        w.push(
            &i,
            EventType::MessageReceived,
            &json!({}),
            Some("c"),
            "c",
            at(0),
        );
        assert!(w.is_empty() && w.events.is_empty());
    }

    #[test]
    fn one_event_one_row_per_consumer_rules_first() {
        let i = Interest {
            automations: true,
            subscriptions: vec![
                ("a".into(), vec![EventType::MessageReceived]),
                ("b".into(), vec![EventType::MessageStatus]),
            ],
        };
        let mut w = OutboxWrite::default();
        w.push(
            &i,
            EventType::MessageReceived,
            &json!({"x": 1}),
            Some("c"),
            "c",
            at(0),
        );
        assert_eq!(w.events.len(), 1);
        let consumers: Vec<&str> = w.items.iter().map(|r| r.consumer.as_str()).collect();
        assert_eq!(consumers, ["rules", "subscription:a"]);
        let body: Value = serde_json::from_str(&w.events[0].payload).expect("json");
        assert_eq!(body["type"], "message.received");
        assert_eq!(body["data"]["x"], 1);
        // Statuses: rules never; only b.
        assert_eq!(
            i.consumers(EventType::MessageStatus),
            ["subscription:b".to_owned()]
        );
    }

    #[test]
    fn statuses_are_one_event_each_in_delivery_order_keyed_by_contact() {
        use crate::events::{CustomerRef, StatusUpdate};
        use crate::message::MessageStatus;
        let st = |wamid: &str, status: MessageStatus, to: &str| StatusUpdate {
            wamid: wamid.into(),
            phone_number_id: "111".into(),
            status,
            timestamp: at(1),
            recipient: CustomerRef {
                wa_id: Some(to.into()),
                ..CustomerRef::default()
            },
            error: None,
            biz_opaque_callback_data: None,
            conversation_id: None,
            pricing: Default::default(),
            group_id: None,
        };
        let seq = [
            st("w1", MessageStatus::Sent, "155"),
            st("w2", MessageStatus::Sent, "166"),
            st("w1", MessageStatus::Failed, "155"),
            st("w2", MessageStatus::Delivered, "166"),
        ];
        // w1 is stored for contact c1; w2 is not stored (a placeholder's, no contact).
        let subject = |w: &str| match w {
            "w1" => StatusSubject {
                message_id: Some("m1".into()),
                contact_id: Some("c1".into()),
            },
            _ => StatusSubject::default(),
        };
        let both = Interest {
            automations: true,
            subscriptions: vec![(
                "s".into(),
                vec![EventType::MessageStatus, EventType::MessageFailed],
            )],
        };
        let w = OutboxWrite::statuses(&both, &seq, subject, at(2));
        let got: Vec<(&str, &str)> = w
            .items
            .iter()
            .map(|i| (i.event_type.as_str(), i.ordering_key.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("message.status", "c1"),
                ("message.status", "166"),
                ("message.status", "c1"),
                ("message.failed", "c1"),
                ("message.status", "166"),
            ],
            "rules never get statuses"
        );
        assert!(
            w.items.windows(2).all(|p| p[0].id < p[1].id),
            "ids increase in delivery order"
        );
        let body: Value = serde_json::from_str(&w.events[0].payload).expect("json");
        assert_eq!(body["data"]["message_id"], "m1");
        assert_eq!(body["data"]["contact_id"], "c1");
        let failures_only = Interest {
            automations: false,
            subscriptions: vec![("s".into(), vec![EventType::MessageFailed])],
        };
        let w = OutboxWrite::statuses(&failures_only, &seq, subject, at(2));
        assert_eq!(w.items.len(), 1);
        assert_eq!(w.items[0].event_type, EventType::MessageFailed);
        assert!(OutboxWrite::statuses(&Interest::default(), &seq, subject, at(2)).is_empty());
    }

    #[test]
    fn back_off_grows_is_capped_and_ends_dead() {
        let p = RetryPolicy {
            base: Duration::seconds(1),
            cap: Duration::seconds(8),
            max_age: Duration::seconds(100),
        };
        let wait = |n| match p.after_failure(n, at(0), at(10), 0.0) {
            AttemptOutcome::Retry(t) => (t - at(10)).num_milliseconds(),
            o => panic!("{o:?}"),
        };
        assert_eq!(wait(1), 500);
        assert_eq!(wait(2), 1000);
        assert_eq!(wait(4), 4000);
        assert_eq!(wait(20), 4000);
        assert_eq!(
            p.after_failure(3, at(0), at(100), 0.5),
            AttemptOutcome::Dead
        );
    }

    #[test]
    fn event_types_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("message.sent"), None);
    }

    #[test]
    fn every_secret_inside_its_grace_signs_after_several_rotations() {
        let mut s = Subscription {
            id: "s".into(),
            url: "https://example.com/".into(),
            secret: "k0".into(),
            previous: Vec::new(),
            events: vec![EventType::MessageReceived],
            bot: false,
            active: true,
            description: None,
            created_at: at(0),
            updated_at: at(0),
        };
        let hour = chrono::Duration::hours(1);
        s.rotate("k1".into(), hour, at(0));
        s.rotate("k2".into(), hour, at(60));
        // The first secret keeps its full hour although a second rotation came a minute later.
        assert_eq!(s.signing_secrets(at(120)), vec!["k2", "k1", "k0"]);
        assert_eq!(s.signing_secrets(at(3_599)), vec!["k2", "k1", "k0"]);
        assert_eq!(s.signing_secrets(at(3_600)), vec!["k2", "k1"]);
        assert_eq!(s.signing_secrets(at(3_660)), vec!["k2"]);
        assert_eq!(s.previous_until(), Some(at(3_660)));
        // Rotating after a grace ended drops the expired ones; at most five are kept.
        for n in 3..12 {
            s.rotate(format!("k{n}"), hour, at(4_000 + n));
        }
        assert_eq!(s.previous.len(), MAX_PREVIOUS_SECRETS);
        assert_eq!(
            s.signing_secrets(at(4_100)),
            vec!["k11", "k10", "k9", "k8", "k7", "k6"]
        );
        // No grace: the old secret stops at once.
        s.rotate("k12".into(), chrono::Duration::zero(), at(4_200));
        assert_eq!(s.signing_secrets(at(4_200))[..2], ["k12", "k10"]);
    }
}
