//! Building and running the server: store, Graph client (or sandbox), state, HTTP server
//! (routes in [`crate::routes`], what wraps them in [`crate::middleware`]), workers.
//!
//! [`Application::build`] only composes; each part is made by one function below.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use secrecy::SecretString;
use tokio::sync::{watch, Notify};
use wacloud_core::changes::ChangeFeed;
use wacloud_core::ports::{Clock, Messenger, Store, SystemClock};
use wacloud_core::queue::SendingGate;
use wacloud_core::usecases::ingest::OurNumbers;
use wacloud_core::usecases::queue::QueuePolicy;
use wacloud_graph::{GraphClient, Pacer, PacerConfig, RetryPolicy};
use wacloud_sandbox::{Sandbox, SandboxConfig};
use wacloud_store::{BatcherConfig, DbStore, IngestBatcher, StoreOptions};

use crate::adapters::messenger::{GraphMessenger, NotConfigured};
use crate::middleware;
use crate::pacing_share::{spawn_rate_share, PacedNumber};
use crate::routes;
use crate::settings::{DatabaseSettings, Mode, SandboxSettings, Settings};
use crate::state::{Alerts, AppState, EventStreams};

/// Events after which a batch of webhook deliveries stops growing (bounds a batch's latency).
const MAX_EVENTS_PER_BATCH: usize = 4000;

