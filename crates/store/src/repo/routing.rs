//! The thread owner columns of `whatsapp_conversations` (migration
//! `2026-12-08-000002_thread_control`): [`RoutingRepos`] for [`Repo`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use wacloud_core::conversation::ConversationStatus;
use wacloud_core::ports::{RoutingRepos, StoreError};
use wacloud_core::routing::{ThreadOwner, ThreadState};

use super::Repo;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_conversations::dsl as v;
use crate::with_conn;

type ThreadRow = (
    String,
    Option<String>,
    Option<String>,
    Option<NaiveDateTime>,
);

impl RoutingRepos for Repo<'_> {
    fn thread_states(
        &mut self,
        contact_ids: &[String],
    ) -> Result<Vec<(String, ThreadState)>, StoreError> {
        if contact_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ThreadRow> = with_conn!(self.conn, |x| v::whatsapp_conversations
            .filter(v::contact_id.eq_any(contact_ids))
            .filter(v::thread_owner.is_not_null())
            .select((
                v::contact_id,
                v::thread_owner,
                v::thread_owner_app_id,
                v::thread_changed_at,
            ))
            .load(x))
        .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, owner, app_id, at)| {
                let t = ThreadState {
                    // Only this crate writes the column, from an owner; an unknown value reads
                    // as wacloud's, which refuses nothing.
                    owner: owner
                        .as_deref()
                        .and_then(ThreadOwner::parse)
                        .unwrap_or(ThreadOwner::Wacloud),
                    app_id,
                    since: at.map(from_db),
                };
                (id, t)
            })
            .collect())
    }

    fn put_thread_state(&mut self, contact_id: &str, t: &ThreadState) -> Result<(), StoreError> {
        let values = (
            v::thread_owner.eq(Some(t.owner.as_str())),
            v::thread_owner_app_id.eq(t.app_id.as_deref()),
            v::thread_changed_at.eq(t.since.map(to_db)),
        );
        let now = to_db(t.since.unwrap_or_else(chrono::Utc::now));
        // A new row is an open, unassigned conversation, as a contact without one reads.
        with_conn!(self.conn, |x| diesel::insert_into(
            v::whatsapp_conversations
        )
        .values((
            v::contact_id.eq(contact_id),
            v::status.eq(ConversationStatus::Open.as_str()),
            v::updated_at.eq(now),
            v::updated_by.eq("meta"),
            values,
        ))
        .on_conflict(v::contact_id)
        .do_update()
        .set(values)
        .execute(x))
        .map_err(map_err)?;
        self.contact_changed(contact_id);
        self.conversation_changed(contact_id);
        Ok(())
    }
}
