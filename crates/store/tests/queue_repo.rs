//! `whatsapp_queue` and `whatsapp_idempotency` through the core's ports: leases, the in-flight
//! fence, outcomes applied only from allowed states, batch progress and cancelling, and keys
//! stored once.

use chrono::{Duration, Utc};
use wacloud_core::idempotency::IdempotencyRecord;
use wacloud_core::outbound::OutboundContent;
use wacloud_core::ports::{read, write};
use wacloud_core::queue::{BatchQuery, NewQueueItem, QueueOutcome, QueueState};
use wacloud_store::{DbStore, StoreOptions};

fn open() -> (tempfile::TempDir, DbStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = DbStore::open(
        dir.path().join("q.db").to_str().unwrap(),
        &StoreOptions::default(),
    )
    .unwrap();
    (dir, store)
}

fn item(id: &str, batch: &str, due_in: i64) -> NewQueueItem {
    let now = Utc::now();
    NewQueueItem {
        actor: None,
        actor_name: None,
        phone_number_id: None,
        id: id.into(),
        batch_id: Some(batch.into()),
        recipient: format!("+1555000{id:0>4}"),
        content: OutboundContent::Template {
            name: "hello_world".into(),
            language: "en_US".into(),
            body_parameters: vec![],
            header_text: None,
            header_media: None,
            buttons: vec![],
        },
        due_at: now + Duration::seconds(due_in),
        created_at: now,
        allow_outside_window: false,
        source: "bulk".into(),
        retry_of: None,
    }
}

