//! The repositories: [`Repo`] implements the core's [`Repos`] over one connection, with code
//! written once for SQLite and PostgreSQL.

mod account;
mod auth;
mod automation;
mod batch;
mod batch_finished;
mod calls;
mod coexistence;
mod contact_list;
mod contacts;
mod costs;
mod effects;
mod groups;
mod idempotency;
mod inbox;
mod media;
mod messages;
mod numbers;
mod outbound;
pub(crate) mod outbox;
mod pacing;
mod prepared;
mod privacy;
mod queue;
mod reports;
mod routing;
mod search;
pub mod stats;
mod webhooks;

use chrono::{DateTime, Utc};
use diesel::Connection;
use wacloud_core::contact::{Contact, ContactList, ContactQuery, ContactUpdate};
use wacloud_core::events::{AccountEvent, CustomerRef, TemplateUpdate};
use wacloud_core::idempotency::IdempotencyRecord;
use wacloud_core::message::{DeliveryError, Direction, Message};
use wacloud_core::phone::CustomerKey;
use wacloud_core::ports::{
    BatchEffects, Found, Lookup, MessageQuery, NewMessage, Repos, StatusChange, StoreError,
};
use wacloud_core::queue::{
    BatchCancelled, BatchItemOutcome, BatchQuery, BatchSummary, NewQueueItem, QueueItem,
    QueueItemView, QueueOutcome, QueueState,
};
use wacloud_core::stats::Stats;
use wacloud_core::template::{SessionState, StoredTemplate};
use wacloud_core::webhook::{NewWebhook, StoredWebhook, WebhookOutcome};

use wacloud_core::changes::ChangeSet;

use crate::conn::DbConnection;
use crate::error::map_err;

pub use messages::EFFECT_KINDS;

/// The repositories over one connection (inside a transaction for write jobs). Every change a
/// write makes is recorded in `changes`, which the writer publishes once the transaction is
/// committed (live updates).
#[derive(Debug)]
pub struct Repo<'a> {
    conn: &'a mut DbConnection,
    changes: &'a mut ChangeSet,
}

impl<'a> Repo<'a> {
    /// Wraps a connection; changes are recorded into `changes`.
    pub fn new(conn: &'a mut DbConnection, changes: &'a mut ChangeSet) -> Self {
        Self { conn, changes }
    }

    fn message_changed(&mut self, id: &str) {
        self.changes.messages.push(id.to_owned());
    }

    fn status_changed(&mut self, id: &str) {
        self.changes.statuses.push(id.to_owned());
    }

    fn contact_changed(&mut self, id: &str) {
        self.changes.contacts.push(id.to_owned());
    }

    fn conversation_changed(&mut self, contact_id: &str) {
        self.changes.conversations.push(contact_id.to_owned());
    }

    /// Records a change to the message with `wamid` (reactions, edits, deletions name their
    /// target by `wamid`).
    fn wamid_changed(&mut self, wamid: &str) -> Result<(), StoreError> {
        if let Some(m) = messages::find_by_wamid(self.conn, wamid).map_err(map_err)? {
            self.message_changed(&m.id);
        }
        Ok(())
    }
}

