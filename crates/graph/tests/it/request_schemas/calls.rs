//! The table of [`super`]: one call per covered operation with a request body.

use futures::future::BoxFuture;
use serde_json::json;
use wacloud_graph::calls::CallAction;
use wacloud_graph::compliance::{ComplianceContact, ComplianceInfoUpdate};
use wacloud_graph::flows::{FlowMetadataUpdate, NewFlow};
use wacloud_graph::groups::{GroupUpdate, JoinApprovalMode, NewGroup};
use wacloud_graph::marketing::{MarketingOptions, ProductPolicy};
use wacloud_graph::media::MediaUpload;
use wacloud_graph::messages::{OutboundMessage, Recipient, Template};
use wacloud_graph::number_features::{ObaAction, ObaApplicationData};
use wacloud_graph::partner_intents::IntentRequest;
use wacloud_graph::phone_numbers::{
    BotCommand, CallingSettingsUpdate, CodeMethod, ConversationalAutomation, FeatureStatus,
    PhoneNumberSettingsUpdate, PhoneNumberUpdate, Registration,
};
use wacloud_graph::qr_codes::QrImageFormat;
use wacloud_graph::solutions::{NewSolution, SolutionRejection};
use wacloud_graph::template_admin::TemplateEdit;
use wacloud_graph::templates::{NewTemplate, TemplateCategory};
use wacloud_graph::waba::{NewPhoneNumber, WabaUpdate};
use wacloud_graph::waba_admin::NewSchedule;
use wacloud_graph::{BusinessProfileUpdate, GraphClient, GraphError};

pub(crate) type Call = fn(GraphClient) -> BoxFuture<'static, Result<(), GraphError>>;

/// The call's outcome without its answer.
#[expect(
    clippy::result_large_err,
    reason = "GraphError is the crate's public error, kept whole on purpose (see lib.rs)"
)]
pub(crate) fn done<T>(r: Result<T, GraphError>) -> Result<(), GraphError> {
    r.map(|_| ())
}

const GROUP: &str = "Y2FwaV9ncm91cDoxOTUwNTU1MDA3OToxMjAzNjMzOTQzMjAdOTY0MTUZD";
const SOLUTION: &str = "1234567890123456";
const PREVERIFIED: &str = "2345678901234567";
const CALL_ID: &str = "wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA";
const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----";

