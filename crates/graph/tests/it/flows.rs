//! The Flows API (`wacloud_graph::flows`) against a mock Graph API: JSON reads,
//! `multipart/form-data` writes (each part checked), and the spec's answers.

use serde_json::json;
use wacloud_graph::flows::{FlowMetadataUpdate, NewFlow, FLOW_FIELDS};
use wacloud_graph::GraphError;

use crate::graph_mock::{
    answering, assert_form_request, assert_request, spec_example, text_part, Part, WABA,
};

const FLOW: &str = "/{Version}/{Flow-ID}";

#[tokio::test]
async fn list_flows_parses_the_documented_answer() {
    let answer = spec_example("GET", "/{Version}/{WABA-ID}/flows", Some("200"), "List Flows").unwrap_or_else(|| {
        json!({"data": [{"categories": ["SIGN_UP"], "id": "flow-1", "name": "my first flow", "status": "DRAFT", "validation_errors": []},
                        {"categories": ["SIGN_UP", "SIGN_IN"], "id": "flow-2", "name": "my second flow", "status": "DRAFT",
                         "validation_errors": [{"error": "INVALID_PROPERTY"}]}]})
    });
    let (server, c) = answering(200, answer).await;
    let flows = c.list_flows().await.unwrap();
    assert_eq!(flows[0].id, "flow-1");
    assert_eq!(flows[1].categories, ["SIGN_UP", "SIGN_IN"]);
    assert_eq!(flows[0].status.as_deref(), Some("DRAFT"));
    assert!(!flows[1].validation_errors.is_empty());
    assert_request(&server, "GET", &format!("/{WABA}/flows"), &[], None).await;
}

