//! Read benchmark: fills a fresh database through the server's own write path (signed webhook
//! deliveries of inbound messages from a fixed set of customers), and at each size measures the
//! latency of the reads an operator's screen makes: `/stats`, the contact list (first page, a
//! deep page, a search), the message history (first page, a deep page, one customer's) and the
//! search over message text (a word every message holds, a rare one, a missing one, one
//! customer's). Every message's text is "Hello, is order <n> on its way? Merci, café ☕".
//!
//! ```sh
//! cargo build --release -p wacloud -p wacloud-bench && target/release/read-bench
//! ```
//!
//! Sizes are cumulative: the database grows from one size to the next, and every read is
//! measured at each size with the same requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use secrecy::SecretString;
use serde_json::{json, Value};
use wacloud_bench::{default_server_binary, ServerProcess, PHONE_NUMBER_ID};

/// Fills the database through the webhook and reports read latencies at each size.
#[derive(Debug, Parser)]
struct Args {
    /// Message counts to measure at, ascending.
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000,10000000")]
    sizes: Vec<u64>,
    /// Distinct customers (contacts).
    #[arg(long, default_value_t = 10_000)]
    customers: u64,
    /// Messages per delivery while filling.
    #[arg(long, default_value_t = 50)]
    per_delivery: u64,
    /// Concurrent connections while filling.
    #[arg(long, default_value_t = 32)]
    concurrency: u64,
    /// Requests per measured read (one at a time).
    #[arg(long, default_value_t = 300)]
    samples: u32,
    /// Seconds to wait idle before reading the server's resident memory at each size.
    #[arg(long, default_value_t = 10)]
    idle_secs: u64,
    /// The server binary (default: `wacloud` next to this one).
    #[arg(long)]
    server: Option<std::path::PathBuf>,
    /// Extra server settings, `NAME=value`.
    #[arg(long = "env", value_parser = parse_kv)]
    env: Vec<(String, String)>,
    /// Keep the database at this path (SQLite) instead of a temporary one, and start from what
    /// it holds: filling 10M messages once takes about 25 minutes, measuring again a minute.
    /// The deep page's cursor is kept beside it (`PATH.cursor`).
    #[arg(long)]
    database: Option<std::path::PathBuf>,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected NAME=value, got {s:?}"))
}

const SECRET: &str = "bench-secret";

