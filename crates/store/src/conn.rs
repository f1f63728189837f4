//! Connections to either backend, chosen by the URL, and the migrations for each.

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::StoreInitError;

/// SQLite migrations, embedded at build time.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
/// PostgreSQL migrations, embedded at build time.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// A connection to either backend. Repository code is written once and compiled for both
/// through [`with_conn!`](crate::with_conn).
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL (`postgres://…`).
    Pg(PgConnection),
    /// SQLite (a file path or `sqlite://path`).
    Sqlite(SqliteConnection),
}

impl std::fmt::Debug for DbConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pg(_) => "DbConnection::Pg",
            Self::Sqlite(_) => "DbConnection::Sqlite",
        })
    }
}

/// Runs the same diesel code on whichever backend a [`DbConnection`] holds: one source, checked
/// by the compiler for both.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::conn::DbConnection::Pg($c) => $body,
            $crate::conn::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A PostgreSQL connection string.
    Postgres(String),
    /// A SQLite file path.
    Sqlite(String),
}

impl DatabaseUrl {
    /// `postgres://` or `postgresql://` selects PostgreSQL; anything else is a SQLite path
    /// (`sqlite://` prefix optional).
    #[must_use]
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres(url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            Self::Sqlite(path.to_owned())
        }
    }

    /// `sqlite` or `postgres`.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }

    /// This URL with libpq parameters added unless the URL sets them already: a
    /// `connect_timeout` (whole seconds, at least 1), so that an unreachable server fails a
    /// connection attempt in bounded time instead of the operating system's TCP time-out, and
    /// `application_name=wacloud`, so the connections are recognisable in `pg_stat_activity`.
    /// SQLite URLs are returned as they are.
    #[must_use]
    pub fn with_connect_timeout(&self, timeout: Duration) -> Self {
        match self {
            Self::Sqlite(_) => self.clone(),
            Self::Postgres(u) => {
                let mut out = u.clone();
                let query = u.split_once('?').map_or("", |(_, q)| q);
                let has = |k: &str| query.split('&').any(|kv| kv.split('=').next() == Some(k));
                let mut add = |kv: String| {
                    out.push(if out.contains('?') { '&' } else { '?' });
                    out.push_str(&kv);
                };
                if !has("connect_timeout") {
                    add(format!("connect_timeout={}", timeout.as_secs().max(1)));
                }
                if !has("application_name") {
                    add("application_name=wacloud".into());
                }
                Self::Postgres(out)
            }
        }
    }

    /// A description safe to log: the SQLite path (absolute), or the PostgreSQL host and database with
    /// any password removed (in the user info and in a `password=` parameter).
    #[must_use]
    pub fn redacted(&self) -> String {
        match self {
            // Where the file really is: a relative path depends on the directory the server
            // was started from.
            Self::Sqlite(p) => match std::path::absolute(p) {
                Ok(abs) if p != ":memory:" && !p.starts_with("file:") => {
                    format!("sqlite:{}", abs.display())
                }
                _ => format!("sqlite:{p}"),
            },
            Self::Postgres(u) => match url_without_password(u) {
                Some(s) => s,
                None => "postgres://(unparsable url)".into(),
            },
        }
    }
}

fn url_without_password(u: &str) -> Option<String> {
    let (scheme, rest) = u.split_once("://")?;
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    let user = auth.map(|a| a.split(':').next().unwrap_or(""));
    let mut out = match user {
        Some(u) if !u.is_empty() => format!("{scheme}://{u}@{host}"),
        _ => format!("{scheme}://{host}"),
    };
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|kv| {
                let k = kv.split('=').next().unwrap_or("");
                !k.contains("password") && k != "application_name" && k != "connect_timeout"
            })
            .collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    Some(out)
}

/// Pragmas for every SQLite connection: WAL so readers never block the writer, NORMAL sync for
/// readers (the writer sets its own level: `StoreOptions::sqlite_full_sync`)
/// (durable across process crashes; WAL keeps the database consistent across power loss), a
/// busy timeout so a second process waits instead of failing, and foreign keys on.
///
/// The page cache is bounded per connection: the writer keeps up to [`WRITER_CACHE_KIB`] of
/// pages (its indexes are hot), each reader up to [`READER_CACHE_KIB`], so the server's SQLite
/// memory is at most the writer's plus the read pool's (`WACLOUD_DB_POOL_SIZE`) share, whatever
/// the database's size.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;";

/// Most page cache the writing SQLite connection keeps, in KiB.
pub const WRITER_CACHE_KIB: u32 = 16_384;
/// Most page cache each reading SQLite connection keeps, in KiB.
pub const READER_CACHE_KIB: u32 = 8_192;

/// Opens one connection. For SQLite, creates the parent folder of the file if needed.
///
/// # Errors
/// [`StoreInitError`] when the database cannot be opened.
pub fn establish(url: &DatabaseUrl, read_only: bool) -> Result<DbConnection, StoreInitError> {
    match url {
        DatabaseUrl::Postgres(u) => {
            let mut c = PgConnection::establish(u)
                .map_err(|e| StoreInitError::Connect(redact_error(&e.to_string(), u)))?;
            if read_only {
                c.batch_execute("SET default_transaction_read_only = on")
                    .map_err(|e| StoreInitError::Connect(e.to_string()))?;
            }
            Ok(DbConnection::Pg(c))
        }
        DatabaseUrl::Sqlite(path) => {
            if path != ":memory:" {
                if let Some(parent) = Path::new(path).parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent).map_err(|e| {
                            StoreInitError::Connect(format!(
                                "cannot create folder {}: {e}",
                                parent.display()
                            ))
                        })?;
                    }
                }
            }
            let mut c = SqliteConnection::establish(path)
                .map_err(|e| StoreInitError::Connect(format!("{path}: {e}")))?;
            let cache = if read_only {
                READER_CACHE_KIB
            } else {
                WRITER_CACHE_KIB
            };
            c.batch_execute(&format!("{SQLITE_PRAGMAS} PRAGMA cache_size = -{cache};"))
                .map_err(|e| StoreInitError::Connect(format!("{path}: {e}")))?;
            if read_only {
                c.batch_execute("PRAGMA query_only = ON")
                    .map_err(|e| StoreInitError::Connect(e.to_string()))?;
            } else {
                c.batch_execute("PRAGMA journal_mode = WAL")
                    .map_err(|e| StoreInitError::Connect(format!("{path}: {e}")))?;
            }
            Ok(DbConnection::Sqlite(c))
        }
    }
}

