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

/// `conversation.assigned` for contact `contact_id` (`assignee_id` none: unassigned), made by
/// `actor` (an actor tag: `operator:<id>`, `rule:<id>`, …), ordered by the contact.
pub(crate) fn conversation_assigned(
    r: &mut dyn Repos,
    contact_id: &str,
    assignee_id: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let data = serde_json::json!({
        "contact_id": contact_id,
        "assignee_id": assignee_id,
        "actor": actor,
    });
    emit(
        r,
        EventType::ConversationAssigned,
        &data,
        Some(contact_id),
        contact_id,
        now,
    )
}

/// `conversation.resolved` for contact `contact_id`, made by `actor` (an actor tag).
pub(crate) fn conversation_resolved(
    r: &mut dyn Repos,
    contact_id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let data = serde_json::json!({ "contact_id": contact_id, "actor": actor });
    emit(
        r,
        EventType::ConversationResolved,
        &data,
        Some(contact_id),
        contact_id,
        now,
    )
}

/// Longest URL, in bytes.
pub const MAX_URL: usize = 2048;

/// Why a subscription was refused (each a 400 naming the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// Not an `http://` or `https://` URL with a host (and a port 1–65535 when one is given),
    /// too long, or with control characters.
    #[error("url must be an http:// or https:// URL with a host, at most {MAX_URL} bytes, without spaces or control characters")]
    InvalidUrl,
    /// A user name or password in the URL: it would be sent with every delivery and shown in
    /// the subscription (receivers verify the signature instead).
    #[error(
        "url must not carry a user name or password: receivers verify the webhook-signature header"
    )]
    UserInfo,
    /// The host is a loopback, link-local, unspecified or private address (or `localhost`),
    /// refused unless `WACLOUD_WEBHOOK_ALLOW_PRIVATE=true`: otherwise an admin could make the
    /// server probe its own network (SSRF).
    #[error("url points at a loopback, link-local or private address; set WACLOUD_WEBHOOK_ALLOW_PRIVATE=true to allow receivers on this server's network")]
    PrivateUrl,
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

/// Checks `url` as the WHATWG URL standard parses it (the `url` crate, as HTTP clients do):
/// scheme `http` or `https` (any case), a host, a port 1–65535 if given, no user name or
/// password, at most [`MAX_URL`] bytes, no whitespace or control characters (NUL included),
/// which the parser would otherwise silently drop. With `allow_private` false, a host that is
/// a private address ([`private_host`]) is refused too.
///
/// # Errors
/// [`SubscriptionError::InvalidUrl`], [`SubscriptionError::UserInfo`],
/// [`SubscriptionError::PrivateUrl`].
pub fn check_url(url: &str, allow_private: bool) -> Result<(), SubscriptionError> {
    if url.len() > MAX_URL || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(SubscriptionError::InvalidUrl);
    }
    // The parser forgives what a typo makes (`https:///x`, `http:host`, backslashes) by
    // guessing a host; a subscription's URL names its host plainly.
    let authority = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .ok_or(SubscriptionError::InvalidUrl)?;
    if authority.starts_with(['/', '\\']) || url.contains('\\') {
        return Err(SubscriptionError::InvalidUrl);
    }
    let parsed = url::Url::parse(url).map_err(|_| SubscriptionError::InvalidUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(SubscriptionError::InvalidUrl);
    }
    let host = parsed.host().ok_or(SubscriptionError::InvalidUrl)?;
    if matches!(&host, url::Host::Domain(d) if d.is_empty()) || parsed.port() == Some(0) {
        return Err(SubscriptionError::InvalidUrl);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(SubscriptionError::UserInfo);
    }
    if !allow_private && private_host(&host) {
        return Err(SubscriptionError::PrivateUrl);
    }
    Ok(())
}

/// Whether `host` is on this server's own network: `localhost` (and `*.localhost`, RFC 6761),
/// or an address that is loopback, unspecified, link-local (169.254.0.0/16, fe80::/10),
/// private (10/8, 172.16/12, 192.168/16, fc00::/7), shared (100.64/10), broadcast or
/// multicast; an IPv6 address carrying an IPv4 one (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96,
/// IPv4-compatible ::/96) by its IPv4 address.
#[must_use]
pub fn private_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(a) => private_ip(std::net::IpAddr::V4(*a)),
        url::Host::Ipv6(a) => private_ip(std::net::IpAddr::V6(*a)),
    }
}

