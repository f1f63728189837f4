//! [`Repos`]: the synchronous repository methods a store job may call.

use chrono::{DateTime, Utc};

use super::effects::{BatchEffects, Found, Lookup};
use super::error::StoreError;
use super::rows::{MediaRecord, MessageQuery, NewMessage, StatusChange};
use crate::contact::{Contact, ContactList, ContactQuery, ContactUpdate};
use crate::events::{AccountEvent, CustomerRef, TemplateUpdate};
use crate::idempotency::IdempotencyRecord;
use crate::message::{DeliveryError, Message};
use crate::outbound::StoredTemplate;
use crate::phone::CustomerKey;
use crate::queue::{
    BatchCancelled, BatchItemOutcome, BatchQuery, BatchSummary, NewQueueItem, QueueItem,
    QueueItemView, QueueOutcome, QueueState,
};
use crate::stats::Stats;
use crate::webhook::{NewWebhook, StoredWebhook, WebhookOutcome};

/// The synchronous repository methods a job may call. Implemented by the store for one
/// connection, inside a transaction for write jobs. Operators, sessions and the audit trail are
/// [`AuthRepos`](super::AuthRepos)'; the team inbox's conversations, timeline and canned
/// replies [`InboxRepos`](super::InboxRepos)'; the business numbers
/// [`NumberRepos`](super::NumberRepos)'; the shares of a number's throughput
/// [`PacingRepos`](super::PacingRepos)'; thread owners [`RoutingRepos`](super::RoutingRepos)';
/// the WhatsApp Business app's history and address book
/// [`CoexistenceRepos`](super::CoexistenceRepos)'; calls [`CallRepos`](super::CallRepos)';
/// costs [`CostRepos`](super::CostRepos)'; groups [`GroupRepos`](super::GroupRepos)'; the
/// outbox and its subscriptions [`OutboxRepos`](super::OutboxRepos)'; rules and automatic
/// replies [`AutomationRepos`](super::AutomationRepos)'; reports' reads [`ReportRepos`](super::ReportRepos)'.
pub trait Repos:
    super::AuthRepos
    + super::AutomationRepos
    + super::CallRepos
    + super::CoexistenceRepos
    + super::CostRepos
    + super::GroupRepos
    + super::InboxRepos
    + super::NumberRepos
    + super::OutboxRepos
    + super::PacingRepos
    + super::PrivacyRepos
    + super::ReportRepos
    + super::RoutingRepos
{
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
    /// The contact for a number or BSUID on business number `number` (`phone_number_id`;
    /// `None`: on any number, the oldest first).
    fn find_contact(
        &mut self,
        number: Option<&str>,
        key: &CustomerKey,
    ) -> Result<Option<Contact>, StoreError>;
    /// The contacts holding any of these `(phone_number_id, wa_id)` pairs.
    fn find_contacts_by_wa_ids(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<Vec<Contact>, StoreError>;
    /// The contact matching a webhook's identity (by `wa_id`, else the number, else a `user_id`
    /// not held by another `wa_id`), brought up to date with the identity fields Meta sent;
    /// created with `id_if_new` when there is none. Returns the contact's id. `who` names
    /// somebody (see [`CustomerRef::is_empty`]).
    fn ensure_contact(
        &mut self,
        id_if_new: &str,
        who: &CustomerRef,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError>;
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
    /// Gives contact `id` the identities Meta reported changed (`user_changed_number`,
    /// `user_changed_user_id`; `None` leaves one as it is). A contact of the same number that
    /// already holds the new `wa_id`, or the new BSUID without another `wa_id`, is merged into
    /// `id` first ([`Repos::merge_contacts`]); a BSUID held by a contact with another `wa_id`
    /// stays there.
    fn change_contact_identity(
        &mut self,
        id: &str,
        wa_id: Option<&str>,
        user_id: Option<&str>,
        parent_user_id: Option<&str>,
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
    /// Up to `limit` contacts (not merged into another) in id order, after the id `after`: an
    /// export's pages, each read by its key.
    fn contacts_after(
        &mut self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Contact>, StoreError>;

    // --- a batch's common webhook effects
    /// Reads what a batch's events name: contacts by `wa_id`, messages by `wamid`.
    fn lookup(&mut self, q: &Lookup) -> Result<Found, StoreError>;
    /// Applies a batch's common effects in this order: each [`EnsureContact`](super::EnsureContact) as
    /// [`Repos::ensure_contact`]; the inbound rows (a `wamid` already stored is skipped) and the
    /// contacts' deltas from those that went in ([`BatchEffects::contact_deltas`], never moving
    /// the last-message fields backwards); the placeholders; the status folds
    /// ([`BatchEffects::status_folds`]), each moving its message's status forward only, as
    /// [`Repos::apply_status`] does. Answers the contacts that got a new customer message (one
    /// counted unread), which may reopen their conversations.
    fn apply_effects(&mut self, e: &BatchEffects) -> Result<Vec<String>, StoreError>;

    // --- messages
    /// Inserts a message; `Ok(false)` when one with the same `wamid` exists (nothing changed).
    fn insert_message(&mut self, m: &NewMessage) -> Result<bool, StoreError>;
    /// The message with this wacloud id.
    fn get_message(&mut self, id: &str) -> Result<Option<Message>, StoreError>;
    /// The request content stored with an outbound message (JSON of [`OutboundContent`]).
    ///
    /// [`OutboundContent`]: crate::outbound::OutboundContent
    fn outbound_payload(&mut self, id: &str) -> Result<Option<String>, StoreError>;
    /// Records a file uploaded to Meta (`whatsapp_media`, outbound, no message yet); an id
    /// already recorded is left as it is.
    fn record_media_upload(
        &mut self,
        m: &MediaRecord,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The upload recorded under Meta's media id, if any.
    fn media_upload(&mut self, media_id: &str) -> Result<Option<MediaRecord>, StoreError>;
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
    /// Sets or removes (`None`) the business's own reaction on `wamid`. `Ok(false)` if unknown.
    fn set_business_reaction(
        &mut self,
        wamid: &str,
        emoji: Option<&str>,
    ) -> Result<bool, StoreError>;
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
    /// Removes the stored templates named `name` (every language), or only the one with Meta's
    /// id `template_id` when given (what Meta's delete removed). Answers how many rows went.
    fn delete_templates(
        &mut self,
        name: &str,
        template_id: Option<&str>,
    ) -> Result<usize, StoreError>;
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
    /// Writes a number/account change into `whatsapp_numbers`.
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
    /// How many items are in each state (`pending`, `sending`, `sent`, …), states without
    /// items left out.
    fn queue_counts(&mut self) -> Result<Vec<(String, i64)>, StoreError>;
    /// The item with this id.
    fn get_queue_item(&mut self, id: &str) -> Result<Option<QueueItem>, StoreError>;
    /// The item with this id, as the API shows it.
    fn queue_item_view(&mut self, id: &str) -> Result<Option<QueueItemView>, StoreError>;
    /// Applies `outcome` to the item if its state is one of `only_if`; returns whether it did.
    /// When that ends the item's batch, writes `batch.finished` in the same transaction
    /// ([`OutboxRepos::emit_batch_finished`](super::OutboxRepos::emit_batch_finished)).
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
    /// One page of messages whose text holds every term of `q`, newest first
    /// ([`crate::search`]).
    fn search_messages(
        &mut self,
        q: &crate::search::SearchQuery,
    ) -> Result<crate::search::SearchPage, StoreError>;
    /// Adds up to `limit` messages written since the last call to the search index; how many
    /// rows it looked at (fewer than `limit`: caught up). A backend that indexes as it writes
    /// answers 0.
    fn index_for_search(&mut self, limit: i64) -> Result<usize, StoreError>;
    /// Ids of the newest batches, newest first: up to `limit` whose id sorts before `before`
    /// (batch ids are UUIDv7, so id order is creation order).
    fn recent_batch_ids(
        &mut self,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// Up to `limit` items of a batch whose id sorts after `after`, in id order (the order they
    /// were queued), each with what became of its message.
    fn batch_items_after(
        &mut self,
        batch_id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<BatchItemOutcome>, StoreError>;
    /// Cancels every `pending` (also scheduled) and `unknown` item of a batch; `None` if no such
    /// batch. Writes `batch.finished` when nothing of it is left in flight.
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
    /// Counts for `GET /stats`, kept as rows change: the cost does not grow with history.
    fn stats(&mut self) -> Result<Stats, StoreError>;
    /// Folds the count changes recorded since the last fold into the kept counts, so that
    /// reads stay short; returns how many changes were folded. Reads are exact either way.
    /// Stores whose writes change the counts directly do nothing and return 0.
    fn fold_counts(&mut self) -> Result<usize, StoreError>;
}
