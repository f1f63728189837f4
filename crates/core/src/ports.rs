//! The ports: what the use cases need from the outside world (a store, a way to send to Meta,
//! a clock), as traits the other crates implement.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::contact::{Contact, ContactIdentity, ContactList, ContactQuery, ContactUpdate};
use crate::events::{AccountEvent, CustomerRef, TemplateUpdate};
use crate::idempotency::IdempotencyRecord;
use crate::message::{DeliveryError, Message, MessageStatus};
use crate::outbound::{
    FailureClass, OutboundContent, OutboundRequest, SendFailure, SendReceipt, StoredTemplate,
};
use crate::phone::CustomerKey;
use crate::queue::{
    BatchCancelled, BatchQuery, BatchSummary, NewQueueItem, QueueItem, QueueItemView, QueueOutcome,
    QueueState,
};
use crate::stats::Stats;
use crate::webhook::{NewWebhook, StoredWebhook, WebhookOutcome};

/// What went wrong in the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is shutting down: try again later (HTTP 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The row asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness or state conflict.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Any other database error (a bug or corrupt data).
    #[error("database error: {0}")]
    Internal(String),
}

/// A unit of work run by the store inside a transaction (writes) or on a read connection.
pub type Job = Box<dyn FnOnce(&mut dyn Repos) -> Result<(), StoreError> + Send + 'static>;

/// The store: runs jobs against the database.
///
/// Every write job runs in its own savepoint inside a transaction the store may share with
/// other jobs (group commit); the future resolves only once that transaction is committed, so
/// a caller that sees `Ok` knows its effects are durable. A job that returns `Err` is rolled
/// back alone.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Runs `job` in a write transaction and waits for its commit.
    async fn write_job(&self, job: Job) -> Result<(), StoreError>;
    /// [`Store::write_job`] for work nobody is waiting on (a webhook's deferred effects): the
    /// store may run jobs submitted after it first, and gives it a transaction of its own
    /// rather than holding waiting callers' commits behind it. Background jobs keep their
    /// order among themselves.
    async fn write_background_job(&self, job: Job) -> Result<(), StoreError> {
        self.write_job(job).await
    }
    /// Runs `job` on a read-only connection.
    async fn read_job(&self, job: Job) -> Result<(), StoreError>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// The newest write job answered [`StoreError::Unavailable`] (a full disk, a read-only
    /// file, a lost connection, a commit that could not be made durable), if any.
    /// [`Store::ping`] only proves the database can be read; writes that succeed meanwhile
    /// prove little (one that changes nothing needs no disk space), so callers judge by `at`.
    fn write_failure(&self) -> Option<WriteFailure> {
        None
    }
}

/// A write that failed (see [`Store::write_failure`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFailure {
    /// When.
    pub at: DateTime<Utc>,
    /// The error.
    pub error: String,
}

/// Runs `f` as a write job and returns its value once committed.
///
/// # Errors
/// [`StoreError`] from the job or the commit.
pub async fn write<R, F>(store: &dyn Store, f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    run(store, f, Kind::Write).await
}

/// [`write`] as a background job ([`Store::write_background_job`]).
///
/// # Errors
/// [`StoreError`] from the job or the commit.
pub async fn write_background<R, F>(store: &dyn Store, f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    run(store, f, Kind::Background).await
}

/// Runs `f` as a read job and returns its value.
///
/// # Errors
/// [`StoreError`] from the job.
pub async fn read<R, F>(store: &dyn Store, f: F) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    run(store, f, Kind::Read).await
}

#[derive(Clone, Copy)]
enum Kind {
    Read,
    Write,
    Background,
}

async fn run<R, F>(store: &dyn Store, f: F, kind: Kind) -> Result<R, StoreError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn Repos) -> Result<R, StoreError> + Send + 'static,
{
    let slot: Arc<Mutex<Option<R>>> = Arc::new(Mutex::new(None));
    let out = Arc::clone(&slot);
    let job: Job = Box::new(move |repos| {
        let value = f(repos)?;
        *out.lock()
            .map_err(|_| StoreError::Internal("poisoned".into()))? = Some(value);
        Ok(())
    });
    match kind {
        Kind::Read => store.read_job(job).await?,
        Kind::Write => store.write_job(job).await?,
        Kind::Background => store.write_background_job(job).await?,
    }
    let value = slot
        .lock()
        .map_err(|_| StoreError::Internal("poisoned".into()))?
        .take();
    value.ok_or_else(|| StoreError::Internal("job produced no value".into()))
}

