//! `GET /api/openapi.json`: an OpenAPI 3.1 document of every route the server mounts, whose
//! answers the server keeps: each status a request gets is documented for its operation, and a
//! JSON answer fits the documented schema. `.ci/run` fuzzes the same contract with schemathesis.

use std::collections::{BTreeSet, HashSet};

use reqwest::Method;
use serde_json::{json, Value};

use crate::app::{TestApp, PHONE_NUMBER_ID, VERIFY_TOKEN};
use crate::bodies::inbound_text;

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

async fn document(app: &TestApp) -> Value {
    let r = app
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    r.json().await.unwrap()
}

/// Every operation of the document: `(METHOD, path, operation)`.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS.iter().filter_map(move |m| {
                item.get(*m)
                    .map(|op| (m.to_uppercase(), path.clone(), op.clone()))
            })
        })
        .collect()
}

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                out.push(r);
            }
            o.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_openapi_3_1_and_describes_every_mounted_route() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );

    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let mounted: BTreeSet<(String, String)> = wacloud::routes::mounted()
        .into_iter()
        .map(|(m, p)| (m.as_str().to_owned(), p))
        .collect();
    assert!(mounted.len() > 20, "{mounted:?}");
    let undocumented: Vec<_> = mounted.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes without documentation (add #[utoipa::path] and list the handler in openapi.rs): {undocumented:?}"
    );
    let stale: Vec<_> = documented.difference(&mounted).collect();
    assert!(stale.is_empty(), "documented but not mounted: {stale:?}");

    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut all_refs = Vec::new();
    refs(&doc, &mut all_refs);
    for r in all_refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemas.contains_key(name), "{r} resolves");
    }

    let mut ids = HashSet::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().expect("an operationId");
        assert!(ids.insert(id.to_owned()), "operationId {id} is unique");
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses
                .keys()
                .any(|s| s.starts_with('2') || s.starts_with('3')),
            "{method} {path} says what it answers on success"
        );
        for (status, r) in responses {
            let error_body = &r["content"]["application/json"]["schema"]["$ref"];
            if status.starts_with('4') {
                assert_eq!(
                    error_body, "#/components/schemas/ErrorBody",
                    "{method} {path} {status} answers the error body"
                );
            }
            if let Some(links) = r.get("links").and_then(Value::as_object) {
                for link in links.values() {
                    assert!(link.get("operation_id").is_none(), "OpenAPI's spelling");
                    assert!(link["operationId"].is_string(), "{link}");
                }
            }
        }
    }
    for (_, _, op) in operations(&doc) {
        for r in op["responses"].as_object().unwrap().values() {
            for link in r
                .get("links")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let target = link.1["operationId"].as_str().unwrap();
                assert!(ids.contains(target), "link to {target}");
            }
        }
    }

    let error = &schemas["ErrorDetail"];
    assert_eq!(error["required"], json!(["code", "message"]));
    for key in ["bearer", "api_key"] {
        assert!(
            doc["components"]["securitySchemes"][key].is_object(),
            "{key}"
        );
    }
}

/// Requests and checks their answers against the document.
struct Contract {
    app: TestApp,
    doc: Value,
    validated: usize,
}

