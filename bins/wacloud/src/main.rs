//! `wacloud`: reads the settings, sets up logging, and runs the server or a maintenance command.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use wacloud::cli::{Cli, Command, ContactAction, OperatorAction, SandboxArgs, WebhookAction};
use wacloud::settings::{self, SettingsArgs};
use wacloud::{Application, Settings};

/// mimalloc instead of the system allocator: the webhook path allocates per event (JSON,
/// bound values), and glibc's allocator showed up in the writer's profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Logging to stdout with `filter` (`RUST_LOG`'s syntax); the default filter when there is
/// none or it cannot be read.
fn init_tracing(filter: Option<&str>) {
    let filter = filter
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(settings::DEFAULT_LOG_FILTER));
    // Colours only for a terminal: logs written to files stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    // `.env` first: clap reads the variables as it builds the command.
    let dotenv = settings::load_dotenv();
    let mut command = Cli::parse().command;
    if let Some(Command::Sandbox(args)) = &command {
        init_tracing(std::env::var("RUST_LOG").ok().as_deref());
        if let Err(e) = dotenv {
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
        return sandbox(args.clone()).await;
    }
    // `wacloud` alone, `migrate` and `webhooks reprocess` read what `serve` reads, less flags.
    let args = match &mut command {
        Some(Command::Serve(args)) => Ok(std::mem::take(&mut **args)),
        _ => SettingsArgs::from_env(),
    };
    let settings = match dotenv.and(args).and_then(Settings::from_args) {
        Ok(s) => {
            init_tracing(Some(s.log.filter.as_str()));
            s
        }
        Err(e) => {
            init_tracing(std::env::var("RUST_LOG").ok().as_deref());
            tracing::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        None | Some(Command::Serve(_)) => serve(settings).await,
        Some(Command::Migrate) => migrate(&settings),
        Some(Command::Webhooks {
            action: WebhookAction::Reprocess { unprocessed_only },
        }) => reprocess(&settings, !unprocessed_only).await,
        Some(Command::Operators { action }) => operators(&settings, action).await,
        Some(Command::Contacts {
            action: ContactAction::Erase { who },
        }) => match wacloud::erase_cmd::run(&settings, &who).await {
            Ok(done) => {
                println!("{done}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!("contacts erase: {e}");
                ExitCode::FAILURE
            }
        },
        Some(Command::Sandbox(_)) => ExitCode::SUCCESS,
    }
}

async fn operators(settings: &Settings, action: OperatorAction) -> ExitCode {
    match wacloud::operators_cmd::run(settings, action).await {
        Ok(done) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("operators: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn sandbox(args: SandboxArgs) -> ExitCode {
    match wacloud::sandbox_cmd::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> ExitCode {
    raise_open_files_limit(settings.http.events_max_clients);
    let app = match Application::build(settings) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("{}", app.banner());
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("server stopped with an error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn migrate(settings: &Settings) -> ExitCode {
    let url = wacloud_store::DatabaseUrl::parse(&settings.database.url)
        .with_connect_timeout(settings.database.timeout);
    let result = wacloud_store::conn::establish(&url, false)
        .and_then(|mut c| wacloud_store::conn::run_migrations(&mut c));
    match result {
        Ok(n) => {
            tracing::info!(applied = n, database = %url.redacted(), "migrations done");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn reprocess(settings: &Settings, include_failed: bool) -> ExitCode {
    match wacloud::worker::reprocess_stored(settings, include_failed).await {
        Ok((done, failed)) => {
            tracing::info!(
                reprocessed = done,
                still_failing = failed,
                "webhooks reprocessed"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Raises the soft limit on open files to the hard one (each connection, event stream and
/// database file takes one), and warns when the cap on event streams would take more than a
/// quarter of it.
fn raise_open_files_limit(events_max_clients: usize) {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => {
            tracing::info!(limit, "open files");
            if (events_max_clients as u64).saturating_mul(4) > limit {
                tracing::warn!(
                    limit,
                    events_max_clients,
                    "WACLOUD_EVENTS_MAX_CLIENTS would take more than a quarter of the open-files limit: lower it, or raise the hard limit (ulimit -Hn, LimitNOFILE= in systemd)"
                );
            }
        }
        Err(e) => tracing::warn!("cannot raise the open-files limit: {e}"),
    }
}
