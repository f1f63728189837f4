//! Retention benchmark: webhook latency while the pruner removes a million old deliveries.
//!
//! Fills a SQLite database once with `--rows` applied deliveries received and applied
//! `--age-days` ago (real Meta message payloads from `--fixtures`, each with its own message id,
//! inserted directly: the webhook path would date them today), then, alternating, starts the
//! release server on a fresh copy of it (a) with retention off (`WACLOUD_RETAIN_WEBHOOK_DAYS=
//! forever`) and (b) with the default retention (30 days), which makes every filled delivery
//! due, and sends signed message deliveries at a steady `--rate` for `--window` seconds. Reports
//! webhook latency per run, how long pruning took, and the database's size before and after.
//!
//! ```sh
//! cargo build --release -p wacloud -p wacloud-bench && target/release/prune-bench
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use diesel::prelude::*;
use hdrhistogram::Histogram;
use secrecy::SecretString;
use serde_json::Value;
use wacloud_bench::{default_server_binary, ServerProcess, PHONE_NUMBER_ID};
use wacloud_store::conn::{establish, run_migrations, DatabaseUrl, DbConnection};
use wacloud_store::schema::whatsapp_webhooks::dsl as w;

/// Measures signed webhook latency with the retention pruner idle and working.
#[derive(Debug, Parser)]
struct Args {
    /// Old applied deliveries to fill the database with.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// How many days ago the filled deliveries were received and applied.
    #[arg(long, default_value_t = 60)]
    age_days: i64,
    /// The filled database, kept between runs (filled when absent); each measured run works on
    /// a copy of it.
    #[arg(long, default_value = "prune-bench.db")]
    database: PathBuf,
    /// Deliveries per second sent during a measured run, at a steady pace.
    #[arg(long, default_value_t = 200)]
    rate: u64,
    /// Seconds measured per run (after the warm-up).
    #[arg(long, default_value_t = 40)]
    window: u64,
    /// Seconds of load before measuring, per run.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Pairs of runs, (a) retention off then (b) pruning.
    #[arg(long, default_value_t = 2)]
    rounds: u32,
    /// Seconds to wait at most for pruning to finish after a (b) window.
    #[arg(long, default_value_t = 1800)]
    prune_timeout: u64,
    /// The Meta fixtures folder (`pywa/updates/message.json` is read).
    #[arg(long, default_value = "/work/shared/fixtures/meta")]
    fixtures: PathBuf,
    /// The server binary (default: `wacloud` next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Extra server settings for both modes, `NAME=value`.
    #[arg(long = "env", value_parser = parse_kv)]
    env: Vec<(String, String)>,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected NAME=value, got {s:?}"))
}

const SECRET: &str = "bench-secret";

/// Message payloads whose effects stay inside the database (no media to fetch).
const KINDS: [&str; 10] = [
    "text",
    "reply",
    "forwarded",
    "forwarded_many_times",
    "current_location",
    "chosen_location",
    "contacts",
    "reaction",
    "order",
    "referral",
];

/// The fixtures' message deliveries, as parsed JSON.
fn templates(dir: &Path) -> Vec<Value> {
    let path = dir.join("pywa/updates/message.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let all: Value = serde_json::from_str(&text).expect("fixture json");
    KINDS
        .iter()
        .map(|k| all[*k].clone())
        .filter(|v| v.is_object())
        .collect()
}

/// Delivery `seq`: a template addressed to our number, from customer `seq % 1000`, with its own
/// message id; compact JSON as Meta sends it.
fn delivery(templates: &[Value], seq: u64, tag: &str) -> Vec<u8> {
    let i = usize::try_from(seq).unwrap_or(0) % templates.len();
    let mut v = templates[i].clone();
    let customer = (15_550_000_000_u64 + seq % 1000).to_string();
    if let Some(value) = v.pointer_mut("/entry/0/changes/0/value") {
        value["metadata"]["phone_number_id"] = Value::from(PHONE_NUMBER_ID);
        for c in value["contacts"].as_array_mut().into_iter().flatten() {
            c["wa_id"] = Value::from(customer.clone());
        }
        for m in value["messages"].as_array_mut().into_iter().flatten() {
            m["id"] = Value::from(format!("wamid.{tag}.{seq}"));
            m["from"] = Value::from(customer.clone());
        }
    }
    serde_json::to_vec(&v).unwrap_or_default()
}

fn sha256_hex(body: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, body))
}

