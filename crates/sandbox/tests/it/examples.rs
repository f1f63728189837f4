//! Every example of `wacloud-graph` (`crates/graph/examples`), run as a program against a
//! sandbox of its own, checked by what the sandbox received. The webhook examples are servers:
//! the sandbox's customer writes in, the sandbox posts the signed delivery to them, and their
//! reply must reach the sandbox, quoting the customer's message.
//!
//! The binaries come from the whole workspace's test build (`cargo test` / `cargo nextest run
//! --workspace` build every example, as `.ci/run` does), or `cargo build -p wacloud-graph
//! --examples`. When they are absent, each test says so and passes, except under CI (`CI` set),
//! where it fails.

use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use wacloud_sandbox::{Control, Fault, FaultMode, ReceivedRequest};

use crate::common::{TestSandbox, APP_SECRET, PHONE_NUMBER_ID, TOKEN};

const TO: &str = "15550000001";

/// Every example of `wacloud-graph` (a `.rs` file, or a folder with a `main.rs`, in
/// `crates/graph/examples`) is run by a test in this file, which names it in quotes: a new
/// example without a test fails here.
#[test]
fn every_example_is_run_by_a_test_here() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../graph/examples");
    let this_file = include_str!("examples.rs");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("crates/graph/examples") {
        let path = entry.expect("a directory entry").path();
        let is_example = if path.is_dir() {
            path.join("main.rs").is_file()
        } else {
            path.extension().is_some_and(|e| e == "rs")
        };
        if let (true, Some(stem)) = (is_example, path.file_stem().and_then(|s| s.to_str())) {
            names.push(stem.to_owned());
        }
    }
    assert!(
        names.len() >= 7,
        "the examples issue 22 asks for, at least: {names:?}"
    );
    let untested: Vec<&String> = names
        .iter()
        .filter(|name| !this_file.contains(&format!("\"{name}\"")))
        .collect();
    assert!(
        untested.is_empty(),
        "examples no test here runs: {untested:?}"
    );
}

/// `target/<profile>/examples/<name>`, next to this test binary's `deps` folder.
fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent()?.parent()?.join("examples");
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if bin.is_file() {
        return Some(bin);
    }
    let reason = format!(
        "example binary {} is absent: run `cargo build -p wacloud-graph --examples` first",
        bin.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{reason}");
    eprintln!("SKIP: {reason}");
    None
}

