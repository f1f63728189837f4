//! The OpenAPI 3.1 document of the HTTP interface, generated from the code: each handler's
//! `#[utoipa::path]` (its parameters, body and the answers it gives itself), the types it
//! reads and answers (`ToSchema`, also on the core's types with its `openapi` feature), and
//! here the answers that what wraps the routes gives (middleware: the API key, cross-site
//! writes, the body timeout, the extractors' errors, the long-URI limit) and the dashboard's
//! files (from [`crate::routes::assets`]).
//!
//! Served at `GET /api/openapi.json` ([`serve`]) and rendered by `/api-reference.html`.
//! The embedded sandbox (`/sandbox/…`) is not in it: it is a stand-in for Meta mounted only
//! in sandbox mode, described in docs/API.md.

use std::sync::LazyLock;

use actix_web::http::Method;
use actix_web::HttpResponse;
use utoipa::openapi::path::{Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ContentBuilder, HttpMethod, ObjectBuilder, OpenApi as Document, Ref, RefOr, Required, Type,
};
use utoipa::OpenApi;

use crate::errors::ErrorBody;
use crate::paths;
use crate::routes::{self, assets};

/// The routes' own part of the document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "wacloud",
        description = "A WhatsApp Business integration on Meta's WhatsApp Cloud API: send and receive messages, contacts, the durable send queue, Meta's webhook, live updates. Times are RFC 3339 in UTC; phone numbers are answered in E.164 with `+`. Every error is JSON (`ErrorBody`) with a fitting status. docs/API.md tells the rules behind each answer.",
        license(name = "MIT"),
    ),
    paths(
        routes::health::health,
        routes::contacts::list,
        routes::contacts::get_one,
        routes::contacts::update,
        routes::privacy::erase,
        routes::privacy::data,
        routes::contacts::mark_read,
        routes::contacts::typing,
        routes::contacts::import,
        routes::inbox::get,
        routes::inbox::set_status,
        routes::inbox::assign,
        routes::inbox::timeline,
        routes::inbox::notes,
        routes::inbox::add_note,
        routes::inbox::mentions,
        routes::inbox::assignees,
        routes::thread::get,
        routes::thread::control,
        routes::calls::list,
        routes::calls::request_permission,
        routes::groups::list,
        routes::groups::get,
        routes::groups::messages,
        routes::groups::create,
        routes::groups::invite_link,
        routes::groups::reset_invite_link,
        routes::groups::remove_participants,
        routes::groups::send_text,
        routes::automation::list,
        routes::automation::get,
        routes::automation::create,
        routes::automation::update,
        routes::automation::delete,
        routes::automation::get_settings,
        routes::automation::put_settings,
        routes::automation::hand_over,
        routes::automation::hand_back,
        routes::canned::list,
        routes::canned::create,
        routes::canned::update,
        routes::canned::delete,
        routes::subscriptions::list,
        routes::subscriptions::create,
        routes::subscriptions::get,
        routes::subscriptions::update,
        routes::subscriptions::delete,
        routes::subscriptions::rotate,
        routes::subscriptions::deliveries,
        routes::subscriptions::delivery,
        routes::subscriptions::redeliver,
        routes::numbers::list,
        routes::numbers::add,
        routes::numbers::change,
        routes::send::send_one,
        routes::send::send_bulk,
        routes::batches::list,
        routes::batches::batch,
        routes::batches::change_batch,
        routes::export::batch_export,
        routes::batches::cancel_batch,
        routes::batches::queue_item,
        routes::batches::cancel_item,
        routes::batches::retry_item,
        routes::send::retry_message,
        routes::messages::history,
        routes::media::upload,
        routes::media::download,
        routes::stats::stats,
        routes::costs::report,
        routes::reports::report,
        routes::templates::list,
        routes::templates::sync,
        routes::templates::create,
        routes::templates::delete,
        routes::events::events,
        routes::export::contacts_export,
        routes::export::messages_export,
        routes::webhook::handshake,
        routes::webhook::receive,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::logout_all,
        routes::auth::me,
        routes::operators::list,
        routes::operators::create,
        routes::operators::update,
        routes::operators::reset_password,
        routes::audit::list,
        crate::metrics::render,
        serve,
    ),
    components(schemas(
        ErrorBody,
        wacloud_core::changes::ChangeSet,
        routes::params::CustomerKeyText,
        routes::export::ExportFormat,
        routes::messages::SearchResults
    )),
    tags(
        (name = "health", description = "Whether the server, its database and Meta's token work"),
        (name = "contacts", description = "The customers, their conversations' state and the customer service window"),
        (name = "automations", description = "Rules, business hours and automatic replies, and handing a conversation to a bot subscription"),
        (name = "inbox", description = "The team inbox: a conversation's status, assignee, timeline and private notes; canned replies"),
        (name = "groups", description = "Groups of the business numbers (Meta's Groups API), apart from one-to-one conversations"),
        (name = "numbers", description = "The business numbers this server sends and receives for"),
        (name = "sending", description = "Sending messages now, later, or to many recipients"),
        (name = "queue", description = "Bulk batches and queue items: progress, cancel, retry"),
        (name = "messages", description = "Message history"),
        (name = "templates", description = "Message templates as Meta's webhooks report them"),
        (name = "stats", description = "Counts, what messages cost, and reports"),
        (name = "events", description = "Live updates for the widget"),
        (name = "webhook", description = "Meta's webhook: the subscription handshake and deliveries"),
        (name = "webhooks", description = "Outgoing webhooks (Standard Webhooks): subscriptions, their deliveries and attempts (admins only)"),
        (name = "auth", description = "Operators' sessions: log in, log out, who am I"),
        (name = "operators", description = "Operators' accounts and the audit trail (admins only)"),
        (name = "operations", description = "Metrics and this document"),
        (name = "dashboard", description = "The dashboard, the widget's files and this reference, built into the binary"),
    ),
)]
struct RouteDocs;

