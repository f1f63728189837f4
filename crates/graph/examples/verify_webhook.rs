//! Verifies a webhook delivery's `X-Hub-Signature-256` with the App Secret, then parses it
//! and prints what it holds.
//!
//! With no arguments it checks a built-in delivery signed with `sandbox-secret` (the default
//! `WHATSAPP_APP_SECRET`; the signature was made with Python's `hmac`, independently of this
//! crate):
//!
//! ```sh
//! cargo run -p wacloud-graph --example verify_webhook
//! ```
//!
//! With `--stdin SIGNATURE` it checks the raw body read from standard input:
//!
//! ```sh
//! WHATSAPP_APP_SECRET=... cargo run -p wacloud-graph --example verify_webhook -- \
//!     --stdin "sha256=..." < body.json
//! ```
//!
//! Several secrets (during a rotation) may be given comma-separated. Exit code 0 when the
//! signature is valid, 1 when not. The secret is never printed.

use std::io::Read;

use wacloud_graph::webhook::{verify_signature, WebhookPayload};
use wacloud_graph::SecretString;

/// A delivery as the sandbox sends it: one inbound text message.
const SAMPLE_BODY: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"100000000000002","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100001","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Ana"},"wa_id":"15550000001"}],"messages":[{"from":"15550000001","id":"wamid.HBgLMTU1NTAwMDAwMDEVAgASGBQzQUFBQUFBQUFBQUFBQUFBQUFBQQA=","timestamp":"1767225600","type":"text","text":{"body":"Hi! Is my order on the way?"}}]},"field":"messages"}]}]}"#;
/// HMAC-SHA256 of [`SAMPLE_BODY`] with the key `sandbox-secret`.
const SAMPLE_SIGNATURE: &str =
    "sha256=940a55914f0d8de01ff2b1bd9118789df46ba3483bc1dafa63dc888db48e0d80";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secrets: Vec<SecretString> = std::env::var("WHATSAPP_APP_SECRET")
        .unwrap_or_else(|_| "sandbox-secret".into())
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
        _ => (SAMPLE_BODY.as_bytes().to_vec(), SAMPLE_SIGNATURE.to_owned()),
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
