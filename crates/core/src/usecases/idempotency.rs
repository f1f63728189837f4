//! `Idempotency-Key` on `POST /send` and `POST /send-bulk`: the first request with a key runs
//! and its answer is stored in the database; a repeat gets that same answer, also after a
//! restart and on another instance. A repeat that arrives while the first is still running
//! is told so ([`Claim::Running`]); the caller may wait and look again. Reusing a key for a different request is refused.

use chrono::{DateTime, Utc};

use crate::error::CoreError;
use crate::idempotency::{IdempotencyRecord, KEY_TTL};
use crate::ports::{read, write, Clock, Store, StoreError};

/// Longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 255;

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The first request with this key: run it, then [`complete`] (or [`release`]).
    Fresh,
    /// A repeat: answer this.
    Replay {
        /// HTTP status of the first answer.
        status: u16,
        /// JSON body of the first answer.
        body: String,
    },
    /// A repeat while the first request has not answered yet: look again with [`recheck`]
    /// a moment later (the caller decides how long to wait), or give up with
    /// [`still_running`].
    Running(IdempotencyRecord),
}

/// Checks a client's key: 1–255 visible ASCII characters.
///
/// # Errors
/// [`CoreError::Invalid`] (`invalid_idempotency_key`).
pub fn validate_key(key: &str) -> Result<(), CoreError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(CoreError::Invalid {
            code: "invalid_idempotency_key",
            message: format!(
                "Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters (a UUID is a good choice)"
            ),
            field: Some("Idempotency-Key"),
        });
    }
    Ok(())
}

enum Seen {
    Inserted,
    Existing(IdempotencyRecord),
}

/// Registers `key` for a request whose body hashes to `request_hash`, or finds the first
/// request's answer.
///
/// # Errors
/// - [`CoreError::Conflict`] `idempotency_key_reused` when the key came with another body;
/// - [`CoreError::Store`].
pub async fn claim(
    store: &dyn Store,
    clock: &dyn Clock,
    key: &str,
    request_hash: &str,
    resource_id: Option<String>,
) -> Result<Claim, CoreError> {
    let record = IdempotencyRecord {
        key: key.to_owned(),
        request_hash: request_hash.to_owned(),
        resource_id,
        status_code: None,
        response: None,
        created_at: clock.now(),
    };
    let seen = write(store, move |r| match r.get_idempotency(&record.key)? {
        Some(existing) => Ok(Seen::Existing(existing)),
        None => {
            if r.insert_idempotency(&record)? {
                Ok(Seen::Inserted)
            } else {
                r.get_idempotency(&record.key)?
                    .map(Seen::Existing)
                    .ok_or_else(|| StoreError::Conflict("idempotency key raced".into()))
            }
        }
    })
    .await;
    let existing = match seen {
        Ok(Seen::Inserted) => return Ok(Claim::Fresh),
        Ok(Seen::Existing(e)) => e,
        // Another instance inserted the same key at the same moment.
        Err(StoreError::Conflict(_)) => {
            let k = key.to_owned();
            read(store, move |r| r.get_idempotency(&k))
                .await?
                .ok_or_else(|| StoreError::Internal("idempotency key vanished".into()))?
        }
        Err(e) => return Err(e.into()),
    };
    judge(existing, request_hash)
}

/// Looks at a [`Claim::Running`] key again: its answer, still running, or (the first request
/// released it: it did nothing) claimed afresh for this request.
///
/// # Errors
/// As [`claim`].
pub async fn recheck(
    store: &dyn Store,
    clock: &dyn Clock,
    key: &str,
    request_hash: &str,
) -> Result<Claim, CoreError> {
    let k = key.to_owned();
    match read(store, move |r| r.get_idempotency(&k)).await? {
        Some(existing) => judge(existing, request_hash),
        None => Box::pin(claim(store, clock, key, request_hash, None)).await,
    }
}

fn judge(existing: IdempotencyRecord, request_hash: &str) -> Result<Claim, CoreError> {
    if existing.request_hash != request_hash {
        return Err(CoreError::Conflict {
            code: "idempotency_key_reused",
            message: "this Idempotency-Key was used for a different request; use a new key for a new request".into(),
        });
    }
    Ok(match (existing.status_code, existing.response.clone()) {
        (Some(status), Some(body)) => Claim::Replay { status, body },
        _ => Claim::Running(existing),
    })
}

