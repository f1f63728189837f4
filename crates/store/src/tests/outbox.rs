//! The outbox's claim: a consumer's rows of one ordering key one at a time and in order (dead
//! rows do not block), leases fence the finish, a lapsed lease is taken over; redelivery once;
//! pruning. On the backend `WACLOUD_TEST_BACKEND` names.

use chrono::{Duration, Utc};
use serde_json::json;
use wacloud_core::outbox::{AttemptOutcome, EventType, Interest, OutboxAttempt, OutboxWrite};
use wacloud_core::ports::{new_id, read, write, ClaimLeases, ClaimRoom, Redeliver};

use crate::testdb::TestDb;
use crate::{DbStore, StoreOptions};

fn interest() -> Interest {
    Interest {
        automations: true,
        subscriptions: vec![("s1".into(), vec![EventType::MessageReceived])],
    }
}

/// Subscription `s1` (the claim reads the consumers from the subscriptions).
async fn subscribe(store: &DbStore) {
    let now = Utc::now();
    let sub = wacloud_core::outbox::Subscription {
        id: "s1".into(),
        url: "http://127.0.0.1:9/".into(),
        secret: "whsec_eA==".into(),
        previous: Vec::new(),
        events: vec![EventType::MessageReceived],
        bot: false,
        active: true,
        description: None,
        created_at: now,
        updated_at: now,
    };
    write(store, move |r| r.put_subscription(&sub))
        .await
        .expect("subscribe");
}

async fn enqueue(store: &DbStore, key: &str, n: i32) {
    let mut w = OutboxWrite::default();
    w.push(
        &interest(),
        EventType::MessageReceived,
        &json!({ "n": n }),
        Some(key),
        key,
        Utc::now(),
    );
    write(store, move |r| r.enqueue_outbox(&w))
        .await
        .expect("enqueue");
}

fn attempt(id: &str) -> OutboxAttempt {
    OutboxAttempt {
        id: new_id(),
        outbox_id: id.to_owned(),
        attempted_at: Utc::now(),
        status_code: Some(500),
        error: Some("down".into()),
        duration_ms: 3,
    }
}

