//! `GET /api/whatsapp/events`: live updates as server-sent events.
//!
//! The store announces what every commit changed (from this instance, and on PostgreSQL from
//! every instance on the database through `LISTEN/NOTIFY`); this handler only relays it. A
//! widget re-reads what it shows when told, and falls back to polling without this endpoint.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use tokio::sync::{broadcast, watch};
use wacloud_core::changes::ChangeSet;

use crate::errors::{ApiError, ErrorBody};
use crate::state::{AppState, EventStreamSlot};

/// How often an idle stream sends a comment line, so proxies keep it open and a closed client
/// is noticed.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Most change sets merged into one event when they arrive together.
const MERGE_AT_MOST: usize = 64;
/// `Retry-After` of a stream refused because the cap is reached, in seconds.
const RETRY_AFTER_SECS: u64 = 30;
/// How often a stream opened with an operator's session checks that the session still holds
/// (at the next event or keep-alive after this long): a disabled operator's, logged out or
/// expired session ends its stream within [`KEEP_ALIVE`].
const SESSION_CHECK: Duration = Duration::from_secs(5);

/// The session a stream was opened with, checked again every [`SESSION_CHECK`].
struct SessionWatch {
    state: AppState,
    hash: String,
    checked: Instant,
}

struct Stream {
    rx: broadcast::Receiver<Arc<ChangeSet>>,
    stop: watch::Receiver<bool>,
    started: bool,
    /// The operator's session, when the stream was opened with one.
    session: Option<SessionWatch>,
    /// Held for as long as the stream lives: actix drops the stream when the client is gone
    /// (noticed at the next write: an event or the keep-alive) or the server stops.
    _slot: EventStreamSlot,
}

fn event(name: &str, data: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

fn change_event(set: &ChangeSet) -> Bytes {
    event(
        "change",
        &serde_json::to_string(set).unwrap_or_else(|_| r#"{"resync":true}"#.into()),
    )
}

/// Merges what else is already waiting into `set` (a burst of commits becomes one event).
fn merge_waiting(rx: &mut broadcast::Receiver<Arc<ChangeSet>>, set: &mut ChangeSet) {
    for _ in 0..MERGE_AT_MOST {
        match rx.try_recv() {
            Ok(more) => set.extend((*more).clone()),
            Err(broadcast::error::TryRecvError::Lagged(_)) => set.resync = true,
            Err(_) => break,
        }
    }
    set.dedup();
}

async fn next(mut s: Stream) -> Option<(Result<Bytes, std::convert::Infallible>, Stream)> {
    if !s.started {
        s.started = true;
        // `retry`: how long a browser's EventSource waits before reconnecting.
        return Some((
            Ok(Bytes::from_static(
                b"retry: 3000\nevent: ready\ndata: {}\n\n",
            )),
            s,
        ));
    }
    if *s.stop.borrow() {
        return None;
    }
    if let Some(w) = s
        .session
        .as_mut()
        .filter(|w| w.checked.elapsed() >= SESSION_CHECK)
    {
        w.checked = Instant::now();
        let live = crate::auth::guard::session_by_hash(&w.state, w.hash.clone()).await;
        // Ended (or unreadable: the next request will say why): the browser reconnects and
        // is asked to log in.
        if !matches!(live, Ok(Some(_))) {
            return None;
        }
    }
    let item = tokio::select! {
        r = s.rx.recv() => match r {
            Ok(set) => {
                let mut set = (*set).clone();
                merge_waiting(&mut s.rx, &mut set);
                change_event(&set)
            }
            Err(broadcast::error::RecvError::Lagged(_)) => change_event(&ChangeSet::resync()),
            Err(broadcast::error::RecvError::Closed) => return None,
        },
        _ = tokio::time::sleep(KEEP_ALIVE) => Bytes::from_static(b": keep-alive\n\n"),
        _ = s.stop.changed() => return None,
    };
    Some((Ok(item), s))
}

/// Live updates.
///
/// `GET /events` → 200 `text/event-stream`: `event: ready` once, then `event: change` with a
/// JSON [`ChangeSet`] (`{"messages":[ids],"statuses":[ids],"contacts":[ids]}`, or
/// `{"resync":true}` when changes may have been missed) after each commit, and a comment line
/// every 15 s while idle. Ends when the server stops, and within 15 s of the end of the
/// operator's session it was opened with (logout, expiry, the operator disabled).
///
/// At most `WACLOUD_EVENTS_MAX_CLIENTS` streams are open at once; past it, 503
/// `too_many_event_streams` with `Retry-After` (a widget polls meanwhile).
#[utoipa::path(
    get,
    path = "/api/whatsapp/events",
    operation_id = "events",
    tag = "events",
    responses(
        (status = 200, description = "Server-sent events, until the server stops: `ready` once, then `change` (data: a `ChangeSet` as JSON) after each commit that changed something, and a `: keep-alive` comment every 15 s", body = String, content_type = "text/event-stream"),
        (status = 503, description = "`too_many_event_streams`: `WACLOUD_EVENTS_MAX_CLIENTS` streams are open; poll meanwhile", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
pub async fn events(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(slot) = state.event_streams.try_open() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_event_streams",
            format!(
                "this server already serves {} event streams (WACLOUD_EVENTS_MAX_CLIENTS); poll, or try again later",
                state.event_streams.max()
            ),
        )
        .with("retry_after_secs", RETRY_AFTER_SECS)
        .error_response();
    };
    let s = Stream {
        rx: state.changes.subscribe(),
        stop: state.stopping.clone(),
        started: false,
        session: crate::auth::Principal::of(&req)
            .session
            .map(|hash| SessionWatch {
                state: state.get_ref().clone(),
                hash,
                checked: Instant::now(),
            }),
        _slot: slot,
    };
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(futures::stream::unfold(s, next))
}