fn file_size(path: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    [path.to_path_buf(), wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn rows_in(conn: &mut DbConnection) -> i64 {
    match conn {
        DbConnection::Sqlite(c) => w::whatsapp_webhooks.count().get_result(c),
        DbConnection::Pg(c) => w::whatsapp_webhooks.count().get_result(c),
    }
    .expect("count deliveries")
}

/// Fills `path` (a new SQLite file) with `rows` applied deliveries, oldest first.
fn fill(args: &Args, templates: &[Value]) {
    let url = DatabaseUrl::parse(&args.database.to_string_lossy());
    let mut conn = establish(&url, false).expect("open the database");
    run_migrations(&mut conn).expect("migrate");
    let DbConnection::Sqlite(c) = &mut conn else {
        panic!("the fill is for SQLite")
    };
    let started = Instant::now();
    let first = Utc::now() - chrono::Duration::days(args.age_days);
    let chunk = 2_000_u64;
    let mut seq = 0;
    while seq < args.rows {
        let n = chunk.min(args.rows - seq);
        let mut values = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
        for k in seq..seq + n {
            let body = delivery(templates, k, "old");
            let received = first + chrono::Duration::milliseconds(i64::try_from(k).unwrap_or(0));
            values.push((
                w::id.eq(uuid::Uuid::now_v7().to_string()),
                w::received_at.eq(received.naive_utc()),
                w::body_sha256.eq(sha256_hex(&body)),
                w::body.eq(body),
                w::signature.eq(Some(format!("sha256={}", "0".repeat(64)))),
                w::state.eq("processed"),
                w::event_count.eq(1_i64),
                w::phone_number_id.eq(Some(PHONE_NUMBER_ID)),
                w::fields.eq(Some("messages")),
                w::processed_at.eq(Some(
                    (received + chrono::Duration::milliseconds(20)).naive_utc(),
                )),
                w::attempts.eq(1),
            ));
        }
        c.transaction(|c| {
            diesel::insert_into(w::whatsapp_webhooks)
                .values(&values)
                .execute(c)
        })
        .expect("insert deliveries");
        seq += n;
        if seq % 100_000 == 0 {
            eprintln!(
                "filled {seq} deliveries in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(c)
        .expect("checkpoint");
    eprintln!(
        "filled {} deliveries in {:.0} s, {:.0} MiB",
        args.rows,
        started.elapsed().as_secs_f64(),
        mib(file_size(&args.database))
    );
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

#[derive(Debug)]
struct Run {
    round: u32,
    pruning: bool,
    hist: Histogram<u64>,
    sent: u64,
    errors: u64,
    /// Deliveries pruned when the window began and ended.
    pruned_window: (u64, u64),
    /// Seconds from the server's start until `/stats` counted every filled delivery pruned.
    prune_secs: Option<f64>,
    size_before: u64,
    size_after: u64,
}

async fn pruned(client: &reqwest::Client, base: &str) -> u64 {
    match client
        .get(format!("{base}/api/whatsapp/stats"))
        .send()
        .await
    {
        Ok(r) => r.json::<Value>().await.unwrap_or_default()["webhooks"]["pruned"]
            .as_u64()
            .unwrap_or(0),
        Err(_) => 0,
    }
}

async fn run(args: &Args, templates: Arc<Vec<Value>>, round: u32, pruning: bool) -> Run {
    let copy = args
        .database
        .with_extension(format!("run{round}{}.db", if pruning { "b" } else { "a" }));
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_file(format!("{}-wal", copy.display()));
    std::fs::copy(&args.database, &copy).expect("copy the filled database");
    let size_before = file_size(&copy);
    let binary = args.server.clone().unwrap_or_else(default_server_binary);
    let mut env: Vec<(&str, String)> = vec![
        ("DATABASE_URL", copy.to_string_lossy().into_owned()),
        (
            "WACLOUD_RETAIN_WEBHOOK_DAYS",
            if pruning { "30" } else { "forever" }.to_owned(),
        ),
    ];
    for (k, v) in &args.env {
        env.push((k.as_str(), v.clone()));
    }
    let started = Instant::now();
    let server = ServerProcess::start(&binary, SECRET, &env);
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let secret = SecretString::from(SECRET.to_owned());
    let hist = Arc::new(Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram"),
    ));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let url = format!("{base}/api/whatsapp/webhook");
    let total = (args.warmup + args.window) * args.rate;
    let step = Duration::from_secs(1) / u32::try_from(args.rate.max(1)).unwrap_or(1);
    let tag = format!("new{round}{pruning}");
    let mut pruned_window = (0, 0);
    let mut ticker = tokio::time::interval(step);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for seq in 0..total {
        ticker.tick().await;
        if seq == args.warmup * args.rate {
            pruned_window.0 = pruned(&client, &base).await;
            measuring.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let body = delivery(&templates, seq, &tag);
        let sig = wacloud_graph::webhook::sign(&body, &secret);
        let (client, url) = (client.clone(), url.clone());
        let (hist, errors, measuring) = (hist.clone(), errors.clone(), measuring.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = client
                .post(&url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", sig)
                .body(body)
                .send()
                .await;
            let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
            if !measuring.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            if matches!(&r, Ok(resp) if resp.status().is_success()) {
                if let Ok(mut h) = hist.lock() {
                    let _ = h.record(micros.max(1));
                }
            } else {
                errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    pruned_window.1 = pruned(&client, &base).await;
    let mut prune_secs = None;
    if pruning {
        let deadline = Instant::now() + Duration::from_secs(args.prune_timeout);
        while Instant::now() < deadline {
            if pruned(&client, &base).await >= args.rows {
                prune_secs = Some(started.elapsed().as_secs_f64());
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    drop(server);
    let size_after = file_size(&copy);
    if pruning {
        let mut conn =
            establish(&DatabaseUrl::parse(&copy.to_string_lossy()), true).expect("open the copy");
        eprintln!(
            "run {round}b: {} deliveries left (the run's own {})",
            rows_in(&mut conn),
            total
        );
    }
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_file(format!("{}-wal", copy.display()));
    let _ = std::fs::remove_file(format!("{}-shm", copy.display()));
    let hist = hist.lock().map(|h| h.clone()).expect("histogram");
    Run {
        round,
        pruning,
        sent: hist.len(),
        hist,
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
        pruned_window,
        prune_secs,
        size_before,
        size_after,
    }
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn main() {
    let args = Args::parse();
    let templates = Arc::new(templates(&args.fixtures));
    assert!(!templates.is_empty(), "no message fixtures found");
    if !args.database.exists() {
        fill(&args, &templates);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mut runs = Vec::new();
    for round in 1..=args.rounds {
        for pruning in [false, true] {
            eprintln!(
                "round {round}, {} …",
                if pruning { "pruning" } else { "retention off" }
            );
            runs.push(rt.block_on(run(&args, templates.clone(), round, pruning)));
        }
    }
    println!(
        "| run | pruner | p50 ms | p90 ms | p99 ms | max ms | answered | errors | pruned in window | all pruned after s | DB MiB before → after |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for r in &runs {
        println!(
            "| {}{} | {} | {:.2} | {:.2} | {:.2} | {:.1} | {} | {} | {} → {} | {} | {:.0} → {:.0} |",
            r.round,
            if r.pruning { "b" } else { "a" },
            if r.pruning { "pruning" } else { "off" },
            ms(r.hist.value_at_quantile(0.5)),
            ms(r.hist.value_at_quantile(0.9)),
            ms(r.hist.value_at_quantile(0.99)),
            ms(r.hist.max()),
            r.sent,
            r.errors,
            r.pruned_window.0,
            r.pruned_window.1,
            r.prune_secs.map_or("—".to_owned(), |s| format!("{s:.0}")),
            mib(r.size_before),
            mib(r.size_after),
        );
    }
    println!();
    for round in 1..=args.rounds {
        let p99 = |pruning: bool| {
            runs.iter()
                .find(|r| r.round == round && r.pruning == pruning)
                .map(|r| r.hist.value_at_quantile(0.99) as f64)
        };
        let p50 = |pruning: bool| {
            runs.iter()
                .find(|r| r.round == round && r.pruning == pruning)
                .map(|r| r.hist.value_at_quantile(0.5) as f64)
        };
        if let (Some(a), Some(b), Some(a50), Some(b50)) =
            (p99(false), p99(true), p50(false), p50(true))
        {
            println!(
                "round {round}: p99 pruning / off = {:.2}×, p50 {:.2}×",
                b / a,
                b50 / a50
            );
        }
    }
}
