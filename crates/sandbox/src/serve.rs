//! Running the sandbox on its own, as a separate process that outlives the server under test
//! (`wacloud sandbox`): crash tests kill the server while the sandbox keeps counting.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App, HttpServer};

use crate::{configure, Sandbox};

/// Serves `sandbox` (its routes under `/sandbox`) on `listener` until the process is stopped.
///
/// # Errors
/// I/O errors of the server.
pub async fn serve(sandbox: Arc<Sandbox>, listener: TcpListener) -> std::io::Result<()> {
    HttpServer::new(move || App::new().configure(configure(sandbox.clone())))
        .listen(listener)?
        .backlog(4096)
        .max_connection_rate(4096)
        .shutdown_timeout(1)
        .run()
        .await
}