#[tokio::test]
async fn rows_of_a_conversation_are_claimed_one_at_a_time_in_order() {
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    subscribe(&store).await;
    for n in 0..3 {
        enqueue(&store, "contact-a", n).await;
    }
    enqueue(&store, "contact-b", 9).await;
    let now = Utc::now();
    let claim = |owner: &'static str, at: chrono::DateTime<Utc>| {
        let store = store.clone();
        async move {
            write(&store, move |r| {
                r.claim_outbox(
                    owner,
                    at,
                    ClaimLeases::same(at + Duration::seconds(30)),
                    100,
                    &ClaimRoom::default(),
                )
            })
            .await
            .expect("claim")
        }
    };
    // Heads only: for each consumer, a's first and b's.
    let first = claim("w1", now).await;
    assert_eq!(first.len(), 4, "{first:?}");
    let body = |i: &wacloud_core::outbox::OutboxItem| -> i64 {
        serde_json::from_str::<serde_json::Value>(&i.payload).expect("json")["data"]["n"]
            .as_i64()
            .expect("n")
    };
    let a_sub: Vec<_> = first
        .iter()
        .filter(|i| i.consumer == "subscription:s1" && i.ordering_key == "contact-a")
        .collect();
    assert_eq!(a_sub.len(), 1);
    assert_eq!(body(a_sub[0]), 0);
    // Nothing more while they are leased.
    assert!(claim("w2", now).await.is_empty());
    // Another owner cannot finish them; the holder can.
    let head = a_sub[0].id.clone();
    for i in first.iter().filter(|i| i.id != head) {
        let id = i.id.clone();
        assert!(write(&store, move |r| r.finish_outbox_item(&id, "w1", now))
            .await
            .expect("w"));
    }
    let (h1, h2) = (head.clone(), head.clone());
    assert!(
        !write(&store, move |r| r.finish_outbox_item(&h1, "w2", Utc::now()))
            .await
            .expect("w")
    );
    // A failure makes it pending again (retry later): it still blocks the row behind it.
    let later = Utc::now() + Duration::seconds(60);
    let at = attempt(&head);
    assert_eq!(
        write(&store, move |r| r.record_outbox_attempts(
            "w1",
            &[(at, AttemptOutcome::Retry(later))]
        ))
        .await
        .expect("w"),
        1
    );
    let sub_a = |items: &[wacloud_core::outbox::OutboxItem]| -> Vec<i64> {
        items
            .iter()
            .filter(|i| i.consumer == "subscription:s1" && i.ordering_key == "contact-a")
            .map(body)
            .collect()
    };
    assert!(
        sub_a(&claim("w2", now).await).is_empty(),
        "the row behind a retried one waits"
    );
    // Due again: the head itself (not the row behind it).
    let again = claim("w2", later + Duration::seconds(1)).await;
    assert_eq!(sub_a(&again), [0]);
    let at = attempt(&h2);
    assert_eq!(
        write(&store, move |r| r
            .record_outbox_attempts("w2", &[(at, AttemptOutcome::Dead)]))
        .await
        .expect("w"),
        1
    );
    // Dead rows do not block: the next one of a comes.
    let next = claim("w3", later + Duration::seconds(2)).await;
    assert_eq!(sub_a(&next), [1]);
    // A lapsed lease is taken over.
    let over = claim("w4", later + Duration::minutes(5)).await;
    assert_eq!(sub_a(&over), [1]);
    // The dead row: attempts visible; redelivered once, then 409's case.
    let (h3, h4) = (head.clone(), head.clone());
    let (item, attempts) = read(&store, move |r| r.outbox_item("subscription:s1", &h3))
        .await
        .expect("read")
        .expect("row");
    assert_eq!(item.state, wacloud_core::outbox::OutboxState::Dead);
    assert_eq!(attempts.len(), 2);
    assert_eq!(item.attempts, 2);
    let redeliver = |id: String| {
        let store = store.clone();
        async move {
            write(&store, move |r| {
                r.redeliver_outbox_item("subscription:s1", &id, Utc::now())
            })
            .await
            .expect("w")
        }
    };
    assert_eq!(redeliver(h4.clone()).await, Redeliver::Queued);
    assert_eq!(redeliver(h4).await, Redeliver::NotDead);
    assert_eq!(redeliver("nope".into()).await, Redeliver::NotFound);
}

#[tokio::test]
async fn finished_rows_are_pruned_with_their_attempts_and_events() {
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    subscribe(&store).await;
    enqueue(&store, "contact-a", 1).await;
    let now = Utc::now();
    let items = write(&store, move |r| {
        r.claim_outbox(
            "w",
            now,
            ClaimLeases::same(now + Duration::seconds(9)),
            10,
            &ClaimRoom::default(),
        )
    })
    .await
    .expect("claim");
    for i in items {
        let id = i.id.clone();
        assert!(write(&store, move |r| r.finish_outbox_item(&id, "w", now))
            .await
            .expect("w"));
    }
    let n = write(&store, |r| {
        r.prune_outbox(Utc::now() + Duration::seconds(1))
    })
    .await
    .expect("prune");
    assert_eq!(n, 2);
    let left = read(&store, |r| r.outbox_items("rules", None, None, 10))
        .await
        .expect("read");
    assert!(left.is_empty());
}

