//! A batch's common webhook effects ([`BatchEffects`]): the read before them and their one-pass
//! write, in the set-based statements of [`super::batch`].

use std::collections::HashMap;
use wacloud_core::outbox::OutboxWrite;
use wacloud_core::ports::OutboxRepos;

use chrono::{DateTime, Utc};
use wacloud_core::events::CustomerRef;
use wacloud_core::ports::{BatchEffects, Found, Lookup, NewMessage, Repos, StoreError};

use super::{batch, contacts, Repo};
use crate::error::map_err;

impl Repo<'_> {
    pub(super) fn lookup_batch(&mut self, q: &Lookup) -> Result<Found, StoreError> {
        let contacts = if q.customers.is_empty() {
            Vec::new()
        } else {
            batch::find_contact_identities(self.conn, &q.customers).map_err(map_err)?
        };
        let messages = if q.wamids.is_empty() {
            Vec::new()
        } else {
            let wamids: Vec<&str> = q.wamids.iter().map(String::as_str).collect();
            batch::find_message_ids(self.conn, &wamids).map_err(map_err)?
        };
        Ok(Found { contacts, messages })
    }

    pub(super) fn ensure(
        &mut self,
        id_if_new: &str,
        who: &CustomerRef,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        match contacts::find_by_ref(self.conn, who).map_err(map_err)? {
            Some(c) => {
                self.refresh_contact_identity(&c, who, now)?;
                Ok(c.id)
            }
            None => Ok(self.insert_contact(id_if_new, who, now)?.id),
        }
    }

    pub(super) fn apply_batch(&mut self, e: &BatchEffects) -> Result<Vec<String>, StoreError> {
        let mut wrote = Vec::new();
        let mut settled: HashMap<String, String> = HashMap::new();
        for c in &e.contacts {
            let id = self.ensure(&c.id, &c.who, e.now)?;
            if id != c.id {
                settled.insert(c.id.clone(), id);
            }
        }
        if !e.inbound.is_empty() {
            let rows = e.inbound_for(&settled);
            let fresh = self.insert_many(&rows)?;
            if !e.outbox.is_empty() {
                let w = OutboxWrite::received(&e.outbox, &rows, &fresh, e.now);
                self.enqueue_outbox(&w)?;
            }
            let deltas = BatchEffects::contact_deltas(&rows, &fresh);
            batch::record_contact_deltas(self.conn, &deltas).map_err(map_err)?;
            for d in &deltas {
                self.contact_changed(&d.contact_id);
                if d.unread_increment > 0 {
                    wrote.push(d.contact_id.clone());
                }
            }
        }
        if !e.folds.is_empty() {
            let fresh = self.insert_many(&e.placeholders)?;
            let folds = e.status_folds(&fresh);
            for id in batch::apply_status_folds(self.conn, &folds, Utc::now()).map_err(map_err)? {
                self.status_changed(&id);
            }
        }
        Ok(wrote)
    }

    /// Inserts `rows` (a `wamid` already stored is skipped); for each, whether it went in.
    fn insert_many(&mut self, rows: &[NewMessage]) -> Result<Vec<bool>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let fresh = batch::insert_messages(self.conn, rows, now).map_err(map_err)?;
        for (m, is_new) in rows.iter().zip(&fresh) {
            if *is_new {
                // A message's file is recorded as on the single-insert path, so that subject
                // access and erasure find inbound media too.
                if let Some(media) = m.media.as_deref() {
                    super::messages::record_media(self.conn, &m.id, m.direction, media, now)
                        .map_err(map_err)?;
                }
                self.message_changed(&m.id);
                if let Some(c) = &m.contact_id {
                    self.contact_changed(c);
                }
            }
        }
        Ok(fresh)
    }
}
