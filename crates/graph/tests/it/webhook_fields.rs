//! The webhook fields of Conversation Routing (`standby`, `messaging_handovers`) and of
//! coexistence (`history`, `smb_app_state_sync`, echoes), and the 2025–26 additions
//! inside `messages` (BSUID changes, parent BSUIDs, marketing link clicks): each parsed
//! from a payload shaped as Meta's reference page for the field shows it, its values
//! checked, and serialised back without losing a field. Real payloads from the shared
//! fixtures where they exist.

use crate::common::{self, deliver, prune, value_back};

use serde_json::json;
use wacloud_graph::webhook::{ChangeValue, MessageContent, WebhookPayload};

fn meta() -> serde_json::Value {
    json!({"display_phone_number": "15550783881", "phone_number_id": "106540352242922"})
}

#[test]
fn standby_is_typed_like_messages_but_kept_apart_from_them() {
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": meta(),
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234",
                      "user_id": "US.13491208655302741918"}],
        "messages": [{"from": "16505551234", "from_user_id": "US.13491208655302741918",
                      "id": "wamid.IN1", "timestamp": "1749416383", "type": "text",
                      "text": {"body": "Does it come in another color?"}}],
        "message_echoes": [{"from": "15550783881", "to": "16505551234", "id": "wamid.OUT1",
                            "timestamp": "1749416390", "type": "text",
                            "text": {"body": "Yes, in blue."}}],
        "statuses": [{"id": "wamid.OUT1", "status": "read", "timestamp": 1749416400,
                      "recipient_id": "16505551234"}]
    });
    let p = deliver("standby", value.clone());
    let c = p.changes().next().unwrap();
    let ChangeValue::Standby(v) = &c.value else {
        panic!("{:?}", c.value)
    };
    assert_eq!(v.metadata.phone_number_id, "106540352242922");
    assert_eq!(
        v.messages[0].text_or_caption(),
        Some("Does it come in another color?")
    );
    assert_eq!(
        v.messages[0].from_user_id.as_deref(),
        Some("US.13491208655302741918")
    );
    assert_eq!(v.message_echoes[0].to.as_deref(), Some("16505551234"));
    assert_eq!(v.statuses[0].id, "wamid.OUT1");
    // Not a thread this app owns: not among the values to answer.
    assert_eq!(p.messages_values().count(), 0);
    assert!(c.value.messages_value().is_some());
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn message_echoes_field_is_typed() {
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": meta(),
        "message_echoes": [{"from": "15550783881", "to": "16505551234",
                            "to_user_id": "US.13491208655302741918",
                            "to_parent_user_id": "US.ENT.11815799212886844830",
                            "id": "wamid.E", "timestamp": "1749416390", "type": "text",
                            "text": {"body": "On its way"}}]
    });
    let p = deliver("message_echoes", value.clone());
    let ChangeValue::MessageEchoes(v) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let m = &v.message_echoes[0];
    assert_eq!(m.to_user_id.as_deref(), Some("US.13491208655302741918"));
    assert_eq!(
        m.to_parent_user_id.as_deref(),
        Some("US.ENT.11815799212886844830")
    );
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn messaging_handovers_control_passed_and_taken() {
    // The envelope of Meta's WhatsApp Conversation Routing notification, with `type`
    // naming which of the two objects is present.
    let value = json!({
        "messaging_product": "whatsapp",
        "recipient": {"display_phone_number": "16505553333", "phone_number_id": "123456789"},
        "sender": {"phone_number": "16505551234", "user_id": "US.13491208655302741918"},
        "timestamp": 1697041663,
        "type": "control_passed",
        "control_passed": {"metadata": "Information about the conversation",
                           "previous_owner": "ai_agent"}
    });
    let p = deliver("messaging_handovers", value.clone());
    let ChangeValue::MessagingHandovers(h) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert!(h.is_passed_to_this_app() && !h.is_taken_from_this_app());
    assert_eq!(h.timestamp, Some(1697041663));
    let recipient = h.recipient.as_ref().unwrap();
    assert_eq!(recipient.phone_number_id.as_deref(), Some("123456789"));
    let sender = h.sender.as_ref().unwrap();
    assert_eq!(sender.phone_number.as_deref(), Some("16505551234"));
    assert_eq!(sender.user_id.as_deref(), Some("US.13491208655302741918"));
    let change = h.change().unwrap();
    assert_eq!(
        change.metadata.as_deref(),
        Some("Information about the conversation")
    );
    // A member this crate does not model is kept as received.
    assert_eq!(change.extra["previous_owner"], "ai_agent");
    assert_eq!(value_back(&p), prune(value));

    // The older documented shape: no `type`, timestamp as a string.
    let p = deliver(
        "messaging_handovers",
        json!({"messaging_product": "whatsapp",
               "recipient": {"display_phone_number": "16505553333", "phone_number_id": "123456789"},
               "sender": {"phone_number": "16505551234"},
               "timestamp": "1697041663",
               "control_taken": {"metadata": "escalated"}}),
    );
    let ChangeValue::MessagingHandovers(h) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert!(h.is_taken_from_this_app() && !h.is_passed_to_this_app());
    assert_eq!(h.timestamp, Some(1697041663));
    assert_eq!(h.change().unwrap().metadata.as_deref(), Some("escalated"));
}