#[tokio::test]
async fn rules_rows_have_their_own_short_lease_and_a_blocked_chain_leaves_the_window() {
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    subscribe(&store).await;
    // A long chain for one contact, then one row for another.
    for n in 0..30 {
        enqueue(&store, "contact-long", n).await;
    }
    enqueue(&store, "contact-other", 99).await;
    let now = Utc::now();
    let claim = |owner: &'static str, at: chrono::DateTime<Utc>, limit: i64| {
        let store = store.clone();
        async move {
            write(&store, move |r| {
                let leases = ClaimLeases {
                    rules: at + Duration::seconds(10),
                    deliveries: at + Duration::seconds(60),
                };
                r.claim_outbox(owner, at, leases, limit, &ClaimRoom::default())
            })
            .await
            .expect("claim")
        }
    };
    // A window of 2 per consumer: the first claim sees only the long chain's first rows.
    let first = claim("w1", now, 1).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].ordering_key, "contact-long");
    let second = claim("w1", now, 1).await;
    assert_eq!(second.len(), 1, "{second:?}");
    assert_eq!(second[0].ordering_key, "contact-long");
    assert_ne!(second[0].consumer, first[0].consumer, "round robin");
    // Both heads fail and wait out a back-off: the rows behind them are flagged as the claims
    // find them, and the other contact comes next for both consumers, however long the chain.
    let later = now + Duration::hours(1);
    for head in [&first[0], &second[0]] {
        let at = attempt(&head.id);
        let owner = "w1";
        assert_eq!(
            write(&store, move |r| r.record_outbox_attempts(
                owner,
                &[(at, AttemptOutcome::Retry(later))]
            ))
            .await
            .expect("w"),
            1
        );
    }
    let mut other = Vec::new();
    for _ in 0..40 {
        other.extend(claim("w1", now, 1).await);
        if other.len() == 2 {
            break;
        }
    }
    let mut keys: Vec<(String, String)> = other
        .iter()
        .map(|i| (i.consumer.clone(), i.ordering_key.clone()))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            ("rules".to_owned(), "contact-other".to_owned()),
            ("subscription:s1".to_owned(), "contact-other".to_owned())
        ]
    );
    // The rules row's lease is the short one: after it a crashed worker's rule row is taken
    // over, while the delivery stays held.
    let rules_row = other
        .iter()
        .find(|i| i.consumer == "rules")
        .expect("a rules row")
        .clone();
    assert_eq!(
        rules_row.lease_until,
        Some(now + Duration::seconds(10)),
        "{rules_row:?}"
    );
    let over = claim("w2", now + Duration::seconds(11), 10).await;
    let ids: Vec<&str> = over.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [rules_row.id.as_str()], "{over:?}");
    // The old holder cannot finish it; the new one can.
    let (a, b) = (rules_row.id.clone(), rules_row.id.clone());
    assert!(!write(&store, move |r| r.finish_outbox_item(&a, "w1", now))
        .await
        .expect("w"));
    assert!(write(&store, move |r| r.finish_outbox_item(&b, "w2", now))
        .await
        .expect("w"));
    // The long chain's head, due again, finishes: the flagged row behind it comes next.
    let head = claim("w3", later + Duration::seconds(1), 10).await;
    let rules_head: Vec<_> = head.iter().filter(|i| i.consumer == "rules").collect();
    assert_eq!(rules_head.len(), 1, "{head:?}");
    let h = rules_head[0].id.clone();
    assert!(
        write(&store, move |r| r.finish_outbox_item(&h, "w3", later))
            .await
            .expect("w")
    );
    let next = claim("w3", later + Duration::seconds(2), 10).await;
    let long: Vec<_> = next
        .iter()
        .filter(|i| i.consumer == "rules" && i.ordering_key == "contact-long")
        .collect();
    assert_eq!(long.len(), 1, "{next:?}");
    let n = |i: &wacloud_core::outbox::OutboxItem| {
        serde_json::from_str::<serde_json::Value>(&i.payload).expect("json")["data"]["n"].as_i64()
    };
    assert_eq!(n(long[0]), Some(1), "in order");
}

