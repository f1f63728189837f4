//! The `wacloud` package's integration tests, one binary (one link) with a module per area.
//!
//! Most tests start the real server on port 0 with a fresh database of its own and the embedded
//! sandbox ([`app::TestApp`], built from typed settings), and talk to it over HTTP
//! ([`requests`]); a few run the `wacloud` binary itself (`CARGO_BIN_EXE_wacloud`) to kill it
//! or read its output. cargo-nextest runs every test in a process of its own, so nothing here
//! shares state between tests.

// The harness.
mod app;
mod bodies;
mod events;
mod requests;

// The tests, one module per area.
mod abuse;
mod api;
mod assets;
mod auth;
mod automation;
mod batch_equivalence;
mod batch_forming;
mod body_budget;
mod calls;
mod coexistence;
mod costs;
mod counts;
mod crash;
mod db_secrets;
mod export;
mod fixtures;
mod groups;
mod hardening;
mod identities;
mod import;
mod inbox;
mod ingest_effects;
mod inputs;
mod instances;
mod kinds;
mod listing;
mod live;
mod media;
mod metrics;
mod numbers;
mod openapi;
mod pacing_shared;
mod pg_restart;
mod privacy;
mod prune_crash;
mod queue_crash;
mod queue_faults;
mod queue_rate;
mod reports;
mod routing;
mod rules_crash;
mod search;
mod serve_help;
mod subscriptions;
mod templates;
mod templates_manage;
mod webhook_faults;
