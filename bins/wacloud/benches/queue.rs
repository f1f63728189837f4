//! Queue benchmark: sustained sends per second through the real server (release build, SQLite)
//! against the sandbox running as its own process with Meta-like latency, at a 1,000/s cap.
//!
//! ```sh
//! cargo bench -p wacloud --bench queue
//! ```
//!
//! Settings (environment): `BENCH_MESSAGES` (default 30000), `BENCH_RATE` (the number's
//! throughput and the sandbox's cap, default 1000), `BENCH_LATENCY_MS` (default 300),
//! `BENCH_STATUSES` (`all`: sent, delivered, read — the default, as Meta sends them; `sent`; or
//! `none`), `BENCH_SERVER_BIN` (the server's executable, to time another build against the
//! same sandbox and load; default: this build's `wacloud`). It prints the figures as a Markdown
//! table row for docs/BENCHMARKS.md.
//!
//! `BENCH_MODE=floor` starts no server: this process sends the same messages at the same rate
//! to the same sandbox with `wacloud-graph`'s client alone (one `send_template` per message,
//! nothing stored, no pacer) and reports its own CPU per message — what one Graph request per
//! message costs before wacloud does anything else.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const SECRET: &str = "bench-secret";
const TOKEN: &str = "EAAG-bench-token-not-a-real-one";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn command(program: &str, log: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_API_TOKEN", TOKEN)
        .env("WHATSAPP_PHONE_NUMBER_ID", "100000000000001")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"));
    cmd
}

/// CPU time (user + system) a process used so far, from `/proc/{pid}/stat`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command name: state is field 3; utime and stime are fields 14 and 15.
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Linux reports them in clock ticks of 1/100 s (getconf CLK_TCK).
    (ticks(14) + ticks(15)) / 100.0
}

fn machine() -> String {
    let nproc = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{nproc} × {model}")
}

async fn wait_up(http: &reqwest::Client, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if http
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not come up");
}

