//! `wacloud --help` and `wacloud serve --help` as a user sees them, against the settings,
//! docs/DEPLOYMENT.md and `.env.example`.

use std::collections::BTreeSet;

use clap::builder::Resettable;
use clap::{CommandFactory, FromArgMatches, Parser};

use super::{Cli, Command};
use crate::settings::{Settings, SettingsArgs};

const DEPLOYMENT: &str = include_str!("../../../../docs/DEPLOYMENT.md");
const ENV_EXAMPLE: &str = include_str!("../../../../.env.example");

/// What `wacloud <args> --help` prints (clap answers help with an "error" of kind DisplayHelp).
fn help(args: &[&str]) -> String {
    let e = Cli::try_parse_from(["wacloud"].iter().chain(args).chain(&["--help"]))
        .expect_err("--help stops parsing");
    assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
    e.to_string()
}

/// The variables `serve` reads and lists (the older name of the pool size is read but not
/// listed).
fn listed_variables() -> BTreeSet<String> {
    SettingsArgs::command()
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .map(|a| a.get_env().unwrap().to_str().unwrap().to_owned())
        .collect()
}

#[test]
fn serve_help_lists_every_setting_with_its_flag_variable_and_default() {
    let text = help(&["serve"]);
    for arg in SettingsArgs::command().get_arguments() {
        let env = arg.get_env().unwrap().to_str().unwrap();
        let long = format!("--{}", arg.get_long().unwrap());
        if arg.is_hide_set() {
            assert!(
                !text.contains(&long),
                "{long} is listed but meant to be hidden"
            );
            continue;
        }
        // The flag's line and those below it, up to the next flag.
        let mut lines = text
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(&format!("{long} ")));
        let first = lines
            .next()
            .unwrap_or_else(|| panic!("{long} is missing:\n{text}"));
        let entry = std::iter::once(first)
            .chain(lines.take_while(|l| !l.trim_start().starts_with('-')))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(entry.contains(&format!("[env: {env}")), "{entry}");
        if let [default] = arg.get_default_values() {
            let default = format!("[default: {}]", default.to_str().unwrap());
            assert!(entry.contains(&default), "{entry}");
        }
    }
}

#[test]
fn top_level_help_says_where_the_settings_are() {
    let text = help(&[]);
    assert!(text.contains("wacloud serve --help"), "{text}");
    assert!(text.contains(".env"), "{text}");
}

#[test]
fn every_documented_variable_is_a_setting_and_every_setting_is_documented() {
    let listed = listed_variables();
    let name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    let example: BTreeSet<String> = ENV_EXAMPLE
        .lines()
        .filter_map(|l| l.trim_start_matches('#').trim().split_once('='))
        .map(|(n, _)| n.trim().to_owned())
        .filter(|n| name(n))
        .collect();
    assert_eq!(
        example, listed,
        ".env.example (left) and `wacloud serve --help` (right) differ"
    );

    // The table of docs/DEPLOYMENT.md's "Settings" section: `NAME` | default | what it does.
    let section = DEPLOYMENT
        .split("\n## ")
        .find(|s| s.starts_with("Settings"))
        .expect("docs/DEPLOYMENT.md has a Settings section");
    let rows: Vec<(String, String)> = section
        .lines()
        .filter_map(|l| {
            let mut cells = l.strip_prefix('|')?.split('|').map(str::trim);
            let variable = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
            Some((variable.to_owned(), cells.next()?.to_owned()))
        })
        .filter(|(n, _)| name(n))
        .collect();
    let documented: BTreeSet<String> = rows.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        documented, listed,
        "docs/DEPLOYMENT.md (left) and `wacloud serve --help` (right) differ"
    );
    // Where clap shows a default, the table says the same one.
    let command = SettingsArgs::command();
    for (variable, default) in &rows {
        let arg = command
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == variable.as_str()))
            .unwrap();
        if let [shown] = arg.get_default_values() {
            let shown = format!("`{}`", shown.to_str().unwrap());
            assert!(
                default.contains(&shown),
                "docs/DEPLOYMENT.md says {variable} defaults to {default}, --help says {shown}"
            );
        }
    }
}

/// `wacloud <args>` parsed as `main` does, but without the process environment.
fn parse(args: &[&str]) -> Cli {
    let command = Cli::command().mut_subcommand("serve", |serve| {
        serve.mut_args(|a| a.env(Resettable::Reset))
    });
    let matches = command
        .try_get_matches_from(["wacloud"].iter().chain(args))
        .unwrap();
    Cli::from_arg_matches(&matches).unwrap()
}

#[test]
fn serve_takes_its_settings_as_flags() {
    let cli = parse(&[
        "serve",
        "--bind",
        "127.0.0.1:9000",
        "--shared-with-business-app",
        "--queue-workers=7",
    ]);
    let Some(Command::Serve(args)) = cli.command else {
        panic!("not serve");
    };
    let s = Settings::from_args(*args).unwrap();
    assert_eq!(s.http.bind, "127.0.0.1:9000");
    assert!(s.throughput.shared_with_business_app);
    assert_eq!(s.throughput.messages_per_second, 20);
    assert_eq!(s.queue.workers, 7);
    assert!(parse(&[]).command.is_none());
    // With no flag (and no variable), `serve` has the defaults `--help` shows.
    let Some(Command::Serve(args)) = parse(&["serve"]).command else {
        panic!("not serve");
    };
    assert_eq!(
        format!("{:?}", Settings::from_args(*args).unwrap()),
        format!("{:?}", Settings::from_pairs([]).unwrap())
    );
}
