//! Sends a template whose header is an image: uploads the image first (`POST
//! /{phone_number_id}/media`), then sends the template with the media id in its header
//! component and its body parameters.
//!
//! ```sh
//! cargo run -p wacloud-graph --example template_header_image                 # a built-in 1x1 PNG
//! cargo run -p wacloud-graph --example template_header_image -- banner.jpg   # a file (.jpg, .png)
//! ```
//!
//! `WHATSAPP_TEMPLATE` (default `order_update`, which the sandbox knows; on Meta it must be an
//! approved template with an IMAGE header and two body variables) and
//! `WHATSAPP_TEMPLATE_LANGUAGE` (default `en_US`) pick the template. Other settings:
//! `common/mod.rs`. Runs against `wacloud sandbox` as it is.
//!
//! Creating such a template on Meta needs a sample of the header: upload it with
//! `GraphClient::resumable_upload` (the Resumable Upload API) and give the handle it answers
//! as the header component's `example.header_handle` in `templates::NewTemplate`.

mod common;

use wacloud_graph::messages::{MediaRef, OutboundMessage, Parameter, Recipient, Template};
use wacloud_graph::MediaUpload;

/// A 1x1 PNG, so the example runs without a file.
const DOT_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x50, 0xbd, 0x9c, 0x06,
    0x00, 0x02, 0x7f, 0x01, 0x5f, 0x57, 0xdc, 0x2a, 0x72, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = common::builder().build()?;
    let to = common::env_or("WHATSAPP_TO", "15550000001");
    let name = common::env_or("WHATSAPP_TEMPLATE", "order_update");
    let language = common::env_or("WHATSAPP_TEMPLATE_LANGUAGE", "en_US");

    // 1. Upload (type and size checked first: an image header is at most 5 MB).
    let upload = match std::env::args().nth(1) {
        Some(path) => {
            let mime = if path.ends_with(".png") {
                "image/png"
            } else {
                "image/jpeg"
            };
            MediaUpload::new(std::fs::read(&path)?, mime, path.as_str())?
        }
        None => MediaUpload::new(DOT_PNG, "image/png", "dot.png")?,
    };
    let uploaded = client.upload_media(&upload).await?;
    println!("media id {}", uploaded.id);

    // 2. The template: the image in the header, then the body's `{{1}}` and `{{2}}`.
    let template = Template::new(name, language)
        .header_media(Parameter::Image(MediaRef::Id(uploaded.id)))?
        .body_parameters(["Ana", "#1042"])?;
    let msg = OutboundMessage::template(Recipient::from(to.as_str()), template)?;
    let sent = client.send_message(&msg).await?;
    println!("{}", sent.wamid().unwrap_or_default());
    Ok(())
}
