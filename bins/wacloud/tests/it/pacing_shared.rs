//! Two instances on one PostgreSQL database sending one bulk batch for a number capped at
//! 80 messages/s stay at the cap together, measured where Meta (the sandbox, uncapped here, so
//! every send it gets is counted) receives them, and keep it once one of them is killed (skipped
//! on SQLite, which serves one instance).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use wacloud_store::testdb::TestDb;

use crate::app::SECRET;
use crate::instances::{on_postgres, standalone_sandbox, Server};

/// The number's throughput.
const CAP: f64 = 80.0;
/// The windows the rate is measured over.
const WINDOW: Duration = Duration::from_secs(3);
/// How far apart the windows start.
const STEP: Duration = Duration::from_millis(250);

/// When the sandbox accepted each send (given it a `wamid`), oldest first.
fn accepted_at(sb: &wacloud_sandbox::Sandbox) -> Vec<DateTime<Utc>> {
    let mut out: Vec<DateTime<Utc>> = sb
        .received()
        .iter()
        .filter(|r| r.status == 200 && r.wamid.is_some())
        .filter_map(|r| DateTime::parse_from_rfc3339(&r.received_at).ok())
        .map(|t| t.with_timezone(&Utc))
        .collect();
    out.sort_unstable();
    out
}

/// Messages per second in each [`WINDOW`] that starts every [`STEP`] from `from` and ends by
/// `to`.
fn window_rates(at: &[DateTime<Utc>], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<f64> {
    let window = chrono::Duration::from_std(WINDOW).unwrap();
    let step = chrono::Duration::from_std(STEP).unwrap();
    let mut rates = Vec::new();
    let mut start = from;
    while start + window <= to {
        let end = start + window;
        let n = at.iter().filter(|t| **t >= start && **t < end).count();
        rates.push(n as f64 / WINDOW.as_secs_f64());
        start += step;
    }
    rates
}

fn min_max(rates: &[f64]) -> (f64, f64) {
    let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let max = rates.iter().copied().fold(0.0, f64::max);
    (min, max)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_sending_for_one_number_share_its_rate_and_keep_it_when_one_is_killed() {
    if !on_postgres() {
        return;
    }
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let pid = "100000000000001";
    let token = "sandbox-token";
    // No webhook URL: the statuses are not what is measured.
    let (sb, sb_port) = standalone_sandbox(pid, token).await;
    let graph = format!("http://127.0.0.1:{sb_port}/sandbox/graph");
    let env = [
        ("DATABASE_URL", db.url()),
        ("WACLOUD_BIND", "127.0.0.1:0"),
        ("WHATSAPP_API_TOKEN", token),
        ("WHATSAPP_PHONE_NUMBER_ID", pid),
        ("WHATSAPP_APP_SECRET", SECRET),
        ("WHATSAPP_WEBHOOK_VERIFY_TOKEN", "v"),
        ("WHATSAPP_GRAPH_BASE_URL", graph.as_str()),
        ("WACLOUD_MESSAGES_PER_SECOND", "80"),
        ("WACLOUD_QUEUE_WORKERS", "16"),
    ];
    let survivor = Server::start(&env, dir.path()).await;
    let mut doomed = Server::start(&env, dir.path()).await;
    let http = reqwest::Client::new();
    // Far more than the run sends, so both instances are busy throughout.
    let recipients: Vec<String> = (0..3000).map(|i| format!("+1555300{i:04}")).collect();
    let r = http
        .post(survivor.url("/api/whatsapp/send-bulk"))
        .json(&json!({"recipients": recipients, "message_text": "Your order shipped", "allow_outside_window": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let batch: Value = r.json().await.unwrap();
    assert_eq!(batch["accepted"], 3000);

    // Warm-up: both instances claim work and agree on their shares.
    let deadline = Instant::now() + Duration::from_secs(20);
    while accepted_at(&sb).len() < 40 {
        assert!(Instant::now() < deadline, "nothing was sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let both_from = Utc::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let both_to = Utc::now();
    let shares_of_both = shares(db.url());

    // SIGKILL: no chance to give its share back; it returns when the dead one's lease runs out
    // (3 s), taken up on the survivor's next renewal.
    doomed.kill().await;
    let killed_at = Utc::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let alone_from = Utc::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let alone_to = Utc::now();

    let at = accepted_at(&sb);
    let both = window_rates(&at, both_from, both_to);
    let alone = window_rates(&at, alone_from, alone_to);
    // From the end of the warm-up on, through the kill: never over the cap.
    let all = window_rates(&at, both_from, alone_to);
    let (both_min, both_max) = min_max(&both);
    let (alone_min, alone_max) = min_max(&alone);
    let (_, all_max) = min_max(&all);
    eprintln!(
        "messages/s over {WINDOW:?} windows: two instances {both_min:.1}–{both_max:.1}; \
         after the kill {alone_min:.1}–{alone_max:.1}; highest throughout {all_max:.1}; \
         sent in all {}; kill at {killed_at}",
        at.len()
    );
    assert!(
        all_max <= CAP * 1.05,
        "together at most 80/s (+5 %): {all_max:.1} ({both:?} then {alone:?})"
    );
    assert!(
        both_min >= 76.0,
        "two instances together at least 76/s: {both:?}"
    );
    assert!(
        alone_min >= 76.0 && alone_max <= CAP * 1.05,
        "the survivor alone, once the dead one's lease ran out, 76–84/s: {alone:?}"
    );
    assert_eq!(
        shares_of_both,
        Some(vec![40, 40]),
        "both instances were sending, each at half the rate"
    );
}

#[derive(diesel::QueryableByName)]
struct Share {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    share: i32,
}

/// The shares the instances sending for the number took, as recorded (`None` when they cannot
/// be read).
fn shares(url: &str) -> Option<Vec<i32>> {
    use diesel::{Connection, RunQueryDsl};
    let mut c = diesel::PgConnection::establish(url).expect("connect");
    let rows = diesel::sql_query(
        "SELECT share FROM whatsapp_pacing_shares WHERE sending AND live_until > now() AT TIME ZONE 'UTC' ORDER BY share",
    )
    .load::<Share>(&mut c)
    .ok()?;
    Some(rows.into_iter().map(|r| r.share).collect())
}