#[test]
fn history_chunk_with_threads_and_statuses() {
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": meta(),
        "history": [{
            "metadata": {"phase": 1, "chunk_order": 2, "progress": 55},
            "threads": [{
                "id": "16505551234",
                "messages": [
                    {"from": "16505551234", "id": "wamid.H1", "timestamp": "1739321024",
                     "type": "text", "text": {"body": "Is the shop open on Sunday?"},
                     "history_context": {"status": "READ"}},
                    {"from": "15550783881", "to": "16505551234", "id": "wamid.H2",
                     "timestamp": "1739321090", "type": "text", "text": {"body": "From 10 to 4."},
                     "history_context": {"status": "DELIVERED"}}
                ]
            }]
        }]
    });
    let p = deliver("history", value.clone());
    let ChangeValue::History(h) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let progress = h.history[0].metadata.as_ref().unwrap();
    assert_eq!(
        (progress.phase, progress.chunk_order, progress.progress),
        (Some(1), Some(2), Some(55))
    );
    let all: Vec<_> = h.messages().collect();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].0, Some("16505551234"));
    assert_eq!(all[0].1.history_status(), Some("READ"));
    assert_eq!(all[1].1.to.as_deref(), Some("16505551234"));
    assert_eq!(all[1].1.history_status(), Some("DELIVERED"));
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn history_declined_carries_errors() {
    let p = deliver(
        "history",
        json!({"messaging_product": "whatsapp", "metadata": meta(),
               "history": [{"errors": [{"code": 2593109,
                                         "title": "History sharing is turned off by the business",
                                         "message": "History sharing is turned off by the business",
                                         "error_data": {"details": "History sharing is turned off by the business"}}]}]}),
    );
    let ChangeValue::History(h) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(h.messages().count(), 0);
    let e = &h.history[0].errors[0];
    assert_eq!(e.code, 2593109);
    assert!(e.details.as_deref().unwrap().contains("turned off"));
}

