//! The outbox worker (issue 21): claims due `whatsapp_outbox` rows under a lease
//! (`Repos::claim_outbox`; a conversation's rows one at a time, in order), runs rule actions
//! ([`run_rules_item`]) and delivers outgoing webhooks ([`deliver`], signed as Standard Webhooks
//! says: `sign.rs`), up to `WACLOUD_WEBHOOK_CONCURRENCY` at once, recording the attempts and
//! outcomes of the deliveries that finished meanwhile in one write, each fenced on its lease
//! ([`record_finished`]). A subscription whose last delivery was not
//! quick (or that has had none yet) has at most a quarter of those slots in flight, and the
//! subscriptions together all but one ([`Caps`]), so a receiver that hangs until the timeout
//! slows only its own deliveries and rule actions always find a slot (given two slots or
//! more). It also prunes finished rows after
//! `WACLOUD_WEBHOOK_RETAIN_DAYS`. Who gets rows is not its concern: each write transaction that
//! produces events reads that itself (`Repos::outbox_interest`).

pub mod sign;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch, Notify, OwnedSemaphorePermit, Semaphore};
use wacloud_core::outbox::{
    subscription_of, AttemptOutcome, OutboxAttempt, OutboxItem, RetryPolicy, Subscription, RULES,
};
use wacloud_core::ports::{
    new_id, read, write, write_background, ClaimLeases, ClaimRoom, Repos, Store, StoreError,
};
use wacloud_core::usecases::automation::{self, RulesItem, RunReport};
use wacloud_core::usecases::subscriptions as subs;

use crate::state::AppState;

/// How long a `rules` row is held: its run is one write job (automations and the fenced
/// finish, committed together), normally milliseconds, so a worker that died mid-run hands the
/// row over within seconds; a run that outlasts it is taken again and only one commits.
pub const RULES_LEASE: Duration = Duration::from_secs(10);

/// How often finished rows past their age are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// How long the worker lets deliveries finish before it claims again.
const GATHER: Duration = Duration::from_millis(3);

/// Most bytes of a receiver's answer read (the rest is dropped): only the status counts.
const MAX_ANSWER: usize = 16 * 1024;

