//! Specific assertions on message kinds, statuses and identities from the fixtures,
//! plus small inline inputs for each fault kind in FAULTS.md.

use crate::common;

use serde_json::{json, Value};
use wacloud_graph::webhook::{
    ChangeValue, InteractiveReply, Message, MessageContent, MessagesValue, StatusKind,
    WebhookPayload,
};

/// The first `messages` value of scenario `key` in a pywa-style file (an object of
/// scenario → payload), or of the file itself when `key` is `None`.
fn value_of(rel: &str, key: Option<&str>) -> Option<MessagesValue> {
    let v = common::fixture_json(rel)?;
    let body = match key {
        Some(k) => v
            .get(k)
            .unwrap_or_else(|| panic!("{rel} has no scenario {k}"))
            .clone(),
        None => v,
    };
    let p = WebhookPayload::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
    let c = p.changes().next().expect("a change").clone();
    match c.value {
        ChangeValue::Messages(v) | ChangeValue::SmbMessageEchoes(v) => Some(v),
        other => panic!("{rel} {key:?}: not a messages value: {other:?}"),
    }
}

fn first_message(rel: &str, key: Option<&str>) -> Option<Message> {
    let v = value_of(rel, key)?;
    Some(
        v.messages
            .into_iter()
            .chain(v.message_echoes)
            .next()
            .expect("a message"),
    )
}

#[test]
fn text_message() {
    let Some(m) = first_message("pywa/updates/message.json", Some("text")) else {
        return;
    };
    assert_eq!(m.type_name(), "text");
    let MessageContent::Text { body } = &m.content else {
        panic!("{:?}", m.content)
    };
    assert!(!body.is_empty());
    assert_eq!(m.text_or_caption(), Some(body.as_str()));
    assert!(m.timestamp > 1_600_000_000);
    assert_eq!(m.from.as_deref(), Some("972987654321"));
}

#[test]
fn reaction_and_its_removal() {
    let Some(m) = first_message("pywa/updates/message.json", Some("reaction")) else {
        return;
    };
    let MessageContent::Reaction { message_id, emoji } = &m.content else {
        panic!()
    };
    assert!(!message_id.is_empty());
    assert!(emoji.as_deref().is_some_and(|e| !e.is_empty()));

    for key in ["unreaction_empty", "unreaction_no_emoji"] {
        let m = first_message("pywa/updates/message.json", Some(key)).unwrap();
        let MessageContent::Reaction { message_id, emoji } = &m.content else {
            panic!("{key}")
        };
        assert!(!message_id.is_empty(), "{key}");
        assert!(
            emoji.as_deref().unwrap_or("").is_empty(),
            "{key}: removal has no emoji"
        );
    }
    let m = first_message(
        "netflie-whatsapp-cloud-api/notification-factory-test/can_build_a_removed_reaction_notification.json",
        None,
    )
    .unwrap();
    assert!(
        matches!(&m.content, MessageContent::Reaction { emoji, .. } if emoji.as_deref().unwrap_or("").is_empty())
    );
}

#[test]
fn failed_status_keeps_code_title_and_details() {
    let Some(v) = value_of("pywa/updates/message_status.json", Some("failed")) else {
        return;
    };
    let s = &v.statuses[0];
    assert_eq!(s.status, StatusKind::Failed);
    let e = &s.errors[0];
    assert_eq!(e.code, 130472);
    assert_eq!(
        e.title.as_deref(),
        Some("User's number is part of an experiment")
    );
    assert_eq!(
        e.details.as_deref(),
        Some("Failed to send message because this user's phone number is part of an experiment")
    );
    assert!(e.href.as_deref().unwrap().starts_with("https://"));

    let v = value_of(
        "whatsapp-business-java-api/deserialization/reEngagementMessageError.json",
        None,
    )
    .unwrap();
    let e = &v.statuses[0].errors[0];
    assert_eq!(e.code, 131047);
    assert_eq!(e.class(), wacloud_graph::ErrorClass::WindowClosed);

    let v = value_of(
        "whatsapp-business-java-api/deserialization/mediaUploadError.json",
        None,
    )
    .unwrap();
    let e = &v.statuses[0].errors[0];
    assert_eq!(e.code, 131053);
    assert!(
        e.details.as_deref().unwrap().contains("text/html"),
        "\\/ decoded: {:?}",
        e.details
    );
}

