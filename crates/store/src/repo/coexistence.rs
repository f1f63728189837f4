//! Coexistence with the WhatsApp Business app (migration `2026-12-09-000001_coexistence`):
//! [`CoexistenceRepos`] for [`Repo`]. History rows are ordinary message rows (`source`
//! `history`) written by the batch path's statements; the synchronisation's progress is on
//! `whatsapp_numbers`, the app's saved name on `whatsapp_contacts.saved_name`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use wacloud_core::events::HistoryProgress;
use wacloud_core::message::Direction;
use wacloud_core::numbers::HistorySync;
use wacloud_core::ports::{CoexistenceRepos, ContactDelta, NewMessage, StoreError};

use super::Repo;
use crate::error::map_err;
use crate::models::{from_db, to_db};
use crate::schema::whatsapp_contacts::dsl as c;
use crate::schema::whatsapp_numbers::dsl as s;
use crate::with_conn;

type HistoryRow = (
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<String>,
    Option<NaiveDateTime>,
);

impl CoexistenceRepos for Repo<'_> {
    fn insert_history_rows(&mut self, rows: &[NewMessage]) -> Result<usize, StoreError> {
        let fresh = super::batch::insert_messages(self.conn, rows, Utc::now()).map_err(map_err)?;
        let mut n = 0;
        for (row, new) in rows.iter().zip(fresh) {
            if new {
                n += 1;
                self.message_changed(&row.id);
            }
        }
        Ok(n)
    }

    fn show_history_message(
        &mut self,
        contact_id: &str,
        at: DateTime<Utc>,
        preview: &str,
        direction: Direction,
    ) -> Result<(), StoreError> {
        // The batch path's statement: forward only, and with no `inbound_at` and no unread
        // increment it leaves the window and the unread count alone.
        let delta = ContactDelta {
            contact_id: contact_id.to_owned(),
            at,
            preview: Some(preview.to_owned()),
            direction,
            unread_increment: 0,
            inbound_at: None,
        };
        super::batch::record_contact_deltas(self.conn, std::slice::from_ref(&delta))
            .map_err(map_err)?;
        self.contact_changed(contact_id);
        Ok(())
    }

    fn record_history_chunk(
        &mut self,
        phone_number_id: &str,
        progress: &HistoryProgress,
        error: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        super::account::ensure_session(self.conn, phone_number_id, at).map_err(map_err)?;
        let row = s::whatsapp_numbers.find(phone_number_id);
        let t = to_db(at);
        with_conn!(self.conn, |x| diesel::update(row)
            .set((
                s::history_chunks.eq(s::history_chunks + 1),
                s::history_at.eq(t),
            ))
            .execute(x))
        .map_err(map_err)?;
        if let Some(e) = error {
            // A refusal is kept until a chunk with messages or progress replaces it.
            with_conn!(self.conn, |x| diesel::update(row)
                .set(s::history_error.eq(e))
                .execute(x))
            .map_err(map_err)?;
        } else {
            with_conn!(self.conn, |x| diesel::update(row)
                .set((
                    s::history_phase.eq(progress.phase),
                    s::history_chunk_order.eq(progress.chunk_order),
                    s::history_progress.eq(progress.progress),
                    s::history_error.eq(None::<String>),
                ))
                .execute(x))
            .map_err(map_err)?;
        }
        Ok(())
    }

    fn history_syncs(&mut self) -> Result<Vec<(String, HistorySync)>, StoreError> {
        let rows: Vec<HistoryRow> = with_conn!(self.conn, |x| s::whatsapp_numbers
            .filter(s::history_chunks.gt(0))
            .select((
                s::phone_number_id,
                s::history_phase,
                s::history_chunk_order,
                s::history_progress,
                s::history_chunks,
                s::history_error,
                s::history_at,
            ))
            .load(x))
        .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|(pid, phase, chunk_order, progress, chunks, error, at)| {
                (
                    pid,
                    HistorySync {
                        phase,
                        chunk_order,
                        progress,
                        chunks,
                        error,
                        updated_at: at.map(from_db),
                    },
                )
            })
            .collect())
    }

    fn set_saved_name(
        &mut self,
        contact_id: &str,
        name: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let t = to_db(at);
        let n = with_conn!(self.conn, |x| diesel::update(
            c::whatsapp_contacts
                .find(contact_id)
                .filter(c::saved_name_at.is_null().or(c::saved_name_at.le(t)))
        )
        .set((
            c::saved_name.eq(name),
            c::saved_name_at.eq(t),
            c::updated_at.eq(to_db(Utc::now())),
        ))
        .execute(x))
        .map_err(map_err)?;
        if n > 0 {
            self.contact_changed(contact_id);
        }
        Ok(n > 0)
    }
}
