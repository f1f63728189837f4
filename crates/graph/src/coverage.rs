//! Which operations of Meta's OpenAPI description of the Cloud API
//! (`business-messaging-api_v23.0.yaml`, 113 operations on 78 paths) this crate performs.
//!
//! Every operation of the spec is in exactly one of three lists, keyed by its HTTP method
//! and its path template exactly as the spec spells them (`"GET"`,
//! `"/{Version}/{Phone-Number-ID}/block_users"`):
//!
//! - [`COVERED`]: the client method that performs it;
//! - [`OMITTED`]: deliberate omissions, each with its reason (at most [`MAX_OMITTED`]);
//! - [`NOT_YET_COVERED`]: operations still to do, listed so that the count is honest.
//!
//! The crate's integration test `coverage` reads the spec and fails when an operation is
//! in none of the lists or in more than one, when a list names an operation the spec does
//! not have, when a covered method does not exist in the crate or is called by no test,
//! or when more than [`MAX_OMITTED`] are omitted; it also checks that the README's
//! coverage section equals [`readme_section`]. Run it with
//! `cargo nextest run -p wacloud-graph coverage --no-capture` to see the counts.

use std::fmt::Write as _;

/// One operation of the spec: its HTTP method (upper case) and path template, as the
/// spec spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The path template, e.g. `/{Version}/{Phone-Number-ID}/register`.
    pub path: &'static str,
}

/// An operation this crate performs, and the method that performs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covered {
    /// The operation.
    pub operation: Operation,
    /// The method, as `GraphClient::name`.
    pub call: &'static str,
}

/// An operation this crate deliberately does not perform, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Omitted {
    /// The operation.
    pub operation: Operation,
    /// Why it is left out.
    pub reason: &'static str,
}

/// The spec file the lists follow, under `fixtures/meta/openapi/`.
pub const SPEC_FILE: &str = "business-messaging-api_v23.0.yaml";

/// How many operations the spec has.
pub const SPEC_OPERATIONS: usize = 113;

/// The most operations that may be omitted deliberately.
pub const MAX_OMITTED: usize = 10;

const fn op(method: &'static str, path: &'static str) -> Operation {
    Operation { method, path }
}

const fn covered(method: &'static str, path: &'static str, call: &'static str) -> Covered {
    Covered {
        operation: op(method, path),
        call,
    }
}

const fn omitted(method: &'static str, path: &'static str, reason: &'static str) -> Omitted {
    Omitted {
        operation: op(method, path),
        reason,
    }
}

