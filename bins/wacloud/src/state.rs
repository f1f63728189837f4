//! What every handler shares.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use wacloud_core::changes::ChangeFeed;
use wacloud_core::ports::{Clock, Messenger, Store};
use wacloud_core::queue::SendingGate;
use wacloud_core::usecases::ingest::OurNumbers;
use wacloud_core::usecases::queue::QueuePolicy;
use wacloud_sandbox::Sandbox;
use wacloud_store::IngestBatcher;

use crate::settings::Settings;

/// An operator-facing alert shown in `/health` and the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    /// Machine-readable code (`token_invalid`, `config_missing`, ...).
    pub code: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Alerts raised while running (configuration problems are computed from the settings).
#[derive(Debug, Default)]
pub struct Alerts {
    inner: Mutex<Vec<Alert>>,
}

impl Alerts {
    /// Raises `code` once (a second raise replaces the message).
    pub fn raise(&self, code: &str, message: impl Into<String>) {
        if let Ok(mut v) = self.inner.lock() {
            let message = message.into();
            match v.iter_mut().find(|a| a.code == code) {
                Some(a) => a.message = message,
                None => v.push(Alert {
                    code: code.to_owned(),
                    message,
                }),
            }
        }
    }

    /// Clears `code`.
    pub fn clear(&self, code: &str) {
        if let Ok(mut v) = self.inner.lock() {
            v.retain(|a| a.code != code);
        }
    }

    /// The current alerts.
    #[must_use]
    pub fn list(&self) -> Vec<Alert> {
        self.inner.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// How many `GET /events` streams are open, and how many may be (`WACLOUD_EVENTS_MAX_CLIENTS`).
#[derive(Debug)]
pub struct EventStreams {
    places: Arc<Semaphore>,
    max: usize,
}

/// One open event stream's place, given back when it is dropped (the stream ended: the client
/// went away or the server is stopping).
#[derive(Debug)]
pub struct EventStreamSlot {
    _place: OwnedSemaphorePermit,
}

impl EventStreams {
    /// At most `max` streams at once.
    #[must_use]
    pub fn new(max: usize) -> Self {
        Self {
            places: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// A place for one more stream, or None when `max` are open.
    #[must_use]
    pub fn try_open(&self) -> Option<EventStreamSlot> {
        Arc::clone(&self.places)
            .try_acquire_owned()
            .ok()
            .map(|place| EventStreamSlot { _place: place })
    }

    /// Streams open now.
    #[must_use]
    pub fn open(&self) -> usize {
        self.max.saturating_sub(self.places.available_permits())
    }

    /// Most streams at once.
    #[must_use]
    pub fn max(&self) -> usize {
        self.max
    }
}

/// The application state.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Sends to Meta or the sandbox.
    pub messenger: Arc<dyn Messenger>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// The business numbers this server answers for.
    pub our_numbers: OurNumbers,
    /// The numbers' messengers and app secrets.
    pub numbers: Arc<crate::numbers::Numbers>,
    /// The embedded sandbox, in sandbox mode.
    pub sandbox: Option<Arc<Sandbox>>,
    /// Runtime alerts.
    pub alerts: Arc<Alerts>,
    /// Group commit of webhook deliveries.
    pub ingest: IngestBatcher,
    /// What committed writes changed, for `GET /events`.
    pub changes: Arc<dyn ChangeFeed>,
    /// The open `GET /events` streams and their cap.
    pub event_streams: Arc<EventStreams>,
    /// Turns `true` when the server is stopping (long-lived responses end).
    pub stopping: watch::Receiver<bool>,
    /// Pauses all sending while Meta refuses the access token.
    pub gate: Arc<SendingGate>,
    /// Wakes the queue worker when work was queued.
    pub queue_wake: Arc<Notify>,
    /// How the queue decides about sends whose outcome it cannot see.
    pub queue_policy: QueuePolicy,
    /// Operators' sessions: their key, policies and the login throttle.
    pub auth: Arc<crate::auth::AuthState>,
    /// Media files to and from Meta, and their cache.
    pub media: Arc<crate::media::MediaService>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("mode", &self.settings.meta.mode)
            .field("backend", &self.store.backend())
            .finish_non_exhaustive()
    }
}
