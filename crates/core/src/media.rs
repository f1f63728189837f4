//! Meta's rules for media files (Cloud API "Supported media types"): which MIME types each kind
//! takes and how large a file of each kind may be, checked before anything is sent to Meta;
//! the file name a download is offered under; how long Meta keeps a customer's media.
//!
//! No I/O: callers hand in what they have read (a MIME type, a byte count, a file's first
//! bytes).

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use crate::outbound::MediaKind;

/// One megabyte as Meta counts its media limits: 1,048,576 bytes.
pub const MB: u64 = 1024 * 1024;

/// Meta's limit for an image (`image/jpeg`, `image/png`), in bytes: 5 MB.
pub const IMAGE_MAX_BYTES: u64 = 5 * MB;
/// Meta's limit for a video (`video/mp4`, `video/3gpp`), in bytes: 16 MB.
pub const VIDEO_MAX_BYTES: u64 = 16 * MB;
/// Meta's limit for an audio file, in bytes: 16 MB.
pub const AUDIO_MAX_BYTES: u64 = 16 * MB;
/// Meta's limit for a document, in bytes: 100 MB (the largest of any kind).
pub const DOCUMENT_MAX_BYTES: u64 = 100 * MB;
/// Meta's limit for a static sticker (`image/webp`), in bytes: 100 KB.
pub const STATIC_STICKER_MAX_BYTES: u64 = 100 * 1024;
/// Meta's limit for an animated sticker (`image/webp`), in bytes: 500 KB.
pub const ANIMATED_STICKER_MAX_BYTES: u64 = 500 * 1024;

/// How long Meta keeps a customer's media for download after the message, in days; past it
/// only a copy already fetched can be served.
pub const INBOUND_MEDIA_DAYS: i64 = 7;

/// The MIME types Meta takes, with the kind each is sent as (Cloud API "Supported media
/// types"). `video/3gp` is Meta's spelling of `video/3gpp`; both are taken. `audio/ogg` is
/// taken with the Opus codec only.
pub const ACCEPTED_TYPES: &[(&str, MediaKind)] = &[
    ("image/jpeg", MediaKind::Image),
    ("image/png", MediaKind::Image),
    ("video/mp4", MediaKind::Video),
    ("video/3gpp", MediaKind::Video),
    ("video/3gp", MediaKind::Video),
    ("audio/aac", MediaKind::Audio),
    ("audio/amr", MediaKind::Audio),
    ("audio/mpeg", MediaKind::Audio),
    ("audio/mp4", MediaKind::Audio),
    ("audio/ogg", MediaKind::Audio),
    ("text/plain", MediaKind::Document),
    ("application/pdf", MediaKind::Document),
    ("application/msword", MediaKind::Document),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        MediaKind::Document,
    ),
    ("application/vnd.ms-excel", MediaKind::Document),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        MediaKind::Document,
    ),
    ("application/vnd.ms-powerpoint", MediaKind::Document),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        MediaKind::Document,
    ),
    ("image/webp", MediaKind::Sticker),
];

/// Why a file cannot go to Meta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaRefusal {
    /// Meta takes no file of this MIME type (as given, lower-cased essence).
    UnsupportedType(String),
    /// `audio/ogg` with a codec other than Opus.
    UnsupportedCodec(String),
    /// The file is larger than its kind allows.
    TooLarge {
        /// What the limit is for: `image`, `static sticker`, …
        what: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The file has no bytes.
    Empty,
}

impl fmt::Display for MediaRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedType(t) => write!(
                f,
                "WhatsApp does not take {t} files; accepted types: {}",
                accepted_list()
            ),
            Self::UnsupportedCodec(c) => write!(
                f,
                "audio/ogg is taken with the Opus codec only, not {c}; accepted types: {}",
                accepted_list()
            ),
            Self::TooLarge { what, limit } => write!(
                f,
                "a {what} may be at most {limit} bytes ({}); the file is larger",
                human(*limit)
            ),
            Self::Empty => f.write_str("the file is empty"),
        }
    }
}

/// Every accepted MIME type, comma-separated, for messages.
#[must_use]
pub fn accepted_list() -> String {
    ACCEPTED_TYPES
        .iter()
        .map(|(t, _)| *t)
        .collect::<Vec<_>>()
        .join(", ")
}

fn human(bytes: u64) -> String {
    if bytes >= MB {
        format!("{} MB", bytes / MB)
    } else {
        format!("{} KB", bytes / 1024)
    }
}

/// A MIME type Meta takes, with its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// The kind Meta sends it as.
    pub kind: MediaKind,
    /// The type as Meta spells it (lower-case essence; `video/3gp` as `video/3gpp`), for Meta's
    /// `type` field and the answer's `mime_type`.
    pub essence: String,
}