/// The operations this crate performs, each with the [`crate::GraphClient`] method that
/// performs it.
#[rustfmt::skip] // one operation a line: the table reads as a table
pub const COVERED: &[Covered] = &[
    covered("GET", "/{Version}/{Application-ID}/connected_client_businesses", "GraphClient::connected_client_businesses"),
    covered("POST", "/{Version}/{Application-ID}/whatsapp_business_solution", "GraphClient::create_solution"),
    covered("GET", "/{Version}/{Application-ID}/whatsapp_business_solutions", "GraphClient::app_solutions"),
    covered("POST", "/{Version}/{Business-ID}/add_phone_numbers", "GraphClient::add_preverified_phone_number"),
    covered("GET", "/{Version}/{Business-ID}", "GraphClient::business_portfolio"),
    covered("GET", "/{Version}/{Business-ID}/preverified_numbers", "GraphClient::preverified_numbers"),
    covered("GET", "/{Version}/{Business-ID}/client_whatsapp_business_accounts", "GraphClient::client_wabas"),
    covered("POST", "/{Version}/{Business-ID}/onboard_partners_to_mm_lite", "GraphClient::onboard_partners_to_mm_lite"),
    covered("GET", "/{Version}/{Business-ID}/owned_whatsapp_business_accounts", "GraphClient::owned_wabas"),
    covered("POST", "/{Version}/{Business-ID}/share_preverified_numbers", "GraphClient::share_preverified_number"),
    covered("GET", "/{Version}/{Phone-Number-ID}/block_users", "GraphClient::blocked_users"),
    covered("POST", "/{Version}/{Phone-Number-ID}/block_users", "GraphClient::block_users"),
    covered("DELETE", "/{Version}/{Phone-Number-ID}/block_users", "GraphClient::unblock_users"),
    covered("GET", "/{Version}/{Phone-Number-ID}/call_permissions", "GraphClient::call_permissions"),
    covered("POST", "/{Version}/{Phone-Number-ID}/calls", "GraphClient::manage_call"),
    covered("POST", "/{Version}/{Phone-Number-ID}/groups", "GraphClient::create_group"),
    covered("GET", "/{Version}/{Phone-Number-ID}/groups", "GraphClient::active_groups"),
    covered("POST", "/{Version}/{Phone-Number-ID}/marketing_messages", "GraphClient::send_marketing_message"),
    covered("POST", "/{Version}/{Phone-Number-ID}/media", "GraphClient::upload_media"),
    covered("POST", "/{Version}/{Phone-Number-ID}/messages", "GraphClient::send_message"),
    covered("GET", "/{Version}/{Phone-Number-ID}/message_qrdls", "GraphClient::list_qr_codes"),
    covered("POST", "/{Version}/{Phone-Number-ID}/message_qrdls", "GraphClient::create_qr_code"),
    covered("GET", "/{Version}/{Phone-Number-ID}/message_qrdls/{QR-Code-ID}", "GraphClient::get_qr_code"),
    covered("DELETE", "/{Version}/{Phone-Number-ID}/message_qrdls/{QR-Code-ID}", "GraphClient::delete_qr_code"),
    covered("GET", "/{Version}/{Phone-Number-ID}/official_business_account", "GraphClient::official_business_account"),
    covered("POST", "/{Version}/{Phone-Number-ID}/official_business_account", "GraphClient::official_business_account_action"),
    covered("GET", "/{Version}/{Phone-Number-ID}", "GraphClient::phone_number_details"),
    covered("POST", "/{Version}/{Phone-Number-ID}", "GraphClient::update_phone_number"),
    covered("POST", "/{Version}/{Phone-Number-ID}/deregister", "GraphClient::deregister_phone_number"),
    covered("GET", "/{Version}/{Phone-Number-ID}/message_history", "GraphClient::message_history"),
    covered("POST", "/{Version}/{Phone-Number-ID}/register", "GraphClient::register_phone_number"),
    covered("POST", "/{Version}/{Phone-Number-ID}/request_code", "GraphClient::request_verification_code"),
    covered("GET", "/{Version}/{Phone-Number-ID}/settings", "GraphClient::phone_number_settings"),
    covered("POST", "/{Version}/{Phone-Number-ID}/settings", "GraphClient::update_phone_number_settings"),
    covered("POST", "/{Version}/{Phone-Number-ID}/verify_code", "GraphClient::verify_code"),
    covered("GET", "/{Version}/{Phone-Number-ID}/whatsapp_business_encryption", "GraphClient::business_encryption_key"),
    covered("POST", "/{Version}/{Phone-Number-ID}/whatsapp_business_encryption", "GraphClient::set_business_encryption_key"),
    covered("GET", "/{Version}/{Phone-Number-ID}/whatsapp_business_profile", "GraphClient::business_profile"),
    covered("POST", "/{Version}/{Phone-Number-ID}/whatsapp_business_profile", "GraphClient::update_business_profile"),
    covered("GET", "/{Version}/{Phone-Number-ID}/whatsapp_commerce_settings", "GraphClient::commerce_settings"),
    covered("POST", "/{Version}/{Phone-Number-ID}/whatsapp_commerce_settings", "GraphClient::update_commerce_settings"),
    covered("GET", "/{Version}/{Phone-Number-ID}/business_compliance_info", "GraphClient::business_compliance_info"),
    covered("POST", "/{Version}/{Phone-Number-ID}/business_compliance_info", "GraphClient::update_business_compliance_info"),
    covered("POST", "/{Version}/{group_id}/invite_link", "GraphClient::create_group_invite_link"),
    covered("DELETE", "/{Version}/{group_id}/invite_link", "GraphClient::delete_group_invite_link"),
    covered("GET", "/{Version}/{group_id}/join_requests", "GraphClient::group_join_requests"),
    covered("POST", "/{Version}/{group_id}/join_requests", "GraphClient::approve_join_requests"),
    covered("DELETE", "/{Version}/{group_id}/join_requests", "GraphClient::reject_join_requests"),
    covered("POST", "/{Version}/{group_id}/participants", "GraphClient::add_group_participants"),
    covered("DELETE", "/{Version}/{group_id}/participants", "GraphClient::remove_group_participants"),
    covered("GET", "/{Version}/{group_id}", "GraphClient::group_info"),
    covered("DELETE", "/{Version}/{group_id}", "GraphClient::delete_group"),
    covered("POST", "/{Version}/{group_id}", "GraphClient::update_group"),
    covered("GET", "/{Version}/{Media-ID}", "GraphClient::media_info"),
    covered("DELETE", "/{Version}/{Media-ID}", "GraphClient::delete_media"),
    covered("GET", "/{Version}/{Media-URL}", "GraphClient::download_media_url"),
    covered("GET", "/{Version}/{Message-History-ID}/events", "GraphClient::message_history_events"),
    covered("GET", "/{Version}/{Migration-Intent-ID}", "GraphClient::migration_intent"),
    covered("GET", "/{Version}/{Pre-Verified-Phone-Number-ID}", "GraphClient::preverified_number"),
    covered("DELETE", "/{Version}/{Pre-Verified-Phone-Number-ID}", "GraphClient::delete_preverified_number"),
    covered("GET", "/{Version}/{Pre-Verified-Phone-Number-ID}/partners", "GraphClient::preverified_number_partners"),
    covered("POST", "/{Version}/{Pre-Verified-Phone-Number-ID}/request_code", "GraphClient::request_preverified_code"),
    covered("POST", "/{Version}/{Pre-Verified-Phone-Number-ID}/verify_code", "GraphClient::verify_preverified_code"),
    covered("GET", "/{Version}/{Solution-ID}/access_token", "GraphClient::solution_access_token"),
    covered("POST", "/{Version}/{Solution-ID}/accept_deactivation_request", "GraphClient::accept_solution_deactivation"),
    covered("POST", "/{Version}/{Solution-ID}/accept", "GraphClient::accept_solution"),
    covered("GET", "/{Version}/{Solution-ID}", "GraphClient::solution"),
    covered("POST", "/{Version}/{Solution-ID}/reject_deactivation_request", "GraphClient::reject_solution_deactivation"),
    covered("POST", "/{Version}/{Solution-ID}/reject", "GraphClient::reject_solution_request"),
    covered("POST", "/{Version}/{Solution-ID}/send_deactivation_request", "GraphClient::send_solution_deactivation_request"),
    covered("GET", "/{Version}/{User-ID}/assigned_whatsapp_business_accounts", "GraphClient::assigned_wabas"),
    covered("GET", "/{Version}/{WhatsApp-Account-Number-ID}", "GraphClient::account_number_details"),
    covered("GET", "/{Version}/{WhatsApp-Business-Account-ID}/assigned_users", "GraphClient::assigned_users"),
    covered("POST", "/{Version}/{WhatsApp-Business-Account-ID}/assigned_users", "GraphClient::add_assigned_user"),
    covered("DELETE", "/{Version}/{WhatsApp-Business-Account-ID}/assigned_users", "GraphClient::remove_assigned_user"),
    covered("POST", "/{Version}/{Phone-Number-ID}/conversational_automation", "GraphClient::configure_conversational_automation"),
    covered("GET", "/{Version}/{Business-ID}/extendedcredits", "GraphClient::credit_lines"),
    covered("GET", "/{Version}/{WABA-ID}/flows", "GraphClient::list_flows"),
    covered("POST", "/{Version}/{WABA-ID}/flows", "GraphClient::create_flow"),
    covered("POST", "/{Version}/{WABA-ID}/migrate_flows", "GraphClient::migrate_flows"),
    covered("GET", "/{Version}/{Flow-ID}", "GraphClient::get_flow"),
    covered("POST", "/{Version}/{Flow-ID}", "GraphClient::update_flow_metadata"),
    covered("DELETE", "/{Version}/{Flow-ID}", "GraphClient::delete_flow"),
    covered("GET", "/{Version}/{Flow-ID}/assets", "GraphClient::flow_assets"),
    covered("POST", "/{Version}/{Flow-ID}/assets", "GraphClient::update_flow_json"),
    covered("POST", "/{Version}/{Flow-ID}/publish", "GraphClient::publish_flow"),
    covered("POST", "/{Version}/{Flow-ID}/deprecate", "GraphClient::deprecate_flow"),
    covered("GET", "/{Version}/{WABA-ID}/in_progress_onbehalf_request", "GraphClient::in_progress_onbehalf_requests"),
    covered("GET", "/{Version}/{OBO-Mobility-Intent-ID}", "GraphClient::obo_mobility_intent"),
    covered("POST", "/{Version}/{WABA-ID}/obo_mobility_intent", "GraphClient::create_obo_mobility_intent"),
    covered("GET", "/{Version}/{WABA-ID}/phone_numbers", "GraphClient::list_phone_numbers"),
    covered("POST", "/{Version}/{WABA-ID}/phone_numbers", "GraphClient::add_phone_number"),
    covered("GET", "/{Version}/{WABA-ID}/schedules", "GraphClient::waba_schedules"),
    covered("POST", "/{Version}/{WABA-ID}/schedules", "GraphClient::create_waba_schedule"),
    covered("POST", "/{Version}/{WABA-ID}/set_obo_mobility_intent", "GraphClient::set_obo_mobility_intent"),
    covered("POST", "/{Version}/{WABA-ID}/set_solution_migration_intent", "GraphClient::set_solution_migration_intent"),
    covered("GET", "/{Version}/{WABA-ID}/solutions", "GraphClient::waba_solutions"),
    covered("GET", "/{Version}/{WABA-ID}/subscribed_apps", "GraphClient::subscribed_apps"),
    covered("POST", "/{Version}/{WABA-ID}/subscribed_apps", "GraphClient::subscribe_app"),
    covered("DELETE", "/{Version}/{WABA-ID}/subscribed_apps", "GraphClient::unsubscribe_app"),
    covered("GET", "/{Version}/{TEMPLATE_ID}", "GraphClient::get_template"),
    covered("POST", "/{Version}/{TEMPLATE_ID}", "GraphClient::edit_template"),
    covered("GET", "/{Version}/{WABA-ID}/message_templates", "GraphClient::list_templates"),
    covered("POST", "/{Version}/{WABA-ID}/message_templates", "GraphClient::create_template"),
    covered("DELETE", "/{Version}/{WABA-ID}/message_templates", "GraphClient::delete_template"),
    covered("GET", "/{Version}/{WABA-ID}/activities", "GraphClient::waba_activities"),
    covered("GET", "/{Version}/{WABA-ID}", "GraphClient::waba_details"),
    covered("POST", "/{Version}/{WABA-ID}", "GraphClient::update_waba"),
    covered("GET", "/{Version}/{WABA-Bot-ID}", "GraphClient::business_bot"),
    covered("GET", "/{Version}/{WhatsApp-Business-Profile-ID}", "GraphClient::business_profile_by_id"),
    covered("POST", "/{Version}/{WhatsApp-Business-Profile-ID}", "GraphClient::update_business_profile_by_id"),
];

