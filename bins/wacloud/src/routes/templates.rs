//! `/api/whatsapp/templates`: the templates (as Meta's list and webhooks report them), their
//! sync from Meta, creation (checked against Meta's rules first; a media header's sample file
//! uploaded through the Resumable Upload API) and deletion.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wacloud_core::template::StoredTemplate;
use wacloud_core::template_draft::{HeaderSample, TemplateDraft};

use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

/// The answer of `GET /templates`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    /// Every template a webhook reported.
    templates: Vec<StoredTemplate>,
    /// How many.
    total_count: usize,
}

/// List templates.
///
/// Templates with their status, quality and category as Meta's webhooks
/// (`message_template_status_update`, `message_template_quality_update`,
/// `template_category_update`, `message_template_components_update`) last reported them.
#[utoipa::path(
    get,
    path = "/api/whatsapp/templates",
    operation_id = "list_templates",
    tag = "templates",
    responses(
        (status = 200, description = "The templates", body = TemplateList),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let templates = wacloud_core::ports::read(state.store.as_ref(), |r| r.list_templates()).await?;
    let total_count = templates.len();
    Ok(HttpResponse::Ok().json(TemplateList {
        templates,
        total_count,
    }))
}

/// The answer of `POST /templates/sync`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSync {
    /// How many templates Meta listed (each stored).
    synced: usize,
    /// Every stored template after the sync.
    templates: Vec<StoredTemplate>,
}

/// Sync templates from Meta.
///
/// Reads every template of the WhatsApp Business Account of each configured number (`GET
/// /{waba_id}/message_templates`, all pages; once per WABA) and stores each with its status, category, quality and components; templates
/// stored before and missing from Meta's list stay. The server also does this once at start.
/// Needs `WHATSAPP_BUSINESS_ACCOUNT_ID` in live mode (the sandbox has its own). Admins only.
#[utoipa::path(
    post,
    path = "/api/whatsapp/templates/sync",
    operation_id = "sync_templates",
    tag = "templates",
    responses(
        (status = 200, description = "Synced", body = TemplateSync),
        (status = 422, description = "`business_account_not_configured`: no WABA id is set", body = ErrorBody),
        (status = 502, description = "`graph_error`: Meta refused the request (its error in `graph`)", body = ErrorBody),
        (status = 503, description = "`meta_unreachable` (Meta could not be reached or did not answer in time), `database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn sync(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    use wacloud_core::error::CoreError;
    use wacloud_core::outbound::SendFailure;
    let messengers = state.numbers.all_messengers();
    let refs: Vec<&dyn wacloud_core::ports::Messenger> =
        messengers.iter().map(AsRef::as_ref).collect();
    let synced = match wacloud_core::usecases::templates::sync(
        state.store.as_ref(),
        &refs,
        state.clock.as_ref(),
    )
    .await
    {
        Ok(n) => n,
        Err(CoreError::Send { failure, .. }) => {
            return Err(match *failure {
                SendFailure::Rejected { error, .. } => ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "graph_error",
                    format!(
                        "Meta refused the template list ({}): {}",
                        error
                            .code
                            .map_or_else(|| "no code".to_owned(), |c| c.to_string()),
                        error.message.as_deref().unwrap_or("no message")
                    ),
                )
                .with(
                    "graph",
                    serde_json::json!({"code": error.code, "message": error.message, "details": error.details}),
                ),
                other => ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "meta_unreachable",
                    format!("could not read the template list from Meta: {other}"),
                ),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let templates = wacloud_core::ports::read(state.store.as_ref(), |r| r.list_templates()).await?;
    Ok(HttpResponse::Ok().json(TemplateSync { synced, templates }))
}

/// Meta's refusal or absence, for a template write (`what`: "the template", "the header
/// sample", …): Meta's own 4xx (a duplicate name, a template that does not exist) is 422
/// `meta_refused` with Meta's error in `graph`; any other refusal 502 `graph_error`; a request
/// that could not be made here (no WABA id, no app id) 422 `not_configured`; Meta not reached
/// 503 `meta_unreachable`.
fn write_failure(what: &str, failure: wacloud_core::outbound::SendFailure) -> ApiError {
    use actix_web::http::StatusCode;
    use wacloud_core::outbound::SendFailure;
    match failure {
        SendFailure::Rejected {
            http_status, error, ..
        } => {
            let (status, code) =
                if (400..500).contains(&http_status) && !matches!(http_status, 401 | 403 | 429) {
                    (StatusCode::UNPROCESSABLE_ENTITY, "meta_refused")
                } else {
                    (StatusCode::BAD_GATEWAY, "graph_error")
                };
            ApiError::new(
                status,
                code,
                format!(
                    "Meta refused {what} ({}): {}",
                    error
                        .code
                        .map_or_else(|| "no code".to_owned(), |c| c.to_string()),
                    error
                        .details
                        .as_deref()
                        .or(error.message.as_deref())
                        .unwrap_or("no message")
                ),
            )
            .with(
                "graph",
                serde_json::json!({"code": error.code, "message": error.message, "details": error.details}),
            )
        }
        SendFailure::Invalid(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_configured", m)
        }
        other => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "meta_unreachable",
            format!("could not reach Meta for {what}: {other}"),
        ),
    }
}

fn core_failure(what: &str, e: wacloud_core::CoreError) -> ApiError {
    match e {
        wacloud_core::CoreError::Send { failure, .. } => write_failure(what, *failure),
        other => other.into(),
    }
}

/// Which business number's WABA a template write goes to: `?phone_number_id=` (default: the
/// default number's).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TemplateTarget {
    /// The business number whose WhatsApp Business Account gets the template (default: the
    /// default number).
    phone_number_id: Option<String>,
}

/// Largest JSON part (the template itself), in bytes: Meta's largest text fields (a 1,024
/// character body, ten buttons, a Flow's JSON) fit many times over.
pub const MAX_TEMPLATE_JSON_BYTES: usize = 256 * 1024;

/// The answer of `POST /templates` and the stored row.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateCreated {
    /// The template as stored: `PENDING` until Meta's review webhook.
    template: StoredTemplate,
}

