//! The dashboard and the widget's files, built into the binary so the server needs no folder.

use actix_web::{http::header, web, HttpRequest, HttpResponse};

/// `(path, body, content type)` of every file under `web/`.
const ASSETS: &[(&str, &str, &str)] = &[
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
];

/// The dashboard's policy: nothing from anywhere but this server.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'";

/// Registers every asset's route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for (path, _, _) in ASSETS {
        cfg.route(path, web::get().to(serve));
    }
    cfg.route("/", web::get().to(index));
}

async fn serve(req: HttpRequest) -> HttpResponse {
    let Some((path, body, content_type)) = ASSETS.iter().find(|(p, _, _)| *p == req.path()) else {
        return HttpResponse::NotFound().finish();
    };
    let mut r = HttpResponse::Ok();
    r.content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if path.ends_with(".html") {
        r.insert_header((header::CONTENT_SECURITY_POLICY, CSP));
    }
    r.body(*body)
}

/// `GET /`: to the dashboard.
async fn index() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/dashboard.html"))
        .finish()
}
