//! The media operations on [`GraphClient`] and the download stream they answer.

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, RETRY_AFTER, USER_AGENT};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{MediaInfo, MediaUpload, MediaUploaded, MB};
use crate::client::{
    error_from, excerpt, map_reqwest, parse_retry_after, request_label, GraphClient, Payload,
    USER_AGENT_VALUE,
};
use crate::error::GraphError;
use crate::messages::ValidationError;
use crate::retry::RequestKind;

/// A download in progress: a stream of byte chunks (`Stream<Item = Result<Bytes,
/// GraphError>>`, or [`MediaDownload::chunk`] piece by piece) with the answer's MIME type
/// and length. When a SHA-256 was given,
/// the last item is an error ([`GraphError::MediaIntegrity`]) if the bytes differ.
pub struct MediaDownload {
    mime_type: Option<String>,
    content_length: Option<u64>,
    stream: BoxStream<'static, Result<Bytes, GraphError>>,
}

impl fmt::Debug for MediaDownload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaDownload")
            .field("mime_type", &self.mime_type)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl MediaDownload {
    /// The answer's `Content-Type`.
    pub fn mime_type(&self) -> Option<&str> {
        self.mime_type.as_deref()
    }

    /// The answer's `Content-Length`, when sent.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The next piece of the file as received (`None` at the end, and after it), the
    /// same item as the [`Stream`] implementation's, without needing the `futures` crate:
    /// write each piece to a file with `write_all(&piece?)`. When a SHA-256 was given and
    /// the bytes differ, the last item is [`GraphError::MediaIntegrity`]; a download that
    /// stalls or breaks ends with [`GraphError::Timeout`] or [`GraphError::Interrupted`].
    pub async fn chunk(&mut self) -> Option<Result<Bytes, GraphError>> {
        self.stream.next().await
    }

    /// Reads the whole file into memory (checking the SHA-256 when given).
    pub async fn bytes(mut self) -> Result<Bytes, GraphError> {
        let mut out = Vec::with_capacity(self.content_length.unwrap_or(0).min(16 * MB) as usize);
        while let Some(chunk) = self.chunk().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(out))
    }
}

impl Stream for MediaDownload {
    type Item = Result<Bytes, GraphError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}

/// Hosts that may receive the access token with a media download (over https).
pub const META_MEDIA_HOSTS: [&str; 3] = ["facebook.com", "fbcdn.net", "whatsapp.net"];

/// Parses Meta's `sha256` (64 hex digits or base64 of 32 bytes).
fn parse_sha256(s: &str) -> Result<[u8; 32], GraphError> {
    use base64::Engine as _;
    let s = s.trim();
    let bytes = if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(s).ok()
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s))
            .ok()
    };
    bytes
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            GraphError::Validation(ValidationError::new(
                "sha256",
                format!("{s:?} is not a SHA-256 in hex or base64"),
            ))
        })
}

impl GraphClient {
    /// True when a media download from `url` may carry the access token: https on
    /// `facebook.com`, `fbcdn.net` or `whatsapp.net` (or a subdomain), or the exact
    /// origin (scheme, host, port) of the configured base URL. Any other URL is
    /// fetched without the token.
    pub fn is_trusted_media_url(&self, url: &str) -> bool {
        let Ok(u) = url::Url::parse(url) else {
            return false;
        };
        if u.origin() == self.inner.base_origin {
            return true;
        }
        let Some(host) = u.host_str() else {
            return false;
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        u.scheme() == "https"
            && META_MEDIA_HOSTS
                .iter()
                .any(|d| host == *d || host.ends_with(&format!(".{d}")))
    }

    /// Uploads a file (`POST /{phone_number_id}/media`, multipart with
    /// `messaging_product=whatsapp`, `type` and `file`) and returns its media id.
    ///
    /// An upload is a write: it is retried only when Meta provably refused it.
    pub async fn upload_media(&self, upload: &MediaUpload) -> Result<MediaUploaded, GraphError> {
        let u = upload.clone();
        self.post_upload(Box::new(move || {
            upload_form(
                reqwest::multipart::Part::stream(u.bytes.clone()),
                &u.filename,
                &u.mime,
            )
        }))
        .await
    }

    /// `POST /{phone_number_id}/media` with the form `form` builds (again for each attempt), as
    /// a write, and Meta's `{"id"}`.
    pub(super) async fn post_upload(
        &self,
        form: Box<dyn Fn() -> Result<reqwest::multipart::Form, GraphError> + Send + Sync + 'static>,
    ) -> Result<MediaUploaded, GraphError> {
        let url = self.node_url(&[self.phone_number_id(), "media"]);
        let payload = Payload::Multipart(form);
        let (status, body) = self
            .execute(
                reqwest::Method::POST,
                &url,
                &[],
                &payload,
                RequestKind::Write,
                None,
            )
            .await?;
        Self::decode(status, &body, "media upload answer")
    }

    /// Retrieves a media's download URL and details (`GET /{media_id}`). The URL is
    /// valid for 5 minutes.
    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        check_media_id(media_id)?;
        let url = self.node_url(&[media_id]);
        let (status, body) = self
            .execute(
                reqwest::Method::GET,
                &url,
                &[],
                &Payload::None,
                RequestKind::Read,
                None,
            )
            .await?;
        Self::decode(status, &body, "media URL answer")
    }

