//! The table of [`super`] for the covered operations without a request body (and the send,
//! whose body `spec_examples` checks): one call each.

use wacloud_graph::messages::{OutboundMessage, Recipient};

use crate::request_schemas::calls::{done, Call};

const BIZ: &str = "506914307656634";
const ID: &str = "1234567890123456";

/// `(method, path, call)`; several rows for one operation are tried in turn, the answer
/// must parse for one of them (the send endpoint answers a read receipt differently).
pub(crate) const READS: &[(&str, &str, Call)] = &[
    (
        "GET",
        "/{Version}/{Application-ID}/connected_client_businesses",
        |c| Box::pin(async move { done(c.connected_client_businesses("1234567890").await) }),
    ),
    (
        "GET",
        "/{Version}/{Application-ID}/whatsapp_business_solutions",
        |c| Box::pin(async move { done(c.app_solutions("1234567890", None).await) }),
    ),
    ("GET", "/{Version}/{Business-ID}", |c| {
        Box::pin(async move { done(c.business_portfolio(BIZ, None).await) })
    }),
    ("GET", "/{Version}/{Business-ID}/preverified_numbers", |c| {
        Box::pin(async move { done(c.preverified_numbers(BIZ, None).await) })
    }),
    (
        "GET",
        "/{Version}/{Business-ID}/client_whatsapp_business_accounts",
        |c| Box::pin(async move { done(c.client_wabas(BIZ).await) }),
    ),
    (
        "POST",
        "/{Version}/{Business-ID}/onboard_partners_to_mm_lite",
        |c| Box::pin(async move { done(c.onboard_partners_to_mm_lite(BIZ, Some(ID)).await) }),
    ),
    (
        "GET",
        "/{Version}/{Business-ID}/owned_whatsapp_business_accounts",
        |c| Box::pin(async move { done(c.owned_wabas(BIZ).await) }),
    ),
    ("GET", "/{Version}/{Phone-Number-ID}/block_users", |c| {
        Box::pin(async move { done(c.blocked_users().await) })
    }),
    (
        "GET",
        "/{Version}/{Phone-Number-ID}/call_permissions",
        |c| Box::pin(async move { done(c.call_permissions("14085551234").await) }),
    ),
    ("GET", "/{Version}/{Phone-Number-ID}/groups", |c| {
        Box::pin(async move { done(c.active_groups(None, None).await) })
    }),
    ("GET", "/{Version}/{Phone-Number-ID}/message_qrdls", |c| {
        Box::pin(async move { done(c.list_qr_codes(None).await) })
    }),
    (
        "GET",
        "/{Version}/{Phone-Number-ID}/message_qrdls/{QR-Code-ID}",
        |c| Box::pin(async move { done(c.get_qr_code("4O4YGZEG3RIVE1", None).await) }),
    ),
    (
        "DELETE",
        "/{Version}/{Phone-Number-ID}/message_qrdls/{QR-Code-ID}",
        |c| Box::pin(async move { done(c.delete_qr_code("4O4YGZEG3RIVE1").await) }),
    ),
    (
        "GET",
        "/{Version}/{Phone-Number-ID}/official_business_account",
        |c| Box::pin(async move { done(c.official_business_account().await) }),
    ),
    ("GET", "/{Version}/{Phone-Number-ID}", |c| {
        Box::pin(async move { done(c.phone_number_details().await) })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/deregister", |c| {
        Box::pin(async move { done(c.deregister_phone_number().await) })
    }),
    ("GET", "/{Version}/{Phone-Number-ID}/message_history", |c| {
        Box::pin(async move { done(c.message_history(None).await) })
    }),
    ("GET", "/{Version}/{Phone-Number-ID}/settings", |c| {
        Box::pin(async move { done(c.phone_number_settings(false).await) })
    }),
    (
        "GET",
        "/{Version}/{Phone-Number-ID}/whatsapp_business_encryption",
        |c| Box::pin(async move { done(c.business_encryption_key().await) }),
    ),
    (
        "GET",
        "/{Version}/{Phone-Number-ID}/whatsapp_business_profile",
        |c| Box::pin(async move { done(c.business_profile().await) }),
    ),
    (
        "GET",
        "/{Version}/{Phone-Number-ID}/whatsapp_commerce_settings",
        |c| Box::pin(async move { done(c.commerce_settings().await) }),
    ),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/whatsapp_commerce_settings",
        |c| Box::pin(async move { done(c.update_commerce_settings(Some(true), None).await) }),
    ),
    (
        "GET",
        "/{Version}/{Phone-Number-ID}/business_compliance_info",
        |c| Box::pin(async move { done(c.business_compliance_info().await) }),
    ),
    ("GET", "/{Version}/{group_id}/join_requests", |c| {
        Box::pin(async move { done(c.group_join_requests("Y2FwaV9ncm91cDo").await) })
    }),
    ("GET", "/{Version}/{group_id}", |c| {
        Box::pin(async move { done(c.group_info("Y2FwaV9ncm91cDo").await) })
    }),
    ("DELETE", "/{Version}/{group_id}", |c| {
        Box::pin(async move { done(c.delete_group("Y2FwaV9ncm91cDo").await) })
    }),
    ("GET", "/{Version}/{Media-ID}", |c| {
        Box::pin(async move { done(c.media_info("1037543291543636").await) })
    }),
    ("DELETE", "/{Version}/{Media-ID}", |c| {
        Box::pin(async move { done(c.delete_media("1037543291543636").await) })
    }),
    ("GET", "/{Version}/{Message-History-ID}/events", |c| {
        Box::pin(async move { done(c.message_history_events(ID, None).await) })
    }),
    ("GET", "/{Version}/{Migration-Intent-ID}", |c| {
        Box::pin(async move { done(c.migration_intent(ID).await) })
    }),
    ("GET", "/{Version}/{Pre-Verified-Phone-Number-ID}", |c| {
        Box::pin(async move { done(c.preverified_number(ID).await) })
    }),
    ("DELETE", "/{Version}/{Pre-Verified-Phone-Number-ID}", |c| {
        Box::pin(async move { done(c.delete_preverified_number(ID).await) })
    }),
    (
        "GET",
        "/{Version}/{Pre-Verified-Phone-Number-ID}/partners",
        |c| Box::pin(async move { done(c.preverified_number_partners(ID).await) }),
    ),
    ("GET", "/{Version}/{Solution-ID}/access_token", |c| {
        Box::pin(async move { done(c.solution_access_token(ID, BIZ).await) })
    }),
    ("GET", "/{Version}/{Solution-ID}", |c| {
        Box::pin(async move { done(c.solution(ID).await) })
    }),
    (
        "GET",
        "/{Version}/{User-ID}/assigned_whatsapp_business_accounts",
        |c| Box::pin(async move { done(c.assigned_wabas(ID).await) }),
    ),
    ("GET", "/{Version}/{WhatsApp-Account-Number-ID}", |c| {
        Box::pin(async move { done(c.account_number_details(ID, None).await) })
    }),
    (
        "GET",
        "/{Version}/{WhatsApp-Business-Account-ID}/assigned_users",
        |c| Box::pin(async move { done(c.assigned_users(BIZ).await) }),
    ),
    ("GET", "/{Version}/{Business-ID}/extendedcredits", |c| {
        Box::pin(async move { done(c.credit_lines(BIZ).await) })
    }),
    ("GET", "/{Version}/{WABA-ID}/flows", |c| {
        Box::pin(async move { done(c.list_flows().await) })
    }),
    ("GET", "/{Version}/{Flow-ID}", |c| {
        Box::pin(async move { done(c.get_flow(ID, None).await) })
    }),
    ("DELETE", "/{Version}/{Flow-ID}", |c| {
        Box::pin(async move { done(c.delete_flow(ID).await) })
    }),
    ("POST", "/{Version}/{Flow-ID}/publish", |c| {
        Box::pin(async move { done(c.publish_flow(ID).await) })
    }),
    ("POST", "/{Version}/{Flow-ID}/deprecate", |c| {
        Box::pin(async move { done(c.deprecate_flow(ID).await) })
    }),
    (
        "GET",
        "/{Version}/{WABA-ID}/in_progress_onbehalf_request",
        |c| Box::pin(async move { done(c.in_progress_onbehalf_requests().await) }),
    ),
    ("GET", "/{Version}/{OBO-Mobility-Intent-ID}", |c| {
        Box::pin(async move { done(c.obo_mobility_intent(ID).await) })
    }),
    ("GET", "/{Version}/{WABA-ID}/phone_numbers", |c| {
        Box::pin(async move { done(c.list_phone_numbers(None).await) })
    }),
    ("GET", "/{Version}/{WABA-ID}/schedules", |c| {
        Box::pin(async move { done(c.waba_schedules().await) })
    }),
    ("GET", "/{Version}/{WABA-ID}/solutions", |c| {
        Box::pin(async move { done(c.waba_solutions().await) })
    }),
    ("GET", "/{Version}/{WABA-ID}/subscribed_apps", |c| {
        Box::pin(async move { done(c.subscribed_apps().await) })
    }),
    ("DELETE", "/{Version}/{WABA-ID}/subscribed_apps", |c| {
        Box::pin(async move { done(c.unsubscribe_app().await) })
    }),
    ("GET", "/{Version}/{TEMPLATE_ID}", |c| {
        Box::pin(async move { done(c.get_template(ID).await) })
    }),
    ("GET", "/{Version}/{WABA-ID}/message_templates", |c| {
        Box::pin(async move { done(c.list_templates().await) })
    }),
    ("DELETE", "/{Version}/{WABA-ID}/message_templates", |c| {
        Box::pin(async move { done(c.delete_template("order_update", None).await) })
    }),
    ("GET", "/{Version}/{WABA-ID}/activities", |c| {
        Box::pin(async move { done(c.waba_activities(None, None, None).await) })
    }),
    ("GET", "/{Version}/{WABA-ID}", |c| {
        Box::pin(async move { done(c.waba_details(None).await) })
    }),
    ("GET", "/{Version}/{WABA-Bot-ID}", |c| {
        Box::pin(async move { done(c.business_bot(ID).await) })
    }),
    ("GET", "/{Version}/{WhatsApp-Business-Profile-ID}", |c| {
        Box::pin(async move { done(c.business_profile_by_id(ID).await) })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/messages", |c| {
        Box::pin(async move {
            let msg = OutboundMessage::text(Recipient::from("16505551234"), "hi").unwrap();
            done(c.send_message(&msg).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/messages", |c| {
        Box::pin(async move {
            done(
                c.mark_read_with_typing(
                    "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA",
                )
                .await,
            )
        })
    }),
];
