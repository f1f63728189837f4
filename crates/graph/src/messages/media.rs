//! Media messages (`"type": "image" | "audio" | "video" | "document" | "sticker"`), by
//! uploaded media id or by public link (Cloud API "Send messages: media messages").

use serde_json::{Map, Value};

use super::template::MediaRef;
use super::validation::{self, ValidationError, CAPTION_MAX_CHARS};

/// The five kinds of WhatsApp media, as Meta names them in a message's `type` and in
/// the upload limits (see [`crate::media::max_upload_bytes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MediaType {
    /// `image`: JPEG or PNG, up to 5 MB; caption allowed.
    Image,
    /// `audio`: AAC, AMR, MP3, MP4 audio or OGG/Opus, up to 16 MB; no caption.
    Audio,
    /// `video`: MP4 or 3GPP, up to 16 MB; caption allowed.
    Video,
    /// `document`: PDF, Office files or plain text, up to 100 MB; caption and file name.
    Document,
    /// `sticker`: WebP, up to 100 KB static or 500 KB animated; no caption.
    Sticker,
}

impl MediaType {
    /// Meta's name: `image`, `audio`, `video`, `document` or `sticker`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Audio => "audio",
            MediaType::Video => "video",
            MediaType::Document => "document",
            MediaType::Sticker => "sticker",
        }
    }

    /// True for the kinds that take a caption (image, video, document).
    pub fn takes_caption(self) -> bool {
        matches!(
            self,
            MediaType::Image | MediaType::Video | MediaType::Document
        )
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The content of a media message: the kind, the media (id or link), and for the
/// kinds that allow them a caption (≤ 1024 characters) and, for documents, a file name.
///
/// ```
/// use wacloud_graph::messages::{MediaMessage, MediaRef};
/// let doc = MediaMessage::document(MediaRef::Link("https://example.com/invoice.pdf".into()))?
///     .caption("Your invoice")?
///     .filename("invoice-1042.pdf")?;
/// assert_eq!(doc.to_json()["filename"], "invoice-1042.pdf");
/// # Ok::<(), wacloud_graph::messages::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaMessage {
    kind: MediaType,
    media: MediaRef,
    caption: Option<String>,
    filename: Option<String>,
}

impl MediaMessage {
    /// Media of `kind`. Errors when the id is blank or the link is not an absolute
    /// http(s) URL.
    pub fn new(kind: MediaType, media: MediaRef) -> Result<Self, ValidationError> {
        check_ref(kind, &media)?;
        Ok(Self {
            kind,
            media,
            caption: None,
            filename: None,
        })
    }

    /// An image (`image/jpeg`, `image/png`).
    pub fn image(media: MediaRef) -> Result<Self, ValidationError> {
        Self::new(MediaType::Image, media)
    }

    /// An audio file or voice note.
    pub fn audio(media: MediaRef) -> Result<Self, ValidationError> {
        Self::new(MediaType::Audio, media)
    }

    /// A video.
    pub fn video(media: MediaRef) -> Result<Self, ValidationError> {
        Self::new(MediaType::Video, media)
    }

    /// A document.
    pub fn document(media: MediaRef) -> Result<Self, ValidationError> {
        Self::new(MediaType::Document, media)
    }

    /// A sticker (`image/webp`).
    pub fn sticker(media: MediaRef) -> Result<Self, ValidationError> {
        Self::new(MediaType::Sticker, media)
    }

    /// A caption of at most 1024 characters; image, video and document only (Meta
    /// rejects captions on audio and stickers).
    pub fn caption(mut self, caption: impl Into<String>) -> Result<Self, ValidationError> {
        let caption = caption.into();
        check_caption(self.kind, &caption)?;
        self.caption = Some(caption);
        Ok(self)
    }

    /// The file name shown to the customer (documents only), e.g. `invoice.pdf`.
    pub fn filename(mut self, filename: impl Into<String>) -> Result<Self, ValidationError> {
        let filename = filename.into();
        check_filename(self.kind, &filename)?;
        self.filename = Some(filename);
        Ok(self)
    }

    /// The kind of media.
    pub fn kind(&self) -> MediaType {
        self.kind
    }

    /// The media id or link.
    pub fn media(&self) -> &MediaRef {
        &self.media
    }

    /// The caption, if any.
    pub fn caption_text(&self) -> Option<&str> {
        self.caption.as_deref()
    }

    /// Checks every limit again.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_ref(self.kind, &self.media)?;
        if let Some(c) = &self.caption {
            check_caption(self.kind, c)?;
        }
        if let Some(f) = &self.filename {
            check_filename(self.kind, f)?;
        }
        Ok(())
    }

    /// The media object: `{"id"|"link", "caption"?, "filename"?}`.
    pub fn to_json(&self) -> Value {
        let mut m: Map<String, Value> = self.media.to_json_map();
        if let Some(c) = &self.caption {
            m.insert("caption".into(), Value::String(c.clone()));
        }
        if let Some(f) = &self.filename {
            m.insert("filename".into(), Value::String(f.clone()));
        }
        Value::Object(m)
    }
}

pub(crate) fn check_ref(kind: MediaType, media: &MediaRef) -> Result<(), ValidationError> {
    let field = format!("{}.{}", kind.as_str(), media.key());
    match media {
        MediaRef::Id(id) => validation::id_value(&field, &format!("{kind} media id"), id),
        MediaRef::Link(l) => validation::http_link(&field, &format!("{kind} link"), l),
    }
}

fn check_caption(kind: MediaType, caption: &str) -> Result<(), ValidationError> {
    let field = format!("{}.caption", kind.as_str());
    if !kind.takes_caption() {
        return Err(ValidationError::new(
            field,
            format!("a {kind} message cannot have a caption; only image, video and document can"),
        ));
    }
    validation::max_chars(
        &field,
        &format!("{kind} caption"),
        caption,
        CAPTION_MAX_CHARS,
    )
}

fn check_filename(kind: MediaType, filename: &str) -> Result<(), ValidationError> {
    let field = format!("{}.filename", kind.as_str());
    if kind != MediaType::Document {
        return Err(ValidationError::new(
            field,
            format!("a {kind} message cannot have a file name; only documents can"),
        ));
    }
    if filename.trim().is_empty() || filename.contains(['/', '\\', '\n', '\r']) {
        return Err(ValidationError::new(
            field,
            format!("document file name {filename:?} must be a non-empty name without path separators or line breaks"),
        ));
    }
    Ok(())
}
