//! Message QR codes and short links of the business number
//! (`/{phone_number_id}/message_qrdls`): a code opens a chat with the number, its
//! `prefilled_message` already typed.
//!
//! Meta's refusals come back as [`GraphError::Api`]: 100 (invalid parameter, e.g. a
//! message over 140 characters or an unknown code), 200 (permission), 4 and 80008
//! (rate limits).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{char_count, ValidationError};

/// The most characters of a QR code's `prefilled_message`.
pub const PREFILLED_MESSAGE_MAX_CHARS: usize = 140;

/// The fields the QR code calls ask for.
const QR_FIELDS: &str = "code,prefilled_message,deep_link_url,creation_time";

/// A message QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QrCode {
    /// Its 14-character id, e.g. `ANED2T5QRU7HG1`.
    pub code: String,
    /// The text typed for the user when the chat opens.
    #[serde(default)]
    pub prefilled_message: Option<String>,
    /// The short link, `https://wa.me/message/{code}`.
    #[serde(default)]
    pub deep_link_url: Option<String>,
    /// The image's URL, when one was asked for (`PNG` or `SVG`).
    #[serde(default)]
    pub qr_image_url: Option<String>,
    /// When it was created (Unix seconds), when Meta says.
    #[serde(default, deserialize_with = "crate::de::opt_ts")]
    pub creation_time: Option<i64>,
}

/// The image format of a QR code (`generate_qr_image`, `qr_image_url.format(...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum QrImageFormat {
    /// A PNG image.
    Png,
    /// An SVG image.
    Svg,
}

impl QrImageFormat {
    fn as_str(self) -> &'static str {
        match self {
            Self::Png => "PNG",
            Self::Svg => "SVG",
        }
    }
}

fn check_message(m: &str) -> Result<(), ValidationError> {
    let n = char_count(m);
    if m.trim().is_empty() || n > PREFILLED_MESSAGE_MAX_CHARS {
        return Err(ValidationError::new(
            "prefilled_message",
            format!("prefilled message is {n} characters; Meta allows 1 to {PREFILLED_MESSAGE_MAX_CHARS}"),
        ));
    }
    Ok(())
}

fn fields(image: Option<QrImageFormat>) -> String {
    match image {
        Some(f) => format!("{QR_FIELDS},qr_image_url.format({})", f.as_str()),
        None => QR_FIELDS.to_owned(),
    }
}

impl GraphClient {
    /// Every QR code of the number (`GET /{phone_number_id}/message_qrdls`, all pages,
    /// newest first), each with its image URL when `image` is given.
    pub async fn list_qr_codes(
        &self,
        image: Option<QrImageFormat>,
    ) -> Result<Vec<QrCode>, GraphError> {
        let url = self.node_url(&[self.phone_number_id(), "message_qrdls"]);
        let f = fields(image);
        self.get_all_pages(&url, &[("fields", &f)], "QR codes answer")
            .await
    }

    /// One QR code (`GET /{phone_number_id}/message_qrdls/{code}`). Meta answers it in a
    /// `data` array (its examples) or bare (its schema); both parse. An unknown code is
    /// [`GraphError::Api`] (100) or, when Meta answers an empty `data`, a
    /// [`GraphError::Decode`] naming the code.
    pub async fn get_qr_code(
        &self,
        code: &str,
        image: Option<QrImageFormat>,
    ) -> Result<QrCode, GraphError> {
        crate::node::id_arg("code", "the QR code", code)?;
        let f = fields(image);
        let v: Value = self
            .get_node(
                &[self.phone_number_id(), "message_qrdls", code],
                &[("fields", &f)],
                "QR code answer",
            )
            .await?;
        let one = match v.get("data") {
            Some(Value::Array(a)) => a.first().cloned().ok_or_else(|| GraphError::Decode {
                status: 200,
                message: format!("QR code answer: no QR code {code:?} in data"),
            })?,
            _ => v,
        };
        serde_json::from_value(one).map_err(|e| GraphError::Decode {
            status: 200,
            message: format!("QR code answer: {e}"),
        })
    }

    /// Creates a QR code (`POST /{phone_number_id}/message_qrdls`) with its prefilled
    /// message (1 to 140 characters), and an image URL when `image` is given.
    pub async fn create_qr_code(
        &self,
        prefilled_message: &str,
        image: Option<QrImageFormat>,
    ) -> Result<QrCode, GraphError> {
        check_message(prefilled_message)?;
        let mut body = json!({"prefilled_message": prefilled_message});
        if let Some(f) = image {
            body["generate_qr_image"] = json!(f);
        }
        self.write_node(
            Method::POST,
            &[self.phone_number_id(), "message_qrdls"],
            &[],
            Some(body),
            "QR code answer",
        )
        .await
    }

    /// Changes the prefilled message of an existing code (the same
    /// `POST /{phone_number_id}/message_qrdls`, with `code`); the link and image stay.
    pub async fn update_qr_code(
        &self,
        code: &str,
        prefilled_message: &str,
    ) -> Result<QrCode, GraphError> {
        crate::node::id_arg("code", "the QR code", code)?;
        check_message(prefilled_message)?;
        self.write_node(
            Method::POST,
            &[self.phone_number_id(), "message_qrdls"],
            &[],
            Some(json!({"code": code, "prefilled_message": prefilled_message})),
            "QR code answer",
        )
        .await
    }

    /// Deletes a QR code for good (`DELETE /{phone_number_id}/message_qrdls/{code}`):
    /// its link stops working.
    pub async fn delete_qr_code(&self, code: &str) -> Result<(), GraphError> {
        crate::node::id_arg("code", "the QR code", code)?;
        self.write_success(
            Method::DELETE,
            &[self.phone_number_id(), "message_qrdls", code],
            &[],
            None,
            "QR code delete answer",
        )
        .await
    }
}
