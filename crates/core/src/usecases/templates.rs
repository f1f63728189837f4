//! Templates synced from Meta's list (`GET /{waba_id}/message_templates`, Cloud API "Message
//! templates"), beside what the template webhooks report: an inbox that starts empty, or missed
//! a webhook, still knows every template with its status and components.

use crate::error::CoreError;
use crate::ports::{write, Clock, Messenger, Store};

/// Reads every template of the WhatsApp Business Account from Meta and stores each (matched by
/// Meta's template id, else by name and language), replacing its status, category, quality and
/// components. Templates stored earlier and missing from Meta's list stay as they were. Answers
/// how many were stored.
///
/// # Errors
/// - [`CoreError::Unprocessable`] (`business_account_not_configured`) when no WABA id is set;
/// - [`CoreError::Send`] when Meta refused or could not be reached;
/// - [`CoreError::Store`] when the database failed.
pub async fn sync(
    store: &dyn Store,
    messenger: &dyn Messenger,
    clock: &dyn Clock,
) -> Result<usize, CoreError> {
    let listed = messenger
        .list_templates()
        .await
        .map_err(|failure| CoreError::Send {
            failure: Box::new(failure),
            message_id: None,
        })?
        .ok_or_else(|| CoreError::Unprocessable {
            code: "business_account_not_configured",
            message:
                "set WHATSAPP_BUSINESS_ACCOUNT_ID (the WABA id) to read the templates from Meta"
                    .into(),
        })?;
    let now = clock.now();
    let n = listed.len();
    write(store, move |r| {
        for mut t in listed {
            t.at = now;
            r.upsert_template(&t)?;
        }
        Ok(())
    })
    .await?;
    Ok(n)
}
