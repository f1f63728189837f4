//! The change feed (live updates) and recovery after lost connections.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::PgConnection;
use tokio::sync::broadcast;
use wacloud_core::changes::{ChangeFeed, ChangeSet};
use wacloud_core::events::CustomerRef;
use wacloud_core::ports::{read, write, Store, StoreError};

use crate::testdb::{postgres_admin_url, TestDb};
use crate::{DbStore, StoreOptions};

fn who(n: u32) -> CustomerRef {
    CustomerRef {
        wa_id: Some(format!("1555000{n:04}")),
        ..CustomerRef::default()
    }
}

fn open(db: &TestDb) -> DbStore {
    DbStore::open(
        db.url(),
        &StoreOptions {
            read_timeout: Duration::from_secs(1),
            ..StoreOptions::default()
        },
    )
    .expect("open the store")
}

async fn add_contact(store: &DbStore, id: &str, n: u32) -> Result<(), StoreError> {
    let id = id.to_owned();
    write(store, move |r| {
        r.insert_contact(&id, &who(n), Utc::now()).map(drop)
    })
    .await
}

/// The next change set that is not only a resync, within 10 s.
async fn next_change(rx: &mut broadcast::Receiver<Arc<ChangeSet>>) -> ChangeSet {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(set)) if set.has_ids() => return (*set).clone(),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("feed: {e}"),
            Err(_) => panic!("no change announced within 10 s"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_newest_write_the_database_refused_is_kept() {
    let db = TestDb::new();
    let store = open(&db);
    assert_eq!(store.write_failure(), None);
    let unavailable = |msg: &'static str| {
        move |_: &mut dyn wacloud_core::ports::Repos| {
            Err::<(), _>(StoreError::Unavailable(msg.into()))
        }
    };
    assert!(write(&store, unavailable("disk full")).await.is_err());
    let first = store.write_failure().expect("kept");
    assert_eq!(first.error, "disk full");
    assert!(write(&store, unavailable("still full")).await.is_err());
    let second = store.write_failure().expect("kept");
    assert_eq!(second.error, "still full", "the newest");
    assert!(second.at >= first.at);
    // A job refusing for its own reasons says nothing about the database; nor does a write
    // that succeeds (it may have needed no disk space).
    let refused = write(&store, |_| {
        Err::<(), _>(StoreError::Conflict("taken".into()))
    })
    .await;
    assert!(refused.is_err());
    add_contact(&store, "c1", 1).await.expect("write");
    assert_eq!(store.write_failure(), Some(second));
    store.shutdown();
    assert!(add_contact(&store, "c2", 2).await.is_err());
    let stopped = store.write_failure().expect("a stopped store cannot write");
    assert!(stopped.error.contains("shutting down"), "{stopped:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_changes_are_announced_and_rolled_back_ones_are_not() {
    let db = TestDb::new();
    let store = open(&db);
    let mut rx = store.subscribe();
    add_contact(&store, "c1", 1).await.expect("write");
    let set = next_change(&mut rx).await;
    assert_eq!(set.contacts, ["c1"]);

    let failed = write(&store, |r| {
        r.insert_contact("c2", &who(2), Utc::now())?;
        Err::<(), _>(StoreError::Conflict("the job changed its mind".into()))
    })
    .await;
    assert!(failed.is_err());
    let c2 = read(&store, |r| r.get_contact("c2")).await.expect("read");
    assert!(
        c2.is_none(),
        "a failed job's writes are rolled back: {c2:?}"
    );
    add_contact(&store, "c3", 3).await.expect("write");
    let set = next_change(&mut rx).await;
    assert_eq!(set.contacts, ["c3"], "a rolled-back job announces nothing");
    store.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_instance_hears_every_instances_changes_on_postgres() {
    let Some(db) = TestDb::postgres() else {
        eprintln!("skipped: WACLOUD_TEST_POSTGRES_URL is not set");
        return;
    };
    let (a, b) = (open(&db), open(&db));
    let mut on_a = a.subscribe();
    let mut on_b = b.subscribe();
    add_contact(&a, "from-a", 1).await.expect("write on a");
    assert_eq!(next_change(&mut on_b).await.contacts, ["from-a"]);
    assert_eq!(next_change(&mut on_a).await.contacts, ["from-a"]);
    // Many changes in one commit are split into several notifications, none lost.
    let ids: Vec<String> = (0..400).map(|i| format!("bulk-{i:03}")).collect();
    let ids_c = ids.clone();
    write(&b, move |r| {
        for (i, id) in ids_c.iter().enumerate() {
            r.insert_contact(id, &who(100 + u32::try_from(i).unwrap_or(0)), Utc::now())?;
        }
        Ok(())
    })
    .await
    .expect("bulk write");
    let mut heard = Vec::new();
    while heard.len() < ids.len() {
        heard.extend(next_change(&mut on_a).await.contacts);
    }
    heard.sort();
    assert_eq!(heard, ids);
    a.shutdown();
    b.shutdown();
}

/// Ends every connection to the test database, as a PostgreSQL restart does.
fn terminate_connections(db: &TestDb) {
    let admin = postgres_admin_url().expect("admin url");
    let name = db.url().rsplit('/').next().expect("name").to_owned();
    let mut c = PgConnection::establish(&admin).expect("connect");
    c.batch_execute(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .expect("terminate");
}

/// Polls `f` until it succeeds; every failure on the way must say "unavailable".
async fn until_ok<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), StoreError>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match f().await {
            Ok(()) => return,
            Err(StoreError::Unavailable(_)) => {}
            Err(e) => panic!("{what}: {e} (expected only `unavailable` while reconnecting)"),
        }
        assert!(Instant::now() < deadline, "{what} did not recover");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_readers_and_listener_reconnect_after_lost_connections_on_postgres() {
    let Some(db) = TestDb::postgres() else {
        eprintln!("skipped: WACLOUD_TEST_POSTGRES_URL is not set");
        return;
    };
    let store = open(&db);
    let mut rx = store.subscribe();
    add_contact(&store, "before", 1).await.expect("write");
    read(&store, |r| r.get_contact("before").map(drop))
        .await
        .expect("read");
    assert_eq!(next_change(&mut rx).await.contacts, ["before"]);

    terminate_connections(&db);

    until_ok("ping", || store.ping()).await;
    until_ok("read", || {
        read(&store, |r| r.get_contact("before").map(drop))
    })
    .await;
    let mut n = 0;
    until_ok("write", || {
        n += 1;
        let id = format!("after-{n}");
        let store = store.clone();
        async move { add_contact(&store, &id, 1000 + n).await }
    })
    .await;
    // The listener says "re-read everything" after reconnecting, then announces as before.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut resync = false;
    let mut announced = false;
    while !(resync && announced) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(set)) => {
                resync |= set.resync;
                announced |= set.contacts.iter().any(|c| c.starts_with("after-"));
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            other => panic!("listener: {other:?} (resync {resync}, announced {announced})"),
        }
    }
    add_contact(&store, "later", 9999).await.expect("write");
    assert_eq!(next_change(&mut rx).await.contacts, ["later"]);
    store.shutdown();
}

