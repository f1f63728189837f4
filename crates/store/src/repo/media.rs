//! `whatsapp_media` rows of files uploaded to Meta (`POST /media`), before any message names
//! them. Media that arrived with a message is recorded by `messages::record_media`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use wacloud_core::message::Direction;
use wacloud_core::ports::{new_id, MediaRecord};

use crate::conn::DbConnection;
use crate::models::to_db;
use crate::schema::whatsapp_media::dsl as md;
use crate::with_conn;

pub fn record_upload(
    conn: &mut DbConnection,
    m: &MediaRecord,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let t = to_db(now);
    let size = i64::try_from(m.size).unwrap_or(i64::MAX);
    with_conn!(conn, |x| diesel::insert_into(md::whatsapp_media)
        .values((
            md::id.eq(new_id()),
            md::media_id.eq(&m.media_id),
            md::direction.eq(Direction::Outbound.as_str()),
            md::mime_type.eq(&m.mime_type),
            md::sha256.eq(&m.sha256),
            md::file_size.eq(size),
            md::filename.eq(&m.filename),
            md::created_at.eq(t),
            md::updated_at.eq(t),
        ))
        .on_conflict(md::media_id)
        .do_nothing()
        .execute(x))
    .map(drop)
}

type Row = (
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

pub fn upload(conn: &mut DbConnection, media_id: &str) -> QueryResult<Option<MediaRecord>> {
    let row: Option<Row> = with_conn!(conn, |x| md::whatsapp_media
        .filter(md::media_id.eq(media_id))
        .select((
            md::media_id,
            md::mime_type,
            md::file_size,
            md::sha256,
            md::filename
        ))
        .get_result(x)
        .optional())?;
    Ok(row.map(|(id, mime, size, sha, name)| MediaRecord {
        media_id: id.unwrap_or_default(),
        mime_type: mime.unwrap_or_default(),
        size: size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
        sha256: sha.unwrap_or_default(),
        filename: name,
    }))
}
