//! The Groups API (`wacloud_graph::groups`) against a mock Graph API: each request
//! checked exactly, each documented answer parsed, local limits refused first.

use serde_json::{json, Value};
use wacloud_graph::groups::{GroupUpdate, JoinApprovalMode, NewGroup, GROUP_FIELDS};
use wacloud_graph::GraphError;

use wiremock::ResponseTemplate;

use crate::graph_mock::{
    answering, answering_with, assert_form_request, assert_request, text_part, Part, PHONE_ID,
};

const GROUP: &str = "Y2FwaV9ncm91cDoxOTUwNTU1MDA3OToxMjAzNjMzOTQzMjAdOTY0MTUZD";

fn ok() -> Value {
    json!({"success": true})
}

#[tokio::test]
async fn create_group_sends_subject_description_and_mode() {
    let (server, c) = answering(
        200,
        json!({"messaging_product": "whatsapp", "request_id": "REQ-1"}),
    )
    .await;
    let g = NewGroup::new("Support")
        .unwrap()
        .description("Order help")
        .unwrap()
        .join_approval_mode(JoinApprovalMode::ApprovalRequired);
    let created = c.create_group(&g).await.unwrap();
    assert_eq!(created.request_id.as_deref(), Some("REQ-1"));
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/groups"),
        &[],
        Some(json!({"messaging_product": "whatsapp", "subject": "Support", "description": "Order help",
                    "join_approval_mode": "approval_required"})),
    )
    .await;
    assert!(NewGroup::new("  ").is_err());
    assert!(NewGroup::new("x".repeat(129)).is_err());
    assert!(NewGroup::new("ok")
        .unwrap()
        .description("x".repeat(2049))
        .is_err());
}

#[tokio::test]
async fn active_groups_reads_one_page_and_its_cursor() {
    let (server, c) = answering(
        200,
        json!({"data": {"groups": [{"id": GROUP, "subject": "Support", "created_at": "1735689600"}]},
               "paging": {"cursors": {"before": "B", "after": "A"}, "next": "https://graph.facebook.com/next"}}),
    )
    .await;
    let page = c.active_groups(Some(10), Some("C")).await.unwrap();
    assert_eq!(page.groups[0].id, GROUP);
    assert_eq!(page.groups[0].subject.as_deref(), Some("Support"));
    assert_eq!(page.after.as_deref(), Some("A"));
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/groups"),
        &[("limit", "10"), ("after", "C")],
        None,
    )
    .await;

    let (_server, c) = answering(
        200,
        json!({"data": {"groups": []}, "paging": {"cursors": {"after": "A"}}}),
    )
    .await;
    let last = c.active_groups(None, None).await.unwrap();
    assert!(last.groups.is_empty());
    assert_eq!(last.after, None, "no next link: the last page");
}

