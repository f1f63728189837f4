//! The sandbox's Graph token check and Meta's refusal when it fails, shared by the message and
//! media endpoints.

use actix_web::{HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::payloads::graph_error;
use crate::Sandbox;

/// The token check: the configured token, and the token not revoked by the control.
pub(crate) fn authorized(req: &HttpRequest, sandbox: &Sandbox) -> bool {
    bearer_ok(req, sandbox) && sandbox.control().token_valid
}

/// Meta's 401 for a missing, wrong or expired token (code 190), not recorded as a send.
pub(crate) fn token_refusal(sandbox: &Sandbox) -> HttpResponse {
    HttpResponse::Unauthorized().json(token_error(sandbox))
}

/// Meta's error body for a missing, wrong (cannot be parsed) or revoked (expired) token.
pub(crate) fn token_error(sandbox: &Sandbox) -> Value {
    let msg = if sandbox.control().token_valid {
        "Invalid OAuth access token - Cannot parse access token"
    } else {
        "Error validating access token: Session has expired."
    };
    graph_error(190, "OAuthException", msg, None)
}

fn bearer_ok(req: &HttpRequest, sandbox: &Sandbox) -> bool {
    let expected = sandbox.config.access_token.expose_secret();
    req.headers()
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|t| {
            // Constant-time enough for a local stand-in: compare every byte.
            t.len() == expected.len()
                && t.bytes()
                    .zip(expected.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
}
