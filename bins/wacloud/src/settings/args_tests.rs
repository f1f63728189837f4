//! The settings as clap reads them: the defaults `wacloud serve --help` shows are the ones the
//! parts apply, and `from_pairs` reads what `serve` reads.

use clap::builder::Resettable;

use super::*;

/// The settings command with neither the process environment nor clap's defaults: every field
/// `None` unless given, so each part applies its own defaults.
fn bare_command() -> clap::Command {
    SettingsArgs::command().mut_args(|a| a.env(Resettable::Reset).default_value(Resettable::Reset))
}

/// The settings from `args` on [`bare_command`], as their `Debug` (which hides secrets, so the
/// sandbox's random ones compare equal).
fn bare(args: &[String]) -> String {
    let raw = SettingsArgs::from_command(bare_command(), args.iter().cloned())
        .expect("the settings' flags parse");
    format!(
        "{:?}",
        Settings::from_args(raw).expect("the defaults are valid")
    )
}

#[test]
fn defaults_shown_by_help_are_the_defaults_applied() {
    let applied = bare(&[]);
    for arg in SettingsArgs::command().get_arguments() {
        let [default] = arg.get_default_values() else {
            continue;
        };
        let (long, default) = (arg.get_long().unwrap(), default.to_str().unwrap());
        assert_eq!(
            bare(&[format!("--{long}={default}")]),
            applied,
            "--{long} (env {:?}) shows [default: {default}] but unset means something else",
            arg.get_env()
        );
    }
    // And all of them at once, as `from_pairs` and `serve` fill them in.
    assert_eq!(format!("{:?}", Settings::from_pairs([]).unwrap()), applied);
}

#[test]
fn a_setting_without_a_fixed_default_says_its_default() {
    for arg in SettingsArgs::command().get_arguments() {
        if arg.is_hide_set() || !arg.get_default_values().is_empty() {
            continue;
        }
        let help = arg.get_long_help().or(arg.get_help()).unwrap().to_string();
        assert!(
            help.contains("Default: "),
            "{:?} shows no default and its help does not say it: {help}",
            arg.get_env()
        );
    }
}

/// One list of names: each setting's variable is its field's name in upper case, and its flag
/// that name without the `WACLOUD_`/`WHATSAPP_` prefix (`RUST_LOG` is `--log`).
#[test]
fn each_variable_is_its_field_and_its_flag() {
    for arg in SettingsArgs::command().get_arguments() {
        let env = arg.get_env().unwrap().to_str().unwrap();
        assert_eq!(env, arg.get_id().as_str().to_ascii_uppercase());
        let expected = match env {
            "RUST_LOG" => "log".to_owned(),
            _ => env
                .trim_start_matches("WACLOUD_")
                .trim_start_matches("WHATSAPP_")
                .to_ascii_lowercase()
                .replace('_', "-"),
        };
        assert_eq!(arg.get_long(), Some(expected.as_str()), "{env}");
    }
}

/// Secrets (and the database URL, which may hold a password) never show their values in
/// `--help`, even when set; every `SecretString` field is among them.
#[test]
fn secrets_hide_their_values() {
    let command = SettingsArgs::command();
    let mut hidden: Vec<String> = command
        .get_arguments()
        .filter(|a| a.is_hide_env_values_set())
        .map(|a| a.get_id().as_str().to_ascii_uppercase())
        .collect();
    hidden.sort_unstable();
    assert_eq!(
        hidden,
        [
            "DATABASE_URL",
            "WACLOUD_API_KEY",
            "WACLOUD_SESSION_SECRET",
            "WHATSAPP_API_TOKEN",
            "WHATSAPP_APP_SECRET",
            "WHATSAPP_WEBHOOK_VERIFY_TOKEN",
        ]
    );
    let secret = std::any::TypeId::of::<SecretString>();
    for arg in command.get_arguments() {
        if arg.get_value_parser().type_id() == secret {
            assert!(arg.is_hide_env_values_set(), "{:?}", arg.get_env());
        }
    }
}

#[test]
fn the_older_pool_size_name_still_counts_and_the_newer_wins() {
    let s = Settings::from_pairs([("WACLOUD_READ_POOL_SIZE", "3")]).unwrap();
    assert_eq!(s.database.read_pool_size, 3);
    let s = Settings::from_pairs([
        ("WACLOUD_READ_POOL_SIZE", "3"),
        ("WACLOUD_DB_POOL_SIZE", "5"),
    ])
    .unwrap();
    assert_eq!(s.database.read_pool_size, 5);
}

#[test]
fn coexistence_takes_its_own_default_rate_and_the_sandbox_follows_the_number() {
    let s = Settings::from_pairs([("WACLOUD_SHARED_WITH_BUSINESS_APP", "yes")]).unwrap();
    assert_eq!(s.throughput.messages_per_second, 20);
    assert_eq!(s.sandbox.messages_per_second, 20);
    let s = Settings::from_pairs([("WACLOUD_SHARED_WITH_BUSINESS_APP", "false")]).unwrap();
    assert_eq!(s.throughput.messages_per_second, 80);
    let s = Settings::from_pairs([("WACLOUD_MESSAGES_PER_SECOND", "500")]).unwrap();
    assert_eq!(s.sandbox.messages_per_second, 500);
}

#[test]
fn from_pairs_takes_names_in_any_case_the_last_one_wins_and_unknown_ones_are_refused() {
    let s = Settings::from_pairs([
        ("wacloud_bind", "127.0.0.1:1"),
        ("WACLOUD_BIND", "127.0.0.1:2"),
    ])
    .unwrap();
    assert_eq!(s.http.bind, "127.0.0.1:2");
    // A value that looks like a flag is still a value.
    let s = Settings::from_pairs([("WACLOUD_CORS_ORIGINS", "--bind")]).unwrap();
    assert_eq!(s.http.cors_origins, ["--bind"]);
    let e = Settings::from_pairs([("WACLOUD_BIDN", "127.0.0.1:1")]).unwrap_err();
    assert!(
        e.to_string().contains("WACLOUD_BIDN is not a setting"),
        "{e}"
    );
}

#[test]
fn blank_values_mean_the_default() {
    let s = Settings::from_pairs([("WACLOUD_BIND", ""), ("WACLOUD_BODY_TIMEOUT_MS", " ")]).unwrap();
    assert_eq!(s.http.bind, DEFAULT_BIND);
    assert_eq!(s.http.body_timeout, std::time::Duration::from_secs(10));
}