#[tokio::test]
async fn create_flow_is_a_form_with_categories_as_json() {
    let answer = spec_example(
        "POST",
        "/{Version}/{WABA-ID}/flows",
        Some("200"),
        "Create Flow",
    )
    .unwrap_or_else(|| json!({"id": "flow-1"}));
    let (server, c) = answering(200, answer).await;
    let f = NewFlow::new("lead form", ["LEAD_GENERATION", "OTHER"])
        .unwrap()
        .endpoint_uri("https://example.com/flow")
        .unwrap()
        .clone_flow_id("flow-0");
    assert_eq!(c.create_flow(&f).await.unwrap().id, "flow-1");
    let parts = assert_form_request(&server, &format!("/{WABA}/flows")).await;
    assert_eq!(
        parts,
        [
            text_part("name", "lead form"),
            text_part("categories", r#"["LEAD_GENERATION","OTHER"]"#),
            text_part("clone_flow_id", "flow-0"),
            text_part("endpoint_uri", "https://example.com/flow"),
        ]
    );
    assert!(NewFlow::new(" ", ["OTHER"]).is_err());
    assert!(NewFlow::new("x", Vec::<String>::new()).is_err());
    assert!(NewFlow::new("x", ["OTHER"])
        .unwrap()
        .endpoint_uri("example.com")
        .is_err());
}

#[tokio::test]
async fn migrate_flows_names_the_source() {
    let answer = spec_example("POST", "/{Version}/{WABA-ID}/migrate_flows", Some("200"), "Migrate Flows").unwrap_or_else(|| {
        json!({"failed_flows": [{"error_code": "4233041", "error_message": "Flows Migration Error: Flow name not found in source WABA.", "source_name": "leadgen"}],
               "migrated_flows": [{"migrated_id": "dest-flow-1", "source_id": "source-flow-1", "source_name": "appointment"}]})
    });
    let (server, c) = answering(200, answer).await;
    let m = c
        .migrate_flows("111222333", &["appointment", "leadgen"])
        .await
        .unwrap();
    assert_eq!(
        m.migrated_flows[0].migrated_id.as_deref(),
        Some("dest-flow-1")
    );
    assert_eq!(m.failed_flows[0].error_code.as_deref(), Some("4233041"));
    assert_eq!(m.failed_flows[0].source_name.as_deref(), Some("leadgen"));
    let parts = assert_form_request(&server, &format!("/{WABA}/migrate_flows")).await;
    assert_eq!(
        parts,
        [
            text_part("source_waba_id", "111222333"),
            text_part("source_flow_names", r#"["appointment","leadgen"]"#)
        ]
    );
}

#[tokio::test]
async fn get_flow_with_default_and_chosen_fields() {
    let answer = spec_example("GET", FLOW, Some("200"), "Get Flow").unwrap_or_else(|| {
        json!({"id": "flow-1", "name": "My first flow", "categories": ["OTHER"], "status": "DRAFT",
               "validation_errors": [], "json_version": "3.0", "health_status": {"can_send_message": "BLOCKED"}})
    });
    let (server, c) = answering(200, answer).await;
    let f = c.get_flow("flow-1", None).await.unwrap();
    assert_eq!(f.id, "flow-1");
    assert_eq!(f.categories, ["OTHER"]);
    assert_eq!(f.extra["health_status"]["can_send_message"], "BLOCKED");
    assert_request(&server, "GET", "/flow-1", &[("fields", FLOW_FIELDS)], None).await;

    let answer = spec_example("GET", FLOW, Some("200"), "Get Preview URL").unwrap_or_else(|| {
        json!({"id": "flow-1", "preview": {"expires_at": "2023-05-21T11:18:09+0000", "preview_url": "https://business.facebook.com/wa/manage/flows/550/preview/?token=b9d6"}})
    });
    let (server, c) = answering(200, answer).await;
    let f = c
        .get_flow("flow-1", Some("preview.invalidate(false)"))
        .await
        .unwrap();
    assert!(f.extra["preview"]["preview_url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert_request(
        &server,
        "GET",
        "/flow-1",
        &[("fields", "preview.invalidate(false)")],
        None,
    )
    .await;
}

#[tokio::test]
async fn update_metadata_sends_only_what_changes() {
    let answer = spec_example("POST", FLOW, Some("200"), "Update Flow Metadata")
        .unwrap_or_else(|| json!({"success": true}));
    let (server, c) = answering(200, answer).await;
    c.update_flow_metadata(
        "flow-1",
        &FlowMetadataUpdate::new()
            .name("renamed")
            .categories(["SURVEY"]),
    )
    .await
    .unwrap();
    let parts = assert_form_request(&server, "/flow-1").await;
    assert_eq!(
        parts,
        [
            text_part("name", "renamed"),
            text_part("categories", r#"["SURVEY"]"#)
        ]
    );

    let (server, c) = answering(200, json!({"success": true})).await;
    for u in [
        FlowMetadataUpdate::new(),
        FlowMetadataUpdate::new().name(""),
        FlowMetadataUpdate::new().endpoint_uri("x"),
    ] {
        assert!(matches!(
            c.update_flow_metadata("flow-1", &u).await,
            Err(GraphError::Validation(_))
        ));
    }
    assert!(server.received_requests().await.unwrap().is_empty());

    let (_server, c) = answering(200, json!({"success": false})).await;
    assert!(matches!(
        c.update_flow_metadata("flow-1", &FlowMetadataUpdate::new().name("n"))
            .await,
        Err(GraphError::Decode { .. })
    ));
}

#[tokio::test]
async fn delete_publish_deprecate() {
    for (example, method, path) in [
        ("Delete Flow", "DELETE", FLOW.to_owned()),
        ("Publish Flow", "POST", format!("{FLOW}/publish")),
        ("Deprecate Flow", "POST", format!("{FLOW}/deprecate")),
    ] {
        let answer = spec_example(method, &path, Some("200"), example)
            .unwrap_or_else(|| json!({"success": true}));
        let (server, c) = answering(200, answer).await;
        match example {
            "Delete Flow" => c.delete_flow("flow-1").await.unwrap(),
            "Publish Flow" => c.publish_flow("flow-1").await.unwrap(),
            _ => c.deprecate_flow("flow-1").await.unwrap(),
        }
        let want = path
            .replace("/{Version}", "")
            .replace("{Flow-ID}", "flow-1");
        assert_request(&server, method, &want, &[], None).await;
    }
}

#[tokio::test]
async fn flow_json_is_uploaded_as_a_file_and_its_errors_kept() {
    let answer = spec_example("POST", &format!("{FLOW}/assets"), Some("200"), "Upload Flow JSON Asset").unwrap_or_else(|| {
        json!({"success": true, "validation_errors": [{"column_end": 30, "column_start": 17, "error": "INVALID_PROPERTY",
               "error_type": "JSON_SCHEMA_ERROR", "line_end": 46, "line_start": 46, "message": "bad"}]})
    });
    let (server, c) = answering(200, answer).await;
    let flow_json = r#"{"version": "3.0", "screens": []}"#;
    let r = c.update_flow_json("flow-1", flow_json).await.unwrap();
    assert!(r.success);
    let e = &r.validation_errors[0];
    assert_eq!(e.error.as_deref(), Some("INVALID_PROPERTY"));
    assert_eq!(
        (e.line_start, e.column_start, e.column_end),
        (Some(46), Some(17), Some(30))
    );
    let parts = assert_form_request(&server, "/flow-1/assets").await;
    assert_eq!(
        parts,
        [
            text_part("name", "flow.json"),
            text_part("asset_type", "FLOW_JSON"),
            Part {
                name: "file".into(),
                file_name: Some("flow.json".into()),
                content_type: Some("application/json".into()),
                value: flow_json.as_bytes().to_vec(),
            },
        ]
    );

    let (server, c) = answering(200, json!({})).await;
    assert!(matches!(
        c.update_flow_json("flow-1", "{not json").await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());

    let answer = spec_example("GET", &format!("{FLOW}/assets"), Some("200"), "List Assets").unwrap_or_else(|| {
        json!({"data": [{"asset_type": "FLOW_JSON", "download_url": "https://scontent.xx.fbcdn.net/flow.json", "name": "flow.json"}]})
    });
    let (server, c) = answering(200, answer).await;
    let assets = c.flow_assets("flow-1").await.unwrap();
    assert_eq!(assets[0].asset_type.as_deref(), Some("FLOW_JSON"));
    assert!(assets[0]
        .download_url
        .as_deref()
        .unwrap()
        .starts_with("https://"));
    assert_request(&server, "GET", "/flow-1/assets", &[], None).await;
}
