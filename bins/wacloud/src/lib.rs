//! # wacloud
//!
//! The server: configuration, wiring, HTTP handlers, the glue from Meta's shapes to the core's
//! types, and the widget's files. `main.rs` only reads settings and starts [`app::Application`].
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod errors;
pub mod glue;
pub mod routes;
pub mod sandbox_cmd;
pub mod settings;
pub mod state;
pub mod worker;

pub use app::Application;
pub use settings::Settings;
