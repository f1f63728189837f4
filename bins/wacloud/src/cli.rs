//! The command line: `wacloud [serve]`, `wacloud migrate`, `wacloud webhooks reprocess`,
//! `wacloud sandbox`.

use clap::{Parser, Subcommand};

use crate::settings::SettingsArgs;

/// wacloud: a WhatsApp Business integration on Meta's WhatsApp Cloud API.
///
/// Configuration comes from environment variables and a `.env` file in the working directory
/// (see `.env.example`); `wacloud serve --help` lists every setting with its variable, flag,
/// default and range.
#[derive(Debug, Parser)]
#[command(name = "wacloud", version)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default); `wacloud serve --help` lists every setting.
    ///
    /// Every setting is an environment variable (also read from a `.env` file in the working
    /// directory; a variable already set wins over the file) or the flag beside it (a flag wins
    /// over both). `wacloud` with no subcommand reads the same variables. Secret values are
    /// never shown here; pass secrets through the environment, since other users of the machine
    /// can see a process's flags.
    // Boxed: the settings are a few hundred bytes, the other variants a few.
    Serve(Box<SettingsArgs>),
    /// Apply pending database migrations and exit (the server also does this at start-up).
    /// Reads DATABASE_URL and WACLOUD_DB_TIMEOUT_MS as `serve` does.
    Migrate,
    /// Stored webhook deliveries.
    Webhooks {
        /// What to do with them.
        #[command(subcommand)]
        action: WebhookAction,
    },
    /// Operators' accounts: the first admin, and a way back in when every admin is locked out
    /// (the rest is `POST /api/whatsapp/operators`). Passwords are read from a prompt, or from
    /// standard input when it is not a terminal; never from the command line. Reads
    /// DATABASE_URL as `serve` does.
    Operators {
        /// What to do.
        #[command(subcommand)]
        action: OperatorAction,
    },
    /// A customer's data.
    Contacts {
        /// What to do.
        #[command(subcommand)]
        action: ContactAction,
    },
    /// Run the Meta stand-in on its own, as a separate process (for crash tests and benchmarks,
    /// or to point a live-mode server at with WHATSAPP_GRAPH_BASE_URL=http://ADDR/sandbox/graph).
    /// It signs webhooks with WHATSAPP_APP_SECRET and expects WHATSAPP_API_TOKEN as the bearer
    /// token.
    Sandbox(SandboxArgs),
}

/// Settings of `wacloud sandbox`.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, env = "WACLOUD_SANDBOX_BIND", default_value = "127.0.0.1:8001")]
    pub bind: String,
    /// Where to post status and inbound webhooks (the server's /api/whatsapp/webhook).
    #[arg(long, env = "WACLOUD_SANDBOX_WEBHOOK_URL")]
    pub webhook_url: String,
    /// The business number id the Graph endpoints answer for.
    #[arg(
        long,
        env = "WHATSAPP_PHONE_NUMBER_ID",
        default_value = "100000000000001"
    )]
    pub phone_number_id: String,
    /// Time taken to answer each send, in milliseconds.
    #[arg(long, env = "WACLOUD_SANDBOX_LATENCY_MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Throughput cap in messages per second (0: none); above it, 130429.
    #[arg(
        long,
        env = "WACLOUD_SANDBOX_MESSAGES_PER_SECOND",
        default_value_t = 80
    )]
    pub messages_per_second: u32,
    /// Delay between the statuses of a message (sent, delivered, read), in milliseconds.
    #[arg(long, env = "WACLOUD_SANDBOX_STATUS_DELAY_MS", default_value_t = 300)]
    pub status_delay_ms: u64,
    /// Customers never read (no `read` status).
    #[arg(long)]
    pub no_read: bool,
    /// Most statuses in one webhook delivery.
    #[arg(long, default_value_t = 100)]
    pub status_batch: usize,
    /// Fail free-form messages outside the 24-hour window with 131047.
    #[arg(long)]
    pub strict_window: bool,
    /// Webhook delivery attempts before giving up.
    #[arg(long, default_value_t = 20)]
    pub webhook_attempts: u32,
}

/// `wacloud operators …`.
#[derive(Debug, Subcommand)]
pub enum OperatorAction {
    /// Add an operator (asks for its password).
    Add {
        /// The e-mail address it logs in with.
        #[arg(long)]
        email: String,
        /// The name shown beside what it does.
        #[arg(long)]
        name: String,
        /// `admin` or `agent`.
        #[arg(long, default_value = "admin", value_parser = ["admin", "agent"])]
        role: String,
    },
    /// List the operators.
    List,
    /// Disable an operator: its sessions end and it cannot log in.
    Disable {
        /// Its e-mail address.
        email: String,
    },
    /// Set a new password (asks for it); the operator's sessions end, and its failed logins
    /// are forgotten.
    ResetPassword {
        /// Its e-mail address.
        email: String,
    },
}

/// `wacloud contacts …`.
#[derive(Debug, Subcommand)]
pub enum ContactAction {
    /// Erase a customer for good, as `DELETE /api/whatsapp/contacts/{phone}?erase=true` does
    /// (docs/DEPLOYMENT.md, "Retention and erasure"); prints what was removed. Reads
    /// DATABASE_URL as `serve` does.
    Erase {
        /// The customer: a phone number in E.164, a BSUID, or wacloud's contact id.
        who: String,
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

#[cfg(test)]
mod tests;
