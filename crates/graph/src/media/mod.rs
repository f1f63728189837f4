//! Media: upload, retrieve the URL, download as a stream, delete (Cloud API "Media").
//!
//! - `POST /{phone_number_id}/media` (multipart): [`GraphClient::upload_media`], after
//!   [`MediaUpload::new`] checked the MIME type and size against Meta's limits;
//! - `GET /{media_id}`: [`GraphClient::media_info`] (URL valid for 5 minutes, MIME
//!   type, SHA-256, size);
//! - the URL itself: [`GraphClient::download_media`] (by id, re-fetching the URL once
//!   when it expired) and [`GraphClient::download_media_url`]. The bearer token goes
//!   only to Meta's hosts (`*.facebook.com`, `*.fbcdn.net`, `*.whatsapp.net`, over
//!   https) and to the configured base URL's origin; the SHA-256 is checked when given;
//! - `DELETE /{media_id}`: [`GraphClient::delete_media`];
//! - with the crate feature `stream`, `POST /{phone_number_id}/media` from a file on disk,
//!   read as it is sent: `GraphClient::upload_media_file` with a `MediaFile`.
//!
//! This module holds Meta's limits and the request and answer types; `client` the operations.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::fmt;

#[cfg(doc)]
use crate::client::GraphClient;
use crate::messages::{MediaType, ValidationError};

pub(crate) const MB: u64 = 1024 * 1024;
/// Meta's upload limit for images (`image/jpeg`, `image/png`): 5 MB.
pub const IMAGE_MAX_BYTES: u64 = 5 * MB;
/// Meta's upload limit for audio: 16 MB.
pub const AUDIO_MAX_BYTES: u64 = 16 * MB;
/// Meta's upload limit for video: 16 MB.
pub const VIDEO_MAX_BYTES: u64 = 16 * MB;
/// Meta's upload limit for documents: 100 MB.
pub const DOCUMENT_MAX_BYTES: u64 = 100 * MB;
/// Meta's limit for a static sticker (`image/webp`): 100 KB.
pub const STATIC_STICKER_MAX_BYTES: u64 = 100 * 1024;
/// Meta's limit for an animated sticker (`image/webp`): 500 KB.
pub const ANIMATED_STICKER_MAX_BYTES: u64 = 500 * 1024;

/// The MIME types Meta accepts, by media kind (Cloud API "Supported media types").
/// `video/3gp` is accepted as an alias of `video/3gpp`.
pub const SUPPORTED_MIME_TYPES: &[(&str, MediaType)] = &[
    ("audio/aac", MediaType::Audio),
    ("audio/amr", MediaType::Audio),
    ("audio/mpeg", MediaType::Audio),
    ("audio/mp4", MediaType::Audio),
    ("audio/ogg", MediaType::Audio),
    ("text/plain", MediaType::Document),
    ("application/pdf", MediaType::Document),
    ("application/msword", MediaType::Document),
    ("application/vnd.ms-excel", MediaType::Document),
    ("application/vnd.ms-powerpoint", MediaType::Document),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        MediaType::Document,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        MediaType::Document,
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        MediaType::Document,
    ),
    ("image/jpeg", MediaType::Image),
    ("image/png", MediaType::Image),
    ("image/webp", MediaType::Sticker),
    ("video/mp4", MediaType::Video),
    ("video/3gpp", MediaType::Video),
    ("video/3gp", MediaType::Video),
];

/// Meta's upload limit in bytes for `kind` (`animated` matters for stickers only).
pub fn max_upload_bytes(kind: MediaType, animated: bool) -> u64 {
    match kind {
        MediaType::Image => IMAGE_MAX_BYTES,
        MediaType::Audio => AUDIO_MAX_BYTES,
        MediaType::Video => VIDEO_MAX_BYTES,
        MediaType::Document => DOCUMENT_MAX_BYTES,
        MediaType::Sticker if animated => ANIMATED_STICKER_MAX_BYTES,
        MediaType::Sticker => STATIC_STICKER_MAX_BYTES,
    }
}

