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
//! - Meta's answers and errors: [`response_examples`] (the `examples/` folder),
//!   [`spec_answers`] (the YAML's inline success examples, through the client), [`errors`];
//! - webhooks: [`signature`], [`webhook_fixtures`], [`webhook_kinds`], [`webhook_fields`]
//!   (Conversation Routing, coexistence, BSUID changes), [`webhook_account_fields`] (account,
//!   partner, Flows, Groups and Calling fields);
//! - the other Graph operations, each request checked exactly ([`graph_mock`]):
//!   [`phone_numbers`], [`waba`], [`qr_codes`], [`groups`], [`calls`], [`flows`],
//!   [`number_features`] (with template edits), [`waba_admin`],
//!   [`marketing_compliance`], [`history_nodes`], [`business`],
//!   [`preverified`], [`solutions`], [`partner_intents`], [`block_list`];
//!   [`thread_control`] (Conversation Routing), [`analytics`], [`uploads_library`]
//!   (resumable uploads, the template library);
//! - the coverage of Meta's spec: [`coverage`]; every request body against Meta's
//!   schemas: [`request_schemas`].

mod account_templates;
mod analytics;
mod block_list;
mod builders;
mod business;
mod calls;
mod client;
mod common;
mod coverage;
mod errors;
mod flows;
mod graph_mock;
mod groups;
mod history_nodes;
mod marketing_compliance;
mod media;
mod number_features;
mod one_call;
mod pacer_backoff;
mod pacer_feedback;
mod pacer_share;
mod partner_intents;
mod phone_numbers;
mod preverified;
mod qr_codes;
mod request_schemas;
mod response_examples;
mod retry_pacing;
mod signature;
mod solutions;
mod spec_answers;
mod spec_examples;
mod template_builders;
mod thread_control;
mod uploads_library;
mod waba;
mod waba_admin;
mod webhook_account_fields;
mod webhook_fields;
mod webhook_fixtures;
mod webhook_kinds;
