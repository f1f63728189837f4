//! X-Hub-Signature-256 verification on raw bytes.

use crate::common;

use secrecy::SecretString;
use wacloud_graph::webhook::{
    sign, verify_handshake, verify_signature, HandshakeError, SignatureError,
};

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

#[test]
fn pywa_vector_verifies_and_one_changed_byte_fails() {
    let (Some(vector), Some(body)) = (
        common::fixture_json("pywa/signature/vector.json"),
        common::fixture_bytes("pywa/signature/signed_body.json"),
    ) else {
        return;
    };
    let app_secret = secret(vector["app_secret"].as_str().unwrap());
    let header = vector["x_hub_signature_256"].as_str().unwrap();
    assert_eq!(body.len() as u64, vector["body_length"].as_u64().unwrap());
    verify_signature(&body, Some(header), std::slice::from_ref(&app_secret))
        .expect("vector verifies");
    assert_eq!(sign(&body, &app_secret), header);

    // One byte changed anywhere fails.
    for pos in [0, body.len() / 2, body.len() - 1] {
        let mut tampered = body.clone();
        tampered[pos] ^= 0x01;
        assert_eq!(
            verify_signature(&tampered, Some(header), std::slice::from_ref(&app_secret)),
            Err(SignatureError::Mismatch)
        );
    }
    // A trailing newline (as an editor or a re-encoder would add) fails.
    let mut nl = body.clone();
    nl.push(b'\n');
    assert_eq!(
        verify_signature(&nl, Some(header), std::slice::from_ref(&app_secret)),
        Err(SignatureError::Mismatch)
    );
    // A pretty-printed copy fails.
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let pretty = serde_json::to_vec_pretty(&v).unwrap();
    assert!(verify_signature(&pretty, Some(header), &[app_secret]).is_err());
}

#[test]
fn verify_token_is_not_the_hmac_key() {
    let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
    let header = sign(body, &secret("my-verify-token"));
    assert_eq!(
        verify_signature(body, Some(&header), &[secret("test-secret")]),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn missing_empty_and_malformed_headers() {
    let body = b"{}";
    let s = [secret("test-secret")];
    assert_eq!(
        verify_signature(body, None, &s),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify_signature(body, Some(""), &s),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify_signature(body, Some("   "), &s),
        Err(SignatureError::Missing)
    );
    for bad in [
        "sha256=",
        "sha256=zz",
        "sha1=0123456789abcdef0123456789abcdef01234567",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
        "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd",
    ] {
        assert_eq!(
            verify_signature(body, Some(bad), &s),
            Err(SignatureError::Malformed),
            "{bad}"
        );
    }
    // Uppercase hex is accepted (hex is case-insensitive).
    let good = sign(body, &s[0])
        .to_uppercase()
        .replace("SHA256=", "sha256=");
    assert_eq!(verify_signature(body, Some(&good), &s), Ok(()));
}

#[test]
fn two_secrets_for_rotation() {
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}"#;
    let old = secret("old-secret");
    let new = secret("test-secret");
    let by_old = sign(body, &old);
    let by_new = sign(body, &new);
    let both = [old.clone(), new.clone()];
    assert_eq!(verify_signature(body, Some(&by_old), &both), Ok(()));
    assert_eq!(verify_signature(body, Some(&by_new), &both), Ok(()));
    assert_eq!(
        verify_signature(body, Some(&by_old), std::slice::from_ref(&new)),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify_signature(body, Some(&by_new), &[]),
        Err(SignatureError::NoSecretConfigured)
    );
    assert_eq!(
        verify_signature(body, Some(&by_new), &[secret("")]),
        Err(SignatureError::NoSecretConfigured)
    );
}

#[test]
fn escaped_body_is_verified_as_bytes_and_then_parsed() {
    // Meta escapes non-ASCII and slashes; re-encoding would change the bytes.
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ren\u00e9e"},"wa_id":"15550000001"}],"messages":[{"from":"15550000001","id":"wamid.X1","timestamp":"1750090702","text":{"body":"caf\u00e9 \ud83d\ude00 https:\/\/example.com\/a @home"},"type":"text"}]},"field":"messages"}]}]}"#;
    let s = secret("test-secret");
    let header = sign(body, &s);
    verify_signature(body, Some(&header), std::slice::from_ref(&s)).unwrap();

    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    let reencoded = serde_json::to_vec(&v).unwrap();
    assert_ne!(&reencoded[..], &body[..], "re-encoding changes the bytes");
    assert_eq!(
        verify_signature(&reencoded, Some(&header), std::slice::from_ref(&s)),
        Err(SignatureError::Mismatch)
    );

    let p = wacloud_graph::webhook::WebhookPayload::from_slice(body).unwrap();
    let m = &p.messages_values().next().unwrap().messages[0];
    assert_eq!(
        m.text_or_caption(),
        Some("café 😀 https://example.com/a @home")
    );
}

#[test]
fn signature_errors_never_show_secrets_or_expected_signature() {
    let body = b"{\"a\":1}";
    let s = secret("test-secret");
    let expected = sign(body, &s);
    let wrong = sign(body, &secret("other"));
    let err = verify_signature(body, Some(&wrong), std::slice::from_ref(&s)).unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("test-secret"));
        assert!(!text.contains(&expected[7..]));
        assert!(!text.contains(&wrong[7..]));
    }
}

#[test]
fn handshake() {
    let t = secret("verify-me");
    assert_eq!(
        verify_handshake(Some("subscribe"), Some("verify-me"), Some("1158201444"), &t),
        Ok("1158201444")
    );
    assert_eq!(
        verify_handshake(Some("subscribe"), Some("verify-m"), Some("c"), &t),
        Err(HandshakeError::TokenMismatch)
    );
    assert_eq!(
        verify_handshake(Some("subscribe"), Some("verify-me!"), Some("c"), &t),
        Err(HandshakeError::TokenMismatch)
    );
    assert_eq!(
        verify_handshake(Some("unsubscribe"), Some("verify-me"), Some("c"), &t),
        Err(HandshakeError::WrongMode)
    );
    assert_eq!(
        verify_handshake(None, Some("verify-me"), Some("c"), &t),
        Err(HandshakeError::WrongMode)
    );
    assert_eq!(
        verify_handshake(Some("subscribe"), None, Some("c"), &t),
        Err(HandshakeError::MissingToken)
    );
    assert_eq!(
        verify_handshake(Some("subscribe"), Some("verify-me"), None, &t),
        Err(HandshakeError::MissingChallenge)
    );
    assert_eq!(
        verify_handshake(Some("subscribe"), Some(""), Some("c"), &secret("")),
        Err(HandshakeError::NoTokenConfigured)
    );
    let e = HandshakeError::TokenMismatch.to_string();
    assert!(!e.contains("verify-me"));
}