/// A new message row.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// wacloud id.
    pub id: String,
    /// Meta's `wamid`, if known.
    pub message_id: Option<String>,
    /// The contact.
    pub contact_id: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: crate::message::Direction,
    /// E.164 sender.
    pub from_phone: Option<String>,
    /// E.164 recipient.
    pub to_phone: Option<String>,
    /// The customer's BSUID.
    pub user_id: Option<String>,
    /// Meta's `type`.
    pub message_type: String,
    /// Text or summary.
    pub message_text: Option<String>,
    /// Initial status.
    pub status: MessageStatus,
    /// Read by an operator (always `true` for outbound).
    pub is_read: bool,
    /// Meta's timestamp (inbound) or creation time (outbound).
    pub created_at: DateTime<Utc>,
    /// Quoted `wamid`.
    pub reply_to: Option<String>,
    /// Forwarded flag.
    pub is_forwarded: bool,
    /// Media metadata JSON.
    pub media: Option<String>,
    /// Raw JSON text of Meta's object.
    pub raw: Option<String>,
    /// Error Meta attached.
    pub error: Option<DeliveryError>,
    /// Business number.
    pub phone_number_id: Option<String>,
    /// Origin of an outbound message.
    pub source: Option<String>,
    /// Queue item that sent it.
    pub queue_id: Option<String>,
    /// Group id for group payloads.
    pub group_id: Option<String>,
    /// The request body used for an outbound send (JSON text), so it can be retried.
    pub payload: Option<String>,
}

/// A status change to apply to a message.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// The status reported.
    pub status: MessageStatus,
    /// When Meta reported it.
    pub at: DateTime<Utc>,
    /// Error for `failed`.
    pub error: Option<DeliveryError>,
    /// Meta's conversation id.
    pub conversation_id: Option<String>,
    /// Meta's pricing category.
    pub pricing_category: Option<String>,
}

/// A contact's change from many new messages at once (one per contact in a batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDelta {
    /// The contact.
    pub contact_id: String,
    /// Time of the newest message in the batch that shows in the contact list.
    pub at: DateTime<Utc>,
    /// Preview of that message; `None` leaves the last-message fields alone (notices only).
    pub preview: Option<String>,
    /// Its direction.
    pub direction: crate::message::Direction,
    /// Unread messages added.
    pub unread_increment: i64,
    /// Meta's time of the newest inbound message, if any.
    pub inbound_at: Option<DateTime<Utc>>,
}

/// Several statuses for one message folded together: the furthest status, and the first time of
/// each step seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFold {
    /// The message's `wamid`.
    pub wamid: String,
    /// Our id of the message, when the caller already knows it (the store may then find the
    /// row by it instead of by `wamid`).
    pub message_id: Option<String>,
    /// The furthest status on the ladder.
    pub status: MessageStatus,
    /// First `sent` time.
    pub sent_at: Option<DateTime<Utc>>,
    /// First `delivered` time.
    pub delivered_at: Option<DateTime<Utc>>,
    /// First `read` time.
    pub read_at: Option<DateTime<Utc>>,
    /// First `played` time.
    pub played_at: Option<DateTime<Utc>>,
    /// Meta's conversation id.
    pub conversation_id: Option<String>,
    /// Meta's pricing category.
    pub pricing_category: Option<String>,
}

/// Filter and cursor for `GET /messages`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageQuery {
    /// Only this contact.
    pub contact_id: Option<String>,
    /// Only this direction.
    pub direction: Option<crate::message::Direction>,
    /// Page size, 1–200.
    pub limit: i64,
    /// Only messages strictly older than this `(created_at, id)` position.
    pub before: Option<(DateTime<Utc>, String)>,
}