/// The backlog marks a delivery finished only while it is `received`, in the transaction that
/// applies its effects: a second attempt (a database read racing queued plans, or another
/// instance) finds it finished and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_received_delivery_is_finished_once() {
    use wacloud_core::webhook::{NewWebhook, WebhookOutcome, WebhookState};
    let db = TestDb::new();
    let store = open(&db);
    let now = Utc::now();
    let delivery = NewWebhook {
        id: "wh-1".into(),
        received_at: now,
        body: b"{}".to_vec(),
        body_sha256: "ab".repeat(32),
        signature: None,
    };
    let received = WebhookOutcome {
        state: WebhookState::Received,
        error: None,
        event_count: 0,
        phone_number_id: None,
        fields: None,
        processed_at: now,
    };
    let processed = WebhookOutcome {
        state: WebhookState::Processed,
        event_count: 3,
        ..received.clone()
    };
    write(&store, move |r| {
        r.insert_webhook(&delivery, &received).map(drop)
    })
    .await
    .expect("stored");
    let first = processed.clone();
    let finished = write(&store, move |r| {
        let once = r.finish_received_webhook("wh-1", &first)?;
        let twice = r.finish_received_webhook("wh-1", &first)?;
        Ok((once, twice))
    })
    .await
    .expect("finished");
    assert_eq!(finished, (true, false));
    let again = write(&store, move |r| {
        r.finish_received_webhook("wh-1", &processed)
    })
    .await
    .expect("no error");
    assert!(!again, "a processed delivery is not finished again");
    let pending = read(&store, |r| r.pending_webhooks(true, 10))
        .await
        .expect("read");
    assert!(pending.is_empty(), "{pending:?}");
    let missing = write(&store, |r| {
        r.finish_received_webhook(
            "nope",
            &WebhookOutcome {
                state: WebhookState::Processed,
                error: None,
                event_count: 0,
                phone_number_id: None,
                fields: None,
                processed_at: Utc::now(),
            },
        )
    })
    .await
    .expect("no error");
    assert!(!missing);
}

