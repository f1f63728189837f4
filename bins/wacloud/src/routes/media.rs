//! Media files: `POST /media` uploads one to Meta for a later `POST /send`, and
//! `GET /messages/{id}/media` gives a message's file (fetched from Meta once, then from the
//! cache). Meta's rules for types and sizes are `wacloud_core::media`'s.

use actix_multipart::Multipart;
use actix_web::body::SizedStream;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures::StreamExt;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use utoipa::ToSchema;
use wacloud_core::media::{
    download_name, extension_for, may_still_be_at_meta, type_for_file_name, MediaRefusal,
    MediaType, INBOUND_MEDIA_DAYS, UPLOADED_MEDIA_DAYS,
};
use wacloud_core::message::Direction;
use wacloud_core::outbound::{MediaSource, OutboundContent};
use wacloud_core::ports::{read, write, MediaRecord};
use wacloud_graph::media::MediaFile;

use crate::errors::{ApiError, ErrorBody};
use crate::media::FetchError;
use crate::state::AppState;

/// Bytes of a file's start kept to tell an animated sticker from a static one.
const HEAD_BYTES: usize = 64 * 1024;
/// Most bytes of a form field other than `file` (read and ignored).
const OTHER_FIELD_BYTES: usize = 64 * 1024;

/// `POST /media`'s answer: the upload as Meta has it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaUploaded {
    /// Meta's media id: give it as `media.id` to `POST /send` (valid 30 days).
    #[schema(example = "1037543291543636")]
    media_id: String,
    /// The MIME type Meta was given (`video/3gp` as `video/3gpp`).
    #[schema(example = "image/png")]
    mime_type: String,
    /// Size in bytes.
    size: u64,
    /// SHA-256 of the bytes, 64 lower-case hex digits.
    sha256: String,
}

/// The multipart form of `POST /media`.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "described for the OpenAPI document only")]
pub struct MediaForm {
    /// The file, with its `Content-Type` (or a file name whose extension gives it).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn refused(status: StatusCode, code: &str, e: &MediaRefusal) -> ApiError {
    ApiError::new(status, code, e.to_string()).with("field", "file")
}

/// An answer sent before the body was read to its end: the connection is closed rather than
/// the rest of the body read.
fn early(err: &ApiError) -> HttpResponse {
    let mut r = err.error_response();
    r.head_mut().set_connection_type(ConnectionType::Close);
    r
}

/// The file's type: the part's `Content-Type`, or from the file name's extension when the part
/// says only `application/octet-stream` (or nothing).
fn part_type(declared: Option<&str>, filename: Option<&str>) -> Result<MediaType, MediaRefusal> {
    let generic = declared.is_none_or(|d| {
        let d = d.trim().to_ascii_lowercase();
        d.is_empty() || d.starts_with("application/octet-stream")
    });
    if generic {
        if let Some(t) = filename.and_then(type_for_file_name) {
            return MediaType::parse(t);
        }
    }
    MediaType::parse(declared.unwrap_or_default())
}

/// A file as written to disk while it arrived.
struct Received {
    temp: tempfile::TempPath,
    media_type: MediaType,
    filename: String,
    size: u64,
    sha256: String,
}