#[tokio::test]
async fn group_info_update_and_delete() {
    let (server, c) = answering(
        200,
        json!({"id": GROUP, "messaging_product": "whatsapp", "subject": "Support", "suspended": false,
               "creation_timestamp": 1735689600, "join_approval_mode": "auto_approve",
               "participants": [{"wa_id": "15550000001"}], "total_participant_count": 1}),
    )
    .await;
    let g = c.group_info(GROUP).await.unwrap();
    assert_eq!(g.subject.as_deref(), Some("Support"));
    assert_eq!(g.suspended, Some(false));
    assert_eq!(g.creation_timestamp, Some(1735689600));
    assert_eq!(g.total_participant_count, Some(1));
    assert_eq!(g.participants[0]["wa_id"], "15550000001");
    assert_request(
        &server,
        "GET",
        &format!("/{GROUP}"),
        &[("fields", GROUP_FIELDS)],
        None,
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    let u = GroupUpdate::new().subject("New subject");
    c.update_group(GROUP, &u).await.unwrap();
    assert_request(
        &server,
        "POST",
        &format!("/{GROUP}"),
        &[],
        Some(json!({"messaging_product": "whatsapp", "subject": "New subject"})),
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    c.delete_group(GROUP).await.unwrap();
    assert_request(&server, "DELETE", &format!("/{GROUP}"), &[], None).await;

    let (server, c) = answering(200, json!({"success": false})).await;
    assert!(matches!(
        c.delete_group(GROUP).await,
        Err(GraphError::Decode { .. })
    ));
    assert!(matches!(
        c.update_group(GROUP, &GroupUpdate::default()).await,
        Err(GraphError::Validation(_))
    ));
    assert!(matches!(
        c.group_info("").await,
        Err(GraphError::Validation(_))
    ));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn participants_are_added_and_removed_eight_at_most() {
    let (server, c) = answering(200, ok()).await;
    c.add_group_participants(GROUP, &["15550000001", "15550000002"])
        .await
        .unwrap();
    assert_request(
        &server,
        "POST",
        &format!("/{GROUP}/participants"),
        &[],
        Some(json!({"messaging_product": "whatsapp",
                    "participants": [{"user": "15550000001"}, {"user": "15550000002"}]})),
    )
    .await;

    // The spec documents no answer body for these: an empty 200 is a yes.
    let (server, c) = answering_with(ResponseTemplate::new(200)).await;
    c.remove_group_participants(GROUP, &["15550000001"])
        .await
        .unwrap();
    assert_request(
        &server,
        "DELETE",
        &format!("/{GROUP}/participants"),
        &[],
        Some(json!({"messaging_product": "whatsapp", "participants": [{"user": "15550000001"}]})),
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    let nine = ["1"; 9];
    assert!(matches!(
        c.add_group_participants(GROUP, &nine).await,
        Err(GraphError::Validation(_))
    ));
    assert!(matches!(
        c.remove_group_participants(GROUP, &[]).await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn join_requests_listed_approved_and_rejected() {
    let (server, c) = answering(
        200,
        json!({"data": [{"join_request_id": "JR1", "wa_id": "15550000001", "creation_timestamp": 1735689600}]}),
    )
    .await;
    let open = c.group_join_requests(GROUP).await.unwrap();
    assert_eq!(open[0].join_request_id, "JR1");
    assert_eq!(open[0].wa_id.as_deref(), Some("15550000001"));
    assert_request(
        &server,
        "GET",
        &format!("/{GROUP}/join_requests"),
        &[],
        None,
    )
    .await;

    let (server, c) = answering(
        200,
        json!({"messaging_product": "whatsapp", "approved_join_requests": ["JR1"],
               "failed_join_requests": [{"join_request_id": "JR2", "errors": [{"code": 131000, "message": "x", "title": "t"}]}]}),
    )
    .await;
    let r = c
        .approve_join_requests(GROUP, &["JR1", "JR2"])
        .await
        .unwrap();
    assert_eq!(r.approved_join_requests, ["JR1"]);
    assert_eq!(
        r.failed_join_requests[0].join_request_id.as_deref(),
        Some("JR2")
    );
    assert_eq!(r.failed_join_requests[0].errors[0]["code"], 131000);
    assert_request(
        &server,
        "POST",
        &format!("/{GROUP}/join_requests"),
        &[],
        Some(json!({"messaging_product": "whatsapp", "join_requests": ["JR1", "JR2"]})),
    )
    .await;

    let (server, c) = answering(
        200,
        json!({"messaging_product": "whatsapp", "rejected_join_requests": ["JR3"]}),
    )
    .await;
    let r = c.reject_join_requests(GROUP, &["JR3"]).await.unwrap();
    assert_eq!(r.rejected_join_requests, ["JR3"]);
    assert_request(
        &server,
        "DELETE",
        &format!("/{GROUP}/join_requests"),
        &[],
        Some(json!({"messaging_product": "whatsapp", "join_requests": ["JR3"]})),
    )
    .await;
}

#[tokio::test]
async fn invite_link_created_and_deleted() {
    let (server, c) = answering(
        200,
        json!({"messaging_product": "whatsapp", "invite_link": "https://chat.whatsapp.com/AbC"}),
    )
    .await;
    let l = c.create_group_invite_link(GROUP).await.unwrap();
    assert_eq!(l.invite_link, "https://chat.whatsapp.com/AbC");
    assert_request(
        &server,
        "POST",
        &format!("/{GROUP}/invite_link"),
        &[],
        Some(json!({"messaging_product": "whatsapp"})),
    )
    .await;

    // The spec types this `success` as a string.
    let (server, c) = answering(
        200,
        json!({"messaging_product": "whatsapp", "success": "true"}),
    )
    .await;
    c.delete_group_invite_link(GROUP).await.unwrap();
    assert_request(
        &server,
        "DELETE",
        &format!("/{GROUP}/invite_link"),
        &[],
        Some(json!({"messaging_product": "whatsapp"})),
    )
    .await;
}

#[tokio::test]
async fn group_photo_goes_as_the_spec_s_multipart_form() {
    let jpeg = bytes::Bytes::from_static(b"\xFF\xD8\xFF\xE0 a square jpeg");
    let (server, c) = answering(200, ok()).await;
    c.update_group_photo(GROUP, jpeg.clone()).await.unwrap();
    let parts = assert_form_request(&server, &format!("/{GROUP}")).await;
    assert_eq!(
        parts,
        [
            text_part("messaging_product", "whatsapp"),
            Part {
                name: "file".into(),
                file_name: Some("photo.jpg".into()),
                content_type: Some("image/jpeg".into()),
                value: jpeg.to_vec(),
            },
        ]
    );

    // Not a JPEG, or over 5 MB: refused before any request.
    let (server, c) = answering(200, ok()).await;
    let png = bytes::Bytes::from_static(b"\x89PNG\r\n\x1a\n");
    assert!(matches!(
        c.update_group_photo(GROUP, png).await,
        Err(GraphError::Validation(_))
    ));
    let mut big = vec![0u8; 5 * 1024 * 1024 + 1];
    big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    assert!(matches!(
        c.update_group_photo(GROUP, big.into()).await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}
