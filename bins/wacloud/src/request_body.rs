//! What no handler sees: a request body that does not arrive in time, and the answers actix
//! gives by itself (a body its extractors refuse, a method a route does not take), made into
//! the API's JSON errors.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Next};
use actix_web::{web, HttpMessage, ResponseError};
use futures::StreamExt;

use crate::errors::ApiError;
use crate::paths;
use crate::state::AppState;

/// The 408 for a body that did not arrive within `timeout`.
#[must_use]
pub fn too_slow(timeout: Duration) -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        format!(
            "the body did not arrive within {} ms (WACLOUD_BODY_TIMEOUT_MS); send it again",
            timeout.as_millis()
        ),
    )
}

/// Gives the body of a `POST`, `PUT`, `PATCH` or `DELETE` `WACLOUD_BODY_TIMEOUT_MS` to arrive,
/// whole: a client that declares a body and stalls is answered 408 `request_timeout` and its
/// connection's memory freed, instead of holding it for ever. Meta's webhook reads its own body
/// with the same timeout (`routes::webhook`).
///
/// # Errors
/// Whatever the wrapped service fails with.
pub async fn bound_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let writes = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.http.body_timeout)
        .filter(|_| writes && req.path() != paths::WEBHOOK);
    let Some(timeout) = timeout else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let expired = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&expired);
    let deadline = tokio::time::Instant::now() + timeout;
    let body = futures::stream::unfold(Some(req.take_payload()), move |rest| {
        let flag = Arc::clone(&flag);
        async move {
            let mut payload = rest?;
            match tokio::time::timeout_at(deadline, payload.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(payload))),
                Ok(None) => None,
                Err(_) => {
                    flag.store(true, Ordering::Relaxed);
                    let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "body timed out");
                    Some((Err(PayloadError::Io(e)), None))
                }
            }
        }
    });
    let body: std::pin::Pin<Box<dyn futures::Stream<Item = Result<web::Bytes, PayloadError>>>> =
        Box::pin(body);
    req.set_payload(Payload::from(body));
    let res = next.call(req).await?;
    if expired.load(Ordering::Relaxed) {
        return Ok(res.into_response(too_slow(timeout).error_response()));
    }
    Ok(res.map_into_boxed_body())
}

/// Every 4xx and 5xx answer that is not JSON yet (actix's own: a body its extractors refuse, a
/// method a resource does not take) becomes the API's JSON error with the same status and the
/// headers that matter (`Allow`, `Retry-After`).
#[must_use]
pub fn json_errors<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(as_json)
}

fn as_json<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status.as_u16() {
        400 => "bad_request".to_owned(),
        404 => "not_found".to_owned(),
        405 => "method_not_allowed".to_owned(),
        408 => "request_timeout".to_owned(),
        411 => "length_required".to_owned(),
        413 => "payload_too_large".to_owned(),
        414 => "uri_too_long".to_owned(),
        415 => "unsupported_media_type".to_owned(),
        n => format!("http_{n}"),
    };
    let message = format!(
        "{} ({})",
        status.canonical_reason().unwrap_or("error"),
        res.request().path()
    );
    let keep: Vec<(header::HeaderName, HeaderValue)> = [header::ALLOW, header::RETRY_AFTER]
        .into_iter()
        .filter_map(|h| res.headers().get(&h).map(|v| (h, v.clone())))
        .collect();
    let mut answer = ApiError::new(status, &code, message).error_response();
    for (h, v) in keep {
        answer.headers_mut().insert(h, v);
    }
    let res = res.into_response(answer.map_into_boxed_body());
    Ok(ErrorHandlerResponse::Response(
        res.map_body(|_, b| EitherBody::right(b)),
    ))
}