impl MediaType {
    /// Reads a `Content-Type` value (`image/png`, `audio/ogg; codecs=opus`).
    ///
    /// # Errors
    /// [`MediaRefusal::UnsupportedType`] for a type Meta does not take (or no type at all),
    /// [`MediaRefusal::UnsupportedCodec`] for `audio/ogg` with a codec other than Opus.
    pub fn parse(content_type: &str) -> Result<Self, MediaRefusal> {
        let mut parts = content_type.split(';');
        let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let kind = ACCEPTED_TYPES
            .iter()
            .find(|(t, _)| *t == essence)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                MediaRefusal::UnsupportedType(if essence.is_empty() {
                    "untyped".to_owned()
                } else {
                    essence.chars().take(100).collect()
                })
            })?;
        if essence == "audio/ogg" {
            for p in parts {
                if let Some((k, v)) = p.split_once('=') {
                    let v = v.trim().trim_matches('"');
                    if k.trim().eq_ignore_ascii_case("codecs") && !v.eq_ignore_ascii_case("opus") {
                        return Err(MediaRefusal::UnsupportedCodec(v.chars().take(50).collect()));
                    }
                }
            }
        }
        let essence = if essence == "video/3gp" {
            "video/3gpp".to_owned()
        } else {
            essence
        };
        Ok(Self { kind, essence })
    }

    /// The largest file Meta takes of this type, in bytes, before knowing whether a sticker is
    /// animated (the larger, animated limit for `image/webp`).
    #[must_use]
    pub fn ceiling(&self) -> u64 {
        max_bytes(self.kind, true)
    }

    /// Checks a file of `size` bytes whose first bytes are `head` (at least the first 64 KiB, or
    /// the whole file when shorter; only stickers look at it).
    ///
    /// # Errors
    /// [`MediaRefusal::Empty`], or [`MediaRefusal::TooLarge`] naming the kind's limit.
    pub fn check_size(&self, size: u64, head: &[u8]) -> Result<(), MediaRefusal> {
        if size == 0 {
            return Err(MediaRefusal::Empty);
        }
        let animated = self.kind == MediaKind::Sticker && is_animated_webp(head);
        let limit = max_bytes(self.kind, animated);
        if size > limit {
            return Err(MediaRefusal::TooLarge {
                what: limit_name(self.kind, animated),
                limit,
            });
        }
        Ok(())
    }

    /// The refusal for a file found, while it arrives, to be larger than [`ceiling`]
    /// (`Self::ceiling`).
    #[must_use]
    pub fn over_ceiling(&self) -> MediaRefusal {
        MediaRefusal::TooLarge {
            what: limit_name(self.kind, true),
            limit: self.ceiling(),
        }
    }
}

/// Meta's limit for `kind` in bytes (`animated` matters for stickers only).
#[must_use]
pub const fn max_bytes(kind: MediaKind, animated: bool) -> u64 {
    match kind {
        MediaKind::Image => IMAGE_MAX_BYTES,
        MediaKind::Video => VIDEO_MAX_BYTES,
        MediaKind::Audio => AUDIO_MAX_BYTES,
        MediaKind::Document => DOCUMENT_MAX_BYTES,
        MediaKind::Sticker if animated => ANIMATED_STICKER_MAX_BYTES,
        MediaKind::Sticker => STATIC_STICKER_MAX_BYTES,
    }
}

const fn limit_name(kind: MediaKind, animated: bool) -> &'static str {
    match kind {
        MediaKind::Sticker if animated => "animated sticker",
        MediaKind::Sticker => "static sticker",
        k => k.as_str(),
    }
}

/// True when `head` (a WebP file's first bytes) is an animated WebP: a `VP8X` header with
/// the animation flag, or an `ANIM` chunk among the first 4 KiB.
#[must_use]
pub fn is_animated_webp(head: &[u8]) -> bool {
    if head.len() < 21 || &head[0..4] != b"RIFF" || &head[8..12] != b"WEBP" {
        return false;
    }
    if &head[12..16] == b"VP8X" && head[20] & 0x02 != 0 {
        return true;
    }
    head.windows(4).take(4096).any(|w| w == b"ANIM")
}

/// The file name a download is offered under: `given` (a document's name, or an upload's)
/// stripped of any directory and of characters that could end or bend a header or a path
/// (controls, quotes, `\`, `/`, `;`), at most 200 characters; `fallback` when nothing is left.
/// The result is printable and never starts with a dot.
#[must_use]
pub fn download_name(given: Option<&str>, fallback: &str) -> String {
    let base = given
        .map(|g| g.rsplit(['/', '\\']).next().unwrap_or_default())
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/' | ';' | '\u{7f}'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

/// The extension a file of `mime_type` is named with when it has no name of its own.
#[must_use]
pub fn extension_for(mime_type: &str) -> &'static str {
    match mime_type.split(';').next().unwrap_or_default().trim() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/3gpp" | "video/3gp" => "3gp",
        "audio/aac" => "aac",
        "audio/amr" => "amr",
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/ogg" => "ogg",
        "text/plain" => "txt",
        "application/pdf" => "pdf",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.ms-powerpoint" => "ppt",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        _ => "bin",
    }
}

