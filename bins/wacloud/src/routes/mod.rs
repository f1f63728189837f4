//! HTTP handlers, one file per resource, and the route table. Handlers parse and answer; the
//! rules live in the core's use cases.
//!
//! A new REST endpoint is one line in [`API`]: that line registers it and makes a wrong method on
//! its path a 405 with `Allow`. Meta's webhook ([`WEBHOOK`]), the dashboard's files and the
//! sandbox's routes are mounted by [`configure`] beside it.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod automation;
pub mod batches;
pub mod calls;
pub mod canned;
pub mod contacts;
pub mod costs;
pub mod events;
pub mod export;
pub mod groups;
pub mod health;
pub mod idempotency;
pub mod inbox;
pub mod media;
pub mod messages;
pub mod numbers;
pub mod operators;
pub mod params;
pub mod privacy;
pub mod reports;
pub mod send;
pub mod stats;
pub mod subscriptions;
pub mod templates;
pub mod thread;
pub mod webhook;

use std::sync::Arc;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError, Route};
use wacloud_sandbox::Sandbox;

use crate::errors::ApiError;

pub use crate::paths::{API_PREFIX, HEALTH, METRICS, OPENAPI, WEBHOOK};

/// One endpoint of the REST API: a method, a path under [`API_PREFIX`] (an actix pattern, `{name}`
/// for a segment), and the handler, attached to a route of that method.
#[derive(Debug)]
pub struct Endpoint {
    /// The method it answers.
    pub method: Method,
    /// The path under [`API_PREFIX`].
    pub path: &'static str,
    /// Attaches the handler (`|r| r.to(handler)`).
    pub handler: fn(Route) -> Route,
}

const fn endpoint(method: Method, path: &'static str, handler: fn(Route) -> Route) -> Endpoint {
    Endpoint {
        method,
        path,
        handler,
    }
}