#[tokio::test]
async fn leases_fence_attempts_and_outcomes_respect_states() {
    let (_dir, store) = open();
    write(&store, |r| {
        r.enqueue(&[item("1", "b", 0), item("2", "b", 0), item("3", "b", 3600)])
    })
    .await
    .unwrap();
    let now = Utc::now();
    let claimed = write(&store, move |r| {
        r.claim_queue_items("w1", now, now + Duration::seconds(30), 10)
    })
    .await
    .unwrap();
    assert_eq!(claimed.len(), 2, "the scheduled one is not due");
    assert!(claimed.iter().all(|i| i.state == QueueState::Sending));

    // Only the lease holder may begin an attempt.
    let (a, b) = write(&store, move |r| {
        Ok((
            r.begin_queue_attempt("1", "w2", "m1", now)?,
            r.begin_queue_attempt("1", "w1", "m1", now)?,
        ))
    })
    .await
    .unwrap();
    assert!(!a && b);
    // Nobody else claims it while the lease runs…
    let again = write(&store, move |r| {
        r.claim_queue_items("w2", now, now + Duration::seconds(30), 10)
    })
    .await
    .unwrap();
    assert!(again.is_empty());
    // …but after it, the next worker finds the attempt mark: its outcome is unknown.
    let later = now + Duration::seconds(31);
    let taken = write(&store, move |r| {
        r.claim_queue_items("w2", later, later + Duration::seconds(30), 10)
    })
    .await
    .unwrap();
    let one = taken.iter().find(|i| i.id == "1").unwrap();
    assert!(one.attempt_started_at.is_some());
    assert_eq!(one.message_id.as_deref(), Some("m1"));
    assert_eq!(one.attempts, 1);

    // An outcome applies only from the states allowed.
    let applied = write(&store, move |r| {
        let unknown = QueueOutcome::Unknown {
            error: "lost".into(),
            message_id: Some("m1".into()),
        };
        let x = r.finish_queue_item("1", &unknown, later, &[QueueState::Sending])?;
        let late = QueueOutcome::Retry {
            retry_at: later,
            error: "late".into(),
            code: None,
        };
        let y = r.finish_queue_item("1", &late, later, &[QueueState::Sending])?;
        let sent = QueueOutcome::Sent {
            message_id: "m1".into(),
            note: Some("confirmed".into()),
        };
        let z = r.finish_queue_item(
            "1",
            &sent,
            later,
            &[QueueState::Sending, QueueState::Unknown],
        )?;
        Ok((x, y, z))
    })
    .await
    .unwrap();
    assert_eq!(applied, (true, false, true));
    let v = read(&store, |r| r.queue_item_view("1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.state, "sent");
    assert_eq!(v.last_error.as_deref(), Some("confirmed"));
    assert!(v.finished_at.is_some());
    store.shutdown();
}

#[tokio::test]
async fn batches_count_page_and_cancel() {
    let (_dir, store) = open();
    write(&store, |r| {
        r.enqueue(&[item("1", "b", 0), item("2", "b", 0), item("3", "b", 3600)])
    })
    .await
    .unwrap();
    let now = Utc::now();
    write(&store, move |r| {
        r.finish_queue_item(
            "1",
            &QueueOutcome::Failed {
                error: "Meta error 131026".into(),
                code: Some(131_026),
                message_id: None,
            },
            now,
            &[QueueState::Pending],
        )
    })
    .await
    .unwrap();
    let s = read(&store, |r| {
        r.batch_summary(
            "b",
            &BatchQuery {
                state: None,
                limit: 2,
                offset: 1,
            },
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(s.total, 3);
    assert_eq!(s.counts["failed"], 1);
    assert_eq!(s.counts["pending"], 2);
    assert_eq!(s.counts["sent"], 0, "every state is listed");
    assert_eq!(s.finished, 1);
    assert!(!s.done);
    assert_eq!(
        s.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["2", "3"]
    );
    let c = write(&store, move |r| r.cancel_batch("b", "stop", now))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c.cancelled, c.in_flight, c.already_final), (2, 0, 1));
    let s = read(&store, |r| r.batch_summary("b", &BatchQuery::default()))
        .await
        .unwrap()
        .unwrap();
    assert!(s.done);
    assert!(
        read(&store, |r| r.batch_summary("nope", &BatchQuery::default()))
            .await
            .unwrap()
            .is_none()
    );
    store.shutdown();
}

#[tokio::test]
async fn an_idempotency_key_is_stored_once_with_its_answer() {
    let (_dir, store) = open();
    let rec = IdempotencyRecord {
        key: "send:k1".into(),
        request_hash: "h".into(),
        resource_id: Some("m1".into()),
        status_code: None,
        response: None,
        created_at: Utc::now(),
    };
    let r1 = rec.clone();
    let r2 = rec.clone();
    let (first, second) = write(&store, move |r| {
        Ok((r.insert_idempotency(&r1)?, r.insert_idempotency(&r2)?))
    })
    .await
    .unwrap();
    assert!(first && !second);
    let now = Utc::now();
    write(&store, move |r| {
        r.complete_idempotency("send:k1", 200, "{\"ok\":true}", now)
    })
    .await
    .unwrap();
    let got = read(&store, |r| r.get_idempotency("send:k1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.status_code, Some(200));
    assert_eq!(got.response.as_deref(), Some("{\"ok\":true}"));
    let purged = write(&store, move |r| {
        r.purge_idempotency(now + Duration::seconds(1))
    })
    .await
    .unwrap();
    assert_eq!(purged, 1);
    store.shutdown();
}

/// Cancelling a batch also cancels the items a worker claimed but has not begun (waiting for
/// the pacer or their turn): that worker's `begin_queue_attempt` then finds them gone and does
/// not send them. An item whose attempt began is in flight and stays so.
#[tokio::test]
async fn cancelling_a_batch_takes_claimed_items_not_yet_begun() {
    let (_dir, store) = open();
    write(&store, |r| {
        r.enqueue(&[item("1", "b", 0), item("2", "b", 0), item("3", "b", 0)])
    })
    .await
    .unwrap();
    let now = Utc::now();
    let claimed = write(&store, move |r| {
        r.claim_queue_items("w1", now, now + Duration::seconds(30), 10)
    })
    .await
    .unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(
        write(&store, move |r| r.begin_queue_attempt("1", "w1", "m1", now))
            .await
            .unwrap()
    );
    let c = write(&store, move |r| r.cancel_batch("b", "stop", now))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c.cancelled, c.in_flight, c.already_final), (2, 1, 0));
    for id in ["2", "3"] {
        assert!(
            !write(&store, move |r| r.begin_queue_attempt(id, "w1", "m", now))
                .await
                .unwrap(),
            "item {id} was cancelled: its worker must not send it"
        );
    }
    let s = read(&store, |r| r.batch_summary("b", &BatchQuery::default()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.counts["cancelled"], 2);
    assert_eq!(s.counts["sending"], 1);
    store.shutdown();
}
