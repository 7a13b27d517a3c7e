//! Unit tests of `domain/tokens/`.

use super::*;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::domain::accounts::new_user;
use crate::domain::session::Session;
use crate::domain::user::{User, UserPatch};
use jsonwebtoken::{Algorithm, Validation};

fn user(anon: bool) -> User {
    let patch = UserPatch {
        is_anonymous: Some(anon),
        ..UserPatch::default()
    };
    User {
        id: "u1".into(),
        ..new_user("p1", &patch, 0)
    }
}

#[test]
fn short_secrets_are_refused() {
    assert!(TokenIssuer::new(b"short", 600).is_err());
}

#[test]
fn tokens_verify_against_the_published_jwks_only() {
    let issuer = TokenIssuer::new(&[7u8; 32], 600).expect("issuer");
    let now = 1_800_000_000_000;
    for anon in [false, true] {
        let u = user(anon);
        let (session, _) = Session::create("p1", "u1", now, 1000, false);
        let token = issuer
            .access_token("http://localhost:8787/", &u, &session.id, now)
            .expect("token");
        let header = jsonwebtoken::decode_header(&token).expect("header");
        assert_eq!(header.alg, Algorithm::ES256);
        let jwks = issuer.jwks("p1", anon).expect("jwks");
        let jwk = jwks["keys"]
            .as_array()
            .and_then(|ks| {
                ks.iter()
                    .find(|k| k["kid"].as_str() == header.kid.as_deref())
            })
            .expect("kid published");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[audience("p1", anon)]);
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<AccessClaims>(
            &token,
            &decoding_key_from_jwk(jwk).expect("key"),
            &validation,
        )
        .expect("verifies");
        assert_eq!(data.claims.exp - data.claims.iat, 600);
        assert_eq!(data.claims.refresh_token_id, session.id);
        assert_eq!(data.claims.is_anonymous, anon);
        let expected_iss = if anon {
            "http://localhost:8787/api/v1/projects-anonymous-users/p1"
        } else {
            "http://localhost:8787/api/v1/projects/p1"
        };
        assert_eq!(data.claims.iss, expected_iss);
    }
    // Without include_anonymous the anonymous key is absent.
    let jwks = issuer.jwks("p1", false).expect("jwks");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1));
}

#[test]
fn keys_differ_by_audience_and_secret_and_are_deterministic() {
    let a = TokenIssuer::new(&[1u8; 32], 600).expect("a");
    let b = TokenIssuer::new(&[2u8; 32], 600).expect("b");
    let a2 = TokenIssuer::new(&[1u8; 32], 60).expect("a2");
    let kid = |i: &TokenIssuer, p: &str| i.jwks(p, false).expect("jwks")["keys"][0]["kid"].clone();
    assert_eq!(kid(&a, "p"), kid(&a2, "p"));
    assert_ne!(kid(&a, "p"), kid(&b, "p"));
    assert_ne!(kid(&a, "p"), kid(&a, "q"));
}

/// A token that looks like ours for `project`: well-formed, ES256, a `kid`,
/// claims naming the project; its signature is junk.
fn forged(project: &str, kid: &str) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(json!({"alg": "ES256", "typ": "JWT", "kid": kid})),
        part(json!({"sub": "u", "aud": project, "project_id": project, "exp": 4_000_000_000i64})),
        URL_SAFE_NO_PAD.encode([7u8; 64])
    )
}

/// Forged tokens in volume keep nothing: only the keys of a project the
/// store knows are cached (before, each forged project id cached a key).
#[test]
fn forged_tokens_leave_no_keys_behind() {
    let issuer = TokenIssuer::new(&[7u8; 32], 600).expect("issuer");
    let now = 1_800_000_000_000;
    for i in 0..500 {
        let project = format!("forged-{i}");
        for exists in [false, true] {
            // As the request's own project (unknown to the store), and as
            // another project than the request's (existing) one.
            let (requested, token) = if exists {
                ("p1", forged(&project, "kid"))
            } else {
                (project.as_str(), forged(&project, "kid"))
            };
            assert_eq!(
                issuer.verify(&token, requested, exists, now),
                Err(VerifyError::Unparsable)
            );
        }
    }
    assert_eq!(issuer.cached_audiences(), 0);

    // A genuine token of another project is recognised as such, and its
    // project's key is not kept either.
    let other = User {
        project_id: "p2".into(),
        ..user(false)
    };
    let token = issuer
        .access_token("http://localhost", &other, "s1", now)
        .expect("token");
    assert_eq!(issuer.cached_audiences(), 1, "signing caches its key");
    let fresh = TokenIssuer::new(&[7u8; 32], 600).expect("issuer");
    assert_eq!(
        fresh.verify(&token, "p1", true, now),
        Err(VerifyError::OtherProject {
            actual: "p2".into()
        })
    );
    assert_eq!(fresh.cached_audiences(), 0);
    // Its own project's requests, once the store knows the project, cache it.
    assert!(fresh.verify(&token, "p2", true, now).is_ok());
    assert_eq!(fresh.cached_audiences(), 1);
    assert!(
        fresh.verify(&token, "p2", false, now).is_ok(),
        "verified, uncached"
    );
}