/// `batch.finished`: once per batch whichever path sees it finish. Two transactions finishing a
/// batch's last items at once each see the other's item open and write nothing; that is
/// simulated here by a subscription made after the items finished, so that only the periodic
/// check (`emit_finished_batches`) can write it: once, and never again from any path.
#[tokio::test]
async fn batch_finished_is_written_once_by_the_write_paths_or_the_periodic_check() {
    use wacloud_core::outbound::OutboundContent;
    use wacloud_core::queue::{NewQueueItem, QueueOutcome, QueueState};
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    let item = |id: &str, batch: &str| NewQueueItem {
        actor: None,
        actor_name: None,
        phone_number_id: None,
        id: id.into(),
        batch_id: Some(batch.into()),
        recipient: format!("+1555000{id:0>4}"),
        content: OutboundContent::Text {
            body: "hi".into(),
            preview_url: false,
        },
        due_at: Utc::now(),
        created_at: Utc::now(),
        allow_outside_window: true,
        source: "bulk".into(),
        retry_of: None,
    };
    let items = vec![
        item("1", "b1"),
        item("2", "b1"),
        item("3", "b2"),
        item("4", "b2"),
    ];
    write(&store, move |r| r.enqueue(&items))
        .await
        .expect("enqueue");
    let start = Utc::now();
    let finish = |id: &'static str| {
        let store = store.clone();
        async move {
            write(&store, move |r| {
                r.finish_queue_item(
                    id,
                    &QueueOutcome::Failed {
                        error: "refused".into(),
                        code: None,
                        message_id: None,
                    },
                    Utc::now(),
                    &[QueueState::Pending],
                )
            })
            .await
            .expect("finish")
        }
    };
    // b1 finishes while nobody wants the event.
    assert!(finish("1").await);
    assert!(finish("2").await);
    let now = Utc::now();
    let sub = wacloud_core::outbox::Subscription {
        id: "s2".into(),
        url: "http://127.0.0.1:9/".into(),
        secret: "whsec_eA==".into(),
        previous: Vec::new(),
        events: vec![EventType::BatchFinished],
        bot: false,
        active: true,
        description: None,
        created_at: now,
        updated_at: now,
    };
    write(&store, move |r| r.put_subscription(&sub))
        .await
        .expect("subscribe");
    let rows = |store: DbStore| async move {
        read(&store, |r| {
            r.outbox_items("subscription:s2", None, None, 100)
        })
        .await
        .expect("rows")
    };
    // b2: the first item leaves it open; the second finishes it and writes the event.
    assert!(finish("3").await);
    assert!(rows(store.clone()).await.is_empty());
    assert!(finish("4").await);
    let after = rows(store.clone()).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].event_id, "batch-finished-b2");
    let body: serde_json::Value = serde_json::from_str(&after[0].payload).expect("json");
    assert_eq!(body["type"], "batch.finished");
    assert_eq!(body["data"]["total"], 2);
    assert_eq!(
        body["data"]["counts"],
        json!({"sent": 0, "failed": 2, "cancelled": 0})
    );
    // The periodic check writes b1's (missed), and nothing more, however often it runs.
    let swept = write(&store, move |r| r.emit_finished_batches(start, Utc::now()))
        .await
        .expect("sweep");
    assert_eq!(swept, 1);
    let swept = write(&store, move |r| r.emit_finished_batches(start, Utc::now()))
        .await
        .expect("sweep");
    assert_eq!(swept, 0);
    assert!(!write(&store, |r| r.emit_batch_finished("b1", Utc::now()))
        .await
        .expect("emit"));
    assert!(!write(&store, |r| r
        .cancel_batch("b2", "stop", Utc::now())
        .map(|_| false))
    .await
    .expect("cancel"));
    let ids: Vec<String> = rows(store.clone())
        .await
        .into_iter()
        .map(|i| i.event_id)
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"batch-finished-b1".to_owned()), "{ids:?}");
}

