//! `GET /api/whatsapp/templates`: the templates Meta reported through webhooks.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use wacloud_core::template::StoredTemplate;

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
/// Reads every template of the WhatsApp Business Account (`GET /{waba_id}/message_templates`,
/// all pages) and stores each with its status, category, quality and components; templates
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
    use actix_web::http::StatusCode;
    use wacloud_core::error::CoreError;
    use wacloud_core::outbound::SendFailure;
    let synced = match wacloud_core::usecases::templates::sync(
        state.store.as_ref(),
        state.messenger.as_ref(),
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