impl Contract {
    /// Sends `method path` (`pattern`: the documented path) with `body`, and checks that the
    /// status is documented and a JSON answer fits its schema. Returns status and JSON.
    async fn call(
        &mut self,
        method: Method,
        pattern: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut rb = self.app.http.request(method.clone(), self.app.url(path));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = r.text().await.unwrap();
        let op = &self.doc["paths"][pattern][method.as_str().to_lowercase()];
        assert!(op.is_object(), "{method} {pattern} is documented");
        let answer = &op["responses"][status.to_string()];
        assert!(
            answer.is_object(),
            "{method} {path} answered {status}, which the document does not list: {text}"
        );
        let Some(schema) = answer["content"]["application/json"].get("schema") else {
            assert!(
                !content_type.starts_with("application/json"),
                "{method} {path}"
            );
            return (status, Value::Null);
        };
        assert!(
            content_type.starts_with("application/json"),
            "{method} {path} {status}: {content_type}"
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        let root = json!({"components": self.doc["components"], "allOf": [schema]});
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .expect("the schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status} breaks the document: {errors:?}\n{value:#}"
        );
        self.validated += 1;
        (status, value)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_fit_the_document() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut c = Contract {
        app,
        doc,
        validated: 0,
    };
    let (get, post, put) = (Method::GET, Method::POST, Method::PUT);

    assert_eq!(
        c.call(
            get.clone(),
            "/api/whatsapp/health",
            "/api/whatsapp/health",
            None
        )
        .await
        .0,
        200
    );
    let now = chrono::Utc::now().timestamp();
    let inbound = inbound_text(
        PHONE_NUMBER_ID,
        "15550000091",
        "wamid.oa1",
        now,
        "hi",
        "Ann",
    );
    let signed = c.app.deliver(&inbound).await;
    assert_eq!(signed.0, 200);
    let webhook = "/api/whatsapp/webhook";
    c.call(post.clone(), webhook, webhook, Some(inbound)).await; // unsigned: 401
    let handshake =
        format!("{webhook}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=42");
    assert_eq!(c.call(get.clone(), webhook, &handshake, None).await.0, 200);
    let wrong = format!("{webhook}?hub.mode=subscribe&hub.verify_token=no&hub.challenge=42");
    assert_eq!(c.call(get.clone(), webhook, &wrong, None).await.0, 403);

    let send = "/api/whatsapp/send";
    let (status, sent) = c
        .call(
            post.clone(),
            send,
            send,
            Some(json!({"phone_number": "+15550000091", "message_text": "hello"})),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    let template = json!({"name": "hello_world", "language": "en_US"});
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let body = json!({"phone_number": "+15550000092", "type": "template", "template": template, "scheduled_at": later});
    let (status, queued) = c.call(post.clone(), send, send, Some(body)).await;
    assert_eq!(status, 202, "{queued}");
    let closed = json!({"phone_number": "+15550000093", "message_text": "hi"});
    assert_eq!(c.call(post.clone(), send, send, Some(closed)).await.0, 422);
    let bad = json!({"phone_number": "555-0101", "message_text": "hi"});
    assert_eq!(c.call(post.clone(), send, send, Some(bad)).await.0, 400);
    let r = c
        .app
        .http
        .post(c.app.url(send))
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    let item = queued["queue_item"]["id"].as_str().unwrap().to_owned();
    let queue = "/api/whatsapp/queue/{id}";
    let at = |suffix: &str| format!("/api/whatsapp/queue/{item}{suffix}");
    assert_eq!(c.call(get.clone(), queue, &at(""), None).await.0, 200);
    let cancel = "/api/whatsapp/queue/{id}/cancel";
    assert_eq!(
        c.call(post.clone(), cancel, &at("/cancel"), None).await.0,
        200
    );
    // An optional body may be `null` (the document says so; the contract fuzzer found it
    // answered 400).
    let retry = "/api/whatsapp/queue/{id}/retry";
    let (status, again) = c
        .call(post.clone(), retry, &at("/retry"), Some(Value::Null))
        .await;
    assert_eq!(status, 202, "{again}");
    assert_eq!(
        c.call(post.clone(), retry, &at("/retry"), None).await.0,
        409
    );
    let nothing = "/api/whatsapp/queue/nothing-here";
    assert_eq!(c.call(get.clone(), queue, nothing, None).await.0, 404);

    let bulk = "/api/whatsapp/send-bulk";
    let body = json!({"recipients": ["+15550000094", {"phone_number": "12"}], "type": "template", "template": template, "scheduled_at": later});
    let (status, batch) = c.call(post.clone(), bulk, bulk, Some(body)).await;
    assert_eq!(status, 202, "{batch}");
    let id = batch["batch_id"].as_str().unwrap();
    let path = format!("/api/whatsapp/batches/{id}");
    let pattern = "/api/whatsapp/batches/{id}";
    assert_eq!(c.call(get.clone(), pattern, &path, None).await.0, 200);
    let limit = format!("{path}?limit=-1");
    assert_eq!(c.call(get.clone(), pattern, &limit, None).await.0, 400);
    let cancel = "/api/whatsapp/batches/{id}/cancel";
    let path = format!("{path}/cancel");
    assert_eq!(c.call(post.clone(), cancel, &path, None).await.0, 200);

    let contacts = "/api/whatsapp/contacts";
    assert_eq!(c.call(get.clone(), contacts, contacts, None).await.0, 200);
    let long = format!("{contacts}?search={}", "x".repeat(9000));
    assert_eq!(c.call(get.clone(), contacts, &long, None).await.0, 414);
    let contact = "/api/whatsapp/contacts/{phone}";
    let edit = json!({"display_name": "Ann", "tags": ["vip"], "is_pinned": true});
    let ann = "/api/whatsapp/contacts/%2B15550000091";
    assert_eq!(c.call(put.clone(), contact, ann, Some(edit)).await.0, 200);
    let read = "/api/whatsapp/contacts/{phone}/read";
    let path = format!("{ann}/read");
    assert_eq!(c.call(post.clone(), read, &path, None).await.0, 200);
    let path = "/api/whatsapp/contacts/%2B15550000099/read";
    assert_eq!(c.call(post.clone(), read, path, None).await.0, 404);

    let messages = "/api/whatsapp/messages";
    assert_eq!(c.call(get.clone(), messages, messages, None).await.0, 200);
    let path = format!("{messages}?phone=%2B15550000091&limit=1");
    assert_eq!(c.call(get.clone(), messages, &path, None).await.0, 200);
    let path = format!("{messages}?before=nope");
    assert_eq!(c.call(get.clone(), messages, &path, None).await.0, 400);
    let message = sent["message"]["id"].as_str().unwrap();
    let retry = "/api/whatsapp/messages/{id}/retry";
    let path = format!("/api/whatsapp/messages/{message}/retry");
    assert_eq!(c.call(post.clone(), retry, &path, None).await.0, 409);

    for path in [
        "/api/whatsapp/stats",
        "/api/whatsapp/templates",
        "/metrics",
        "/api/openapi.json",
        "/dashboard.html",
        "/api-reference.html",
    ] {
        assert_eq!(c.call(get.clone(), path, path, None).await.0, 200, "{path}");
    }
    assert!(c.validated > 25, "{} answers checked", c.validated);
}