/// `outbox_interest` (read inside ingest transactions): the active subscriptions with their
/// events, ordered by id; automations only while a number has an automatic reply.
#[tokio::test]
async fn the_interest_names_active_subscriptions_and_automatic_replies() {
    use wacloud_core::automation::AutomationSettings;
    use wacloud_core::outbox::Subscription;
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    let got = read(&store, |r| r.outbox_interest()).await.expect("read");
    assert_eq!(got, Interest::default(), "nobody listens on a new database");
    let now = Utc::now();
    let sub = |id: &str, active: bool, events: Vec<EventType>| Subscription {
        id: id.to_owned(),
        url: "http://127.0.0.1:9/hook".to_owned(),
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
        previous: Vec::new(),
        events,
        bot: false,
        active,
        description: None,
        created_at: now,
        updated_at: now,
    };
    let subs = [
        sub("b", true, vec![EventType::MessageStatus]),
        sub("off", false, vec![EventType::MessageReceived]),
        sub(
            "a",
            true,
            vec![EventType::MessageReceived, EventType::MessageFailed],
        ),
    ];
    write(&store, move |r| {
        for s in &subs {
            r.put_subscription(s)?;
        }
        // A number's settings without any reply do not count as automated.
        r.put_automation_settings("111", &AutomationSettings::default(), now, "test")
    })
    .await
    .expect("stored");
    let got = read(&store, |r| r.outbox_interest()).await.expect("read");
    assert_eq!(
        got,
        Interest {
            automations: false,
            subscriptions: vec![
                (
                    "a".into(),
                    vec![EventType::MessageReceived, EventType::MessageFailed]
                ),
                ("b".into(), vec![EventType::MessageStatus]),
            ],
        }
    );
    write(&store, move |r| {
        let welcome = AutomationSettings {
            welcome_text: Some("Hello".into()),
            ..AutomationSettings::default()
        };
        r.put_automation_settings("222", &welcome, now, "test")
    })
    .await
    .expect("stored");
    let got = read(&store, |r| r.outbox_interest()).await.expect("read");
    assert!(got.automations, "a welcome reply is an automation");
}

/// Every previous secret of a subscription (the newest in its own columns, older ones in
/// `older_secrets`) comes back as written, each with its own end, and none after all expire.
#[tokio::test]
async fn a_subscriptions_previous_secrets_are_kept_each_with_its_end() {
    use wacloud_core::outbox::Subscription;
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    // Whole seconds: timestamps are stored to the microsecond.
    let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
    let mut sub = Subscription {
        id: "s-rot".into(),
        url: "https://example.com/hook".into(),
        secret: "whsec_a".into(),
        previous: Vec::new(),
        events: vec![EventType::MessageReceived],
        bot: false,
        active: true,
        description: None,
        created_at: t0,
        updated_at: t0,
    };
    let row = sub.clone();
    write(&store, move |r| r.put_subscription(&row))
        .await
        .expect("create");
    let got = read(&store, |r| r.get_subscription("s-rot"))
        .await
        .expect("read")
        .expect("there");
    assert!(got.previous.is_empty());
    for (n, k) in ["whsec_b", "whsec_c", "whsec_d"].into_iter().enumerate() {
        sub.rotate(
            k.into(),
            Duration::hours(2),
            t0 + Duration::minutes(i64::try_from(n).expect("small")),
        );
    }
    let row = sub.clone();
    write(&store, move |r| r.put_subscription(&row))
        .await
        .expect("rotate");
    let got = read(&store, |r| r.get_subscription("s-rot"))
        .await
        .expect("read")
        .expect("there");
    assert_eq!(got.previous, sub.previous);
    assert_eq!(
        got.signing_secrets(t0 + Duration::minutes(30)),
        vec!["whsec_d", "whsec_c", "whsec_b", "whsec_a"]
    );
    // All expired: the next rotation keeps only the one it replaces.
    sub.rotate(
        "whsec_e".into(),
        Duration::hours(1),
        t0 + Duration::hours(3),
    );
    let row = sub.clone();
    write(&store, move |r| r.put_subscription(&row))
        .await
        .expect("rotate again");
    let got = read(&store, |r| r.list_subscriptions())
        .await
        .expect("list");
    assert_eq!(got[0].previous.len(), 1);
    assert_eq!(got[0].previous[0].secret, "whsec_d");
}

