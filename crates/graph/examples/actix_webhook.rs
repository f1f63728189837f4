//! An actix-web webhook endpoint: checks `X-Hub-Signature-256` on the raw body, then answers
//! each inbound text (or caption) with a quoted reply to its sender.
//!
//! ```sh
//! cargo run -p wacloud-graph --example actix_webhook     # listens on 127.0.0.1:3000/webhook
//! ```
//!
//! `WEBHOOK_BIND` sets the address (port 0: any free one; the first line printed says which),
//! `WHATSAPP_APP_SECRET` the App Secret (default `sandbox-secret`); other settings:
//! `common/mod.rs`. Meta also calls the URL once with a GET to subscribe it: answer that with
//! `wacloud_graph::webhook::verify_handshake`.

mod common;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use wacloud_graph::webhook::{verify_signature, WebhookPayload};
use wacloud_graph::{GraphClient, SecretString};

struct Webhook {
    client: GraphClient,
    app_secret: SecretString,
}

async fn webhook(hook: web::Data<Webhook>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let signature = req
        .headers()
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    // The exact bytes, before any parsing; a bad or missing signature is not Meta.
    if verify_signature(&body, signature, std::slice::from_ref(&hook.app_secret)).is_err() {
        return HttpResponse::Unauthorized().finish();
    }
    let Ok(payload) = WebhookPayload::from_slice(&body) else {
        return HttpResponse::BadRequest().finish();
    };
    for value in payload.messages_values() {
        for message in &value.messages {
            if let Some(text) = message.text_or_caption() {
                let reply = format!("You said: {text}");
                // Still 200 when a reply fails: Meta would deliver the same messages again.
                if let Err(e) = hook.client.reply_text(message, reply).await {
                    eprintln!("reply to {} failed: {e}", message.wamid());
                }
            }
        }
    }
    HttpResponse::Ok().finish() // statuses and other fields: nothing to do here
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hook = web::Data::new(Webhook {
        client: common::builder().build()?,
        app_secret: common::env_or("WHATSAPP_APP_SECRET", "sandbox-secret").into(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(hook.clone())
            .route("/webhook", web::post().to(webhook))
    })
    .bind(common::env_or("WEBHOOK_BIND", "127.0.0.1:3000"))?;
    println!("listening on http://{}/webhook", server.addrs()[0]);
    server.run().await?;
    Ok(())
}
