//! Fresh databases for tests (feature `test-db`): each test gets its own, on the backend the
//! environment picks, and it is removed when the test ends.
//!
//! - `WACLOUD_TEST_BACKEND`: `sqlite` (default) or `postgres`.
//! - `WACLOUD_TEST_POSTGRES_URL`: a PostgreSQL server the tests may create databases on, as a
//!   URL of its maintenance database (`postgres://user@127.0.0.1:5432/postgres`); `.ci/run` starts
//!   a throwaway cluster and sets it.
//!
//! On SQLite a test database is a file in a temporary folder. On PostgreSQL it is
//! `CREATE DATABASE test_<uuid> TEMPLATE wacloud_template_<migrations>`: the template is migrated
//! once per set of migrations (by whichever test process gets there first, under an advisory
//! lock), so a test database costs one file copy on the server, not a migration run. It is
//! dropped (`WITH (FORCE)`, ending the connections of servers the test left running) when the
//! [`TestDb`] is dropped.

use std::hash::{Hash, Hasher};

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::PgConnection;

use crate::conn::{run_migrations, DbConnection, POSTGRES_MIGRATIONS};

/// Which backend the tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

impl Backend {
    /// `WACLOUD_TEST_BACKEND` (`sqlite` when unset).
    ///
    /// # Panics
    /// On a value other than `sqlite` or `postgres`.
    #[must_use]
    pub fn from_env() -> Self {
        match std::env::var("WACLOUD_TEST_BACKEND").as_deref() {
            Err(_) | Ok("" | "sqlite") => Self::Sqlite,
            Ok("postgres" | "postgresql" | "pg") => Self::Postgres,
            Ok(other) => panic!("WACLOUD_TEST_BACKEND={other}: use sqlite or postgres"),
        }
    }

    /// `sqlite` or `postgres`, as the store names its backends.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// `WACLOUD_TEST_POSTGRES_URL`, when set. PostgreSQL-only tests skip without it, except in a
/// run on PostgreSQL (`WACLOUD_TEST_BACKEND=postgres`), where nothing may be skipped silently.
///
/// # Panics
/// When `WACLOUD_TEST_BACKEND=postgres` and the URL is unset.
#[must_use]
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("WACLOUD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    assert!(
        url.is_some() || Backend::from_env() != Backend::Postgres,
        "WACLOUD_TEST_BACKEND=postgres needs WACLOUD_TEST_POSTGRES_URL (see .ci/postgres.sh)"
    );
    url
}

/// One test's database.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database on the backend `WACLOUD_TEST_BACKEND` names.
    ///
    /// # Panics
    /// When PostgreSQL is asked for without `WACLOUD_TEST_POSTGRES_URL`, or the database cannot
    /// be made.
    #[must_use]
    pub fn new() -> Self {
        match Backend::from_env() {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => Self::postgres().expect(
                "WACLOUD_TEST_BACKEND=postgres needs WACLOUD_TEST_POSTGRES_URL (see .ci/postgres.sh)",
            ),
        }
    }

    /// A SQLite file in a new temporary folder (created by the store when opened).
    ///
    /// # Panics
    /// When no temporary folder can be made.
    #[must_use]
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = dir.path().join("wacloud.db").to_string_lossy().into_owned();
        Self {
            url,
            backend: Backend::Sqlite,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh, migrated PostgreSQL database, or `None` when `WACLOUD_TEST_POSTGRES_URL` is
    /// unset.
    ///
    /// # Panics
    /// When the server refuses.
    #[must_use]
    pub fn postgres() -> Option<Self> {
        let admin = postgres_admin_url()?;
        let template = ensure_template(&admin);
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut c = PgConnection::establish(&admin).expect("connect to WACLOUD_TEST_POSTGRES_URL");
        c.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .expect("create the test database");
        Some(Self {
            url: database_url(&admin, &name),
            backend: Backend::Postgres,
            _dir: None,
            pg: Some((admin, name)),
        })
    }

    /// A fresh, empty PostgreSQL database (not migrated), or `None` when
    /// `WACLOUD_TEST_POSTGRES_URL` is unset: for tests of the migrations themselves.
    ///
    /// # Panics
    /// When the server refuses.
    #[must_use]
    pub fn postgres_empty() -> Option<Self> {
        let admin = postgres_admin_url()?;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut c = PgConnection::establish(&admin).expect("connect to WACLOUD_TEST_POSTGRES_URL");
        c.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0"))
            .expect("create the test database");
        Some(Self {
            url: database_url(&admin, &name),
            backend: Backend::Postgres,
            _dir: None,
            pg: Some((admin, name)),
        })
    }

    /// The `DATABASE_URL` of this database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The backend.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl Default for TestDb {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut c) = PgConnection::establish(admin) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// `admin` with its database name replaced by `name` (query parameters kept).
#[must_use]
pub fn database_url(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let host = rest.split_once('/').map_or(rest, |(h, _)| h);
    let mut out = format!("{scheme}://{host}/{name}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The name of the template for the current migrations, made if absent.
fn ensure_template(admin: &str) -> String {
    let names: Vec<String> = MigrationSource::<Pg>::migrations(&POSTGRES_MIGRATIONS)
        .expect("embedded migrations")
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    names.hash(&mut h);
    let key = h.finish();
    let template = format!("wacloud_template_{:016x}", key);
    let mut c = PgConnection::establish(admin).expect("connect to WACLOUD_TEST_POSTGRES_URL");
    // The same lock in every test process: one of them makes the template, the others wait.
    let lock = i64::from_ne_bytes(key.to_ne_bytes());
    c.batch_execute(&format!("SELECT pg_advisory_lock({lock})"))
        .expect("advisory lock");
    #[derive(QueryableByName)]
    struct Ready {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        datistemplate: bool,
    }
    let existing: Option<Ready> =
        diesel::sql_query("SELECT datistemplate FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(&template)
            .get_result(&mut c)
            .optional()
            .expect("look up the template");
    if !existing.is_some_and(|r| r.datistemplate) {
        // Absent, or left half-made by a test process that died: (re)make it.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {template} WITH (FORCE)"))
            .expect("drop a half-made template");
        c.batch_execute(&format!("CREATE DATABASE {template}"))
            .expect("create the template");
        {
            let pg = PgConnection::establish(&database_url(admin, &template))
                .expect("connect to the template");
            let mut conn = DbConnection::Pg(pg);
            run_migrations(&mut conn).expect("migrate the template");
        }
        c.batch_execute(&format!("ALTER DATABASE {template} WITH IS_TEMPLATE true"))
            .expect("mark the template");
    }
    c.batch_execute(&format!("SELECT pg_advisory_unlock({lock})"))
        .expect("advisory unlock");
    template
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_parameters_kept() {
        assert_eq!(
            database_url("postgres://u@127.0.0.1:5432/postgres", "test_1"),
            "postgres://u@127.0.0.1:5432/test_1"
        );
        assert_eq!(
            database_url("postgres://u:p@h/postgres?sslmode=disable", "t"),
            "postgres://u:p@h/t?sslmode=disable"
        );
        assert_eq!(database_url("postgres://h", "t"), "postgres://h/t");
    }
}