/// Carries a job's own error through diesel's transaction API, which wants its error type to
/// come from diesel's.
#[derive(Debug)]
pub(crate) enum TxError {
    Job(StoreError),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for TxError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

/// Runs `f` in a savepoint (or a transaction when none is open) on `conn`. What a rolled-back
/// `f` recorded in `changes` is forgotten.
pub(crate) fn in_transaction(
    conn: &mut DbConnection,
    changes: &mut ChangeSet,
    f: &mut dyn FnMut(&mut dyn Repos) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mark = changes.mark();
    let result = conn.transaction::<(), TxError, _>(|c| {
        let mut repo = Repo::new(c, changes);
        f(&mut repo).map_err(TxError::Job)
    });
    let result = match result {
        Ok(()) => Ok(()),
        Err(TxError::Job(e)) => Err(e),
        Err(TxError::Db(e)) => Err(map_err(e)),
    };
    if result.is_err() {
        changes.rollback_to(mark);
    }
    result
}

impl Repos for Repo<'_> {
    fn insert_webhook(&mut self, w: &NewWebhook, o: &WebhookOutcome) -> Result<bool, StoreError> {
        webhooks::insert(self.conn, w, o).map_err(map_err)
    }
    fn finish_webhook(&mut self, id: &str, o: &WebhookOutcome) -> Result<(), StoreError> {
        webhooks::finish(self.conn, id, o).map_err(map_err)
    }
    fn finish_received_webhook(
        &mut self,
        id: &str,
        o: &WebhookOutcome,
    ) -> Result<bool, StoreError> {
        webhooks::finish_received(self.conn, id, o).map_err(map_err)
    }
    fn pending_webhooks(
        &mut self,
        include_failed: bool,
        limit: i64,
    ) -> Result<Vec<StoredWebhook>, StoreError> {
        webhooks::pending(self.conn, include_failed, limit).map_err(map_err)
    }
    fn insert_webhooks(
        &mut self,
        rows: &[(&NewWebhook, &WebhookOutcome)],
    ) -> Result<Vec<bool>, StoreError> {
        batch::insert_webhooks(self.conn, rows).map_err(map_err)
    }
    fn savepoint(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Repos) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        in_transaction(self.conn, self.changes, f)
    }

    fn find_contact(
        &mut self,
        number: Option<&str>,
        key: &CustomerKey,
    ) -> Result<Option<Contact>, StoreError> {
        contacts::find(self.conn, number, key).map_err(map_err)
    }
    fn find_contacts_by_wa_ids(
        &mut self,
        keys: &[(String, String)],
    ) -> Result<Vec<Contact>, StoreError> {
        batch::find_contacts_by_wa_ids(self.conn, keys).map_err(map_err)
    }
    fn ensure_contact(
        &mut self,
        id_if_new: &str,
        who: &CustomerRef,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.ensure(id_if_new, who, now)
    }
    fn get_contact(&mut self, id: &str) -> Result<Option<Contact>, StoreError> {
        contacts::get(self.conn, id).map_err(map_err)
    }
    fn insert_contact(
        &mut self,
        id: &str,
        who: &CustomerRef,
        now: DateTime<Utc>,
    ) -> Result<Contact, StoreError> {
        let c = contacts::insert(self.conn, id, who, now).map_err(map_err)?;
        self.contact_changed(&c.id);
        Ok(c)
    }
    fn refresh_contact_identity(
        &mut self,
        current: &Contact,
        who: &CustomerRef,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // Meta's `wa_id` outranks the BSUID: the BSUID-only contact's history joins the one
        // holding the `wa_id`, which then takes the BSUID.
        if let Some(twin) = contacts::bsuid_only_twin(self.conn, current, who).map_err(map_err)? {
            self.merge_contacts(&twin, &current.id, now)?;
        }
        if contacts::refresh_identity(self.conn, current, who, now).map_err(map_err)? {
            self.contact_changed(&current.id);
        }
        Ok(())
    }
    fn record_contact_message(
        &mut self,
        id: &str,
        at: DateTime<Utc>,
        preview: Option<&str>,
        direction: Direction,
        unread_increment: i64,
    ) -> Result<(), StoreError> {
        contacts::record_message(self.conn, id, at, preview, direction, unread_increment)
            .map_err(map_err)?;
        self.contact_changed(id);
        Ok(())
    }
    fn update_contact(
        &mut self,
        id: &str,
        update: &ContactUpdate,
        now: DateTime<Utc>,
    ) -> Result<Contact, StoreError> {
        let c = contacts::update(self.conn, id, update, now).map_err(map_err)?;
        self.contact_changed(id);
        Ok(c)
    }
    fn merge_contacts(
        &mut self,
        from: &str,
        into: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        contacts::merge(self.conn, from, into, now).map_err(map_err)?;
        self.contact_changed(from);
        self.contact_changed(into);
        Ok(())
    }
    fn change_contact_identity(
        &mut self,
        id: &str,
        wa_id: Option<&str>,
        user_id: Option<&str>,
        parent_user_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let merged = contacts::change_identity(self.conn, id, wa_id, user_id, parent_user_id, now)
            .map_err(map_err)?;
        for m in &merged {
            self.contact_changed(m);
        }
        self.contact_changed(id);
        Ok(())
    }
    fn set_marketing_opt_out(
        &mut self,
        id: &str,
        opt_out: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        contacts::set_opt_out(self.conn, id, opt_out, now).map_err(map_err)?;
        self.contact_changed(id);
        Ok(())
    }
    fn set_undeliverable(&mut self, id: &str, at: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        contacts::set_undeliverable(self.conn, id, at).map_err(map_err)?;
        self.contact_changed(id);
        Ok(())
    }
    fn list_contacts(&mut self, q: &ContactQuery) -> Result<ContactList, StoreError> {
        contact_list::list(self.conn, q).map_err(map_err)
    }

    fn contacts_after(
        &mut self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Contact>, StoreError> {
        contact_list::after_id(self.conn, after, limit).map_err(map_err)
    }

    fn lookup(&mut self, q: &Lookup) -> Result<Found, StoreError> {
        self.lookup_batch(q)
    }
    fn apply_effects(&mut self, e: &BatchEffects) -> Result<Vec<String>, StoreError> {
        self.apply_batch(e)
    }

    fn insert_message(&mut self, m: &NewMessage) -> Result<bool, StoreError> {
        let inserted = messages::insert(self.conn, m, Utc::now()).map_err(map_err)?;
        if inserted {
            self.message_changed(&m.id);
            if let Some(c) = &m.contact_id {
                self.contact_changed(c);
            }
        }
        Ok(inserted)
    }
    fn record_media_upload(
        &mut self,
        m: &wacloud_core::ports::MediaRecord,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        media::record_upload(self.conn, m, now).map_err(map_err)
    }
    fn media_upload(
        &mut self,
        media_id: &str,
    ) -> Result<Option<wacloud_core::ports::MediaRecord>, StoreError> {
        media::upload(self.conn, media_id).map_err(map_err)
    }
    fn get_message(&mut self, id: &str) -> Result<Option<Message>, StoreError> {
        messages::get(self.conn, id).map_err(map_err)
    }
    fn outbound_payload(&mut self, id: &str) -> Result<Option<String>, StoreError> {
        outbound::payload(self.conn, id).map_err(map_err)
    }
    fn find_message_by_wamid(&mut self, wamid: &str) -> Result<Option<Message>, StoreError> {
        messages::find_by_wamid(self.conn, wamid).map_err(map_err)
    }
    fn attach_wamid(
        &mut self,
        id: &str,
        wamid: &str,
        now: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        let m = messages::attach_wamid(self.conn, id, wamid, now).map_err(map_err)?;
        self.status_changed(id);
        Ok(m)
    }
    fn apply_status(&mut self, id: &str, change: &StatusChange) -> Result<bool, StoreError> {
        let moved = messages::apply_status(self.conn, id, change).map_err(map_err)?;
        self.status_changed(id);
        Ok(moved)
    }
    fn apply_status_by_wamid(
        &mut self,
        wamid: &str,
        change: &StatusChange,
    ) -> Result<bool, StoreError> {
        match messages::apply_status_by_wamid(self.conn, wamid, change, Utc::now())
            .map_err(map_err)?
        {
            Some(id) => {
                self.status_changed(&id);
                Ok(true)
            }
            None => Ok(false),
        }
    }
    fn fail_message(
        &mut self,
        id: &str,
        error: &DeliveryError,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        messages::fail(self.conn, id, error, at).map_err(map_err)?;
        self.status_changed(id);
        Ok(())
    }
    fn note_message_error(&mut self, id: &str, note: &str) -> Result<(), StoreError> {
        messages::note_error(self.conn, id, note).map_err(map_err)?;
        self.message_changed(id);
        Ok(())
    }
    fn set_reaction(&mut self, wamid: &str, emoji: Option<&str>) -> Result<bool, StoreError> {
        let found = messages::set_reaction(self.conn, wamid, emoji).map_err(map_err)?;
        if found {
            self.wamid_changed(wamid)?;
        }
        Ok(found)
    }
    fn set_business_reaction(
        &mut self,
        wamid: &str,
        emoji: Option<&str>,
    ) -> Result<bool, StoreError> {
        let found = messages::set_business_reaction(self.conn, wamid, emoji).map_err(map_err)?;
        if found {
            self.wamid_changed(wamid)?;
        }
        Ok(found)
    }
    fn edit_message(
        &mut self,
        wamid: &str,
        text: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let found = messages::edit(self.conn, wamid, text, at).map_err(map_err)?;
        if found {
            self.wamid_changed(wamid)?;
        }
        Ok(found)
    }
    fn revoke_message(&mut self, wamid: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let found = messages::revoke(self.conn, wamid, at).map_err(map_err)?;
        if found {
            self.wamid_changed(wamid)?;
        }
        Ok(found)
    }
    fn mark_contact_read(&mut self, contact_id: &str) -> Result<(i64, Option<String>), StoreError> {
        let r = messages::mark_contact_read(self.conn, contact_id).map_err(map_err)?;
        self.contact_changed(contact_id);
        Ok(r)
    }
    fn list_messages(&mut self, q: &MessageQuery) -> Result<(Vec<Message>, bool), StoreError> {
        messages::list(self.conn, q).map_err(map_err)
    }

    fn latest_message_for_queue_item(
        &mut self,
        queue_id: &str,
    ) -> Result<Option<Message>, StoreError> {
        messages::latest_for_queue_item(self.conn, queue_id).map_err(map_err)
    }

    fn upsert_template(&mut self, t: &TemplateUpdate) -> Result<(), StoreError> {
        account::upsert_template(self.conn, t).map_err(map_err)
    }
    fn list_templates(&mut self) -> Result<Vec<StoredTemplate>, StoreError> {
        account::list_templates(self.conn).map_err(map_err)
    }
    fn delete_templates(
        &mut self,
        name: &str,
        template_id: Option<&str>,
    ) -> Result<usize, StoreError> {
        account::delete_templates(self.conn, name, template_id).map_err(map_err)
    }
    fn get_session(&mut self, pid: &str) -> Result<Option<SessionState>, StoreError> {
        account::get_session(self.conn, pid).map_err(map_err)
    }
    fn record_account_event(&mut self, e: &AccountEvent) -> Result<(), StoreError> {
        account::record_account_event(self.conn, e).map_err(map_err)
    }
    fn touch_session(&mut self, pid: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        account::touch(self.conn, pid, at).map_err(map_err)
    }
    fn find_template(
        &mut self,
        name: &str,
        language: &str,
    ) -> Result<Option<StoredTemplate>, StoreError> {
        outbound::find_template(self.conn, name, language).map_err(map_err)
    }

    fn enqueue(&mut self, items: &[NewQueueItem]) -> Result<(), StoreError> {
        queue::enqueue(self.conn, items).map_err(map_err)
    }
    fn claim_queue_items(
        &mut self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<QueueItem>, StoreError> {
        queue::claim(self.conn, owner, now, lease_until, limit).map_err(map_err)
    }
    fn begin_queue_attempt(
        &mut self,
        id: &str,
        owner: &str,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        queue::begin_attempt(self.conn, id, owner, message_id, now).map_err(map_err)
    }
    fn queue_counts(&mut self) -> Result<Vec<(String, i64)>, StoreError> {
        stats::queue_counts(self.conn).map_err(map_err)
    }
    fn get_queue_item(&mut self, id: &str) -> Result<Option<QueueItem>, StoreError> {
        queue::get(self.conn, id).map_err(map_err)
    }
    fn queue_item_view(&mut self, id: &str) -> Result<Option<QueueItemView>, StoreError> {
        queue::view(self.conn, id).map_err(map_err)
    }
    fn finish_queue_item(
        &mut self,
        id: &str,
        outcome: &QueueOutcome,
        now: DateTime<Utc>,
        only_if: &[QueueState],
    ) -> Result<bool, StoreError> {
        let done = queue::finish(self.conn, id, outcome, now, only_if).map_err(map_err)?;
        if done {
            if let QueueOutcome::Failed { error, .. } = outcome {
                automation::count_reply_failure(self.conn, id, error).map_err(map_err)?;
            }
            batch_finished::emit_for_item(self.conn, id, now).map_err(map_err)?;
        }
        Ok(done)
    }
    fn batch_summary(
        &mut self,
        batch_id: &str,
        q: &BatchQuery,
    ) -> Result<Option<BatchSummary>, StoreError> {
        queue::batch_summary(self.conn, batch_id, q).map_err(map_err)
    }
    fn search_messages(
        &mut self,
        q: &wacloud_core::search::SearchQuery,
    ) -> Result<wacloud_core::search::SearchPage, StoreError> {
        search::search(self.conn, q).map_err(map_err)
    }
    fn index_for_search(&mut self, limit: i64) -> Result<usize, StoreError> {
        search::index_pending(self.conn, limit).map_err(map_err)
    }
    fn recent_batch_ids(
        &mut self,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        queue::recent_batch_ids(self.conn, before, limit).map_err(map_err)
    }
    fn batch_items_after(
        &mut self,
        batch_id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<BatchItemOutcome>, StoreError> {
        queue::batch_items_after(self.conn, batch_id, after, limit).map_err(map_err)
    }
    fn cancel_batch(
        &mut self,
        batch_id: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<BatchCancelled>, StoreError> {
        let out = queue::cancel_batch(self.conn, batch_id, reason, now).map_err(map_err)?;
        if out.is_some() {
            batch_finished::emit(self.conn, batch_id, now).map_err(map_err)?;
        }
        Ok(out)
    }
    fn undecided_unknown_items(
        &mut self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        queue::undecided_unknown(self.conn, before, limit).map_err(map_err)
    }

    fn get_idempotency(&mut self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        idempotency::get(self.conn, key).map_err(map_err)
    }
    fn insert_idempotency(&mut self, record: &IdempotencyRecord) -> Result<bool, StoreError> {
        idempotency::insert(self.conn, record).map_err(map_err)
    }
    fn complete_idempotency(
        &mut self,
        key: &str,
        status: u16,
        response: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        idempotency::complete(self.conn, key, status, response, now).map_err(map_err)
    }
    fn delete_idempotency(&mut self, key: &str) -> Result<(), StoreError> {
        idempotency::delete(self.conn, key).map_err(map_err)
    }
    fn purge_idempotency(&mut self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        idempotency::purge(self.conn, before).map_err(map_err)
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        stats::stats(self.conn).map_err(map_err)
    }
    fn fold_counts(&mut self) -> Result<usize, StoreError> {
        stats::fold(self.conn).map_err(map_err)
    }
}