/// A `rules` row (a new customer message): runs its automations
/// (`wacloud_core::usecases::automation::run`) and marks the row done
/// (`finish_outbox_item`, fenced on this worker's lease) in the same write job, so a crash
/// before the commit runs them again and after it never. `Ok(None)`: the lease was lost
/// (another worker took the row over), nothing written; `Ok(Some(report))`: what ran (replies
/// queued in `whatsapp_queue`: the caller wakes the queue worker).
///
/// # Errors
/// [`StoreError`] when the write fails (the row's lease then runs out and it is taken again).
pub async fn run_rules_item(
    store: &dyn Store,
    item: OutboxItem,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<Option<RunReport>, StoreError> {
    let owner = owner.to_owned();
    let id = item.id.clone();
    let Some(message_id) = rules_message_id(&item.payload) else {
        // Not a message's event: nothing to run.
        let done = write(store, move |r| r.finish_outbox_item(&id, &owner, now)).await?;
        return Ok(done.then(RunReport::default));
    };
    let finish = move |r: &mut dyn Repos| r.finish_outbox_item(&id, &owner, now);
    match automation::run(store, RulesItem { message_id }, now, finish).await {
        Ok(report) => Ok(Some(report)),
        // `run` rolls back with a conflict when `finish` finds the lease gone.
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The message a `rules` row is about: `data.message_id` of its `message.received` payload.
fn rules_message_id(payload: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    v.get("data")?
        .get("message_id")?
        .as_str()
        .map(str::to_owned)
}

/// A delivery that took less than this was quick: its subscription may use every slot the
/// subscriptions have ([`Caps`]).
const QUICK: Duration = Duration::from_secs(1);

/// How many of the worker's slots (`WACLOUD_WEBHOOK_CONCURRENCY`) subscriptions may hold: all
/// together every slot but one (when there are two or more), so that `rules` rows (a few
/// milliseconds each) always find a slot; each a quarter (at least one) unless its last
/// delivery was quick ([`QUICK`]), so that a receiver which accepts and never answers holds
/// only its quarter for the timeout, while one that answers at once is not held back (a
/// quarter of the slots would bound a single subscription's rate). A quick receiver that
/// starts to hang can hold the subscriptions' slots once, for one timeout; its next deliveries
/// are back to its quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Caps {
    each_subscription: i64,
    subscriptions: i64,
}

impl Caps {
    fn new(concurrency: usize) -> Self {
        let n = i64::try_from(concurrency).unwrap_or(i64::MAX).max(1);
        Self {
            each_subscription: (n / 4).max(1),
            subscriptions: if n >= 2 { n - 1 } else { 1 },
        }
    }

    /// The next claim's room given what the consumers have in flight and which
    /// subscriptions' last delivery was quick.
    fn room(self, f: &Flights) -> ClaimRoom {
        let mut busy = 0;
        let mut consumers = HashMap::new();
        for c in &f.quick {
            consumers.insert(c.clone(), self.subscriptions);
        }
        for (c, n) in f
            .in_flight
            .iter()
            .filter(|(c, n)| c.as_str() != RULES && **n > 0)
        {
            busy += n;
            let cap = if f.quick.contains(c) {
                self.subscriptions
            } else {
                self.each_subscription
            };
            consumers.insert(c.clone(), cap - n);
        }
        ClaimRoom {
            subscriptions: Some(self.subscriptions - busy),
            each_subscription: Some(self.each_subscription),
            consumers,
        }
    }
}

/// The worker's deliveries in flight, for [`Caps::room`].
#[derive(Debug, Default)]
struct Flights {
    /// Rows in flight per consumer (`rules`, `subscription:<id>`).
    in_flight: HashMap<String, i64>,
    /// The subscriptions (consumer names) whose last delivery took less than [`QUICK`].
    quick: HashSet<String>,
}

/// What the worker shares with its deliveries.
struct Ctx {
    store: Arc<dyn Store>,
    client: reqwest::Client,
    owner: String,
    policy: RetryPolicy,
    done: Notify,
    /// Wakes the queue worker when a rule queued a reply.
    queue_wake: Arc<Notify>,
    /// `WACLOUD_WEBHOOK_ALLOW_PRIVATE`.
    allow_private: bool,
    /// What is in flight, for [`Caps::room`].
    flights: Mutex<Flights>,
}

impl Ctx {
    fn flights(&self) -> std::sync::MutexGuard<'_, Flights> {
        self.flights
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn started(&self, consumer: &str) {
        *self
            .flights()
            .in_flight
            .entry(consumer.to_owned())
            .or_default() += 1;
    }

    /// A row of `consumer` finished after `took`.
    fn finished(&self, consumer: &str, took: Duration) {
        let mut f = self.flights();
        let gone = f.in_flight.get_mut(consumer).is_some_and(|n| {
            *n -= 1;
            *n <= 0
        });
        if gone {
            f.in_flight.remove(consumer);
        }
        if consumer != RULES {
            if took < QUICK {
                f.quick.insert(consumer.to_owned());
            } else {
                f.quick.remove(consumer);
            }
        }
    }
}

/// The error of an attempt refused because the receiver is on a private address.
const PRIVATE_TARGET: &str = "the receiver's address is loopback, link-local or private, and WACLOUD_WEBHOOK_ALLOW_PRIVATE is false; nothing was sent";

/// Whether `url`'s host is itself a private address or `localhost` (a subscription made while
/// `WACLOUD_WEBHOOK_ALLOW_PRIVATE` was true); names are checked as they resolve ([`PublicOnly`]).
fn private_literal(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .is_some_and(|u| u.host().is_some_and(|h| subs::private_host(&h)))
}

/// The outbox client's resolver when private receivers are not allowed: the system's
/// (`getaddrinfo`, on a blocking thread) keeping only public addresses, so a host name that an
/// admin (or its DNS) points at this server's network is never connected to, whatever it
/// resolved to when the subscription was made.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<_> = all
                .into_iter()
                .filter(|a| !subs::private_ip(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} resolves only to loopback, link-local or private addresses (WACLOUD_WEBHOOK_ALLOW_PRIVATE is false)").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// Runs the outbox until `stop` turns true, then waits (up to the receivers' timeout) for the
/// deliveries in flight to record their outcome.
pub async fn run_outbox(state: AppState, mut stop: watch::Receiver<bool>) {
    let cfg = state.settings.webhooks;
    let mut builder = reqwest::Client::builder();
    if !cfg.allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    let client = match builder
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(cfg.concurrency)
        .user_agent(concat!("wacloud-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "outbox: cannot build the HTTP client; no webhooks will be delivered");
            return;
        }
    };
    let to_chrono = |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    let ctx = Arc::new(Ctx {
        store: Arc::clone(&state.store),
        client,
        owner: format!("outbox-{}", new_id()),
        queue_wake: Arc::clone(&state.queue_wake),
        allow_private: cfg.allow_private,
        policy: RetryPolicy {
            base: to_chrono(cfg.retry_base),
            cap: to_chrono(cfg.retry_cap),
            max_age: to_chrono(cfg.max_age),
        },
        done: Notify::new(),
        flights: Mutex::new(Flights::default()),
    });
    let caps = Caps::new(cfg.concurrency);
    // Longer than any delivery can take, so that a row is never taken over while in flight.
    let lease = to_chrono(cfg.timeout * 2 + Duration::from_secs(30));
    let rules_lease = to_chrono(RULES_LEASE);
    let slots = Arc::new(Semaphore::new(cfg.concurrency));
    let (finished, to_record) = mpsc::unbounded_channel();
    tokio::spawn(record_finished(Arc::clone(&ctx), to_record));
    let mut pruned: Option<Instant> = None;
    tracing::info!(owner = %ctx.owner, concurrency = cfg.concurrency, "outbox worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        if pruned.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            pruned = Some(Instant::now());
            let before = Utc::now() - chrono::Duration::days(i64::from(cfg.retain_days));
            match write_background(ctx.store.as_ref(), move |r| r.prune_outbox(before)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "outbox: pruned finished deliveries"),
                Err(e) => tracing::warn!(error = %e, "outbox: cannot prune yet"),
            }
        }
        // One slot first: nothing is claimed that could not start at once.
        let first = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => p,
            _ = stop.changed() => break,
        };
        let Ok(first) = first else { break };
        let limit = i64::try_from(slots.available_permits() + 1).unwrap_or(1);
        let now = Utc::now();
        let owner = ctx.owner.clone();
        let room = caps.room(&ctx.flights());
        let claimed = write(ctx.store.as_ref(), move |r| {
            let leases = ClaimLeases {
                rules: now + rules_lease,
                deliveries: now + lease,
            };
            r.claim_outbox(&owner, now, leases, limit, &room)
        })
        .await;
        let items = match claimed {
            Ok(items) => items,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot claim rows");
                drop(first);
                sleep_or_stop(&mut stop, cfg.poll, None).await;
                continue;
            }
        };
        if items.is_empty() {
            drop(first);
            sleep_or_stop(&mut stop, cfg.poll, Some(&ctx.done)).await;
            continue;
        }
        let full = items.len() >= usize::try_from(limit).unwrap_or(1);
        let subs = if items.iter().any(|i| i.consumer != RULES) {
            match read(ctx.store.as_ref(), |r| r.list_subscriptions()).await {
                Ok(list) => list
                    .into_iter()
                    .map(|s| (s.id.clone(), Arc::new(s)))
                    .collect(),
                Err(e) => {
                    // Their leases run out and they are taken again.
                    tracing::warn!(error = %e, "outbox: cannot read the subscriptions");
                    drop(first);
                    continue;
                }
            }
        } else {
            HashMap::new()
        };
        let mut first = Some(first);
        for item in items {
            let permit = match first.take() {
                Some(p) => p,
                None => match Arc::clone(&slots).acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => break,
                },
            };
            let ctx = Arc::clone(&ctx);
            let sub = subscription_of(&item.consumer).and_then(|id| subs.get(id).cloned());
            let finished = finished.clone();
            let consumer = item.consumer.clone();
            ctx.started(&consumer);
            tokio::spawn(async move {
                let t0 = Instant::now();
                let outcome = handle(&ctx, item, sub).await;
                ctx.finished(&consumer, t0.elapsed());
                match outcome {
                    Some((attempt, outcome)) => {
                        // The recorder outlives every sender; if it were gone the lease runs out.
                        let _ = finished.send((attempt, outcome, permit));
                    }
                    None => {
                        drop(permit);
                        ctx.done.notify_one();
                    }
                }
            });
        }
        if !full {
            // Rows behind the ones in flight become due when those finish; a moment more lets
            // several finish, so that one claim takes many rows rather than one each.
            sleep_or_stop(&mut stop, cfg.poll, Some(&ctx.done)).await;
            tokio::time::sleep(GATHER).await;
        }
    }
    // Let the deliveries in flight record what came of them.
    let all = u32::try_from(cfg.concurrency).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(
        cfg.timeout + Duration::from_secs(1),
        slots.acquire_many(all),
    )
    .await;
}

