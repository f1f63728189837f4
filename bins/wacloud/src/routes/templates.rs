//! `GET /api/whatsapp/templates`: the templates Meta reported through webhooks.

use actix_web::{web, HttpResponse};

use crate::errors::ApiError;
use crate::state::AppState;

/// Templates with their status, quality and category as Meta's webhooks last reported them.
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let templates = wacloud_core::ports::read(state.store.as_ref(), |r| r.list_templates()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "templates": templates,
        "total_count": templates.len(),
    })))
}
