//! The database password never appears in a log line, an error or an answer: not when the
//! database cannot be reached (start-up, `wacloud migrate`), not in the start-up line, not in
//! `/health`.

use std::process::Stdio;
use std::time::Duration;

use wacloud_store::testdb::{Backend, TestDb};

use crate::app::TestApp;

const PASSWORD: &str = "s3cret-db-pw";

/// A port on which nothing listens.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn run(args: &[&str], url: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_wacloud"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", url)
            .env("WACLOUD_BIND", "127.0.0.1:0")
            .env("WACLOUD_DB_TIMEOUT_MS", "1000")
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .expect("wacloud exits")
    .expect("run wacloud");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_reported_without_its_password() {
    let url = format!(
        "postgres://alice:{PASSWORD}@127.0.0.1:{}/wacloud?sslmode=disable",
        closed_port()
    );
    for args in [&["migrate"][..], &["serve"][..]] {
        let (ok, log) = run(args, &url).await;
        assert!(
            !ok,
            "wacloud {args:?} should fail without a database: {log}"
        );
        assert!(log.contains("cannot open the database"), "{log}");
        assert!(
            !log.contains(PASSWORD),
            "password in the output of {args:?}: {log}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_never_shows_the_password() {
    if Backend::from_env() != Backend::Postgres {
        eprintln!("skipped: needs WACLOUD_TEST_BACKEND=postgres");
        return;
    }
    let db = TestDb::new();
    // The test cluster trusts local connections, so any password is accepted.
    let url = db.url().replacen(
        "postgres://wacloud@",
        &format!("postgres://wacloud:{PASSWORD}@"),
        1,
    );
    assert!(url.contains(PASSWORD), "{url}");
    let app = TestApp::builder().on_url(&url).spawn().await;
    let (status, health) = app.get("/api/whatsapp/health").await;
    assert_eq!(status, 200, "{health}");
    assert!(!health.to_string().contains(PASSWORD));
    let settings = wacloud::Settings::from_pairs([
        ("DATABASE_URL", url.as_str()),
        ("WACLOUD_BIND", "127.0.0.1:0"),
    ])
    .unwrap();
    let banner = wacloud::Application::build(settings)
        .unwrap()
        .banner()
        .to_owned();
    assert!(banner.contains("postgres://wacloud@127.0.0.1"), "{banner}");
    assert!(!banner.contains(PASSWORD), "{banner}");
}
