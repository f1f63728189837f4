//! The use cases: each takes the ports it needs and holds the rules, no I/O of its own.

pub mod automation;
pub mod bulk;
pub mod calls;
pub mod coexistence;
pub mod contacts;
pub mod costs;
pub mod groups;
pub mod idempotency;
pub mod inbox;
pub mod ingest;
pub mod numbers;
pub mod pacing;
pub mod privacy;
pub mod queue;
pub mod reports;
pub mod routing;
pub mod send;
pub mod subscriptions;
pub mod templates;
