//! Sends one text message and prints its wamid.
//!
//! ```sh
//! cargo run -p wacloud-graph --example send_text -- "Hello from wacloud"
//! ```
//!
//! Settings and their sandbox defaults: `common/mod.rs`. The token is never printed.

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = common::builder().build()?;
    let to = common::env_or("WHATSAPP_TO", "15550000001");
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Hello from wacloud-graph".into());

    let sent = client.send_text(to, text).await?;
    println!("{}", sent.wamid().unwrap_or_default());
    Ok(())
}
