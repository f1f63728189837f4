//! Meta's Resumable Upload API: upload a file to the app, get a **file handle**
//! (`h`, e.g. `4::aW1hZ2UvanBlZw==:ARb…`) for a template header sample
//! (`example.header_handle`) or a business profile picture
//! (`profile_picture_handle`).
//!
//! 1. `POST /{app_id}/uploads?file_name=…&file_length=…&file_type=…` opens an upload
//!    session and answers its id, `upload:…` (it may carry `?sig=…`, kept as is);
//! 2. `POST /{upload_id}` with the headers `Authorization: OAuth {token}` and
//!    `file_offset: {n}` and the raw bytes from `n` on answers `{"h": handle}`;
//! 3. after an interrupted upload, `GET /{upload_id}` (same OAuth header) answers
//!    `{"id", "file_offset"}`: send again from that offset.
//!
//! File types Meta takes: `application/pdf`, `image/jpeg`, `image/jpg`, `image/png`,
//! `video/mp4`. Errors: 100 (invalid parameter, e.g. a type it refuses or a
//! `file_offset` that is not where the session stands), 190 (token), 200 (the app is
//! not the token's), 1 and 2 (temporary: resume from the session's offset).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::{GraphClient, Payload};
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::node::id_arg;
use crate::retry::RequestKind;

/// The MIME types the Resumable Upload API takes.
pub const RESUMABLE_UPLOAD_TYPES: [&str; 5] = [
    "application/pdf",
    "image/jpeg",
    "image/jpg",
    "image/png",
    "video/mp4",
];

/// An upload session: `{"id": "upload:…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadSession {
    /// The session's id, `upload:…` (with `?sig=…` when Meta adds it).
    pub id: String,
}

/// Where an upload session stands: `{"id", "file_offset"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadSessionStatus {
    /// The session's id.
    pub id: String,
    /// Bytes Meta has received; the next chunk starts here.
    #[serde(deserialize_with = "crate::de::ts")]
    pub file_offset: i64,
}

/// The file handle of a finished upload: `{"h": "4::aW1…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadedFileHandle {
    /// The handle, for `header_handle` or `profile_picture_handle`.
    pub h: String,
}

fn check_upload_id(upload_id: &str) -> Result<(), ValidationError> {
    if !upload_id.starts_with("upload:")
        || upload_id.chars().any(char::is_whitespace)
        || upload_id.contains('#')
    {
        return Err(ValidationError::new(
            "upload_id",
            format!("{upload_id:?} is not an upload session id (upload:…)"),
        ));
    }
    Ok(())
}

impl GraphClient {
    /// The URL of an upload session: the id goes into the path as Meta gives it (its
    /// `upload:` prefix and any `?sig=…` are part of the address).
    fn upload_url(&self, upload_id: &str) -> Result<String, GraphError> {
        check_upload_id(upload_id)?;
        Ok(format!(
            "{}/{}/{}",
            self.base_url(),
            self.api_version(),
            upload_id
        ))
    }

    /// Opens an upload session on the app `app_id` for a file of `file_length` bytes
    /// (1 or more) named `file_name`, of `file_type` (one of
    /// [`RESUMABLE_UPLOAD_TYPES`]).
    pub async fn create_upload_session(
        &self,
        app_id: &str,
        file_name: &str,
        file_length: u64,
        file_type: &str,
    ) -> Result<UploadSession, GraphError> {
        id_arg("app_id", "the app id", app_id)?;
        if file_name.trim().is_empty() {
            return Err(ValidationError::new("file_name", "the file name is empty").into());
        }
        if file_length == 0 {
            return Err(ValidationError::new("file_length", "the file is empty").into());
        }
        if !RESUMABLE_UPLOAD_TYPES.contains(&file_type) {
            return Err(ValidationError::new(
                "file_type",
                format!("{file_type:?} is not one of {RESUMABLE_UPLOAD_TYPES:?}"),
            )
            .into());
        }
        let length = file_length.to_string();
        self.write_node(
            Method::POST,
            &[app_id, "uploads"],
            &[
                ("file_name", file_name),
                ("file_length", &length),
                ("file_type", file_type),
            ],
            None,
            "upload session answer",
        )
        .await
    }

    /// Sends `bytes`, the file from `file_offset` on (`POST /{upload_id}` with the
    /// `file_offset` header and `Authorization: OAuth …`), and answers the handle once
    /// Meta has the whole file. A write: not replayed after a timeout; ask
    /// [`GraphClient::upload_session_status`] where to resume.
    pub async fn upload_file_data(
        &self,
        upload_id: &str,
        file_offset: u64,
        bytes: bytes::Bytes,
    ) -> Result<UploadedFileHandle, GraphError> {
        let url = self.upload_url(upload_id)?;
        let (status, body) = self
            .execute(
                Method::POST,
                &url,
                &[],
                &Payload::UploadChunk { bytes, file_offset },
                RequestKind::Write,
                None,
            )
            .await?;
        Self::decode(status, &body, "upload answer")
    }

    /// Where the upload session stands (`GET /{upload_id}`): resume from its
    /// `file_offset`.
    pub async fn upload_session_status(
        &self,
        upload_id: &str,
    ) -> Result<UploadSessionStatus, GraphError> {
        let url = self.upload_url(upload_id)?;
        let (status, body) = self
            .execute(
                Method::GET,
                &url,
                &[],
                &Payload::OAuthOnly,
                RequestKind::Read,
                None,
            )
            .await?;
        Self::decode(status, &body, "upload session status")
    }

    /// Opens a session and sends the whole file at once: the handle for a template
    /// header sample or a profile picture.
    pub async fn resumable_upload(
        &self,
        app_id: &str,
        file_name: &str,
        file_type: &str,
        bytes: bytes::Bytes,
    ) -> Result<UploadedFileHandle, GraphError> {
        let session = self
            .create_upload_session(app_id, file_name, bytes.len() as u64, file_type)
            .await?;
        self.upload_file_data(&session.id, 0, bytes).await
    }
}
