//! What no handler sees: a request body that does not arrive in time, the bytes of all bodies
//! being read at once, and the answers actix gives by itself (a body its extractors refuse, a method a route does not take), made into
//! the API's JSON errors.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{ConnectionType, Method, StatusCode};
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

/// The bytes of request bodies the server holds at once (`WACLOUD_BODY_BYTES_IN_FLIGHT`),
/// shared by every request: each chunk a handler reads takes its size from the budget until
/// the request is answered.
#[derive(Debug, Clone)]
pub struct BodyBudget(Arc<tokio::sync::Semaphore>);

impl BodyBudget {
    /// A budget of `bytes`.
    #[must_use]
    pub fn new(bytes: usize) -> Self {
        Self(Arc::new(tokio::sync::Semaphore::new(
            bytes.min(tokio::sync::Semaphore::MAX_PERMITS),
        )))
    }

    /// Bytes not taken now.
    #[must_use]
    pub fn available(&self) -> usize {
        self.0.available_permits()
    }
}

/// What one request took from the [`BodyBudget`]; given back when dropped (once answered).
struct Taken {
    budget: BodyBudget,
    bytes: AtomicUsize,
}

impl Taken {
    /// Takes `n` more bytes; false when the budget has not that many.
    fn take(&self, n: usize) -> bool {
        let Ok(n32) = u32::try_from(n) else {
            return false;
        };
        match self.budget.0.try_acquire_many(n32) {
            Ok(permit) => {
                permit.forget();
                self.bytes.fetch_add(n, Ordering::Relaxed);
                true
            }
            Err(_) => false,
        }
    }
}

impl Taken {
    /// Gives back `n` bytes taken before (a chunk the handler has consumed).
    fn give_back(&self, n: usize) {
        if n > 0 {
            self.bytes.fetch_sub(n, Ordering::Relaxed);
            self.budget.0.add_permits(n);
        }
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        self.budget.0.add_permits(*self.bytes.get_mut());
    }
}

/// The 503 for a body that would pass the server's [`BodyBudget`].
fn busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "server_busy",
        "the server holds as many request bodies as it may (WACLOUD_BODY_BYTES_IN_FLIGHT); \
         send again shortly",
    )
}

/// Why a body stopped arriving, as the wrapped service cannot say it.
const ARRIVING: u8 = 0;
const TIMED_OUT: u8 = 1;
const OVER_BUDGET: u8 = 2;
const NOT_AN_OBJECT: u8 = 3;

