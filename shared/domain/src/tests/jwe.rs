//! Unit tests of `jwe.rs`.

use picky::key::{EcCurve, PrivateKey};
use serde_json::json;

use super::*;

/// A CLI's key pair: the private key and its public JWK.
fn cli_key() -> (PrivateKey, Value) {
    let private = PrivateKey::generate_ec(EcCurve::NistP256).expect("key");
    let public = private.to_public_key().expect("public");
    let jwk = Jwk::from_public_key(&public)
        .and_then(|jwk| jwk.to_json())
        .expect("jwk");
    (private, serde_json::from_str(&jwk).expect("json"))
}

fn open(private: &PrivateKey, compact: &str) -> Option<Vec<u8>> {
    Jwe::decode(compact, private).ok().map(|jwe| jwe.payload)
}

#[test]
fn only_its_key_opens_the_hand_off() {
    let (cli, public) = cli_key();
    let jwk = public_p256_jwk(&public).expect("valid");
    let token = encrypt_for(&jwk, b"the refresh token").expect("encrypt");
    // Compact JWE, direct key agreement: five parts, no encrypted key.
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 5);
    assert!(parts[1].is_empty());
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");
    assert_eq!(header["alg"], "ECDH-ES");
    assert_eq!(header["enc"], "A256GCM");
    assert!(
        header
            .as_object()
            .expect("object")
            .values()
            .all(|v| !v.is_null()),
        "no null header fields: {header}"
    );
    assert_eq!(
        open(&cli, &token).as_deref(),
        Some(&b"the refresh token"[..])
    );
    let (stranger, _) = cli_key();
    assert_eq!(open(&stranger, &token), None);
}

#[test]
fn only_public_p256_keys_are_accepted() {
    let (_, good) = cli_key();
    assert!(public_p256_jwk(&good).is_ok());
    let mut with_private = good.clone();
    with_private["d"] = json!("AAAA");
    let mut off_curve = good.clone();
    off_curve["y"] = good["x"].clone();
    let mut other_curve = good.clone();
    other_curve["crv"] = json!("P-384");
    for bad in [
        with_private,
        off_curve,
        other_curve,
        json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
        json!("a string"),
        json!({}),
    ] {
        assert!(public_p256_jwk(&bad).is_err(), "{bad}");
    }
}

#[test]
fn a_derived_pair_is_rebuilt_from_its_secret_alone() {
    let pair = DerivedKeyPair::derive(b"the polling code's secret", "poll").expect("pair");
    let public = pair.public_jwk().expect("public half");
    let again = DerivedKeyPair::derive(b"the polling code's secret", "poll").expect("pair");
    assert_eq!(again.public_jwk().as_deref(), Some(public.as_str()));
    // The public half is a valid public JWK: no private part.
    let value: Value = serde_json::from_str(&public).expect("json");
    assert!(value.get("d").is_none(), "{public}");
    assert_eq!(
        public_p256_jwk(&value).ok().as_deref(),
        Some(public.as_str())
    );
    // What is encrypted to it opens with the rebuilt pair, and no other.
    let sealed = encrypt_for(&public, b"the refresh token").expect("encrypt");
    assert_eq!(
        again.open(&sealed).as_deref(),
        Some(&b"the refresh token"[..])
    );
    for (secret, purpose) in [
        (&b"another secret"[..], "poll"),
        (b"the polling code's secret", "other"),
    ] {
        let other = DerivedKeyPair::derive(secret, purpose).expect("pair");
        assert_ne!(other.public_jwk().as_deref(), Some(public.as_str()));
        assert_eq!(other.open(&sealed), None);
    }
    // The Debug form shows no key.
    assert_eq!(format!("{pair:?}"), "DerivedKeyPair { .. }");
}