/// The answer to a repeat whose first request has not answered in the time the caller waited
/// (it is still running, or the server stopped in the middle of it: then the `resource_id` it
/// created, if any, is named): [`CoreError::Conflict`] `idempotency_in_progress`.
#[must_use]
pub fn still_running(r: &IdempotencyRecord) -> CoreError {
    CoreError::Conflict {
        code: "idempotency_in_progress",
        message: match &r.resource_id {
            Some(id) => format!(
                "the first request with this Idempotency-Key (at {}) has not answered yet; it created {id} — look it up instead of sending again",
                r.created_at.to_rfc3339()
            ),
            None => format!(
                "the first request with this Idempotency-Key (at {}) has not answered yet; try again in a moment",
                r.created_at.to_rfc3339()
            ),
        },
    }
}

/// Stores the answer to the first request with `key`.
///
/// # Errors
/// [`StoreError`].
pub async fn complete(
    store: &dyn Store,
    clock: &dyn Clock,
    key: &str,
    status: u16,
    body: String,
) -> Result<(), StoreError> {
    let (k, now) = (key.to_owned(), clock.now());
    write(store, move |r| {
        r.complete_idempotency(&k, status, &body, now)
    })
    .await
}

/// Forgets `key`: its request did nothing (e.g. sending was paused), so a repeat runs afresh.
///
/// # Errors
/// [`StoreError`].
pub async fn release(store: &dyn Store, key: &str) -> Result<(), StoreError> {
    let k = key.to_owned();
    write(store, move |r| r.delete_idempotency(&k)).await
}

/// Forgets keys older than [`KEY_TTL`]; returns how many.
///
/// # Errors
/// [`StoreError`].
pub async fn purge(store: &dyn Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let before = now - KEY_TTL;
    write(store, move |r| r.purge_idempotency(before)).await
}

/// Whether the first request of `r` will never answer: it has not, and it is older than
/// `longest` — longer than any request can run (the pacer's wait, Meta's timeout and the
/// writes) — so the server that ran it stopped in the middle of it (a crash, `kill -9`). A
/// repeat then learns so at once ([`never_answered`]) instead of waiting for an answer that
/// cannot come.
#[must_use]
pub fn abandoned(r: &IdempotencyRecord, now: DateTime<Utc>, longest: std::time::Duration) -> bool {
    r.status_code.is_none()
        && chrono::Duration::from_std(longest).is_ok_and(|l| now - r.created_at > l)
}

/// The answer to a repeat of an [`abandoned`] request: [`CoreError::Conflict`]
/// `idempotency_abandoned`, naming what the first request created, if anything. Its outcome
/// is unknown (a send may have gone out): look the resource up rather than send again; the key
/// stays taken until it expires.
#[must_use]
pub fn never_answered(r: &IdempotencyRecord) -> CoreError {
    let first = r.created_at.to_rfc3339();
    CoreError::Conflict {
        code: "idempotency_abandoned",
        message: match &r.resource_id {
            Some(id) => format!(
                "the first request with this Idempotency-Key (at {first}) never answered: its server stopped during it; it created {id} — look it up (a send may have gone out) instead of sending again"
            ),
            None => format!(
                "the first request with this Idempotency-Key (at {first}) never answered: its server stopped during it; use a new key to try again"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_older_than_any_request_can_run_is_abandoned_and_named() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut r = IdempotencyRecord {
            key: "send:k".into(),
            request_hash: "h".into(),
            resource_id: Some("0193-msg".into()),
            status_code: None,
            response: None,
            created_at: t0,
        };
        let longest = std::time::Duration::from_secs(120);
        assert!(!abandoned(&r, t0 + chrono::Duration::seconds(120), longest));
        assert!(abandoned(&r, t0 + chrono::Duration::seconds(121), longest));
        let e = never_answered(&r).to_string();
        assert!(
            e.contains("0193-msg") && e.contains("never answered"),
            "{e}"
        );
        // An answered request is replayed, never abandoned.
        r.status_code = Some(200);
        assert!(!abandoned(&r, t0 + chrono::Duration::days(1), longest));
    }

    #[test]
    fn keys_are_visible_ascii() {
        assert!(validate_key("0b7a1c8e-2f1d-4b6a-9b1e-4c1b7f9a2d3e").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("has space").is_err());
        assert!(validate_key("é").is_err());
        assert!(validate_key(&"k".repeat(256)).is_err());
    }
}
