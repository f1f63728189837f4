//! # wacloud-graph
//!
//! A standalone client for Meta's **WhatsApp Cloud API** (the Graph API):
//!
//! - [`GraphClient`]: one-call sends of text, templates and images and replies to
//!   inbound messages, and every message kind ([`messages::OutboundMessage`]: text,
//!   template, media, location, contacts, interactive, reaction), read receipts and
//!   the typing indicator, with typed answers and errors;
//! - [`media`]: upload (MIME and size checked first), URL retrieval, streaming
//!   download (token only to Meta's hosts, SHA-256 checked), delete;
//! - [`templates`] (list with paging, get, create, delete; edit in [`template_admin`])
//!   and [`account`] (number details, business profile, blocking);
//! - the account and its features: [`phone_numbers`] (register, verify, two-step PIN,
//!   settings, conversational automation), [`waba`] (details, webhook subscriptions,
//!   phone numbers), [`qr_codes`], [`groups`], [`calls`] (permissions and call
//!   actions), [`flows`] (manage flows and their Flow JSON) and [`number_features`]
//!   (Official Business Account, commerce settings, the business encryption key);
//!   [`waba_admin`] (activity log, schedules, assigned users); [`marketing`] (the
//!   Marketing Messages API), [`compliance`] (business compliance information),
//!   [`message_history`] (delivery events), [`nodes`] (profile, bot and account
//!   number by id), [`business`] (portfolio, owned and client WABAs, credit lines),
//!   [`preverified`] (pre-verified phone numbers), [`solutions`] (Multi-Partner
//!   Solutions) and [`partner_intents`] (MM Lite onboarding, migration and OBO intents);
//!   [`thread_control`] (Conversation Routing: pass, take, release a thread) and
//!   [`analytics`] (pricing, conversation and template analytics);
//!   [`resumable_upload`] (file handles for template samples and profile pictures)
//!   and [`template_library`] (Meta's ready-made templates);
//! - [`coverage`]: which operations of Meta's OpenAPI description the client performs,
//!   which it omits and why, and which are still to do (checked by a test);
//! - [`retry`] and [`pacer`]: an explicit [`RetryPolicy`] that never replays a send
//!   whose outcome is unknown, and an optional [`Pacer`] for Meta's throughput and
//!   pair-rate limits;
//! - [`webhook`]: `X-Hub-Signature-256` verification on raw bytes (constant time,
//!   several App Secrets for rotation), the GET handshake, and typed payloads for every
//!   field and message kind, with catch-alls that keep the raw JSON;
//! - [`error`]: Meta's error object kept whole and a classifier ([`ErrorClass`]) that
//!   says what a sender should do.
//!
//! **Runtime**: the client runs on [Tokio](https://tokio.rs) (its HTTP client,
//! `reqwest`, and its timers need a Tokio runtime; under another executor a request
//! panics with "no reactor running"). Use `#[tokio::main]` or call from inside a Tokio
//! runtime (actix-web and axum run on one).
//!
//! ```no_run
//! use wacloud_graph::GraphClient;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = GraphClient::builder("EAAG...", "106540352242922").build()?;
//!     let sent = client.send_text("15550000001", "Hello").await?;
//!     println!("sent {}", sent.wamid().unwrap_or_default());
//!     Ok(())
//! }
//! ```
//!
//! The common sends are one call each ([`GraphClient::send_text`],
//! [`GraphClient::send_template`], [`GraphClient::send_image`],
//! [`GraphClient::upload_and_send_image`], [`GraphClient::send_image_file`],
//! [`GraphClient::reply_text`] to an inbound
//! [`webhook::Message`]); each sends exactly what the full builders of [`messages`]
//! send, and those cover every other case.
//!
//! The token is a `String`, `&str` or [`SecretString`]; [`SecretString`] and
//! [`reqwest`] (used by [`GraphClientBuilder::http_client`]) are re-exported, so
//! neither needs to be a dependency of yours. When a call fails,
//! [`GraphError::may_resend`] alone says whether the same send may go out again.
//!
//! **Features**: `pacer` (default: [`Pacer`], built on `ratelimit`), `rustls-tls`
//! (default: TLS by rustls with Mozilla's roots) or `native-tls` (the platform's TLS
//! library), `http2` (HTTP/2 when the server offers it) and `stream` (uploads read from a
//! file as they are sent, `GraphClient::upload_media_file`). Without a TLS feature only
//! `http://` base URLs work (e.g. a local sandbox). The crate requires `idna_adapter`
//! `>=1.1, <1.2` (internationalised domain names by the unicode-rs crates rather than
//! ICU4X), so a program that requires `idna_adapter` 1.2 does not resolve with it.
//!
//! It depends on no web framework or database, and never puts the access token, an
//! App Secret or an expected signature in an error or `Debug` output.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `GraphError::Api(ApiError)` keeps every field Meta sends, inline, as the agreed public
// shape; errors are the cold path, so the size of `Result<_, GraphError>` does not matter.
#![allow(clippy::result_large_err)]

pub mod account;
pub mod analytics;
pub mod business;
pub mod calls;
mod client;
pub mod compliance;
pub mod coverage;
mod de;
pub mod error;
pub mod flows;
pub mod groups;
pub mod marketing;
pub mod media;
pub mod message_history;
pub mod messages;
mod node;
pub mod nodes;
pub mod number_features;
#[cfg(feature = "pacer")]
pub mod pacer;
pub mod partner_intents;
pub mod phone_numbers;
pub mod preverified;
pub mod qr_codes;
pub mod resumable_upload;
pub mod retry;
pub mod solutions;
pub mod template_admin;
pub mod template_library;
pub mod templates;
pub mod thread_control;
pub mod waba;
pub mod waba_admin;
pub mod webhook;

/// The `reqwest` this crate is built with, for [`GraphClientBuilder::http_client`].
pub use reqwest;
/// The trait that reads a [`SecretString`] (`expose_secret()`).
pub use secrecy::ExposeSecret;
/// The secret string type of the `secrecy` crate: access tokens, App Secrets and
/// verify tokens. Its contents are never shown by `Debug`.
pub use secrecy::SecretString;

/// The README, so that its Rust examples are compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use account::{
    BlockUsersResponse, BlockedUserEntry, BusinessProfile, BusinessProfileUpdate,
    PhoneNumberDetails,
};
pub use client::{
    GraphClient, GraphClientBuilder, SendMessageResponse, SentContact, SentMessage,
    DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_TIMEOUT,
};
pub use error::{classify, ApiError, ErrorClass, GraphError};
pub use media::{MediaDownload, MediaInfo, MediaUpload, MediaUploaded};
pub use messages::ValidationError;
#[cfg(feature = "pacer")]
pub use pacer::{Pacer, PacerConfig};
pub use retry::{RequestKind, RetryPolicy};
pub use templates::{CreatedTemplate, MessageTemplate, NewTemplate, TemplateCategory};
