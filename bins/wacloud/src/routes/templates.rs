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
