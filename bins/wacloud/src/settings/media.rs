//! `settings.media`: where media fetched from Meta (and files uploaded to it) are kept, and how
//! much of them.

use std::path::PathBuf;

use super::{non_empty, parse_num, ConfigError};

/// Default cache directory: beside the default SQLite database (`data/wacloud.db`).
pub const DEFAULT_MEDIA_CACHE_DIR: &str = "data/media-cache";
/// Default cache size: 1 GiB.
pub const DEFAULT_MEDIA_CACHE_BYTES: u64 = 1 << 30;

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Media")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// Directory of the media cache: files of `GET /messages/{id}/media` fetched from Meta,
    /// files uploaded with `POST /media`, and uploads while they arrive (its `tmp`
    /// subdirectory). Created when missing.
    #[arg(
        long = "media-cache-dir",
        env,
        value_name = "DIR",
        default_value = DEFAULT_MEDIA_CACHE_DIR
    )]
    wacloud_media_cache_dir: Option<String>,
    /// Most bytes the media cache keeps, 0–1099511627776 (default 1 GiB); past it the files
    /// used longest ago are removed. 0 keeps nothing (every download goes to Meta, which keeps
    /// a customer's media for 7 days only).
    #[arg(
        long = "media-cache-bytes",
        env,
        value_name = "BYTES",
        default_value = "1073741824"
    )]
    wacloud_media_cache_bytes: Option<String>,
}

/// The media cache.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// `WACLOUD_MEDIA_CACHE_DIR`, default `data/media-cache`.
    pub cache_dir: PathBuf,
    /// `WACLOUD_MEDIA_CACHE_BYTES`, default 1073741824 (1 GiB), 0–1 TiB.
    pub cache_bytes: u64,
}

impl MediaSettings {
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
        let cache_bytes = parse_num(
            "WACLOUD_MEDIA_CACHE_BYTES",
            raw.wacloud_media_cache_bytes,
            DEFAULT_MEDIA_CACHE_BYTES,
        )?;
        if cache_bytes > 1 << 40 {
            return Err(ConfigError(format!(
                "WACLOUD_MEDIA_CACHE_BYTES must be at most 1099511627776 (1 TiB); got {cache_bytes}"
            )));
        }
        Ok(Self {
            cache_dir: PathBuf::from(
                non_empty(raw.wacloud_media_cache_dir)
                    .unwrap_or_else(|| DEFAULT_MEDIA_CACHE_DIR.to_owned()),
            ),
            cache_bytes,
        })
    }
}
