//! `wacloud operators add|list|disable|reset-password`: operators' accounts from the command
//! line, on the database `DATABASE_URL` names, through the same repositories and rules as the
//! API (`wacloud_core::auth`), recorded in the audit trail as `cli`.

use std::io::{BufRead, IsTerminal};

use wacloud_core::auth::password::check_password;
use wacloud_core::auth::{normalize_email, normalize_name, Actor, AuditEntry, Operator, Role};
use wacloud_core::ports::{new_id, read, write, Clock, SystemClock};
use wacloud_store::{DbStore, StoreOptions};

use crate::auth::secrets::hash_password_blocking;
use crate::cli::OperatorAction;
use crate::settings::Settings;

/// Reads a new password: twice from a prompt on a terminal, else one line of standard input.
/// Checked against the rules before it is returned.
fn new_password(email: &str) -> Result<String, String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("new password (12 characters or more): ")
            .map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("the same again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ".to_owned());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    check_password(&password, email)
        .map_err(|rule| format!("{}: {}", rule.code(), rule.message()))?;
    Ok(password)
}

fn entry(action: &str, target: &str, details: Option<serde_json::Value>) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        at: SystemClock.now(),
        actor: Actor::Cli.tag(),
        actor_name: None,
        action: action.to_owned(),
        target: Some(target.to_owned()),
        address: None,
        user_agent: None,
        details,
    }
}

/// The operator with `email`, or an error saying there is none.
async fn find(store: &DbStore, email: &str) -> Result<Operator, String> {
    let key = email.to_owned();
    read(store, move |r| r.operator_by_email(&key))
        .await
        .map_err(|e| e.to_string())?
        .map(|(op, _)| op)
        .ok_or_else(|| format!("no operator has {email}"))
}

/// Runs `action`; what it did, as a line for the user.
///
/// # Errors
/// What went wrong, for the user (a refused password names the rule).
pub async fn run(settings: &Settings, action: OperatorAction) -> Result<String, String> {
    let store = DbStore::open(
        &settings.database.url,
        &StoreOptions {
            read_timeout: settings.database.timeout,
            ..StoreOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let result = act(&store, action).await;
    store.shutdown();
    result
}

async fn act(store: &DbStore, action: OperatorAction) -> Result<String, String> {
    let now = SystemClock.now();
    match action {
        OperatorAction::Add { email, name, role } => {
            let email = normalize_email(&email)?;
            let name = normalize_name(&name)?;
            let role = Role::parse(&role).ok_or("role: admin or agent")?;
            let password = new_password(&email)?;
            let hash = hash_password_blocking(password).await?;
            let op = Operator {
                id: new_id(),
                email: email.clone(),
                display_name: name,
                role,
                is_active: true,
                created_at: now,
                updated_at: now,
            };
            let e = entry(
                "operator_created",
                &op.id,
                Some(serde_json::json!({ "email": op.email, "role": op.role })),
            );
            let row = op.clone();
            let added = write(store, move |r| {
                let added = r.insert_operator(&row, &hash)?;
                if added {
                    r.insert_audit(&e)?;
                }
                Ok(added)
            })
            .await
            .map_err(|e| e.to_string())?;
            if !added {
                return Err(format!("an operator already has {email}"));
            }
            Ok(format!(
                "added {} {} ({})",
                op.role.as_str(),
                op.email,
                op.id
            ))
        }
        OperatorAction::List => {
            let ops = read(store, |r| r.list_operators())
                .await
                .map_err(|e| e.to_string())?;
            Ok(ops
                .iter()
                .map(|o| {
                    format!(
                        "{}\t{}\t{}\t{}\t{}",
                        o.id,
                        o.email,
                        o.role.as_str(),
                        if o.is_active { "active" } else { "disabled" },
                        o.display_name
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
        OperatorAction::Disable { email } => {
            let email = normalize_email(&email)?;
            let op = find(store, &email).await?;
            let e = entry("operator_disabled", &op.id, None);
            let changed = Operator {
                is_active: false,
                updated_at: now,
                ..op
            };
            write(store, move |r| {
                r.update_operator(&changed)?;
                r.delete_operator_sessions(&changed.id, None)?;
                r.insert_audit(&e)
            })
            .await
            .map_err(|e| e.to_string())?;
            Ok(format!("disabled {email}; its sessions ended"))
        }
        OperatorAction::ResetPassword { email } => {
            let email = normalize_email(&email)?;
            let op = find(store, &email).await?;
            let password = new_password(&email)?;
            let hash = hash_password_blocking(password).await?;
            let e = entry("password_reset", &op.id, None);
            let key = email.clone();
            write(store, move |r| {
                r.set_password_hash(&op.id, &hash, now)?;
                r.delete_operator_sessions(&op.id, None)?;
                r.clear_login_failures(&key)?;
                r.insert_audit(&e)
            })
            .await
            .map_err(|e| e.to_string())?;
            Ok(format!("new password set for {email}; its sessions ended"))
        }
    }
}
