//! One-call sends on [`GraphClient`]: the common messages in a single call, each a thin
//! wrapper over the builders of [`crate::messages`] and [`GraphClient::send_message`].
//!
//! Every method here sends exactly the JSON the builder path sends, returns the same
//! [`SendMessageResponse`] and fails the same way: [`GraphError::Validation`] (no
//! request made) when a local limit is broken, and Meta's or the transport's errors
//! otherwise, with [`GraphError::may_resend`] saying whether the same send may go out
//! again. For anything these do not cover (preview links, `biz_opaque_callback_data`,
//! other media kinds, header or button parameters), build an
//! [`OutboundMessage`] and call [`GraphClient::send_message`].

use std::path::Path;

use bytes::Bytes;

use super::config::GraphClient;
use super::send::SendMessageResponse;
use crate::error::GraphError;
use crate::media::{MediaUpload, IMAGE_MAX_BYTES};
use crate::messages::{
    MediaMessage, MediaRef, MediaType, OutboundMessage, Recipient, Template, ValidationError,
};
use crate::webhook::Message;

/// The message [`GraphClient::send_template`] sends: no body component when there are
/// no parameters.
fn template_message(
    to: Recipient,
    name: String,
    language: String,
    body_parameters: Vec<String>,
) -> Result<OutboundMessage, ValidationError> {
    let mut template = Template::new(name, language);
    if !body_parameters.is_empty() {
        template = template.body_parameters(body_parameters)?;
    }
    OutboundMessage::template(to, template)
}

/// The image MIME type of `path`'s extension (`.jpg`/`.jpeg`: `image/jpeg`, `.png`:
/// `image/png`, any case), the only image types Meta sends.
fn image_mime_for(path: &Path) -> Result<&'static str, ValidationError> {
    match mime_guess::from_path(path).first_raw() {
        Some(m @ ("image/jpeg" | "image/png")) => Ok(m),
        guessed => Err(ValidationError::new(
            "path",
            format!(
                "{} is {}; send_image_file takes a .jpg, .jpeg or .png file (Meta sends only JPEG and PNG as images)",
                path.display(),
                guessed.map_or_else(|| "of no known type".to_owned(), |m| format!("{m} by its extension")),
            ),
        )),
    }
}

/// The message [`GraphClient::send_image`] sends.
fn image_message(
    to: Recipient,
    media: MediaRef,
    caption: Option<&str>,
) -> Result<OutboundMessage, ValidationError> {
    let mut image = MediaMessage::image(media)?;
    if let Some(c) = caption {
        image = image.caption(c)?;
    }
    OutboundMessage::media(to, image)
}

impl GraphClient {
    /// Sends a text message (Cloud API "Send messages: text messages",
    /// `POST /{phone_number_id}/messages` with `"type":"text"`).
    ///
    /// `to` is a [`Recipient`], or a phone number (E.164 digits, a leading `+`
    /// tolerated) or a BSUID as a string (see [`Recipient`]'s `From<&str>`). The body
    /// must not be empty and at most 4096 characters; it is never cut. Outside the
    /// 24-hour customer service window Meta refuses it (131047): send a template.
    ///
    /// Same as `send_message(&OutboundMessage::text(to, body)?)`.
    pub async fn send_text(
        &self,
        to: impl Into<Recipient>,
        body: impl Into<String>,
    ) -> Result<SendMessageResponse, GraphError> {
        let msg = OutboundMessage::text(to.into(), body)?;
        self.send_message(&msg).await
    }