/// The MIME type Meta takes for a file named `filename`, from its extension (`None` when the
/// extension is not one of Meta's types): for uploads that arrive as
/// `application/octet-stream`.
#[must_use]
pub fn type_for_file_name(filename: &str) -> Option<&'static str> {
    let (_, ext) = filename.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    let ext = match ext.as_str() {
        "jpeg" => "jpg",
        "text" => "txt",
        e => e,
    };
    ACCEPTED_TYPES
        .iter()
        .map(|(t, _)| *t)
        .find(|t| *t != "video/3gp" && extension_for(t) == ext)
}

/// How long Meta keeps a file uploaded to it (`POST /media`), in days.
pub const UPLOADED_MEDIA_DAYS: i64 = 30;

/// Whether Meta may still hold media kept `days` after `created_at` ([`INBOUND_MEDIA_DAYS`]
/// for a customer's media, [`UPLOADED_MEDIA_DAYS`] for an upload).
#[must_use]
pub fn may_still_be_at_meta(created_at: DateTime<Utc>, days: i64, now: DateTime<Utc>) -> bool {
    now - created_at <= Duration::days(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_takes_its_types_and_refuses_others_naming_the_accepted_ones() {
        for (t, k) in ACCEPTED_TYPES {
            assert_eq!(MediaType::parse(t).unwrap().kind, *k, "{t}");
        }
        assert_eq!(
            MediaType::parse("Video/3GP").unwrap().essence,
            "video/3gpp",
            "Meta's spelling is sent as the registered one"
        );
        let e = MediaType::parse("image/gif").unwrap_err();
        assert_eq!(e, MediaRefusal::UnsupportedType("image/gif".into()));
        assert!(e.to_string().contains("image/jpeg, image/png"), "{e}");
        assert!(MediaType::parse("audio/ogg; codecs=opus").is_ok());
        assert_eq!(
            MediaType::parse("audio/ogg; codecs=vorbis").unwrap_err(),
            MediaRefusal::UnsupportedCodec("vorbis".into())
        );
        assert!(MediaType::parse("").is_err());
    }

    #[test]
    fn sizes_are_checked_against_the_kinds_limit() {
        let png = MediaType::parse("image/png").unwrap();
        assert!(png.check_size(IMAGE_MAX_BYTES, b"").is_ok());
        let e = png.check_size(IMAGE_MAX_BYTES + 1, b"").unwrap_err();
        assert_eq!(
            e,
            MediaRefusal::TooLarge {
                what: "image",
                limit: 5 * MB
            }
        );
        assert!(e.to_string().contains("5242880"), "{e}");
        assert_eq!(png.check_size(0, b""), Err(MediaRefusal::Empty));
        let pdf = MediaType::parse("application/pdf").unwrap();
        assert!(pdf.check_size(100 * MB, b"").is_ok());
        assert!(pdf.check_size(100 * MB + 1, b"").is_err());
        let webp = MediaType::parse("image/webp").unwrap();
        let mut animated = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0".to_vec();
        animated.extend([0x02, 0, 0, 0]);
        assert!(webp.check_size(200 * 1024, &animated).is_ok());
        assert!(
            webp.check_size(200 * 1024, b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0")
                .is_err(),
            "a static sticker is held to 100 KB"
        );
        assert_eq!(webp.ceiling(), ANIMATED_STICKER_MAX_BYTES);
    }

    #[test]
    fn a_download_name_keeps_no_path_quote_or_control() {
        assert_eq!(download_name(Some("../../etc/passwd"), "f.bin"), "passwd");
        assert_eq!(
            download_name(Some("a\"b\r\nContent-Type: x;.pdf"), "f"),
            "abContent-Type: x.pdf"
        );
        assert_eq!(download_name(Some("..\\..\\.."), "media.pdf"), "media.pdf");
        assert_eq!(download_name(None, "media.pdf"), "media.pdf");
        assert_eq!(download_name(Some(".hidden"), "x"), "hidden");
    }

    #[test]
    fn an_untyped_file_is_typed_by_its_extension() {
        assert_eq!(type_for_file_name("a.PDF"), Some("application/pdf"));
        assert_eq!(type_for_file_name("photo.jpeg"), Some("image/jpeg"));
        assert_eq!(type_for_file_name("clip.3gp"), Some("video/3gpp"));
        assert_eq!(type_for_file_name("x.exe"), None);
        assert_eq!(type_for_file_name("pdf"), None);
    }

    #[test]
    fn media_older_than_seven_days_is_gone_from_meta() {
        let now = Utc::now();
        assert!(may_still_be_at_meta(
            now - Duration::days(6),
            INBOUND_MEDIA_DAYS,
            now
        ));
        assert!(!may_still_be_at_meta(
            now - Duration::days(8),
            INBOUND_MEDIA_DAYS,
            now
        ));
        assert!(may_still_be_at_meta(
            now - Duration::days(8),
            UPLOADED_MEDIA_DAYS,
            now
        ));
    }
}
