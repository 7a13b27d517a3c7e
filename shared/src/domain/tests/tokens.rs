//! Unit tests of `domain/tokens.rs`.

use super::*;
use crate::domain::session::Session;
use jsonwebtoken::Validation;

fn user(anon: bool) -> User {
    User {
        id: "u1".into(),
        project_id: "p1".into(),
        display_name: None,
        primary_email: None,
        profile_image_url: None,
        is_anonymous: anon,
        signed_up_at_millis: 0,
        client_metadata: Value::Null,
        server_metadata: Value::Null,
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
