//! Flows: lists the WABA's flows, creates one, uploads its Flow JSON and publishes it.
//!
//! ```sh
//! WHATSAPP_GRAPH_BASE_URL=https://graph.facebook.com WHATSAPP_API_TOKEN=… \
//! WHATSAPP_PHONE_NUMBER_ID=… WHATSAPP_WABA_ID=… cargo run -p wacloud-graph --example flows
//! ```
//!
//! **Needs a real account**: `wacloud sandbox` has no Flows endpoints, so against it (the
//! default base URL) the example stops at once with exit status 2 and says what to set.
//! Publishing is final (a published flow can only be deprecated), so the example publishes
//! only when the Flow JSON validated without errors and `--publish` is given.

mod common;
mod real_account;

use wacloud_graph::flows::NewFlow;

/// A one-screen flow that completes at once.
const FLOW_JSON: &str = r#"{
  "version": "7.0",
  "screens": [{
    "id": "WELCOME",
    "title": "Welcome",
    "terminal": true,
    "layout": {"type": "SingleColumnLayout", "children": [
      {"type": "TextHeading", "text": "Thanks for reaching out"},
      {"type": "Footer", "label": "Done", "on-click-action": {"name": "complete", "payload": {}}}
    ]}
  }]
}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    real_account::require("flows", ", WHATSAPP_WABA_ID");
    let waba = common::env_or("WHATSAPP_WABA_ID", "");
    let client = common::builder().waba_id(waba).build()?;

    for f in client.list_flows().await? {
        println!("{} {:?} {:?}", f.id, f.name.unwrap_or_default(), f.status);
    }

    let created = client
        .create_flow(&NewFlow::new("wacloud example", ["OTHER"])?)
        .await?;
    println!("created flow {}", created.id);

    let update = client.update_flow_json(&created.id, FLOW_JSON).await?;
    if !update.validation_errors.is_empty() {
        println!("Flow JSON not valid: {:?}", update.validation_errors);
        return Ok(());
    }
    if std::env::args().any(|a| a == "--publish") {
        client.publish_flow(&created.id).await?;
        println!("published {}", created.id);
    } else {
        println!(
            "draft {} ready; run with --publish to publish it",
            created.id
        );
    }
    Ok(())
}
