//! `wacloud serve --help` run as a user runs it: settings from `.env` and the environment show
//! in it (so `.env` is loaded before clap reads the environment), secrets never do.

/// `wacloud serve --help`'s output in a directory whose `.env` holds `dotenv`, with `env` set
/// and nothing else but `PATH`.
fn serve_help(dotenv: &str, env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), dotenv).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wacloud"))
        .args(["serve", "--help"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn serve_help_shows_settings_from_env_and_dotenv_but_never_a_secret() {
    let text = serve_help(
        "WACLOUD_BIND=127.0.0.1:9009\nWHATSAPP_APP_SECRET=dotenv-app-secret\n",
        &[
            ("WACLOUD_QUEUE_WORKERS", "77"),
            ("WHATSAPP_API_TOKEN", "EAAG-env-token"),
            ("WACLOUD_API_KEY", "env-api-key"),
            ("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "env-verify-token"),
            ("DATABASE_URL", "postgres://wacloud:db-password@db/wacloud"),
        ],
    );
    assert!(
        text.contains("[env: WACLOUD_BIND=127.0.0.1:9009]"),
        "{text}"
    );
    assert!(text.contains("[env: WACLOUD_QUEUE_WORKERS=77]"), "{text}");
    assert!(text.contains("[default: 127.0.0.1:8000]"), "{text}");
    for name in [
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_API_TOKEN",
        "WACLOUD_API_KEY",
        "WHATSAPP_WEBHOOK_VERIFY_TOKEN",
        "DATABASE_URL",
    ] {
        assert!(text.contains(&format!("[env: {name}]")), "{name}: {text}");
    }
    for secret in [
        "dotenv-app-secret",
        "EAAG-env-token",
        "env-api-key",
        "env-verify-token",
        "db-password",
    ] {
        assert!(!text.contains(secret), "{secret} shown: {text}");
    }
}