/// Create a template.
///
/// Submits a message template for Meta's review (`POST /{waba_id}/message_templates`, Cloud API
/// "Templates"). The body is Meta's own creation request (`name`, `language`, `category`,
/// `parameter_format`?, `components`), checked first against Meta's documented rules — name,
/// language, category, variables numbered `{{1}}`… in order without gaps (or named with
/// `parameter_format: "named"`), an example for each, lengths (header text 60, body 1,024,
/// footer 60, button text 25, URL 2,000, phone number 20, copy code 15), buttons (at most 10;
/// 2 URL, 1 phone number, 1 copy code; quick replies side by side), authentication templates'
/// shape — and refused with 400 naming the field (`components[1].example.body_text`) without
/// calling Meta.
///
/// A header with `format` `IMAGE`, `VIDEO` or `DOCUMENT` needs a sample: either
/// `example.header_handle` (a handle from Meta's Resumable Upload API), or the file itself —
/// send `multipart/form-data` with the part `template` (the JSON) and the part `header_file`
/// (by its content, not its declared type: a JPEG or PNG image up to 5 MB for `IMAGE`, an MP4
/// video up to 16 MB for `VIDEO`, a PDF up to 100 MB for `DOCUMENT`, Meta's media limits; 413
/// naming the limit past it); wacloud uploads it through the Resumable Upload API (needs
/// `WHATSAPP_APP_ID`) and fills the handle. A media URL is not fetched: the server would
/// download whatever address a caller names. Admins only.
#[utoipa::path(
    post,
    path = "/api/whatsapp/templates",
    operation_id = "create_template",
    tag = "templates",
    params(TemplateTarget),
    request_body(content = TemplateDraft, description = "Meta's creation request; or multipart/form-data with `template` (this JSON) and `header_file`"),
    responses(
        (status = 201, description = "Submitted for review", body = TemplateCreated),
        (status = 400, description = "`invalid_json`, `invalid_multipart`, `invalid_template_name`, `invalid_language`, `invalid_category`, `invalid_component`, `text_too_long`, `invalid_variables`, `missing_example`, `invalid_button`, `too_many_buttons`, `unexpected_file`, `invalid_file_type` (with `field`), `unknown_number`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: the template or the file is over its limit", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: neither JSON nor multipart/form-data", body = ErrorBody),
        (status = 422, description = "`meta_refused` (Meta's error in `graph`: e.g. the name already exists in that language), `business_account_not_configured` (the number has no WABA id), `not_configured` (no app id for a file)", body = ErrorBody),
        (status = 502, description = "`graph_error`", body = ErrorBody),
        (status = 503, description = "`meta_unreachable`, `database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<TemplateTarget>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (draft, sample) = if content_type.starts_with("multipart/form-data") {
        match read_form(&state, &req, payload).await {
            Ok(read) => read,
            // The rest of the body may be unread (a file over its limit): close the connection
            // rather than read it.
            Err(e) => {
                let mut answer = actix_web::ResponseError::error_response(&e);
                answer
                    .head_mut()
                    .set_connection_type(actix_web::http::ConnectionType::Close);
                return Ok(answer);
            }
        }
    } else if content_type.starts_with("application/json") {
        let bytes = read_limited(payload, MAX_TEMPLATE_JSON_BYTES, "the template").await?;
        (parse_draft(&bytes)?, None)
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the template as application/json, or as multipart/form-data with the parts `template` and `header_file`",
        ));
    };
    // Meta's rules first, naming the exact field; Meta is not called for a draft that breaks one.
    draft
        .check(sample.is_some())
        .map_err(|p| ApiError::bad_request(p.code, p.to_string()).with("field", p.field.clone()))?;
    let messenger = state
        .numbers
        .messenger_named(query.phone_number_id.as_deref(), "phone_number_id")?;
    let template = wacloud_core::usecases::templates::create(
        state.store.as_ref(),
        messenger.as_ref(),
        state.clock.as_ref(),
        draft,
        sample,
    )
    .await
    .map_err(|e| core_failure("the template", e))?;
    Ok(HttpResponse::Created().json(TemplateCreated { template }))
}