async fn get(http: &reqwest::Client, url: &str) -> Value {
    http.get(url)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

/// Sends `n` templates at `rate` per second with the crate's client alone and prints this
/// process's CPU per message.
async fn floor(n: u64, rate: u64, graph: String) {
    let client = std::sync::Arc::new(
        wacloud_graph::GraphClient::builder(TOKEN, "100000000000001")
            .base_url(graph)
            .build()
            .expect("client"),
    );
    let me = std::process::id();
    let (cpu0, t0) = (cpu_seconds(me), Instant::now());
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..n {
        tick.tick().await;
        let c = std::sync::Arc::clone(&client);
        sends.spawn(async move {
            c.send_template(
                format!("1555{:07}", 3_000_000 + i),
                "hello_world",
                "en_US",
                Vec::<String>::new(),
            )
            .await
            .is_ok()
        });
    }
    let mut accepted = 0_u64;
    while let Some(r) = sends.join_next().await {
        accepted += u64::from(r.unwrap_or(false));
    }
    let (cpu, took) = (cpu_seconds(me) - cpu0, t0.elapsed());
    println!(
        "floor: {n} sends by wacloud-graph alone at {rate}/s, {accepted} accepted in {took:.2?}"
    );
    println!(
        "machine: {}; date: {}",
        machine(),
        chrono::Utc::now().to_rfc3339()
    );
    println!(
        "CPU: client {cpu:.2} s = {:.0} µs per message",
        cpu * 1_000_000.0 / n as f64
    );
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() {
    let n = env_num("BENCH_MESSAGES", 30_000);
    let rate = env_num("BENCH_RATE", 1000);
    let latency = env_num("BENCH_LATENCY_MS", 300);
    let statuses = std::env::var("BENCH_STATUSES").unwrap_or_else(|_| "all".into());
    let dir = tempfile::tempdir().expect("tempdir");
    let (sp, pp) = (free_port(), free_port());
    let http = reqwest::Client::new();

    let own = env!("CARGO_BIN_EXE_wacloud");
    let server_bin = std::env::var("BENCH_SERVER_BIN").unwrap_or_else(|_| own.to_owned());
    let mut sandbox = command(own, &dir.path().join("sandbox.log"));
    sandbox
        .arg("sandbox")
        .env("WACLOUD_SANDBOX_BIND", format!("127.0.0.1:{sp}"))
        .env(
            "WACLOUD_SANDBOX_WEBHOOK_URL",
            format!("http://127.0.0.1:{pp}/api/whatsapp/webhook"),
        )
        .env("WACLOUD_SANDBOX_LATENCY_MS", latency.to_string())
        .env("WACLOUD_SANDBOX_MESSAGES_PER_SECOND", rate.to_string())
        .env("WACLOUD_SANDBOX_STATUS_DELAY_MS", "1000")
        .args(["--status-batch", "100"]);
    if statuses != "all" {
        sandbox.arg("--no-read");
    }
    let sandbox = Kill(sandbox.spawn().expect("start the sandbox"));
    let sb = format!("http://127.0.0.1:{sp}/sandbox");
    wait_up(&http, &format!("{sb}/control")).await;
    if statuses == "none" {
        http.post(format!("{sb}/control"))
            .json(&json!({"statuses": false}))
            .send()
            .await
            .expect("control");
    }

    if std::env::var("BENCH_MODE").as_deref() == Ok("floor") {
        floor(n, rate, format!("http://127.0.0.1:{sp}/sandbox/graph")).await;
        let c = get(&http, &format!("{sb}/counts")).await;
        println!(
            "sandbox: accepted {}, refused {}, busiest second {}",
            c["accepted"], c["refused"], c["max_per_second"]
        );
        return;
    }

    let mut server = command(&server_bin, &dir.path().join("server.log"));
    server
        .env("DATABASE_URL", dir.path().join("wacloud.db"))
        .env("WACLOUD_BIND", format!("127.0.0.1:{pp}"))
        .env("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "bench")
        .env(
            "WHATSAPP_GRAPH_BASE_URL",
            format!("http://127.0.0.1:{sp}/sandbox/graph"),
        )
        .env("WACLOUD_MESSAGES_PER_SECOND", rate.to_string())
        .env("WACLOUD_QUEUE_WORKERS", "1024")
        .env("WACLOUD_GRAPH_TIMEOUT_MS", "10000")
        .env("WACLOUD_QUEUE_LEASE_SECS", "30");
    let server = Kill(server.spawn().expect("start the server"));
    // For attaching a profiler while the load runs.
    eprintln!("server pid {}", server.0.id());
    let api = format!("http://127.0.0.1:{pp}/api/whatsapp");
    wait_up(&http, &format!("{api}/health")).await;

    // Queue everything (at most 10,000 recipients per request); sending starts at once.
    let cpu0 = (cpu_seconds(server.0.id()), cpu_seconds(sandbox.0.id()));
    let t0 = Instant::now();
    let mut batches = Vec::new();
    let recipients: Vec<String> = (0..n)
        .map(|i| format!("+1555{:07}", 3_000_000 + i))
        .collect();
    for chunk in recipients.chunks(10_000) {
        let r: Value = http
            .post(format!("{api}/send-bulk"))
            .json(&json!({"recipients": chunk, "type": "template",
                          "template": {"name": "hello_world", "language": "en_US"}}))
            .send()
            .await
            .expect("send-bulk")
            .json()
            .await
            .expect("JSON");
        batches.push(r["batch_id"].as_str().expect("batch id").to_owned());
    }
    let queued = t0.elapsed();

    // Sample the sandbox once a second until every message was accepted.
    let mut samples: Vec<(f64, u64)> = Vec::new();
    loop {
        let c = get(&http, &format!("{sb}/counts")).await;
        let accepted = c["accepted"].as_u64().unwrap_or(0);
        samples.push((t0.elapsed().as_secs_f64(), accepted));
        if accepted >= n || t0.elapsed() > Duration::from_secs(n / rate.max(1) * 4 + 60) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let sent_at = t0.elapsed();
    // Wait for the queue to record every outcome and for the statuses to be ingested.
    let mut done = false;
    for _ in 0..120 {
        let mut all = true;
        for b in &batches {
            let s = get(&http, &format!("{api}/batches/{b}?limit=0")).await;
            all &= s["done"] == true;
        }
        if all {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let c = get(&http, &format!("{sb}/counts")).await;
    let mut waited = 0;
    while statuses != "none" && waited < 60 {
        let stats = get(&http, &format!("{api}/stats")).await;
        let read = stats["messages_by_status"]["read"].as_u64().unwrap_or(0);
        let delivered = stats["messages_by_status"]["delivered"]
            .as_u64()
            .unwrap_or(0);
        if (statuses == "all" && read >= n) || (statuses != "all" && delivered >= n) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        waited += 1;
    }
    let cpu1 = (cpu_seconds(server.0.id()), cpu_seconds(sandbox.0.id()));

    let accepted = c["accepted"].as_u64().unwrap_or(0);
    let first = chrono::DateTime::parse_from_rfc3339(c["first_accepted_at"].as_str().unwrap_or(""))
        .expect("first");
    let last = chrono::DateTime::parse_from_rfc3339(c["last_accepted_at"].as_str().unwrap_or(""))
        .expect("last");
    let span = (last - first).num_milliseconds() as f64 / 1000.0;
    let overall = (accepted.saturating_sub(1)) as f64 / span.max(0.001);
    // Steady state: the middle of the run, without the first and last 2 s.
    let steady = {
        let lo = samples.iter().find(|(t, a)| *t >= 2.0 && *a > 0);
        let hi = samples
            .iter()
            .rev()
            .find(|(_, a)| *a < n.saturating_sub(2 * rate));
        match (lo, hi) {
            (Some((t1, a1)), Some((t2, a2))) if t2 > t1 => (a2 - a1) as f64 / (t2 - t1),
            _ => overall,
        }
    };
    let refused = c["refused"].to_string();
    let max = c["max_per_second"].as_u64().unwrap_or(0);
    let server_cpu = cpu1.0 - cpu0.0;
    let sandbox_cpu = cpu1.1 - cpu0.1;
    let per = |cpu: f64| cpu * 1_000_000.0 / n as f64;
    let once = c["per_recipient"]
        .as_object()
        .is_some_and(|m| m.len() as u64 == n && m.values().all(|v| v == 1));
    println!("server: {server_bin}");
    println!("queue benchmark: {n} messages, cap {rate}/s, sandbox latency {latency} ms, statuses {statuses}");
    println!(
        "machine: {}; date: {}",
        machine(),
        chrono::Utc::now().to_rfc3339()
    );
    println!("queued in {queued:.2?}; all accepted by {sent_at:.2?}; every item final: {done}; exactly once each: {once}");
    println!(
        "sustained: {overall:.1}/s over the whole run ({:.1} % of the cap), {steady:.1}/s in the steady middle; busiest second {max}; refusals {refused}",
        overall * 100.0 / rate as f64
    );
    println!(
        "CPU: server {server_cpu:.1} s = {:.0} µs per message; sandbox {sandbox_cpu:.1} s = {:.0} µs per message",
        per(server_cpu),
        per(sandbox_cpu)
    );
    println!(
        "| {n} | {rate}/s | {latency} ms | {statuses} | {overall:.1}/s ({:.1} %) | {steady:.1}/s | {max} | {} | {:.0} µs | {:.0} µs |",
        overall * 100.0 / rate as f64,
        if refused == "{}" { "none".to_owned() } else { refused.clone() },
        per(server_cpu),
        per(sandbox_cpu)
    );
    drop(server);
    drop(sandbox);
}
