//! A sandbox on a free port, and the client and raw requests the tests use against it.

use std::net::TcpListener;
use std::sync::Arc;

use secrecy::SecretString;
use wacloud_graph::GraphClient;
use wacloud_sandbox::{Sandbox, SandboxConfig};

/// The bearer token the test sandboxes expect (the examples' default).
pub const TOKEN: &str = "sandbox-token";
/// The App Secret they sign webhooks with (the examples' default).
pub const APP_SECRET: &str = "sandbox-secret";
/// Their business number id (the examples' default, and `wacloud sandbox`'s).
pub const PHONE_NUMBER_ID: &str = "100000000000001";

/// A sandbox served on `127.0.0.1:<free port>` until the test ends.
pub struct TestSandbox {
    pub sandbox: Arc<Sandbox>,
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
}

impl TestSandbox {
    /// Starts one with `change` applied to the default configuration (statuses 10 ms apart).
    pub fn start_with(change: impl FnOnce(&mut SandboxConfig)) -> Self {
        let mut cfg = SandboxConfig::new(
            PHONE_NUMBER_ID,
            SecretString::from(APP_SECRET.to_owned()),
            SecretString::from(TOKEN.to_owned()),
        );
        cfg.sent_after = std::time::Duration::from_millis(10);
        cfg.delivered_after = std::time::Duration::from_millis(20);
        cfg.read_after = None;
        change(&mut cfg);
        let sandbox = Sandbox::new(cfg);
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let served = Arc::clone(&sandbox);
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new().configure(wacloud_sandbox::configure(Arc::clone(&served)))
        })
        .listen(listener)
        .expect("listen")
        .disable_signals()
        .workers(1)
        .run();
        tokio::spawn(server);
        Self { sandbox, origin }
    }

    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// The Graph base URL a client is given: `http://127.0.0.1:<port>/sandbox/graph`.
    pub fn graph_base(&self) -> String {
        format!("{}/sandbox/graph", self.origin)
    }

    /// A client of the sandbox's number with the right token.
    pub fn client(&self) -> GraphClient {
        GraphClient::builder(TOKEN, PHONE_NUMBER_ID)
            .base_url(self.graph_base())
            .build()
            .expect("client")
    }

    /// `{graph_base}/v25.0/{path}`, for requests made without the client.
    pub fn graph_url(&self, path: &str) -> String {
        format!(
            "{}/{}/{path}",
            self.graph_base(),
            wacloud_graph::DEFAULT_API_VERSION
        )
    }
}
