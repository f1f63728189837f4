//! An axum webhook endpoint: checks `X-Hub-Signature-256` on the raw body, then answers each
//! inbound text (or caption) with a quoted reply to its sender.
//!
//! ```sh
//! cargo run -p wacloud-graph --example axum_webhook      # listens on 127.0.0.1:3000/webhook
//! ```
//!
//! `WEBHOOK_BIND` sets the address (port 0: any free one; the first line printed says which),
//! `WHATSAPP_APP_SECRET` the App Secret (default `sandbox-secret`); other settings:
//! `common/mod.rs`. Meta also calls the URL once with a GET to subscribe it: answer that with
//! `wacloud_graph::webhook::verify_handshake`.

mod common;

use std::sync::Arc;

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use wacloud_graph::webhook::{verify_signature, WebhookPayload};
use wacloud_graph::{GraphClient, SecretString};

struct App {
    client: GraphClient,
    app_secret: SecretString,
}

async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    // The exact bytes, before any parsing; a bad or missing signature is not Meta.
    if verify_signature(&body, signature, std::slice::from_ref(&app.app_secret)).is_err() {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(payload) = WebhookPayload::from_slice(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    for value in payload.messages_values() {
        for message in &value.messages {
            if let Some(text) = message.text_or_caption() {
                let reply = format!("You said: {text}");
                // Still 200 when a reply fails: Meta would deliver the same messages again.
                if let Err(e) = app.client.reply_text(message, reply).await {
                    eprintln!("reply to {} failed: {e}", message.wamid());
                }
            }
        }
    }
    StatusCode::OK // statuses and other fields: nothing to do here
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = Arc::new(App {
        client: common::builder().build()?,
        app_secret: common::env_or("WHATSAPP_APP_SECRET", "sandbox-secret").into(),
    });
    let bind = common::env_or("WEBHOOK_BIND", "127.0.0.1:3000");
    let listener = tokio::net::TcpListener::bind(bind).await?;
    println!("listening on http://{}/webhook", listener.local_addr()?);
    let routes = axum::Router::new()
        .route("/webhook", post(webhook))
        .with_state(app);
    axum::serve(listener, routes).await?;
    Ok(())
}