/// The document as served, built once: the routes' part, the files, the API key and what wraps
/// every route.
static JSON: LazyLock<String> = LazyLock::new(|| {
    let mut doc = RouteDocs::openapi();
    add_assets(&mut doc);
    add_security(&mut doc);
    for (path, item) in &mut doc.paths.paths {
        for (method, op) in operations(item) {
            add_wrapping_answers(path, &method, op);
        }
    }
    let mut json = serde_json::to_value(&doc).unwrap_or_default();
    camel_case_links(&mut json);
    json.to_string()
});

/// utoipa 5 writes a response link's fields as Rust names them (`operation_id`); OpenAPI spells
/// them `operationId`, `operationRef`, `requestBody` (utoipa 6 does, but needs Rust 1.88).
fn camel_case_links(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let links = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|r| r.get_mut("links").and_then(|l| l.as_object_mut()))
        .flat_map(|links| links.values_mut())
        .filter_map(|link| link.as_object_mut());
    for link in links {
        for (from, to) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(v) = link.remove(from) {
                link.insert(to.to_owned(), v);
            }
        }
    }
}

/// The document as served: OpenAPI 3.1 JSON.
#[must_use]
pub fn json() -> &'static str {
    JSON.as_str()
}

/// This document.
///
/// `GET /api/openapi.json`: the OpenAPI 3.1 document of every route (what `/api-reference.html`
/// renders). Needs no API key: it describes the API and holds nothing of this server's data.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)),
)]
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json())
}

