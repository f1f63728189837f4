//! Meta's media endpoints (Cloud API "Media"), answered like Meta:
//!
//! - `POST /sandbox/graph/{version}/{phone_number_id}/media`, multipart with
//!   `messaging_product=whatsapp`, `file` and `type` (the file part's `Content-Type` when `type`
//!   is absent): `{"id": "<16 digits>"}`. A MIME type Meta does not take is refused with code
//!   100 ("Param file must be a file with one of the following types: …"), a file over its
//!   kind's limit (`wacloud_graph::media::max_upload_bytes`: image 5 MB, audio and video 16 MB,
//!   document 100 MB, sticker 100 KB or 500 KB animated) or an empty one with 131053 ("Media
//!   upload error", the reason in `error_data.details`), both HTTP 400;
//! - `GET /sandbox/graph/{version}/{media_id}` (in `graph::phone_number`, which shares the
//!   path): `messaging_product`, `url`, `mime_type`, `sha256` (hex), `file_size` (a string, as
//!   in Meta's OpenAPI example) and `id`;
//! - `GET` of that `url` (`/sandbox/graph/lookaside/whatsapp_business/attachments?mid=…&ext=…`,
//!   like Meta's `lookaside.fbsbx.com` URL): the bytes, only with the bearer token and for
//!   5 minutes (then 404, and a fresh `GET /{media_id}` gives a new URL);
//! - `DELETE /sandbox/graph/{version}/{media_id}`: `{"success": true}`.
//!
//! `GET` and `DELETE` take Meta's optional `?phone_number_id=`, refused when it is not the
//! sandbox's number. An unknown or forgotten id answers Meta's code 100 for a missing object.

use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use wacloud_graph::media::{
    is_animated_webp, max_upload_bytes, media_type_for_mime, DOCUMENT_MAX_BYTES,
    SUPPORTED_MIME_TYPES,
};

use crate::auth::{authorized, token_refusal};
use crate::payloads::graph_error;
use crate::Sandbox;

/// The download route, under `/sandbox`.
pub const DOWNLOAD_PATH: &str = "/graph/lookaside/whatsapp_business/attachments";
/// How long a download URL works, in seconds (Meta: 5 minutes).
const URL_VALID_SECS: i64 = 300;
/// Longest text field of the upload form, in bytes.
const TEXT_FIELD_MAX: usize = 1024;

fn refusal(code: i64, kind: &str, message: &str, details: Option<&str>) -> HttpResponse {
    HttpResponse::BadRequest().json(graph_error(code, kind, message, details))
}

fn upload_error(details: &str) -> HttpResponse {
    refusal(
        131_053,
        "OAuthException",
        "(#131053) Media upload error",
        Some(details),
    )
}

fn missing_object(method: &str, id: &str) -> HttpResponse {
    refusal(
        100,
        "GraphMethodException",
        &format!("Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."),
        None,
    )
}

#[derive(Debug, Default, Deserialize)]
struct NodeQuery {
    phone_number_id: Option<String>,
}

/// Meta's refusal when `?phone_number_id=` names another number than the one the media is on.
fn wrong_number(sandbox: &Sandbox, req: &HttpRequest) -> Option<HttpResponse> {
    let q = web::Query::<NodeQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let pid = q.phone_number_id?;
    (!sandbox.plays(&pid)).then(|| {
        refusal(
            100,
            "OAuthException",
            "(#100) Param phone_number_id is not a valid whatsapp business phone number id ID",
            None,
        )
    })
}

#[derive(Debug, Default)]
struct UploadForm {
    messaging_product: Option<String>,
    type_field: Option<String>,
    file: Option<(web::Bytes, Option<String>)>,
}

enum FormError {
    /// The file is over the largest limit of any kind (Meta's document limit).
    TooLarge,
    Malformed(String),
}

/// Reads the form, holding at most [`DOCUMENT_MAX_BYTES`] of file and 1 KiB per text field.
async fn read_form(mut form: Multipart) -> Result<UploadForm, FormError> {
    let mut out = UploadForm::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| FormError::Malformed(e.to_string()))?;
        let name = field.name().unwrap_or_default().to_owned();
        let part_type = field.content_type().map(ToString::to_string);
        let is_file = name == "file";
        let limit = if is_file {
            usize::try_from(DOCUMENT_MAX_BYTES).unwrap_or(usize::MAX)
        } else {
            TEXT_FIELD_MAX
        };
        let mut buf = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| FormError::Malformed(e.to_string()))?;
            if buf.len() + chunk.len() > limit {
                return Err(if is_file {
                    FormError::TooLarge
                } else {
                    FormError::Malformed(format!("the field {name} is too long"))
                });
            }
            buf.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&buf).trim().to_owned();
        match name.as_str() {
            "messaging_product" => out.messaging_product = Some(text()),
            "type" => out.type_field = Some(text()),
            "file" => out.file = Some((web::Bytes::from(buf), part_type)),
            _ => {}
        }
    }
    Ok(out)
}

