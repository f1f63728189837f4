//! Helpers for the tests of the Graph operations: a client on a local mock server that
//! answers every request with one canned answer, an exact check of the one request it
//! received (method, path, query, bearer token, JSON body), and the request and response
//! examples of Meta's OpenAPI description, read from the spec itself.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::Value;
use wacloud_graph::GraphClient;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common;

pub const TOKEN: &str = "test-token-EAAG-graph-ops";
pub const PHONE_ID: &str = "106540352242922";
pub const WABA: &str = "102290129340398";

/// A mock server answering every request with `status` and `answer`, and a client
/// (with a WABA id) pointed at it.
pub async fn answering(status: u16, answer: Value) -> (MockServer, GraphClient) {
    answering_with(ResponseTemplate::new(status).set_body_json(answer)).await
}

/// A mock server answering every request with `answer`, and a client pointed at it.
pub async fn answering_with(answer: ResponseTemplate) -> (MockServer, GraphClient) {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(answer).mount(&server).await;
    let client = GraphClient::builder(SecretString::from(TOKEN), PHONE_ID)
        .base_url(server.uri())
        .waba_id(WABA)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    (server, client)
}

/// Asserts that `server` received exactly one request, and that it was `method` on
/// `/v25.0{path}` with exactly the `query` pairs, the bearer token, and `body` as its
/// JSON body (`None`: no body).
pub async fn assert_request(
    server: &MockServer,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) {
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received.len(),
        1,
        "expected one request, got {}",
        received.len()
    );
    let r = &received[0];
    assert_eq!(r.method.as_str(), method, "method");
    assert_eq!(r.url.path(), format!("/v25.0{path}"), "path");
    let got: BTreeMap<String, String> = r.url.query_pairs().into_owned().collect();
    let want: BTreeMap<String, String> = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(got, want, "query of {method} {path}");
    assert_eq!(
        r.headers.get("authorization").and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {TOKEN}").as_str()),
        "bearer token"
    );
    match body {
        Some(want) => {
            assert_eq!(
                r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/json"),
                "content type"
            );
            let got: Value = serde_json::from_slice(&r.body).expect("a JSON body");
            assert_eq!(got, want, "body of {method} {path}");
        }
        None => assert!(r.body.is_empty(), "{method} {path} sent a body"),
    }
}

/// Meta's OpenAPI description as JSON; `None` when the fixtures are absent.
pub fn spec() -> Option<&'static Value> {
    static SPEC: OnceLock<Option<Value>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let dir = common::fixtures_dir()?;
        let text =
            std::fs::read_to_string(dir.join("openapi/business-messaging-api_v23.0.yaml")).ok()?;
        Some(serde_norway::from_str(&text).expect("the spec is YAML"))
    })
    .as_ref()
}

/// The spec's example `name` of the request body (`status` = `None`; JSON or form) or of the
/// `status` answer of `method path`; `None` when the fixtures are absent. Panics when
/// the spec is there but the example is not, so a renamed example is noticed.
pub fn spec_example(method: &str, path: &str, status: Option<&str>, name: &str) -> Option<Value> {
    let spec = spec()?;
    let op = &spec["paths"][path][method.to_lowercase()];
    let contents = match status {
        None => &op["requestBody"]["content"],
        Some(s) => &op["responses"][s]["content"],
    };
    // JSON first; a form's examples are under `multipart/form-data`.
    let ex = ["application/json", "multipart/form-data"]
        .iter()
        .map(|ct| &contents[*ct]["examples"][name]["value"])
        .find(|v| !v.is_null())
        .unwrap_or(&Value::Null);
    assert!(
        !ex.is_null(),
        "the spec has no example {name} for {method} {path} {status:?}"
    );
    Some(ex.clone())
}

/// One part of a received `multipart/form-data` body.
#[derive(Debug, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub value: Vec<u8>,
}

/// Asserts that `server` received exactly one request, a `POST` on `/v25.0{path}`
/// without query, with the bearer token and a `multipart/form-data` body, and returns
/// its parts in order.
pub async fn assert_form_request(server: &MockServer, path: &str) -> Vec<Part> {
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received.len(),
        1,
        "expected one request, got {}",
        received.len()
    );
    let r = &received[0];
    assert_eq!(r.method.as_str(), "POST", "method");
    assert_eq!(r.url.path(), format!("/v25.0{path}"), "path");
    assert_eq!(r.url.query(), None, "query");
    assert_eq!(
        r.headers.get("authorization").and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {TOKEN}").as_str()),
        "bearer token"
    );
    let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {ct}"));
    parse_multipart(&r.body, boundary)
}

/// The parts of a `multipart/form-data` body with `boundary`.
pub fn parse_multipart(body: &[u8], boundary: &str) -> Vec<Part> {
    let text = body.to_vec();
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut chunks = split(&text, &delimiter);
    chunks.remove(0); // the preamble
    for chunk in chunks {
        if chunk.starts_with(b"--") {
            break; // the closing delimiter
        }
        let chunk = chunk
            .strip_prefix(b"\r\n")
            .expect("CRLF after the delimiter");
        let split_at = find(chunk, b"\r\n\r\n").expect("headers end");
        let headers = String::from_utf8(chunk[..split_at].to_vec()).unwrap();
        let value = chunk[split_at + 4..]
            .strip_suffix(b"\r\n")
            .expect("CRLF before the next delimiter")
            .to_vec();
        let attr = |key: &str| {
            let k = format!("{key}=\"");
            headers
                .find(&k)
                .map(|i| headers[i + k.len()..].split('"').next().unwrap().to_owned())
        };
        let content_type = headers
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-type: ")
                    .or_else(|| l.strip_prefix("Content-Type: "))
            })
            .map(str::to_owned);
        parts.push(Part {
            name: attr(" name").expect("a part name"),
            file_name: attr("filename"),
            content_type,
            value,
        });
    }
    parts
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut hay: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find(hay, delimiter) {
        out.push(&hay[..i]);
        hay = &hay[i + delimiter.len()..];
    }
    out.push(hay);
    out
}

/// A text part, for comparing with [`assert_form_request`]'s answer.
pub fn text_part(name: &str, value: &str) -> Part {
    Part {
        name: name.to_owned(),
        file_name: None,
        content_type: None,
        value: value.as_bytes().to_vec(),
    }
}

/// Asserts that `server` received exactly one request, `method` on `/v25.0{path}`
/// without query, with the bearer token and an `application/x-www-form-urlencoded`
/// body of exactly the `fields` pairs, in order.
pub async fn assert_urlencoded_request(
    server: &MockServer,
    method: &str,
    path: &str,
    fields: &[(&str, &str)],
) {
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "expected one request");
    let r = &received[0];
    assert_eq!(r.method.as_str(), method, "method");
    assert_eq!(r.url.path(), format!("/v25.0{path}"), "path");
    assert_eq!(r.url.query(), None, "query");
    assert_eq!(
        r.headers.get("authorization").and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {TOKEN}").as_str()),
        "bearer token"
    );
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/x-www-form-urlencoded"),
        "content type"
    );
    let got: Vec<(String, String)> = url::form_urlencoded::parse(&r.body).into_owned().collect();
    let want: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(got, want, "form body of {method} {path}");
}
