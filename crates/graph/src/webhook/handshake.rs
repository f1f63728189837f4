//! The GET verification handshake (Meta webhooks "Verification requests"): Meta calls
//! `?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...` and expects the
//! challenge back verbatim as plain text. No signature is involved.

use ring::hmac;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// Why a handshake was refused (answer 403). Never contains either token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeError {
    /// `hub.mode` is missing or not `subscribe`.
    WrongMode,
    /// `hub.verify_token` is missing.
    MissingToken,
    /// `hub.verify_token` does not match the configured verify token.
    TokenMismatch,
    /// `hub.challenge` is missing.
    MissingChallenge,
    /// No verify token is configured.
    NoTokenConfigured,
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandshakeError::WrongMode => "hub.mode is missing or not \"subscribe\"",
            HandshakeError::MissingToken => "hub.verify_token is missing",
            HandshakeError::TokenMismatch => "hub.verify_token does not match",
            HandshakeError::MissingChallenge => "hub.challenge is missing",
            HandshakeError::NoTokenConfigured => "no webhook verify token is configured",
        })
    }
}

impl std::error::Error for HandshakeError {}

/// Checks Meta's GET handshake and returns the challenge to echo back as `text/plain`.
///
/// `mode`, `token` and `challenge` are the `hub.mode`, `hub.verify_token` and
/// `hub.challenge` query values. The token comparison is constant-time and does not
/// reveal the expected token's length.
pub fn verify_handshake<'a>(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
    expected_token: &SecretString,
) -> Result<&'a str, HandshakeError> {
    if mode != Some("subscribe") {
        return Err(HandshakeError::WrongMode);
    }
    let expected = expected_token.expose_secret();
    if expected.is_empty() {
        return Err(HandshakeError::NoTokenConfigured);
    }
    let token = token.ok_or(HandshakeError::MissingToken)?;
    // Compare HMACs of both tokens under a fixed key: equal-length tags, compared
    // by ring in constant time, so neither content nor length leaks through timing.
    let key = hmac::Key::new(hmac::HMAC_SHA256, b"wacloud-graph verify_token compare");
    let expected_tag = hmac::sign(&key, expected.as_bytes());
    if hmac::verify(&key, token.as_bytes(), expected_tag.as_ref()).is_err() {
        return Err(HandshakeError::TokenMismatch);
    }
    challenge
        .filter(|c| !c.is_empty())
        .ok_or(HandshakeError::MissingChallenge)
}
