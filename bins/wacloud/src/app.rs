//! Building and running the server: store, Graph client (or sandbox), routes, workers.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpResponse, HttpServer};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{watch, Notify};
use wacloud_core::changes::ChangeFeed;
use wacloud_core::outbound::{OutboundRequest, SendFailure, SendReceipt};
use wacloud_core::ports::{Clock, Messenger, Store, SystemClock};
use wacloud_core::queue::SendingGate;
use wacloud_core::usecases::ingest::OurNumbers;
use wacloud_core::usecases::ingest_batch::{BatcherConfig, IngestBatcher};
use wacloud_core::usecases::queue::QueuePolicy;
use wacloud_graph::{GraphClient, Pacer, PacerConfig, RetryPolicy};
use wacloud_sandbox::{Sandbox, SandboxConfig};
use wacloud_store::{DbStore, StoreOptions};

use crate::errors::ApiError;
use crate::glue::messenger::GraphMessenger;
use crate::routes::{
    assets, batches, contacts, events, health, messages, send, stats, templates, webhook,
};
use crate::settings::{Mode, Settings};
use crate::state::{Alerts, AppState};

/// Events after which a batch of webhook deliveries stops growing (bounds a batch's latency).
const MAX_EVENTS_PER_BATCH: usize = 4000;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] wacloud_store::StoreInitError),
    /// The Graph client could not be built.
    #[error("cannot build the Graph client: {0}")]
    Graph(String),
}

/// A built server, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    store: DbStore,
    stop_tx: watch::Sender<bool>,
    banner: String,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// A messenger for live mode without a phone number id: every send is refused clearly.
#[derive(Debug)]
struct NotConfigured;

#[async_trait]
impl Messenger for NotConfigured {
    async fn send(&self, _: &OutboundRequest) -> Result<SendReceipt, SendFailure> {
        Err(SendFailure::Invalid(
            "WHATSAPP_PHONE_NUMBER_ID is not set; wacloud cannot send".into(),
        ))
    }
    async fn mark_read(&self, _: &str) -> Result<(), SendFailure> {
        Ok(())
    }
    fn business_phone(&self) -> Option<String> {
        None
    }
}

fn random_token() -> SecretString {
    use rand::Rng;
    let bytes: [u8; 24] = rand::rng().random();
    SecretString::from(hex::encode(bytes))
}

/// The JSON answer for errors actix raises itself (bad JSON, wrong content type, bad query).
fn json_error(err: &actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ),
        E::Overflow { limit } | E::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request bodies are limited to {limit} bytes"),
        ),
        E::Deserialize(e) => ApiError::bad_request("invalid_json", e.to_string()),
        other => ApiError::bad_request("invalid_json", other.to_string()),
    }
}

/// Requires the API key on the REST API when one is configured.
async fn require_api_key(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let expected = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.settings.http.api_key.clone());
    // The REST API and the sandbox's controls need the key; Meta's webhook authenticates by
    // signature, and the dashboard's files are public.
    let path = req.path();
    let guarded = (path.starts_with("/api/whatsapp/") && path != "/api/whatsapp/webhook")
        || path.starts_with("/sandbox/");
    if let Some(key) = expected.filter(|_| guarded) {
        if req.method() != actix_web::http::Method::OPTIONS {
            // The scheme name is case-insensitive (RFC 9110).
            let given = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.split_once(' ')
                        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                        .map(|(_, token)| token.trim())
                })
                .or_else(|| req.headers().get("x-api-key").and_then(|v| v.to_str().ok()));
            let ok = given.is_some_and(|g| {
                subtle::ConstantTimeEq::ct_eq(g.as_bytes(), key.expose_secret().as_bytes()).into()
            });
            if !ok {
                let err = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this API needs WACLOUD_API_KEY: send Authorization: Bearer <key> or X-API-Key: <key>",
                );
                return Ok(req.into_response(actix_web::ResponseError::error_response(&err)));
            }
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn cors(origins: &[String]) -> Cors {
    let base = Cors::default()
        .allowed_methods(vec!["GET", "POST", "PUT", "OPTIONS"])
        .expose_headers(vec!["idempotent-replayed"])
        .allowed_headers(vec![
            "content-type",
            "authorization",
            "x-api-key",
            "idempotency-key",
        ])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        base.allow_any_origin().send_wildcard()
    } else {
        origins
            .iter()
            .fold(base, |c, o| c.allowed_origin(o.as_str()))
    }
}