/// What to do about a listen address that could not be bound.
fn bind_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            "; another program (or another wacloud) listens there: stop it, or set WACLOUD_BIND to another address, e.g. WACLOUD_BIND=127.0.0.1:8081"
        }
        std::io::ErrorKind::PermissionDenied => {
            "; ports below 1024 need privileges: set WACLOUD_BIND to a port above 1024"
        }
        _ => "",
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The listen address could not be bound.
    #[error(
        "cannot listen on {addr} (WACLOUD_BIND): {source}{}",
        bind_hint(source)
    )]
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
    /// The media cache directory could not be made or read.
    #[error("cannot use the media cache directory {dir} (WACLOUD_MEDIA_CACHE_DIR): {source}")]
    MediaCache {
        /// The directory.
        dir: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A built server, listening, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    store: DbStore,
    stop_tx: watch::Sender<bool>,
    banner: String,
    /// The pacer of each number that sends, shared with the other instances once running.
    paced: Vec<PacedNumber>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

fn random_token() -> SecretString {
    use rand::Rng;
    let bytes: [u8; 24] = rand::rng().random();
    SecretString::from(hex::encode(bytes))
}

impl Application {
    /// Opens the store, builds the Graph client (or the sandbox), and binds the listener.
    ///
    /// # Errors
    /// [`StartError`].
    pub fn build(settings: Settings) -> Result<Self, StartError> {
        let (listener, local) = listen(&settings.http.bind, settings.http.socket_receive_buffer)?;
        let store = open_store(&settings.database)?;
        let (messenger, sandbox, client, factory, paced) = messenger(&settings, &self_base(local))?;
        let m = &settings.media;
        let cache =
            crate::media::MediaCache::open(&m.cache_dir, m.cache_bytes).map_err(|source| {
                StartError::MediaCache {
                    dir: m.cache_dir.display().to_string(),
                    source,
                }
            })?;
        let media = Arc::new(crate::media::MediaService::new(client, cache));
        let (stop_tx, stopping) = watch::channel(false);
        let numbers = Arc::new(crate::numbers::Numbers::new(
            OurNumbers::new(settings.meta.phone_number_id.iter().cloned().collect()),
            settings.meta.phone_number_id.clone(),
            messenger,
            factory,
        ));
        let state = state(settings, &store, numbers, sandbox, stopping, local, media);
        let banner = banner(&state, &store, local);
        let server = http_server(listener, local, &state)?;
        Ok(Self {
            port: local.port(),
            server,
            state,
            store,
            stop_tx,
            banner,
            paced: paced.into_iter().collect(),
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
        crate::numbers::start(
            &self.state.numbers,
            &self.state.store,
            self.state.stopping.clone(),
        )
        .await;
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
        // Before the queue worker, so that its first sends already wait for a share.
        let shares: Vec<_> = self
            .paced
            .into_iter()
            .filter_map(|n| spawn_rate_share(Arc::clone(&self.state.store), n, stop_tx.subscribe()))
            .collect();
        let queue = tokio::spawn(crate::worker::run_queue(
            self.state.clone(),
            stop_tx.subscribe(),
        ));
        let indexer = tokio::spawn(crate::worker::run_search_indexer(
            self.state.clone(),
            stop_tx.subscribe(),
        ));
        let pruner = tokio::spawn(crate::worker::run_pruner(
            self.state.clone(),
            stop_tx.subscribe(),
        ));
        let outbox = tokio::spawn(crate::outbox::run_outbox(
            self.state.clone(),
            stop_tx.subscribe(),
        ));
        if self.state.settings.meta.sync_templates_at_start {
            tokio::spawn(crate::worker::sync_templates_at_start(
                self.state.clone(),
                stop_tx.subscribe(),
            ));
        }
        let result = self.server.await;
        let _ = stop_tx.send(true);
        self.state.numbers.stop_sharing();
        let _ = queue.await;
        let _ = indexer.await;
        let _ = pruner.await;
        let _ = outbox.await;
        for s in shares {
            let _ = s.await;
        }
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

/// Binds `bind` (port 0 picks a free port).
fn listen(
    bind: &str,
    receive_buffer: Option<usize>,
) -> Result<(TcpListener, SocketAddr), StartError> {
    let bind_error = |source| StartError::Bind {
        addr: bind.to_owned(),
        source,
    };
    let mut last = None;
    for addr in std::net::ToSocketAddrs::to_socket_addrs(bind).map_err(bind_error)? {
        match listen_on(addr, receive_buffer) {
            Ok(listener) => {
                let local = listener.local_addr().map_err(bind_error)?;
                return Ok((listener, local));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(bind_error(last.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to bind")
    })))
}

/// A listening socket on `addr` as `TcpListener::bind` makes it (`SO_REUSEADDR`), with
/// `SO_RCVBUF` set before `listen` so that every accepted connection inherits it: actix reads
/// up to 128 KiB of a connection's buffered bytes ahead of the request's handler, memory the
/// body budget cannot see, so the kernel's buffer is what bounds it.
fn listen_on(addr: SocketAddr, receive_buffer: Option<usize>) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if let Some(bytes) = receive_buffer {
        socket.set_recv_buffer_size(bytes)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// Where the sandbox calls this server back: on the address it listens on, or on loopback when
/// it listens on every address.
fn self_base(local: SocketAddr) -> String {
    let ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, local.port()))
}

/// Opens (and migrates) the database.
fn open_store(db: &DatabaseSettings) -> Result<DbStore, StartError> {
    Ok(DbStore::open(
        &db.url,
        &StoreOptions {
            read_pool_size: db.read_pool_size,
            max_batch: db.writer_batch,
            sqlite_full_sync: db.sqlite_full_sync,
            read_timeout: db.timeout,
            ..StoreOptions::default()
        },
    )?)
}

/// The messenger every send goes through, the sandbox it talks to in sandbox mode, the Graph
/// client, and the number's pacer when there is a number to send for.
type MessengerAndSandbox = (
    Arc<dyn Messenger>,
    Option<Arc<Sandbox>>,
    Option<GraphClient>,
    Option<crate::numbers::MakeMessenger>,
    Option<PacedNumber>,
);

/// What sends: the Graph client to Meta in live mode, or to the embedded sandbox (returned too,
/// to be mounted) in sandbox mode; in live mode without a phone number id, a messenger that
/// refuses every send.
fn messenger(settings: &Settings, self_base: &str) -> Result<MessengerAndSandbox, StartError> {
    let t = &settings.throughput;
    let pacer = Pacer::new(
        PacerConfig::new()
            .messages_per_second(t.messages_per_second)
            .pair_interval(t.pair_interval)
            .pair_burst(t.pair_burst),
    )
    .map_err(|e| StartError::Graph(e.to_string()))?;
    // The queue retries refused sends durably on this schedule; the client itself never
    // retries a send.
    let retry = RetryPolicy::new(settings.queue.max_attempts)
        .base_delay(Duration::from_secs(1))
        .max_delay(Duration::from_secs(600));
    let meta = &settings.meta;
    match meta.mode {
        Mode::Sandbox => {
            let pid = meta.phone_number_id.clone().unwrap_or_default();
            let token = random_token();
            let sb = sandbox(&settings.sandbox, &pid, &meta.app_secrets[0], &token);
            let business = format!("+{}", sb.config().display_phone_number);
            sb.set_webhook_url(format!("{self_base}{}", routes::WEBHOOK));
            let client = GraphClient::builder(token.clone(), pid.clone())
                .waba_id(sb.config().waba_id.clone())
                .base_url(format!("{self_base}/sandbox/graph"))
                .api_version(meta.graph_api_version.clone())
                .timeout(meta.graph_timeout)
                .build()
                .map_err(|e| StartError::Graph(e.to_string()))?;
            let mut factory = MessengerFactory::new(
                settings,
                token.clone(),
                Some(format!("{self_base}/sandbox/graph")),
                retry.clone(),
            );
            factory.sandbox = Some(Arc::clone(&sb));
            let paced = PacedNumber {
                phone_number_id: pid,
                cap: t.messages_per_second,
                pacer: pacer.clone(),
            };
            let app_id = meta
                .app_id
                .clone()
                .or_else(|| Some(sb.config().app_id.clone()));
            let factory = factory.app_id(app_id.clone());
            let m = GraphMessenger::new(client.clone(), Some(business), token, pacer, retry)
                .with_app_id(app_id);
            Ok((
                Arc::new(m),
                Some(sb),
                Some(client),
                Some(factory.into_make()),
                Some(paced),
            ))
        }
        Mode::Live => match (&meta.api_token, &meta.phone_number_id) {
            (Some(token), Some(pid)) => {
                let mut b = GraphClient::builder(token.clone(), pid.clone())
                    .api_version(meta.graph_api_version.clone())
                    .timeout(meta.graph_timeout);
                if let Some(waba) = &meta.business_account_id {
                    b = b.waba_id(waba.clone());
                }
                if let Some(url) = &meta.graph_base_url {
                    b = b.base_url(url.clone());
                }
                let client = b.build().map_err(|e| StartError::Graph(e.to_string()))?;
                let factory = MessengerFactory::new(
                    settings,
                    token.clone(),
                    meta.graph_base_url.clone(),
                    retry.clone(),
                );
                let paced = PacedNumber {
                    phone_number_id: pid.clone(),
                    cap: t.messages_per_second,
                    pacer: pacer.clone(),
                };
                let factory = factory.app_id(meta.app_id.clone());
                let m = GraphMessenger::new(client.clone(), None, token.clone(), pacer, retry)
                    .with_app_id(meta.app_id.clone());
                Ok((
                    Arc::new(m),
                    None,
                    Some(client),
                    Some(factory.into_make()),
                    Some(paced),
                ))
            }
            _ => Ok((Arc::new(NotConfigured), None, None, None, None)),
        },
    }
}

/// The embedded Meta stand-in for `phone_number_id`, signing its webhooks with `app_secret`
/// and taking `token`.
fn sandbox(
    s: &SandboxSettings,
    phone_number_id: &str,
    app_secret: &SecretString,
    token: &SecretString,
) -> Arc<Sandbox> {
    let mut cfg = SandboxConfig::new(
        phone_number_id.to_owned(),
        app_secret.clone(),
        token.clone(),
    );
    let d = s.status_delay;
    cfg.sent_after = d;
    cfg.delivered_after = d * 2;
    cfg.read_after = Some(d * 4);
    cfg.strict_window = s.strict_window;
    cfg.latency = s.latency;
    cfg.messages_per_second = Some(s.messages_per_second).filter(|n| *n > 0);
    cfg.template_review = s.template_review;
    Sandbox::new(cfg)
}

/// Group commit of webhook deliveries.
fn start_ingest(
    db: &DatabaseSettings,
    store_port: &Arc<dyn Store>,
    our_numbers: &OurNumbers,
    clock: &Arc<dyn Clock>,
) -> IngestBatcher {
    IngestBatcher::start(
        Arc::clone(store_port),
        our_numbers.clone(),
        Arc::clone(clock),
        BatcherConfig {
            max_deliveries: db.writer_batch,
            max_events: MAX_EVENTS_PER_BATCH,
            inline_limit: db.ingest_inline_limit,
            backlog_batch: db.ingest_backlog_batch,
            in_flight: BatcherConfig::in_flight_for(store_port.backend()),
            parse: Arc::new(crate::adapters::webhook_events::parse_delivery),
        },
    )
}

/// What every handler shares; raises `api_open` when the API is reachable from elsewhere
/// without a key.
fn state(
    settings: Settings,
    store: &DbStore,
    numbers: Arc<crate::numbers::Numbers>,
    sandbox: Option<Arc<Sandbox>>,
    stopping: watch::Receiver<bool>,
    local: SocketAddr,
    media: Arc<crate::media::MediaService>,
) -> AppState {
    let our_numbers = numbers.ours();
    let messenger = numbers.default_messenger();
    let store_port: Arc<dyn Store> = Arc::new(store.clone());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ingest = start_ingest(&settings.database, &store_port, &our_numbers, &clock);
    let alerts = Alerts::default();
    let exposed = local.ip().is_unspecified() || !local.ip().is_loopback();
    if exposed && settings.http.api_key.is_none() {
        let m = format!(
            "wacloud listens on {local}, beyond this machine, and WACLOUD_API_KEY is not set: anyone who can reach it can read and send messages until an operator exists (wacloud operators add). Set WACLOUD_API_KEY or add an operator, or bind to 127.0.0.1 behind a proxy."
        );
        tracing::warn!("{m}");
        alerts.raise("api_open", m);
    }
    let queue_policy = QueuePolicy {
        unknown_grace: chrono::Duration::from_std(settings.queue.unknown_grace)
            .unwrap_or_else(|_| chrono::Duration::minutes(15)),
        resend_unknown: settings.queue.resend_unknown,
    };
    let event_streams = Arc::new(EventStreams::new(settings.http.events_max_clients));
    if !settings.auth.session_secret_given {
        tracing::info!("WACLOUD_SESSION_SECRET is not set: operators' sessions end when the server restarts, and are only taken by this instance");
    }
    let auth = Arc::new(crate::auth::AuthState::new(&settings.auth));
    // The dummy hash unknown e-mail addresses are checked against, made now: the first such
    // login must not take twice as long as a wrong password.
    std::thread::spawn(|| {
        let _ = crate::auth::secrets::dummy_hash();
    });
    AppState {
        auth,
        media,
        store: store_port,
        messenger,
        clock,
        settings: Arc::new(settings),
        our_numbers,
        numbers,
        sandbox,
        alerts: Arc::new(alerts),
        ingest,
        changes: Arc::new(store.clone()) as Arc<dyn ChangeFeed>,
        event_streams,
        stopping,
        gate: Arc::new(SendingGate::default()),
        queue_wake: Arc::new(Notify::new()),
        queue_policy,
    }
}

/// The line printed at start-up: version, address, mode, database, dashboard.
fn banner(state: &AppState, store: &DbStore, local: SocketAddr) -> String {
    let mode = state.settings.meta.mode;
    format!(
        "wacloud {} listening on http://{local} — mode: {}{} — database: {} — dashboard: http://{local}/dashboard.html",
        env!("CARGO_PKG_VERSION"),
        mode.as_str(),
        match mode {
            Mode::Sandbox => " (no WHATSAPP_API_TOKEN: messages go to the embedded Meta stand-in)",
            Mode::Live => " (Meta's Graph API)",
        },
        store.describe(),
    )
}

/// The HTTP server on `listener`: the state, the extractors' JSON errors, the API key, the
/// bound on the request's target, the refusal of cross-site writes and CORS around
/// [`routes::configure`] and the OpenAPI document ([`crate::openapi`], which describes those
/// routes).
fn http_server(
    listener: TcpListener,
    local: SocketAddr,
    state: &AppState,
) -> Result<Server, StartError> {
    let data = web::Data::new(state.clone());
    let origins = state.settings.http.cors_origins.clone();
    let sandbox = state.sandbox.clone();
    let budget = web::Data::new(crate::request_body::BodyBudget::new(
        state.settings.http.body_bytes_in_flight,
    ));
    crate::metrics::install();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(budget.clone())
            .app_data(middleware::json_config())
            .app_data(middleware::query_config())
            .app_data(middleware::path_config())
            .wrap(from_fn(crate::request_body::bound_body))
            .wrap(from_fn(crate::auth::guard::authenticate))
            .wrap(from_fn(middleware::refuse_long_uri))
            .wrap(from_fn(middleware::refuse_cross_site))
            .wrap(middleware::cors(&origins))
            .wrap(from_fn(middleware::head_as_get))
            .wrap(crate::request_body::json_errors())
            .wrap(from_fn(crate::metrics::time_requests))
            .route(crate::paths::OPENAPI, web::get().to(crate::openapi::serve))
            .configure(|cfg| routes::configure(cfg, sandbox.as_ref()))
    })
    .listen(listener)
    .map_err(|source| StartError::Bind {
        addr: local.to_string(),
        source,
    })?
    .shutdown_timeout(10)
    .disable_signals()
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_names_the_setting_that_moves_it() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = taken.local_addr().expect("addr").to_string();
        let e = listen(&addr, None)
            .expect_err("the port is taken")
            .to_string();
        assert!(e.contains(&addr), "{e}");
        assert!(e.contains("WACLOUD_BIND=127.0.0.1:8081"), "{e}");
    }

    #[test]
    fn accepted_connections_inherit_the_receive_buffer() {
        let receive = |setting| {
            let (listener, local) = listen("127.0.0.1:0", setting).expect("listen");
            let _client = std::net::TcpStream::connect(local).expect("connect");
            let (accepted, _) = listener.accept().expect("accept");
            socket2::SockRef::from(&accepted)
                .recv_buffer_size()
                .expect("SO_RCVBUF")
        };
        // Linux doubles what is asked (for its bookkeeping) and autotunes when nothing is.
        let small = receive(Some(16_384));
        assert!((16_384..=32_768).contains(&small), "{small}");
        assert!(receive(None) > small);
    }
}

/// How a messenger for another number is made: the environment's token, Graph base URL,
/// version, timeout and retry schedule, with the number's own id and rate.
#[derive(Clone)]
struct MessengerFactory {
    token: SecretString,
    base_url: Option<String>,
    api_version: String,
    timeout: Duration,
    retry: RetryPolicy,
    messages_per_second: u32,
    pair_interval: Duration,
    pair_burst: u32,
    /// The embedded sandbox, which plays every number a messenger is made for.
    sandbox: Option<Arc<Sandbox>>,
    /// Meta's app id, for the Resumable Upload API of template headers.
    app_id: Option<String>,
}

impl MessengerFactory {
    /// From the settings, with the token the default messenger uses and the Graph base URL
    /// (`None`: Meta's).
    #[must_use]
    fn new(
        settings: &Settings,
        token: SecretString,
        base_url: Option<String>,
        retry: RetryPolicy,
    ) -> Self {
        let t = &settings.throughput;
        Self {
            token,
            base_url,
            api_version: settings.meta.graph_api_version.clone(),
            timeout: settings.meta.graph_timeout,
            retry,
            messages_per_second: t.messages_per_second,
            pair_interval: t.pair_interval,
            pair_burst: t.pair_burst,
            sandbox: None,
            app_id: None,
        }
    }

    /// The Meta app's id its messengers upload template samples to.
    fn app_id(mut self, app_id: Option<String>) -> Self {
        self.app_id = app_id;
        self
    }

    fn make(
        &self,
        n: &wacloud_core::numbers::StoredNumber,
    ) -> Result<(Arc<dyn Messenger>, PacedNumber), String> {
        let b = &n.number;
        let pacer = Pacer::new(
            PacerConfig::new()
                .messages_per_second(b.messages_per_second.unwrap_or(self.messages_per_second))
                .pair_interval(
                    b.pair_interval_ms
                        .map_or(self.pair_interval, Duration::from_millis),
                )
                .pair_burst(self.pair_burst),
        )
        .map_err(|e| e.to_string())?;
        let paced = PacedNumber {
            phone_number_id: b.phone_number_id.clone(),
            cap: b.messages_per_second.unwrap_or(self.messages_per_second),
            pacer: pacer.clone(),
        };
        let mut builder = GraphClient::builder(self.token.clone(), b.phone_number_id.clone())
            .api_version(self.api_version.clone())
            .timeout(self.timeout);
        if let Some(w) = &b.waba_id {
            builder = builder.waba_id(w.clone());
        }
        if let Some(u) = &self.base_url {
            builder = builder.base_url(u.clone());
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        let digits = b
            .display_phone_number
            .as_deref()
            .map(|d| d.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|d| !d.is_empty());
        if let Some(sb) = &self.sandbox {
            // Without a display number the sandbox makes up one no other number shows.
            let shown = digits.clone().unwrap_or_default();
            if !sb.add_number(b.phone_number_id.clone(), shown) {
                return Err("the embedded sandbox plays no more numbers".into());
            }
        }
        let phone = digits.map(|d| format!("+{d}"));
        let m: Arc<dyn Messenger> = Arc::new(
            GraphMessenger::new(client, phone, self.token.clone(), pacer, self.retry.clone())
                .with_app_id(self.app_id.clone()),
        );
        Ok((m, paced))
    }
}

impl std::fmt::Debug for MessengerFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessengerFactory")
            .field("base_url", &self.base_url)
            .field("messages_per_second", &self.messages_per_second)
            .finish_non_exhaustive()
    }
}

impl MessengerFactory {
    /// As the numbers' registry takes it.
    fn into_make(self) -> crate::numbers::MakeMessenger {
        Arc::new(move |n| self.make(n))
    }
}
