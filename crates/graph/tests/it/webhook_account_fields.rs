//! The account, phone number, partner, payment, ads, Flows, Groups and Calling webhook
//! fields: each parsed from a payload in the syntax of Meta's reference page for the
//! field (placeholders replaced by values of the kind the page documents), its values
//! checked, and serialised back without losing a field. Real payloads from the shared
//! fixtures where they exist.

use crate::common::{self, deliver, prune, value_back};

use serde_json::json;
use wacloud_graph::webhook::{ChangeValue, WebhookPayload};
use wacloud_graph::ErrorClass;

#[test]
fn account_alerts() {
    let value = json!({
        "entity_type": "PHONE_NUMBER",
        "entity_id": "106540352242922",
        "alert_info": {"alert_severity": "WARNING", "alert_status": "ACTIVE",
                       "alert_type": "OBA_REJECTED",
                       "alert_description": "Your request for Official Business Account status was not approved."}
    });
    let p = deliver("account_alerts", value.clone());
    let ChangeValue::AccountAlerts(a) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(a.entity_type.as_deref(), Some("PHONE_NUMBER"));
    assert_eq!(a.entity_id.as_deref(), Some("106540352242922"));
    let info = a.alert_info.as_ref().unwrap();
    assert_eq!(info.alert_severity.as_deref(), Some("WARNING"));
    assert_eq!(info.alert_type.as_deref(), Some("OBA_REJECTED"));
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn business_capability_update_with_unlimited() {
    let value = json!({
        "max_daily_conversation_per_phone": 2000,
        "max_daily_conversations_per_business": -1,
        "max_phone_numbers_per_business": 25,
        "max_phone_numbers_per_waba": 25
    });
    let p = deliver("business_capability_update", value.clone());
    let ChangeValue::BusinessCapabilityUpdate(b) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(b.max_daily_conversation_per_phone, Some(2000));
    assert_eq!(b.max_daily_conversations_per_business, Some(-1));
    assert_eq!(b.max_phone_numbers_per_waba, Some(25));
    assert_eq!(value_back(&p), prune(value));
    // Numbers sent as strings parse too.
    let p = deliver(
        "business_capability_update",
        json!({"max_phone_numbers_per_business": "2"}),
    );
    let ChangeValue::BusinessCapabilityUpdate(b) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(b.max_phone_numbers_per_business, Some(2));
}

#[test]
fn security_pin_changed() {
    let value = json!({"display_phone_number": "15550783881", "event": "PIN_CHANGED",
                       "requester": "2519190501594562"});
    let p = deliver("security", value.clone());
    let ChangeValue::Security(s) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(s.event.as_deref(), Some("PIN_CHANGED"));
    assert_eq!(s.requester.as_deref(), Some("2519190501594562"));
    assert_eq!(s.display_phone_number.as_deref(), Some("15550783881"));
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn partner_solutions_status() {
    let value = json!({"event": "SOLUTION_CREATED", "solution_id": "1415090225963479",
                       "solution_status": "INITIATED"});
    let p = deliver("partner_solutions", value.clone());
    let ChangeValue::PartnerSolutions(s) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(s.solution_id.as_deref(), Some("1415090225963479"));
    assert_eq!(s.solution_status.as_deref(), Some("INITIATED"));
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn payment_configuration_update() {
    let value = json!({"configuration_name": "test-payment-configuration",
                       "provider_name": "razorpay", "provider_mid": "102290129340398",
                       "status": "Active", "created_timestamp": 1720765200,
                       "updated_timestamp": 1720765300});
    let p = deliver("payment_configuration_update", value.clone());
    let ChangeValue::PaymentConfigurationUpdate(c) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(
        c.configuration_name.as_deref(),
        Some("test-payment-configuration")
    );
    assert_eq!(c.provider_mid.as_deref(), Some("102290129340398"));
    assert_eq!(c.created_timestamp, Some(1720765200));
    assert_eq!(c.updated_timestamp, Some(1720765300));
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn phone_number_quality_update_with_old_limit_and_portfolio_limit() {
    let value = json!({"display_phone_number": "15550783881", "event": "UPGRADE",
                       "old_limit": "TIER_250", "current_limit": "TIER_1K",
                       "max_daily_conversations_per_business": "1000"});
    let p = deliver("phone_number_quality_update", value.clone());
    let ChangeValue::PhoneNumberQualityUpdate(q) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(q.old_limit.as_deref(), Some("TIER_250"));
    assert_eq!(q.current_limit.as_deref(), Some("TIER_1K"));
    assert_eq!(
        q.max_daily_conversations_per_business.as_deref(),
        Some("1000")
    );
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn automatic_events_lead_and_purchase() {
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "automatic_events": [
            {"id": "wamid.LEAD", "event_name": "LeadSubmitted", "timestamp": 1750090702,
             "ctwa_clid": "Afc3nYt4TTydumlFFsatFz8bU9zTmdOVB8LGXgYBRXb"},
            {"id": "wamid.BUY", "event_name": "Purchase", "timestamp": 1750090800,
             "ctwa_clid": "Afc3nYt4TTydumlFFsatFz8bU9zTmdOVB8LGXgYBRXb",
             "custom_data": {"currency": "USD", "value": 25.5}}
        ]
    });
    let p = deliver("automatic_events", value.clone());
    let ChangeValue::AutomaticEvents(a) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(a.automatic_events.len(), 2);
    assert_eq!(
        a.automatic_events[0].event_name.as_deref(),
        Some("LeadSubmitted")
    );
    assert!(a.automatic_events[0].custom_data.is_none());
    let purchase = &a.automatic_events[1];
    assert_eq!(purchase.timestamp, Some(1750090800));
    let data = purchase.custom_data.as_ref().unwrap();
    assert_eq!(data.currency.as_deref(), Some("USD"));
    assert_eq!(data.value, Some(json!(25.5)));
    assert_eq!(value_back(&p), prune(value));
}

#[test]
fn flows_status_change_and_alert() {
    let value = json!({"event": "FLOW_STATUS_CHANGE",
                       "message": "Flow Webhook 3 changed status from DRAFT to PUBLISHED",
                       "flow_id": "6627390910605886", "old_status": "DRAFT",
                       "new_status": "PUBLISHED"});
    let p = deliver("flows", value.clone());
    let ChangeValue::Flows(f) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(f.flow_id.as_deref(), Some("6627390910605886"));
    assert_eq!(
        (f.old_status.as_deref(), f.new_status.as_deref()),
        (Some("DRAFT"), Some("PUBLISHED"))
    );
    assert_eq!(value_back(&p), prune(value));

    let alert = json!({"event": "ENDPOINT_ERROR_RATE", "flow_id": "6627390910605886",
                       "alert_state": "ACTIVATED", "error_rate": 0.1, "threshold": 0.05});
    let p = deliver("flows", alert.clone());
    let ChangeValue::Flows(f) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(f.alert_state.as_deref(), Some("ACTIVATED"));
    assert_eq!(f.extra["threshold"], json!(0.05));
    assert_eq!(value_back(&p), prune(alert));
}

#[test]
fn group_lifecycle_create_succeeded_and_failed() {
    // Meta's "Group create succeed" example of the Groups API webhooks page.
    let value = json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "groups": [{"timestamp": 1750090702, "group_id": "120363419312468390",
                    "type": "group_create", "request_id": "6b5a1d1c-4c3e",
                    "subject": "test invite link",
                    "invite_link": "https://chat.whatsapp.com/LINK_ID",
                    "join_approval_mode": "auto_approve"}]
    });
    let p = deliver("group_lifecycle_update", value.clone());
    let ChangeValue::GroupLifecycleUpdate(g) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let e = &g.groups[0];
    assert_eq!(e.kind.as_deref(), Some("group_create"));
    assert_eq!(e.group_id.as_deref(), Some("120363419312468390"));
    assert_eq!(e.subject.as_deref(), Some("test invite link"));
    assert_eq!(
        e.invite_link.as_deref(),
        Some("https://chat.whatsapp.com/LINK_ID")
    );
    assert!(!e.failed());
    assert_eq!(value_back(&p), prune(value));

    let p = deliver(
        "group_lifecycle_update",
        json!({"messaging_product": "whatsapp",
               "groups": [{"timestamp": "1750090702", "type": "group_create", "request_id": "r2",
                           "errors": [{"code": 131211, "message": "Group creation limit reached",
                                       "error_data": {"details": "Reached the limit for the maximum number of groups"}}]}]}),
    );
    let ChangeValue::GroupLifecycleUpdate(g) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let e = &g.groups[0];
    assert!(e.failed() && e.group_id.is_none());
    assert_eq!(e.timestamp, Some(1750090702));
    assert_eq!(e.errors[0].code, 131211);
    assert_eq!(e.errors[0].class(), ErrorClass::InvalidRequest);
}

#[test]
fn group_participants_settings_and_status_updates() {
    let participants = json!({
        "messaging_product": "whatsapp",
        "groups": [{"timestamp": 1750090702, "group_id": "120363419312468390",
                    "type": "group_add_participants", "request_id": "r3",
                    "added_participants": [{"input": "16505551234", "wa_id": "16505551234"}],
                    "failed_participants": [{"input": "16505550000",
                                             "errors": [{"code": 131212, "message": "Participant is not a part of the group"}]}]}]
    });
    let p = deliver("group_participants_update", participants.clone());
    let ChangeValue::GroupParticipantsUpdate(g) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let e = &g.groups[0];
    assert_eq!(
        e.added_participants[0].wa_id.as_deref(),
        Some("16505551234")
    );
    assert_eq!(
        e.failed_participants[0].input.as_deref(),
        Some("16505550000")
    );
    assert_eq!(e.failed_participants[0].errors[0].code, 131212);
    assert_eq!(value_back(&p), prune(participants));

    let settings = json!({
        "messaging_product": "whatsapp",
        "groups": [{"timestamp": 1750090702, "group_id": "120363419312468390",
                    "type": "group_settings_update", "request_id": "r4",
                    "group_subject": {"text": "Order updates", "update_successful": true},
                    "profile_picture": {"mime_type": "image/jpeg", "sha256": "3b2c", "update_successful": false,
                                        "errors": [{"code": 131209, "message": "Width and height of the image must be equal"}]}}]
    });
    let p = deliver("group_settings_update", settings.clone());
    let ChangeValue::GroupSettingsUpdate(g) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let e = &g.groups[0];
    let subject = e.group_subject.as_ref().unwrap();
    assert_eq!(
        (subject.text.as_deref(), subject.update_successful),
        (Some("Order updates"), Some(true))
    );
    let picture = e.profile_picture.as_ref().unwrap();
    assert_eq!(picture.update_successful, Some(false));
    assert_eq!(picture.errors[0].code, 131209);
    assert_eq!(value_back(&p), prune(settings));

    let p = deliver(
        "group_status_update",
        json!({"messaging_product": "whatsapp",
               "groups": [{"timestamp": 1750090702, "group_id": "120363419312468390", "type": "group_suspend"}]}),
    );
    let ChangeValue::GroupStatusUpdate(g) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(g.groups[0].kind.as_deref(), Some("group_suspend"));
}

#[test]
fn calls_connect_session_and_terminate_times_from_fixtures() {
    let Some(v) = common::fixture_json("pywa/updates/call_connect.json") else {
        return;
    };
    let p: WebhookPayload = serde_json::from_value(v["user_initiated"].clone()).unwrap();
    let ChangeValue::Calls(c) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let session = c.calls[0].session.as_ref().unwrap();
    assert_eq!(session.sdp_type.as_deref(), Some("offer"));
    assert_eq!(session.sdp.as_deref(), Some("<<RFC 8866 SDP>>"));
    assert_eq!(
        c.contacts[0].user_id.as_deref(),
        Some("US.13491208655302741918")
    );

    let v = common::fixture_json("pywa/updates/call_terminate.json").unwrap();
    let p: WebhookPayload = serde_json::from_value(v["call_terminate"].clone()).unwrap();
    let ChangeValue::Calls(c) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let call = &c.calls[0];
    assert_eq!(call.status.as_deref(), Some("COMPLETED"));
    assert_eq!(
        (call.start_time, call.end_time),
        (Some(1671644824), Some(1671644944))
    );
    assert_eq!(call.duration, Some(120));

    let p = deliver(
        "calls",
        json!({"messaging_product": "whatsapp",
               "calls": [{"id": "wacid.X", "from": "16315553601", "to": "16505551234",
                          "to_user_id": "US.1", "to_parent_user_id": "US.ENT.1",
                          "event": "connect", "direction": "BUSINESS_INITIATED",
                          "timestamp": "1752582933"}]}),
    );
    let ChangeValue::Calls(c) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(c.calls[0].to_user_id.as_deref(), Some("US.1"));
    assert_eq!(c.calls[0].to_parent_user_id.as_deref(), Some("US.ENT.1"));
}

#[test]
fn account_update_partner_and_preferences_signup_from_fixtures() {
    let Some(v) = common::fixture_json("pywa/updates/account_update.json") else {
        return;
    };
    let p: WebhookPayload = serde_json::from_value(v["partner_app_installed"].clone()).unwrap();
    let ChangeValue::AccountUpdate(u) = &p.changes().next().unwrap().value else {
        panic!()
    };
    let info = u.waba_info.as_ref().unwrap();
    assert_eq!(info.partner_app_id.as_deref(), Some("5731794616896507"));
    assert_eq!(info.solution_partner_business_ids.len(), 2);
    let p: WebhookPayload =
        serde_json::from_value(v["primary_business_location_set"].clone()).unwrap();
    let ChangeValue::AccountUpdate(u) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(u.country.as_deref(), Some("IN"));

    let v = common::fixture_json("pywa/updates/user_marketing_preferences.json").unwrap();
    let p: WebhookPayload = serde_json::from_value(v["signup"].clone()).unwrap();
    let ChangeValue::UserPreferences(u) = &p.changes().next().unwrap().value else {
        panic!()
    };
    assert_eq!(
        u.user_preferences[0].signup_id.as_deref(),
        Some("13176843987434774")
    );
}
