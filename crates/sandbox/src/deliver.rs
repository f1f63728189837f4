//! Posting signed webhook deliveries, as Meta does: `X-Hub-Signature-256` over the exact
//! bytes, retried with back-off when the receiver does not answer 200.

use std::time::Duration;

use serde_json::Value;

use crate::Sandbox;

/// Why a delivery did not get a 2xx.
#[derive(Debug)]
pub struct DeliveryFailed(pub String);

impl Sandbox {
    /// Signs and posts one delivery; retries up to 5 times (0.5 s, 1 s, 2 s, 4 s) on anything
    /// but a 2xx.
    pub(crate) async fn deliver(&self, payload: &Value) -> Result<(), DeliveryFailed> {
        let Some(url) = self.webhook_url() else {
            return Err(DeliveryFailed("the sandbox has no webhook URL yet".into()));
        };
        let body = serde_json::to_vec(payload).map_err(|e| DeliveryFailed(e.to_string()))?;
        let signature = wacloud_graph::webhook::sign(&body, &self.config.app_secret);
        let mut delay = Duration::from_millis(500);
        let mut last = String::new();
        for attempt in 0..5 {
            if attempt > 0 {
                tokio::time::sleep(delay).await;
                delay *= 2;
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
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => last = format!("webhook answered HTTP {}", r.status()),
                Err(e) => last = format!("webhook unreachable: {e}"),
            }
        }
        tracing::warn!(error = %last, "sandbox gave up delivering a webhook");
        Err(DeliveryFailed(last))
    }
}