/// Parses a MIME type (parameters such as `; codecs=opus` understood) and says which
/// media kind Meta files it under. Errors name the supported types; `audio/ogg` with
/// a codec other than Opus is refused (WhatsApp plays only Opus in OGG).
///
/// ```
/// use wacloud_graph::media::media_type_for_mime;
/// use wacloud_graph::messages::MediaType;
/// let (kind, mime) = media_type_for_mime("audio/ogg; codecs=opus")?;
/// assert_eq!(kind, MediaType::Audio);
/// assert_eq!(mime.essence_str(), "audio/ogg");
/// assert_eq!(media_type_for_mime("video/3gp")?.0, MediaType::Video);
/// assert!(media_type_for_mime("image/gif").is_err());
/// # Ok::<(), wacloud_graph::ValidationError>(())
/// ```
pub fn media_type_for_mime(mime_type: &str) -> Result<(MediaType, mime::Mime), ValidationError> {
    let parsed: mime::Mime = mime_type
        .trim()
        .parse()
        .map_err(|_| ValidationError::new("type", format!("{mime_type:?} is not a MIME type")))?;
    let essence = parsed.essence_str().to_ascii_lowercase();
    let kind = SUPPORTED_MIME_TYPES
        .iter()
        .find(|(m, _)| *m == essence)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            ValidationError::new(
                "type",
                format!(
                    "WhatsApp does not accept {essence}; supported: {}",
                    SUPPORTED_MIME_TYPES
                        .iter()
                        .map(|(m, _)| *m)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
    if essence == "audio/ogg" {
        if let Some(codec) = parsed.get_param("codecs") {
            if !codec.as_str().eq_ignore_ascii_case("opus") {
                return Err(ValidationError::new(
                    "type",
                    format!("audio/ogg with codecs={codec} is not accepted; WhatsApp plays only Opus in OGG"),
                ));
            }
        }
    }
    Ok((kind, parsed))
}

/// True when `bytes` is an animated WebP (a `VP8X` header with the animation flag, or
/// an `ANIM` chunk).
pub fn is_animated_webp(bytes: &[u8]) -> bool {
    if bytes.len() < 21 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return false;
    }
    if &bytes[12..16] == b"VP8X" && bytes[20] & 0x02 != 0 {
        return true;
    }
    bytes.windows(4).take(4096).any(|w| w == b"ANIM")
}

/// A file to upload, checked against Meta's limits when built.
#[derive(Clone)]
pub struct MediaUpload {
    bytes: Bytes,
    mime: mime::Mime,
    kind: MediaType,
    animated: bool,
    filename: String,
}

impl fmt::Debug for MediaUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaUpload")
            .field("kind", &self.kind)
            .field("mime_type", &self.mime.as_ref())
            .field("len", &self.bytes.len())
            .field("animated", &self.animated)
            .field("filename", &self.filename)
            .finish()
    }
}

impl MediaUpload {
    /// The file `bytes` of MIME type `mime_type` (e.g. `image/jpeg`, `audio/ogg;
    /// codecs=opus`), sent under `filename`.
    ///
    /// Errors ([`ValidationError`], no request made) when the MIME type is not one
    /// Meta accepts, the file is empty, or it exceeds the kind's limit (image 5 MB,
    /// audio and video 16 MB, document 100 MB, sticker 100 KB static / 500 KB animated).
    pub fn new(
        bytes: impl Into<Bytes>,
        mime_type: &str,
        filename: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let bytes = bytes.into();
        let (kind, mime) = media_type_for_mime(mime_type)?;
        let animated = kind == MediaType::Sticker && is_animated_webp(&bytes);
        let len = bytes.len() as u64;
        if len == 0 {
            return Err(ValidationError::new("file", "the file to upload is empty"));
        }
        let limit = max_upload_bytes(kind, animated);
        if len > limit {
            let what = match (kind, animated) {
                (MediaType::Sticker, true) => "animated sticker".to_owned(),
                (MediaType::Sticker, false) => "static sticker".to_owned(),
                (k, _) => k.to_string(),
            };
            return Err(ValidationError::new(
                "file",
                format!("the {what} is {len} bytes; Meta's limit is {limit} bytes"),
            ));
        }
        let filename = filename.into();
        if filename.trim().is_empty() {
            return Err(ValidationError::new("file", "the file name is empty"));
        }
        Ok(Self {
            bytes,
            mime,
            kind,
            animated,
            filename,
        })
    }

    /// The media kind Meta files this under.
    pub fn kind(&self) -> MediaType {
        self.kind
    }

    /// The MIME type as given, parameters included.
    pub fn mime_type(&self) -> &str {
        self.mime.as_ref()
    }

    /// The size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Never true: an empty file is refused by [`MediaUpload::new`].
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// True for an animated WebP sticker.
    pub fn is_animated(&self) -> bool {
        self.animated
    }
}

/// The `type` form field of an upload: the MIME essence, `video/3gp` sent as `video/3gpp`.
fn type_field(mime: &mime::Mime) -> String {
    match mime.essence_str() {
        "video/3gp" => "video/3gpp".to_owned(),
        e => e.to_owned(),
    }
}

/// Meta's answer to an upload: `{"id": media_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaUploaded {
    /// The media id, to send ([`crate::messages::MediaRef::Id`]) or delete; valid 30 days.
    #[serde(deserialize_with = "crate::de::id")]
    pub id: String,
}

impl From<MediaUploaded> for crate::messages::MediaRef {
    /// The id of an upload ([`crate::GraphClient::upload_media`]'s answer), to send.
    fn from(u: MediaUploaded) -> Self {
        crate::messages::MediaRef::Id(u.id)
    }
}

impl From<&MediaUploaded> for crate::messages::MediaRef {
    /// The id of an upload ([`crate::GraphClient::upload_media`]'s answer), to send.
    fn from(u: &MediaUploaded) -> Self {
        crate::messages::MediaRef::Id(u.id.clone())
    }
}

/// `GET /{media_id}`: `{"messaging_product","url","mime_type","sha256","file_size","id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaInfo {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// The download URL; valid for 5 minutes and only with the access token.
    pub url: String,
    /// The MIME type.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// SHA-256 of the file (hex or base64, as Meta gives it).
    #[serde(default)]
    pub sha256: Option<String>,
    /// Size in bytes (Meta sends a string or a number).
    #[serde(default, deserialize_with = "crate::de::opt_int")]
    pub file_size: Option<i64>,
    /// The media id.
    #[serde(default, deserialize_with = "crate::de::opt_id")]
    pub id: Option<String>,
}

mod client;
#[cfg(feature = "stream")]
mod file;

pub use client::{MediaDownload, META_MEDIA_HOSTS};
#[cfg(feature = "stream")]
pub use file::MediaFile;
