//! # wacloud-store
//!
//! The database behind wacloud: the seven tables (`whatsapp_messages`, `whatsapp_contacts`,
//! `whatsapp_webhooks`, `whatsapp_templates`, `whatsapp_queue`, `whatsapp_session`,
//! `whatsapp_media`) on SQLite or PostgreSQL, with embedded migrations and one repository code
//! path for both ([`with_conn!`]). [`DbStore`] implements the core's `Store` port with a
//! group-committing writer.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod checkpoint;
#[allow(
    missing_docs,
    reason = "diesel::MultiConnection generates undocumented items"
)]
pub mod conn;
pub mod db;
pub mod error;
pub mod ingest;
pub mod listen;
#[allow(missing_docs)]
pub mod models;
pub mod repo;
#[allow(missing_docs)]
pub mod schema;
#[cfg(any(test, feature = "test-db"))]
pub mod testdb;
mod wal_sync;

pub use conn::{DatabaseUrl, DbConnection};
pub use db::{DbStore, StoreOptions};
pub use error::StoreInitError;
pub use ingest::{BatcherConfig, IngestBatcher};

#[cfg(test)]
mod tests;
