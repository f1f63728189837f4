//! `settings.database`: which database, its connections, and how writes are grouped into
//! commits.

use std::time::Duration;

use super::{non_empty, parse_num, ConfigError};

/// Default database: a SQLite file, created if absent.
pub const DEFAULT_DATABASE_URL: &str = "data/wacloud.db";

/// The variables of this part as read; every one optional (see [`super::SettingsArgs`] for
/// how a field becomes a setting).
#[derive(Debug, Default, Clone, clap::Args)]
#[command(next_help_heading = "Database")]
// Every part is called `Raw`: no argument group named after it.
#[group(skip)]
pub(super) struct Raw {
    /// A SQLite file path (created if absent; also `sqlite://path`), or
    /// `postgres://user:password@host:5432/db` for PostgreSQL (several instances may share it).
    /// Its value is never shown here: it may hold a password.
    #[arg(
        long = "database-url",
        env,
        value_name = "URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// The older name of `WACLOUD_DB_POOL_SIZE`, read when that one is unset.
    #[arg(long = "read-pool-size", env, value_name = "N", hide = true)]
    wacloud_read_pool_size: Option<String>,
    /// Most pooled read connections per instance, 1–64. An instance also holds one writer
    /// connection and, on PostgreSQL, one listening connection: at most this + 2 in all.
    #[arg(
        long = "db-pool-size",
        env,
        value_name = "N",
        default_value = "4",
        // The default must not hide the older name.
        default_value_if("wacloud_read_pool_size", clap::builder::ArgPredicate::IsPresent, None)
    )]
    wacloud_db_pool_size: Option<String>,
    /// Milliseconds a request waits for a database connection before it is answered 503, and
    /// the bound on opening a PostgreSQL connection (whole seconds, at least 1), 100–600000.
    #[arg(long = "db-timeout-ms", env, value_name = "MS", default_value = "5000")]
    wacloud_db_timeout_ms: Option<String>,
    /// Most write jobs committed together, 1–10000 (1: one commit per job).
    #[arg(long = "writer-batch", env, value_name = "N", default_value = "512")]
    wacloud_writer_batch: Option<String>,
    /// SQLite: `full` (an acknowledged webhook survives power loss) or `normal` (process crashes
    /// only).
    #[arg(
        long = "sqlite-sync",
        env,
        value_name = "full|normal",
        default_value = "full"
    )]
    wacloud_sqlite_sync: Option<String>,
    /// When more webhook deliveries than this arrive during one commit, they (and later ones,
    /// until caught up) are stored and answered first and their effects applied right after (0:
    /// always).
    #[arg(
        long = "ingest-inline-limit",
        env,
        value_name = "N",
        default_value = "64"
    )]
    wacloud_ingest_inline_limit: Option<String>,
    /// Most deferred webhook deliveries applied in one transaction, 1–4096.
    #[arg(
        long = "ingest-backlog-batch",
        env,
        value_name = "N",
        default_value = "128"
    )]
    wacloud_ingest_backlog_batch: Option<String>,
}

/// The database and its writer.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `DATABASE_URL`, default `data/wacloud.db`.
    pub url: String,
    /// `WACLOUD_DB_POOL_SIZE` (or its older name `WACLOUD_READ_POOL_SIZE`), default 4, 1–64:
    /// most pooled read connections. Each instance also holds one writer connection and, on
    /// PostgreSQL, one listening connection, so an instance uses at most this plus 2.
    pub read_pool_size: u32,
    /// `WACLOUD_DB_TIMEOUT_MS`, default 5000, 100–600000: how long a request waits for a
    /// database connection before it is answered 503, and the bound on opening a PostgreSQL
    /// connection (rounded to whole seconds, at least 1).
    pub timeout: Duration,
    /// `WACLOUD_WRITER_BATCH`: most write jobs committed together (1 = one commit per job).
    pub writer_batch: usize,
    /// `WACLOUD_SQLITE_SYNC`: `full` (default; an acknowledged delivery survives power loss) or
    /// `normal` (survives process crashes only).
    pub sqlite_full_sync: bool,
    /// `WACLOUD_INGEST_INLINE_LIMIT`, default 64: webhook batches of more deliveries than this
    /// (that many arrived during one commit) are stored and answered first, their effects
    /// applied right after, and so are later deliveries until that backlog is applied
    /// (0: always).
    pub ingest_inline_limit: usize,
    /// `WACLOUD_INGEST_BACKLOG_BATCH`, default 128, 1–4096: most deferred deliveries applied
    /// in one transaction.
    pub ingest_backlog_batch: usize,
}

impl DatabaseSettings {
    pub(super) fn parse(raw: Raw) -> Result<Self, ConfigError> {
        if let Some(url) = raw.database_url.as_deref().map(str::trim) {
            if let Some((scheme, _)) = url.split_once("://") {
                if !matches!(scheme, "postgres" | "postgresql" | "sqlite") {
                    return Err(ConfigError(format!(
                        "DATABASE_URL: unsupported scheme {scheme:?}; use postgres://… for PostgreSQL, or a file path (or sqlite://path) for SQLite"
                    )));
                }
            }
        }
        Ok(Self {
            url: non_empty(raw.database_url).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            read_pool_size: {
                let (name, v) = match non_empty(raw.wacloud_db_pool_size) {
                    Some(v) => ("WACLOUD_DB_POOL_SIZE", Some(v)),
                    None => ("WACLOUD_READ_POOL_SIZE", raw.wacloud_read_pool_size),
                };
                u32::try_from(parse_num(name, v, 4)?)
                    .unwrap_or(4)
                    .clamp(1, 64)
            },
            timeout: Duration::from_millis(
                parse_num("WACLOUD_DB_TIMEOUT_MS", raw.wacloud_db_timeout_ms, 5000)?
                    .clamp(100, 600_000),
            ),
            ingest_inline_limit: usize::try_from(parse_num(
                "WACLOUD_INGEST_INLINE_LIMIT",
                raw.wacloud_ingest_inline_limit,
                64,
            )?)
            .unwrap_or(64),
            ingest_backlog_batch: usize::try_from(
                parse_num(
                    "WACLOUD_INGEST_BACKLOG_BATCH",
                    raw.wacloud_ingest_backlog_batch,
                    128,
                )?
                .clamp(1, 4096),
            )
            .unwrap_or(128),
            writer_batch: usize::try_from(parse_num(
                "WACLOUD_WRITER_BATCH",
                raw.wacloud_writer_batch,
                512,
            )?)
            .unwrap_or(512)
            .clamp(1, 10_000),
            sqlite_full_sync: match non_empty(raw.wacloud_sqlite_sync)
                .map(|s| s.to_ascii_lowercase())
                .as_deref()
            {
                None | Some("full") => true,
                Some("normal") => false,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "WACLOUD_SQLITE_SYNC must be full or normal, got {other:?}"
                    )))
                }
            },
        })
    }
}