#[test]
fn statuses_with_conversation_pricing_and_callback_data() {
    let Some(v) = value_of("pywa/updates/message_status.json", Some("with_tracker")) else {
        return;
    };
    let s = &v.statuses[0];
    assert_eq!(s.status, StatusKind::Sent);
    assert_eq!(s.biz_opaque_callback_data.as_deref(), Some("some data"));
    let c = s.conversation.as_ref().unwrap();
    assert_eq!(c.expiration_timestamp, Some(1698339900));
    assert_eq!(c.origin.as_ref().unwrap().kind.as_deref(), Some("service"));
    let p = s.pricing.as_ref().unwrap();
    assert_eq!(p.billable, Some(true));
    assert_eq!(p.pricing_model.as_deref(), Some("CBP"));

    for (key, kind) in [
        ("delivered", StatusKind::Delivered),
        ("read", StatusKind::Read),
        ("played", StatusKind::Played),
    ] {
        let v = value_of("pywa/updates/message_status.json", Some(key)).unwrap();
        assert_eq!(v.statuses[0].status, kind);
        assert!(
            v.messages.is_empty(),
            "a status is never an inbound message"
        );
    }
}

#[test]
fn group_status_is_marked_as_group() {
    let Some(v) = value_of("pywa/updates/message_status.json", Some("group")) else {
        return;
    };
    let s = &v.statuses[0];
    assert!(s.is_group());
    assert_eq!(s.recipient_type.as_deref(), Some("group"));
    assert_eq!(
        s.recipient_participant_user_id.as_deref(),
        Some("US.123456")
    );
}

#[test]
fn bsuid_only_contact_without_wa_id_and_message_without_from() {
    let Some(v) = value_of(
        "netflie-whatsapp-cloud-api/notification-factory-test/can_build_a_notification_with_bsuid_only_and_no_from.json",
        None,
    ) else {
        return;
    };
    let c = &v.contacts[0];
    assert_eq!(c.wa_id, None);
    assert_eq!(c.user_id.as_deref(), Some("BSUID_123"));
    assert_eq!(v.messages[0].from, None);

    let v = value_of(
        "whatsapp-api-js/payloads-test-v25/incoming_message__with_username__has_parent_bsuid.json",
        None,
    )
    .unwrap();
    let c = &v.contacts[0];
    assert!(c.user_id.is_some());
    assert!(c.parent_user_id.is_some());
    assert!(c.profile.as_ref().unwrap().username.is_some());
    assert!(v.messages[0].from_user_id.is_some());
}

#[test]
fn system_message_without_contacts() {
    let Some(v) = value_of("pywa/updates/system.json", Some("phone_number_change")) else {
        return;
    };
    assert!(v.contacts.is_empty());
    let MessageContent::System {
        kind, wa_id, body, ..
    } = &v.messages[0].content
    else {
        panic!()
    };
    assert_eq!(kind.as_deref(), Some("user_changed_number"));
    assert_eq!(wa_id.as_deref(), Some("972912345678"));
    assert!(body.is_some());

    let v = value_of("pywa/updates/system.json", Some("identity_change")).unwrap();
    let m = &v.messages[0];
    assert!(
        matches!(&m.content, MessageContent::System { kind: Some(k), .. } if k == "customer_identity_changed")
    );
    assert_eq!(
        m.raw["identity"]["acknowledged"],
        json!(true),
        "identity kept in raw"
    );
}

#[test]
fn edit_and_revoke() {
    let Some(m) = first_message("pywa/updates/edited_message.json", Some("image")) else {
        return;
    };
    let MessageContent::Edit {
        original_message_id,
        message,
    } = &m.content
    else {
        panic!()
    };
    assert!(original_message_id
        .as_deref()
        .unwrap()
        .starts_with("wamid."));
    let new = message.as_ref().unwrap();
    assert_eq!(new.type_name(), "image");
    assert_eq!(m.text_or_caption(), Some("Updated image caption"));
    assert!(matches!(&new.content, MessageContent::Image(i) if i.url.is_some()));

    let m = first_message("pywa/updates/deleted_message.json", Some("revoke")).unwrap();
    assert!(matches!(
        &m.content,
        MessageContent::Revoke {
            original_message_id: Some(_)
        }
    ));
}

#[test]
fn smb_message_echoes() {
    let Some(v) = value_of("pywa/updates/outgoing_message.json", Some("text")) else {
        return;
    };
    assert!(v.messages.is_empty());
    let e = &v.message_echoes[0];
    assert_eq!(e.to_user_id.as_deref(), Some("<BSUID>"));
    assert_eq!(e.text_or_caption(), Some("Test message"));
    let v = value_of("pywa/updates/outgoing_message.json", Some("edit")).unwrap();
    assert_eq!(v.message_echoes[0].type_name(), "edit");
}

