//! Store errors: start-up failures, and the mapping of diesel's errors to the core's.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use wacloud_core::ports::StoreError;

/// Why the store could not start.
#[derive(Debug, thiserror::Error)]
pub enum StoreInitError {
    /// The database could not be opened.
    #[error("cannot open the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
    /// The connection pool could not be built.
    #[error("cannot build the connection pool: {0}")]
    Pool(String),
}

/// Maps a diesel error to what the use cases can act on.
#[must_use]
pub fn map_err(e: DieselError) -> StoreError {
    match e {
        DieselError::NotFound => StoreError::NotFound("row not found".into()),
        DieselError::DatabaseError(kind, info) => {
            let msg = info.message().to_owned();
            match kind {
                DatabaseErrorKind::UniqueViolation => StoreError::Conflict(msg),
                DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::SerializationFailure
                | DatabaseErrorKind::ReadOnlyTransaction => StoreError::Unavailable(msg),
                _ if is_transient_message(&msg) => StoreError::Unavailable(msg),
                _ => StoreError::Internal(msg),
            }
        }
        DieselError::BrokenTransactionManager => {
            StoreError::Unavailable("transaction manager broken".into())
        }
        other => {
            let msg = other.to_string();
            if is_transient_message(&msg) {
                StoreError::Unavailable(msg)
            } else {
                StoreError::Internal(msg)
            }
        }
    }
}

/// Whether an error message says the database is (perhaps briefly) unavailable rather than that
/// the statement is wrong.
pub(crate) fn is_transient_message(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    [
        "database is locked",
        "disk i/o error",
        "unable to open database",
        "database or disk is full",
        "connection",
        "server closed",
        "terminating",
        "shutting down",
        "could not connect",
        "no connection to the server",
        // PostgreSQL: a restart (57P01/57P03), lock conflicts between instances (40P01, 55P03),
        // too many connections (53300). Each is worth a retry by the caller.
        "starting up",
        "in recovery",
        "deadlock detected",
        "could not serialize",
        "lock timeout",
        "could not obtain lock",
        "too many clients",
        "remaining connection slots",
    ]
    .iter()
    .any(|s| m.contains(s))
}
