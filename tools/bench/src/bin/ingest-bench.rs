//! Ingest benchmark: signed, realistic webhook deliveries against the real server over
//! loopback; durable events per second and latency, with group commit and with one commit per
//! delivery, in the same run.
//!
//! ```sh
//! cargo build --release -p wacloud -p wacloud-bench && target/release/ingest-bench
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use secrecy::SecretString;
use wacloud_bench::{default_server_binary, DeliveryFactory, ServerProcess};

/// Drives the real server with signed deliveries and reports durable events per second.
#[derive(Debug, Parser)]
struct Args {
    /// Seconds measured per mode (after the warm-up).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of warm-up per mode (not measured).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Events (messages and statuses) per delivery.
    #[arg(long, default_value_t = 10)]
    events_per_delivery: usize,
    /// Distinct customers.
    #[arg(long, default_value_t = 2000)]
    customers: u64,
    /// Modes to run: `group` (the server's default group commit) and `single` (one commit per
    /// delivery, `WACLOUD_WRITER_BATCH=1`).
    #[arg(long, value_delimiter = ',', default_value = "group,single")]
    modes: Vec<String>,
    /// The server binary (default: `wacloud` next to this one).
    #[arg(long)]
    server: Option<std::path::PathBuf>,
    /// Drive an already running server at this base URL (signed with `bench-secret`) instead of
    /// starting one per mode.
    #[arg(long)]
    url: Option<String>,
    /// Extra server settings, `NAME=value` (e.g. `DATABASE_URL=postgres://…`).
    #[arg(long = "env", value_parser = parse_kv)]
    env: Vec<(String, String)>,
    /// Before the load, subscribe a local receiver (answering 204 on loopback, on a thread of
    /// its own) to these outgoing webhook events (e.g. `message.received,message.status`), so
    /// ingestion writes outbox rows and the server delivers them while it ingests.
    #[arg(long, value_delimiter = ',')]
    subscribe: Vec<String>,
    /// With `--subscribe`: after the load, wait until the receiver has every delivery the
    /// outbox holds and report the rate at which that backlog was delivered (no ingestion
    /// competing): the outgoing webhook throughput.
    #[arg(long)]
    await_deliveries: bool,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected NAME=value, got {s:?}"))
}

const SECRET: &str = "bench-secret";

#[derive(Debug)]
struct Outcome {
    mode: String,
    deliveries: u64,
    events: u64,
    errors: u64,
    seconds: f64,
    hist: Histogram<u64>,
    stored: u64,
    acknowledged_total: u64,
    /// Seconds after the load stopped until every stored delivery was applied.
    drain: f64,
}

