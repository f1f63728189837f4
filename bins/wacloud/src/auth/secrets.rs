//! The secret material of operators' logins: passwords hashed with Argon2id (the `argon2`
//! crate's defaults, OWASP's parameters: 19 MiB, 2 passes, 1 lane; PHC strings), session ids
//! (32 random bytes) and their keyed hashes (HMAC-SHA256 under `WACLOUD_SESSION_SECRET`,
//! `ring`). Nothing here is ever logged: [`SessionId`]'s `Debug` shows nothing of it.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine as _;
use ring::hmac;
use secrecy::{ExposeSecret, SecretString};
use wacloud_core::auth::PasswordHash;

/// Hashes `password` with Argon2id and a fresh salt. Takes tens of milliseconds of CPU: call it
/// off the async threads ([`hash_password_blocking`]).
///
/// # Errors
/// The `argon2` crate's error as text (only for inputs it cannot take, such as a password over
/// 4 GiB).
pub fn hash_password(password: &str) -> Result<PasswordHash, String> {
    // 16 bytes from the OS's generator (through `rand`), as `SaltString::generate` would take.
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|e| e.to_string())
}

/// Whether `password` is the one `hash` was made from (constant time in the `argon2` crate). A
/// hash that does not parse matches nothing.
#[must_use]
pub fn verify_password(password: &str, hash: &PasswordHash) -> bool {
    argon2::PasswordHash::new(&hash.0).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of a random password, made once: a login for an address no operator has is checked
/// against it, so that it takes as long as a wrong password for one that exists.
#[must_use]
pub fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = hex::encode(rand::random::<[u8; 16]>());
        hash_password(&random).unwrap_or_else(|_| PasswordHash(String::new()))
    })
}

/// [`hash_password`] on tokio's blocking threads.
///
/// # Errors
/// As [`hash_password`], or the blocking task's failure.
pub async fn hash_password_blocking(password: String) -> Result<PasswordHash, String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| e.to_string())?
}

/// [`verify_password`] on tokio's blocking threads (`false` if the task fails).
pub async fn verify_password_blocking(password: String, hash: PasswordHash) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A session's id as the cookie carries it: 32 random bytes, base64url without padding (43
/// characters). Only its [`SessionKey::hash`] is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

impl SessionId {
    /// A new random id (never one used before: 256 bits from the OS's generator).
    #[must_use]
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The id a cookie carries, if it has the shape of one (43 base64url characters).
    #[must_use]
    pub fn from_cookie(value: &str) -> Option<Self> {
        let ok = value.len() == 43
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(value.to_owned()))
    }

    /// The value to put in the cookie.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The key sessions' ids are hashed under before they are stored or looked up.
pub struct SessionKey(hmac::Key);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

impl SessionKey {
    /// The key for `secret` (`WACLOUD_SESSION_SECRET`).
    #[must_use]
    pub fn new(secret: &SecretString) -> Self {
        Self(hmac::Key::new(
            hmac::HMAC_SHA256,
            secret.expose_secret().as_bytes(),
        ))
    }

    /// HMAC-SHA256 of `id` under this key, in hex: what `whatsapp_session.id_hash` holds. A
    /// server with another secret computes another hash for the same cookie and finds nothing.
    #[must_use]
    pub fn hash(&self, id: &SessionId) -> String {
        hex::encode(hmac::sign(&self.0, id.0.as_bytes()).as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("tidal-orchid-47-lantern").unwrap();
        assert!(
            h.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.0
        );
        assert!(verify_password("tidal-orchid-47-lantern", &h));
        assert!(!verify_password("tidal-orchid-47-lanterns", &h));
        assert!(!verify_password("x", &PasswordHash("garbage".to_owned())));
    }

    #[test]
    fn session_hashes_depend_on_the_secret() {
        let id = SessionId::generate();
        assert_eq!(id.expose().len(), 43);
        assert!(SessionId::from_cookie(id.expose()).is_some());
        assert!(SessionId::from_cookie("short").is_none());
        let a = SessionKey::new(&SecretString::from("one"));
        let b = SessionKey::new(&SecretString::from("two"));
        assert_ne!(a.hash(&id), b.hash(&id));
        assert_eq!(a.hash(&id), a.hash(&id));
        assert!(!format!("{id:?}").contains(id.expose()));
    }
}
