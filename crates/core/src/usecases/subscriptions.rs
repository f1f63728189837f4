//! Outgoing webhook subscriptions (issue 21): checking what an admin asks for, and each change
//! as one write job. Secrets are made by the caller (randomness is I/O); signing and delivery
//! are the binary's (`outbox/`).

use chrono::{DateTime, Duration, Utc};

use crate::outbox::{EventType, OutboxAttempt, OutboxItem, OutboxState, Subscription};
use crate::ports::{new_id, read, write, Redeliver, Repos, Store, StoreError};

/// Writes event `t` with `data` for the subscriptions that want it, in the caller's write job,
/// reading who listens in that job as ingestion does
/// ([`OutboxRepos::outbox_interest`](crate::ports::OutboxRepos::outbox_interest)).
///
/// # Errors
/// [`StoreError`] from the read or the write.
pub(crate) fn emit(
    r: &mut dyn Repos,
    t: EventType,
    data: &serde_json::Value,
    contact_id: Option<&str>,
    ordering_key: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let interest = r.outbox_interest()?;
    let mut w = crate::outbox::OutboxWrite::default();
    w.push(&interest, t, data, contact_id, ordering_key, now);
    r.enqueue_outbox(&w)
}

/// Longest URL, in bytes.
pub const MAX_URL: usize = 2048;

/// Why a subscription was refused (each a 400 naming the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// Not an `http://` or `https://` URL with a host, too long, or with control characters.
    #[error("url must be an http:// or https:// URL with a host, at most {MAX_URL} bytes, without spaces or control characters")]
    InvalidUrl,
    /// An event type not in the list.
    #[error("unknown event type {0:?}")]
    UnknownEvent(String),
    /// No event types.
    #[error("events must name at least one event type")]
    NoEvents,
    /// A description over 500 characters or with control characters.
    #[error("description must be at most 500 characters without control characters")]
    InvalidDescription,
}

/// Checks `url`: `http` or `https`, a host, at most [`MAX_URL`] bytes, no whitespace or
/// control characters (NUL included).
///
/// # Errors
/// [`SubscriptionError::InvalidUrl`].
pub fn check_url(url: &str) -> Result<(), SubscriptionError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(SubscriptionError::InvalidUrl)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if url.len() > MAX_URL
        || host.is_empty()
        || host.starts_with(':')
        || url.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(SubscriptionError::InvalidUrl);
    }
    Ok(())
}

/// The event types named, without repeats, in the documented order.
///
/// # Errors
/// [`SubscriptionError::UnknownEvent`] naming the first unknown one; `NoEvents` for none.
pub fn parse_events(names: &[String]) -> Result<Vec<EventType>, SubscriptionError> {
    let mut out = Vec::new();
    for n in names {
        let t = EventType::parse(n).ok_or_else(|| SubscriptionError::UnknownEvent(n.clone()))?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err(SubscriptionError::NoEvents);
    }
    out.sort();
    Ok(out)
}

/// What an admin gives for a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInput {
    /// Where deliveries go.
    pub url: String,
    /// Event type names.
    pub events: Vec<String>,
    /// The receiver is a bot.
    pub bot: bool,
    /// Deliveries are made.
    pub active: bool,
    /// A note.
    pub description: Option<String>,
}

impl SubscriptionInput {
    fn check(&self) -> Result<Vec<EventType>, SubscriptionError> {
        check_url(&self.url)?;
        if let Some(d) = &self.description {
            if d.chars().count() > 500 || d.chars().any(char::is_control) {
                return Err(SubscriptionError::InvalidDescription);
            }
        }
        parse_events(&self.events)
    }
}

