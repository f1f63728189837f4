//! `wacloud sandbox`: the Meta stand-in as a process of its own.

use std::net::TcpListener;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use wacloud_sandbox::{Sandbox, SandboxConfig};

use crate::cli::SandboxArgs;

/// The first of `name`'s comma-separated values (`.env` was loaded by `main`, before clap read
/// the other settings).
fn secret_from_env(name: &str) -> Result<SecretString, String> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').next().unwrap_or("").trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
        .ok_or_else(|| format!("{name} must be set (the sandbox needs it to talk to the server)"))
}

/// Runs the sandbox until the process is stopped.
///
/// # Errors
/// A description of what is missing or failed.
pub async fn run(args: SandboxArgs) -> Result<(), String> {
    let app_secret = secret_from_env("WHATSAPP_APP_SECRET")?;
    let token = secret_from_env("WHATSAPP_API_TOKEN")?;
    if token.expose_secret().len() < 8 {
        return Err("WHATSAPP_API_TOKEN is too short to be a token".into());
    }
    let mut cfg = SandboxConfig::new(args.phone_number_id.clone(), app_secret, token);
    let d = Duration::from_millis(args.status_delay_ms);
    cfg.sent_after = d;
    cfg.delivered_after = d * 2;
    cfg.read_after = (!args.no_read).then_some(d * 4);
    cfg.latency = Duration::from_millis(args.latency_ms);
    cfg.messages_per_second = Some(args.messages_per_second).filter(|n| *n > 0);
    cfg.strict_window = args.strict_window;
    cfg.status_batch = args.status_batch.max(1);
    cfg.webhook_attempts = args.webhook_attempts.max(1);
    let listener = TcpListener::bind(&args.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let sb = Sandbox::new(cfg);
    sb.set_webhook_url(args.webhook_url.clone());
    tracing::info!(
        "wacloud sandbox listening on http://{addr} — Graph base URL: http://{addr}/sandbox/graph — webhooks to {} — latency {} ms, cap {} msg/s",
        args.webhook_url,
        args.latency_ms,
        args.messages_per_second
    );
    wacloud_sandbox::serve(sb, listener)
        .await
        .map_err(|e| e.to_string())
}
