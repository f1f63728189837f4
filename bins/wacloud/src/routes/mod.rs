//! HTTP handlers, one file per resource. Handlers parse and answer; the rules live in the
//! core's use cases.

pub mod assets;
pub mod batches;
pub mod contacts;
pub mod events;
pub mod health;
pub mod idempotency;
pub mod messages;
pub mod send;
pub mod stats;
pub mod templates;
pub mod webhook;

use wacloud_core::{CustomerKey, PhoneError};

use crate::errors::ApiError;

/// Reads a `{phone}` path segment or `phone` query value: E.164 with or without `+`
/// (percent-encoded `%2B` too), or a BSUID.
pub fn customer_key(raw: &str) -> Result<CustomerKey, ApiError> {
    let decoded = raw
        .replace("%2B", "+")
        .replace("%2b", "+")
        .replace("%20", " ");
    CustomerKey::parse(&decoded).map_err(|e: PhoneError| {
        ApiError::bad_request("invalid_phone_number", e.to_string()).with("field", "phone_number")
    })
}
