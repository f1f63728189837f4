//! Standard Webhooks signing (<https://www.standardwebhooks.com>, "Signature scheme"): the
//! secret is `whsec_` + base64 of the key; the signed content is
//! `{webhook-id}.{webhook-timestamp}.{body}`; the `webhook-signature` header holds
//! `v1,<base64 of HMAC-SHA256>` for each secret in use, space-separated (several during a
//! rotation). HMAC is `ring`'s, as for Meta's `X-Hub-Signature-256`; conformance is checked
//! against the spec's reference Python package in `tests/it/subscriptions.rs`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use ring::hmac;

/// The prefix of a secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Bytes of a generated key (Standard Webhooks asks for 24 to 64).
const KEY_BYTES: usize = 32;

/// A new random secret: `whsec_` + base64 of 32 random bytes.
#[must_use]
pub fn new_secret() -> String {
    let mut key = [0_u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// Whether `s` is a usable secret: `whsec_` + base64 of 24 to 64 bytes (a secret without
/// the prefix would verify in some libraries and not in others).
#[must_use]
pub fn valid_secret(s: &str) -> bool {
    s.strip_prefix(SECRET_PREFIX)
        .and_then(|k| STANDARD.decode(k).ok())
        .is_some_and(|k| (24..=64).contains(&k.len()))
}

fn key_of(secret: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .ok()
}

/// The `webhook-signature` header for `body` sent as message `id` at `timestamp` (Unix
/// seconds), one `v1,` signature per secret.
#[must_use]
pub fn signature(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut content = Vec::with_capacity(id.len() + body.len() + 24);
    content.extend_from_slice(id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.to_string().as_bytes());
    content.push(b'.');
    content.extend_from_slice(body);
    secrets
        .iter()
        .filter_map(|s| key_of(s))
        .map(|k| {
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &k), &content);
            format!("v1,{}", STANDARD.encode(tag.as_ref()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_example_signature() {
        // The example of the Standard Webhooks specification (and of its libraries' tests).
        let sig = signature(
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_generated_valid_and_both_sign_during_a_rotation() {
        let (a, b) = (new_secret(), new_secret());
        assert!(valid_secret(&a) && a != b);
        assert!(!valid_secret("whsec_short"));
        // The same key without the prefix, or under another prefix, is refused.
        let key = a.strip_prefix(SECRET_PREFIX).expect("prefix");
        assert!(!valid_secret(key));
        assert!(!valid_secret(&format!("wsec_{key}")));
        assert!(!valid_secret(&format!("WHSEC_{key}")));
        let two = signature(&[&a, &b], "id", 1, b"{}");
        assert_eq!(two.split(' ').count(), 2);
        assert!(two.split(' ').all(|s| s.starts_with("v1,")));
    }
}
