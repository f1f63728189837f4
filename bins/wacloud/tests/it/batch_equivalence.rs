//! Group commit applies a batch of deliveries with set-based statements. Its effects must be
//! exactly those of applying the same deliveries one by one: this test runs a generated,
//! realistic stream (every kind the batch path treats specially, out-of-order statuses,
//! redeliveries, profile changes) through both and compares the whole store.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use wacloud::adapters::webhook_events::parse_delivery;
use wacloud_core::ports::{new_id, read};
use wacloud_core::usecases::ingest::{ingest, ingest_many, OurNumbers};
use wacloud_core::webhook::NewWebhook;
use wacloud_store::testdb::TestDb;
use wacloud_store::{DbStore, StoreOptions};

pub(crate) const PID: &str = "100000000000001";

fn envelope(value: Value) -> Value {
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]})
}

fn meta() -> Value {
    json!({"display_phone_number": "15550100001", "phone_number_id": PID})
}

/// A deterministic stream of delivery bodies.
pub(crate) fn stream(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut inbound: Vec<String> = Vec::new();
    let base = 1_730_000_000_i64;
    for i in 0..n {
        let customer = format!("1555000{:04}", rng.random_range(0..40));
        let ts = base + i as i64 + rng.random_range(-5..5);
        let kind = rng.random_range(0..100);
        let body = if kind < 35 {
            let w = format!("wamid.in.{i}");
            inbound.push(w.clone());
            let name = ["Ana", "Ben", "Cy"][rng.random_range(0..3)];
            let mut contact =
                json!({"profile": {"name": format!("{name} {customer}")}, "wa_id": customer});
            if rng.random_range(0..4) == 0 {
                contact["user_id"] = json!(format!("US.{customer}"));
            }
            let msg_type = if rng.random_range(0..10) == 0 {
                "system"
            } else {
                "text"
            };
            let mut m =
                json!({"from": customer, "id": w, "timestamp": ts.to_string(), "type": msg_type});
            if msg_type == "text" {
                m["text"] = json!({"body": format!("message {i} — café")});
            } else {
                m["system"] = json!({"body": "changed number", "type": "user_changed_number"});
            }
            envelope(
                json!({"messaging_product": "whatsapp", "metadata": meta(), "contacts": [contact], "messages": [m]}),
            )
        } else if kind < 80 {
            // Statuses for 30 outbound messages, in any order, some repeated; sometimes several.
            let mut statuses = Vec::new();
            for _ in 0..rng.random_range(1..4) {
                let target = rng.random_range(0..30);
                let st = ["sent", "delivered", "read", "played", "deleted"][rng.random_range(0..5)];
                let at = base
                    + target as i64 * 10
                    + match st {
                        "sent" => 1,
                        "delivered" => 2,
                        "read" => 3,
                        _ => 4,
                    };
                let to = format!("1555000{:04}", target % 40);
                let mut s = json!({"id": format!("wamid.out.{target}"), "status": st, "timestamp": at.to_string(), "recipient_id": to});
                if st == "sent" {
                    s["conversation"] =
                        json!({"id": format!("conv-{target}"), "origin": {"type": "service"}});
                    s["pricing"] =
                        json!({"billable": true, "pricing_model": "PMP", "category": "service"});
                }
                statuses.push(s);
            }
            let mut v =
                json!({"messaging_product": "whatsapp", "metadata": meta(), "statuses": statuses});
            if rng.random_range(0..3) == 0 {
                v["contacts"] =
                    json!([{"wa_id": customer, "profile": {"name": format!("Status {customer}")}}]);
            }
            envelope(v)
        } else if kind < 85 {
            let target = rng.random_range(0..30);
            envelope(
                json!({"messaging_product": "whatsapp", "metadata": meta(), "statuses": [{
                "id": format!("wamid.out.{target}"), "status": "failed", "timestamp": (base + target as i64 * 10 + 2).to_string(),
                "recipient_id": format!("1555000{:04}", target % 40),
                "errors": [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable", "error_data": {"details": "not on WhatsApp"}}]}]}),
            )
        } else if kind < 95 && !inbound.is_empty() {
            // Reactions (and removals), edits and deletions of earlier inbound messages.
            let target = inbound[rng.random_range(0..inbound.len())].clone();
            let w = format!("wamid.fx.{i}");
            let m = match rng.random_range(0..4) {
                0 => {
                    json!({"from": customer, "id": w, "timestamp": ts.to_string(), "type": "reaction", "reaction": {"message_id": target, "emoji": "👍"}})
                }
                1 => {
                    json!({"from": customer, "id": w, "timestamp": ts.to_string(), "type": "reaction", "reaction": {"message_id": target, "emoji": ""}})
                }
                2 => {
                    json!({"from": customer, "id": w, "timestamp": ts.to_string(), "type": "edit", "edit": {"original_message_id": target, "message": {"type": "text", "text": {"body": format!("edited {i}")}}}})
                }
                _ => {
                    json!({"from": customer, "id": w, "timestamp": ts.to_string(), "type": "revoke", "revoke": {"original_message_id": target}})
                }
            };
            envelope(
                json!({"messaging_product": "whatsapp", "metadata": meta(), "contacts": [{"wa_id": customer, "profile": {"name": "Fx"}}], "messages": [m]}),
            )
        } else if !out.is_empty() {
            // An exact redelivery of an earlier body.
            let again = out[rng.random_range(0..out.len())].clone();
            out.push(again);
            continue;
        } else {
            continue;
        };
        out.push(serde_json::to_vec(&body).expect("json"));
    }
    out
}

fn delivery(body: &[u8], i: usize) -> NewWebhook {
    let now = DateTime::<Utc>::from_timestamp(1_800_000_000 + i as i64, 0).expect("time");
    NewWebhook {
        id: new_id(),
        received_at: now,
        body: body.to_vec(),
        body_sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, body)),
        signature: None,
    }
}

/// Everything observable in the store, keyed by Meta's ids (not wacloud's).
async fn snapshot(store: &DbStore) -> (BTreeMap<String, Value>, BTreeMap<String, Value>, Value) {
    let (contacts, messages, stats) = read(store, |r| {
        let contacts = r.list_contacts(&wacloud_core::contact::ContactQuery {
            limit: 10_000,
            ..Default::default()
        })?;
        let (messages, _) = r.list_messages(&wacloud_core::ports::MessageQuery {
            limit: 10_000,
            ..Default::default()
        })?;
        Ok((contacts, messages, r.stats()?))
    })
    .await
    .expect("read");
    let wa_of: BTreeMap<String, String> = contacts
        .contacts
        .iter()
        .map(|c| (c.id.clone(), c.wa_id.clone().unwrap_or_default()))
        .collect();
    let contacts = contacts
        .contacts
        .into_iter()
        .map(|c| {
            let mut v = serde_json::to_value(&c).expect("json");
            for k in ["id", "created_at", "updated_at"] {
                v.as_object_mut().expect("object").remove(k);
            }
            (c.wa_id.clone().unwrap_or_default(), v)
        })
        .collect();
    let messages = messages
        .into_iter()
        .map(|m| {
            let mut v = serde_json::to_value(&m).expect("json");
            let o = v.as_object_mut().expect("object");
            // When each was stored (the server's clock) differs between the two runs.
            for k in ["id", "updated_at", "received_at"] {
                o.remove(k);
            }
            let contact = m.contact_id.as_ref().and_then(|c| wa_of.get(c)).cloned();
            o.insert("contact_id".into(), json!(contact));
            (m.message_id.clone().unwrap_or_default(), v)
        })
        .collect();
    (
        contacts,
        messages,
        serde_json::to_value(stats).expect("json"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_have_exactly_the_effects_of_one_by_one() {
    for seed in [7, 11, 2026] {
        compare(seed).await;
    }
}

async fn compare(seed: u64) {
    let bodies = stream(seed, 600);
    let ours = OurNumbers::new(vec![PID.to_owned()]);
    // Fresh databases on the backend under test (SQLite, or PostgreSQL in CI's second run).
    let (one_db, many_db) = (TestDb::new(), TestDb::new());
    let one = DbStore::open(one_db.url(), &StoreOptions::default()).expect("store");
    let many = DbStore::open(many_db.url(), &StoreOptions::default()).expect("store");
    let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("time");

    for (i, b) in bodies.iter().enumerate() {
        ingest(
            &one,
            ours.clone(),
            delivery(b, i),
            parse_delivery(b, now),
            now,
        )
        .await
        .expect("ingest");
    }
    let mut i = 0;
    let mut sizes = [1_usize, 7, 64, 3, 150, 2, 33].iter().cycle();
    while i < bodies.len() {
        let size = *sizes.next().expect("cycle");
        let batch: Vec<_> = bodies[i..(i + size).min(bodies.len())]
            .iter()
            .enumerate()
            .map(|(k, b)| (delivery(b, i + k), parse_delivery(b, now)))
            .collect();
        for r in ingest_many(&many, &ours, batch, now).await {
            r.expect("batched ingest");
        }
        i += size;
    }

    let (c1, m1, s1) = snapshot(&one).await;
    let (c2, m2, s2) = snapshot(&many).await;
    assert!(m1.len() > 150, "a meaningful stream: {} messages", m1.len());
    assert!(c1.len() > 20, "{} contacts", c1.len());
    assert_eq!(s1, s2, "stats differ");
    assert_eq!(c1.keys().collect::<Vec<_>>(), c2.keys().collect::<Vec<_>>());
    for (k, v) in &c1 {
        assert_eq!(v, &c2[k], "contact {k}");
    }
    assert_eq!(m1.keys().collect::<Vec<_>>(), m2.keys().collect::<Vec<_>>());
    for (k, v) in &m1 {
        assert_eq!(v, &m2[k], "message {k}");
    }
    // The kept counts are those of a full recount, on both paths (and on PostgreSQL after
    // folding the deltas too).
    for (store, db) in [(&one, &one_db), (&many, &many_db)] {
        let mut conn =
            wacloud_store::conn::establish(&wacloud_store::DatabaseUrl::parse(db.url()), false)
                .expect("connect");
        let full = wacloud_store::repo::stats::recount(&mut conn).expect("recount");
        let full =
            serde_json::to_value(wacloud_store::repo::stats::from_rows(&full)).expect("json");
        assert_eq!(s1, full, "the kept counts differ from a recount");
        let folded = wacloud_core::ports::write(store, |r| r.fold_counts())
            .await
            .expect("fold");
        assert_eq!(
            folded == 0,
            db.backend().as_str() == "sqlite",
            "{folded} deltas folded"
        );
        let (_, _, after) = snapshot(store).await;
        assert_eq!(after, s1, "folding changes no count");
    }
    let failed: i64 = s1["webhooks"]["failed"].as_i64().unwrap_or(-1);
    assert_eq!(failed, 0, "{s1}");
    one.shutdown();
    many.shutdown();
}
