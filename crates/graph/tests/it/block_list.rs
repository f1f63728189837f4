//! `GraphClient::blocked_users` (`GET /{phone_number_id}/block_users`): the request and
//! Meta's documented answer. (Blocking and unblocking are tested in
//! `account_templates`.)

use serde_json::json;

use crate::common;
use crate::graph_mock::{answering, assert_request, PHONE_ID};

#[tokio::test]
async fn blocked_users_reads_metas_documented_answer() {
    let answer = common::fixture_json(
        "openapi/examples/components_responses/getblockedusersresponse__get_blocked_users.json",
    )
    .unwrap_or_else(
        || json!({"data": [{"messaging_product": "whatsapp", "wa_id": "16505551234"}]}),
    );
    let expected: Vec<String> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["wa_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!expected.is_empty());
    let (server, c) = answering(200, answer).await;
    let users = c.blocked_users().await.unwrap();
    let got: Vec<String> = users.iter().map(|u| u.wa_id.clone().unwrap()).collect();
    assert_eq!(got, expected);
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/block_users"),
        &[],
        None,
    )
    .await;
}
