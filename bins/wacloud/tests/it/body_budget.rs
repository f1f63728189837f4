//! The bytes of request bodies the server holds at once are bounded across all clients
//! (`WACLOUD_BODY_BYTES_IN_FLIGHT`): many slow senders cannot make it reserve memory without
//! end. Past the budget a body is answered 503 `server_busy` with `Retry-After` (Meta sends a
//! webhook again later), and the budget comes back when the held bodies are answered.

use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::abuse::read_answer;
use crate::app::{TestApp, PHONE_NUMBER_ID};
use crate::bodies::inbound_text;

/// Opens a connection that declares a 3 MiB webhook body and sends `bytes` of it.
async fn stalled(addr: &str, bytes: usize) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/whatsapp/webhook HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         X-Hub-Signature-256: sha256=00\r\nContent-Length: {}\r\n\r\n",
        3 * 1024 * 1024
    );
    tcp.write_all(head.as_bytes()).await.expect("head");
    tcp.write_all(&vec![b' '; bytes]).await.expect("body");
    tcp
}

fn error_code(answer: &str) -> String {
    let body: Value =
        serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or("")).unwrap_or_default();
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_past_the_servers_budget_are_answered_503_and_the_budget_comes_back() {
    let app = TestApp::builder()
        .with(|s| {
            s.http.body_bytes_in_flight = 1 << 20;
            s.http.body_timeout = Duration::from_secs(2);
        })
        .spawn()
        .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Two senders hold 800 KiB of the 1 MiB budget and stall.
    let mut first = stalled(&addr, 400 * 1024).await;
    let mut second = stalled(&addr, 400 * 1024).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A third one's body would pass the budget: refused at once, not after the timeout.
    let mut third = stalled(&addr, 400 * 1024).await;
    let answer = read_answer(&mut third, Duration::from_secs(1)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer:?}"
    );
    assert_eq!(error_code(&answer), "server_busy", "{answer:?}");
    // The rest of its body is still on the way: the connection is closed, not kept.
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:?}"
    );
    // An API write meanwhile too (its body needs budget as well).
    let (status, v) = app
        .post_json(
            "/api/whatsapp/send",
            &serde_json::json!({"phone_number": "+15550000001", "message_text": "x".repeat(300_000)}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (503, Some("server_busy")),
        "{v}"
    );

    // The stalled ones time out; their bytes come back and deliveries are taken again.
    for tcp in [&mut first, &mut second] {
        let answer = read_answer(tcp, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer:?}"
        );
    }
    let (status, v) = app
        .deliver(&inbound_text(
            PHONE_NUMBER_ID,
            "15550000080",
            "wamid.budget1",
            1_730_000_000,
            "after the stall",
            "B",
        ))
        .await;
    assert_eq!(status, 200, "{v}");
}
