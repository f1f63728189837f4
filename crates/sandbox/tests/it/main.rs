//! The sandbox's integration tests, one binary: the sandbox on a free port of its own in each
//! test, driven by `wacloud-graph`'s client as a program would drive Meta ([`common`]).
//!
//! - `media`: Meta's media endpoints (upload, URL and details, download, delete, sends by id);
//! - `examples`: every example of `wacloud-graph` run against the sandbox.

mod common;

mod examples;
mod media;
