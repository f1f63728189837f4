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
//! - `DELETE /{media_id}`: [`GraphClient::delete_media`].

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, RETRY_AFTER, USER_AGENT};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::client::{
    error_from, excerpt, map_reqwest, parse_retry_after, request_label, GraphClient, Payload,
    USER_AGENT_VALUE,
};
use crate::error::GraphError;
use crate::messages::{MediaType, ValidationError};
use crate::retry::RequestKind;

const MB: u64 = 1024 * 1024;
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

    /// The `type` form field: the MIME essence, `video/3gp` sent as `video/3gpp`.
    fn type_field(&self) -> String {
        match self.mime.essence_str() {
            "video/3gp" => "video/3gpp".to_owned(),
            e => e.to_owned(),
        }
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

/// A download in progress: a stream of byte chunks (`Stream<Item = Result<Bytes,
/// GraphError>>`) with the answer's MIME type and length. When a SHA-256 was given,
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

    /// Reads the whole file into memory (checking the SHA-256 when given).
    pub async fn bytes(mut self) -> Result<Bytes, GraphError> {
        let mut out = Vec::with_capacity(self.content_length.unwrap_or(0).min(16 * MB) as usize);
        while let Some(chunk) = self.stream.next().await {
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
        let url = self.node_url(&[self.phone_number_id(), "media"]);
        let u = upload.clone();
        let payload = Payload::Multipart(Box::new(move || {
            let part = reqwest::multipart::Part::stream(u.bytes.clone())
                .file_name(u.filename.clone())
                .mime_str(u.mime.as_ref())
                .map_err(|e| GraphError::Config(format!("MIME type for the upload: {e}")))?;
            Ok(reqwest::multipart::Form::new()
                .text("messaging_product", "whatsapp")
                .text("type", u.type_field())
                .part("file", part))
        }));
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
            stream: stream.boxed(),
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