/// One delivery of `n` inbound texts numbered from `first`, customers taken in turn.
fn delivery(first: u64, n: u64, customers: u64, ts: u64) -> Vec<u8> {
    let mut contacts = Vec::new();
    let mut messages = Vec::new();
    for seq in first..first + n {
        let wa_id = (15_550_000_000_u64 + seq % customers).to_string();
        contacts.push(json!({"profile": {"name": format!("Customer {wa_id}")}, "wa_id": wa_id}));
        messages.push(json!({
            "from": wa_id, "id": format!("wamid.read.{seq}"), "timestamp": ts.to_string(),
            "type": "text",
            "text": {"body": format!("Hello, is order {seq} on its way? Merci, café ☕")}
        }));
    }
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "100000000000002",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": contacts, "messages": messages}}]}]});
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Sends deliveries until `to` messages were acknowledged in all, starting at `from`.
async fn fill(args: &Args, client: &reqwest::Client, base: &str, from: u64, to: u64) {
    let next = Arc::new(AtomicU64::new(from));
    let secret = SecretString::from(SECRET.to_owned());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (client, next, secret) = (client.clone(), next.clone(), secret.clone());
        let url = format!("{base}/api/whatsapp/webhook");
        let (per, customers) = (args.per_delivery, args.customers);
        tasks.push(tokio::spawn(async move {
            loop {
                let first = next.fetch_add(per, Ordering::Relaxed);
                if first >= to {
                    break;
                }
                let n = per.min(to - first);
                let ts = 1_800_000_000 + first / 100;
                let body = delivery(first, n, customers, ts);
                let sig = wacloud_graph::webhook::sign(&body, &secret);
                loop {
                    let r = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("x-hub-signature-256", sig.clone())
                        .body(body.clone())
                        .send()
                        .await;
                    if matches!(&r, Ok(resp) if resp.status().is_success()) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    // Wait until every stored delivery was applied.
    loop {
        let s = get_json(client, &format!("{base}/api/whatsapp/stats")).await;
        if s["webhooks"]["received"].as_u64() == Some(0)
            && s["total_messages"].as_u64().unwrap_or(0) >= to
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "filled {from} → {to} messages in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// The resident memory of process `pid` (Linux's `/proc/<pid>/status`), in MiB.
fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    match client.get(url).send().await {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => Value::Null,
    }
}

/// p50 and p99 (ms) of `samples` sequential GETs of `path`, after 10 unmeasured ones.
async fn measure(client: &reqwest::Client, base: &str, path: &str, samples: u32) -> (f64, f64) {
    let url = format!("{base}{path}");
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
    for i in 0..samples + 10 {
        let started = Instant::now();
        let r = client.get(&url).send().await.expect("GET");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let _ = r.bytes().await.expect("body");
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        if i >= 10 {
            let _ = hist.record(micros.max(1));
        }
    }
    let ms = |q| hist.value_at_quantile(q) as f64 / 1000.0;
    (ms(0.5), ms(0.99))
}

/// The figures at one size: messages, (p50, p99) ms per read, idle resident MiB.
type Size = (u64, Vec<(f64, f64)>, f64);

/// Waits until the search finds message `seq` (SQLite indexes in the background), and says
/// how long that took.
async fn wait_indexed(client: &reqwest::Client, base: &str, seq: u64) {
    let started = Instant::now();
    let url = format!("{base}/api/whatsapp/messages?limit=1&search=order%20{seq}");
    loop {
        let found = get_json(client, &url).await["messages"]
            .as_array()
            .is_some_and(|m| !m.is_empty());
        if found {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3600),
            "the search index did not reach message {seq} in an hour"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "the search index reached message {seq} {:.1} s after the fill",
        started.elapsed().as_secs_f64()
    );
}

async fn run(args: &Args) {
    let binary = args.server.clone().unwrap_or_else(default_server_binary);
    let mut env: Vec<(&str, String)> = args
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    if let Some(db) = &args.database {
        env.push(("DATABASE_URL", db.display().to_string()));
    }
    let server = ServerProcess::start(&binary, SECRET, &env);
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::try_from(args.concurrency).unwrap_or(64))
        .build()
        .expect("client");

    // A cursor into the oldest messages (the deep history page), taken while they are newest.
    let held = get_json(&client, &format!("{base}/api/whatsapp/stats")).await["total_messages"]
        .as_u64()
        .unwrap_or(0);
    let cursor_file = args.database.as_ref().map(|d| {
        let mut p = d.clone().into_os_string();
        p.push(".cursor");
        std::path::PathBuf::from(p)
    });
    let kept_cursor = cursor_file
        .as_ref()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .filter(|_| held > 0);
    let (mut filled, deep_cursor) = if let Some(c) = kept_cursor {
        eprintln!("the database holds {held} messages already");
        (held, c)
    } else {
        let early = args.sizes.first().copied().unwrap_or(0).min(5_000);
        fill(args, &client, &base, 0, early).await;
        let page = get_json(&client, &format!("{base}/api/whatsapp/messages?limit=50")).await;
        let c = page["next_cursor"].as_str().unwrap_or_default().to_owned();
        if let Some(f) = &cursor_file {
            std::fs::write(f, &c).expect("write the cursor file");
        }
        (early, c)
    };
    let one = format!("%2B{}", 15_550_000_000_u64 + 7);
    let deep_offset = args.customers / 2;
    let reads = [
        ("/stats", "/api/whatsapp/stats".to_owned()),
        (
            "/contacts first page",
            "/api/whatsapp/contacts?limit=50".to_owned(),
        ),
        (
            "/contacts deep page",
            format!("/api/whatsapp/contacts?limit=50&offset={deep_offset}"),
        ),
        (
            "/contacts search",
            "/api/whatsapp/contacts?search=5550000777&limit=50".to_owned(),
        ),
        (
            "/messages first page",
            "/api/whatsapp/messages?limit=50".to_owned(),
        ),
        (
            "/messages deep page",
            format!("/api/whatsapp/messages?limit=50&before={deep_cursor}"),
        ),
        (
            "/messages one customer",
            format!("/api/whatsapp/messages?limit=50&phone={one}"),
        ),
    ];
    let search = [
        (
            "/messages search, a word in every message",
            "/api/whatsapp/messages?limit=50&search=order".to_owned(),
        ),
        (
            "/messages search, a rare number and a common word",
            "/api/whatsapp/messages?limit=50&search=order%20777".to_owned(),
        ),
        (
            "/messages search, a word in none",
            "/api/whatsapp/messages?limit=50&search=zebra".to_owned(),
        ),
        (
            "/messages search, one customer",
            format!("/api/whatsapp/messages?limit=50&search=merci&phone={one}"),
        ),
    ];
    let reads: Vec<(&str, String)> = reads.into_iter().chain(search).collect();
    let mut table: Vec<Size> = Vec::new();
    for &size in &args.sizes {
        if size > filled {
            fill(args, &client, &base, filled, size).await;
            filled = size;
        }
        wait_indexed(&client, &base, filled.saturating_sub(1)).await;
        let mut row = Vec::new();
        for (name, path) in &reads {
            let r = measure(&client, &base, path, args.samples).await;
            eprintln!(
                "{size} messages, {name}: p50 {:.2} ms, p99 {:.2} ms",
                r.0, r.1
            );
            row.push(r);
        }
        // Memory after the load, once idle.
        tokio::time::sleep(Duration::from_secs(args.idle_secs)).await;
        let rss = rss_mib(server.pid());
        eprintln!(
            "{size} messages, idle for {} s: {rss:.0} MiB resident",
            args.idle_secs
        );
        table.push((size, row, rss));
    }
    drop(server);

    print!("| read |");
    for (size, _, _) in &table {
        print!(" {size} messages p50 / p99 ms |");
    }
    println!();
    print!("| --- |");
    for _ in &table {
        print!(" ---: |");
    }
    println!();
    for (i, (name, _)) in reads.iter().enumerate() {
        print!("| {name} |");
        for (_, row, _) in &table {
            print!(" {:.2} / {:.2} |", row[i].0, row[i].1);
        }
        println!();
    }
    print!("| resident memory, idle (MiB) |");
    for (_, _, rss) in &table {
        print!(" {rss:.0} |");
    }
    println!();
}

fn main() {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(&args));
}
