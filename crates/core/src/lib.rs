//! # wacloud-core
//!
//! The domain of wacloud, a WhatsApp Business integration on Meta's WhatsApp Cloud API: phone
//! identity ([`phone`]), messages and their delivery statuses ([`message`]), contacts
//! ([`contact`]), the customer service window ([`window`]), the queue ([`queue`]), the events a
//! webhook delivery carries ([`events`]); the ports other crates implement ([`ports`]: the store,
//! the messenger, the clock); and the use cases ([`usecases`]) that tie them together.
//!
//! This crate knows no HTTP, no SQL and no Meta JSON.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod automation;
pub mod calls;
pub mod canned;
pub mod changes;
pub mod contact;
pub mod conversation;
pub mod costs;
pub mod error;
pub mod events;
pub mod group;
pub mod idempotency;
pub mod media;
pub mod message;
pub mod numbers;
pub mod outbound;
pub mod outbox;
pub mod pacing;
pub mod phone;
pub mod ports;
pub mod privacy;
pub mod queue;
pub mod reports;
pub mod routing;
pub mod search;
pub mod stats;
pub mod template;
pub mod template_draft;
pub mod text;
pub mod usecases;
pub mod webhook;
pub mod window;

pub use error::CoreError;
pub use phone::{ContactKey, CustomerKey, PhoneError, PhoneNumber};