#[test]
fn smb_app_state_sync_contacts() {
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": meta(),
        "state_sync": [
            {"type": "contact", "contact": {"full_name": "Lucía Gómez", "first_name": "Lucía",
                                            "phone_number": "16505551234"},
             "action": "add", "metadata": {"timestamp": 1739321024}},
            {"type": "contact", "contact": {"phone_number": "16505550000"},
             "action": "remove", "metadata": {"timestamp": 1739321099}}
        ]
    });
    let p = deliver("smb_app_state_sync", value.clone());
    let ChangeValue::SmbAppStateSync(s) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(s.state_sync.len(), 2);
    let added = &s.state_sync[0];
    assert_eq!(added.kind.as_deref(), Some("contact"));
    assert_eq!(added.action.as_deref(), Some("add"));
    let contact = added.contact.as_ref().unwrap();
    assert_eq!(contact.full_name.as_deref(), Some("Lucía Gómez"));
    assert_eq!(contact.phone_number.as_deref(), Some("16505551234"));
    assert_eq!(added.metadata.as_ref().unwrap().timestamp, Some(1739321024));
    assert_eq!(s.state_sync[1].action.as_deref(), Some("remove"));
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn system_messages_report_bsuid_changes_with_the_previous_ids() {
    // `user_changed_user_id`: only the BSUID changed; no number, no contacts.
    let p = deliver(
        "messages",
        json!({"messaging_product": "whatsapp", "metadata": meta(),
               "messages": [{"from_user_id": "US.222", "id": "wamid.SYS1", "timestamp": "1754900000",
                             "type": "system",
                             "system": {"body": "User's business-scoped user ID changed",
                                        "type": "user_changed_user_id",
                                        "user_id": "US.222", "parent_user_id": "US.ENT.2",
                                        "previous_user_id": "US.111",
                                        "previous_parent_user_id": "US.ENT.1"}}]}),
    );
    let v = p.messages_values().next().unwrap();
    assert!(v.contacts.is_empty());
    let MessageContent::System {
        kind,
        user_id,
        parent_user_id,
        previous_user_id,
        previous_parent_user_id,
        wa_id,
        ..
    } = &v.messages[0].content
    else {
        panic!("{:?}", v.messages[0].content)
    };
    assert_eq!(kind.as_deref(), Some("user_changed_user_id"));
    assert_eq!(user_id.as_deref(), Some("US.222"));
    assert_eq!(parent_user_id.as_deref(), Some("US.ENT.2"));
    assert_eq!(previous_user_id.as_deref(), Some("US.111"));
    assert_eq!(previous_parent_user_id.as_deref(), Some("US.ENT.1"));
    assert!(wa_id.is_none());

    // `user_changed_number` now also names the BSUID before the change.
    let p = deliver(
        "messages",
        json!({"messaging_product": "whatsapp", "metadata": meta(),
               "messages": [{"from": "16505551234", "id": "wamid.SYS2", "timestamp": "1754900001",
                             "type": "system",
                             "system": {"body": "User Sheena Nelson changed from 16505551234 to 16505559999",
                                        "wa_id": "16505559999", "type": "user_changed_number",
                                        "previous_user_id": "US.111"}}]}),
    );
    let m = &p.messages_values().next().unwrap().messages[0];
    assert!(
        matches!(&m.content, MessageContent::System { wa_id: Some(w), previous_user_id: Some(prev), .. }
        if w == "16505559999" && prev == "US.111")
    );
}

#[test]
fn marketing_link_clicks_arrive_as_user_actions_on_messages() {
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": meta(),
        "user_actions": [{
            "action_type": "marketing_messages_link_click",
            "timestamp": 1751000000,
            "marketing_messages_link_click_data": {"click_component": "cta", "product_id": "sku_id",
                                                   "click_id": "click_id", "tracking_token": "example_token"}
        }]
    });
    let p = deliver("messages", value.clone());
    let v = p.messages_values().next().unwrap();
    let a = &v.user_actions[0];
    assert_eq!(
        a.action_type.as_deref(),
        Some("marketing_messages_link_click")
    );
    assert_eq!(a.timestamp, Some(1751000000));
    let click = a.marketing_messages_link_click_data.as_ref().unwrap();
    assert_eq!(click.click_component.as_deref(), Some("cta"));
    assert_eq!(click.tracking_token.as_deref(), Some("example_token"));
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn parent_bsuids_on_senders_echoes_and_group_statuses_from_fixtures() {
    let rel =
        "whatsapp-api-js/payloads-test-v25/incoming_message__with_phone__has_parent_bsuid.json";
    let Some(bytes) = common::fixture_bytes(rel) else {
        return;
    };
    let p = WebhookPayload::from_slice(&bytes).unwrap();
    let m = &p.messages_values().next().unwrap().messages[0];
    assert_eq!(m.from_user_id.as_deref(), Some("US.13491208655302741918"));
    assert_eq!(
        m.from_parent_user_id.as_deref(),
        Some("US.ENT.506847293015824")
    );

    let v = common::fixture_json("pywa/updates/outgoing_message.json").unwrap();
    let p: WebhookPayload = serde_json::from_value(v["text"].clone()).unwrap();
    let ChangeValue::SmbMessageEchoes(e) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(
        e.message_echoes[0].to_parent_user_id.as_deref(),
        Some("<PARENT_BSUID>")
    );

    let v = common::fixture_json("pywa/updates/message_status.json").unwrap();
    let p: WebhookPayload = serde_json::from_value(v["group"].clone()).unwrap();
    let s = &p.messages_values().next().unwrap().statuses[0];
    assert!(s.is_group());
    assert_eq!(
        s.recipient_participant_user_id.as_deref(),
        Some("US.123456")
    );
    assert_eq!(
        s.recipient_participant_parent_user_id.as_deref(),
        Some("<PARENT_BSUID>")
    );
}