/// The operations left out on purpose, each with its reason.
pub const OMITTED: &[Omitted] = &[
    omitted(
        "POST",
        "/{Version}/{Phone-Number-ID}/messages_encrypted",
        "end-to-end encrypted sends need the business's and the user's encryption keys, which this client neither holds nor manages; plain sends go through `POST /{Phone-Number-ID}/messages`",
    ),
    omitted(
        "POST",
        "/whatsapp/webhooks",
        "not a call this client makes: Meta POSTs it to the application's webhook; the client verifies it (`webhook::verify_signature`) and parses it (`webhook::WebhookPayload`)",
    ),
];

/// The operations not covered yet: the work left. An operation leaves this list when
/// its method lands in [`COVERED`].
pub const NOT_YET_COVERED: &[Operation] = &[];

/// An operation Meta documents outside the spec file, the method that performs it and
/// the Cloud API page it follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeyondSpec {
    /// The operation, as Meta's page writes it.
    pub operation: Operation,
    /// The method, as `GraphClient::name`.
    pub call: &'static str,
    /// Meta's page.
    pub page: &'static str,
}

const fn beyond(
    method: &'static str,
    path: &'static str,
    call: &'static str,
    page: &'static str,
) -> BeyondSpec {
    BeyondSpec {
        operation: op(method, path),
        call,
        page,
    }
}

