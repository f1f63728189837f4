//! # wacloud
//!
//! The server: settings ([`settings`]), wiring ([`app`]), the route table and HTTP handlers
//! ([`routes`]) with what wraps them ([`middleware`], [`request_body`]), their OpenAPI document
//! ([`openapi`]), operators' logins and roles ([`auth`]), warnings kept to one line per interval
//! ([`log_throttle`]), Prometheus metrics ([`metrics`]), the adapters from Meta's shapes to the core's ports and types
//! ([`adapters`]), background work ([`worker`]), the sharing of a number's throughput among
//! instances ([`pacing_share`]), and the widget's files.
//! `main.rs` only reads settings and starts [`app::Application`].
#![forbid(unsafe_code)]

pub mod adapters;
pub mod app;
pub mod auth;
pub mod cli;
pub mod erase_cmd;
pub mod errors;
pub mod log_throttle;
pub mod media;
pub mod metrics;
pub mod middleware;
pub mod numbers;
pub mod openapi;
pub mod operators_cmd;
pub mod outbox;
pub mod pacing_share;
pub mod paths;
pub mod request_body;
pub mod routes;
pub mod sandbox_cmd;
pub mod settings;
pub mod state;
pub mod worker;

pub use app::Application;
pub use settings::Settings;