/// A rotation without a hard cut: with the replaced secret configured as
/// the previous one, tokens it signed still verify and its keys stay in the
/// JWKS (after the current ones); new tokens are signed with the current
/// secret; once the previous secret is dropped, its tokens stop verifying.
#[test]
fn a_previous_secret_keeps_its_tokens_valid_during_a_rotation() {
    let now = 1_800_000_000_000;
    let (old_secret, new_secret, newer_secret) = ([1u8; 32], [2u8; 32], [3u8; 32]);
    let before = TokenIssuer::new(&old_secret, 600).expect("issuer");
    let old_token = before
        .access_token("http://localhost", &user(false), "s1", now)
        .expect("token");
    let kid = |token: &str| jsonwebtoken::decode_header(token).expect("header").kid;

    let during = TokenIssuer::new(&new_secret, 600)
        .expect("issuer")
        .also_verifying(&old_secret)
        .expect("previous");
    assert!(during.verify(&old_token, "p1", true, now).is_ok());
    assert!(
        during.verify(&old_token, "p1", false, now).is_ok(),
        "uncached too"
    );
    let new_token = during
        .access_token("http://localhost", &user(false), "s1", now)
        .expect("token");
    assert_ne!(
        kid(&new_token),
        kid(&old_token),
        "signed with the new secret"
    );
    assert!(during.verify(&new_token, "p1", true, now).is_ok());
    let jwks = during.jwks("p1", false).expect("jwks");
    let kids: Vec<Option<String>> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        kids,
        vec![kid(&new_token), kid(&old_token)],
        "current first"
    );
    // An API that knows only the JWKS verifies both.
    for token in [&old_token, &new_token] {
        let jwk = jwks["keys"]
            .as_array()
            .and_then(|ks| {
                ks.iter()
                    .find(|k| k["kid"].as_str() == kid(token).as_deref())
            })
            .expect("published");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["p1"]);
        validation.validate_exp = false;
        jsonwebtoken::decode::<AccessClaims>(
            token,
            &decoding_key_from_jwk(jwk).expect("key"),
            &validation,
        )
        .expect("verifies from the JWKS");
    }

    let after = TokenIssuer::new(&new_secret, 600).expect("issuer");
    assert_eq!(
        after.verify(&old_token, "p1", true, now),
        Err(VerifyError::Unparsable)
    );
    let next = TokenIssuer::new(&newer_secret, 600)
        .expect("issuer")
        .also_verifying(&new_secret)
        .expect("previous");
    assert_eq!(
        next.verify(&old_token, "p1", true, now),
        Err(VerifyError::Unparsable),
        "only the secrets it is given"
    );
    assert!(next.verify(&new_token, "p1", true, now).is_ok());
    // A rotation's three stages: pending and previous both verify, current
    // signs; the same secret twice is published once.
    let three = TokenIssuer::new(&new_secret, 600)
        .expect("issuer")
        .also_verifying(&newer_secret)
        .and_then(|t| t.also_verifying(&old_secret))
        .and_then(|t| t.also_verifying(&new_secret))
        .expect("secrets");
    assert!(three.verify(&old_token, "p1", true, now).is_ok());
    let newer_token = TokenIssuer::new(&newer_secret, 600)
        .expect("issuer")
        .access_token("http://localhost", &user(false), "s1", now)
        .expect("token");
    assert!(three.verify(&newer_token, "p1", true, now).is_ok());
    assert_eq!(
        three.jwks("p1", false).expect("jwks")["keys"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert!(
        TokenIssuer::new(&new_secret, 600)
            .expect("issuer")
            .also_verifying(b"short")
            .is_err()
    );
}