/// The synchronous repository methods a job may call. Implemented by the store for one
/// connection, inside a transaction for write jobs.
pub trait Repos {
    // --- webhooks
    /// Stores a raw delivery with how its processing ended. `Ok(false)` when an identical body
    /// is already stored (nothing written).
    fn insert_webhook(
        &mut self,
        w: &NewWebhook,
        outcome: &WebhookOutcome,
    ) -> Result<bool, StoreError>;
    /// Records how processing a stored delivery ended.
    fn finish_webhook(&mut self, id: &str, outcome: &WebhookOutcome) -> Result<(), StoreError>;
    /// [`Repos::finish_webhook`] for a delivery still `received`: `Ok(false)`, and nothing
    /// written, when it is not (another instance or another path already applied it).
    fn finish_received_webhook(
        &mut self,
        id: &str,
        outcome: &WebhookOutcome,
    ) -> Result<bool, StoreError>;
    /// Deliveries stored but not processed (or failed when `include_failed`), oldest first.
    fn pending_webhooks(
        &mut self,
        include_failed: bool,
        limit: i64,
    ) -> Result<Vec<StoredWebhook>, StoreError>;
    /// Stores many raw deliveries at once; for each, whether it was new (`false`: an identical
    /// body is already stored, or appeared earlier in `rows`).
    fn insert_webhooks(
        &mut self,
        rows: &[(&NewWebhook, &WebhookOutcome)],
    ) -> Result<Vec<bool>, StoreError>;
    /// Runs `f` in a nested savepoint: an `Err` rolls back only what `f` did.
    fn savepoint(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Repos) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    // --- contacts
    /// The contact for a number or BSUID.
    fn find_contact(&mut self, key: &CustomerKey) -> Result<Option<Contact>, StoreError>;
    /// The contact matching a webhook's identity (by `wa_id`, else `user_id`).
    fn find_contact_by_ref(&mut self, who: &CustomerRef) -> Result<Option<Contact>, StoreError>;
    /// The contacts holding any of these `wa_id`s.
    fn find_contacts_by_wa_ids(&mut self, wa_ids: &[&str]) -> Result<Vec<Contact>, StoreError>;
    /// [`Repos::find_contacts_by_wa_ids`], reading only the identity fields.
    fn find_contact_identities(
        &mut self,
        wa_ids: &[&str],
    ) -> Result<Vec<ContactIdentity>, StoreError>;
    /// Applies one [`ContactDelta`] per contact, never moving the last-message fields backwards.
    fn record_contact_deltas(&mut self, deltas: &[ContactDelta]) -> Result<(), StoreError>;
    /// The contact with this wacloud id.
    fn get_contact(&mut self, id: &str) -> Result<Option<Contact>, StoreError>;
    /// Creates a contact for `who` (at least one of `wa_id`, `user_id` set).
    fn insert_contact(
        &mut self,
        id: &str,
        who: &CustomerRef,
        now: DateTime<Utc>,
    ) -> Result<Contact, StoreError>;
    /// Fills in identity fields Meta sent (`wa_id`, `user_id`, profile name, username) on the
    /// contact as last read (`current`); writes only what differs.
    fn refresh_contact_identity(
        &mut self,
        current: &Contact,
        who: &CustomerRef,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Moves the contact's last-message fields forward to a message at `at` (never backwards);
    /// raises `last_inbound_at` for inbound; adds `unread_increment`.
    fn record_contact_message(
        &mut self,
        id: &str,
        at: DateTime<Utc>,
        preview: Option<&str>,
        direction: crate::message::Direction,
        unread_increment: i64,
    ) -> Result<(), StoreError>;
    /// Applies an operator's change.
    fn update_contact(
        &mut self,
        id: &str,
        update: &ContactUpdate,
        now: DateTime<Utc>,
    ) -> Result<Contact, StoreError>;
    /// Folds contact `from` (a number as typed) into `into` (the contact with Meta's `wa_id` for
    /// it): messages and unread counts move, `from` stays as an alias of `into`.
    fn merge_contacts(
        &mut self,
        from: &str,
        into: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Sets the marketing opt-out flag.
    fn set_marketing_opt_out(
        &mut self,
        id: &str,
        opt_out: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Marks the number undeliverable (131026) or clears the mark.
    fn set_undeliverable(&mut self, id: &str, at: Option<DateTime<Utc>>) -> Result<(), StoreError>;
    /// Lists contacts.
    fn list_contacts(&mut self, q: &ContactQuery) -> Result<ContactList, StoreError>;

    // --- messages
    /// Inserts a message; `Ok(false)` when one with the same `wamid` exists (nothing changed).
    fn insert_message(&mut self, m: &NewMessage) -> Result<bool, StoreError>;
    /// Inserts many messages; for each, whether it was new (same rule as
    /// [`Repos::insert_message`]).
    fn insert_messages(&mut self, rows: &[NewMessage]) -> Result<Vec<bool>, StoreError>;
    /// `(wamid, id)` of the messages having any of these `wamid`s.
    fn find_message_ids(&mut self, wamids: &[&str]) -> Result<Vec<(String, String)>, StoreError>;
    /// Applies folded statuses to existing messages in one pass, with the same rules as
    /// [`Repos::apply_status_by_wamid`].
    fn apply_status_folds(&mut self, folds: &[StatusFold]) -> Result<(), StoreError>;
    /// The message with this wacloud id.
    fn get_message(&mut self, id: &str) -> Result<Option<Message>, StoreError>;
    /// The request content stored with an outbound message (JSON of [`OutboundContent`]).
    fn outbound_payload(&mut self, id: &str) -> Result<Option<String>, StoreError>;
    /// The message with this `wamid`.
    fn find_message_by_wamid(&mut self, wamid: &str) -> Result<Option<Message>, StoreError>;
    /// Gives an outbound message the `wamid` Meta returned and moves it to `accepted`. If a
    /// placeholder row for that `wamid` exists (a status that arrived first), its statuses and
    /// timestamps are merged in and the placeholder removed.
    fn attach_wamid(
        &mut self,
        id: &str,
        wamid: &str,
        now: DateTime<Utc>,
    ) -> Result<Message, StoreError>;
    /// Applies a status to the message `id`: records the status's timestamp, and moves the
    /// status forward only if the new one supersedes the current one (atomically). Returns
    /// whether the status moved.
    fn apply_status(&mut self, id: &str, change: &StatusChange) -> Result<bool, StoreError>;
    /// Applies a status to the message with `wamid` in one statement (see
    /// [`Repos::apply_status`]); `Ok(false)` when no message has that `wamid`.
    fn apply_status_by_wamid(
        &mut self,
        wamid: &str,
        change: &StatusChange,
    ) -> Result<bool, StoreError>;
    /// Marks an outbound message failed before Meta accepted it.
    fn fail_message(
        &mut self,
        id: &str,
        error: &DeliveryError,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Records a note on a message whose send outcome is unknown.
    fn note_message_error(&mut self, id: &str, note: &str) -> Result<(), StoreError>;
    /// Sets or removes (`None`) the customer's reaction on `wamid`. `Ok(false)` if unknown.
    fn set_reaction(&mut self, wamid: &str, emoji: Option<&str>) -> Result<bool, StoreError>;
    /// Replaces the text of `wamid` after an edit. `Ok(false)` if unknown.
    fn edit_message(
        &mut self,
        wamid: &str,
        text: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Marks `wamid` deleted for everyone and clears its text. `Ok(false)` if unknown.
    fn revoke_message(&mut self, wamid: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Marks all inbound messages of a contact read and zeroes its unread count. Returns how
    /// many were unread and the newest inbound `wamid` (for the read receipt).
    fn mark_contact_read(&mut self, contact_id: &str) -> Result<(i64, Option<String>), StoreError>;
    /// A page of messages, newest first; the bool says whether older ones exist.
    fn list_messages(&mut self, q: &MessageQuery) -> Result<(Vec<Message>, bool), StoreError>;
    /// The newest message sent for the queue item `queue_id`, if any.
    fn latest_message_for_queue_item(
        &mut self,
        queue_id: &str,
    ) -> Result<Option<Message>, StoreError>;

    // --- templates, session
    /// Writes a template change into `whatsapp_templates`.
    fn upsert_template(&mut self, t: &TemplateUpdate) -> Result<(), StoreError>;
    /// The stored templates, by name and language.
    fn list_templates(&mut self) -> Result<Vec<StoredTemplate>, StoreError>;
    /// The business number's account state, if any delivery or event recorded it.
    fn get_session(
        &mut self,
        phone_number_id: &str,
    ) -> Result<Option<crate::template::SessionState>, StoreError>;
    /// The stored template `name` in `language`, if wacloud knows it.
    fn find_template(
        &mut self,
        name: &str,
        language: &str,
    ) -> Result<Option<StoredTemplate>, StoreError>;
    /// Writes a number/account change into `whatsapp_session`.
    fn record_account_event(&mut self, e: &AccountEvent) -> Result<(), StoreError>;
    /// Notes that a delivery for `phone_number_id` arrived.
    fn touch_session(&mut self, phone_number_id: &str, at: DateTime<Utc>)
        -> Result<(), StoreError>;

    // --- queue
    /// Adds items to `whatsapp_queue`.
    fn enqueue(&mut self, items: &[NewQueueItem]) -> Result<(), StoreError>;
    /// Claims up to `limit` due items for `owner` until `lease_until`: `pending` items due by
    /// `now`, and `sending` items whose lease ran out (their worker died). Oldest due first.
    fn claim_queue_items(
        &mut self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<QueueItem>, StoreError>;
    /// Marks an attempt in flight (`attempt_started_at`, one more attempt, `message_id`), only
    /// while `owner` still holds the item's lease. `Ok(false)`: the lease was lost, do not send.
    fn begin_queue_attempt(
        &mut self,
        id: &str,
        owner: &str,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// The item with this id.
    fn get_queue_item(&mut self, id: &str) -> Result<Option<QueueItem>, StoreError>;
    /// The item with this id, as the API shows it.
    fn queue_item_view(&mut self, id: &str) -> Result<Option<QueueItemView>, StoreError>;
    /// Applies `outcome` to the item if its state is one of `only_if`; returns whether it did.
    fn finish_queue_item(
        &mut self,
        id: &str,
        outcome: &QueueOutcome,
        now: DateTime<Utc>,
        only_if: &[QueueState],
    ) -> Result<bool, StoreError>;
    /// Progress of a batch and one page of its items; `None` if no such batch.
    fn batch_summary(
        &mut self,
        batch_id: &str,
        q: &BatchQuery,
    ) -> Result<Option<BatchSummary>, StoreError>;
    /// Cancels every `pending` (also scheduled) and `unknown` item of a batch; `None` if no such
    /// batch.
    fn cancel_batch(
        &mut self,
        batch_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<BatchCancelled>, StoreError>;
    /// Ids of `unknown` items that became unknown before `before` and were not yet decided on
    /// (held or resent), oldest first.
    fn undecided_unknown_items(
        &mut self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<String>, StoreError>;

    // --- idempotency keys
    /// The stored request for an `Idempotency-Key`.
    fn get_idempotency(&mut self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;
    /// Stores a new key; `Ok(false)` when it exists already.
    fn insert_idempotency(&mut self, record: &IdempotencyRecord) -> Result<bool, StoreError>;
    /// Stores the answer given for a key.
    fn complete_idempotency(
        &mut self,
        key: &str,
        status: u16,
        response: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Forgets a key (its request did nothing and may be run again).
    fn delete_idempotency(&mut self, key: &str) -> Result<(), StoreError>;
    /// Forgets keys created before `before`; returns how many.
    fn purge_idempotency(&mut self, before: DateTime<Utc>) -> Result<usize, StoreError>;

    // --- stats
    /// Counts for `GET /stats`.
    fn stats(&mut self) -> Result<Stats, StoreError>;
}

/// Sends to Meta (or the sandbox). Implemented by the binary over `wacloud-graph`, whose pacer,
/// retry policy and template checks stand behind the provided methods.
#[async_trait]
pub trait Messenger: Send + Sync + 'static {
    /// Sends one message. Never paces and never retries: the use cases do both.
    async fn send(&self, request: &OutboundRequest) -> Result<SendReceipt, SendFailure>;
    /// Sends a read receipt for an inbound `wamid`.
    async fn mark_read(&self, wamid: &str) -> Result<(), SendFailure>;
    /// The business number messages go out from, in E.164, if known.
    fn business_phone(&self) -> Option<String>;

    /// Waits until one message to `to` fits the number's throughput and the recipient's pair
    /// rate, and takes that slot (for a send made now).
    async fn pace(&self, _to: &CustomerKey) {}
    /// Takes `to`'s pair-rate slot if it is free now, without waiting; otherwise says how long
    /// until it is. Follow a success with [`Messenger::until_number_ready`].
    fn reserve_recipient(&self, _to: &CustomerKey) -> Result<(), Duration> {
        Ok(())
    }
    /// Waits for a slot of the number's throughput and takes it.
    async fn until_number_ready(&self) {}
    /// Meta refused a send with a rate limit: hold the whole number ([`FailureClass::RateLimited`],
    /// 130429) or only `to` ([`FailureClass::PairRateLimited`], 131056) for `wait`.
    fn back_off(&self, _to: &CustomerKey, _class: FailureClass, _wait: Duration) {}
    /// The wait before retry `retry` (1-based) of a send Meta refused for a passing reason,
    /// at least `retry_after` when Meta gave one. Default: 2^(retry−1) s, at most 10 min.
    fn retry_delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = Duration::from_secs(1u64 << retry.saturating_sub(1).min(10))
            .min(Duration::from_secs(600));
        retry_after.map_or(exp, |r| r.max(exp))
    }
    /// Attempts in all for a send refused for a passing reason, before it fails for good.
    fn max_attempts(&self) -> u32 {
        8
    }
    /// A cheap authenticated call to Meta: `Ok` once the access token works.
    async fn probe(&self) -> Result<(), SendFailure> {
        Ok(())
    }
    /// Checks a template message against the components of the stored template (Meta's JSON
    /// text): parameter counts (Meta's 132000). `Err` says what is wrong.
    fn check_template(&self, _content: &OutboundContent, _components: &str) -> Result<(), String> {
        Ok(())
    }
}

/// The current time. A port so tests can fix it.
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A fresh time-ordered id (UUIDv7) for a row.
#[must_use]
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The id of the one retry of message or queue item `of` (a UUID v5 of it): a second retry of
/// the same thing (a double click, two operators) finds it taken and is refused, instead of
/// sending the message again.
#[must_use]
pub fn retry_id(of: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("wacloud-retry:{of}").as_bytes(),
    )
    .to_string()
}
