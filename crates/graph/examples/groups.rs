//! Groups API: creates a group, lists the number's active groups, reads a group's
//! participants and creates its invite link.
//!
//! ```sh
//! WHATSAPP_GRAPH_BASE_URL=https://graph.facebook.com WHATSAPP_API_TOKEN=… \
//! WHATSAPP_PHONE_NUMBER_ID=… cargo run -p wacloud-graph --example groups -- "Support"
//! ```
//!
//! **Needs a real account**: `wacloud sandbox` has no Groups endpoints, so against it (the
//! default base URL) the example stops at once with exit status 2 and says what to set. The
//! new group's id arrives later on the `group_lifecycle_update` webhook (matched by the
//! `request_id` printed here); the participants and the invite link are those of the first
//! active group. Errors Meta may answer: 131215 (number not eligible for groups), 131213
//! (group limit), 131208 (rate limit).

mod common;
mod real_account;

use wacloud_graph::groups::{JoinApprovalMode, NewGroup};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    real_account::require("groups", "");
    let client = common::builder().build()?;
    let subject = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Support".to_owned());

    // Subject 1 to 128 characters, description at most 2048: checked before sending.
    let group = NewGroup::new(subject)?
        .description("Questions about your order")?
        .join_approval_mode(JoinApprovalMode::ApprovalRequired);
    let created = client.create_group(&group).await?;
    println!(
        "create request {} (the group id comes on the group_lifecycle_update webhook)",
        created.request_id.unwrap_or_default()
    );

    let page = client.active_groups(Some(25), None).await?;
    let Some(first) = page.groups.first() else {
        println!("no active group yet");
        return Ok(());
    };
    let info = client.group_info(&first.id).await?;
    println!(
        "group {} {:?}: {} participant(s)",
        first.id,
        info.subject.unwrap_or_default(),
        info.total_participant_count
            .unwrap_or(info.participants.len() as i64)
    );
    for p in &info.participants {
        println!("  {}", p["wa_id"].as_str().unwrap_or("?"));
    }
    let link = client.create_group_invite_link(&first.id).await?;
    println!("invite link {}", link.invite_link);
    Ok(())
}