fn parse_draft(bytes: &[u8]) -> Result<TemplateDraft, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!("the template is not Meta's creation request: {e}"),
        )
    })
}

fn too_large(what: &str, max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("{what} is at most {max} bytes"),
    )
}

async fn read_limited<S, E>(mut stream: S, max: usize, what: &str) -> Result<Vec<u8>, ApiError>
where
    S: futures::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures::StreamExt;
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        if out.len() + chunk.len() > max {
            return Err(too_large(what, max));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Bytes of a header sample read before its type is decided from its content: `infer` reads
/// the magic numbers in the first few hundred bytes (an MP4's `ftyp` box is in its first 12).
const SNIFF_BYTES: usize = 8 * 1024;

/// What a header sample is by its first bytes (`head`), never by the type its part declares,
/// with Meta's media limit for it (`wacloud_core::media`): a JPEG or PNG image (5 MB), an MP4
/// video (16 MB), a PDF (100 MB); the types Meta's Resumable Upload API takes for a sample.
///
/// # Errors
/// 400 `invalid_file_type` (`field: header_file`) for any other content.
fn sample_type(head: &[u8]) -> Result<(&'static str, u64), ApiError> {
    use wacloud_core::media::{DOCUMENT_MAX_BYTES, IMAGE_MAX_BYTES, VIDEO_MAX_BYTES};
    match infer::get(head).map(|t| t.mime_type()) {
        Some("image/jpeg") => Ok(("image/jpeg", IMAGE_MAX_BYTES)),
        Some("image/png") => Ok(("image/png", IMAGE_MAX_BYTES)),
        Some("video/mp4") => Ok(("video/mp4", VIDEO_MAX_BYTES)),
        Some("application/pdf") => Ok(("application/pdf", DOCUMENT_MAX_BYTES)),
        other => Err(ApiError::bad_request(
            "invalid_file_type",
            format!(
                "a header sample is a JPEG or PNG image, an MP4 video or a PDF, read from its content; this file is {}",
                other.unwrap_or("of no type recognised")
            ),
        )
        .with("field", "header_file")),
    }
}

/// 413 naming Meta's limit for the sample's type.
fn sample_too_large(mime: &str, max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "the header file is {mime}, and Meta takes at most {} MB ({max} bytes) of it",
            max / wacloud_core::media::MB
        ),
    )
    .with("field", "header_file")
    .with("limit_bytes", max)
}

