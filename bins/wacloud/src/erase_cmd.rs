//! `wacloud contacts erase <phone|BSUID|contact id>`: erases a customer from the command line,
//! on the database `DATABASE_URL` names, through the same use case as
//! `DELETE /api/whatsapp/contacts/{phone}?erase=true`; the audit trail records it as `cli`.

use wacloud_core::auth::Actor;
use wacloud_core::ports::{Clock, SystemClock};
use wacloud_core::usecases::inbox::Change;
use wacloud_core::usecases::privacy;
use wacloud_store::{DbStore, StoreOptions};

use crate::routes::privacy::contact_ref;
use crate::settings::Settings;

/// Erases the customer `who` names; answers what was removed, as JSON.
///
/// # Errors
/// What went wrong, as text: not a number, BSUID or contact id; no such contact; the database.
pub async fn run(settings: &Settings, who: &str) -> Result<String, String> {
    let who = contact_ref(who).map_err(|e| e.to_string())?;
    let store = DbStore::open(
        &settings.database.url,
        &StoreOptions {
            read_timeout: settings.database.timeout,
            ..StoreOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let by = Change {
        actor: Actor::Cli,
        address: None,
        user_agent: None,
        now: SystemClock.now(),
    };
    let result = privacy::erase(&store, who, by).await;
    store.shutdown();
    let erased = result.map_err(|e| e.to_string())?;
    // The customer's cached media files go too.
    crate::media::MediaCache::remove_in(&settings.media.cache_dir, &erased.media_ids);
    serde_json::to_string_pretty(&erased).map_err(|e| e.to_string())
}
