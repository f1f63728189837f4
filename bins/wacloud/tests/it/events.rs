//! A server-sent event stream (`GET /api/whatsapp/events`) read event by event.

use std::time::{Duration, Instant};

use serde_json::Value;

/// A server-sent event stream being read.
pub struct Events {
    stream: std::pin::Pin<
        Box<dyn futures::Stream<Item = reqwest::Result<actix_web::web::Bytes>> + Send>,
    >,
    buf: String,
}

impl Events {
    pub(crate) fn new(r: reqwest::Response) -> Self {
        Self {
            stream: Box::pin(r.bytes_stream()),
            buf: String::new(),
        }
    }

    /// The next event as (name, data), skipping comments; None when the stream ends or
    /// nothing comes within `within`.
    pub async fn next(&mut self, within: Duration) -> Option<(String, String)> {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        name = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                if block
                    .lines()
                    .all(|l| l.starts_with(':') || l.starts_with("retry:") || l.is_empty())
                {
                    continue;
                }
                return Some((name, data));
            }
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// Reads `change` events until `pred` holds for the union of what they carried.
    pub async fn until_change(
        &mut self,
        within: Duration,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        let mut seen = serde_json::json!({"messages": [], "statuses": [], "contacts": []});
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (name, data) = self
                .next(left)
                .await
                .unwrap_or_else(|| panic!("no matching change event; saw {seen}"));
            if name != "change" {
                continue;
            }
            let v: Value = serde_json::from_str(&data).expect("change is JSON");
            for k in ["messages", "statuses", "contacts"] {
                if let Some(ids) = v[k].as_array() {
                    seen[k]
                        .as_array_mut()
                        .expect("array")
                        .extend(ids.iter().cloned());
                }
            }
            if pred(&seen) {
                return seen;
            }
        }
    }
}
