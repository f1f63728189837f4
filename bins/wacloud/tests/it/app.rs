//! The real server on port 0 with a fresh database of its own and the embedded sandbox, started
//! from typed [`Settings`]:
//!
//! ```ignore
//! let app = TestApp::spawn().await;                       // the test settings below
//! let app = TestApp::builder()
//!     .with(|s| s.queue.max_attempts = 3)                  // any field of `Settings`
//!     .spawn()
//!     .await;
//! let b = TestApp::builder().on_url(&a.database_url).spawn().await; // a second instance
//! let app2 = TestApp::builder().on(app.stop().await).spawn().await; // a restart
//! ```
//!
//! The backend is the one `WACLOUD_TEST_BACKEND` names (`sqlite`, the default, or `postgres`
//! with `WACLOUD_TEST_POSTGRES_URL`; see `wacloud_store::testdb`): `.ci/run` runs these tests
//! once on each.

use std::time::{Duration, Instant};

use secrecy::SecretString;
use wacloud::{Application, Settings};
use wacloud_store::testdb::TestDb;

/// The App Secret tests sign with (FAULTS.md: `test-secret`).
pub const SECRET: &str = "test-secret";
/// The verify token tests use.
pub const VERIFY_TOKEN: &str = "test-verify-token";
/// The business number id in tests (the sandbox's default).
pub const PHONE_NUMBER_ID: &str = "100000000000001";

/// The settings every test starts from: the server's own defaults (sandbox mode, as with no
/// variable set) on port 0, with a known App Secret and verify token, fast sandbox statuses and
/// a short database timeout.
fn test_settings() -> Settings {
    let mut s = Settings::from_pairs([]).expect("the defaults are valid settings");
    s.http.bind = "127.0.0.1:0".to_owned();
    s.meta.app_secrets = vec![SecretString::from(SECRET)];
    s.meta.verify_token = Some(SecretString::from(VERIFY_TOKEN));
    s.sandbox.status_delay = Duration::from_millis(30);
    // A read still waiting for a connection when a test drops its database holds the test's
    // runtime that long.
    s.database.timeout = Duration::from_millis(2000);
    // Templates come from each test's own webhooks or `POST /templates/sync`.
    s.meta.sync_templates_at_start = false;
    // Tests' webhook receivers listen on 127.0.0.1 (`subscriptions::private_urls_*` turns
    // this back off).
    s.webhooks.allow_private = true;
    s
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
    /// The App Secret the server verifies webhooks with (the first, when several).
    pub secret: SecretString,
    /// The server's business number id.
    pub phone_number_id: String,
    /// The test's database (removed when the app is dropped), unless another app owns it.
    db: Option<TestDb>,
    /// The database URL.
    pub database_url: String,
    /// The server's store (e.g. to shut it down and see the server answer 503).
    pub store: wacloud_store::DbStore,
    /// The media cache directory (`WACLOUD_MEDIA_CACHE_DIR`): a temporary one of the test's
    /// unless the settings named one.
    pub media_dir: std::path::PathBuf,
    _media_temp: Option<tempfile::TempDir>,
}

/// Where a [`TestAppBuilder`] puts the server's data.
enum Database {
    /// A fresh database of its own, removed with the app.
    Fresh,
    /// A database the app takes over (removed with the app), e.g. a stopped app's.
    Owned(TestDb),
    /// A database someone else owns: another instance, or the test itself.
    Url(String),
}

/// Starts a [`TestApp`]: the test settings, edited by [`with`](Self::with), on the database
/// [`on`](Self::on) / [`on_url`](Self::on_url) name (a fresh one by default).
pub struct TestAppBuilder {
    settings: Settings,
    database: Database,
}

impl TestApp {
    /// A builder starting from the test settings.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            settings: test_settings(),
            database: Database::Fresh,
        }
    }

    /// Starts a server with the test settings on a fresh database.
    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    /// Stops the server and hands back its database (to start another server on it).
    pub async fn stop(mut self) -> TestDb {
        self.handle.stop(true).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.db.take().expect("this app owns its database")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Polls `f` until it returns Some, or panics after `secs`.
    pub async fn wait_for<T, F, Fut>(&self, secs: u64, what: &str, mut f: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = f().await {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl TestAppBuilder {
    /// Edits the settings; later edits see earlier ones. The database URL is not one of them:
    /// it comes from [`on`](Self::on) or [`on_url`](Self::on_url).
    ///
    /// A value the environment would derive from another is not derived here: set both (e.g.
    /// the sandbox's `messages_per_second`, which follows the number's when read from the
    /// environment).
    pub fn with(mut self, edit: impl FnOnce(&mut Settings)) -> Self {
        edit(&mut self.settings);
        self
    }

    /// Runs on `db`, which the app then owns (a restart: `.on(app.stop().await)`).
    pub fn on(mut self, db: TestDb) -> Self {
        self.database = Database::Owned(db);
        self
    }

    /// Runs on the database at `url`, owned by another [`TestApp`] or by the test: several
    /// instances on one database.
    pub fn on_url(mut self, url: &str) -> Self {
        self.database = Database::Url(url.to_owned());
        self
    }

    /// Builds the application and runs it on the test's runtime.
    pub async fn spawn(self) -> TestApp {
        let Self {
            mut settings,
            database,
        } = self;
        let (db, url) = match database {
            Database::Fresh => {
                let db = TestDb::new();
                let url = db.url().to_owned();
                (Some(db), url)
            }
            Database::Owned(db) => {
                let url = db.url().to_owned();
                (Some(db), url)
            }
            Database::Url(url) => (None, url),
        };
        settings.database.url = url.clone();
        let default_dir = Settings::from_pairs([]).expect("defaults").media.cache_dir;
        let media_temp = (settings.media.cache_dir == default_dir)
            .then(|| tempfile::tempdir().expect("a media cache directory"));
        if let Some(t) = &media_temp {
            settings.media.cache_dir = t.path().to_owned();
        }
        let media_dir = settings.media.cache_dir.clone();
        let secret = settings.meta.app_secrets[0].clone();
        let phone_number_id = settings.meta.phone_number_id.clone().unwrap_or_default();
        let app = Application::build(settings).expect("app builds");
        let port = app.port();
        let handle = app.handle();
        let store = app.store();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            handle,
            secret,
            phone_number_id,
            db,
            database_url: url,
            store,
            media_dir,
            _media_temp: media_temp,
        }
    }
}
