//! The command line: `wacloud [serve]`, `wacloud migrate`, `wacloud webhooks reprocess`.

use clap::{Parser, Subcommand};

/// wacloud: a WhatsApp Business integration on Meta's WhatsApp Cloud API.
///
/// Configuration comes from the environment and a `.env` file (see `.env.example`).
#[derive(Debug, Parser)]
#[command(name = "wacloud", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit (the server also does this at start-up).
    Migrate,
    /// Stored webhook deliveries.
    Webhooks {
        /// What to do with them.
        #[command(subcommand)]
        action: WebhookAction,
    },
}

/// Webhook maintenance.
#[derive(Debug, Subcommand)]
pub enum WebhookAction {
    /// Process again the deliveries that are unprocessed or failed (after a fix).
    Reprocess {
        /// Only unprocessed deliveries, not failed ones.
        #[arg(long)]
        unprocessed_only: bool,
    },
}
