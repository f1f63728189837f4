//! Sends to several recipients the safe way. A failed send goes out again only when
//! `may_resend()` says Meta refused it before acting (rate limit, no connection); one whose
//! outcome is unknown (timed out, broken mid-way) is never sent again blindly, since it may
//! have been delivered; any other error is final, and `class()` says what to fix.
//!
//! ```sh
//! cargo run -p wacloud-graph --example error_loop -- 15550000001 15550000002
//! ```
//!
//! `WHATSAPP_TIMEOUT_MS` (default 10000) bounds each request. Exits 1 when any message is not
//! known to be sent. Other settings: `common/mod.rs`.

mod common;

use std::time::Duration;

/// Tries per message, the first included.
const ATTEMPTS: u32 = 4;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let timeout_ms = common::env_or("WHATSAPP_TIMEOUT_MS", "10000").parse()?;
    let client = common::builder()
        .timeout(Duration::from_millis(timeout_ms))
        .build()?;
    let mut recipients: Vec<String> = std::env::args().skip(1).collect();
    if recipients.is_empty() {
        recipients.push(common::env_or("WHATSAPP_TO", "15550000001"));
    }

    let mut all_sent = true;
    for to in &recipients {
        for attempt in 1..=ATTEMPTS {
            match client
                .send_text(to.as_str(), "Your order has shipped")
                .await
            {
                Ok(sent) => println!("{to}: sent {}", sent.wamid().unwrap_or_default()),
                Err(e) if e.may_resend() && attempt < ATTEMPTS => {
                    // Nothing went out: wait as Meta asks (or back off), then send again.
                    let backoff = Duration::from_millis(250 << attempt);
                    let wait = e.retry_after().unwrap_or(backoff);
                    eprintln!("{to}: refused before sending ({e}); again in {wait:?}");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(e) if e.is_outcome_unknown() => {
                    // Perhaps delivered: the status webhook for it will tell. Not resent.
                    println!("{to}: outcome unknown, not sent again: {e}");
                    all_sent = false;
                }
                Err(e) => {
                    println!("{to}: not sent ({:?}): {e}", e.class());
                    all_sent = false;
                }
            }
            break;
        }
    }
    if !all_sent {
        std::process::exit(1);
    }
    Ok(())
}