/// The REST API, one line per endpoint (docs/API.md describes each).
pub static API: &[Endpoint] = &[
    endpoint(Method::GET, "/health", |r| r.to(health::health)),
    endpoint(Method::GET, "/contacts", |r| r.to(contacts::list)),
    // Before `/contacts/{phone}`: actix answers 405 from the first resource whose path matches.
    endpoint(Method::POST, "/contacts/import", |r| r.to(contacts::import)),
    endpoint(Method::GET, "/contacts/{phone}", |r| {
        r.to(contacts::get_one)
    }),
    endpoint(Method::PUT, "/contacts/{phone}", |r| r.to(contacts::update)),
    endpoint(Method::DELETE, "/contacts/{phone}", |r| {
        r.to(privacy::erase)
    }),
    endpoint(Method::GET, "/contacts/{phone}/data", |r| {
        r.to(privacy::data)
    }),
    endpoint(Method::POST, "/contacts/{phone}/read", |r| {
        r.to(contacts::mark_read)
    }),
    endpoint(Method::POST, "/contacts/{phone}/typing", |r| {
        r.to(contacts::typing)
    }),
    endpoint(Method::GET, "/contacts/{phone}/conversation", |r| {
        r.to(inbox::get)
    }),
    endpoint(Method::PUT, "/contacts/{phone}/status", |r| {
        r.to(inbox::set_status)
    }),
    endpoint(Method::PUT, "/contacts/{phone}/assignee", |r| {
        r.to(inbox::assign)
    }),
    endpoint(Method::GET, "/contacts/{phone}/timeline", |r| {
        r.to(inbox::timeline)
    }),
    endpoint(Method::GET, "/contacts/{phone}/notes", |r| {
        r.to(inbox::notes)
    }),
    endpoint(Method::POST, "/contacts/{phone}/notes", |r| {
        r.to(inbox::add_note)
    }),
    endpoint(Method::GET, "/contacts/{phone}/thread", |r| {
        r.to(thread::get)
    }),
    endpoint(Method::GET, "/contacts/{phone}/calls", |r| {
        r.to(calls::list)
    }),
    endpoint(Method::POST, "/contacts/{phone}/call-permission", |r| {
        r.to(calls::request_permission)
    }),
    endpoint(Method::POST, "/contacts/{phone}/thread", |r| {
        r.to(thread::control)
    }),
    endpoint(Method::POST, "/contacts/{phone}/bot", |r| {
        r.to(automation::hand_over)
    }),
    endpoint(Method::DELETE, "/contacts/{phone}/bot", |r| {
        r.to(automation::hand_back)
    }),
    endpoint(Method::GET, "/rules", |r| r.to(automation::list)),
    endpoint(Method::POST, "/rules", |r| r.to(automation::create)),
    endpoint(Method::GET, "/rules/{id}", |r| r.to(automation::get)),
    endpoint(Method::PUT, "/rules/{id}", |r| r.to(automation::update)),
    endpoint(Method::DELETE, "/rules/{id}", |r| r.to(automation::delete)),
    endpoint(Method::GET, "/numbers/{phone_number_id}/automation", |r| {
        r.to(automation::get_settings)
    }),
    endpoint(Method::PUT, "/numbers/{phone_number_id}/automation", |r| {
        r.to(automation::put_settings)
    }),
    endpoint(Method::GET, "/groups", |r| r.to(groups::list)),
    endpoint(Method::POST, "/groups", |r| r.to(groups::create)),
    endpoint(Method::GET, "/groups/{id}", |r| r.to(groups::get)),
    endpoint(Method::GET, "/groups/{id}/messages", |r| {
        r.to(groups::messages)
    }),
    endpoint(Method::POST, "/groups/{id}/messages", |r| {
        r.to(groups::send_text)
    }),
    endpoint(Method::GET, "/groups/{id}/invite-link", |r| {
        r.to(groups::invite_link)
    }),
    endpoint(Method::POST, "/groups/{id}/invite-link", |r| {
        r.to(groups::reset_invite_link)
    }),
    endpoint(Method::POST, "/groups/{id}/participants/remove", |r| {
        r.to(groups::remove_participants)
    }),
    endpoint(Method::GET, "/mentions", |r| r.to(inbox::mentions)),
    endpoint(Method::GET, "/assignees", |r| r.to(inbox::assignees)),
    endpoint(Method::GET, "/canned-replies", |r| r.to(canned::list)),
    endpoint(Method::POST, "/canned-replies", |r| r.to(canned::create)),
    endpoint(Method::PUT, "/canned-replies/{id}", |r| {
        r.to(canned::update)
    }),
    endpoint(Method::DELETE, "/canned-replies/{id}", |r| {
        r.to(canned::delete)
    }),
    endpoint(Method::GET, "/subscriptions", |r| r.to(subscriptions::list)),
    endpoint(Method::POST, "/subscriptions", |r| {
        r.to(subscriptions::create)
    }),
    endpoint(Method::GET, "/subscriptions/{id}", |r| {
        r.to(subscriptions::get)
    }),
    endpoint(Method::PUT, "/subscriptions/{id}", |r| {
        r.to(subscriptions::update)
    }),
    endpoint(Method::DELETE, "/subscriptions/{id}", |r| {
        r.to(subscriptions::delete)
    }),
    endpoint(Method::POST, "/subscriptions/{id}/rotate-secret", |r| {
        r.to(subscriptions::rotate)
    }),
    endpoint(Method::GET, "/subscriptions/{id}/deliveries", |r| {
        r.to(subscriptions::deliveries)
    }),
    endpoint(
        Method::GET,
        "/subscriptions/{id}/deliveries/{delivery_id}",
        |r| r.to(subscriptions::delivery),
    ),
    endpoint(
        Method::POST,
        "/subscriptions/{id}/deliveries/{delivery_id}/redeliver",
        |r| r.to(subscriptions::redeliver),
    ),
    endpoint(Method::GET, "/numbers", |r| r.to(numbers::list)),
    endpoint(Method::POST, "/numbers", |r| r.to(numbers::add)),
    endpoint(Method::PUT, "/numbers/{phone_number_id}", |r| {
        r.to(numbers::change)
    }),
    endpoint(Method::POST, "/send", |r| r.to(send::send_one)),
    endpoint(Method::POST, "/send-bulk", |r| r.to(send::send_bulk)),
    endpoint(Method::GET, "/batches", |r| r.to(batches::list)),
    endpoint(Method::GET, "/batches/{id}", |r| r.to(batches::batch)),
    endpoint(Method::PATCH, "/batches/{id}", |r| {
        r.to(batches::change_batch)
    }),
    endpoint(Method::GET, "/batches/{id}/export", |r| {
        r.to(export::batch_export)
    }),
    endpoint(Method::POST, "/batches/{id}/cancel", |r| {
        r.to(batches::cancel_batch)
    }),
    endpoint(Method::GET, "/queue/{id}", |r| r.to(batches::queue_item)),
    endpoint(Method::POST, "/queue/{id}/cancel", |r| {
        r.to(batches::cancel_item)
    }),
    endpoint(Method::POST, "/queue/{id}/retry", |r| {
        r.to(batches::retry_item)
    }),
    endpoint(Method::POST, "/messages/{id}/retry", |r| {
        r.to(send::retry_message)
    }),
    endpoint(Method::GET, "/messages", |r| r.to(messages::history)),
    endpoint(Method::GET, "/messages/{id}/media", |r| {
        r.to(media::download)
    }),
    endpoint(Method::POST, "/media", |r| r.to(media::upload)),
    endpoint(Method::GET, "/stats", |r| r.to(stats::stats)),
    endpoint(Method::GET, "/costs", |r| r.to(costs::report)),
    endpoint(Method::GET, "/reports/{name}", |r| r.to(reports::report)),
    endpoint(Method::GET, "/templates", |r| r.to(templates::list)),
    endpoint(Method::POST, "/templates", |r| r.to(templates::create)),
    endpoint(Method::POST, "/templates/sync", |r| r.to(templates::sync)),
    endpoint(Method::DELETE, "/templates/{name}", |r| {
        r.to(templates::delete)
    }),
    endpoint(Method::GET, "/events", |r| r.to(events::events)),
    endpoint(Method::GET, "/export/contacts", |r| {
        r.to(export::contacts_export)
    }),
    endpoint(Method::GET, "/export/messages", |r| {
        r.to(export::messages_export)
    }),
    endpoint(Method::POST, "/auth/login", |r| r.to(auth::login)),
    endpoint(Method::POST, "/auth/logout", |r| r.to(auth::logout)),
    endpoint(Method::POST, "/auth/logout-all", |r| r.to(auth::logout_all)),
    endpoint(Method::GET, "/auth/me", |r| r.to(auth::me)),
    endpoint(Method::GET, "/operators", |r| r.to(operators::list)),
    endpoint(Method::POST, "/operators", |r| r.to(operators::create)),
    endpoint(Method::PATCH, "/operators/{id}", |r| {
        r.to(operators::update)
    }),
    endpoint(Method::POST, "/operators/{id}/password", |r| {
        r.to(operators::reset_password)
    }),
    endpoint(Method::GET, "/audit", |r| r.to(audit::list)),
];

