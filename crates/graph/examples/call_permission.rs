//! Calling API: asks a user for permission to call them (an interactive
//! `call_permission_request` message), then reads the permission and what the business may
//! do now (`GET /{phone_number_id}/call_permissions?user_wa_id=…`).
//!
//! ```sh
//! cargo run -p wacloud-graph --example call_permission [-- --read-only]
//! ```
//!
//! Runs against `wacloud sandbox` as it is (no user answers there: the permission reads
//! `denied` before the request and `pending` after it). On Meta, Calling must be enabled on
//! the number; the user's answer arrives on the `messages` webhook
//! (`interactive.call_permission_reply`). Errors Meta may answer: 138000 (calling not
//! enabled), 138009 (too many permission requests to this user). Settings: `common/mod.rs`.

mod common;

use wacloud_graph::messages::{Interactive, OutboundMessage, Recipient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = common::builder().build()?;
    let to = common::env_or("WHATSAPP_TO", "15550000001");

    if std::env::args().nth(1).as_deref() != Some("--read-only") {
        let ask = Interactive::call_permission_request(
            "May we call you about your order? You can change this at any time.",
        )?;
        let msg = OutboundMessage::interactive(Recipient::from(to.as_str()), ask)?;
        let sent = client.send_message(&msg).await?;
        println!("asked: {}", sent.wamid().unwrap_or_default());
    }

    let p = client.call_permissions(&to).await?;
    println!(
        "permission {} (expires {:?}); may call now: {}; may ask again: {}",
        p.permission.status,
        p.permission.expiration_time,
        p.can("start_call"),
        p.can("send_call_permission_request")
    );
    Ok(())
}