/// Deferred work (a webhook's effects applied later) goes to the writer as background jobs:
/// they run in their order, one per transaction, and a waiting caller is never held behind the
/// whole backlog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_callers_take_turns_with_background_jobs() {
    use std::sync::Mutex;
    use wacloud_core::ports::write_background;
    let db = TestDb::new();
    let store = Arc::new(open(&db));
    let order: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut tasks = Vec::new();
    // Keeps the writer busy while the others queue up behind it.
    tasks.push(tokio::spawn({
        let (store, order) = (Arc::clone(&store), Arc::clone(&order));
        async move {
            write(store.as_ref(), move |_| {
                std::thread::sleep(Duration::from_millis(800));
                order.lock().unwrap().push("blocker".into());
                Ok(())
            })
            .await
        }
    }));
    tokio::time::sleep(Duration::from_millis(100)).await;
    for name in ["bg1", "bg2", "bg3", "bg4", "fg1", "fg2"] {
        let (store, order) = (Arc::clone(&store), Arc::clone(&order));
        let record = move |_: &mut dyn wacloud_core::ports::Repos| {
            order.lock().unwrap().push(name.to_owned());
            Ok(())
        };
        tasks.push(tokio::spawn(async move {
            if name.starts_with("bg") {
                write_background(store.as_ref(), record).await
            } else {
                write(store.as_ref(), record).await
            }
        }));
        // Each reaches the writer's queue before the next.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for t in tasks {
        t.await.expect("task").expect("job");
    }
    let order = order.lock().unwrap().clone();
    let want = if store.backend() == "sqlite" {
        // After the blocker (a waiting caller's job), one background job in a transaction of
        // its own, then every waiting caller's job, then the other background jobs in order.
        ["blocker", "bg1", "fg1", "fg2", "bg2", "bg3", "bg4"]
    } else {
        // PostgreSQL: the waiting callers' jobs and one background job share a transaction.
        ["blocker", "fg1", "fg2", "bg1", "bg2", "bg3", "bg4"]
    };
    assert_eq!(order, want, "{order:?}");
}

/// A job that panics fails alone: what it wrote is rolled back, the writer keeps serving, and
/// the store stays healthy — alone in its transaction and inside a batch of several jobs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_write_job_fails_alone_and_the_writer_goes_on() {
    let db = TestDb::new();
    let store = open(&db);
    let panicked = write::<(), _>(&store, |r| {
        r.insert_contact("c-panic", &who(1), Utc::now())?;
        panic!("a bug in a write job");
    })
    .await;
    match panicked {
        Err(StoreError::Internal(e)) => assert!(e.contains("a bug in a write job"), "{e}"),
        other => panic!("expected the job's own failure, got {other:?}"),
    }
    add_contact(&store, "c-after", 2)
        .await
        .expect("the writer serves the next job");
    // Several jobs at once share a transaction: the panicking one is rolled back to its
    // savepoint, the others commit.
    let mut jobs = Vec::new();
    for n in 0..20u32 {
        let s = store.clone();
        jobs.push(tokio::spawn(async move {
            if n % 5 == 0 {
                write::<(), _>(&s, move |r| {
                    r.insert_contact(&format!("b-panic-{n}"), &who(100 + n), Utc::now())?;
                    panic!("bug {n}")
                })
                .await
            } else {
                add_contact(&s, &format!("b-{n}"), 100 + n).await
            }
        }));
    }
    for (n, j) in jobs.into_iter().enumerate() {
        let r = j.await.expect("task");
        assert_eq!(r.is_ok(), n % 5 != 0, "job {n}: {r:?}");
    }
    let (gone, kept, after) = read(&store, |r| {
        let mut gone = r.get_contact("c-panic")?.is_none();
        for n in (0..20).step_by(5) {
            gone &= r.get_contact(&format!("b-panic-{n}"))?.is_none();
        }
        let kept = (0..20u32)
            .filter(|n| n % 5 != 0)
            .map(|n| r.get_contact(&format!("b-{n}")).map(|c| c.is_some()))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .all(|k| k);
        Ok((gone, kept, r.get_contact("c-after")?.is_some()))
    })
    .await
    .expect("read");
    assert!(gone, "a panicking job's writes were rolled back");
    assert!(kept && after, "the other jobs committed");
    store.ping().await.expect("the store is healthy");
    assert!(
        store.write_failure().is_none(),
        "a job's bug is not a database failure"
    );
}