/// A consumer's rows page newest first: `before` the previous page's last id gives the next,
/// older page, every row once.
#[tokio::test]
async fn outbox_items_page_newest_first_by_cursor() {
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    for n in 0..5 {
        enqueue(&store, &format!("contact-{n}"), n).await;
    }
    let page = |before: Option<String>| {
        let store = store.clone();
        async move {
            read(&store, move |r| {
                r.outbox_items("subscription:s1", None, before.as_deref(), 2)
            })
            .await
            .expect("page")
        }
    };
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let rows = page(before.clone()).await;
        seen.extend(rows.iter().map(|i| i.payload.clone()));
        if rows.len() < 2 {
            break;
        }
        before = rows.last().map(|i| i.id.clone());
    }
    let ns: Vec<i64> = seen
        .iter()
        .map(|p| {
            serde_json::from_str::<serde_json::Value>(p).expect("JSON")["data"]["n"]
                .as_i64()
                .expect("n")
        })
        .collect();
    assert_eq!(ns, [4, 3, 2, 1, 0]);
}

/// A claim gives no consumer more than its room (`ClaimRoom`: the worker's in-flight caps),
/// nor the subscriptions together more than theirs; and small claims alternate between the
/// consumers, the one whose next row has been due longest first, rather than always starting
/// with the same consumer.
#[tokio::test]
async fn a_claim_keeps_to_each_consumers_room_and_serves_the_longest_waiting_first() {
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    subscribe(&store).await;
    // Three conversations: one `rules` row and one `subscription:s1` row each.
    for (n, key) in ["contact-a", "contact-b", "contact-c"].iter().enumerate() {
        enqueue(&store, key, i32::try_from(n).expect("n")).await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let now = Utc::now();
    let claim = |owner: &'static str, limit: i64, room: ClaimRoom| {
        let store = store.clone();
        async move {
            write(&store, move |r| {
                r.claim_outbox(
                    owner,
                    now,
                    ClaimLeases::same(now + Duration::seconds(30)),
                    limit,
                    &room,
                )
            })
            .await
            .expect("claim")
        }
    };
    let n_of = |i: &wacloud_core::outbox::OutboxItem| -> i64 {
        serde_json::from_str::<serde_json::Value>(&i.payload).expect("json")["data"]["n"]
            .as_i64()
            .expect("n")
    };
    // One row at a time: the other consumer's oldest row comes next, not the same consumer's
    // second.
    let first = claim("w1", 1, ClaimRoom::default()).await;
    let second = claim("w1", 1, ClaimRoom::default()).await;
    let third = claim("w1", 1, ClaimRoom::default()).await;
    let got: Vec<(String, i64)> = [&first, &second, &third]
        .iter()
        .map(|c| {
            assert_eq!(c.len(), 1, "{c:?}");
            (c[0].consumer.clone(), n_of(&c[0]))
        })
        .collect();
    assert_ne!(got[0].0, got[1].0, "{got:?}");
    assert_eq!(got[0].0, got[2].0, "{got:?}");
    assert_eq!(
        got.iter().map(|g| g.1).collect::<Vec<_>>(),
        vec![0, 0, 1],
        "{got:?}"
    );
    // With no room for s1: only `rules` rows.
    let no_sub = ClaimRoom {
        each_subscription: Some(0),
        ..ClaimRoom::default()
    };
    let rules_only = claim("w2", 100, no_sub).await;
    assert!(!rules_only.is_empty());
    assert!(
        rules_only.iter().all(|i| i.consumer == "rules"),
        "{rules_only:?}"
    );
    // s1 at room 1 (a named consumer overrides each_subscription): one row of its two left.
    let one = ClaimRoom {
        subscriptions: Some(5),
        each_subscription: Some(0),
        consumers: [("subscription:s1".to_owned(), 1)].into_iter().collect(),
    };
    let got = claim("w3", 100, one).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].consumer, "subscription:s1");
    // The subscriptions' total bounds too.
    let none_left = ClaimRoom {
        subscriptions: Some(0),
        ..ClaimRoom::default()
    };
    assert!(claim("w4", 100, none_left).await.is_empty());
    // Six rows in all: whatever is left comes with no bounds.
    let left = 6 - 3 - rules_only.len() - 1;
    assert_eq!(claim("w5", 100, ClaimRoom::default()).await.len(), left);
}

