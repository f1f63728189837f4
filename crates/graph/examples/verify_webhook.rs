//! Verifies a webhook delivery's `X-Hub-Signature-256` with the App Secret, then
//! parses it and prints what it holds.
//!
//! With no arguments it checks the pywa test vector from the shared fixtures:
//!
//! ```sh
//! WHATSAPP_APP_SECRET=1222e786b144d0e85b9f365372d93676 \
//!     cargo run -p wacloud-graph --example verify_webhook
//! ```
//!
//! With `--stdin SIGNATURE` it checks the raw body read from standard input:
//!
//! ```sh
//! WHATSAPP_APP_SECRET=... cargo run -p wacloud-graph --example verify_webhook -- \
//!     --stdin "sha256=..." < body.json
//! ```
//!
//! Several secrets (during a rotation) may be given comma-separated. Exit code 0
//! when the signature is valid, 1 when not. The secret is never printed.

use secrecy::SecretString;
use std::io::Read;
use std::path::PathBuf;
use wacloud_graph::webhook::{verify_signature, WebhookPayload};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secrets: Vec<SecretString> = std::env::var("WHATSAPP_APP_SECRET")
        .map_err(|_| "set WHATSAPP_APP_SECRET (the App Secret, not the verify token)")?
        .split(',')
        .map(|s| SecretString::from(s.trim().to_owned()))
        .collect();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (body, header) = match args.first().map(String::as_str) {
        Some("--stdin") => {
            let header = args
                .get(1)
                .cloned()
                .ok_or("--stdin needs the X-Hub-Signature-256 value")?;
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body)?;
            (body, header)
        }
        _ => {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/meta/pywa/signature");
            let vector: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join("vector.json"))?)?;
            let body = std::fs::read(dir.join("signed_body.json"))?;
            let header = vector["x_hub_signature_256"]
                .as_str()
                .ok_or("vector.json has no x_hub_signature_256")?
                .to_owned();
            (body, header)
        }
    };
    // Verify the exact bytes first; only then parse those same bytes.
    if let Err(e) = verify_signature(&body, Some(&header), &secrets) {
        eprintln!("invalid: {e}");
        std::process::exit(1);
    }
    let payload = WebhookPayload::from_slice(&body)?;
    let messages: usize = payload.messages_values().map(|v| v.messages.len()).sum();
    let statuses: usize = payload.messages_values().map(|v| v.statuses.len()).sum();
    println!(
        "valid: {} bytes, {} entries, {} changes, {messages} messages, {statuses} statuses",
        body.len(),
        payload.entry.len(),
        payload.changes().count()
    );
    Ok(())
}