/// Every operation of a path item, with its method.
fn operations(item: &mut PathItem) -> Vec<(Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
        (Method::HEAD, item.head.as_mut()),
        (Method::OPTIONS, item.options.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// An error answer: `description`, with the [`ErrorBody`] as JSON.
fn error_answer(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// Adds the answers that what wraps the routes gives (`crate::middleware`,
/// `crate::request_body`, the extractors' configuration), where the handler did not describe
/// that status itself.
fn add_wrapping_answers(path: &str, method: &Method, op: &mut Operation) {
    let guarded = crate::middleware::guarded(path);
    let writes = matches!(*method, Method::POST | Method::PUT | Method::PATCH);
    let body = op.request_body.as_ref().map(|b: &RequestBody| {
        let json = b.content.keys().any(|k| k.starts_with("application/json"));
        (json, matches!(b.required, Some(Required::True)))
    });
    let mut answers: Vec<(&str, &str)> = vec![(
        "414",
        "`uri_too_long`: the path and query string are over 8 KiB",
    )];
    let login = path == crate::auth::guard::LOGIN;
    if guarded && !login && !(method == Method::GET && path == paths::HEALTH) {
        answers.push((
            "401",
            "`login_required`: operators exist and the request carries neither a live session cookie nor the API key; `unauthorized`: `WACLOUD_API_KEY` is set, no operator exists, and the request does not carry the key",
        ));
        let cap = crate::auth::guard::capability(method, path);
        if cap.admin_only() {
            answers.push((
                "403",
                "`admin_only`: the logged-in operator is an agent; `cross_site_request`: a browser sent a write from a page of another site",
            ));
        }
    }
    if guarded && writes {
        answers.push((
            "403",
            "`cross_site_request`: a browser sent it from a page of another site",
        ));
    }
    if body.is_some() {
        answers.push((
            "408",
            "`request_timeout`: the body did not arrive within `WACLOUD_BODY_TIMEOUT_MS`",
        ));
        answers.push((
            "413",
            "`payload_too_large`: a body over the limit (1 MiB for the API's JSON, 256 KiB for an optional body)",
        ));
        answers.push((
            "503",
            "`server_busy`: the server already holds `WACLOUD_BODY_BYTES_IN_FLIGHT` bytes of request bodies; `Retry-After` says when to send again",
        ));
    }
    if path != paths::WEBHOOK {
        match body {
            Some((true, required)) => {
                answers.push((
                    "400",
                    if required {
                        "`invalid_json`: the body is not JSON or does not fit the schema"
                    } else {
                        "`invalid_json`: a body that is not the one described"
                    },
                ));
                // An optional JSON body is checked like a required one when it is not empty
                // (`routes::params::optional_json`).
                answers.push((
                    "415",
                    "`unsupported_media_type`: the body is not sent as `application/json`",
                ));
            }
            Some((false, false)) => {
                answers.push((
                    "400",
                    "`invalid_json`: a body that is not the one described",
                ));
            }
            _ => {}
        }
    }
    if path.starts_with(paths::API_PREFIX) {
        answers.push((
            "500",
            "`internal`: an unexpected failure; its cause is in the server's log",
        ));
    }
    for (status, description) in answers {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_answer(description));
    }
}

/// The API key: optional (`{}`) since it is needed only when `WACLOUD_API_KEY` is set.
fn add_security(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("`Authorization: Bearer <WACLOUD_API_KEY>`"))
                .build(),
        ),
    );
    components.add_security_scheme(
        "api_key",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-API-Key",
            "`X-API-Key: <WACLOUD_API_KEY>`",
        ))),
    );
    for (path, item) in &mut doc.paths.paths {
        if !crate::middleware::guarded(path) {
            continue;
        }
        for (_, op) in operations(item) {
            op.security = Some(vec![
                SecurityRequirement::default(),
                SecurityRequirement::new("bearer", Vec::<String>::new()),
                SecurityRequirement::new("api_key", Vec::<String>::new()),
            ]);
        }
    }
}

/// The dashboard's files and `/` (to the dashboard), from [`assets::FILES`].
fn add_assets(doc: &mut Document) {
    let version = ParameterBuilder::new()
        .name("v")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(
            "The file's version, as the dashboard links it: with the current one the answer may be cached for a year",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    for (path, content_type) in assets::files() {
        let media = content_type.split(';').next().unwrap_or(content_type);
        let op = OperationBuilder::new()
            .tag("dashboard")
            .operation_id(Some(format!("file{}", path.replace(['/', '.', '-'], "_"))))
            .summary(Some(path))
            .description(Some(
                "A file of the dashboard, built into the binary, with a strong `ETag` (304 when `If-None-Match` names it) and gzip when the client accepts it.",
            ))
            .parameter(version.clone())
            .response(
                "200",
                ResponseBuilder::new().description("The file").content(
                    media,
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                        .build(),
                ),
            )
            .response(
                "304",
                ResponseBuilder::new().description("Not modified (`If-None-Match`)"),
            )
            .build();
        doc.paths
            .add_path_operation(path, vec![HttpMethod::Get], op);
    }
    let index = OperationBuilder::new()
        .tag("dashboard")
        .operation_id(Some("index"))
        .summary(Some("To the dashboard"))
        .response(
            "302",
            ResponseBuilder::new().description("`Location: /dashboard.html`"),
        )
        .build();
    doc.paths
        .add_path_operation(assets::INDEX, vec![HttpMethod::Get], index);
}