/// Upload a media file to Meta.
///
/// `POST /media` (multipart/form-data, the field `file`): checks the file's type and size
/// against Meta's limits (Cloud API "Supported media types": image jpeg/png 5 MB; video
/// mp4/3gpp 16 MB; audio aac/amr/mpeg/mp4/ogg-opus 16 MB; documents — text, PDF, Word, Excel,
/// PowerPoint — 100 MB; sticker webp 100 KB static, 500 KB animated) before anything goes to
/// Meta, writes it to disk while it arrives (never held whole in memory; a file over its
/// kind's limit is refused as soon as the limit is passed), uploads it (the embedded sandbox in
/// sandbox mode) and records it. Send it with `POST /send` and `media: {"id": media_id}`.
///
/// The body is timed by its pauses: a wait of over `WACLOUD_BODY_TIMEOUT_MS` for the next bytes
/// is a 408.
#[utoipa::path(
    post,
    path = "/api/whatsapp/media",
    operation_id = "upload_media",
    tag = "sending",
    request_body(content = MediaForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Uploaded: the media id to send", body = MediaUploaded),
        (status = 400, description = "`invalid_multipart` (a body that is not a readable form), `missing_file` (no field `file`), `empty_file`, `too_many_files`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the file is over its kind's limit (the message names it, in bytes)", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: not multipart/form-data, or a file type WhatsApp does not take (the message lists the accepted types)", body = ErrorBody),
        (status = 502, description = "`upload_refused` (Meta refused it; `graph` holds Meta's error), `meta_unreachable`", body = ErrorBody),
        (status = 503, description = "`not_configured` (live mode without a token), `database_unavailable`", body = ErrorBody),
        (status = 504, description = "`meta_timeout`", body = ErrorBody),
    ),
)]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !multipart {
        return Ok(early(&ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the file as multipart/form-data in the field `file`",
        )));
    }
    let received = match receive(&state, &req, payload).await {
        Ok(r) => r,
        Err(answer) => return Ok(answer),
    };
    let Received {
        temp,
        media_type,
        filename,
        size,
        sha256,
    } = received;
    let file = MediaFile::new(temp.to_path_buf(), size, &media_type.essence, &filename)
        .map_err(|e| ApiError::bad_request("invalid_file", e.to_string()))?;
    let media_id = state.media.upload(&file).await?;
    let record = MediaRecord {
        media_id: media_id.clone(),
        mime_type: media_type.essence.clone(),
        size,
        sha256: sha256.clone(),
        filename: Some(filename),
    };
    let now = state.clock.now();
    write(state.store.as_ref(), move |r| {
        r.record_media_upload(&record, now)
    })
    .await?;
    // The upload is what a message sending it shows: kept, it is served without Meta.
    if let Err(e) = state.media.cache.put(&media_id, temp).await {
        tracing::warn!("media cache: could not keep upload {media_id}: {e}");
    }
    Ok(HttpResponse::Created().json(MediaUploaded {
        media_id,
        mime_type: media_type.essence,
        size,
        sha256,
    }))
}

/// Reads the form, writing the `file` field to a file of the cache's `tmp/` while hashing it.
/// `Err` is the answer to give (the connection closed when the body was left unread).
async fn receive(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Received, HttpResponse> {
    let bad = |m: String| early(&ApiError::bad_request("invalid_multipart", m));
    let internal = |e: std::io::Error| early(&ApiError::internal(&format!("media upload: {e}")));
    let mut form = Multipart::new(req.headers(), payload);
    let mut got: Option<Received> = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| bad(e.to_string()))?;
        if field.name() != Some("file") {
            let mut n = 0usize;
            while let Some(chunk) = field.next().await {
                n += chunk.map_err(|e| bad(e.to_string()))?.len();
                if n > OTHER_FIELD_BYTES {
                    return Err(bad(format!(
                        "a field other than `file` is over {OTHER_FIELD_BYTES} bytes"
                    )));
                }
            }
            continue;
        }
        if got.is_some() {
            return Err(early(&ApiError::bad_request(
                "too_many_files",
                "send one file per request",
            )));
        }
        // `filename*=UTF-8''…` (RFC 7578 allows it; reqwest sends it for names that are not
        // plain ASCII), else `filename="…"`.
        let given_name = field.content_disposition().and_then(|cd| {
            cd.get_filename_ext()
                .map(|v| String::from_utf8_lossy(&v.value).into_owned())
                .or_else(|| cd.get_filename().map(str::to_owned))
        });
        let declared = field.content_type().map(ToString::to_string);
        let media_type = part_type(declared.as_deref(), given_name.as_deref()).map_err(|e| {
            early(&refused(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                &e,
            ))
        })?;
        let ceiling = media_type.ceiling();
        let temp = state.media.cache.temp_file().map_err(internal)?;
        let (std_file, temp) = temp.into_parts();
        let mut out = tokio::fs::File::from_std(std_file);
        let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
        let mut head: Vec<u8> = Vec::new();
        let mut size: u64 = 0;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad(e.to_string()))?;
            size += chunk.len() as u64;
            if size > ceiling {
                return Err(early(&refused(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    &media_type.over_ceiling(),
                )));
            }
            if head.len() < HEAD_BYTES {
                let take = (HEAD_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hash.update(&chunk);
            out.write_all(&chunk).await.map_err(internal)?;
        }
        out.flush().await.map_err(internal)?;
        drop(out);
        media_type.check_size(size, &head).map_err(|e| match e {
            MediaRefusal::Empty => early(&ApiError::bad_request("empty_file", e.to_string())),
            e => early(&refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                &e,
            )),
        })?;
        let fallback = format!("file.{}", extension_for(&media_type.essence));
        got = Some(Received {
            temp,
            filename: download_name(given_name.as_deref(), &fallback),
            media_type,
            size,
            sha256: hex::encode(hash.finish()),
        });
    }
    got.ok_or_else(|| {
        early(&ApiError::bad_request(
            "missing_file",
            "the form has no field `file`",
        ))
    })
}