/// Mounts every route, in this order: the webhook, the REST API (with its 405s), the dashboard's
/// files, the sandbox (in sandbox mode), and a JSON 404 for everything else.
pub fn configure(cfg: &mut web::ServiceConfig, sandbox: Option<&Arc<Sandbox>>) {
    cfg.service(
        web::resource(WEBHOOK)
            .route(web::get().to(webhook::handshake))
            .route(web::post().to(webhook::receive))
            .default_service(web::to(webhook::method_not_allowed)),
    );
    let api = API.iter().fold(web::scope(API_PREFIX), |scope, e| {
        scope.route(e.path, (e.handler)(web::method(e.method.clone())))
    });
    cfg.service(api.default_service(web::to(api_fallback)));
    cfg.route(METRICS, web::get().to(crate::metrics::render));
    assets::configure(cfg);
    if let Some(sb) = sandbox {
        cfg.configure(wacloud_sandbox::configure(Arc::clone(sb)));
    }
    cfg.default_service(web::to(fallback));
}

/// Every route the server mounts, as `(method, path)` with actix's `{name}` segments: [`API`],
/// Meta's webhook, the metrics and the dashboard's files that [`configure`] mounts, and the
/// OpenAPI document (`crate::openapi`) that `app.rs` mounts beside them. Not the sandbox's
/// routes: mounted only in sandbox mode, a stand-in for Meta that docs/API.md describes.
///
/// The OpenAPI document must describe each of these (an integration test checks it): a route
/// mounted in [`configure`] belongs here too.
#[must_use]
pub fn mounted() -> Vec<(Method, String)> {
    let mut all: Vec<(Method, String)> = API
        .iter()
        .map(|e| (e.method.clone(), format!("{API_PREFIX}{}", e.path)))
        .collect();
    all.extend([
        (Method::GET, WEBHOOK.to_owned()),
        (Method::POST, WEBHOOK.to_owned()),
        (Method::GET, METRICS.to_owned()),
        (Method::GET, OPENAPI.to_owned()),
        (Method::GET, assets::INDEX.to_owned()),
    ]);
    all.extend(assets::files().map(|(path, _)| (Method::GET, path.to_owned())));
    all
}