/// What a subscription change ends in.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The input was refused.
    #[error(transparent)]
    Invalid(#[from] SubscriptionError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates a subscription signing with `secret`.
///
/// # Errors
/// [`ChangeError`].
pub async fn create(
    store: &dyn Store,
    input: SubscriptionInput,
    secret: String,
    now: DateTime<Utc>,
) -> Result<Subscription, ChangeError> {
    let events = input.check()?;
    let s = Subscription {
        id: new_id(),
        url: input.url,
        secret,
        previous_secret: None,
        previous_until: None,
        events,
        bot: input.bot,
        active: input.active,
        description: input.description,
        created_at: now,
        updated_at: now,
    };
    let row = s.clone();
    write(store, move |r| r.put_subscription(&row)).await?;
    Ok(s)
}

/// Changes subscription `id` (its secret stays).
///
/// # Errors
/// [`ChangeError`]; `Store(NotFound)` when there is none.
pub async fn update(
    store: &dyn Store,
    id: String,
    input: SubscriptionInput,
    now: DateTime<Utc>,
) -> Result<Subscription, ChangeError> {
    let events = input.check()?;
    let s = write(store, move |r| {
        let mut s = r
            .get_subscription(&id)?
            .ok_or_else(|| StoreError::NotFound("no such subscription".into()))?;
        s.url = input.url;
        s.events = events;
        s.bot = input.bot;
        s.active = input.active;
        s.description = input.description;
        s.updated_at = now;
        r.put_subscription(&s)?;
        Ok(s)
    })
    .await?;
    Ok(s)
}

/// Signs with `secret` from now on; the old secret signs too for `grace` (Standard Webhooks:
/// several signatures during a rotation).
///
/// # Errors
/// [`StoreError::NotFound`] when there is no such subscription.
pub async fn rotate_secret(
    store: &dyn Store,
    id: String,
    secret: String,
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<Subscription, StoreError> {
    write(store, move |r| {
        let mut s = r
            .get_subscription(&id)?
            .ok_or_else(|| StoreError::NotFound("no such subscription".into()))?;
        s.previous_secret = Some(std::mem::replace(&mut s.secret, secret));
        s.previous_until = Some(now + grace);
        s.updated_at = now;
        r.put_subscription(&s)?;
        Ok(s)
    })
    .await
}

/// Deletes subscription `id` and its deliveries.
///
/// # Errors
/// [`StoreError::NotFound`] when there is none.
pub async fn delete(store: &dyn Store, id: String) -> Result<(), StoreError> {
    if write(store, move |r| r.delete_subscription(&id)).await? {
        Ok(())
    } else {
        Err(StoreError::NotFound("no such subscription".into()))
    }
}

/// Subscription `id`.
///
/// # Errors
/// [`StoreError::NotFound`] when there is none.
pub async fn get(store: &dyn Store, id: String) -> Result<Subscription, StoreError> {
    read(store, move |r| r.get_subscription(&id))
        .await?
        .ok_or_else(|| StoreError::NotFound("no such subscription".into()))
}

/// Every subscription, oldest first.
///
/// # Errors
/// [`StoreError`].
pub async fn list(store: &dyn Store) -> Result<Vec<Subscription>, StoreError> {
    read(store, |r| r.list_subscriptions()).await
}

/// Subscription `id`'s deliveries (in `state`), newest first, at most `limit`.
///
/// # Errors
/// [`StoreError::NotFound`] when there is no such subscription.
pub async fn deliveries(
    store: &dyn Store,
    id: String,
    state: Option<OutboxState>,
    limit: i64,
) -> Result<Vec<OutboxItem>, StoreError> {
    read(store, move |r| {
        if r.get_subscription(&id)?.is_none() {
            return Err(StoreError::NotFound("no such subscription".into()));
        }
        r.outbox_items(&crate::outbox::subscription_consumer(&id), state, limit)
    })
    .await
}

/// One delivery of subscription `id`, with its attempts.
///
/// # Errors
/// [`StoreError::NotFound`] when there is no such delivery.
pub async fn delivery(
    store: &dyn Store,
    id: String,
    delivery_id: String,
) -> Result<(OutboxItem, Vec<OutboxAttempt>), StoreError> {
    read(store, move |r| {
        r.outbox_item(&crate::outbox::subscription_consumer(&id), &delivery_id)
    })
    .await?
    .ok_or_else(|| StoreError::NotFound("no such delivery".into()))
}

/// Puts a dead delivery back to `pending` (once).
///
/// # Errors
/// [`StoreError::NotFound`] for no such delivery, [`StoreError::Conflict`] when it is not dead
/// or was redelivered already.
pub async fn redeliver(
    store: &dyn Store,
    id: String,
    delivery_id: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let consumer = crate::outbox::subscription_consumer(&id);
    match write(store, move |r| {
        r.redeliver_outbox_item(&consumer, &delivery_id, now)
    })
    .await?
    {
        Redeliver::Queued => Ok(()),
        Redeliver::NotFound => Err(StoreError::NotFound("no such delivery".into())),
        Redeliver::NotDead => Err(StoreError::Conflict(
            "only a dead delivery can be redelivered, and only once".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_events_are_checked() {
        assert!(check_url("https://example.com/hook?x=1").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
            "https://a\0b",
            "example.com",
        ] {
            assert_eq!(check_url(bad), Err(SubscriptionError::InvalidUrl), "{bad}");
        }
        assert!(check_url(&format!("https://a/{}", "x".repeat(MAX_URL))).is_err());
        assert_eq!(
            parse_events(&[
                "message.status".into(),
                "message.received".into(),
                "message.status".into()
            ]),
            Ok(vec![EventType::MessageReceived, EventType::MessageStatus])
        );
        assert_eq!(
            parse_events(&["message.sent".into()]),
            Err(SubscriptionError::UnknownEvent("message.sent".into()))
        );
        assert_eq!(parse_events(&[]), Err(SubscriptionError::NoEvents));
    }
}