/// What a message's media is, as far as its row and request say.
enum Target {
    /// Meta's media id, with what is known of it.
    Id {
        media_id: String,
        mime_type: Option<String>,
        filename: Option<String>,
        kind: String,
    },
    /// Sent by link: the file was never here.
    Link,
    /// Not a media message.
    None,
}

fn target(
    message: &wacloud_core::message::Message,
    payload: Option<&str>,
    upload: impl Fn(&str) -> Option<MediaRecord>,
) -> Target {
    if let Some(m) = message.media.as_ref() {
        let s = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        if let Some(media_id) = s("id") {
            // An outbound message names only the id (and a document's name): the upload's
            // record gives the type and the name it came with.
            let up = if s("mime_type").is_none() || s("filename").is_none() {
                upload(&media_id)
            } else {
                None
            };
            return Target::Id {
                mime_type: s("mime_type").or_else(|| up.as_ref().map(|u| u.mime_type.clone())),
                filename: s("filename").or_else(|| up.and_then(|u| u.filename)),
                media_id,
                kind: message.message_type.clone(),
            };
        }
        if s("url").is_some() || s("link").is_some() {
            return Target::Link;
        }
    }
    let content = payload.and_then(|p| serde_json::from_str::<OutboundContent>(p).ok());
    match content {
        Some(OutboundContent::Media {
            kind,
            source: MediaSource::Id(media_id),
            filename,
            ..
        }) => {
            let up = upload(&media_id);
            Target::Id {
                mime_type: up.as_ref().map(|u| u.mime_type.clone()),
                filename: filename.or_else(|| up.and_then(|u| u.filename)),
                media_id,
                kind: kind.as_str().to_owned(),
            }
        }
        Some(OutboundContent::Media { .. }) => Target::Link,
        _ => Target::None,
    }
}

fn gone() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "media_expired",
        format!(
            "Meta no longer has this file (it keeps a customer's media {INBOUND_MEDIA_DAYS} days, an upload {UPLOADED_MEDIA_DAYS}) and no copy is cached here"
        ),
    )
}

