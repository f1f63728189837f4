//! Sends one text message and prints its wamid.
//!
//! ```sh
//! WHATSAPP_API_TOKEN=... WHATSAPP_PHONE_NUMBER_ID=... WHATSAPP_TO=15550000001 \
//!     cargo run -p wacloud-graph --example send_text -- "Hello from wacloud"
//! ```
//!
//! `WHATSAPP_GRAPH_BASE_URL` (a mock or the sandbox) and `WHATSAPP_GRAPH_API_VERSION`
//! are honoured when set. The token is never printed.

use secrecy::SecretString;
use wacloud_graph::messages::{OutboundMessage, Recipient};
use wacloud_graph::GraphClient;

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = SecretString::from(env("WHATSAPP_API_TOKEN")?);
    let phone_number_id = env("WHATSAPP_PHONE_NUMBER_ID")?;
    let to = env("WHATSAPP_TO")?;
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Hello from wacloud-graph".to_owned());

    let mut builder = GraphClient::builder(token, phone_number_id);
    if let Ok(base) = std::env::var("WHATSAPP_GRAPH_BASE_URL") {
        builder = builder.base_url(base);
    }
    if let Ok(v) = std::env::var("WHATSAPP_GRAPH_API_VERSION") {
        builder = builder.api_version(v);
    }
    let client = builder.build()?;

    let msg = OutboundMessage::text(Recipient::PhoneNumber(to), text)?;
    match client.send_message(&msg).await {
        Ok(sent) => {
            println!("{}", sent.wamid().unwrap_or_default());
            Ok(())
        }
        Err(e) => {
            eprintln!("not sent: {e} (what to do: {:?})", e.class());
            if e.may_resend() {
                eprintln!("Meta refused it before acting: it is safe to send again later");
            } else if e.is_outcome_unknown() {
                eprintln!("the outcome is unknown: check the status webhooks before sending again");
            }
            std::process::exit(1);
        }
    }
}
