//! The dashboard and the widget's files, built into the binary so the server needs no folder.
//!
//! Each file has a strong `ETag` (from its bytes): a browser revalidates it and gets 304 when it
//! did not change. A URL carrying the file's version (`?v=`, the same digest) may be cached for a
//! year, since another build gives another URL; the dashboard's own page links its files that
//! way. Answers are gzip-compressed when the client accepts it (`Compress` in
//! [`configure`]).

use std::sync::LazyLock;

use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{middleware::Compress, web, HttpMessage, HttpRequest, HttpResponse};

/// `(path, body, content type)` of every file under `web/`: the dashboard, the widget (its entry
/// `js/whatsapp-widget.js` and the modules it imports from `js/widget/`, which are not linked
/// with a `?v=` and so are revalidated by their `ETag`) and the API reference (which renders
/// `GET /api/openapi.json`).
const FILES: &[(&str, &str, &str)] = &[
    (
        "/dashboard.html",
        include_str!("../../../../web/dashboard.html"),
        "text/html; charset=utf-8",
    ),
    (
        "/js/whatsapp-widget.js",
        include_str!("../../../../web/js/whatsapp-widget.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/state.js",
        include_str!("../../../../web/js/widget/state.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/skeleton.js",
        include_str!("../../../../web/js/widget/skeleton.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/panel.js",
        include_str!("../../../../web/js/widget/panel.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/contacts.js",
        include_str!("../../../../web/js/widget/contacts.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/chat.js",
        include_str!("../../../../web/js/widget/chat.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/messages.js",
        include_str!("../../../../web/js/widget/messages.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/templates.js",
        include_str!("../../../../web/js/widget/templates.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/media.js",
        include_str!("../../../../web/js/widget/media.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/reply.js",
        include_str!("../../../../web/js/widget/reply.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/composer.js",
        include_str!("../../../../web/js/widget/composer.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/sheets.js",
        include_str!("../../../../web/js/widget/sheets.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/inbox.js",
        include_str!("../../../../web/js/widget/inbox.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/routing.js",
        include_str!("../../../../web/js/widget/routing.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/calls.js",
        include_str!("../../../../web/js/widget/calls.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/live.js",
        include_str!("../../../../web/js/widget/live.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/auth.js",
        include_str!("../../../../web/js/widget/auth.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/numbers.js",
        include_str!("../../../../web/js/widget/numbers.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/dom.js",
        include_str!("../../../../web/js/widget/dom.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/format.js",
        include_str!("../../../../web/js/widget/format.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/search.js",
        include_str!("../../../../web/js/widget/search.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/campaigns.js",
        include_str!("../../../../web/js/widget/campaigns.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/reports.js",
        include_str!("../../../../web/js/widget/reports.js"),
        "text/javascript; charset=utf-8",
    ),
    // uPlot (MIT, `npm pack uplot` 1.6.32, unchanged): the reports' charts.
    (
        "/vendor/uplot/uPlot.iife.min.js",
        include_str!("../../../../web/vendor/uplot/uPlot.iife.min.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/vendor/uplot/uPlot.min.css",
        include_str!("../../../../web/vendor/uplot/uPlot.min.css"),
        "text/css; charset=utf-8",
    ),
    (
        "/vendor/uplot/LICENSE",
        include_str!("../../../../web/vendor/uplot/LICENSE"),
        "text/plain; charset=utf-8",
    ),
    (
        "/js/widget/groups.js",
        include_str!("../../../../web/js/widget/groups.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/template_admin.js",
        include_str!("../../../../web/js/widget/template_admin.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/automation.js",
        include_str!("../../../../web/js/widget/automation.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/rules.js",
        include_str!("../../../../web/js/widget/rules.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/widget/transfer.js",
        include_str!("../../../../web/js/widget/transfer.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/js/dashboard.js",
        include_str!("../../../../web/js/dashboard.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/css/whatsapp-styles.css",
        include_str!("../../../../web/css/whatsapp-styles.css"),
        "text/css; charset=utf-8",
    ),
    (
        "/css/dashboard.css",
        include_str!("../../../../web/css/dashboard.css"),
        "text/css; charset=utf-8",
    ),
    (
        "/api-reference.html",
        include_str!("../../../../web/api-reference.html"),
        "text/html; charset=utf-8",
    ),
    (
        "/js/api-reference.js",
        include_str!("../../../../web/js/api-reference.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "/css/api-reference.css",
        include_str!("../../../../web/css/api-reference.css"),
        "text/css; charset=utf-8",
    ),
];

/// `/`: redirected to the dashboard.
pub const INDEX: &str = "/";

/// Every file's path and content type (the OpenAPI document lists them).
pub fn files() -> impl Iterator<Item = (&'static str, &'static str)> {
    FILES
        .iter()
        .map(|(path, _, content_type)| (*path, *content_type))
}

/// One file as served.
struct Asset {
    path: &'static str,
    body: web::Bytes,
    content_type: &'static str,
    /// The first 16 hex digits of the SHA-256 of `body`: the `ETag` and the `?v=` version.
    version: String,
}

/// Every file, the dashboard's page with versioned links to the others.
static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let version = |body: &str| {
        hex::encode(&ring::digest::digest(&ring::digest::SHA256, body.as_bytes()).as_ref()[..8])
    };
    let mut assets: Vec<Asset> = FILES
        .iter()
        .map(|(path, body, content_type)| Asset {
            path,
            body: web::Bytes::from_static(body.as_bytes()),
            content_type,
            version: version(body),
        })
        .collect();
    let links: Vec<(String, String)> = assets
        .iter()
        .filter(|a| !a.path.ends_with(".html"))
        .map(|a| {
            let relative = a.path.trim_start_matches('/');
            (
                format!("\"{relative}\""),
                format!("\"{relative}?v={}\"", a.version),
            )
        })
        .collect();
    for a in assets.iter_mut().filter(|a| a.path.ends_with(".html")) {
        let mut page = String::from_utf8_lossy(&a.body).into_owned();
        for (plain, versioned) in &links {
            page = page.replace(plain.as_str(), versioned);
        }
        a.version = version(&page);
        a.body = web::Bytes::from(page);
    }
    assets
});

/// A year: what a versioned URL may be cached for.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The dashboard's policy: nothing from anywhere but this server.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'";

/// Registers every asset's route, compressed when the client accepts it.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for (path, _, _) in FILES {
        cfg.service(
            web::resource(*path)
                .wrap(Compress::default())
                .route(web::get().to(serve)),
        );
    }
    cfg.route(INDEX, web::get().to(index));
}

async fn serve(req: HttpRequest) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.path == req.path()) else {
        return HttpResponse::NotFound().finish();
    };
    let etag = EntityTag::new_strong(asset.version.clone());
    let versioned =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .is_ok_and(|q| q.get("v") == Some(&asset.version));
    let cache = if versioned { IMMUTABLE } else { "no-cache" };
    let unchanged = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&etag)),
        None => false,
    };
    let mut r = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    r.insert_header(header::ETag(etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if asset.path.ends_with(".html") {
        r.insert_header((header::CONTENT_SECURITY_POLICY, CSP));
    }
    if unchanged {
        return r.finish();
    }
    r.content_type(asset.content_type).body(asset.body.clone())
}

/// `GET /`: to the dashboard.
async fn index() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/dashboard.html"))
        .finish()
}
