//! Sends an approved template with body parameters (`{{1}}`, `{{2}}`, …): the only kind of
//! message allowed outside the 24-hour customer service window.
//!
//! ```sh
//! cargo run -p wacloud-graph --example send_template -- Ana "#1042"
//! ```
//!
//! `WHATSAPP_TEMPLATE` (default `order_update`, which the sandbox knows) and
//! `WHATSAPP_TEMPLATE_LANGUAGE` (default `en_US`) pick the template; the arguments are its body
//! parameters in order (default `Ana #1042`). Other settings: `common/mod.rs`.

mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = common::builder().build()?;
    let to = common::env_or("WHATSAPP_TO", "15550000001");
    let name = common::env_or("WHATSAPP_TEMPLATE", "order_update");
    let language = common::env_or("WHATSAPP_TEMPLATE_LANGUAGE", "en_US");
    let mut parameters: Vec<String> = std::env::args().skip(1).collect();
    if parameters.is_empty() {
        parameters = vec!["Ana".into(), "#1042".into()];
    }

    // Parameters are checked before sending (not empty, no newline or tab, ...).
    let sent = client.send_template(to, name, language, parameters).await?;
    println!("{}", sent.wamid().unwrap_or_default());
    Ok(())
}