async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, pause: Duration, woken: Option<&Notify>) {
    let wake = async {
        match woken {
            Some(n) => n.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = tokio::time::sleep(pause) => {}
        () = wake => {}
        _ = stop.changed() => {}
    }
}

/// Runs a `rules` row, or delivers a subscription's row and answers its attempt and outcome
/// for [`record_finished`] (`None` for a rules row: its run records itself).
async fn handle(
    ctx: &Ctx,
    item: OutboxItem,
    sub: Option<Arc<Subscription>>,
) -> Option<(OutboxAttempt, AttemptOutcome)> {
    if item.consumer == RULES {
        match run_rules_item(ctx.store.as_ref(), item, &ctx.owner, Utc::now()).await {
            Ok(Some(report)) if report.queued > 0 => ctx.queue_wake.notify_one(),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "outbox: a rule action failed; it is taken again later");
            }
        }
        return None;
    }
    let id = item.id.clone();
    let started = Utc::now();
    let t0 = Instant::now();
    let (status_code, error) = match &sub {
        Some(s) if s.active && !ctx.allow_private && private_literal(&s.url) => {
            (None, Some(PRIVATE_TARGET.to_owned()))
        }
        Some(s) if s.active => deliver(&ctx.client, s, &item, started).await,
        Some(_) => (None, Some("the subscription is inactive".to_owned())),
        None => (None, Some("the subscription no longer exists".to_owned())),
    };
    let delivered = error.is_none();
    let outcome = if delivered {
        AttemptOutcome::Delivered
    } else if sub.is_none() {
        AttemptOutcome::Dead
    } else {
        ctx.policy.after_failure(
            item.attempts + 1,
            item.created_at,
            Utc::now(),
            rand::random::<f64>(),
        )
    };
    let attempt = OutboxAttempt {
        id: new_id(),
        outbox_id: id,
        attempted_at: started,
        status_code,
        error,
        duration_ms: i64::try_from(t0.elapsed().as_millis()).unwrap_or(i64::MAX),
    };
    Some((attempt, outcome))
}

