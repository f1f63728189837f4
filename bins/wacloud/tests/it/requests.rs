//! What tests ask a [`TestApp`]: plain HTTP (status and JSON answer), and one helper per common
//! request: [`send`](TestApp::send), [`deliver`](TestApp::deliver) a signed webhook, read a
//! [`conversation`](TestApp::conversation), and the embedded sandbox's controls.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::app::TestApp;
use crate::events::Events;

/// The status and the JSON answer (Null when the answer is not JSON).
async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

impl TestApp {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self.http.post(self.url(path)).json(body).send().await;
        answer(r.expect("POST")).await
    }

    pub async fn put_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self.http.put(self.url(path)).json(body).send().await;
        answer(r.expect("PUT")).await
    }

    /// `POST /api/whatsapp/send` with `body`.
    pub async fn send(&self, body: &Value) -> (u16, Value) {
        self.post_json("/api/whatsapp/send", body).await
    }

    /// `POST /api/whatsapp/send-bulk` with `body`.
    pub async fn send_bulk(&self, body: &Value) -> (u16, Value) {
        self.post_json("/api/whatsapp/send-bulk", body).await
    }

    /// Delivers a webhook body as Meta does: compact JSON, signed with the app's secret.
    pub async fn deliver(&self, body: &Value) -> (u16, Value) {
        self.post_webhook(&serde_json::to_vec(body).expect("json"))
            .await
    }

    /// Signs `body` with the app's secret and posts it to the webhook.
    pub async fn post_webhook(&self, body: &[u8]) -> (u16, Value) {
        let sig = wacloud_graph::webhook::sign(body, &self.secret);
        self.post_webhook_raw(body, Some(&sig)).await
    }

    /// Posts raw bytes to the webhook with the given signature header (None: no header).
    pub async fn post_webhook_raw(&self, body: &[u8], signature: Option<&str>) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.url("/api/whatsapp/webhook"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        answer(req.send().await.expect("POST webhook")).await
    }

    /// Signs and posts `body` as Meta does: again after a 5xx (Meta retries), until it is
    /// answered; returns the final status and answer.
    pub async fn post_webhook_as_meta(&self, body: &[u8]) -> (u16, Value) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let sig = wacloud_graph::webhook::sign(body, &self.secret);
            let req = self
                .http
                .post(self.url("/api/whatsapp/webhook"))
                .header("content-type", "application/json")
                .header("x-hub-signature-256", sig)
                .body(body.to_vec())
                .timeout(Duration::from_secs(30));
            let (status, v) = match req.send().await {
                Ok(r) => answer(r).await,
                Err(_) => (599, Value::Null),
            };
            if status < 500 || Instant::now() > deadline {
                return (status, v);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Every message with `phone` (as the widget writes it: `+15550000001` or `15550000001`),
    /// newest first, from the history API following its cursor.
    pub async fn conversation(&self, phone: &str) -> Vec<Value> {
        let phone = phone.replace('+', "%2B");
        self.all_messages(&format!("&phone={phone}")).await
    }

    /// Every message the history API returns for `query` (`&name=value…`, may be empty),
    /// following the cursor.
    pub async fn all_messages(&self, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let mut path = format!("/api/whatsapp/messages?limit=200{query}");
            if let Some(b) = &before {
                path.push_str(&format!("&before={b}"));
            }
            let (status, page) = self.get(&path).await;
            assert_eq!(status, 200, "{page}");
            out.extend(page["messages"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) => before = Some(c.to_owned()),
                None => break,
            }
        }
        out
    }

    /// `/stats`'s counts, without its `costs` (which no recount of the counts holds; the
    /// `costs` tests read them).
    pub async fn stats(&self) -> Value {
        let mut v = self.get("/api/whatsapp/stats").await.1;
        if let Some(o) = v.as_object_mut() {
            o.remove("costs");
        }
        v
    }

    /// Opens `GET /api/whatsapp/events` and waits for its `ready` event.
    pub async fn events(&self) -> Events {
        let r = self
            .http
            .get(self.url("/api/whatsapp/events"))
            .send()
            .await
            .expect("GET /events");
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/event-stream")
        );
        let mut ev = Events::new(r);
        let (name, _) = ev.next(Duration::from_secs(10)).await.expect("ready");
        assert_eq!(name, "ready");
        ev
    }

    /// Changes the embedded sandbox's run-time settings (`POST /sandbox/control`).
    pub async fn sandbox(&self, patch: Value) -> Value {
        let (status, v) = self.post_json("/sandbox/control", &patch).await;
        assert_eq!(status, 200, "sandbox control: {v}");
        v
    }

    /// What the embedded sandbox counted (`GET /sandbox/counts`).
    pub async fn counts(&self) -> Value {
        self.get("/sandbox/counts").await.1
    }
}
