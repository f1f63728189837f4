//! What a send reads before it goes: the stored template (to refuse what Meta would refuse), and
//! the content of an earlier outbound message (to retry it).

use diesel::prelude::*;
use wacloud_core::template::StoredTemplate;

use crate::conn::DbConnection;
use crate::schema::whatsapp_messages::dsl as m;
use crate::with_conn;

/// The request content stored with an outbound message (JSON text), if any.
pub fn payload(conn: &mut DbConnection, id: &str) -> QueryResult<Option<String>> {
    let p: Option<Option<String>> = with_conn!(conn, |x| m::whatsapp_messages
        .find(id)
        .select(m::payload)
        .first(x)
        .optional())?;
    Ok(p.flatten())
}

pub fn find_template(
    conn: &mut DbConnection,
    name: &str,
    language: &str,
) -> QueryResult<Option<StoredTemplate>> {
    super::account::find_template(conn, name, language)
}