/// `POST /sandbox/graph/{version}/{phone_number_id}/media`.
pub async fn upload(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    form: Multipart,
) -> HttpResponse {
    let (_version, pid) = path.into_inner();
    sandbox.note_media(true);
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    if !sandbox.plays(&pid) {
        return missing_object("post", &pid);
    }
    let form = match read_form(form).await {
        Ok(f) => f,
        Err(FormError::TooLarge) => {
            let max = DOCUMENT_MAX_BYTES;
            return upload_error(&format!(
                "The file is larger than {max} bytes, the largest media WhatsApp takes."
            ));
        }
        Err(FormError::Malformed(e)) => {
            let msg = format!("(#100) The upload must be multipart/form-data: {e}");
            return refusal(100, "OAuthException", &msg, None);
        }
    };
    if form.messaging_product.as_deref() != Some("whatsapp") {
        let msg = "(#100) The parameter messaging_product is required.";
        return refusal(100, "OAuthException", msg, None);
    }
    let Some((bytes, part_type)) = form.file else {
        return refusal(
            100,
            "OAuthException",
            "(#100) The parameter file is required.",
            None,
        );
    };
    let Some(mime_type) = form.type_field.or(part_type).filter(|t| !t.is_empty()) else {
        let msg = "(#100) The parameter type is required.";
        return refusal(100, "OAuthException", msg, None);
    };
    let Ok((kind, _)) = media_type_for_mime(&mime_type) else {
        let accepted: Vec<&str> = SUPPORTED_MIME_TYPES.iter().map(|(m, _)| *m).collect();
        let msg = format!(
            "(#100) Param file must be a file with one of the following types: {}. Received file of type '{mime_type}'.",
            accepted.join(", ")
        );
        return refusal(100, "OAuthException", &msg, None);
    };
    if bytes.is_empty() {
        return upload_error("The uploaded file is empty.");
    }
    let limit = max_upload_bytes(kind, is_animated_webp(&bytes));
    if bytes.len() as u64 > limit {
        return upload_error(&format!(
            "The {kind} file is {} bytes; the limit for {mime_type} is {limit} bytes.",
            bytes.len()
        ));
    }
    match sandbox.media.insert(bytes, mime_type) {
        Some(id) => HttpResponse::Ok().json(json!({ "id": id })),
        None => upload_error("The file is larger than the sandbox keeps (media_max_bytes)."),
    }
}

/// `GET /sandbox/graph/{version}/{media_id}` for a kept upload: its details and a download URL
/// on the same host, valid for [`URL_VALID_SECS`].
pub fn media_info(sandbox: &Sandbox, req: &HttpRequest, id: &str) -> HttpResponse {
    if let Some(refused) = wrong_number(sandbox, req) {
        return refused;
    }
    let Some(media) = sandbox.media.get(id) else {
        return missing_object("get", id);
    };
    let conn = req.connection_info();
    let expires = chrono::Utc::now().timestamp() + URL_VALID_SECS;
    let url = format!(
        "{}://{}/sandbox{DOWNLOAD_PATH}?mid={id}&ext={expires}",
        conn.scheme(),
        conn.host()
    );
    HttpResponse::Ok().json(json!({
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": media.mime_type,
        "sha256": media.sha256,
        "file_size": media.bytes.len().to_string(),
        "id": id,
    }))
}

#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    mid: String,
    ext: i64,
}

/// `GET /sandbox/graph/lookaside/whatsapp_business/attachments?mid=…&ext=…`: the file, with the
/// bearer token, until `ext` (Unix seconds).
pub async fn download(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    query: web::Query<DownloadQuery>,
) -> HttpResponse {
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    let media = sandbox.media.get(&query.mid);
    match media {
        Some(m) if chrono::Utc::now().timestamp() <= query.ext => {
            sandbox.note_media(false);
            HttpResponse::Ok().content_type(m.mime_type).body(m.bytes)
        }
        _ => HttpResponse::build(StatusCode::NOT_FOUND).json(graph_error(
            100,
            "OAuthException",
            "The media URL is expired or the media was deleted: retrieve it again with GET /{media_id}",
            None,
        )),
    }
}

/// `DELETE /sandbox/graph/{version}/{media_id}`.
pub async fn delete(
    sandbox: web::Data<Arc<Sandbox>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (_version, id) = path.into_inner();
    if !authorized(&req, &sandbox) {
        return token_refusal(&sandbox);
    }
    if let Some(refused) = wrong_number(&sandbox, &req) {
        return refused;
    }
    if sandbox.media.remove(&id) {
        HttpResponse::Ok().json(json!({ "success": true }))
    } else {
        missing_object("delete", &id)
    }
}

/// Meta's refusal of a media send (`"type"` = `kind`) that names no media, or an id the
/// sandbox does not keep; `None` when it may go out. Links are taken as they are.
pub fn check_media_send(sandbox: &Sandbox, kind: &str, body: &Value) -> Option<Value> {
    let media = body.get(kind);
    let id = media.and_then(|m| m.get("id")).and_then(Value::as_str);
    let link = media.and_then(|m| m.get("link")).and_then(Value::as_str);
    match (id, link) {
        (None, None) => Some(graph_error(
            100,
            "OAuthException",
            &format!("(#100) The parameter {kind}['id'] or {kind}['link'] is required."),
            None,
        )),
        (Some(id), _) if !sandbox.media.contains(id) => Some(graph_error(
            100,
            "OAuthException",
            "(#100) Invalid parameter",
            Some(&format!(
                "Param {kind}['id'] is not a valid whatsapp business account media attachment ID"
            )),
        )),
        _ => None,
    }
}
