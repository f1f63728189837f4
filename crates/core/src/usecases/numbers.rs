//! Several business numbers: listing, adding and changing them (`/api/whatsapp/numbers`), and
//! giving the contacts from before several numbers to the environment's number at start.

use crate::error::CoreError;
use crate::numbers::{BusinessNumber, NumberSettings, StoredNumber};
use crate::ports::{read, write, Clock, Store};

/// The environment's number as listed, from its account state (if any delivery recorded it).
fn environment_number(
    r: &mut dyn crate::ports::Repos,
    pid: &str,
    stored: Option<&StoredNumber>,
) -> Result<BusinessNumber, crate::ports::StoreError> {
    let mut n = match stored {
        Some(s) => s.number.clone(),
        None => {
            let s = r.get_session(pid)?;
            BusinessNumber {
                phone_number_id: pid.to_owned(),
                waba_id: s.as_ref().and_then(|s| s.waba_id.clone()),
                display_phone_number: None,
                label: None,
                messages_per_second: None,
                pair_interval_ms: None,
                has_app_secret: false,
                marketing_messages: false,
                source: String::new(),
                is_default: false,
                verified_name: s.as_ref().and_then(|s| s.verified_name.clone()),
                quality_rating: s.as_ref().and_then(|s| s.quality_rating.clone()),
                messaging_limit_tier: s.as_ref().and_then(|s| s.messaging_limit_tier.clone()),
                account_status: s.as_ref().and_then(|s| s.account_status.clone()),
                last_webhook_at: s.as_ref().and_then(|s| s.last_webhook_at),
                created_at: None,
                unread_count: 0,
                history: None,
            }
        }
    };
    "environment".clone_into(&mut n.source);
    Ok(n)
}

/// Every number this server sends and receives for: the environment's first (the default),
/// then those added through the API, oldest first; with each one's app secret.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn configured(
    store: &dyn Store,
    environment: Option<String>,
) -> Result<Vec<StoredNumber>, CoreError> {
    Ok(read(store, move |r| {
        let stored = r.configured_numbers()?;
        let mut out = Vec::with_capacity(stored.len() + 1);
        if let Some(pid) = &environment {
            let own = stored.iter().find(|s| &s.number.phone_number_id == pid);
            out.push(StoredNumber {
                number: environment_number(r, pid, own)?,
                app_secret: own.and_then(|s| s.app_secret.clone()),
            });
        }
        for mut s in stored {
            if Some(&s.number.phone_number_id) == environment.as_ref() {
                continue;
            }
            "api".clone_into(&mut s.number.source);
            out.push(s);
        }
        if let Some(first) = out.first_mut() {
            first.number.is_default = true;
        }
        for (number, unread) in r.unread_by_number()? {
            if let Some(n) = out.iter_mut().find(|n| n.number.phone_number_id == number) {
                n.number.unread_count = unread;
            }
        }
        for (number, history) in r.history_syncs()? {
            if let Some(n) = out.iter_mut().find(|n| n.number.phone_number_id == number) {
                n.number.history = Some(history);
            }
        }
        Ok(out)
    })
    .await?)
}

/// Adds a number (`POST /api/whatsapp/numbers`).
///
/// # Errors
/// [`CoreError::Invalid`] for settings that do not pass [`NumberSettings::check`] or without a
/// `phone_number_id`; [`CoreError::Conflict`] `number_exists` for a number already configured
/// (the environment's included); [`CoreError::Store`].
pub async fn add(
    store: &dyn Store,
    clock: &dyn Clock,
    environment: Option<String>,
    settings: NumberSettings,
) -> Result<String, CoreError> {
    settings.check()?;
    let Some(pid) = settings.phone_number_id.clone() else {
        return Err(CoreError::invalid(
            "missing_field",
            "phone_number_id",
            "phone_number_id is required: Meta's id of the number, from WhatsApp Manager or the Graph API's /{waba_id}/phone_numbers",
        ));
    };
    let exists = || CoreError::Conflict {
        code: "number_exists",
        message: format!(
            "number {pid} is configured already; change it with PUT /api/whatsapp/numbers/{pid}"
        ),
    };
    if environment.as_deref() == Some(pid.as_str()) {
        return Err(exists());
    }
    let now = clock.now();
    let p = pid.clone();
    let created = write(store, move |r| r.put_number(&p, &settings, true, now)).await?;
    if !created {
        return Err(exists());
    }
    Ok(pid)
}

/// Changes a number's settings (`PUT /api/whatsapp/numbers/{phone_number_id}`): the fields
/// given; the environment's number takes a label, rate and display number this way too.
///
/// # Errors
/// [`CoreError::Invalid`] (see [`NumberSettings::check`]; a `phone_number_id` in the body
/// other than the path's); [`CoreError::NotFound`] for a number not configured;
/// [`CoreError::Store`].
pub async fn change(
    store: &dyn Store,
    clock: &dyn Clock,
    environment: Option<String>,
    phone_number_id: String,
    settings: NumberSettings,
) -> Result<(), CoreError> {
    settings.check()?;
    if settings
        .phone_number_id
        .as_ref()
        .is_some_and(|p| *p != phone_number_id)
    {
        return Err(CoreError::invalid(
            "id_mismatch",
            "phone_number_id",
            "a number's phone_number_id cannot change; add the other number instead",
        ));
    }
    let now = clock.now();
    let is_env = environment.as_deref() == Some(phone_number_id.as_str());
    let p = phone_number_id.clone();
    let done = write(store, move |r| {
        Ok(r.put_number(&p, &settings, false, now)?
            || (is_env && r.put_number(&p, &settings, true, now)?))
    })
    .await?;
    if !done {
        return Err(CoreError::NotFound(format!(
            "no number {phone_number_id}; add it with POST /api/whatsapp/numbers"
        )));
    }
    Ok(())
}

/// Gives the contacts stored without a number to `phone_number_id` (the environment's), so that
/// a server that had one number keeps every conversation when it gets several.
///
/// # Errors
/// [`CoreError::Store`].
pub async fn adopt_contacts(
    store: &dyn Store,
    phone_number_id: String,
) -> Result<usize, CoreError> {
    Ok(write(store, move |r| r.adopt_contacts(&phone_number_id)).await?)
}