/// The example `name` as a command aimed at `sb` (every setting given, none inherited).
fn command(name: &str, sb: &TestSandbox) -> Option<Command> {
    let mut cmd = Command::new(example(name)?);
    cmd.env("WHATSAPP_GRAPH_BASE_URL", sb.graph_base())
        .env("WHATSAPP_API_TOKEN", TOKEN)
        .env("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID)
        .env("WHATSAPP_APP_SECRET", APP_SECRET)
        .env("WHATSAPP_TO", TO)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    Some(cmd)
}

/// Runs it to the end (30 s at most) and returns what it printed.
async fn run(cmd: &mut Command) -> (Output, String) {
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .expect("the example ends within 30 s")
        .expect("the example starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!(
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out, stdout)
}

/// The sends the sandbox accepted, oldest first.
fn accepted(sb: &TestSandbox) -> Vec<ReceivedRequest> {
    sb.sandbox
        .received()
        .into_iter()
        .filter(|r| r.wamid.is_some())
        .collect()
}

#[tokio::test]
async fn send_text() {
    let sb = TestSandbox::start();
    let Some(mut cmd) = command("send_text", &sb) else {
        return;
    };
    let (out, stdout) = run(cmd.arg("Hello from the test")).await;
    assert!(out.status.success());
    let sent = accepted(&sb);
    assert_eq!(sent.len(), 1);
    assert_eq!(stdout.trim(), sent[0].wamid.as_deref().unwrap());
    assert_eq!(sent[0].body["text"]["body"], "Hello from the test");
}

#[tokio::test]
async fn send_template() {
    let sb = TestSandbox::start();
    let Some(mut cmd) = command("send_template", &sb) else {
        return;
    };
    let (out, _) = run(cmd.args(["Ana", "#1042"])).await;
    assert!(out.status.success());
    let sent = accepted(&sb);
    assert_eq!(sent.len(), 1);
    let template = &sent[0].body["template"];
    assert_eq!(template["name"], "order_update");
    assert_eq!(template["components"][0]["parameters"][1]["text"], "#1042");
}

#[tokio::test]
async fn send_image_uploads_then_sends_the_id() {
    let sb = TestSandbox::start();
    let Some(mut cmd) = command("send_image", &sb) else {
        return;
    };
    let (out, stdout) = run(&mut cmd).await;
    assert!(out.status.success());
    let id = stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("media id ")
        .unwrap();
    let sent = accepted(&sb);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["image"]["id"], id);
    assert_eq!(sb.sandbox.counts().media_kept, 1);

    let dir = std::env::temp_dir().join(format!("wacloud-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("photo.png");
    std::fs::write(&file, b"\x89PNG\r\n\x1a\n not really a picture").unwrap();
    let Some(mut cmd) = command("send_image", &sb) else {
        return;
    };
    let (out, _) = run(cmd.arg(&file)).await;
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success());
    assert_eq!(accepted(&sb).len(), 2);
    assert_eq!(
        sb.sandbox.counts().media_kept,
        2,
        "the file was uploaded too"
    );
}

#[tokio::test]
async fn template_header_image_uploads_then_sends_the_template_with_the_id() {
    let sb = TestSandbox::start();
    let Some(mut cmd) = command("template_header_image", &sb) else {
        return;
    };
    let (out, stdout) = run(&mut cmd).await;
    assert!(out.status.success());
    let id = stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("media id ")
        .unwrap();
    let sent = accepted(&sb);
    assert_eq!(sent.len(), 1);
    let t = &sent[0].body["template"];
    assert_eq!(t["name"], "order_update");
    assert_eq!(
        t["components"][0],
        json!({"type": "header", "parameters": [{"type": "image", "image": {"id": id}}]})
    );
    assert_eq!(t["components"][1]["parameters"][1]["text"], "#1042");
    assert_eq!(sb.sandbox.counts().media_kept, 1);
}

#[tokio::test]
async fn call_permission_reads_denied_then_asks_and_reads_pending() {
    let sb = TestSandbox::start();
    let Some(mut cmd) = command("call_permission", &sb) else {
        return;
    };
    let (out, stdout) = run(cmd.arg("--read-only")).await;
    assert!(out.status.success());
    assert!(stdout.starts_with("permission denied"), "{stdout}");
    assert!(stdout.contains("may ask again: true"), "{stdout}");
    assert!(
        sb.sandbox.received().is_empty(),
        "--read-only sends nothing"
    );

    let Some(mut cmd) = command("call_permission", &sb) else {
        return;
    };
    let (out, stdout) = run(&mut cmd).await;
    assert!(out.status.success());
    let sent = accepted(&sb);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body["interactive"]["type"],
        "call_permission_request"
    );
    assert_eq!(sent[0].body["to"], TO);
    assert!(stdout.contains("permission pending"), "{stdout}");
    assert!(stdout.contains("may call now: false"), "{stdout}");
}

/// The examples whose endpoints the sandbox lacks stop at once, say what to set, and send
/// nothing.
#[tokio::test]
async fn real_account_examples_refuse_the_sandbox_clearly() {
    let sb = TestSandbox::start();
    for name in ["groups", "flows"] {
        let Some(mut cmd) = command(name, &sb) else {
            return;
        };
        let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
            .await
            .expect("ends within 30 s")
            .expect("starts");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("needs a real WhatsApp Business account")
                && stderr.contains("WHATSAPP_GRAPH_BASE_URL=https://graph.facebook.com"),
            "{name}: {stderr}"
        );
    }
    assert!(sb.sandbox.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn mark_read_then_typing_then_reply() {
    let sb = TestSandbox::start();
    let Some(mut cmd) = command("mark_read", &sb) else {
        return;
    };
    let (out, _) = run(cmd.arg("wamid.inbound")).await;
    assert!(out.status.success());
    let bodies: Vec<Value> = sb.sandbox.received().into_iter().map(|r| r.body).collect();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0]["status"], "read");
    assert_eq!(bodies[0]["message_id"], "wamid.inbound");
    assert_eq!(bodies[1]["typing_indicator"]["type"], "text");
    assert_eq!(bodies[2]["type"], "text");
}

#[tokio::test]
async fn verify_webhook_accepts_its_vector_and_refuses_a_forgery() {
    let sb = TestSandbox::start();
    let Some(mut cmd) = command("verify_webhook", &sb) else {
        return;
    };
    let (out, stdout) = run(&mut cmd).await;
    assert!(out.status.success());
    assert!(stdout.starts_with("valid: 486 bytes"), "{stdout}");
    let Some(mut cmd) = command("verify_webhook", &sb) else {
        return;
    };
    cmd.args(["--stdin", &format!("sha256={}", "0".repeat(64))]);
    assert_eq!(run(&mut cmd).await.0.status.code(), Some(1));
}