/// A delivery's attempt and outcome waiting to be recorded, with the slot it holds until then.
type Finished = (OutboxAttempt, AttemptOutcome, OwnedSemaphorePermit);

/// Most attempts recorded in one write.
const RECORD_BATCH: usize = 500;

/// Records finished deliveries: whatever finished while the previous write was being committed
/// goes in the next one (`record_outbox_attempts`), so that the store sees a few writes a
/// second rather than one per delivery. Each slot is given back once its attempt is recorded
/// (or the write failed: the row's lease then runs out and it is delivered again). Ends when
/// every sender is gone.
async fn record_finished(ctx: Arc<Ctx>, mut rx: mpsc::UnboundedReceiver<Finished>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < RECORD_BATCH {
            match rx.try_recv() {
                Ok(f) => batch.push(f),
                Err(_) => break,
            }
        }
        let (attempts, permits): (Vec<_>, Vec<_>) =
            batch.into_iter().map(|(a, o, p)| ((a, o), p)).unzip();
        let n = attempts.len();
        let owner = ctx.owner.clone();
        let recorded = write(ctx.store.as_ref(), move |r| {
            r.record_outbox_attempts(&owner, &attempts)
        })
        .await;
        match recorded {
            Ok(k) if k == n => {}
            Ok(k) => tracing::debug!(
                lost = n - k,
                "outbox: leases lost before their attempts were recorded"
            ),
            Err(e) => {
                tracing::warn!(error = %e, attempts = n, "outbox: cannot record delivery attempts")
            }
        }
        drop(permits);
        ctx.done.notify_one();
    }
}