#[test]
fn unsupported_keeps_errors_and_legacy_unknown_is_unsupported() {
    let Some(m) = first_message("pywa/updates/message.json", Some("unsupported_with_type")) else {
        return;
    };
    assert!(matches!(&m.content, MessageContent::Unsupported { raw } if raw["type"] == "pool"));
    assert_eq!(m.errors[0].code, 131051);
    assert_eq!(
        m.errors[0].details.as_deref(),
        Some("Message type is currently not supported.")
    );

    let m = first_message(
        "netflie-whatsapp-cloud-api/notification-factory-test/can_build_an_unknown_notification.json",
        None,
    )
    .unwrap();
    assert!(matches!(m.content, MessageContent::Unsupported { .. }));
    assert_eq!(m.type_name(), "unknown");
    assert_eq!(
        m.errors[0].details.as_deref(),
        Some("Message type is not currently supported")
    );
}

#[test]
fn media_interactive_and_flows() {
    let Some(m) = first_message("pywa/updates/message.json", Some("voice")) else {
        return;
    };
    let MessageContent::Audio(a) = &m.content else {
        panic!()
    };
    assert_eq!(a.voice, Some(true));
    let m = first_message("pywa/updates/message.json", Some("animated_sticker")).unwrap();
    assert!(matches!(&m.content, MessageContent::Sticker(s) if s.animated == Some(true)));
    let m = first_message(
        "whatsapp-business-java-api/deserialization/audioMessage.json",
        None,
    )
    .unwrap();
    assert!(
        matches!(&m.content, MessageContent::Audio(a) if a.mime_type.as_deref() == Some("audio/ogg; codecs=opus"))
    );

    let m = first_message("pywa/updates/callback_selection.json", Some("description")).unwrap();
    assert!(matches!(
        &m.content,
        MessageContent::Interactive(InteractiveReply::ListReply {
            description: Some(_),
            ..
        })
    ));
    let m = first_message("pywa/updates/flow_completion.json", Some("completion")).unwrap();
    let MessageContent::Interactive(InteractiveReply::NfmReply { response_json, .. }) = &m.content
    else {
        panic!()
    };
    let parsed: Value = serde_json::from_str(response_json.as_deref().unwrap()).unwrap();
    assert!(parsed.is_object());
    let m = first_message("pywa/updates/call_permission_update.json", Some("accept")).unwrap();
    assert!(
        matches!(&m.content, MessageContent::Interactive(InteractiveReply::CallPermissionReply { response: Some(r), .. }) if r == "accept")
    );

    // interactive with value-level errors and no interactive object.
    let v = value_of(
        "pywa/updates/message.json",
        Some("interactive_message_with_err"),
    )
    .unwrap();
    assert_eq!(v.errors[0].code, 131000);
}

#[test]
fn context_forwarded_and_referral() {
    let Some(m) = first_message("pywa/updates/message.json", Some("forwarded_many_times")) else {
        return;
    };
    assert!(m.context.as_ref().unwrap().frequently_forwarded);
    let m = first_message("pywa/updates/message.json", Some("reply")).unwrap();
    assert!(m.context.as_ref().unwrap().id.is_some());
    let m = first_message("pywa/updates/message.json", Some("referral")).unwrap();
    assert!(m.referral.as_ref().unwrap()["source_type"].is_string());
}

#[test]
fn multiple_changes_all_parsed() {
    let Some(v) = common::fixture_json(
        "netflie-whatsapp-cloud-api/notification-factory-test/can_build_multiple_text_notification.json",
    ) else {
        return;
    };
    let p: WebhookPayload = serde_json::from_value(v).unwrap();
    assert_eq!(p.changes().count(), 2);
    assert_eq!(p.messages_values().count(), 2);
}

#[test]
fn other_fields_are_typed() {
    let Some(v) = common::fixture_json("pywa/updates/template_status_update.json") else {
        return;
    };
    for body in v.as_object().unwrap().values() {
        let p: WebhookPayload = serde_json::from_value(body.clone()).unwrap();
        let ChangeValue::TemplateStatusUpdate(t) = &p.changes().next().unwrap().value else {
            panic!()
        };
        assert!(t.event.is_some());
        assert!(t.message_template_id.is_some(), "numeric id kept as string");
    }
    let v = common::fixture_json("pywa/updates/call_terminate.json").unwrap();
    let p: WebhookPayload = serde_json::from_value(v["call_terminate"].clone()).unwrap();
    let ChangeValue::Calls(c) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(c.calls[0].duration, Some(120));
    assert_eq!(c.errors[0].code, 12455);
    assert_eq!(c.errors[0].details.as_deref(), Some("ERROR_DETAILS"));
}