    /// Deletes an uploaded media (`DELETE /{media_id}`).
    pub async fn delete_media(&self, media_id: &str) -> Result<(), GraphError> {
        check_media_id(media_id)?;
        let url = self.node_url(&[media_id]);
        let (status, body) = self
            .execute(
                reqwest::Method::DELETE,
                &url,
                &[],
                &Payload::None,
                RequestKind::Write,
                None,
            )
            .await?;
        crate::account::expect_success(status, &body, "media delete")
    }

    /// Downloads a media by id: retrieves its URL, then streams the file, checking
    /// Meta's SHA-256. When the download answers 401, 403 or 404 (the URL expired),
    /// the URL is retrieved once more and the download tried again.
    pub async fn download_media(&self, media_id: &str) -> Result<MediaDownload, GraphError> {
        let info = self.media_info(media_id).await?;
        match self
            .download_media_url(&info.url, info.sha256.as_deref())
            .await
        {
            Err(e) if is_expired(&e) => {
                let fresh = self.media_info(media_id).await?;
                self.download_media_url(&fresh.url, fresh.sha256.as_deref())
                    .await
            }
            other => other,
        }
    }

    /// Streams the file at `url` (from [`MediaInfo::url`] or a webhook's media
    /// `url`), sending the token only to a trusted host
    /// ([`GraphClient::is_trusted_media_url`]) and always a User-Agent (Meta's CDN
    /// refuses requests without one). When `expected_sha256` is given (hex or base64),
    /// the stream ends with [`GraphError::MediaIntegrity`] if the bytes differ.
    ///
    /// The configured timeout applies to the answer's headers and to each wait for
    /// the next chunk, not to the whole download.
    pub async fn download_media_url(
        &self,
        url: &str,
        expected_sha256: Option<&str>,
    ) -> Result<MediaDownload, GraphError> {
        let parsed = url::Url::parse(url).map_err(|e| {
            GraphError::Validation(ValidationError::new(
                "url",
                format!("the media URL is not a URL: {e}"),
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(GraphError::Validation(ValidationError::new(
                "url",
                "the media URL must be http or https",
            )));
        }
        let expected = expected_sha256.map(parse_sha256).transpose()?;
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        if self.is_trusted_media_url(url) {
            headers.insert(AUTHORIZATION, self.inner.auth.clone());
        }
        let timeout = self.inner.timeout;
        let label = request_label(&reqwest::Method::GET, url);
        let send = self.inner.http.get(parsed).headers(headers).send();
        let resp = match tokio::time::timeout(timeout, send).await {
            Err(_) => {
                return Err(GraphError::Timeout {
                    outcome_unknown: false,
                })
            }
            Ok(r) => r.map_err(|e| map_reqwest(e, true, &label))?,
        };
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let body = resp.bytes().await.unwrap_or_default();
            return Err(error_from(status, retry_after, &body, &label));
        }
        let mime_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_length = resp.content_length();
        let state = (
            resp,
            ring::digest::Context::new(&ring::digest::SHA256),
            expected,
            false,
        );
        let stream =
            futures_util::stream::unfold(state, move |(mut resp, mut ctx, expected, done)| {
                let label = label.clone();
                async move {
                    if done {
                        return None;
                    }
                    match tokio::time::timeout(timeout, resp.chunk()).await {
                        Err(_) => Some((
                            Err(GraphError::Timeout {
                                outcome_unknown: false,
                            }),
                            (resp, ctx, expected, true),
                        )),
                        Ok(Err(e)) => Some((
                            Err(map_reqwest(e, true, &label)),
                            (resp, ctx, expected, true),
                        )),
                        Ok(Ok(Some(chunk))) => {
                            ctx.update(&chunk);
                            Some((Ok(chunk), (resp, ctx, expected, false)))
                        }
                        Ok(Ok(None)) => {
                            let want = expected?;
                            let got = ctx.finish();
                            if got.as_ref() == want {
                                None
                            } else {
                                Some((
                                    Err(GraphError::MediaIntegrity {
                                        expected: hex::encode(want),
                                        actual: hex::encode(got.as_ref()),
                                    }),
                                    (
                                        resp,
                                        ring::digest::Context::new(&ring::digest::SHA256),
                                        None,
                                        true,
                                    ),
                                ))
                            }
                        }
                    }
                }
            });
        Ok(MediaDownload {
            mime_type,
            content_length,
            // Fused: `chunk` after the end answers `None` again instead of polling a
            // finished `unfold`, which panics.
            stream: stream.fuse().boxed(),
        })
    }
}

/// The answer to a download of an expired media URL.
fn is_expired(e: &GraphError) -> bool {
    let status = match e {
        GraphError::Api(a) => a.http_status,
        GraphError::Decode { status, .. } => *status,
        _ => return false,
    };
    matches!(status, 401 | 403 | 404)
}

fn check_media_id(id: &str) -> Result<(), GraphError> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(GraphError::Validation(ValidationError::new(
            "media_id",
            format!(
                "media id {:?} must be a non-empty id of letters and digits",
                excerpt(id.as_bytes())
            ),
        )));
    }
    Ok(())
}

/// The multipart form of an upload: `messaging_product=whatsapp`, the `type` field and `part` as
/// `file` with its name and MIME type.
pub(super) fn upload_form(
    part: reqwest::multipart::Part,
    filename: &str,
    mime: &mime::Mime,
) -> Result<reqwest::multipart::Form, GraphError> {
    let part = part
        .file_name(filename.to_owned())
        .mime_str(mime.as_ref())
        .map_err(|e| GraphError::Config(format!("MIME type for the upload: {e}")))?;
    Ok(reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", super::type_field(mime))
        .part("file", part))
}