/// Streams the `header_file` part to a temporary file (so that its bytes leave the body budget
/// as they arrive, as a media upload's do), typing it by its content as it comes and stopping
/// at the limit for that type; then reads it back for the upload to Meta.
async fn read_sample(
    state: &AppState,
    mut field: actix_multipart::Field,
    file_name: String,
) -> Result<HeaderSample, ApiError> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    let internal = |e: std::io::Error| ApiError::internal(&format!("template header file: {e}"));
    let (file, path) = state
        .media
        .cache
        .temp_file()
        .map_err(internal)?
        .into_parts();
    let mut out = tokio::fs::File::from_std(file);
    let mut head: Vec<u8> = Vec::new();
    let mut typed: Option<(&'static str, u64)> = None;
    let mut size: u64 = 0;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_multipart", e.to_string()))?;
        size += chunk.len() as u64;
        if typed.is_none() {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() == SNIFF_BYTES {
                typed = Some(sample_type(&head)?);
            }
        }
        if let Some((mime, max)) = typed {
            if size > max {
                return Err(sample_too_large(mime, max));
            }
        }
        out.write_all(&chunk).await.map_err(internal)?;
    }
    out.flush().await.map_err(internal)?;
    drop(out);
    if size == 0 {
        return Err(
            ApiError::bad_request("empty_file", "the header file is empty")
                .with("field", "header_file"),
        );
    }
    let (mime, max) = match typed {
        Some(t) => t,
        None => sample_type(&head)?,
    };
    if size > max {
        return Err(sample_too_large(mime, max));
    }
    let bytes = tokio::fs::read(&path).await.map_err(internal)?;
    Ok(HeaderSample {
        file_name,
        mime_type: mime.to_owned(),
        bytes,
    })
}

/// Reads `template` (JSON) and `header_file` from a multipart form.
async fn read_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(TemplateDraft, Option<HeaderSample>), ApiError> {
    use futures::StreamExt;
    let bad = |m: String| ApiError::bad_request("invalid_multipart", m);
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let (mut draft, mut sample) = (None, None);
    while let Some(field) = form.next().await {
        let field = field.map_err(|e| bad(e.to_string()))?;
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some("template") => {
                let bytes = read_limited(field, MAX_TEMPLATE_JSON_BYTES, "the template").await?;
                draft = Some(parse_draft(&bytes)?);
            }
            Some("header_file") => {
                if sample.is_some() {
                    return Err(bad("one header_file at most".into()));
                }
                let file_name = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename().map(str::to_owned))
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| "header".to_owned());
                sample = Some(read_sample(state, field, file_name).await?);
            }
            _ => {
                let _ = read_limited(field, 64 * 1024, "a form part").await?;
            }
        }
    }
    let draft = draft.ok_or_else(|| {
        ApiError::bad_request(
            "missing_field",
            "the form has no part `template` (the JSON)",
        )
        .with("field", "template")
    })?;
    Ok((draft, sample))
}

/// `DELETE /templates/{name}`'s query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteTarget {
    /// Meta's template id: only that one language goes (Meta's `hsm_id`); every language of
    /// the name otherwise.
    hsm_id: Option<String>,
    /// The business number whose WABA holds it (default: the default number).
    phone_number_id: Option<String>,
}

/// The answer of `DELETE /templates/{name}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateDeleted {
    /// The name deleted.
    name: String,
    /// Stored rows removed (one per language).
    deleted: usize,
}

/// Delete a template.
///
/// Deletes the template at Meta (`DELETE /{waba_id}/message_templates?name=…[&hsm_id=…]`,
/// Cloud API "Templates": every language of the name, or only the one whose id is `hsm_id`),
/// then the stored rows. Admins only.
#[utoipa::path(
    delete,
    path = "/api/whatsapp/templates/{name}",
    operation_id = "delete_template",
    tag = "templates",
    params(("name" = String, Path, description = "The template's name"), DeleteTarget),
    responses(
        (status = 200, description = "Deleted", body = TemplateDeleted),
        (status = 400, description = "`invalid_template_name`, `unknown_number`", body = ErrorBody),
        (status = 422, description = "`meta_refused` (e.g. no such template at Meta), `business_account_not_configured` (the number has no WABA id)", body = ErrorBody),
        (status = 502, description = "`graph_error`", body = ErrorBody),
        (status = 503, description = "`meta_unreachable`, `database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn delete(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DeleteTarget>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let q = query.into_inner();
    if let Some(id) = &q.hsm_id {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::bad_request(
                "invalid_template_id",
                "hsm_id is Meta's template id (digits)",
            )
            .with("field", "hsm_id"));
        }
    }
    let messenger = state
        .numbers
        .messenger_named(q.phone_number_id.as_deref(), "phone_number_id")?;
    let deleted = wacloud_core::usecases::templates::delete(
        state.store.as_ref(),
        messenger.as_ref(),
        name.clone(),
        q.hsm_id,
    )
    .await
    .map_err(|e| core_failure("the deletion", e))?;
    Ok(HttpResponse::Ok().json(TemplateDeleted { name, deleted }))
}
