//! Uploads an image and sends it by its media id.
//!
//! ```sh
//! cargo run -p wacloud-graph --example send_image                  # a built-in 1x1 PNG
//! cargo run -p wacloud-graph --example send_image -- photo.jpg     # a file (.jpg, .jpeg, .png)
//! ```
//!
//! Settings and their sandbox defaults: `common/mod.rs`.

mod common;

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

    let sent = if let Some(path) = std::env::args().nth(1) {
        // One call: reads the file, takes the type from its extension, uploads, sends.
        client
            .send_image_file(to, path, Some("From a file"))
            .await?
    } else {
        // Two steps, to reuse the upload (its id is valid for 30 days on Meta).
        let upload = MediaUpload::new(DOT_PNG, "image/png", "dot.png")?; // type and size checked
        let uploaded = client.upload_media(&upload).await?;
        println!("media id {}", uploaded.id);
        client.send_image(to, &uploaded, Some("A dot")).await?
    };
    println!("{}", sent.wamid().unwrap_or_default());
    Ok(())
}