/// [`private_host`] for an address (as a resolver answers).
#[must_use]
pub fn private_ip(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(a) => {
            let [o1, o2, ..] = a.octets();
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.is_multicast()
                || o1 == 0
                || (o1 == 100 && (64..128).contains(&o2))
        }
        std::net::IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return private_ip(std::net::IpAddr::V4(v4));
            }
            let seg = a.segments();
            // An IPv4 address inside the IPv6 one: the NAT64 prefix 64:ff9b::/96 (RFC 6052)
            // and the deprecated IPv4-compatible ::/96 both reach it.
            let o = a.octets();
            let v4 = std::net::Ipv4Addr::new(o[12], o[13], o[14], o[15]);
            if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || (seg[..6] == [0; 6] && seg[6] != 0) {
                return private_ip(std::net::IpAddr::V4(v4));
            }
            let first = seg[0];
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (first & 0xffc0) == 0xfe80
                || (first & 0xfe00) == 0xfc00
        }
    }
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
    /// Receivers on private addresses are allowed (`WACLOUD_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
}

impl SubscriptionInput {
    fn check(&self) -> Result<Vec<EventType>, SubscriptionError> {
        check_url(&self.url, self.allow_private)?;
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
        previous: Vec::new(),
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

/// Signs with `secret` from now on; the old secret signs too for `grace`, and earlier ones
/// until their own grace ends ([`Subscription::rotate`]; Standard Webhooks: several
/// signatures during a rotation).
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
        s.rotate(secret, grace, now);
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

/// Subscription `id`'s deliveries (in `state`), newest first, at most `limit`, older than
/// delivery `before` when given (the previous page's last).
///
/// # Errors
/// [`StoreError::NotFound`] when there is no such subscription.
pub async fn deliveries(
    store: &dyn Store,
    id: String,
    state: Option<OutboxState>,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<OutboxItem>, StoreError> {
    read(store, move |r| {
        if r.get_subscription(&id)?.is_none() {
            return Err(StoreError::NotFound("no such subscription".into()));
        }
        r.outbox_items(
            &crate::outbox::subscription_consumer(&id),
            state,
            before.as_deref(),
            limit,
        )
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
        assert!(check_url("https://example.com/hook?x=1", false).is_ok());
        assert!(check_url("HTTPS://Example.com/hook", false).is_ok());
        assert!(check_url("Http://example.com:65535/", false).is_ok());
        assert!(check_url("http://127.0.0.1:8080", true).is_ok());
        for bad in [
            "ftp://x",
            "https://",
            "https:///x",
            "http:example.com",
            "https:\\\\example.com",
            "https://example.com\\@evil.com/",
            "https://a b",
            "https://a\0b",
            "example.com",
            "http://[::1/",
            "http://@/",
            "http://example.com:0/",
            "http://example.com:65536/",
            "http://example.com:99999/",
            "javascript://example.com/",
            "file:///etc/passwd",
        ] {
            assert_eq!(
                check_url(bad, true),
                Err(SubscriptionError::InvalidUrl),
                "{bad}"
            );
        }
        for userinfo in [
            "http://user:pass@example.com/",
            "https://user@example.com/",
            "https://:pass@example.com/",
        ] {
            assert_eq!(
                check_url(userinfo, true),
                Err(SubscriptionError::UserInfo),
                "{userinfo}"
            );
        }
        assert!(check_url(&format!("https://a/{}", "x".repeat(MAX_URL)), true).is_err());
    }

    #[test]
    fn private_targets_are_refused_unless_allowed() {
        for private in [
            "http://127.0.0.1:8080/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://localhost:9000/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://0.0.0.0/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://[::1]/",
            "http://[::]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://224.0.0.1/",
            "http://[ff02::1]/",
        ] {
            assert_eq!(
                check_url(private, false),
                Err(SubscriptionError::PrivateUrl),
                "{private}"
            );
            assert_eq!(check_url(private, true), Ok(()), "{private}");
        }
        for public in [
            "https://8.8.8.8/",
            "https://172.32.0.1/",
            "https://[2001:4860:4860::8888]/",
            "https://[64:ff9b::808:808]/",
            "https://hooks.example.com/",
            "https://localhost.example.com/",
        ] {
            assert_eq!(check_url(public, false), Ok(()), "{public}");
        }
    }

    #[test]
    fn events_are_checked() {
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