/// Starts a webhook example on a free port, has a customer write in through the sandbox and
/// checks the example's reply; a forged delivery must get 401.
async fn webhook_example_replies(name: &str) {
    let sb = TestSandbox::start();
    sb.sandbox.set_control(Control {
        statuses: false, // only the customer's message goes to the example
        ..sb.sandbox.control()
    });
    let Some(mut cmd) = command(name, &sb) else {
        return;
    };
    let mut child = cmd
        .env("WEBHOOK_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("it says where it listens")
        .unwrap()
        .unwrap();
    let url = first
        .strip_prefix("listening on ")
        .expect(&first)
        .to_owned();
    sb.sandbox.set_webhook_url(&url);

    let http = reqwest::Client::new();
    let forged = http
        .post(&url)
        .header("x-hub-signature-256", format!("sha256={}", "0".repeat(64)))
        .body(r#"{"object":"whatsapp_business_account","entry":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);

    // Answered 202 only once the example answered the signed delivery with a 2xx.
    let resp = http
        .post(format!("{}/sandbox/customers/{TO}/messages", sb.origin))
        .json(&json!({"text": "Is my order on the way?", "name": "Ana"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let inbound: Value = resp.json().await.unwrap();
    let sent = accepted(&sb);
    assert_eq!(sent.len(), 1, "one reply, sent before the example answered");
    assert_eq!(sent[0].body["to"], TO);
    assert_eq!(
        sent[0].body["text"]["body"],
        "You said: Is my order on the way?"
    );
    assert_eq!(sent[0].body["context"]["message_id"], inbound["message_id"]);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn axum_webhook() {
    webhook_example_replies("axum_webhook").await;
}

#[tokio::test]
async fn actix_webhook() {
    webhook_example_replies("actix_webhook").await;
}

fn fault(to: &str, mode: FaultMode, code: Option<i64>, times: Option<u32>) -> Fault {
    Fault {
        to: Some(to.to_owned()),
        mode,
        code,
        http_status: None,
        retry_after: None,
        times,
        hang_ms: Some(3_000),
    }
}

/// What the sandbox received for `to`: `Ok(())` accepted, `Err(code)` refused.
fn outcomes(sb: &TestSandbox, to: &str) -> Vec<Result<(), i64>> {
    sb.sandbox
        .received()
        .iter()
        .filter(|r| r.body["to"] == to)
        .map(|r| r.error_code.map_or(Ok(()), Err))
        .collect()
}

#[tokio::test]
async fn error_loop_resends_only_what_meta_refused_before_acting() {
    let sb = TestSandbox::start();
    let Some(mut cmd) = command("error_loop", &sb) else {
        return;
    };
    let (out, stdout) = run(cmd.args(["15550000001", "15550000002"])).await;
    assert!(out.status.success(), "{stdout}");
    assert_eq!(accepted(&sb).len(), 2);

    sb.sandbox.reset();
    sb.sandbox.set_control(Control {
        faults: vec![
            fault("15550000001", FaultMode::Refuse, Some(130_429), Some(1)),
            fault("15550000002", FaultMode::Hang, None, None),
            fault("15550000003", FaultMode::Refuse, Some(131_026), None),
        ],
        ..sb.sandbox.control()
    });
    let Some(mut cmd) = command("error_loop", &sb) else {
        return;
    };
    cmd.env("WHATSAPP_TIMEOUT_MS", "500")
        .args(["15550000001", "15550000002", "15550000003"]);
    let (out, stdout) = run(&mut cmd).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "not every message is known to be sent"
    );
    assert!(stdout.contains("15550000001: sent wamid."), "{stdout}");
    assert!(stdout.contains("15550000002: outcome unknown"), "{stdout}");
    assert!(stdout.contains("15550000003: not sent"), "{stdout}");
    assert_eq!(
        outcomes(&sb, "15550000001"),
        [Err(130_429), Ok(())],
        "resent once"
    );
    assert_eq!(
        outcomes(&sb, "15550000002"),
        [Ok(())],
        "timed out: never resent"
    );
    assert_eq!(
        outcomes(&sb, "15550000003"),
        [Err(131_026)],
        "final: not resent"
    );
}
