//! The webhook batcher forms its next batch only once the store's writer has run the newest
//! one's job: deliveries that arrive while the writer is busy share one transaction, instead of
//! each racing into a batch of its own (many small transactions cost the single writer far
//! more).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;
use wacloud::adapters::webhook_events::parse_delivery;
use wacloud_core::ports::{new_id, read, Job, Store, StoreError, SystemClock};
use wacloud_core::usecases::ingest::OurNumbers;
use wacloud_core::webhook::{NewWebhook, WebhookState};
use wacloud_store::testdb::TestDb;
use wacloud_store::{BatcherConfig, IngestBatcher};
use wacloud_store::{DbStore, StoreOptions};

const PID: &str = "100000000000001";

/// A store whose first write job holds the writer (before the job runs) until released,
/// counting write jobs.
struct Gate {
    inner: DbStore,
    writes: AtomicUsize,
    background: AtomicUsize,
    hold: Mutex<Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>>,
}

#[async_trait]
impl Store for Gate {
    async fn write_job(&self, job: Job) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let hold = self.hold.lock().expect("lock").take();
        match hold {
            Some((started, release)) => {
                let held: Job = Box::new(move |r| {
                    let _ = started.send(());
                    let _ = release.recv_timeout(Duration::from_secs(30));
                    job(r)
                });
                self.inner.write_job(held).await
            }
            None => self.inner.write_job(job).await,
        }
    }
    async fn write_background_job(&self, job: Job) -> Result<(), StoreError> {
        self.background.fetch_add(1, Ordering::SeqCst);
        self.inner.write_background_job(job).await
    }
    async fn read_job(&self, job: Job) -> Result<(), StoreError> {
        self.inner.read_job(job).await
    }
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

/// A signed-and-verified-looking delivery with one inbound text message, `i` unique.
fn delivery(i: usize) -> (NewWebhook, Vec<u8>) {
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": PID},
            "contacts": [{"profile": {"name": format!("Customer {i}")}, "wa_id": format!("1555000{i:04}")}],
            "messages": [{"from": format!("1555000{i:04}"), "id": format!("wamid.forming.{i}"),
                          "timestamp": "1800000000", "type": "text", "text": {"body": format!("hello {i}")}}]
        }}]}]
    }))
    .expect("json");
    let d = NewWebhook {
        id: new_id(),
        received_at: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("time"),
        body: body.clone(),
        body_sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, &body)),
        signature: None,
    };
    (d, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_arriving_while_the_writer_is_busy_share_one_batch() {
    let db = TestDb::new();
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let gate = Arc::new(Gate {
        inner: DbStore::open(db.url(), &StoreOptions::default()).expect("store"),
        writes: AtomicUsize::new(0),
        background: AtomicUsize::new(0),
        hold: Mutex::new(Some((started_tx, release_rx))),
    });
    let batcher = IngestBatcher::start(
        Arc::clone(&gate) as Arc<dyn Store>,
        OurNumbers::new(vec![PID.to_owned()]),
        Arc::new(SystemClock),
        BatcherConfig {
            max_deliveries: 512,
            max_events: 4000,
            inline_limit: 64,
            in_flight: 16,
            backlog_batch: 128,
            parse: Arc::new(parse_delivery),
        },
    );
    let submit = |i: usize| {
        let b = batcher.clone();
        tokio::spawn(async move {
            let (d, body) = delivery(i);
            let parsed = parse_delivery(&body, Utc::now());
            b.submit(d, parsed).await
        })
    };

    let first = submit(0);
    tokio::task::spawn_blocking(move || started_rx.recv_timeout(Duration::from_secs(10)))
        .await
        .expect("join")
        .expect("the writer began the first batch");
    let rest: Vec<_> = (1..=40).map(submit).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The writer is held in the first batch's job: no other batch is formed meanwhile; every
    // delivery that arrives waits to join the next one.
    let while_held = gate.writes.load(Ordering::SeqCst);
    assert_eq!(
        while_held, 1,
        "write jobs submitted while the writer was busy with the first"
    );
    release_tx.send(()).expect("release");

    for h in std::iter::once(first).chain(rest) {
        let outcome = h.await.expect("join").expect("ingested");
        assert!(!outcome.duplicate);
        assert_eq!(outcome.state, WebhookState::Processed, "applied inline");
        assert_eq!(outcome.events, 1);
    }
    let writes = gate.writes.load(Ordering::SeqCst);
    assert_eq!(
        writes, 2,
        "41 deliveries: the first alone, then the other 40 together"
    );
    assert_eq!(
        gate.background.load(Ordering::SeqCst),
        0,
        "nothing deferred"
    );
    let stats = read(gate.as_ref(), |r| r.stats()).await.expect("stats");
    assert_eq!(stats.webhooks.processed, 41, "{stats:?}");
    assert_eq!(stats.received_messages, 41, "{stats:?}");
    assert_eq!(stats.total_contacts, 41, "{stats:?}");
    gate.inner.shutdown();
}
