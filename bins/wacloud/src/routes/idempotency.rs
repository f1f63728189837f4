//! The `Idempotency-Key` header, for every endpoint that takes one (`POST /send`,
//! `POST /send-bulk`): the first request with a key runs and its answer is stored; a repeat (same
//! key, same body) gets the stored answer with `Idempotent-Replayed: true`. A handler wraps its
//! work in [`idempotent`]. The rules are the core's (`usecases::idempotency`); this file only
//! reads the header and replays the stored bytes.

use std::future::Future;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value;
use wacloud_core::usecases::idempotency::{self, Claim};

use crate::errors::ApiError;
use crate::state::AppState;

/// How long a repeat waits for the first request's answer.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(30);

/// Longer than any keyed request can run: the pacer's wait and Meta's answer (a send waits for
/// at most one Graph timeout; a refusal Meta makes at once may be retried a few times), plus
/// the writes. A first request older than this that never answered belonged to a server that
/// stopped during it.
fn longest_request(state: &AppState) -> Duration {
    state.settings.meta.graph_timeout * 4 + WAIT_FOR_FIRST * 2
}

/// How often a waiting repeat looks at the first request's key again.
const LOOK_AGAIN: Duration = Duration::from_millis(100);

/// Runs `run(request)` under the request's `Idempotency-Key`, if it has one, and answers what it
/// returns: `(status, JSON body)`, or the error's JSON (with `Retry-After` when it says when).
///
/// `endpoint` scopes the key; `request` (serialised) is what identifies the request, so a key
/// reused with another body is refused; `resource_id` is what the request will create. Without
/// the header, `run` simply runs. With it, a repeat gets the first answer, replayed; the answer
/// is stored before it is sent, except a 503 or a 429 (nothing was done; a repeat should try
/// again), which releases the key instead.
///
/// # Errors
/// Before `run` runs: 400 for a malformed key, 409 for a key reused with another body or a first
/// request that has not answered yet, 503 when the database is down.
pub async fn idempotent<B, F, Fut>(
    state: &AppState,
    req: &HttpRequest,
    endpoint: &str,
    request: B,
    resource_id: Option<String>,
    run: F,
) -> Result<HttpResponse, ApiError>
where
    B: Serialize,
    F: FnOnce(B) -> Fut,
    Fut: Future<Output = Result<(StatusCode, Value), ApiError>>,
{
    let keyed = match start(state, req, endpoint, &request, resource_id).await? {
        Start::Replay(r) => return Ok(r),
        Start::Run(k) => k,
    };
    let result = run(request).await;
    Ok(answer(state, keyed, result).await)
}

/// A request registered under a key.
#[derive(Debug)]
struct Keyed {
    key: String,
}

/// What to do with a request.
#[derive(Debug)]
enum Start {
    /// Run it (`Some` when it carries a key: finish it with [`Keyed::finish`]).
    Run(Option<Keyed>),
    /// Answer this (the first request's answer).
    Replay(HttpResponse),
}

/// Reads the `Idempotency-Key` header and registers the request (`endpoint` scopes the key;
/// `body` is what identifies the request; `resource_id` is what it will create).
async fn start<B: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    endpoint: &str,
    body: &B,
    resource_id: Option<String>,
) -> Result<Start, ApiError> {
    let Some(raw) = req.headers().get("idempotency-key") else {
        return Ok(Start::Run(None));
    };
    if req.headers().get_all("idempotency-key").nth(1).is_some() {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "send one Idempotency-Key header, not several",
        ));
    }
    let client_key = raw.to_str().map_err(|_| {
        ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be visible ASCII (a UUID is a good choice)",
        )
    })?;
    idempotency::validate_key(client_key)?;
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::internal(&e))?;
    let hash = hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes));
    let key = format!("{endpoint}:{client_key}");
    let (store, clock) = (state.store.as_ref(), state.clock.as_ref());
    let deadline = Instant::now() + WAIT_FOR_FIRST;
    let mut claim = idempotency::claim(store, clock, &key, &hash, resource_id).await?;
    loop {
        match claim {
            Claim::Fresh => return Ok(Start::Run(Some(Keyed { key }))),
            Claim::Replay { status, body } => {
                let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return Ok(Start::Replay(
                    HttpResponse::build(code)
                        .insert_header(("Idempotent-Replayed", "true"))
                        .content_type("application/json")
                        .body(body),
                ));
            }
            Claim::Running(first) => {
                if idempotency::abandoned(&first, clock.now(), longest_request(state)) {
                    return Err(idempotency::never_answered(&first).into());
                }
                if Instant::now() >= deadline {
                    return Err(idempotency::still_running(&first).into());
                }
                tokio::time::sleep(LOOK_AGAIN).await;
                claim = idempotency::recheck(store, clock, &key, &hash).await?;
            }
        }
    }
}

impl Keyed {
    /// Stores the answer for repeats — unless it is a 503 or a 429 (nothing was done; a repeat
    /// should try again), in which case the key is released.
    async fn finish(self, state: &AppState, status: StatusCode, body: &Value) {
        let result = if status == StatusCode::SERVICE_UNAVAILABLE
            || status == StatusCode::TOO_MANY_REQUESTS
        {
            idempotency::release(state.store.as_ref(), &self.key).await
        } else {
            idempotency::complete(
                state.store.as_ref(),
                state.clock.as_ref(),
                &self.key,
                status.as_u16(),
                body.to_string(),
            )
            .await
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot store the answer for an Idempotency-Key");
        }
    }
}

/// Answers `(status, body)` or the error, storing it under the key first.
async fn answer(
    state: &AppState,
    keyed: Option<Keyed>,
    result: Result<(StatusCode, Value), ApiError>,
) -> HttpResponse {
    match result {
        Ok((status, body)) => {
            if let Some(k) = keyed {
                k.finish(state, status, &body).await;
            }
            HttpResponse::build(status).json(body)
        }
        Err(e) => {
            if let Some(k) = keyed {
                k.finish(state, e.status, &e.to_json()).await;
            }
            e.error_response()
        }
    }
}
