//! Templates managed from wacloud: `POST /templates` (checked against Meta's rules before Meta
//! is called; a media header's sample through the Resumable Upload API), the sandbox's review
//! and its `message_template_status_update` webhook, `DELETE /templates/{name}`, and a sync that
//! pages through Meta's list.

use std::time::Duration;

use serde_json::{json, Value};
use wacloud_core::template_draft::TemplateDraft;

use crate::app::TestApp;

/// A 1×1 PNG: the image header's sample.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn app() -> TestApp {
    TestApp::builder()
        .with(|s| s.sandbox.template_review = Duration::from_millis(200))
        .spawn()
        .await
}

impl TestApp {
    /// `POST /api/whatsapp/templates` as multipart: the JSON and the header's file.
    async fn create_with_file(&self, template: &Value, file: &[u8], mime: &str) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(file.to_vec())
            .file_name("header.png")
            .mime_str(mime)
            .expect("mime");
        let form = reqwest::multipart::Form::new()
            .text("template", template.to_string())
            .part("header_file", part);
        let r = self
            .http
            .post(self.url("/api/whatsapp/templates"))
            .multipart(form)
            .send()
            .await
            .expect("POST /templates");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn delete(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .delete(self.url(path))
            .send()
            .await
            .expect("DELETE");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The stored template `name` once its status is `status`.
    async fn template_when(&self, name: &str, status: &str) -> Value {
        self.wait_for(15, &format!("{name} {status}"), || async {
            let (_, list) = self.get("/api/whatsapp/templates").await;
            list["templates"]
                .as_array()?
                .iter()
                .find(|t| t["name"] == name && t["status"] == status)
                .cloned()
        })
        .await
    }

    async fn template_requests(&self) -> u64 {
        self.counts().await["template_requests"]
            .as_u64()
            .expect("template_requests")
    }
}

fn image_template(name: &str) -> Value {
    json!({
        "name": name, "language": "en_US", "category": "MARKETING",
        "components": [
            {"type": "HEADER", "format": "IMAGE"},
            {"type": "BODY", "text": "Hi {{1}}, our spring sale starts {{2}}.",
             "example": {"body_text": [["Ana", "Monday"]]}},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop promotions"}]}
        ]
    })
}

#[test]
fn every_creation_request_of_metas_reference_passes_the_checks() {
    let Some(dir) = crate::fixtures::fixtures_dir() else {
        return;
    };
    let dir = dir.join("openapi/examples/message_templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !file.starts_with("post_request_create_") {
            continue;
        }
        // The Flow examples leave the name as a placeholder (`<TEMPLATE_NAME>`) for the reader
        // to fill; filled here with a name of Meta's form.
        let text = std::fs::read_to_string(&path)
            .expect("read")
            .replace("<TEMPLATE_NAME>", "flow_offer");
        let draft: TemplateDraft =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(draft.check(false), Ok(()), "{file}");
        // What goes to Meta is what the reference sends.
        let sent = serde_json::to_value(&draft).expect("json");
        let given: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(sent, given, "{file}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} creation requests found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_components_are_refused_naming_the_field_and_meta_is_not_called() {
    let app = app().await;
    let cases = [
        (
            "/name",
            json!("Spring Sale"),
            "invalid_template_name",
            "name",
        ),
        (
            "/components/1/text",
            json!("Hi {{1}}, sale {{3}}"),
            "invalid_variables",
            "components[1].text",
        ),
        (
            "/components/1/example",
            json!({}),
            "missing_example",
            "components[1].example.body_text",
        ),
        (
            "/components/2/text",
            json!("f".repeat(61)),
            "text_too_long",
            "components[2].text",
        ),
        (
            "/components/3/buttons/0/text",
            json!("A quick reply label well over 25"),
            "text_too_long",
            "components[3].buttons[0].text",
        ),
        (
            "/components/1/text",
            json!("Hi {{1}},\u{0} our sale starts {{2}}."),
            "invalid_component",
            "components[1].text",
        ),
        (
            "/components/2/text",
            json!("Reply STOP\u{1b}"),
            "invalid_component",
            "components[2].text",
        ),
    ];
    for (pointer, value, code, field) in cases {
        let mut t = image_template("spring_sale");
        *t.pointer_mut(pointer).expect(pointer) = value;
        let (s, v) = app.create_with_file(&t, PNG, "image/png").await;
        assert_eq!(s, 400, "{pointer}: {v}");
        assert_eq!(
            (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
            (Some(code), Some(field)),
            "{v}"
        );
    }
    // A media header with neither a file nor a handle.
    let (s, v) = app
        .post_json("/api/whatsapp/templates", &image_template("spring_sale"))
        .await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (400, Some("components[0].example.header_handle")),
        "{v}"
    );
    // A sample of a type the upload API does not take.
    let (s, v) = app
        .create_with_file(&image_template("spring_sale"), b"GIF89a", "image/gif")
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_file_type")),
        "{v}"
    );
    assert_eq!(app.template_requests().await, 0, "Meta was not called");
    let (_, list) = app.get("/api/whatsapp/templates").await;
    assert_eq!(list["total_count"], 0, "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_header_template_is_approved_after_its_resumable_upload() {
    let app = app().await;
    let (s, v) = app
        .create_with_file(&image_template("spring_sale"), PNG, "image/png")
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["template"]["status"], "PENDING", "{v}");
    assert_eq!(v["template"]["category"], "MARKETING", "{v}");
    assert!(v["template"]["template_id"].is_string(), "{v}");
    // Session, bytes, creation.
    assert_eq!(app.template_requests().await, 3);
    let stored: Value =
        serde_json::from_str(v["template"]["components"].as_str().unwrap()).unwrap();
    let handle = stored[0]["example"]["header_handle"][0]
        .as_str()
        .unwrap_or_default();
    assert!(
        handle.starts_with("4::"),
        "the upload's handle went to Meta: {stored}"
    );

    // The sandbox's review arrives as Meta's status webhook and updates the stored row.
    let approved = app.template_when("spring_sale", "APPROVED").await;
    assert_eq!(approved["template_id"], v["template"]["template_id"]);

    // Approved, it can be sent.
    app.post_json(
        "/sandbox/customers/%2B15550007101/messages",
        &json!({"text": "hi"}),
    )
    .await;
    let (s, sent) = app
        .send(&json!({"phone_number": "+15550007101", "type": "template", "template": {
            "name": "spring_sale", "language": "en_US", "body_parameters": ["Ana", "Monday"],
            "header_media": {"type": "image", "media": {"link": "https://example.com/spring.png"}}}}))
        .await;
    assert_eq!(s, 200, "{sent}");

    // The same name and language again: Meta's refusal, with its error.
    let (s, v) = app
        .create_with_file(&image_template("spring_sale"), PNG, "image/png")
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("meta_refused")),
        "{v}"
    );
    assert_eq!(v["error"]["graph"]["code"], 100, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_template_shows_the_reason() {
    let app = app().await;
    let t = json!({"name": "please_reject_me", "language": "en", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Your code is {{1}}.",
                        "example": {"body_text": [["1234"]]}}]});
    let (s, v) = app.post_json("/api/whatsapp/templates", &t).await;
    assert_eq!(s, 201, "{v}");
    let rejected = app.template_when("please_reject_me", "REJECTED").await;
    assert_eq!(rejected["reason"], "ABUSIVE_CONTENT", "{rejected}");
    // Not sendable.
    app.post_json(
        "/sandbox/customers/%2B15550007102/messages",
        &json!({"text": "hi"}),
    )
    .await;
    let (s, v) = app
        .send(&json!({"phone_number": "+15550007102", "type": "template",
            "template": {"name": "please_reject_me", "language": "en", "body_parameters": ["1"]}}))
        .await;
    assert_ne!(s, 200, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_template_is_gone_here_and_at_meta() {
    let app = app().await;
    let t = json!({"name": "order_ready", "language": "en_US", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Order {{1}} is ready for pickup.",
                        "example": {"body_text": [["1042"]]}}]});
    let (s, v) = app.post_json("/api/whatsapp/templates", &t).await;
    assert_eq!(s, 201, "{v}");
    app.template_when("order_ready", "APPROVED").await;

    let (s, v) = app.delete("/api/whatsapp/templates/order_ready").await;
    assert_eq!((s, v["deleted"].as_u64()), (200, Some(1)), "{v}");
    let (_, list) = app.get("/api/whatsapp/templates").await;
    assert!(
        !list["templates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "order_ready"),
        "{list}"
    );
    // Meta's list no longer has it: a sync does not bring it back.
    let (s, synced) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(s, 200, "{synced}");
    assert!(
        !synced["templates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "order_ready"),
        "{synced}"
    );
    // Nothing left to delete: Meta's refusal.
    let (s, v) = app.delete("/api/whatsapp/templates/order_ready").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("meta_refused")),
        "{v}"
    );
    let (s, v) = app.delete("/api/whatsapp/templates/x?hsm_id=abc").await;
    assert_eq!(
        (s, v["error"]["field"].as_str()),
        (400, Some("hsm_id")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_pages_through_every_template() {
    let app = app().await;
    let extra: Vec<[String; 2]> = (1..=6)
        .map(|i| [format!("promo_{i}"), "en_US".to_owned()])
        .collect();
    app.sandbox(json!({"template_page_size": 2, "templates": extra}))
        .await;
    let (s, synced) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(s, 200, "{synced}");
    // 3 built-in + 6 added, two a page: five pages.
    assert_eq!(synced["synced"], 9, "{synced}");
    assert_eq!(synced["templates"].as_array().map(Vec::len), Some(9));
    assert_eq!(app.counts().await["template_list_pages"], 5);

    // A second number of the same WhatsApp Business Account: its templates are read once.
    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": "100000000000009", "waba_id": "100000000000002"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, synced) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!((s, synced["synced"].as_u64()), (200, Some(9)), "{synced}");
    assert_eq!(
        app.counts().await["template_list_pages"],
        10,
        "one WABA, read once"
    );

    // A number of another WABA is read too: the sandbox does not know that account (Meta's
    // 100), so the sync says so, after storing what the first account listed.
    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": "100000000000010", "waba_id": "100000000000077"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post_json("/api/whatsapp/templates/sync", &json!({}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (502, Some("graph_error")),
        "{v}"
    );
    // The known account's five pages again; the refusal is no page.
    assert_eq!(app.counts().await["template_list_pages"], 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marketing_templates_use_the_marketing_messages_api_where_the_number_is_onboarded() {
    let app = app().await;
    let t = json!({"name": "spring_offer", "language": "en_US", "category": "MARKETING",
        "components": [{"type": "BODY", "text": "Hi {{1}}, 20% off this week.",
                        "example": {"body_text": [["Ana"]]}}]});
    let (s, v) = app.post_json("/api/whatsapp/templates", &t).await;
    assert_eq!(s, 201, "{v}");
    app.template_when("spring_offer", "APPROVED").await;
    app.post_json(
        "/sandbox/customers/%2B15550007103/messages",
        &json!({"text": "hi"}),
    )
    .await;
    let offer = json!({"phone_number": "+15550007103", "type": "template",
        "template": {"name": "spring_offer", "language": "en_US", "body_parameters": ["Ana"]}});
    let marketing = |c: Value| {
        c["marketing_messages"]
            .as_u64()
            .expect("marketing_messages")
    };

    // Off by default: /messages.
    let (s, v) = app.send(&offer).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(marketing(app.counts().await), 0);

    let pid = crate::app::PHONE_NUMBER_ID;
    let (s, n) = app
        .put_json(
            &format!("/api/whatsapp/numbers/{pid}"),
            &json!({"marketing_messages": true}),
        )
        .await;
    assert_eq!(
        (s, n["marketing_messages"].as_bool()),
        (200, Some(true)),
        "{n}"
    );
    let (s, v) = app.send(&offer).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        marketing(app.counts().await),
        1,
        "a marketing template went to /marketing_messages"
    );

    // A utility template still goes to /messages.
    let (s, v) = app
        .send(&json!({"phone_number": "+15550007103", "type": "template",
            "template": {"name": "hello_world", "language": "en_US"}}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(marketing(app.counts().await), 1);

    // Not onboarded after all: Meta's 134100, said in its terms.
    app.sandbox(json!({"marketing_not_onboarded": true})).await;
    let (s, v) = app.send(&offer).await;
    assert_ne!(s, 200, "{v}");
    assert!(v.to_string().contains("not onboarded"), "{v}");
}

/// A number without a WABA id cannot write templates: 422 saying so (and how to set it),
/// before Meta is called and before a header sample is uploaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_without_a_waba_id_is_told_so() {
    let app = app().await;
    let (s, v) = app
        .post_json(
            "/api/whatsapp/numbers",
            &json!({"phone_number_id": "100000000000011"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let target = "/api/whatsapp/templates?phone_number_id=100000000000011";
    let t = image_template("spring_sale");
    let part = reqwest::multipart::Part::bytes(PNG.to_vec())
        .file_name("header.png")
        .mime_str("image/png")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("template", t.to_string())
        .part("header_file", part);
    let r = app
        .http
        .post(app.url(target))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (422, Some("business_account_not_configured")),
        "{v}"
    );
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("no WABA id")
            && message.contains("PUT /api/whatsapp/numbers/100000000000011"),
        "{message}"
    );
    let r = app
        .http
        .delete(app.url("/api/whatsapp/templates/spring_sale?phone_number_id=100000000000011"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(r.status(), 422);
    assert_eq!(app.template_requests().await, 0, "Meta was not called");
}

/// A header sample is typed by its content, never by the type its part declares, and one over
/// Meta's limit for that type is 413 naming the limit; it is streamed to disk as it arrives, so
/// a body budget smaller than the file does not answer 503 `server_busy`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_sample_is_typed_by_its_content_and_limited_by_metas_limit() {
    let app = TestApp::builder()
        .with(|s| {
            s.sandbox.template_review = Duration::from_millis(200);
            s.http.body_bytes_in_flight = 1 << 20;
        })
        .spawn()
        .await;
    // A PNG by its content (5 MB + 1 byte): over the image limit, whatever it says it is.
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    for declared in ["image/png", "application/pdf"] {
        let (s, v) = app
            .create_with_file(&image_template("spring_sale"), &big, declared)
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
            (413, Some("payload_too_large"), Some("header_file")),
            "{declared}: {v}"
        );
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("5 MB") && message.contains("image/png"),
            "{message}"
        );
    }
    // A PDF declared as a PNG is no image.
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let (s, v) = app
        .create_with_file(&image_template("spring_sale"), pdf, "image/png")
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (400, Some("invalid_file_type"), Some("header_file")),
        "{v}"
    );
    assert_eq!(app.template_requests().await, 0, "Meta was not called");
    // A PNG whatever its declared type: taken as one.
    let (s, v) = app
        .create_with_file(
            &image_template("spring_sale"),
            PNG,
            "application/octet-stream",
        )
        .await;
    assert_eq!(s, 201, "{v}");
}
