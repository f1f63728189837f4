//! The business numbers this server sends and receives for, while it runs: the environment's
//! (`WHATSAPP_PHONE_NUMBER_ID`, the default) and those added through `/api/whatsapp/numbers`.
//! Each has its own [`Messenger`] (its own Graph client and pacer at its own rate); deliveries
//! for any of them are ours ([`OurNumbers`]); a number's own app secret signs its webhooks.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::watch;
use wacloud_core::numbers::StoredNumber;
use wacloud_core::ports::{Messenger, Store};
use wacloud_core::usecases::ingest::OurNumbers;
use wacloud_core::CoreError;

use crate::pacing_share::{spawn_rate_share, PacedNumber};

/// Makes the messenger of a number added through the API (its own Graph client and pacer), with
/// the pacer it sends through (for [`spawn_rate_share`]). Built by the application from the
/// environment's token and Graph settings.
pub type MakeMessenger =
    Arc<dyn Fn(&StoredNumber) -> Result<(Arc<dyn Messenger>, PacedNumber), String> + Send + Sync>;

impl std::fmt::Debug for Numbers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Numbers")
            .field("ours", &self.ours)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

/// Another number's messenger, the settings it was made with, and the end of its share of the
/// number's rate (on PostgreSQL, shared with the other instances).
#[derive(Clone)]
struct Other {
    made_with: StoredNumber,
    messenger: Arc<dyn Messenger>,
    stop_sharing: Arc<watch::Sender<bool>>,
}

/// A number's own app secret (its webhooks come from another Meta app than the
/// environment's): a delivery signed with it speaks only for that number.
#[derive(Clone, Debug)]
pub struct NumberSecret {
    /// The app secret.
    pub secret: SecretString,
    /// The number it signs for.
    pub phone_number_id: String,
    /// That number's WhatsApp Business Account, when known.
    pub waba_id: Option<String>,
}

/// The numbers in use and their messengers.
pub struct Numbers {
    ours: OurNumbers,
    environment: Option<String>,
    default: Arc<dyn Messenger>,
    factory: Option<MakeMessenger>,
    /// Each other number's messenger and the settings it was made with: a reload keeps a
    /// messenger whose settings did not change (and with it its pacer's state).
    others: RwLock<HashMap<String, Other>>,
    secrets: RwLock<Vec<NumberSecret>>,
}

impl Numbers {
    /// The environment's number (`environment`, sending through `default`), sharing `ours`
    /// with ingestion; `factory` makes the messengers of numbers added later (`None`: they
    /// receive but cannot send, e.g. in live mode without a token).
    #[must_use]
    pub fn new(
        ours: OurNumbers,
        environment: Option<String>,
        default: Arc<dyn Messenger>,
        factory: Option<MakeMessenger>,
    ) -> Self {
        Self {
            ours,
            environment,
            default,
            factory,
            others: RwLock::new(HashMap::new()),
            secrets: RwLock::new(Vec::new()),
        }
    }

    /// The numbers ingestion answers for (shared: a reload changes them everywhere).
    #[must_use]
    pub fn ours(&self) -> OurNumbers {
        self.ours.clone()
    }

    /// The default number's messenger.
    #[must_use]
    pub fn default_messenger(&self) -> Arc<dyn Messenger> {
        Arc::clone(&self.default)
    }

    /// The environment's number, if set.
    #[must_use]
    pub fn environment(&self) -> Option<String> {
        self.environment.clone()
    }

    /// The default number: the first.
    #[must_use]
    pub fn default_number(&self) -> Option<String> {
        self.ours.default_number()
    }

    /// The messenger of number `from` (`None`: the default number's), `from` being a send's
    /// `from` field.
    ///
    /// # Errors
    /// [`CoreError::Invalid`] `unknown_number` (`field: from`) for a number this server does
    /// not send for.
    pub fn messenger(&self, from: Option<&str>) -> Result<Arc<dyn Messenger>, CoreError> {
        self.messenger_named(from, "from")
    }

    /// As [`Self::messenger`], the number given in the request's `field` (`phone_number_id`,
    /// `number`), which a refusal names.
    ///
    /// # Errors
    /// [`CoreError::Invalid`] `unknown_number` naming `field`.
    pub fn messenger_named(
        &self,
        from: Option<&str>,
        field: &'static str,
    ) -> Result<Arc<dyn Messenger>, CoreError> {
        let Some(from) = from else {
            return Ok(Arc::clone(&self.default));
        };
        if self.environment.as_deref() == Some(from) {
            return Ok(Arc::clone(&self.default));
        }
        let others = self
            .others
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        others.get(from).map(|o| Arc::clone(&o.messenger)).ok_or_else(|| {
            CoreError::invalid(
                "unknown_number",
                field,
                format!(
                    "{field}: this server does not send from {from}; GET /api/whatsapp/numbers lists the numbers it has (phone_number_id)"
                ),
            )
        })
    }

    /// How fast number `from` sends (`None`, the environment's or an unknown number:
    /// `default`, the server's `WACLOUD_MESSAGES_PER_SECOND` and `WACLOUD_PAIR_INTERVAL_MS`).
    #[must_use]
    pub fn pace(
        &self,
        from: Option<&str>,
        default: wacloud_core::usecases::bulk::Pace,
    ) -> wacloud_core::usecases::bulk::Pace {
        let others = self
            .others
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match from.and_then(|f| others.get(f)) {
            Some(o) => wacloud_core::usecases::bulk::Pace {
                messages_per_second: o
                    .made_with
                    .number
                    .messages_per_second
                    .unwrap_or(default.messages_per_second),
                pair_interval_ms: o
                    .made_with
                    .number
                    .pair_interval_ms
                    .unwrap_or(default.pair_interval_ms),
            },
            None => default,
        }
    }