/// Bounds the body of every `POST`, `PUT`, `PATCH` and `DELETE`:
/// - in kind: a compressed body (`Content-Encoding` other than `identity`) is answered 415
///   `unsupported_content_encoding` before it is read (Meta's webhook reads its own raw bytes),
///   and a JSON body that is not an object (nor `null`) 400 `invalid_json` at its first byte;
/// - in time: it must arrive whole within `WACLOUD_BODY_TIMEOUT_MS`, or the client is answered
///   408 `request_timeout` and its connection's memory freed instead of held for ever (Meta's
///   webhook reads its own body with the same timeout, `routes::webhook`);
/// - in memory, across all requests: the bytes read take their size from the [`BodyBudget`]
///   until the request is answered; a body that would pass it is answered 503 `server_busy`
///   with `Retry-After: 1`.
///
/// A media upload ([`paths::MEDIA_UPLOAD`]) and a template with its header sample
/// ([`paths::TEMPLATES`]) are written to disk as they arrive: each chunk is given back to the
/// budget when the next one is asked for, and the timeout applies to each wait for more bytes
/// rather than to the whole body (a 100 MB file takes longer than a JSON body to arrive, but
/// never pauses long).
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
    // A compressed body would be inflated by the extractors before any size limit sees it (a
    // 1 MB gzip body is a gigabyte of JSON): the API takes bodies as they are.
    let encoded = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if writes && encoded && req.path() != paths::WEBHOOK {
        let err = ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_content_encoding",
            "send the body uncompressed (no Content-Encoding)",
        );
        let mut res = req.into_response(err.error_response());
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
        return Ok(res);
    }
    let budget = req
        .app_data::<web::Data<BodyBudget>>()
        .map(|b| b.get_ref().clone());
    let (Some(budget), true) = (budget, writes) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.http.body_timeout)
        .filter(|_| req.path() != paths::WEBHOOK);
    let taken = Arc::new(Taken {
        budget,
        bytes: AtomicUsize::new(0),
    });
    let why = Arc::new(AtomicU8::new(ARRIVING));
    let streamed = req.path() == paths::MEDIA_UPLOAD || req.path() == paths::TEMPLATES;
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    // Every body of the API is a JSON object (or empty, or `null` where it is optional): serde
    // would read an array as a struct's fields in order (`["name", null, ["tag"]]`), which no
    // client means.
    let json = req.path() != paths::WEBHOOK
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
    let (held, flag) = (Arc::clone(&taken), Arc::clone(&why));
    let state = (Some(req.take_payload()), json, 0usize);
    let body = futures::stream::unfold(state, move |(rest, check, last)| {
        let (held, flag) = (Arc::clone(&held), Arc::clone(&flag));
        async move {
            let mut payload = rest?;
            let deadline = if streamed {
                // The chunk before this one is on disk by now.
                held.give_back(last);
                timeout.map(|t| tokio::time::Instant::now() + t)
            } else {
                deadline
            };
            let next = match deadline {
                Some(d) => tokio::time::timeout_at(d, payload.next()).await,
                None => Ok(payload.next().await),
            };
            let stop = |why: u8, what: &str| {
                flag.store(why, Ordering::Relaxed);
                let e = std::io::Error::other(what.to_owned());
                Some((Err(PayloadError::Io(e)), (None, false, 0)))
            };
            match next {
                Ok(Some(Ok(chunk))) if !held.take(chunk.len()) => {
                    stop(OVER_BUDGET, "the server's body budget is spent")
                }
                Ok(Some(Ok(chunk))) if check => {
                    let n = chunk.len();
                    match chunk.iter().find(|b| !b.is_ascii_whitespace()) {
                        Some(b'{' | b'n') => Some((Ok(chunk), (Some(payload), false, n))),
                        Some(_) => stop(NOT_AN_OBJECT, "the body is not a JSON object"),
                        None => Some((Ok(chunk), (Some(payload), true, n))),
                    }
                }
                Ok(Some(Ok(chunk))) => {
                    let n = chunk.len();
                    Some((Ok(chunk), (Some(payload), check, n)))
                }
                Ok(Some(Err(e))) => Some((Err(e), (Some(payload), check, 0))),
                Ok(None) => None,
                Err(_) => stop(TIMED_OUT, "body timed out"),
            }
        }
    });
    // Fused: a reader may ask again after the end (actix-multipart does), which `unfold` forbids.
    let body: std::pin::Pin<Box<dyn futures::Stream<Item = Result<web::Bytes, PayloadError>>>> =
        Box::pin(body.fuse());
    req.set_payload(Payload::from(body));
    let res = next.call(req).await?;
    let mut res = match (why.load(Ordering::Relaxed), timeout) {
        (TIMED_OUT, Some(t)) => res.into_response(too_slow(t).error_response()),
        (NOT_AN_OBJECT, _) => res.into_response(
            ApiError::bad_request(
                "invalid_json",
                "the body must be a JSON object ({…}), not an array or a bare value",
            )
            .error_response(),
        ),
        (OVER_BUDGET, _) => {
            let mut answer = busy().error_response();
            answer
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            res.into_response(answer)
        }
        _ => res.map_into_boxed_body(),
    };
    // A body cut short (here, or by the webhook's own deadline) leaves the rest of it on the
    // connection: close it rather than keep its buffers, and a client that already stalled,
    // for the next request.
    if matches!(
        why.load(Ordering::Relaxed),
        TIMED_OUT | OVER_BUDGET | NOT_AN_OBJECT
    ) || res.status() == StatusCode::REQUEST_TIMEOUT
    {
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    // The bytes go back to the budget once the answer is made.
    drop(taken);
    Ok(res)
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