/// A message's media file.
///
/// `GET /messages/{id}/media`: the file of an inbound or outbound image, video, audio,
/// document or sticker message, with its `Content-Type` and a `Content-Disposition:
/// attachment` file name (stripped of paths, quotes and controls). The first request fetches
/// it from Meta with the access token; it is then served from the media cache
/// (`WACLOUD_MEDIA_CACHE_DIR`, `WACLOUD_MEDIA_CACHE_BYTES`). Meta keeps a customer's media 7
/// days and an upload 30: past that, or when Meta answers that it has no such media, and
/// nothing is cached, 410.
#[utoipa::path(
    get,
    path = "/api/whatsapp/messages/{id}/media",
    operation_id = "message_media",
    tag = "messages",
    params(("id" = String, Path, description = "The message's wacloud id")),
    responses(
        (status = 200, description = "The file, as its type (one Meta takes, else `application/octet-stream`)", content_type = "*/*", body = Vec<u8>,
            headers(("Content-Disposition" = String, description = "`attachment` with the file name"))),
        (status = 404, description = "`not_found` (no such message), `no_media` (not a media message), `media_by_link` (sent by link: wacloud never had the file)", body = ErrorBody),
        (status = 410, description = "`media_expired`: Meta no longer has the file and none is cached", body = ErrorBody),
        (status = 502, description = "`download_failed` (Meta answered an error; `graph` holds it), `meta_unreachable`", body = ErrorBody),
        (status = 503, description = "`not_configured` (live mode without a token), `database_unavailable`", body = ErrorBody),
        (status = 504, description = "`meta_timeout`", body = ErrorBody),
    ),
)]
pub async fn download(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let found = read(state.store.as_ref(), move |r| {
        let Some(m) = r.get_message(&id)? else {
            return Ok(None);
        };
        let payload = match m.direction {
            Direction::Outbound => r.outbound_payload(&id)?,
            Direction::Inbound => None,
        };
        let mut uploads = std::collections::HashMap::new();
        let content = payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<OutboundContent>(p).ok());
        if let Some(OutboundContent::Media {
            source: MediaSource::Id(mid),
            ..
        }) = content
        {
            if let Some(u) = r.media_upload(&mid)? {
                uploads.insert(mid, u);
            }
        }
        let t = target(&m, payload.as_deref(), |mid| uploads.get(mid).cloned());
        Ok(Some((m, t)))
    })
    .await?;
    let Some((message, target)) = found else {
        return Err(ApiError::not_found("no message with this id"));
    };
    let (media_id, mime_type, filename, kind) = match target {
        Target::Id {
            media_id,
            mime_type,
            filename,
            kind,
        } => (media_id, mime_type, filename, kind),
        Target::Link => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "media_by_link",
                "this message's media was sent by link: wacloud never had the file",
            ))
        }
        Target::None => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "no_media",
                "this message has no media",
            ))
        }
    };
    let (file, len) = match state.media.cache.get(&media_id).await {
        Some(hit) => hit,
        None => {
            let days = match message.direction {
                Direction::Inbound => INBOUND_MEDIA_DAYS,
                Direction::Outbound => UPLOADED_MEDIA_DAYS,
            };
            if !may_still_be_at_meta(message.created_at, days, state.clock.now()) {
                return Err(gone());
            }
            match state.media.fetch(&media_id).await {
                Ok(f) => f,
                Err(FetchError::Gone) => return Err(gone()),
                Err(FetchError::Api(e)) => return Err(e),
            }
        }
    };
    // Only a type Meta takes is answered as itself: another could be rendered by a browser.
    let content_type = mime_type
        .as_deref()
        .and_then(|m| MediaType::parse(m).ok().map(|_| m.to_owned()))
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let fallback = format!("{kind}-{media_id}.{}", extension_for(&content_type));
    let name = download_name(filename.as_deref(), &fallback);
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: disposition_params(&name),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(disposition)
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("content-security-policy", "sandbox"))
        .body(SizedStream::new(len, Box::pin(file_stream(file)))))
}

/// `filename="…"` (ASCII, other characters as `_`) and, for a name that is not plain ASCII,
/// `filename*=UTF-8''…` (RFC 6266).
fn disposition_params(name: &str) -> Vec<DispositionParam> {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut params = vec![DispositionParam::Filename(ascii.clone())];
    if ascii != name {
        params.push(DispositionParam::FilenameExt(
            actix_web::http::header::ExtendedValue {
                charset: actix_web::http::header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            },
        ));
    }
    params
}

/// The file, 64 KiB at a time.
fn file_stream(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = Result<web::Bytes, std::io::Error>> {
    futures::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(web::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_untyped_part_is_typed_by_its_name_and_a_typed_one_by_its_type() {
        assert_eq!(
            part_type(Some("application/octet-stream"), Some("a.pdf"))
                .unwrap()
                .essence,
            "application/pdf"
        );
        assert_eq!(part_type(None, Some("a.png")).unwrap().essence, "image/png");
        assert!(part_type(Some("image/gif"), Some("a.png")).is_err());
        assert!(part_type(Some("application/octet-stream"), Some("a.exe")).is_err());
    }

    #[test]
    fn a_non_ascii_name_is_given_in_both_forms() {
        let p = disposition_params("façade.pdf");
        assert_eq!(p[0], DispositionParam::Filename("fa_ade.pdf".into()));
        assert_eq!(p.len(), 2);
        assert_eq!(disposition_params("a.pdf").len(), 1);
    }
}
