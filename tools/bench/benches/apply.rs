//! The webhook apply path on its own: one batch of deliveries (the load tool's realistic ones,
//! 10 events each: inbound texts with contacts and `sent` / `delivered` / `read` statuses over
//! 2,000 customers) stored and applied in one transaction by the store's single writer, as the
//! batcher does under load — without HTTP, signatures or fsync (`WACLOUD_SQLITE_SYNC=normal`),
//! so the figure is the writer's own cost, steadier than the end-to-end `ingest-bench`.
//!
//! ```sh
//! cargo bench -p wacloud-bench --bench apply
//! ```
//!
//! The database first takes 20,000 deliveries (~100,000 messages); each sample then applies new
//! deliveries, so it keeps growing through the run, as it does under real load.

use std::sync::Arc;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use wacloud::adapters::webhook_events::parse_delivery;
use wacloud_bench::{DeliveryFactory, PHONE_NUMBER_ID};
use wacloud_core::ports::new_id;
use wacloud_core::usecases::ingest::{ingest_many, OurNumbers};
use wacloud_core::webhook::NewWebhook;
use wacloud_store::{DbStore, StoreOptions};

const EVENTS: usize = 10;
const PREFILL: usize = 20_000;

fn apply(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = dir.path().join("apply.db");
    let store = Arc::new(
        DbStore::open(
            url.to_str().expect("utf-8 path"),
            &StoreOptions {
                sqlite_full_sync: false,
                listen: false,
                ..StoreOptions::default()
            },
        )
        .expect("store"),
    );
    let ours = OurNumbers::new(vec![PHONE_NUMBER_ID.to_owned()]);
    let mut factory = DeliveryFactory::new("apply", 2000);
    let batch = |factory: &mut DeliveryFactory, deliveries: usize| {
        let now = Utc::now();
        (0..deliveries)
            .map(|_| {
                let (body, _) = factory.next(EVENTS);
                let parsed = parse_delivery(&body, now);
                let delivery = NewWebhook {
                    id: new_id(),
                    received_at: now,
                    body_sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, &body)),
                    body,
                    signature: None,
                };
                (delivery, parsed)
            })
            .collect::<Vec<_>>()
    };
    // A database that has seen some traffic (PREFILL deliveries, ~5 messages each), so that
    // every size below is measured on about the same, not on an empty, database.
    for _ in 0..PREFILL / 64 {
        let b = batch(&mut factory, 64);
        let results = rt.block_on(ingest_many(store.as_ref(), &ours, b, Utc::now()));
        assert!(results.iter().all(Result::is_ok));
    }

    let mut group = c.benchmark_group("apply");
    for deliveries in [64_usize, 16, 4] {
        group.throughput(Throughput::Elements((deliveries * EVENTS) as u64));
        group.bench_function(format!("{deliveries} deliveries per transaction"), |b| {
            b.iter_batched(
                || batch(&mut factory, deliveries),
                |batch| {
                    let results =
                        rt.block_on(ingest_many(store.as_ref(), &ours, batch, Utc::now()));
                    assert!(results.iter().all(Result::is_ok));
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
    store.shutdown();
}

criterion_group!(benches, apply);
criterion_main!(benches);
