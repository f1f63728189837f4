//! What a send reads before it goes: the stored template (to refuse what Meta would refuse), and
//! the content of an earlier outbound message (to retry it).

use diesel::prelude::*;
use wacloud_core::outbound::StoredTemplate;

use crate::conn::DbConnection;
use crate::schema::whatsapp_messages::dsl as m;
use crate::schema::whatsapp_templates::dsl as t;
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
    let row: Option<(String, String, Option<String>, Option<String>)> =
        with_conn!(conn, |x| t::whatsapp_templates
            .filter(t::name.eq(name))
            .filter(t::language.eq(language))
            .select((t::name, t::language, t::status, t::components))
            .first(x)
            .optional())?;
    Ok(
        row.map(|(name, language, status, components)| StoredTemplate {
            name,
            language,
            status,
            components,
        }),
    )
}