/// One call per operation with a request body; the answers do not matter here (the
/// mock answers `{"success": true}`), only what was sent.
pub(crate) const CALLS: &[(&str, &str, Call)] = &[
    // Variants of the same operations: each body shape the client builds.
    ("POST", "/{Version}/{Phone-Number-ID}/settings", |c| {
        Box::pin(async move {
            let u = PhoneNumberSettingsUpdate::Calling(
                CallingSettingsUpdate::new(FeatureStatus::Enabled)
                    .sip(FeatureStatus::Enabled, Some("DTLS-SRTP"))
                    .video(FeatureStatus::Enabled),
            );
            done(c.update_phone_number_settings(&u).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/settings", |c| {
        Box::pin(async move {
            let u = PhoneNumberSettingsUpdate::UserIdentityChange { enabled: true };
            done(c.update_phone_number_settings(&u).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/settings", |c| {
        Box::pin(async move {
            let u = PhoneNumberSettingsUpdate::PayloadEncryption {
                status: FeatureStatus::Disabled,
                client_encryption_key: None,
            };
            done(c.update_phone_number_settings(&u).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/settings", |c| {
        Box::pin(async move {
            let u = PhoneNumberSettingsUpdate::StorageConfiguration {
                enabled: true,
                region: Some("us".into()),
            };
            done(c.update_phone_number_settings(&u).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/calls", |c| {
        Box::pin(async move {
            let a = CallAction::PreAccept {
                call_id: CALL_ID.into(),
                sdp: "v=0".into(),
            };
            done(c.manage_call(&a, None).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/calls", |c| {
        Box::pin(async move {
            let a = CallAction::Accept {
                call_id: CALL_ID.into(),
                sdp: "v=0".into(),
            };
            done(c.manage_call(&a, Some("tracking-2")).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/calls", |c| {
        Box::pin(async move {
            done(
                c.manage_call(
                    &CallAction::Reject {
                        call_id: CALL_ID.into(),
                    },
                    None,
                )
                .await,
            )
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/calls", |c| {
        Box::pin(async move {
            done(
                c.manage_call(
                    &CallAction::Terminate {
                        call_id: CALL_ID.into(),
                    },
                    None,
                )
                .await,
            )
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/media", |c| {
        Box::pin(async move {
            let up = MediaUpload::new(b"%PDF-1.4".to_vec(), "application/pdf", "a.pdf").unwrap();
            done(c.upload_media(&up).await)
        })
    }),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/official_business_account",
        |c| {
            Box::pin(async move {
                done(
                    c.official_business_account_action(ObaAction::WithdrawApplication, None)
                        .await,
                )
            })
        },
    ),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/whatsapp_business_profile",
        |c| {
            Box::pin(async move {
                let u =
                    BusinessProfileUpdate::new().profile_picture_handle("4::aW1hZ2UvanBlZw==:ARb");
                done(c.update_business_profile(&u).await)
            })
        },
    ),
    ("POST", "/{Version}/{Phone-Number-ID}", |c| {
        Box::pin(async move {
            done(
                c.update_phone_number(&PhoneNumberUpdate::new().pin("123456"))
                    .await,
            )
        })
    }),
    ("POST", "/{Version}/{WABA-ID}/subscribed_apps", |c| {
        Box::pin(async move { done(c.subscribe_app(None).await) })
    }),
    (
        "POST",
        "/{Version}/{Application-ID}/whatsapp_business_solution",
        |c| {
            Box::pin(async move {
                let s = NewSolution::new(
                    "Partner-Managed Messaging Solution",
                    "9876543210987654",
                    false,
                )
                .unwrap();
                done(c.create_solution("1234567890", &s).await)
            })
        },
    ),
    ("POST", "/{Version}/{Business-ID}/add_phone_numbers", |c| {
        Box::pin(async move {
            done(
                c.add_preverified_phone_number("506914307656634", "+15550000001")
                    .await,
            )
        })
    }),
    (
        "POST",
        "/{Version}/{Business-ID}/share_preverified_numbers",
        |c| {
            Box::pin(async move {
                done(
                    c.share_preverified_number("506914307656634", PREVERIFIED, "3456789012345678")
                        .await,
                )
            })
        },
    ),
    ("POST", "/{Version}/{Phone-Number-ID}/block_users", |c| {
        Box::pin(async move { done(c.block_users(&["15550000001", "15550000002"]).await) })
    }),
    ("DELETE", "/{Version}/{Phone-Number-ID}/block_users", |c| {
        Box::pin(async move { done(c.unblock_users(&["15550000001"]).await) })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/calls", |c| {
        Box::pin(async move {
            let a = CallAction::Connect {
                to: "14085551234".into(),
                sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n".into(),
            };
            done(c.manage_call(&a, Some("tracking-1")).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/groups", |c| {
        Box::pin(async move {
            let g = NewGroup::new("Support")
                .unwrap()
                .description("Order help")
                .unwrap()
                .join_approval_mode(JoinApprovalMode::ApprovalRequired);
            done(c.create_group(&g).await)
        })
    }),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/marketing_messages",
        |c| {
            Box::pin(async move {
                let msg = OutboundMessage::template(
                    Recipient::from("16315552222"),
                    Template::new("welcome_offer", "en_US"),
                )
                .unwrap();
                let o = MarketingOptions::new()
                    .product_policy(ProductPolicy::CloudApiFallback)
                    .message_activity_sharing(true);
                done(c.send_marketing_message(&msg, &o).await)
            })
        },
    ),
    ("POST", "/{Version}/{Phone-Number-ID}/media", |c| {
        Box::pin(async move {
            let up =
                MediaUpload::new(b"\xff\xd8\xff\xe0 jpeg".to_vec(), "image/jpeg", "a.jpg").unwrap();
            done(c.upload_media(&up).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/message_qrdls", |c| {
        Box::pin(async move {
            done(
                c.create_qr_code("Hello, I want to order", Some(QrImageFormat::Png))
                    .await,
            )
        })
    }),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/official_business_account",
        |c| {
            Box::pin(async move {
                let d = ObaApplicationData::new()
                    .business_name("Acme Corporation Ltd")
                    .website_url("https://www.acmecorp.com")
                    .contact_email("business@acmecorp.com");
                done(
                    c.official_business_account_action(ObaAction::SubmitApplication, Some(&d))
                        .await,
                )
            })
        },
    ),
    ("POST", "/{Version}/{Phone-Number-ID}", |c| {
        Box::pin(async move {
            done(
                c.update_phone_number(
                    &PhoneNumberUpdate::new().new_display_name("My New Business Name"),
                )
                .await,
            )
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/register", |c| {
        Box::pin(async move {
            done(
                c.register_phone_number(&Registration::new("123456").unwrap())
                    .await,
            )
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/request_code", |c| {
        Box::pin(async move { done(c.request_verification_code(CodeMethod::Sms, "en_US").await) })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/settings", |c| {
        Box::pin(async move {
            let u = PhoneNumberSettingsUpdate::Calling(
                CallingSettingsUpdate::new(FeatureStatus::Enabled).call_icon_visible(true),
            );
            done(c.update_phone_number_settings(&u).await)
        })
    }),
    ("POST", "/{Version}/{Phone-Number-ID}/verify_code", |c| {
        Box::pin(async move { done(c.verify_code("123456").await) })
    }),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/whatsapp_business_encryption",
        |c| Box::pin(async move { done(c.set_business_encryption_key(PEM).await) }),
    ),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/whatsapp_business_profile",
        |c| {
            Box::pin(async move {
                let u = BusinessProfileUpdate::new()
                    .about("Open 9 to 5")
                    .description("Shoes")
                    .email("a@example.com")
                    .websites(vec!["https://example.com".into()]);
                done(c.update_business_profile(&u).await)
            })
        },
    ),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/business_compliance_info",
        |c| {
            Box::pin(async move {
                let u = ComplianceInfoUpdate::new(
                    "Innovative Tech Solutions",
                    "OTHER",
                    ComplianceContact::new("rajesh@innovativetech.com")
                        .name("Rajesh Kumar")
                        .mobile_number("+918901234567"),
                    ComplianceContact::new("support@innovativetech.com")
                        .mobile_number("+918901234567"),
                )
                .entity_type_custom("Limited Liability Partnership")
                .is_registered(true);
                done(c.update_business_compliance_info(&u).await)
            })
        },
    ),
    ("POST", "/{Version}/{group_id}/invite_link", |c| {
        Box::pin(async move { done(c.create_group_invite_link(GROUP).await) })
    }),
    ("DELETE", "/{Version}/{group_id}/invite_link", |c| {
        Box::pin(async move { done(c.delete_group_invite_link(GROUP).await) })
    }),
    ("POST", "/{Version}/{group_id}/join_requests", |c| {
        Box::pin(async move { done(c.approve_join_requests(GROUP, &["MTIzNDU2Nzg5"]).await) })
    }),
    ("DELETE", "/{Version}/{group_id}/join_requests", |c| {
        Box::pin(async move { done(c.reject_join_requests(GROUP, &["MTIzNDU2Nzg5"]).await) })
    }),
    ("POST", "/{Version}/{group_id}/participants", |c| {
        Box::pin(async move { done(c.add_group_participants(GROUP, &["15550000001"]).await) })
    }),
    ("DELETE", "/{Version}/{group_id}/participants", |c| {
        Box::pin(async move { done(c.remove_group_participants(GROUP, &["15550000001"]).await) })
    }),
    ("POST", "/{Version}/{group_id}", |c| {
        Box::pin(async move {
            done(
                c.update_group(
                    GROUP,
                    &GroupUpdate::new()
                        .subject("Watch Enthusiasts")
                        .description("Timepieces"),
                )
                .await,
            )
        })
    }),
    (
        "POST",
        "/{Version}/{Pre-Verified-Phone-Number-ID}/request_code",
        |c| {
            Box::pin(async move {
                done(
                    c.request_preverified_code(PREVERIFIED, CodeMethod::Voice, "en_US")
                        .await,
                )
            })
        },
    ),
    (
        "POST",
        "/{Version}/{Pre-Verified-Phone-Number-ID}/verify_code",
        |c| Box::pin(async move { done(c.verify_preverified_code(PREVERIFIED, "123456").await) }),
    ),
    (
        "POST",
        "/{Version}/{Solution-ID}/accept_deactivation_request",
        |c| Box::pin(async move { done(c.accept_solution_deactivation(SOLUTION).await) }),
    ),
    ("POST", "/{Version}/{Solution-ID}/accept", |c| {
        Box::pin(async move { done(c.accept_solution(SOLUTION, "9876543210987654").await) })
    }),
    (
        "POST",
        "/{Version}/{Solution-ID}/reject_deactivation_request",
        |c| Box::pin(async move { done(c.reject_solution_deactivation(SOLUTION).await) }),
    ),
    ("POST", "/{Version}/{Solution-ID}/reject", |c| {
        Box::pin(async move {
            let r = SolutionRejection::Partnership {
                partner_app_id: "9876543210987654".into(),
            };
            done(
                c.reject_solution_request(SOLUTION, &r, Some("Terms do not align"))
                    .await,
            )
        })
    }),
    (
        "POST",
        "/{Version}/{Solution-ID}/send_deactivation_request",
        |c| {
            Box::pin(async move {
                done(
                    c.send_solution_deactivation_request(SOLUTION, Some("Ending the partnership"))
                        .await,
                )
            })
        },
    ),
    (
        "POST",
        "/{Version}/{WhatsApp-Business-Account-ID}/assigned_users",
        |c| {
            Box::pin(async move {
                done(
                    c.add_assigned_user("2345678901234567", &["MANAGE", "VIEW_INSIGHTS"])
                        .await,
                )
            })
        },
    ),
    (
        "DELETE",
        "/{Version}/{WhatsApp-Business-Account-ID}/assigned_users",
        |c| Box::pin(async move { done(c.remove_assigned_user("2345678901234567").await) }),
    ),
    (
        "POST",
        "/{Version}/{Phone-Number-ID}/conversational_automation",
        |c| {
            Box::pin(async move {
                let a = ConversationalAutomation::new()
                    .enable_welcome_message(true)
                    .prompts(vec!["Book a flight".into()])
                    .commands(vec![BotCommand::new("help", "Get help with your order")]);
                done(c.configure_conversational_automation(&a).await)
            })
        },
    ),
    ("POST", "/{Version}/{WABA-ID}/flows", |c| {
        Box::pin(async move {
            let f = NewFlow::new("lead form", ["LEAD_GENERATION", "OTHER"])
                .unwrap()
                .endpoint_uri("https://example.com/flow")
                .unwrap()
                .clone_flow_id("1234");
            done(c.create_flow(&f).await)
        })
    }),
    ("POST", "/{Version}/{WABA-ID}/migrate_flows", |c| {
        Box::pin(async move {
            done(
                c.migrate_flows("111222333", &["appointment", "leadgen"])
                    .await,
            )
        })
    }),
    ("POST", "/{Version}/{Flow-ID}", |c| {
        Box::pin(async move {
            done(
                c.update_flow_metadata(
                    "1234",
                    &FlowMetadataUpdate::new()
                        .name("renamed")
                        .categories(["SURVEY"]),
                )
                .await,
            )
        })
    }),
    ("GET", "/{Version}/{Flow-ID}/assets", |c| {
        Box::pin(async move { done(c.flow_assets("1234").await) })
    }),
    ("POST", "/{Version}/{Flow-ID}/assets", |c| {
        Box::pin(async move {
            done(
                c.update_flow_json("1234", r#"{"version": "7.0", "screens": []}"#)
                    .await,
            )
        })
    }),
    ("POST", "/{Version}/{WABA-ID}/obo_mobility_intent", |c| {
        Box::pin(async move {
            let i = IntentRequest::mobility("2345678901234567", "CANCEL_TRANSFER").field(
                "mobility_reason",
                "Transfer cancelled due to business requirements change",
            );
            done(c.create_obo_mobility_intent(&i).await)
        })
    }),
    ("POST", "/{Version}/{WABA-ID}/phone_numbers", |c| {
        Box::pin(async move {
            let n = NewPhoneNumber::new("1", "16315551001", "Migrated Business")
                .unwrap()
                .migrate();
            done(c.add_phone_number(&n).await)
        })
    }),
    ("POST", "/{Version}/{WABA-ID}/schedules", |c| {
        Box::pin(async move {
            let s = NewSchedule::new(
                "Weekend Maintenance",
                "MAINTENANCE_WINDOW",
                "02:00",
                "04:00",
            )
            .unwrap()
            .timezone("America/New_York")
            .days_of_week(["SATURDAY", "SUNDAY"]);
            done(c.create_waba_schedule(&s).await)
        })
    }),
    (
        "POST",
        "/{Version}/{WABA-ID}/set_obo_mobility_intent",
        |c| {
            Box::pin(async move {
                let i = IntentRequest::mobility("2345678901234567", "INITIATE_TRANSFER");
                done(c.set_obo_mobility_intent(&i).await)
            })
        },
    ),
    (
        "POST",
        "/{Version}/{WABA-ID}/set_solution_migration_intent",
        |c| {
            Box::pin(async move {
                let i = IntentRequest::migration("1234567890123456", "INITIATE_MIGRATION")
                    .field("target_solution_id", "2345678901234567");
                done(c.set_solution_migration_intent(&i).await)
            })
        },
    ),
    ("POST", "/{Version}/{WABA-ID}/subscribed_apps", |c| {
        Box::pin(async move {
            done(
                c.subscribe_app(Some(("https://example.com/webhook", "verify-me")))
                    .await,
            )
        })
    }),
    ("POST", "/{Version}/{TEMPLATE_ID}", |c| {
        Box::pin(async move {
            let e = TemplateEdit::new()
                .category(TemplateCategory::Marketing)
                .components(vec![json!({"type": "BODY", "text": "Our sale starts now"})]);
            done(c.edit_template("920070352646140", &e).await)
        })
    }),
    ("POST", "/{Version}/{WABA-ID}/message_templates", |c| {
        Box::pin(async move {
            let t = NewTemplate::new("seasonal_promotion", "en", TemplateCategory::Marketing).unwrap()
            .component(json!({"type": "BODY", "text": "Shop now through {{1}}!", "example": {"body_text": [["the end of August"]]}}))
            .component(json!({"type": "FOOTER", "text": "Use the buttons below"}));
            done(c.create_template(&t).await)
        })
    }),
    ("POST", "/{Version}/{WABA-ID}", |c| {
        Box::pin(async move {
            done(
                c.update_waba(&WabaUpdate::new().name("Updated Business Name"))
                    .await,
            )
        })
    }),
    ("POST", "/{Version}/{WhatsApp-Business-Profile-ID}", |c| {
        Box::pin(async move {
            let u = BusinessProfileUpdate::new().description("Updated business description");
            done(
                c.update_business_profile_by_id("1234567890123456", &u)
                    .await,
            )
        })
    }),
];