fn redact_error(msg: &str, url: &str) -> String {
    msg.replace(url, "(database url)")
}

/// Applies pending migrations; returns how many ran. Safe when several processes start at once
/// (servers, `wacloud migrate`): on PostgreSQL an advisory lock serialises them; on SQLite the
/// check for pending migrations and their application happen in one exclusive transaction.
/// The one that comes second finds nothing left to do.
///
/// # Errors
/// [`StoreInitError::Migrate`].
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, StoreInitError> {
    let err = |e: Box<dyn std::error::Error + Send + Sync>| StoreInitError::Migrate(e.to_string());
    match conn {
        DbConnection::Sqlite(c) => {
            let mut outcome = None;
            c.exclusive_transaction(|c| {
                outcome = Some(c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()));
                // Roll back what a failed migration left (diesel ran it in a savepoint).
                match &outcome {
                    Some(Err(_)) => Err(diesel::result::Error::RollbackTransaction),
                    _ => Ok(()),
                }
            })
            .or_else(|e| match (&outcome, e) {
                (Some(Err(_)), diesel::result::Error::RollbackTransaction) => Ok(()),
                (_, e) => Err(StoreInitError::Migrate(e.to_string())),
            })?;
            match outcome {
                Some(r) => r.map_err(err),
                None => Ok(0),
            }
        }
        DbConnection::Pg(c) => {
            // 0x7761636c = "wacl": one migrator at a time across instances.
            c.batch_execute("SELECT pg_advisory_lock(2002871148)")
                .map_err(|e| StoreInitError::Migrate(e.to_string()))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len());
            let unlock = c.batch_execute("SELECT pg_advisory_unlock(2002871148)");
            let n = result.map_err(err)?;
            unlock.map_err(|e| StoreInitError::Migrate(e.to_string()))?;
            Ok(n)
        }
    }
}

/// How long a SQLite connection waits on a lock held by another process.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_picks_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u:pw@h/db"),
            DatabaseUrl::Postgres("postgres://u:pw@h/db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db"),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("data/wacloud.db"),
            DatabaseUrl::Sqlite("data/wacloud.db".into())
        );
    }

    #[test]
    fn a_relative_sqlite_path_is_shown_where_it_really_is() {
        let shown = DatabaseUrl::Sqlite("data/wacloud.db".into()).redacted();
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(
            shown,
            format!("sqlite:{}", cwd.join("data/wacloud.db").display())
        );
        assert_eq!(
            DatabaseUrl::Sqlite(":memory:".into()).redacted(),
            "sqlite::memory:"
        );
    }

    #[test]
    fn redacted_url_has_no_password() {
        let r = DatabaseUrl::parse("postgres://alice:s3cret@db.example:5432/wacloud").redacted();
        assert_eq!(r, "postgres://alice@db.example:5432/wacloud");
        assert!(!r.contains("s3cret"));
        let r = DatabaseUrl::parse(
            "postgresql://db.example/wacloud?user=alice&password=s3cret&sslmode=require",
        )
        .redacted();
        assert_eq!(
            r,
            "postgresql://db.example/wacloud?user=alice&sslmode=require"
        );
    }

    #[test]
    fn connect_timeout_and_name_are_added_once() {
        let t = Duration::from_millis(2500);
        let u = DatabaseUrl::parse("postgres://u@h/db").with_connect_timeout(t);
        assert_eq!(
            u,
            DatabaseUrl::Postgres(
                "postgres://u@h/db?connect_timeout=2&application_name=wacloud".into()
            )
        );
        let u = DatabaseUrl::parse("postgres://u@h/db?sslmode=disable&connect_timeout=9")
            .with_connect_timeout(t);
        assert_eq!(
            u,
            DatabaseUrl::Postgres(
                "postgres://u@h/db?sslmode=disable&connect_timeout=9&application_name=wacloud"
                    .into()
            )
        );
        assert_eq!(u.redacted(), "postgres://u@h/db?sslmode=disable");
        let s = DatabaseUrl::parse("data/x.db");
        assert_eq!(s.with_connect_timeout(t), s);
    }

    #[test]
    fn sqlite_page_caches_are_bounded_per_role() {
        #[derive(QueryableByName)]
        struct CacheSize {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            cache_size: i64,
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let url = DatabaseUrl::Sqlite(dir.path().join("c.db").display().to_string());
        for (read_only, kib) in [(false, WRITER_CACHE_KIB), (true, READER_CACHE_KIB)] {
            let DbConnection::Sqlite(mut c) = establish(&url, read_only).expect("open") else {
                unreachable!("a SQLite URL")
            };
            let got: CacheSize = diesel::sql_query("PRAGMA cache_size")
                .get_result(&mut c)
                .expect("pragma");
            // Negative: KiB rather than pages.
            assert_eq!(got.cache_size, -i64::from(kib), "read_only {read_only}");
        }
    }
}
