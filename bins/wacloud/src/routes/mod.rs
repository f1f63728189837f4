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

/// An optional JSON body: empty means the defaults; anything else must parse (400
/// `invalid_json` otherwise, never silently ignored).
///
/// # Errors
/// [`ApiError`] 400 `invalid_json`.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, crate::errors::ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| crate::errors::ApiError::bad_request("invalid_json", e.to_string()))
}
