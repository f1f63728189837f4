//! The phone number operations (`wacloud_graph::phone_numbers`) against a mock Graph
//! API: each sends exactly the request Meta documents (method, path, query, bearer
//! token, body; the spec's request examples where it has them) and parses Meta's
//! documented answer; the local checks refuse before any request.

use serde_json::{json, Value};
use wacloud_graph::phone_numbers::{
    BotCommand, CallingSettingsUpdate, CodeMethod, ConversationalAutomation, FeatureStatus,
    PhoneNumberSettingsUpdate, PhoneNumberUpdate, Registration, SearchVisibility,
};
use wacloud_graph::GraphError;

use crate::graph_mock::{answering, assert_request, spec_example, PHONE_ID};

const NUMBER: &str = "/{Version}/{Phone-Number-ID}";

fn ok() -> Value {
    json!({"success": true})
}

#[tokio::test]
async fn register_sends_the_pin_and_a_migration_backup() {
    let path = format!("{NUMBER}/register");
    let answer =
        spec_example("POST", &path, Some("200"), "successful_registration").unwrap_or_else(ok);
    let (server, c) = answering(200, answer).await;
    c.register_phone_number(&Registration::new("123456").unwrap())
        .await
        .unwrap();
    let want = spec_example("POST", &path, None, "basic_registration")
        .unwrap_or_else(|| json!({"messaging_product": "whatsapp", "pin": "123456"}));
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/register"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    let r = Registration::new("123456")
        .unwrap()
        .backup("YOUR_BACKUP_PASSWORD", "YOUR_BACKUP_DATA");
    c.register_phone_number(&r).await.unwrap();
    let want = spec_example("POST", &path, None, "migration_registration").unwrap_or_else(|| {
        json!({"messaging_product": "whatsapp", "pin": "123456",
               "backup": {"password": "YOUR_BACKUP_PASSWORD", "data": "YOUR_BACKUP_DATA"}})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/register"),
        &[],
        Some(want),
    )
    .await;
}

#[tokio::test]
async fn register_refuses_a_pin_that_is_not_six_digits() {
    for pin in ["12345", "1234567", "12a456", ""] {
        let e = Registration::new(pin).unwrap_err();
        assert_eq!(e.field, "pin", "{pin:?}");
    }
}

#[tokio::test]
async fn register_surfaces_metas_refusal() {
    let (_server, c) = answering(
        400,
        json!({"error": {"message": "PIN mismatch", "type": "OAuthException",
                         "code": 133005, "fbtrace_id": "Ax1"}}),
    )
    .await;
    let e = c
        .register_phone_number(&Registration::new("654321").unwrap())
        .await
        .unwrap_err();
    match e {
        GraphError::Api(a) => {
            assert_eq!(a.code, 133005);
            assert_eq!(
                a.request.as_deref(),
                Some(format!("POST /v25.0/{PHONE_ID}/register").as_str())
            );
        }
        other => panic!("expected Meta's error, got {other:?}"),
    }
}

#[tokio::test]
async fn deregister_posts_without_a_body() {
    let answer = spec_example(
        "POST",
        &format!("{NUMBER}/deregister"),
        Some("200"),
        "successful_deregistration",
    )
    .unwrap_or_else(ok);
    let (server, c) = answering(200, answer).await;
    c.deregister_phone_number().await.unwrap();
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/deregister"),
        &[],
        None,
    )
    .await;
}

#[tokio::test]
async fn a_success_false_answer_is_an_error() {
    let (_server, c) = answering(200, json!({"success": false})).await;
    let e = c.deregister_phone_number().await.unwrap_err();
    assert!(matches!(e, GraphError::Decode { .. }), "{e:?}");
}