    /// Every number's messenger: the default number's first, then the others' (for work done
    /// once per WhatsApp Business Account, such as the template sync).
    #[must_use]
    pub fn all_messengers(&self) -> Vec<Arc<dyn Messenger>> {
        let mut all = vec![Arc::clone(&self.default)];
        let others = self
            .others
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut ids: Vec<&String> = others.keys().collect();
        ids.sort();
        all.extend(ids.into_iter().map(|id| Arc::clone(&others[id].messenger)));
        all
    }

    /// The app secrets of the numbers added through the API (the environment's are in the
    /// settings), each with the number it signs for.
    #[must_use]
    pub fn app_secrets(&self) -> Vec<NumberSecret> {
        self.secrets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the configured numbers again: the list of ours, their messengers (a number whose
    /// rate or ids changed gets a new one) and app secrets.
    ///
    /// # Errors
    /// [`CoreError::Store`].
    pub async fn reload(&self, store: &Arc<dyn Store>) -> Result<Vec<StoredNumber>, CoreError> {
        let all =
            wacloud_core::usecases::numbers::configured(store.as_ref(), self.environment.clone())
                .await?;
        // Empty (no number at all) accepts every delivery, as before several numbers.
        let ids: Vec<String> = all
            .iter()
            .map(|n| n.number.phone_number_id.clone())
            .collect();
        let mut others = HashMap::new();
        let mut secrets = Vec::new();
        let before = self
            .others
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for n in &all {
            if let Some(s) = &n.app_secret {
                secrets.push(NumberSecret {
                    secret: SecretString::from(s.clone()),
                    phone_number_id: n.number.phone_number_id.clone(),
                    waba_id: n.number.waba_id.clone(),
                });
            }
            let pid = &n.number.phone_number_id;
            if self.environment.as_deref() == Some(pid.as_str()) {
                self.default
                    .set_marketing_messages(n.number.marketing_messages);
                continue;
            }
            if let Some(o) = before.get(pid) {
                if same_messenger(&o.made_with, n) {
                    o.messenger
                        .set_marketing_messages(n.number.marketing_messages);
                    others.insert(pid.clone(), o.clone());
                    continue;
                }
            }
            if let Some(f) = &self.factory {
                match f(n) {
                    Ok((messenger, paced)) => {
                        messenger.set_marketing_messages(n.number.marketing_messages);
                        let (stop_sharing, stop) = watch::channel(false);
                        spawn_rate_share(Arc::clone(store), paced, stop);
                        others.insert(
                            pid.clone(),
                            Other {
                                made_with: n.clone(),
                                messenger,
                                stop_sharing: Arc::new(stop_sharing),
                            },
                        );
                    }
                    Err(e) => {
                        tracing::warn!(number = %n.number.phone_number_id, error = %e, "numbers: cannot make this number's Graph client; it receives but cannot send")
                    }
                }
            }
        }
        // A messenger replaced (its settings changed) or removed gives its share back.
        for (pid, o) in &before {
            let kept = others
                .get(pid)
                .is_some_and(|n| Arc::ptr_eq(&n.stop_sharing, &o.stop_sharing));
            if !kept {
                let _ = o.stop_sharing.send(true);
            }
        }
        *self
            .others
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = others;
        *self
            .secrets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = secrets;
        self.ours.set(ids);
        Ok(all)
    }
}

impl Numbers {
    /// Ends the other numbers' shares of their rates (the server is stopping).
    pub fn stop_sharing(&self) {
        for o in self
            .others
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
        {
            let _ = o.stop_sharing.send(true);
        }
    }
}

/// Whether a messenger made for `a` serves `b` as well (the settings it is made from are equal).
fn same_messenger(a: &StoredNumber, b: &StoredNumber) -> bool {
    let (a, b) = (&a.number, &b.number);
    (
        &a.waba_id,
        &a.display_phone_number,
        a.messages_per_second,
        a.pair_interval_ms,
    ) == (
        &b.waba_id,
        &b.display_phone_number,
        b.messages_per_second,
        b.pair_interval_ms,
    )
}

/// At start: the contacts from before several numbers go to the environment's number, then the
/// configured numbers are read. While the database is unavailable this is tried again every
/// few seconds in the background until `stopping` (the server runs with the environment's
/// number alone meanwhile); a warning is logged only if it still fails after about a minute.
pub async fn start(
    numbers: &Arc<Numbers>,
    store: &Arc<dyn Store>,
    stopping: watch::Receiver<bool>,
) {
    if start_once(numbers, store).await.is_ok() {
        return;
    }
    let (numbers, store) = (Arc::clone(numbers), Arc::clone(store));
    tokio::spawn(async move {
        for attempt in 1_u32.. {
            tokio::time::sleep(Duration::from_secs(5)).await;
            if *stopping.borrow() {
                return;
            }
            match start_once(&numbers, &store).await {
                Ok(()) => return,
                Err(e) if attempt == 12 => {
                    tracing::warn!(error = %e, "numbers: the configured numbers cannot be read yet; only the environment's number is used until they can")
                }
                Err(_) => {}
            }
        }
    });
}

async fn start_once(numbers: &Numbers, store: &Arc<dyn Store>) -> Result<(), CoreError> {
    if let Some(pid) = numbers.environment() {
        let n =
            wacloud_core::usecases::numbers::adopt_contacts(store.as_ref(), pid.clone()).await?;
        if n > 0 {
            tracing::info!(number = %pid, contacts = n, "numbers: contacts stored without a number now belong to the environment's number");
        }
    }
    numbers.reload(store).await.map(drop)
}
