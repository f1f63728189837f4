//! `Idempotency-Key`: a client's key for one request, so that repeating the request (a double
//! click, a retry after a lost answer) returns the first answer instead of doing it twice.

use chrono::{DateTime, Duration, Utc};

/// How long a key is remembered.
pub const KEY_TTL: Duration = Duration::hours(24);

/// A stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// `{endpoint}:{client key}`.
    pub key: String,
    /// SHA-256 (hex) of the request body, to tell a repeat from a different request that reuses
    /// the key.
    pub request_hash: String,
    /// The message or batch the request created, once known.
    pub resource_id: Option<String>,
    /// The HTTP status answered, once the request finished.
    pub status_code: Option<u16>,
    /// The JSON body answered, once the request finished.
    pub response: Option<String>,
    /// When the first request arrived.
    pub created_at: DateTime<Utc>,
}