// ---- small inline inputs, one per fault kind ----

fn wrap(value: Value, field: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": 102290129340398u64, "time": 1750090702, "changes": [{"field": field, "value": value}]}]
    }))
    .unwrap()
}

fn meta() -> Value {
    json!({"display_phone_number": "15550783881", "phone_number_id": 106540352242922u64})
}

#[test]
fn ids_and_timestamps_as_strings_or_numbers() {
    let body = wrap(
        json!({"messaging_product":"whatsapp","metadata": meta(),
               "messages":[{"from": 15550000001u64, "id":"wamid.A", "timestamp": 1750090702, "type":"text","text":{"body":"hi"}},
                           {"from": "15550000001", "id":"wamid.B", "timestamp": "1750090703", "type":"text","text":{"body":"hi"}}],
               "statuses":[{"id":"wamid.C","status":"delivered","timestamp":1750090704,"recipient_id":15550000002u64,
                            "conversation":{"id":"c","expiration_timestamp":1750176000,"origin":{"type":"new_origin"}},
                            "pricing":{"billable":"true","pricing_model":"NEW_MODEL","category":"new_category"}}]}),
        "messages",
    );
    let p = WebhookPayload::from_slice(&body).unwrap();
    assert_eq!(p.entry[0].id, "102290129340398");
    assert_eq!(p.entry[0].time, Some(1750090702));
    let v = p.messages_values().next().unwrap();
    assert_eq!(v.metadata.phone_number_id, "106540352242922");
    assert_eq!(v.messages[0].from.as_deref(), Some("15550000001"));
    assert_eq!(v.messages[0].timestamp, 1750090702);
    assert_eq!(v.messages[1].timestamp, 1750090703);
    let s = &v.statuses[0];
    assert_eq!(s.recipient_id.as_deref(), Some("15550000002"));
    assert_eq!(
        s.pricing.as_ref().unwrap().category.as_deref(),
        Some("new_category")
    );
    assert_eq!(s.pricing.as_ref().unwrap().billable, Some(true));
}

#[test]
fn new_message_type_new_status_and_new_field_are_kept_not_failed() {
    let body = wrap(
        json!({"metadata": meta(),
               "messages":[{"from":"15550000001","id":"wamid.N","timestamp":"1750090702","type":"hologram","hologram":{"x":1}}],
               "statuses":[{"id":"wamid.S","status":"teleported","timestamp":"1750090702"}]}),
        "messages",
    );
    let p = WebhookPayload::from_slice(&body).unwrap();
    let v = p.messages_values().next().unwrap();
    let m = &v.messages[0];
    assert_eq!(m.type_name(), "hologram");
    assert!(matches!(&m.content, MessageContent::Unknown { raw, .. } if raw["hologram"]["x"] == 1));
    assert_eq!(v.statuses[0].status, StatusKind::Other("teleported".into()));

    let p =
        WebhookPayload::from_slice(&wrap(json!({"anything": [1, 2]}), "brand_new_field")).unwrap();
    let c = p.changes().next().unwrap();
    assert_eq!(c.field, "brand_new_field");
    assert!(matches!(&c.value, ChangeValue::Unknown(v) if v["anything"][1] == 2));
    // And it serialises back to Meta's shape.
    let back = serde_json::to_value(&p).unwrap();
    assert_eq!(back["entry"][0]["changes"][0]["field"], "brand_new_field");
    assert_eq!(
        back["entry"][0]["changes"][0]["value"]["anything"],
        json!([1, 2])
    );
}

#[test]
fn status_contacts_without_profile_or_user_id() {
    let body = wrap(
        json!({"metadata": meta(), "contacts":[{"wa_id":"15550000001"}, {"user_id":"US.1"}],
               "statuses":[{"id":"wamid.S","status":"read","timestamp":"1750090702"}]}),
        "messages",
    );
    let p = WebhookPayload::from_slice(&body).unwrap();
    let v = p.messages_values().next().unwrap();
    assert_eq!(v.contacts.len(), 2);
    assert!(v.contacts[0].profile.is_none());
    assert!(v.contacts[0].user_id.is_none());
    assert!(v.contacts[1].wa_id.is_none());
}