/// POSTs `item`'s body to `sub.url`, signed; answers the receiver's status and, unless it is
/// 2xx, what went wrong. Any other answer, a timeout or a connection error is a failure to be
/// retried (a 410 too: a receiver that is gone is disabled by deleting its subscription).
pub async fn deliver(
    client: &reqwest::Client,
    sub: &Subscription,
    item: &OutboxItem,
    at: DateTime<Utc>,
) -> (Option<i32>, Option<String>) {
    let ts = at.timestamp();
    let signature = sign::signature(
        &sub.signing_secrets(at),
        &item.event_id,
        ts,
        item.payload.as_bytes(),
    );
    let sent = client
        .post(&sub.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &item.event_id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature)
        .body(item.payload.clone())
        .send()
        .await;
    match sent {
        Ok(mut resp) => {
            let status = resp.status();
            // Read a little of the answer so the connection can be reused; never all of it.
            let mut read = 0;
            while read < MAX_ANSWER {
                match resp.chunk().await {
                    Ok(Some(c)) => read += c.len(),
                    _ => break,
                }
            }
            let code = Some(i32::from(status.as_u16()));
            if status.is_success() {
                (code, None)
            } else {
                (code, Some(format!("the receiver answered {status}")))
            }
        }
        // Without the URL: it may carry a token in its query.
        Err(e) => (None, Some(e.without_url().to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    /// Without `WACLOUD_WEBHOOK_ALLOW_PRIVATE`, a name resolving only to loopback addresses is
    /// a failed attempt (nothing connected to); a literal private host is refused before.
    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_not_connected_to() {
        let name: reqwest::dns::Name = "localhost".parse().expect("a name");
        let refused = PublicOnly.resolve(name).await;
        let err = refused.err().expect("localhost resolves only to loopback");
        assert!(err.to_string().contains("private"), "{err}");
        assert!(private_literal("http://127.0.0.1:9/x"));
        assert!(private_literal("http://[::1]/"));
        assert!(!private_literal("https://hooks.example.com/"));
    }

    /// A subscription's room is its quarter of the slots (all the subscriptions' when its last
    /// delivery was quick) less what it has in flight; the subscriptions together keep one
    /// slot free; `rules` is never bounded by them.
    #[test]
    fn a_subscription_has_a_quarter_of_the_slots_and_rules_always_one() {
        assert_eq!(
            Caps::new(64),
            Caps {
                each_subscription: 16,
                subscriptions: 63
            }
        );
        assert_eq!(
            Caps::new(1),
            Caps {
                each_subscription: 1,
                subscriptions: 1
            }
        );
        let caps = Caps::new(4);
        let f = Flights {
            in_flight: HashMap::from([
                ("subscription:a".to_owned(), 1),
                ("subscription:b".to_owned(), 1),
                (RULES.to_owned(), 2),
            ]),
            quick: HashSet::from(["subscription:b".to_owned(), "subscription:d".to_owned()]),
        };
        let room = caps.room(&f);
        assert_eq!(room.of("subscription:a"), 0);
        assert_eq!(room.of("subscription:c"), 1);
        // Quick: up to the subscriptions' three slots.
        assert_eq!(room.of("subscription:b"), 2);
        assert_eq!(room.of("subscription:d"), 3);
        assert_eq!(room.subscriptions, Some(1));
        assert_eq!(room.of(RULES), i64::MAX);
    }
}
