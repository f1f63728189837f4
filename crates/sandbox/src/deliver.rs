//! Posting signed webhook deliveries, as Meta does: `X-Hub-Signature-256` over the exact
//! bytes, retried with back-off when the receiver does not answer 200. Statuses go through a
//! queue served by a few deliverers, which put up to `status_batch` statuses that are due at the
//! same moment into one delivery.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, Mutex};

use crate::payloads::statuses_delivery;
use crate::Sandbox;

/// Why a delivery did not get a 2xx.
#[derive(Debug)]
pub struct DeliveryFailed(pub String);

/// A status to deliver and the business number (`phone_number_id`) whose message it is about.
type Queued = (String, Value);

/// Statuses waiting for a deliverer.
#[derive(Debug)]
pub(crate) struct StatusQueue {
    tx: mpsc::UnboundedSender<Queued>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Queued>>>,
}

impl Default for StatusQueue {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }
}

/// How many deliveries may be on their way at once.
const DELIVERERS: usize = 8;

/// Starts the deliverers (they stop when the sandbox is dropped).
pub(crate) fn start(sandbox: &Arc<Sandbox>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let weak = Arc::downgrade(sandbox);
    handle.spawn(async move {
        let rx = {
            let Some(sb) = weak.upgrade() else { return };
            let taken = sb.statuses.rx.lock().await.take();
            taken
        };
        let Some(rx) = rx else { return };
        let rx = Arc::new(Mutex::new(rx));
        let mut tasks = Vec::new();
        for _ in 0..DELIVERERS {
            tasks.push(tokio::spawn(deliverer(weak.clone(), Arc::clone(&rx))));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

async fn deliverer(weak: Weak<Sandbox>, rx: Arc<Mutex<mpsc::UnboundedReceiver<Queued>>>) {
    loop {
        let mut batch = Vec::new();
        {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            batch.push(first);
            let max = weak.upgrade().map_or(1, |s| s.config.status_batch.max(1));
            while batch.len() < max {
                match rx.try_recv() {
                    Ok(s) => batch.push(s),
                    Err(_) => break,
                }
            }
        }
        let Some(sb) = weak.upgrade() else { return };
        // One delivery per number: its `metadata` names the number the statuses are about.
        let mut by_number: Vec<(String, Vec<Value>)> = Vec::new();
        for (pid, status) in batch {
            match by_number.iter_mut().find(|(p, _)| *p == pid) {
                Some((_, v)) => v.push(status),
                None => by_number.push((pid, vec![status])),
            }
        }
        for (pid, statuses) in by_number {
            let payload = statuses_delivery(&sb.config_for(&pid), statuses);
            let _ = sb.deliver(&payload).await;
        }
    }
}

impl Sandbox {
    /// Queues one status object (`statuses[]` item) of a message sent from number
    /// `phone_number_id` for delivery.
    pub(crate) fn queue_status(&self, phone_number_id: &str, status: Value) {
        let _ = self.statuses.tx.send((phone_number_id.to_owned(), status));
    }

    /// Signs and posts one delivery; retries `webhook_attempts` times in all (0.5 s, 1 s, 2 s,
    /// 4 s, then every 5 s) on anything but a 2xx.
    pub(crate) async fn deliver(&self, payload: &Value) -> Result<(), DeliveryFailed> {
        let Some(url) = self.webhook_url() else {
            return Err(DeliveryFailed("the sandbox has no webhook URL yet".into()));
        };
        let body = serde_json::to_vec(payload).map_err(|e| DeliveryFailed(e.to_string()))?;
        let signature = wacloud_graph::webhook::sign(&body, &self.config.app_secret);
        let mut delay = Duration::from_millis(500);
        let mut last = String::new();
        for attempt in 0..self.config.webhook_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            let sent = self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", &signature)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => {
                    self.note_webhook(true);
                    return Ok(());
                }
                Ok(r) => last = format!("webhook answered HTTP {}", r.status()),
                Err(e) => last = format!("webhook unreachable: {}", e.without_url()),
            }
        }
        self.note_webhook(false);
        tracing::warn!(error = %last, "sandbox gave up delivering a webhook");
        Err(DeliveryFailed(last))
    }
}
