//! Marks an inbound message as read (blue ticks) and shows the typing indicator while a reply
//! is prepared, then replies.
//!
//! ```sh
//! cargo run -p wacloud-graph --example mark_read -- wamid.HBgL...
//! ```
//!
//! The argument is the inbound message's `wamid` (from a webhook); the sandbox accepts any.
//! Settings and their sandbox defaults: `common/mod.rs`.

mod common;

use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = common::builder().build()?;
    let to = common::env_or("WHATSAPP_TO", "15550000001");
    let wamid = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "wamid.HBgLMTU1NTAwMDAwMDEVAgASGBQzQUFBQUFBQUFBQUFBQUFBQUFBQQA=".into());

    client.mark_read(&wamid).await?;
    // Read receipt and "typing…": shown until the reply arrives, 25 s at most.
    client.mark_read_with_typing(&wamid).await?;
    tokio::time::sleep(Duration::from_millis(300)).await; // preparing the answer
    let sent = client.send_text(to, "Thanks, looking into it").await?;
    println!("read, typed, replied {}", sent.wamid().unwrap_or_default());
    Ok(())
}