/// The operations this crate performs that `business-messaging-api_v23.0.yaml` does not
/// describe (checked by the `coverage` test to exist and be called by a test, as
/// [`COVERED`] is).
pub const BEYOND_SPEC: &[BeyondSpec] = &[
    beyond(
        "POST",
        "/{Version}/{Phone-Number-ID}/thread_control",
        "GraphClient::thread_control",
        "Conversation Routing, thread control (`pass`, `take`, `release`)",
    ),
    beyond(
        "GET",
        "/{Version}/{WABA-ID}?fields=pricing_analytics…",
        "GraphClient::pricing_analytics",
        "Analytics, pricing analytics",
    ),
    beyond(
        "GET",
        "/{Version}/{WABA-ID}?fields=conversation_analytics…",
        "GraphClient::conversation_analytics",
        "Analytics, conversation analytics",
    ),
    beyond(
        "POST",
        "/{Version}/{WABA-ID}?is_enabled_for_insights=true",
        "GraphClient::enable_template_analytics",
        "Analytics, turn template analytics on",
    ),
    beyond(
        "GET",
        "/{Version}/{WABA-ID}/template_analytics",
        "GraphClient::template_analytics",
        "Analytics, template analytics",
    ),
    beyond(
        "POST",
        "/{Version}/{Application-ID}/uploads",
        "GraphClient::create_upload_session",
        "Resumable Upload API, start a session",
    ),
    beyond(
        "POST",
        "/{Version}/{Upload-ID}",
        "GraphClient::upload_file_data",
        "Resumable Upload API, upload (`file_offset`, `OAuth`)",
    ),
    beyond(
        "GET",
        "/{Version}/{Upload-ID}",
        "GraphClient::upload_session_status",
        "Resumable Upload API, resume",
    ),
    beyond(
        "GET",
        "/{Version}/message_template_library",
        "GraphClient::template_library",
        "Template Library, browse",
    ),
    beyond(
        "POST",
        "/{Version}/{WABA-ID}/message_templates (library_template_name)",
        "GraphClient::create_template_from_library",
        "Template Library, create from a library template",
    ),
];

