//! Uploading a file from disk without holding it in memory (feature `stream`): the multipart
//! body of `POST /{phone_number_id}/media` is read from the file as it is sent.

use std::fmt;
use std::path::{Path, PathBuf};

use super::client::upload_form;
use super::{max_upload_bytes, media_type_for_mime, MediaUploaded};
use crate::client::GraphClient;
use crate::error::GraphError;
use crate::messages::{MediaType, ValidationError};

/// A file on disk to upload (Cloud API "Upload media"), checked against Meta's MIME types and
/// per-kind limits when built: image 5 MB, audio and video 16 MB, document 100 MB, sticker
/// 500 KB (the animated limit: a static sticker's 100 KB is the caller's to check, from the
/// file's first bytes with [`super::is_animated_webp`]).
#[derive(Clone)]
pub struct MediaFile {
    path: PathBuf,
    len: u64,
    mime: mime::Mime,
    kind: MediaType,
    filename: String,
}

impl fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaFile")
            .field("path", &self.path)
            .field("len", &self.len)
            .field("mime_type", &self.mime.as_ref())
            .field("kind", &self.kind)
            .field("filename", &self.filename)
            .finish()
    }
}

impl MediaFile {
    /// The file at `path`, `len` bytes long (as written; the file must not change until the
    /// upload ends), of MIME type `mime_type`, sent under `filename`.
    ///
    /// Errors ([`ValidationError`], nothing read) when the MIME type is not one Meta accepts,
    /// `len` is 0 or over the kind's limit, or `filename` is blank.
    pub fn new(
        path: impl Into<PathBuf>,
        len: u64,
        mime_type: &str,
        filename: impl Into<String>,
    ) -> Result<Self, ValidationError> {
        let (kind, mime) = media_type_for_mime(mime_type)?;
        if len == 0 {
            return Err(ValidationError::new("file", "the file to upload is empty"));
        }
        let limit = max_upload_bytes(kind, true);
        if len > limit {
            return Err(ValidationError::new(
                "file",
                format!("the {kind} is {len} bytes; Meta's limit is {limit} bytes"),
            ));
        }
        let filename = filename.into();
        if filename.trim().is_empty() {
            return Err(ValidationError::new("file", "the file name is empty"));
        }
        Ok(Self {
            path: path.into(),
            len,
            mime,
            kind,
            filename,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Never true: an empty file is refused by [`MediaFile::new`].
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The media kind Meta files it under.
    pub fn kind(&self) -> MediaType {
        self.kind
    }
}

impl GraphClient {
    /// Uploads a file from disk (`POST /{phone_number_id}/media`, multipart with
    /// `messaging_product=whatsapp`, `type` and `file`) and returns its media id; the file is
    /// read as it is sent, never whole into memory. Needs the crate feature `stream`.
    ///
    /// An upload is a write: it is retried only when Meta provably refused it, reading the
    /// file again from its start. Errors: [`GraphError::Config`] when the file cannot be
    /// opened, Meta's refusal otherwise.
    pub async fn upload_media_file(&self, file: &MediaFile) -> Result<MediaUploaded, GraphError> {
        let f = file.clone();
        self.post_upload(Box::new(move || {
            let opened = std::fs::File::open(&f.path)
                .map_err(|e| GraphError::Config(format!("the file to upload: {e}")))?;
            let body = reqwest::Body::from(tokio::fs::File::from_std(opened));
            upload_form(
                reqwest::multipart::Part::stream_with_length(body, f.len),
                &f.filename,
                &f.mime,
            )
        }))
        .await
    }
}