/// Whether `path` (under [`API_PREFIX`]) fits `pattern`: `{name}` stands for one non-empty
/// segment, as in actix.
fn path_matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b)
}

/// Under [`API_PREFIX`], for a request no endpoint took: 405 with `Allow` when [`API`] has the
/// path with other methods, 404 otherwise.
async fn api_fallback(req: HttpRequest) -> HttpResponse {
    let path = req.path().strip_prefix(API_PREFIX).unwrap_or_default();
    let allowed: Vec<&str> = API
        .iter()
        .filter(|e| path_matches(e.path, path))
        .map(|e| e.method.as_str())
        .collect();
    method_not_allowed(&req, &allowed)
}

/// Outside the API, for a request no route took: 405 with `Allow` when a route of [`mounted`]
/// (the metrics, the OpenAPI document, the dashboard's files) has the path with other methods
/// (the sandbox's routes answer their own), 404 otherwise.
async fn fallback(req: HttpRequest) -> HttpResponse {
    let all = mounted();
    let allowed: Vec<&str> = all
        .iter()
        .filter(|(_, p)| !p.starts_with(API_PREFIX) && path_matches(p, req.path()))
        .map(|(m, _)| m.as_str())
        .collect();
    method_not_allowed(&req, &allowed)
}

/// 405 naming the `allowed` methods of the request's path; a JSON 404 when there are none.
fn method_not_allowed(req: &HttpRequest, allowed: &[&str]) -> HttpResponse {
    if allowed.is_empty() {
        return not_found_response();
    }
    let mut r = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} takes {}", req.path(), allowed.join(", ")),
    )
    .error_response();
    if let Ok(v) = header::HeaderValue::from_str(&allowed.join(", ")) {
        r.headers_mut().insert(header::ALLOW, v);
    }
    r
}

/// Any path no route takes: a JSON 404 that says where things are.
fn not_found_response() -> HttpResponse {
    ApiError::not_found(
        "no such route; the API lives under /api/whatsapp and the dashboard at /dashboard.html",
    )
    .error_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_segment_stands_for_one_non_empty_segment() {
        assert!(path_matches("/queue/{id}/retry", "/queue/abc/retry"));
        assert!(!path_matches("/queue/{id}/retry", "/queue//retry"));
        assert!(!path_matches("/queue/{id}", "/queue/abc/retry"));
        assert!(path_matches("/health", "/health"));
        assert!(!path_matches("/health", "/health/"));
        assert!(!path_matches("/health", ""));
    }
}