/// The README's coverage section (between `<!-- coverage:start -->` and
/// `<!-- coverage:end -->`): the counts, the covered operations with their methods, the
/// omissions with their reasons, and the operations not covered yet.
pub fn readme_section() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Of the {SPEC_OPERATIONS} operations in Meta's `{SPEC_FILE}`: **{} covered**, {} \
         omitted on purpose, {} not covered yet (checked by the `coverage` test).\n",
        COVERED.len(),
        OMITTED.len(),
        NOT_YET_COVERED.len()
    );
    s.push_str("| method | path | client method |\n| --- | --- | --- |\n");
    for c in COVERED {
        let _ = writeln!(
            s,
            "| {} | `{}` | `{}` |",
            c.operation.method, c.operation.path, c.call
        );
    }
    s.push_str("\nOmitted on purpose:\n\n| method | path | why |\n| --- | --- | --- |\n");
    for o in OMITTED {
        let _ = writeln!(
            s,
            "| {} | `{}` | {} |",
            o.operation.method, o.operation.path, o.reason
        );
    }
    s.push_str(
        "\nBeyond the spec file (operations Meta documents elsewhere):\n\n| method | path | client method | Meta's page |\n| --- | --- | --- | --- |\n",
    );
    for b in BEYOND_SPEC {
        let _ = writeln!(
            s,
            "| {} | `{}` | `{}` | {} |",
            b.operation.method, b.operation.path, b.call, b.page
        );
    }
    if NOT_YET_COVERED.is_empty() {
        s.push_str("\nNot covered yet: none.\n");
    } else {
        s.push_str("\n<details><summary>Not covered yet</summary>\n\n");
        for n in NOT_YET_COVERED {
            let _ = writeln!(s, "- {} `{}`", n.method, n.path);
        }
        s.push_str("\n</details>\n");
    }
    s
}