    /// Sends an approved template with positional body parameters `{{1}}..{{n}}`
    /// (Cloud API "Send template messages"): the only kind allowed outside the
    /// 24-hour customer service window.
    ///
    /// `name` is the template's name as approved in WhatsApp Manager, `language` its
    /// language code (`en_US`, `pt_BR`). With no parameters no body component is sent
    /// (e.g. `hello_world`). Each parameter must not be empty and must not contain a
    /// newline, a tab or more than 4 consecutive spaces; a wrong count or an
    /// unapproved template is refused by Meta (132000, 132001).
    ///
    /// Same as `send_message(&OutboundMessage::template(to,
    /// Template::new(name, language).body_parameters(params)?)?)`; for header, button or
    /// named parameters, build the [`Template`].
    pub async fn send_template(
        &self,
        to: impl Into<Recipient>,
        name: impl Into<String>,
        language: impl Into<String>,
        body_parameters: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<SendMessageResponse, GraphError> {
        let params = body_parameters.into_iter().map(Into::into).collect();
        let msg = template_message(to.into(), name.into(), language.into(), params)?;
        self.send_message(&msg).await
    }

    /// Sends an image by uploaded media id or public link, with an optional caption
    /// (Cloud API "Send messages: media messages", `"type":"image"`).
    ///
    /// `media` is a [`MediaRef`], or the answer of [`GraphClient::upload_media`]
    /// ([`crate::MediaUploaded`] converts into [`MediaRef::Id`]). A link must be an
    /// absolute http(s) URL Meta can download (JPEG or PNG, at most 5 MB); the caption
    /// is at most 1024 characters.
    ///
    /// Same as `send_message(&OutboundMessage::media(to,
    /// MediaMessage::image(media)?.caption(caption)?)?)`.
    pub async fn send_image(
        &self,
        to: impl Into<Recipient>,
        media: impl Into<MediaRef>,
        caption: Option<&str>,
    ) -> Result<SendMessageResponse, GraphError> {
        let msg = image_message(to.into(), media.into(), caption)?;
        self.send_message(&msg).await
    }

    /// Uploads an image (`POST /{phone_number_id}/media`) and sends it (as
    /// [`GraphClient::send_image`] with the returned id), in one call.
    ///
    /// `mime_type` must be an image type Meta accepts (`image/jpeg`, `image/png`) and
    /// the file at most 5 MB. The recipient, MIME type, size, file name and caption
    /// are all checked before the upload, so a local refusal uploads nothing.
    ///
    /// When the upload succeeds but the send fails, the error is the send's, and the
    /// uploaded media stays on Meta's side for 30 days unused; to reuse an upload (or
    /// resend after [`GraphError::may_resend`]), call [`GraphClient::upload_media`] and
    /// [`GraphClient::send_image`] separately.
    pub async fn upload_and_send_image(
        &self,
        to: impl Into<Recipient>,
        bytes: impl Into<Bytes>,
        mime_type: &str,
        filename: impl Into<String>,
        caption: Option<&str>,
    ) -> Result<SendMessageResponse, GraphError> {
        let to = to.into();
        let upload = MediaUpload::new(bytes, mime_type, filename)?;
        if upload.kind() != MediaType::Image {
            return Err(ValidationError::new(
                "file",
                format!(
                    "{mime_type:?} is a {} type; upload_and_send_image takes an image (image/jpeg or image/png)",
                    upload.kind()
                ),
            )
            .into());
        }
        // Checks the recipient and caption before uploading anything.
        image_message(to.clone(), MediaRef::Id("pending-upload".into()), caption)?;
        let uploaded = self.upload_media(&upload).await?;
        let msg = image_message(to, uploaded.into(), caption)?;
        self.send_message(&msg).await
    }

    /// Reads an image file, uploads it (`POST /{phone_number_id}/media`) and sends it
    /// (as [`GraphClient::upload_and_send_image`]), in one call.
    ///
    /// The MIME type comes from the extension: `.jpg`/`.jpeg` is `image/jpeg`, `.png`
    /// is `image/png` (any case); the file name sent to Meta is the path's last part.
    /// Fails with [`GraphError::Validation`] and makes no request when the extension is
    /// another, the file cannot be read (the field is `path` and the message carries
    /// the I/O error) or it is over Meta's 5 MB image limit (checked from its size
    /// before it is read), or the recipient or caption (at most 1024 characters) is
    /// refused. The file is read whole into memory, off the async threads
    /// (`tokio::fs`).
    ///
    /// After the upload the errors and advice of [`GraphClient::upload_and_send_image`]
    /// apply.
    pub async fn send_image_file(
        &self,
        to: impl Into<Recipient>,
        path: impl AsRef<Path>,
        caption: Option<&str>,
    ) -> Result<SendMessageResponse, GraphError> {
        let path = path.as_ref();
        let mime_type = image_mime_for(path)?;
        let unreadable = |e: std::io::Error| {
            ValidationError::new("path", format!("cannot read {}: {e}", path.display()))
        };
        let len = tokio::fs::metadata(path).await.map_err(unreadable)?.len();
        if len > IMAGE_MAX_BYTES {
            return Err(ValidationError::new(
                "file",
                format!(
                    "{} is {len} bytes; Meta's limit for an image is {IMAGE_MAX_BYTES} bytes",
                    path.display()
                ),
            )
            .into());
        }
        let bytes = tokio::fs::read(path).await.map_err(unreadable)?;
        let filename = path
            .file_name()
            .map_or_else(|| "image".to_owned(), |n| n.to_string_lossy().into_owned());
        self.upload_and_send_image(to, bytes, mime_type, filename, caption)
            .await
    }

    /// Replies with text to an inbound webhook message: addressed to its sender
    /// ([`Message::sender`]: the `wa_id`, or the BSUID for users without one) and
    /// quoting it (`context.message_id` = its `wamid`).
    ///
    /// Fails with [`GraphError::Validation`] (no request made) when the message names
    /// no sender, or when the body is empty or over 4096 characters. The 24-hour
    /// customer service window opened by the inbound message applies.
    ///
    /// Same as `send_message(&OutboundMessage::text(message.sender()?,
    /// body)?.reply_to(message.wamid()))`.
    pub async fn reply_text(
        &self,
        message: &Message,
        body: impl Into<String>,
    ) -> Result<SendMessageResponse, GraphError> {
        let to = Recipient::try_from(message)?;
        let msg = OutboundMessage::text(to, body)?.reply_to(message.wamid());
        self.send_message(&msg).await
    }
}