/// The API's routes and their methods, to tell a wrong method (405) from a wrong path (404).
const API_ROUTES: &[(&str, &str)] = &[
    ("/api/whatsapp/health", "GET"),
    ("/api/whatsapp/contacts", "GET"),
    ("/api/whatsapp/contacts/{}", "PUT"),
    ("/api/whatsapp/contacts/{}/read", "POST"),
    ("/api/whatsapp/send", "POST"),
    ("/api/whatsapp/send-bulk", "POST"),
    ("/api/whatsapp/batches/{}", "GET"),
    ("/api/whatsapp/batches/{}/cancel", "POST"),
    ("/api/whatsapp/queue/{}", "GET"),
    ("/api/whatsapp/queue/{}/cancel", "POST"),
    ("/api/whatsapp/queue/{}/retry", "POST"),
    ("/api/whatsapp/messages/{}/retry", "POST"),
    ("/api/whatsapp/messages", "GET"),
    ("/api/whatsapp/stats", "GET"),
    ("/api/whatsapp/templates", "GET"),
    ("/api/whatsapp/events", "GET"),
];

fn route_matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(a, b)| (*a == "{}" && !b.is_empty()) || a == b)
}

/// 405 with `Allow` for a known path asked with another method, 404 otherwise.
async fn api_fallback(req: actix_web::HttpRequest) -> HttpResponse {
    let allowed: Vec<&str> = API_ROUTES
        .iter()
        .filter(|(p, _)| route_matches(p, req.path()))
        .map(|(_, m)| *m)
        .collect();
    if allowed.is_empty() {
        return not_found().await;
    }
    let mut r = actix_web::ResponseError::error_response(&ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} takes {}", req.path(), allowed.join(", ")),
    ));
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
        r.headers_mut().insert(actix_web::http::header::ALLOW, v);
    }
    r
}

async fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::not_found(
        "no such route; the API lives under /api/whatsapp and the dashboard at /dashboard.html",
    ))
}

