//! The integration tests of `wacloud-graph`, as one test binary (one link per run), a
//! module per area. Tests that need Meta's fixtures read them from
//! `../shared/fixtures/meta` through [`common`], and skip with a printed reason when
//! that folder is absent.
//!
//! - the client against a local mock of the Graph API (wiremock): [`client`] (sends,
//!   read receipts, errors), [`one_call`] (the one-call sends), [`media`],
//!   [`account_templates`], [`retry_pacing`];
//! - the pacer as a queue worker uses it: [`pacer_backoff`]; a client's pacer learning
//!   from Meta's rate-limit refusals: [`pacer_feedback`];
//! - the message builders: [`builders`] (local limits), [`template_builders`] (template
//!   parameters, named parameters, typed buttons) and [`spec_examples`] (against
//!   Meta's OpenAPI description);
//! - Meta's answers and errors: [`response_examples`], [`errors`];
//! - webhooks: [`signature`], [`webhook_fixtures`], [`webhook_kinds`].

mod account_templates;
mod builders;
mod client;
mod common;
mod errors;
mod media;
mod one_call;
mod pacer_backoff;
mod pacer_feedback;
mod response_examples;
mod retry_pacing;
mod signature;
mod spec_examples;
mod template_builders;
mod webhook_fixtures;
mod webhook_kinds;