#[tokio::test]
async fn request_and_verify_code() {
    let path = format!("{NUMBER}/request_code");
    let (server, c) = answering(200, ok()).await;
    c.request_verification_code(CodeMethod::Voice, "es_ES")
        .await
        .unwrap();
    let want = spec_example("POST", &path, None, "voice_verification")
        .unwrap_or_else(|| json!({"code_method": "VOICE", "language": "es_ES"}));
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/request_code"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    let e = c
        .request_verification_code(CodeMethod::Sms, "english")
        .await
        .unwrap_err();
    assert!(
        matches!(e, GraphError::Validation(ref v) if v.field == "language"),
        "{e:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    let path = format!("{NUMBER}/verify_code");
    let answer = spec_example("POST", &path, Some("200"), "successful_verification")
        .unwrap_or_else(|| json!({"success": true, "id": "1234567890123456"}));
    let (server, c) = answering(200, answer).await;
    let v = c.verify_code("123456").await.unwrap();
    assert!(v.success);
    assert_eq!(v.id.as_deref(), Some("1234567890123456"));
    let want = spec_example("POST", &path, None, "verify_code")
        .unwrap_or_else(|| json!({"code": "123456"}));
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/verify_code"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    assert!(matches!(
        c.verify_code("12 456").await,
        Err(GraphError::Validation(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn update_phone_number_sends_only_what_is_set() {
    let answer =
        spec_example("POST", NUMBER, Some("200"), "two_step_verification_set").unwrap_or_else(ok);
    let (server, c) = answering(200, answer).await;
    c.set_two_step_pin("123456").await.unwrap();
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}"),
        &[],
        Some(json!({"pin": "123456"})),
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    c.update_phone_number(&PhoneNumberUpdate::new().new_display_name("My New Business Name"))
        .await
        .unwrap();
    let want = spec_example("POST", NUMBER, None, "update_display_name")
        .unwrap_or_else(|| json!({"new_display_name": "My New Business Name"}));
    assert_request(&server, "POST", &format!("/{PHONE_ID}"), &[], Some(want)).await;

    let (server, c) = answering(200, ok()).await;
    let u = PhoneNumberUpdate::new()
        .security_notifications(true, false)
        .search_visibility(SearchVisibility::Visible)
        .webhook_override(
            "https://your-domain.com/webhook/override",
            "YOUR_VERIFY_TOKEN",
        )
        .username("mybusiness");
    c.update_phone_number(&u).await.unwrap();
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}"),
        &[],
        Some(json!({
            "whatsapp_business_api_data": {"show_security_notifications": true, "notify_user_change_number": false},
            "search_visibility": "VISIBLE",
            "webhook_configuration": {"override_callback_uri": "https://your-domain.com/webhook/override",
                                      "verify_token": "YOUR_VERIFY_TOKEN"},
            "username": "mybusiness",
        })),
    )
    .await;
}

#[tokio::test]
async fn update_phone_number_checks_limits_first() {
    let (server, c) = answering(200, ok()).await;
    for (u, field) in [
        (PhoneNumberUpdate::new(), "phone_number"),
        (PhoneNumberUpdate::new().pin("12345"), "pin"),
        (
            PhoneNumberUpdate::new().new_display_name("A"),
            "new_display_name",
        ),
        (
            PhoneNumberUpdate::new().new_display_name("x".repeat(76)),
            "new_display_name",
        ),
        (
            PhoneNumberUpdate::new().webhook_override("ftp://example.com/hook", "t"),
            "webhook_configuration.override_callback_uri",
        ),
    ] {
        match c.update_phone_number(&u).await {
            Err(GraphError::Validation(v)) => assert_eq!(v.field, field),
            other => panic!("{field}: expected a validation error, got {other:?}"),
        }
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn settings_are_read_and_changed_one_feature_at_a_time() {
    let path = format!("{NUMBER}/settings");
    let answer = spec_example("GET", &path, Some("200"), "Settings with SIP and encryption").unwrap_or_else(|| {
        json!({"calling": {"status": "enabled", "call_icon_visibility": "visible",
                           "srtp_key_exchange_protocol": "DTLS-SRTP",
                           "sip": {"status": "enabled", "servers": [{"app_id": "12345", "hostname": "sip.whatsapp.com", "port": 5060}]},
                           "ip_addresses": {"default": ["157.240.0.1"]}, "callback_permission_status": "enabled"},
               "payload_encryption": {"status": "enabled"},
               "storage_configuration": {"status": "default"}})
    });
    let (server, c) = answering(200, answer).await;
    let s = c.phone_number_settings(true).await.unwrap();
    let calling = s.calling.expect("calling");
    assert_eq!(calling.status.as_deref(), Some("enabled"));
    assert_eq!(
        calling.srtp_key_exchange_protocol.as_deref(),
        Some("DTLS-SRTP")
    );
    assert_eq!(
        calling.sip.as_ref().unwrap()["servers"][0]["hostname"],
        "sip.whatsapp.com"
    );
    assert!(calling.extra.contains_key("ip_addresses"));
    assert_eq!(
        s.payload_encryption.unwrap().status.as_deref(),
        Some("enabled")
    );
    assert!(s.storage_configuration.is_some());
    assert_request(
        &server,
        "GET",
        &format!("/{PHONE_ID}/settings"),
        &[("include_sip_credentials", "true")],
        None,
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    c.phone_number_settings(false).await.unwrap();
    assert_request(&server, "GET", &format!("/{PHONE_ID}/settings"), &[], None).await;

    let cases = [
        (
            "Enable calling with video",
            PhoneNumberSettingsUpdate::Calling(
                CallingSettingsUpdate::new(FeatureStatus::Enabled)
                    .call_icon_visible(true)
                    .video(FeatureStatus::Enabled),
            ),
            json!({"calling": {"status": "enabled", "call_icon_visibility": "visible", "video": {"status": "enabled"}}}),
        ),
        (
            "Enable SIP calling",
            PhoneNumberSettingsUpdate::Calling(
                CallingSettingsUpdate::new(FeatureStatus::Enabled)
                    .sip(FeatureStatus::Enabled, Some("DTLS-SRTP")),
            ),
            json!({"calling": {"status": "enabled", "sip": {"status": "enabled"}, "srtp_key_exchange_protocol": "DTLS-SRTP"}}),
        ),
        (
            "Disable calling",
            PhoneNumberSettingsUpdate::Calling(CallingSettingsUpdate::new(FeatureStatus::Disabled)),
            json!({"calling": {"status": "disabled"}}),
        ),
        (
            "Enable user identity change",
            PhoneNumberSettingsUpdate::UserIdentityChange { enabled: true },
            json!({"user_identity_change": {"enabled": true}}),
        ),
        (
            "Disable payload encryption",
            PhoneNumberSettingsUpdate::PayloadEncryption {
                status: FeatureStatus::Disabled,
                client_encryption_key: None,
            },
            json!({"payload_encryption": {"status": "disabled"}}),
        ),
        (
            "Configure data storage",
            PhoneNumberSettingsUpdate::StorageConfiguration {
                enabled: true,
                region: Some("us".into()),
            },
            json!({"storage_configuration": {"enabled": true, "region": "us"}}),
        ),
    ];
    for (example, update, fallback) in cases {
        let want = spec_example("POST", &path, None, example).unwrap_or(fallback);
        let (server, c) = answering(200, ok()).await;
        c.update_phone_number_settings(&update).await.unwrap();
        assert_request(
            &server,
            "POST",
            &format!("/{PHONE_ID}/settings"),
            &[],
            Some(want),
        )
        .await;
    }
}

#[tokio::test]
async fn conversational_automation_matches_the_documented_body() {
    let path = format!("{NUMBER}/conversational_automation");
    let a = ConversationalAutomation::new()
        .enable_welcome_message(false)
        .prompts(vec![])
        .commands(vec![
            BotCommand::new("help", "Get help with your order"),
            BotCommand::new("status", "Check your order status"),
            BotCommand::new("support", "Contact customer support"),
        ]);
    let answer = spec_example("POST", &path, Some("200"), "success_response").unwrap_or_else(ok);
    let (server, c) = answering(200, answer).await;
    c.configure_conversational_automation(&a).await.unwrap();
    let want = spec_example("POST", &path, None, "setup_bot_commands").unwrap_or_else(|| {
        json!({"enable_welcome_message": false, "prompts": [], "commands": [
            {"command_name": "help", "command_description": "Get help with your order"},
            {"command_name": "status", "command_description": "Check your order status"},
            {"command_name": "support", "command_description": "Contact customer support"}]})
    });
    assert_request(
        &server,
        "POST",
        &format!("/{PHONE_ID}/conversational_automation"),
        &[],
        Some(want),
    )
    .await;

    let (server, c) = answering(200, ok()).await;
    let bad = [
        ConversationalAutomation::new().prompts(vec!["a".into(); 4]),
        ConversationalAutomation::new().commands(vec![BotCommand::new("/help", "x")]),
        ConversationalAutomation::new()
            .commands(vec![BotCommand::new("a", "x"), BotCommand::new("a", "y")]),
        ConversationalAutomation::new().commands(vec![BotCommand::new("a", "x".repeat(257))]),
    ];
    for a in bad {
        assert!(
            matches!(
                c.configure_conversational_automation(&a).await,
                Err(GraphError::Validation(_))
            ),
            "{a:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