async fn run_mode(args: &Args, mode: &str) -> Outcome {
    let binary = args.server.clone().unwrap_or_else(default_server_binary);
    let mut env: Vec<(&str, String)> = vec![];
    if mode == "single" {
        env.push(("WACLOUD_WRITER_BATCH", "1".into()));
    }
    for (k, v) in &args.env {
        env.push((k.as_str(), v.clone()));
    }
    let server = match &args.url {
        Some(_) => None,
        None => Some(ServerProcess::start(&binary, SECRET, &env)),
    };
    let base = match (&args.url, &server) {
        (Some(u), _) => u.trim_end_matches('/').to_owned(),
        (None, Some(s)) => s.base.clone(),
        (None, None) => unreachable!("a server is started when no URL is given"),
    };
    let url = format!("{base}/api/whatsapp/webhook");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .expect("client");
    let secret = SecretString::from(SECRET.to_owned());
    let received = if args.subscribe.is_empty() {
        None
    } else {
        let (hook, got) = receiver();
        let r = client
            .post(format!("{base}/api/whatsapp/subscriptions"))
            .json(&serde_json::json!({"url": hook, "events": args.subscribe}))
            .send()
            .await
            .expect("subscribe");
        assert_eq!(r.status().as_u16(), 201, "subscription refused: {r:?}");
        Some(got)
    };

    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let deliveries = Arc::new(AtomicU64::new(0));
    let events = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let acknowledged = Arc::new(AtomicU64::new(0));
    let hist = Arc::new(Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram"),
    ));
    let mut tasks = Vec::new();
    for worker in 0..args.concurrency {
        let (client, url, secret) = (client.clone(), url.clone(), secret.clone());
        let (measuring, stop) = (measuring.clone(), stop.clone());
        let (deliveries, events, errors, acknowledged, hist) = (
            deliveries.clone(),
            events.clone(),
            errors.clone(),
            acknowledged.clone(),
            hist.clone(),
        );
        let per = args.events_per_delivery;
        let customers = args.customers;
        let prefix = format!("{mode}{worker}");
        tasks.push(tokio::spawn(async move {
            let mut factory = DeliveryFactory::new(prefix, customers);
            let mut local = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
            while !stop.load(Ordering::Relaxed) {
                let (body, n) = factory.next(per);
                let sig = wacloud_graph::webhook::sign(&body, &secret);
                let started = Instant::now();
                let r = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-hub-signature-256", sig)
                    .body(body)
                    .send()
                    .await;
                let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                let ok = matches!(&r, Ok(resp) if resp.status().is_success());
                if ok {
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
                if measuring.load(Ordering::Relaxed) {
                    if ok {
                        deliveries.fetch_add(1, Ordering::Relaxed);
                        events.fetch_add(n as u64, Ordering::Relaxed);
                        let _ = local.record(micros.max(1));
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            if let Ok(mut h) = hist.lock() {
                let _ = h.add(&local);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    measuring.store(false, Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    // Deliveries answered before their effects were applied (load above the inline limit)
    // must still be applied: wait for the backlog and count that time too.
    let drained = Instant::now();
    loop {
        let s: serde_json::Value = match client
            .get(format!("{base}/api/whatsapp/stats"))
            .send()
            .await
        {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(_) => serde_json::Value::Null,
        };
        if s["webhooks"]["received"].as_u64() == Some(0)
            || drained.elapsed() > Duration::from_secs(600)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drain = drained.elapsed().as_secs_f64();
    let stats: serde_json::Value = client
        .get(format!("{base}/api/whatsapp/stats"))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json");
    if let Some(got) = &received {
        let at_drain = got.load(Ordering::Relaxed);
        eprintln!("{mode}: the receiver got {at_drain} webhook deliveries by the end of the drain");
        if args.await_deliveries {
            // The outbox's backlog, delivered with no ingestion competing: wait until the
            // receiver's count stops growing for 3 s and time what came after the drain.
            let t0 = Instant::now();
            let (mut last, mut last_change) = (at_drain, Instant::now());
            while last_change.elapsed() < Duration::from_secs(3)
                && t0.elapsed() < Duration::from_secs(600)
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let n = got.load(Ordering::Relaxed);
                if n != last {
                    (last, last_change) = (n, Instant::now());
                }
            }
            let secs = last_change.duration_since(t0).as_secs_f64();
            eprintln!(
                "{mode}: the backlog: {} more deliveries in {secs:.2} s = {:.0} deliveries/s (total {last})",
                last - at_drain,
                (last - at_drain) as f64 / secs.max(1e-9)
            );
        }
    }
    drop(server);
    let hist = hist.lock().map(|h| h.clone()).expect("histogram");
    Outcome {
        mode: mode.to_owned(),
        deliveries: deliveries.load(Ordering::Relaxed),
        events: events.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        seconds,
        hist,
        stored: stats["webhooks"]["total"].as_u64().unwrap_or(0),
        acknowledged_total: acknowledged.load(Ordering::Relaxed),
        drain,
    }
}

/// A local receiver of outgoing webhooks on a thread of its own: answers every request 204
/// (HTTP/1.1, keep-alive) and counts them. Its URL and the count.
fn receiver() -> (String, Arc<AtomicU64>) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let got = Arc::new(AtomicU64::new(0));
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
    std_listener.set_nonblocking(true).expect("nonblocking");
    let port = std_listener.local_addr().expect("address").port();
    let count = Arc::clone(&got);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("receiver runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                let count = Arc::clone(&count);
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut r = BufReader::new(r);
                    let mut line = String::new();
                    loop {
                        let mut length = 0_usize;
                        loop {
                            line.clear();
                            match r.read_line(&mut line).await {
                                Ok(0) | Err(_) => return,
                                Ok(_) => {}
                            }
                            let l = line.trim_end();
                            if l.is_empty() {
                                break;
                            }
                            if let Some((k, v)) = l.split_once(':') {
                                if k.eq_ignore_ascii_case("content-length") {
                                    length = v.trim().parse().unwrap_or(0);
                                }
                            }
                        }
                        let mut body = vec![0; length];
                        if r.read_exact(&mut body).await.is_err() {
                            return;
                        }
                        count.fetch_add(1, Ordering::Relaxed);
                        let answer = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
                        if w.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    (format!("http://127.0.0.1:{port}/hook"), got)
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn main() {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mut outcomes = Vec::new();
    for mode in &args.modes {
        eprintln!("running {mode} for {}+{} s …", args.warmup, args.duration);
        outcomes.push(rt.block_on(run_mode(&args, mode)));
    }
    println!(
        "| mode | durable events/s | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | errors | applied events/s (drain s) | acknowledged = stored |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for o in &outcomes {
        println!(
            "| {} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.0} ({:.1}) | {} = {} {} |",
            o.mode,
            o.events as f64 / o.seconds,
            o.deliveries as f64 / o.seconds,
            ms(o.hist.value_at_quantile(0.5)),
            ms(o.hist.value_at_quantile(0.9)),
            ms(o.hist.value_at_quantile(0.99)),
            ms(o.hist.max()),
            o.errors,
            o.events as f64 / (o.seconds + o.drain),
            o.drain,
            o.acknowledged_total,
            o.stored,
            if o.acknowledged_total == o.stored {
                "✓"
            } else {
                "✗"
            },
        );
    }
    let rate = |m: &str| {
        outcomes
            .iter()
            .find(|o| o.mode == m)
            .map(|o| o.events as f64 / o.seconds)
    };
    if let (Some(g), Some(s)) = (rate("group"), rate("single")) {
        println!(
            "\ngroup commit / one commit per delivery: {:.1}× ({} events per delivery, {} connections)",
            g / s,
            args.events_per_delivery,
            args.concurrency
        );
    }
    if outcomes.iter().any(|o| o.acknowledged_total != o.stored) {
        eprintln!("some acknowledged deliveries are not stored exactly once");
        std::process::exit(1);
    }
}
