//! `DELETE /api/whatsapp/contacts/{phone}?erase=true` (erasure) and
//! `GET /api/whatsapp/contacts/{phone}/data` (subject access). Admin only
//! (`Capability::PersonalData`); both are recorded in the audit trail by contact id only, never
//! by the number in the path.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use wacloud_core::privacy::{ContactRef, Erasure, SubjectData};
use wacloud_core::usecases::privacy;

use crate::auth::{Origin, Principal};
use crate::errors::{ApiError, ErrorBody};
use crate::routes::params::{check_id, customer_key};
use crate::state::AppState;

const WHO: &str = "The customer: a phone number (`+` may be sent as `%2B` or left out), a BSUID, or wacloud's contact id (a UUID, as `GET /contacts` answers it)";

/// Reads `{phone}` as the contact routes do, or as a contact id.
///
/// # Errors
/// 400 `invalid_phone_number` for something that is neither.
pub fn contact_ref(raw: &str) -> Result<ContactRef, ApiError> {
    match customer_key(raw) {
        Ok(k) => Ok(ContactRef::Key(k)),
        Err(e) => {
            let looks_like_id = raw.len() == 36 && raw.bytes().filter(|&b| b == b'-').count() == 4;
            if looks_like_id && check_id(raw, "contact").is_ok() {
                Ok(ContactRef::Id(raw.to_ascii_lowercase()))
            } else {
                Err(e)
            }
        }
    }
}

/// Query of `DELETE /contacts/{phone}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EraseQuery {
    /// Must be `true`: deleting a contact erases everything held about the customer, for good.
    erase: Option<bool>,
}

/// Erase a customer.
///
/// `DELETE /contacts/{phone}?erase=true`: in one transaction, removes the customer's messages
/// (and their search index entries), media rows, notes and timeline, conversation, queue items,
/// idempotent answers naming them, the contact and its aliases; rewrites the stored raw
/// deliveries and audit entries that mention them with their identifiers, names and texts
/// replaced by `[erased]`. `/stats` keeps its totals (erased messages count as read). An audit
/// entry `contact_erased` names the contact id and the counts, nothing personal. A later
/// message from the same number starts a new contact. Backups still hold what was erased until
/// they expire (docs/DEPLOYMENT.md).
#[utoipa::path(
    delete,
    path = "/api/whatsapp/contacts/{phone}",
    operation_id = "erase_contact",
    tag = "contacts",
    params(("phone" = String, Path, description = WHO), EraseQuery),
    responses(
        (status = 200, description = "Erased: what was removed", body = Erasure),
        (status = 400, description = "`invalid_phone_number`, `invalid_query`, `erase_required` (`erase=true` is missing)", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn erase(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<EraseQuery>,
) -> Result<HttpResponse, ApiError> {
    if q.erase != Some(true) {
        return Err(ApiError::bad_request(
            "erase_required",
            "DELETE /contacts/{phone} erases everything held about the customer for good: add ?erase=true",
        )
        .with("field", "erase"));
    }
    let who = contact_ref(&path)?;
    let by = crate::routes::inbox::change(&state, &req);
    let erased = privacy::erase(state.store.as_ref(), who, by).await?;
    state.media.cache.remove(&erased.media_ids);
    tracing::info!(
        contact_id = %erased.contact_id,
        messages = erased.messages,
        deliveries_scrubbed = erased.deliveries_scrubbed,
        "customer erased"
    );
    Ok(HttpResponse::Ok().json(erased))
}

/// Everything held about a customer.
///
/// `GET /contacts/{phone}/data`: one JSON document with the contact and its aliases (every
/// identity: phone number, `wa_id`, BSUID, username, names, tags), the conversation and its
/// timeline (notes included), every message with its status, media metadata, queue items, and
/// the stored raw deliveries that mention them. Media files are not included (the messages'
/// media metadata names them; `GET /messages/{id}/media` gives each), and wacloud keeps no
/// calls. Recorded in the audit trail (`subject_access`, by contact id).
#[utoipa::path(
    get,
    path = "/api/whatsapp/contacts/{phone}/data",
    operation_id = "contact_data",
    tag = "contacts",
    params(("phone" = String, Path, description = WHO)),
    responses(
        (status = 200, description = "Everything held about the customer", body = SubjectData),
        (status = 400, description = "`invalid_phone_number`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such contact", body = ErrorBody),
        (status = 503, description = "`database_unavailable`", body = ErrorBody),
    ),
)]
pub async fn data(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = contact_ref(&path)?;
    let doc = privacy::subject_access(state.store.as_ref(), who, state.clock.now()).await?;
    let actor = Principal::of(&req).actor;
    let e = crate::auth::entry(
        &*state.clock,
        &actor,
        "subject_access",
        doc.contacts.first().map(|c| c.id.clone()),
        &Origin::of(&req),
        None,
    );
    crate::auth::audit(&*state.store, e)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "inline; filename=\"contact-data.json\"",
        ))
        .json(doc))
}
