//! `X-Hub-Signature-256` verification (Meta webhooks "Validate payloads"): an
//! HMAC-SHA256 of the exact received bytes, keyed with the App Secret, compared in
//! constant time. Several secrets may be given so an App Secret can be rotated.

use ring::hmac;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// Why a webhook signature was refused. The `Display` text never contains the
/// expected signature or any secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header, or an empty one.
    Missing,
    /// The header is not `sha256=` followed by 64 hex digits.
    Malformed,
    /// The signature does not match the body under any configured App Secret.
    Mismatch,
    /// No (non-empty) App Secret is configured, so nothing can be verified.
    NoSecretConfigured,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureError::Missing => "X-Hub-Signature-256 header is missing or empty",
            SignatureError::Malformed => {
                "X-Hub-Signature-256 header is malformed (expected sha256=<64 hex digits>)"
            }
            SignatureError::Mismatch => {
                "X-Hub-Signature-256 does not match the body under the configured App Secret"
            }
            SignatureError::NoSecretConfigured => "no App Secret is configured to verify webhooks",
        })
    }
}

impl std::error::Error for SignatureError {}

/// Parses `sha256=<hex>` into the 32 signature bytes.
fn parse_header(header: Option<&str>) -> Result<[u8; 32], SignatureError> {
    let h = header.map(str::trim).unwrap_or("");
    if h.is_empty() {
        return Err(SignatureError::Missing);
    }
    let (algo, hex_sig) = h.split_once('=').ok_or(SignatureError::Malformed)?;
    if !algo.trim().eq_ignore_ascii_case("sha256") {
        return Err(SignatureError::Malformed);
    }
    let hex_sig = hex_sig.trim();
    if hex_sig.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_sig, &mut out).map_err(|_| SignatureError::Malformed)?;
    Ok(out)
}

/// Verifies `header` (the `X-Hub-Signature-256` value, `sha256=<hex>`) against the raw
/// request `body` with each of `app_secrets` in turn (rotation: old and new secret).
///
/// Pass the bytes exactly as received, before any JSON parsing: a body that was
/// decoded and re-encoded (`\u00e9` → `é`, `\/` → `/`) no longer matches. The
/// comparison is constant-time (`ring::hmac::verify`). Empty secrets are ignored.
pub fn verify_signature(
    body: &[u8],
    header: Option<&str>,
    app_secrets: &[SecretString],
) -> Result<(), SignatureError> {
    let sig = parse_header(header)?;
    let mut any_secret = false;
    let mut matched = false;
    for secret in app_secrets {
        let s = secret.expose_secret();
        if s.is_empty() {
            continue;
        }
        any_secret = true;
        let key = hmac::Key::new(hmac::HMAC_SHA256, s.as_bytes());
        // Every secret is tried, even after a match, so timing does not reveal which one matched.
        matched |= hmac::verify(&key, body, &sig).is_ok();
    }
    if !any_secret {
        return Err(SignatureError::NoSecretConfigured);
    }
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Computes the `X-Hub-Signature-256` header value (`sha256=<hex>`) for `body`, as
/// Meta does. For tests and local stand-ins of Meta (the sandbox).
pub fn sign(body: &[u8], app_secret: &SecretString) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, app_secret.expose_secret().as_bytes());
    format!("sha256={}", hex::encode(hmac::sign(&key, body).as_ref()))
}
