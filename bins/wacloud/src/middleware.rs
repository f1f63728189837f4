//! What wraps every route: the API key, CORS, and the JSON answers for requests actix refuses
//! before a handler runs (a body that is not JSON, a bad query or path).

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use secrecy::ExposeSecret;

use crate::errors::ApiError;
use crate::state::AppState;

/// Largest JSON body the API takes, in bytes (the webhook reads its own, larger, bodies).
const JSON_LIMIT: usize = 1024 * 1024;

/// Requires the API key on the REST API and the sandbox's controls when `WACLOUD_API_KEY` is
/// set: `Authorization: Bearer <key>` (scheme case-insensitive) or `X-API-Key: <key>`, compared
/// in constant time; 401 `unauthorized` otherwise. Preflight `OPTIONS` requests pass.
///
/// # Errors
/// Whatever the wrapped service fails with.
pub async fn require_api_key(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let expected = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.settings.http.api_key.clone());
    // The REST API and the sandbox's controls need the key; Meta's webhook authenticates by
    // signature, and the dashboard's files are public.
    let path = req.path();
    let guarded = (path.starts_with("/api/whatsapp/") && path != "/api/whatsapp/webhook")
        || path.starts_with("/sandbox/");
    if let Some(key) = expected.filter(|_| guarded) {
        if req.method() != Method::OPTIONS {
            // The scheme name is case-insensitive (RFC 9110).
            let given = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.split_once(' ')
                        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                        .map(|(_, token)| token.trim())
                })
                .or_else(|| req.headers().get("x-api-key").and_then(|v| v.to_str().ok()));
            let ok = given.is_some_and(|g| {
                subtle::ConstantTimeEq::ct_eq(g.as_bytes(), key.expose_secret().as_bytes()).into()
            });
            if !ok {
                let err = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this API needs WACLOUD_API_KEY: send Authorization: Bearer <key> or X-API-Key: <key>",
                );
                return Ok(req.into_response(err.error_response()));
            }
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// CORS for `WACLOUD_CORS_ORIGINS` (`*` for any origin): the API's methods and headers, and
/// `Idempotent-Replayed` readable by the page.
pub fn cors(origins: &[String]) -> Cors {
    let base = Cors::default()
        .allowed_methods(vec!["GET", "POST", "PUT", "OPTIONS"])
        .expose_headers(vec!["idempotent-replayed"])
        .allowed_headers(vec![
            "content-type",
            "authorization",
            "x-api-key",
            "idempotency-key",
        ])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        base.allow_any_origin().send_wildcard()
    } else {
        origins
            .iter()
            .fold(base, |c, o| c.allowed_origin(o.as_str()))
    }
}

/// JSON bodies up to [`JSON_LIMIT`]; a refused one is answered 415, 413 or 400 `invalid_json`.
#[must_use]
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|e, _| json_error(&e).into())
}

/// A query string that does not fit the handler's type: 400 `invalid_query`.
#[must_use]
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|e, _| ApiError::bad_request("invalid_query", e.to_string()).into())
}

/// A path segment that does not fit the handler's type: 400 `invalid_path`.
#[must_use]
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|e, _| ApiError::bad_request("invalid_path", e.to_string()).into())
}

/// The JSON answer for errors actix raises itself (bad JSON, wrong content type, too large).
fn json_error(err: &actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ),
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request bodies are limited to {limit} bytes"),
        ),
        E::Deserialize(e) => ApiError::bad_request("invalid_json", e.to_string()),
        other => ApiError::bad_request("invalid_json", other.to_string()),
    }
}
