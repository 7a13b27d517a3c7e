//! The bound hand-off (api.md §8): a PKCE challenge every poll must
//! answer, and a public key the refresh token is encrypted to, so that a
//! leaked polling code alone gets nothing and the token is never readable
//! in the store or on the wire without the CLI's private key. On both stores.

use cli_auth_client::handoff::Binding;
use cli_auth_core::domain::login_attempt::{self, s256};
use cli_auth_core::secret::LocatedSecret;
use cli_auth_tests::{Req, Resp, StoreKind, TestApp, test_app};
use serde_json::json;

const VERIFIER: &str = "a-verifier-of-forty-three-or-more-characters-0123";

async fn poll(e: &TestApp, polling: &str, verifier: Option<&str>) -> Resp {
    let mut body = json!({ "polling_code": polling });
    if let Some(v) = verifier {
        body["code_verifier"] = json!(v);
    }
    Req::post("/api/v1/auth/cli/poll")
        .client(&e.seeded)
        .json(body)
        .send(&e.app)
        .await
}

async fn every_poll_must_answer_the_challenge(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = e
        .initiate(json!({"code_challenge": s256(VERIFIER), "code_challenge_method": "S256"}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let wrong = [
        None,
        Some("another-verifier-of-forty-three-characters-xyz"),
        Some("short"),
    ];
    for verifier in wrong {
        poll(&e, &polling, verifier)
            .await
            .assert_known(400, "INVALID_POLLING_CODE");
    }
    assert_eq!(
        poll(&e, &polling, Some(VERIFIER)).await.json,
        json!({"status": "waiting"})
    );
    let browser = e.user(false).await;
    e.complete(json!({"login_code": login, "refresh_token": browser.refresh_token}))
        .await;
    // With the token waiting, a wrong verifier still takes nothing.
    for verifier in wrong {
        poll(&e, &polling, verifier)
            .await
            .assert_known(400, "INVALID_POLLING_CODE");
    }
    let r = poll(&e, &polling, Some(VERIFIER)).await;
    assert_eq!(
        (r.status, &r.json["refresh_token"]),
        (201, &json!(browser.refresh_token))
    );
    // An attempt without a challenge ignores a verifier.
    let (polling, _) = e.attempt().await;
    assert_eq!(
        poll(&e, &polling, Some(VERIFIER)).await.json,
        json!({"status": "waiting"})
    );
}

async fn the_challenge_and_key_are_checked_at_initiate(kind: StoreKind) {
    let e = test_app(kind).await;
    let key = Binding::generate().expect("key").public_jwk().clone();
    let mut private = key.clone();
    private["d"] = json!("AAAA");
    for body in [
        json!({"code_challenge": "too-short"}),
        json!({"code_challenge": s256(VERIFIER), "code_challenge_method": "plain"}),
        json!({"code_challenge": 7}),
        json!({"public_key": private}),
        json!({"public_key": {"kty": "EC", "crv": "P-256", "x": key["x"], "y": key["x"]}}),
        json!({"public_key": "not a JWK"}),
    ] {
        let r = e.initiate(body.clone()).await;
        r.assert_known(400, "SCHEMA_ERROR");
    }
}

async fn the_refresh_token_travels_encrypted_to_the_cli(kind: StoreKind) {
    let e = test_app(kind).await;
    let cli = Binding::generate().expect("key");
    let r = e
        .initiate(json!({
            "public_key": cli.public_jwk(),
            // The client crate's S256, answered by the service's.
            "code_challenge": cli.code_challenge(),
        }))
        .await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let browser = e.user(false).await;
    e.complete(json!({"login_code": login, "refresh_token": browser.refresh_token}))
        .await;
    // What waits in the store, opened with the polling code, is still the
    // JWE: the store never holds the token in any form it could use.
    let code = LocatedSecret::parse(&polling).expect("code");
    let stored = e
        .store
        .attempt(&code.id)
        .await
        .expect("read")
        .expect("attempt");
    let waiting =
        login_attempt::open_refresh_token(&code, stored.refresh_token.as_deref().expect("sealed"))
            .expect("opens");
    assert_ne!(waiting, browser.refresh_token);
    assert_eq!(waiting.split('.').count(), 5, "a compact JWE");

    let r = poll(&e, &polling, Some(cli.code_verifier())).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json["status"], json!("success"));
    assert_eq!(r.json.get("refresh_token"), None, "never in the clear");
    let jwe = r.string("encrypted_refresh_token");
    let opened = cli.open(&jwe).expect("the CLI's key opens it");
    assert_eq!(
        String::from_utf8(opened).expect("text"),
        browser.refresh_token
    );
    assert!(
        Binding::generate().expect("key").open(&jwe).is_none(),
        "no other key does"
    );
    assert_eq!(
        poll(&e, &polling, Some(cli.code_verifier())).await.json,
        json!({"status": "used"})
    );
}

cli_auth_tests::on_both_stores!(
    every_poll_must_answer_the_challenge,
    the_challenge_and_key_are_checked_at_initiate,
    the_refresh_token_travels_encrypted_to_the_cli,
);