#[tokio::test]
async fn many_attempts_recorded_at_once_each_get_their_outcome_and_a_lost_lease_nothing() {
    use wacloud_core::outbox::{OutboxItem, OutboxState};
    let db = TestDb::new();
    let store = DbStore::open(db.url(), &StoreOptions::default()).expect("store");
    subscribe(&store).await;
    for (key, n) in [("a", 0), ("a", 1), ("b", 2), ("c", 3)] {
        enqueue(&store, key, n).await;
    }
    let now = Utc::now();
    let claimed = write(&store, move |r| {
        r.claim_outbox(
            "w1",
            now,
            ClaimLeases::same(now + Duration::seconds(30)),
            100,
            &ClaimRoom::default(),
        )
    })
    .await
    .expect("claim");
    let n_of = |i: &OutboxItem| -> i64 {
        serde_json::from_str::<serde_json::Value>(&i.payload).expect("json")["data"]["n"]
            .as_i64()
            .expect("n")
    };
    let mine: Vec<&OutboxItem> = claimed
        .iter()
        .filter(|i| i.consumer == "subscription:s1")
        .collect();
    let id_of = |n: i64| {
        mine.iter()
            .find(|i| n_of(i) == n)
            .map(|i| i.id.clone())
            .expect("claimed")
    };
    let (a0, b2, c3) = (id_of(0), id_of(2), id_of(3));
    assert_eq!(mine.len(), 3, "one head per conversation: {mine:?}");
    let later = now + Duration::seconds(60);
    let ok = |id: &str| OutboxAttempt {
        status_code: Some(204),
        error: None,
        ..attempt(id)
    };
    // `a`'s second row is not leased by w1: its attempt is not recorded.
    let a1 = write(&store, |r| {
        r.outbox_items("subscription:s1", None, None, 10)
    })
    .await
    .expect("items")
    .into_iter()
    .find(|i| n_of(i) == 1)
    .expect("a1")
    .id;
    let batch = vec![
        (ok(&a0), AttemptOutcome::Delivered),
        (attempt(&b2), AttemptOutcome::Retry(later)),
        (attempt(&c3), AttemptOutcome::Dead),
        (ok(&a1), AttemptOutcome::Delivered),
    ];
    let n = write(&store, move |r| r.record_outbox_attempts("w1", &batch))
        .await
        .expect("record");
    assert_eq!(n, 3, "the row w1 does not hold is left alone");
    let item = |id: String| {
        let store = store.clone();
        async move {
            read(&store, move |r| r.outbox_item("subscription:s1", &id))
                .await
                .expect("item")
                .expect("exists")
        }
    };
    let (i, at) = item(a0).await;
    assert_eq!((i.state, i.attempts, at.len()), (OutboxState::Done, 1, 1));
    assert!(i.finished_at.is_some() && i.lease_until.is_none());
    assert_eq!(at[0].status_code, Some(204));
    let (i, at) = item(b2.clone()).await;
    assert_eq!(
        (i.state, i.attempts, at.len()),
        (OutboxState::Pending, 1, 1)
    );
    assert_eq!(i.next_attempt_at.timestamp(), later.timestamp());
    let (i, at) = item(c3).await;
    assert_eq!((i.state, i.attempts, at.len()), (OutboxState::Dead, 1, 1));
    let (i, at) = item(a1.clone()).await;
    assert_eq!(
        (i.state, i.attempts, at.len()),
        (OutboxState::Pending, 0, 0)
    );
    // `a` moves on to its second row; `b` waits out its back-off; `c` is finished.
    let next = write(&store, move |r| {
        r.claim_outbox(
            "w2",
            now,
            ClaimLeases::same(now + Duration::seconds(30)),
            100,
            &ClaimRoom::default(),
        )
    })
    .await
    .expect("claim");
    let ids: Vec<&str> = next
        .iter()
        .filter(|i| i.consumer == "subscription:s1")
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(ids, [a1.as_str()]);
}
