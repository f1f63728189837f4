//! Media files between operators, wacloud and Meta: the cache ([`cache`]) and the Graph calls
//! `POST /media` and `GET /messages/{id}/media` make (upload from a file, download into the
//! cache), with Meta's errors turned into the API's.

pub mod cache;

use std::io;

use actix_web::http::StatusCode;
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use wacloud_graph::media::MediaFile;
use wacloud_graph::{GraphClient, GraphError};

use crate::errors::ApiError;
pub use cache::MediaCache;

/// The Graph client media goes through (none in live mode without a token) and the cache.
#[derive(Debug)]
pub struct MediaService {
    client: Option<GraphClient>,
    /// The cache.
    pub cache: MediaCache,
}

/// Why a download from Meta gave nothing.
#[derive(Debug)]
pub enum FetchError {
    /// Meta no longer has the media (an unknown or expired id, a gone URL).
    Gone,
    /// Anything else, as the API answers it.
    Api(ApiError),
}

impl MediaService {
    /// Media through `client` (`None`: media endpoints answer 503 `not_configured`), cached
    /// in `cache`.
    #[must_use]
    pub fn new(client: Option<GraphClient>, cache: MediaCache) -> Self {
        Self { client, cache }
    }

    fn client(&self) -> Result<&GraphClient, ApiError> {
        self.client.as_ref().ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                "WHATSAPP_API_TOKEN and WHATSAPP_PHONE_NUMBER_ID are not set: there is no Meta account to exchange media with",
            )
        })
    }

    /// Uploads `file` to Meta (`POST /{phone_number_id}/media`) and answers its media id.
    ///
    /// # Errors
    /// 503 without a client; 502 `upload_refused` (with Meta's `graph` error) or
    /// `meta_unreachable`; 504 `meta_timeout`.
    pub async fn upload(&self, file: &MediaFile) -> Result<String, ApiError> {
        let client = self.client()?;
        client
            .upload_media_file(file)
            .await
            .map(|u| u.id)
            .map_err(|e| graph_failure(&e, "upload_refused", "Meta refused the upload"))
    }

    /// Downloads media `id` from Meta into the cache (checking Meta's SHA-256) and opens it.
    ///
    /// # Errors
    /// [`FetchError::Gone`] when Meta does not know the id (expired) or its file is gone;
    /// [`FetchError::Api`] otherwise.
    pub async fn fetch(&self, id: &str) -> Result<(tokio::fs::File, u64), FetchError> {
        let client = self.client().map_err(FetchError::Api)?;
        let mut download = client.download_media(id).await.map_err(|e| {
            if expired(&e) {
                FetchError::Gone
            } else {
                FetchError::Api(graph_failure(
                    &e,
                    "download_failed",
                    "the media could not be fetched from Meta",
                ))
            }
        })?;
        let temp = self.cache.temp_file().map_err(io_failure)?;
        let (std_file, path) = temp.into_parts();
        let mut out = tokio::fs::File::from_std(std_file);
        while let Some(chunk) = download.next().await {
            let chunk = chunk.map_err(|e| {
                FetchError::Api(graph_failure(
                    &e,
                    "download_failed",
                    "the media could not be fetched from Meta",
                ))
            })?;
            out.write_all(&chunk).await.map_err(io_failure)?;
        }
        out.flush().await.map_err(io_failure)?;
        drop(out);
        let reopened = std::fs::File::open(&path).map_err(io_failure)?;
        let len = reopened.metadata().map_err(io_failure)?.len();
        // Kept open: the cache may remove the file at once (it alone is over the limit), and
        // an open file is still read whole.
        let file = tokio::fs::File::from_std(reopened);
        self.cache.put(id, path).await.map_err(io_failure)?;
        Ok((file, len))
    }
}

fn io_failure(e: io::Error) -> FetchError {
    FetchError::Api(ApiError::internal(&format!("media cache: {e}")))
}

/// Meta's answer for a media id it does not have (any more): code 100 (a missing object), or
/// a 404 from the download URL.
fn expired(e: &GraphError) -> bool {
    match e {
        GraphError::Api(a) => a.code == 100 || a.http_status == 404 || a.http_status == 410,
        GraphError::Decode { status, .. } => matches!(*status, 404 | 410),
        _ => false,
    }
}

/// A failed Graph call as the API answers it: 504 for a timeout, 502 otherwise, with Meta's
/// error object when there is one.
fn graph_failure(e: &GraphError, code: &str, what: &str) -> ApiError {
    match e {
        GraphError::Timeout { .. } => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "meta_timeout",
            format!("{what}: {e}"),
        ),
        GraphError::Transport(_) | GraphError::Interrupted { .. } => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "meta_unreachable",
            format!("{what}: {e}"),
        ),
        GraphError::Api(a) => ApiError::new(StatusCode::BAD_GATEWAY, code, format!("{what}: {e}"))
            .with(
                "graph",
                serde_json::json!({ "code": a.code, "message": a.message, "details": a.details }),
            ),
        _ => ApiError::new(StatusCode::BAD_GATEWAY, code, format!("{what}: {e}")),
    }
}