impl Application {
    /// Opens the store, builds the Graph client (or the sandbox), and binds the listener.
    ///
    /// # Errors
    /// [`StartError`].
    pub fn build(settings: Settings) -> Result<Self, StartError> {
        let listener =
            TcpListener::bind(&settings.http.bind).map_err(|source| StartError::Bind {
                addr: settings.http.bind.clone(),
                source,
            })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind {
            addr: settings.http.bind.clone(),
            source,
        })?;
        let port = local.port();
        // The sandbox calls this server back: on the address it listens on, or on loopback
        // when it listens on every address.
        let self_ip = match local.ip() {
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
                std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
            }
            std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
                std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST)
            }
            ip => ip,
        };
        let self_base = format!("http://{}", std::net::SocketAddr::new(self_ip, port));
        let exposed = local.ip().is_unspecified() || !local.ip().is_loopback();
        let has_key = settings.http.api_key.is_some();

        let store = DbStore::open(
            &settings.database.url,
            &StoreOptions {
                read_pool_size: settings.database.read_pool_size,
                max_batch: settings.database.writer_batch,
                sqlite_full_sync: settings.database.sqlite_full_sync,
                read_timeout: settings.database.timeout,
                ..StoreOptions::default()
            },
        )?;

        let pacer = Pacer::new(
            PacerConfig::new()
                .messages_per_second(settings.throughput.messages_per_second)
                .pair_interval(settings.throughput.pair_interval)
                .pair_burst(settings.throughput.pair_burst),
        )
        .map_err(|e| StartError::Graph(e.to_string()))?;
        // The queue retries refused sends durably on this schedule; the client itself never
        // retries a send.
        let retry = RetryPolicy::new(settings.queue.max_attempts)
            .base_delay(std::time::Duration::from_secs(1))
            .max_delay(std::time::Duration::from_secs(600));
        let (messenger, sandbox): (Arc<dyn Messenger>, Option<Arc<Sandbox>>) =
            match settings.meta.mode {
                Mode::Sandbox => {
                    let pid = settings.meta.phone_number_id.clone().unwrap_or_default();
                    let token = random_token();
                    let mut cfg = SandboxConfig::new(
                        pid.clone(),
                        settings.meta.app_secrets[0].clone(),
                        token.clone(),
                    );
                    let d = settings.sandbox.status_delay;
                    cfg.sent_after = d;
                    cfg.delivered_after = d * 2;
                    cfg.read_after = Some(d * 4);
                    cfg.strict_window = settings.sandbox.strict_window;
                    cfg.latency = settings.sandbox.latency;
                    cfg.messages_per_second =
                        Some(settings.sandbox.messages_per_second).filter(|n| *n > 0);
                    let business = format!("+{}", cfg.display_phone_number);
                    let sb = Sandbox::new(cfg);
                    sb.set_webhook_url(format!("{self_base}/api/whatsapp/webhook"));
                    let client = GraphClient::builder(token.clone(), pid)
                        .base_url(format!("{self_base}/sandbox/graph"))
                        .api_version(settings.meta.graph_api_version.clone())
                        .timeout(settings.meta.graph_timeout)
                        .build()
                        .map_err(|e| StartError::Graph(e.to_string()))?;
                    (
                        Arc::new(GraphMessenger::new(
                            client,
                            Some(business),
                            token,
                            pacer,
                            retry,
                        )),
                        Some(sb),
                    )
                }
                Mode::Live => match (&settings.meta.api_token, &settings.meta.phone_number_id) {
                    (Some(token), Some(pid)) => {
                        let mut b = GraphClient::builder(token.clone(), pid.clone())
                            .api_version(settings.meta.graph_api_version.clone())
                            .timeout(settings.meta.graph_timeout);
                        if let Some(url) = &settings.meta.graph_base_url {
                            b = b.base_url(url.clone());
                        }
                        let client = b.build().map_err(|e| StartError::Graph(e.to_string()))?;
                        (
                            Arc::new(GraphMessenger::new(
                                client,
                                None,
                                token.clone(),
                                pacer,
                                retry,
                            )),
                            None,
                        )
                    }
                    _ => (Arc::new(NotConfigured), None),
                },
            };

        let our_numbers = OurNumbers(settings.meta.phone_number_id.iter().cloned().collect());
        let store_port: Arc<dyn Store> = Arc::new(store.clone());
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let ingest = IngestBatcher::start(
            Arc::clone(&store_port),
            our_numbers.clone(),
            Arc::clone(&clock),
            BatcherConfig {
                max_deliveries: settings.database.writer_batch,
                max_events: MAX_EVENTS_PER_BATCH,
                inline_limit: settings.database.ingest_inline_limit,
                backlog_batch: settings.database.ingest_backlog_batch,
                in_flight: if store_port.backend() == "sqlite" {
                    16
                } else {
                    1
                },
                parse: Arc::new(crate::glue::webhook::parse_delivery),
            },
        );
        let (stop_tx, stopping) = watch::channel(false);
        let (settings_unknown_grace, settings_resend_unknown) =
            (settings.queue.unknown_grace, settings.queue.resend_unknown);
        let state = AppState {
            store: store_port,
            messenger,
            clock,
            settings: Arc::new(settings),
            our_numbers,
            sandbox: sandbox.clone(),
            alerts: Arc::new({
                let alerts = Alerts::default();
                if exposed && !has_key {
                    let m = format!(
                        "wacloud listens on {local}, beyond this machine, and WACLOUD_API_KEY is not set: anyone who can reach it can read and send messages. Set WACLOUD_API_KEY, or bind to 127.0.0.1 behind a proxy."
                    );
                    tracing::warn!("{m}");
                    alerts.raise("api_open", m);
                }
                alerts
            }),
            ingest,
            changes: Arc::new(store.clone()) as Arc<dyn ChangeFeed>,
            stopping,
            gate: Arc::new(SendingGate::default()),
            queue_wake: Arc::new(Notify::new()),
            queue_policy: QueuePolicy {
                unknown_grace: chrono::Duration::from_std(settings_unknown_grace)
                    .unwrap_or_else(|_| chrono::Duration::minutes(15)),
                resend_unknown: settings_resend_unknown,
            },
        };

        let banner = format!(
            "wacloud {} listening on http://{local} — mode: {}{} — database: {} — dashboard: http://{local}/dashboard.html",
            env!("CARGO_PKG_VERSION"),
            state.settings.meta.mode.as_str(),
            match state.settings.meta.mode {
                Mode::Sandbox => " (no WHATSAPP_API_TOKEN: messages go to the embedded Meta stand-in)",
                Mode::Live => " (Meta's Graph API)",
            },
            store.describe(),
        );

        let data = web::Data::new(state.clone());
        let origins = state.settings.http.cors_origins.clone();
        let server = HttpServer::new(move || {
            let mut app = App::new()
                .app_data(data.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(1024 * 1024)
                        .error_handler(|e, _| json_error(&e).into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::bad_request("invalid_query", e.to_string()).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|e, _| {
                    ApiError::bad_request("invalid_path", e.to_string()).into()
                }))
                .wrap(from_fn(require_api_key))
                .wrap(cors(&origins))
                .service(
                    web::resource("/api/whatsapp/webhook")
                        .route(web::get().to(webhook::handshake))
                        .route(web::post().to(webhook::receive))
                        .default_service(web::to(method_not_allowed)),
                )
                .service(
                    web::scope("/api/whatsapp")
                        .route("/health", web::get().to(health::health))
                        .route("/contacts", web::get().to(contacts::list))
                        .route("/contacts/{phone}", web::put().to(contacts::update))
                        .route(
                            "/contacts/{phone}/read",
                            web::post().to(contacts::mark_read),
                        )
                        .route("/send", web::post().to(send::send_one))
                        .route("/send-bulk", web::post().to(send::send_bulk))
                        .route("/batches/{id}", web::get().to(batches::batch))
                        .route(
                            "/batches/{id}/cancel",
                            web::post().to(batches::cancel_batch),
                        )
                        .route("/queue/{id}", web::get().to(batches::queue_item))
                        .route("/queue/{id}/cancel", web::post().to(batches::cancel_item))
                        .route("/queue/{id}/retry", web::post().to(batches::retry_item))
                        .route("/messages/{id}/retry", web::post().to(send::retry_message))
                        .route("/messages", web::get().to(messages::history))
                        .route("/stats", web::get().to(stats::stats))
                        .route("/templates", web::get().to(templates::list))
                        .route("/events", web::get().to(events::events))
                        .default_service(web::to(api_fallback)),
                )
                .configure(assets::configure);
            if let Some(sb) = &sandbox {
                app = app.configure(wacloud_sandbox::configure(sb.clone()));
            }
            app.default_service(web::to(not_found))
        })
        .listen(listener)
        .map_err(|source| StartError::Bind {
            addr: local.to_string(),
            source,
        })?
        .shutdown_timeout(10)
        .disable_signals()
        .run();

        Ok(Self {
            port,
            server,
            state,
            store,
            stop_tx,
            banner,
        })
    }

    /// The port the server listens on (useful with `WACLOUD_BIND=127.0.0.1:0`).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The line printed at start-up: mode, database, address.
    #[must_use]
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// The store (for maintenance and tests: e.g. shutting it down to see the server answer 503).
    #[must_use]
    pub fn store(&self) -> DbStore {
        self.store.clone()
    }

    /// A handle to stop the server.
    #[must_use]
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs until the server stops (Ctrl-C, SIGTERM, or the handle); then stops the workers and
    /// lets the store commit what it holds.
    ///
    /// On a signal, long-lived responses (`GET /events`) are ended first so that the graceful
    /// stop does not wait for them.
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stop_tx = Arc::new(self.stop_tx);
        {
            let stop_tx = Arc::clone(&stop_tx);
            let handle = self.server.handle();
            tokio::spawn(async move {
                wait_for_signal().await;
                tracing::info!("stopping: finishing requests in flight");
                let _ = stop_tx.send(true);
                handle.stop(true).await;
            });
        }
        let queue = tokio::spawn(crate::worker::run_queue(
            self.state.clone(),
            stop_tx.subscribe(),
        ));
        let result = self.server.await;
        let _ = stop_tx.send(true);
        let _ = queue.await;
        self.store.shutdown();
        result
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn method_not_allowed() -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "the webhook takes GET (handshake) and POST (deliveries)",
    ))
}
