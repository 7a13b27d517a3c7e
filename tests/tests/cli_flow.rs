//! The CLI flow of api.md §3 through the real request pipeline
//! (`App::handle`), on both stores, with a clock the tests move.

use std::sync::Arc;

use cli_auth_core::App;
use cli_auth_core::clock::iso_millis;
use cli_auth_tests::{Req, Resp, StoreKind, T0, seed_project, seed_user, test_app};
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;
const INVALID_LOGIN: &str = "Invalid login code or the code has expired";

async fn initiate_defaults(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = e.initiate(json!({})).await;
    assert_eq!(r.status, 200, "{r:?}");
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    assert_ne!(polling, login);
    for c in [&polling, &login] {
        let secret = c.split_once('.').expect("id.secret").1;
        // 43 base64url characters: 256 bits.
        assert!(secret.len() * 6 >= 256, "{c}");
        assert!(
            c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "URL-safe: {c}"
        );
    }
    // Two minutes, Hexclave's default (api.md §3).
    assert_eq!(r.json["expires_at"], iso_millis(T0 + 2 * 60_000));
    // Polling advice (ours, api.md §8): Stack's clients ignore it.
    assert_eq!(r.json["interval"], json!(2));
    // The short code (ours, api.md §8) is the attempt's key.
    let user_code = r.string("user_code").replace('-', "");
    assert!(polling.starts_with(&format!("{user_code}.")), "{polling}");
    assert_eq!(r.json.as_object().map(|o| o.len()), Some(5));
    // An absent body is {} too, and so is a body-less request with any content type.
    let r = Req::post("/api/v1/auth/cli")
        .client(&e.seeded)
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = Req::post("/api/v1/auth/cli")
        .client(&e.seeded)
        .raw(Some("application/json"), b"")
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    // Every attempt gets fresh codes.
    let again = e.initiate(json!({})).await;
    assert_ne!(again.string("polling_code"), polling);
}

async fn initiate_expiry_bounds(kind: StoreKind) {
    let e = test_app(kind).await;
    for (ms, ok) in [
        (1, true),
        (900_000, true),
        (600_000, true),
        (0, false),
        (-5, false),
        (900_001, false),
        (7_200_000, false),
    ] {
        let r = e.initiate(json!({ "expires_in_millis": ms })).await;
        if ok {
            assert_eq!(r.status, 200, "{ms}: {r:?}");
            assert_eq!(r.json["expires_at"], iso_millis(T0 + ms));
        } else {
            r.assert_known(400, "SCHEMA_ERROR");
            assert!(
                r.json["error"]
                    .as_str()
                    .is_some_and(|m| m.contains("body.expires_in_millis")),
                "{r:?}"
            );
        }
    }
    for bad in [json!("600000"), json!(1.5), json!(true), json!([1])] {
        e.initiate(json!({ "expires_in_millis": bad }))
            .await
            .assert_known(400, "SCHEMA_ERROR");
    }
    e.initiate(json!({ "expires_in_millis": null })).await;
    e.initiate(json!({ "unknown": 1 }))
        .await
        .assert_known(400, "SCHEMA_ERROR");
}

async fn initiate_checks_the_anonymous_session(kind: StoreKind) {
    let e = test_app(kind).await;
    let anon = e.user(true).await;
    let r = e
        .initiate(json!({ "anon_refresh_token": anon.refresh_token }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    e.initiate(json!({ "anon_refresh_token": "invalid-token-that-does-not-exist" }))
        .await
        .assert_plain(400, "Invalid anon refresh token");
    // Right id, wrong secret.
    let forged = format!("{}.{}", anon.session.id, "A".repeat(43));
    e.initiate(json!({ "anon_refresh_token": forged }))
        .await
        .assert_plain(400, "Invalid anon refresh token");

    let real = e.user(false).await;
    e.initiate(json!({ "anon_refresh_token": real.refresh_token }))
        .await
        .assert_plain(
            400,
            "The provided refresh token does not belong to an anonymous user",
        );

    let elsewhere = seed_user(e.store.as_ref(), "another-project", true, T0, HOUR).await;
    e.initiate(json!({ "anon_refresh_token": elsewhere.refresh_token }))
        .await
        .assert_plain(400, "Refresh token does not belong to this project");

    let short = seed_user(e.store.as_ref(), &e.seeded.project.id, true, T0, 1000).await;
    e.clock.advance(1000);
    e.initiate(json!({ "anon_refresh_token": short.refresh_token }))
        .await
        .assert_plain(400, "Invalid anon refresh token");
}

async fn poll_walks_through_every_state(kind: StoreKind) {
    let e = test_app(kind).await;
    e.poll("invalid-code")
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
    assert_eq!(
        e.poll("invalid-code").await.json,
        json!({"code": "INVALID_POLLING_CODE", "error": "The polling code is invalid or does not exist."})
    );
    let (polling, login) = e.attempt().await;
    // The login code is not a polling code.
    e.poll(&login)
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
    let r = e.poll(&polling).await;
    assert_eq!(
        (r.status, r.json.clone()),
        (200, json!({"status": "waiting"}))
    );

    let browser = e.user(false).await;
    let r = e.complete(json!({"login_code": login, "mode": "complete", "refresh_token": browser.refresh_token})).await;
    assert_eq!((r.status, r.json.clone()), (200, json!({"success": true})));

    let r = e.poll(&polling).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        r.json,
        json!({"status": "success", "refresh_token": browser.refresh_token})
    );
    let r = e.poll(&polling).await;
    assert_eq!((r.status, r.json.clone()), (200, json!({"status": "used"})));
    // `used` is checked first, even after expiry (Hexclave's order).
    e.clock.advance(2 * HOUR);
    let r = e.poll(&polling).await;
    assert_eq!((r.status, r.json.clone()), (200, json!({"status": "used"})));
    // An attempt nobody completed says expired.
    let (unused, _) = e.attempt().await;
    e.clock.advance(2 * HOUR);
    let r = e.poll(&unused).await;
    assert_eq!(
        (r.status, r.json.clone()),
        (200, json!({"status": "expired"}))
    );
}

async fn expired_attempts_refuse_everything(kind: StoreKind) {
    let e = test_app(kind).await;
    let anon = e.user(true).await;
    let r = e
        .initiate(json!({"expires_in_millis": 1000, "anon_refresh_token": anon.refresh_token}))
        .await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    e.clock.advance(1000);
    assert_eq!(e.poll(&polling).await.json, json!({"status": "expired"}));
    let browser = e.user(false).await;
    for body in [
        json!({"login_code": login, "mode": "check"}),
        json!({"login_code": login, "mode": "claim-anon-session"}),
        json!({"login_code": login, "mode": "complete", "refresh_token": browser.refresh_token}),
    ] {
        e.complete(body).await.assert_plain(400, INVALID_LOGIN);
    }
    // Nothing was completed behind the refusal.
    assert_eq!(e.poll(&polling).await.json, json!({"status": "expired"}));
}

async fn codes_do_not_cross_projects(kind: StoreKind) {
    let e = test_app(kind).await;
    let other = seed_project(e.store.as_ref(), true).await;
    let (polling, login) = e.attempt().await;
    Req::post("/api/v1/auth/cli/poll")
        .client(&other)
        .json(json!({"polling_code": polling}))
        .send(&e.app)
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
    Req::post("/api/v1/auth/cli/complete")
        .client(&other)
        .json(json!({"login_code": login, "mode": "check"}))
        .send(&e.app)
        .await
        .assert_plain(400, INVALID_LOGIN);
    // A refresh token of another project cannot complete this project's attempt.
    let foreign = seed_user(e.store.as_ref(), &other.project.id, false, T0, HOUR).await;
    e.complete(json!({"login_code": login, "refresh_token": foreign.refresh_token}))
        .await
        .assert_plain(400, "Refresh token does not belong to this project");
    assert_eq!(e.poll(&polling).await.json, json!({"status": "waiting"}));
}

async fn complete_validates_in_contract_order(kind: StoreKind) {
    let e = test_app(kind).await;
    let (polling, login) = e.attempt().await;
    // An invalid login code wins over an invalid refresh token.
    e.complete(json!({"login_code": "invalid-login-code", "mode": "complete", "refresh_token": "test-refresh-token"}))
        .await
        .assert_plain(400, INVALID_LOGIN);
    e.complete(json!({"login_code": login, "mode": "complete"}))
        .await
        .assert_plain(400, "refresh_token is required when mode is 'complete'");
    e.complete(json!({"login_code": login}))
        .await
        .assert_plain(400, "refresh_token is required when mode is 'complete'");
    e.complete(
        json!({"login_code": login, "refresh_token": "invalid-refresh-token-that-does-not-exist"}),
    )
    .await
    .assert_plain(400, "Invalid refresh token");
    let expiring = seed_user(e.store.as_ref(), &e.seeded.project.id, false, T0, 10).await;
    e.clock.advance(10);
    e.complete(json!({"login_code": login, "refresh_token": expiring.refresh_token}))
        .await
        .assert_plain(400, "Invalid refresh token");
    e.complete(json!({"login_code": login, "mode": "nope"}))
        .await
        .assert_known(400, "SCHEMA_ERROR");
    e.complete(json!({"mode": "check"}))
        .await
        .assert_known(400, "SCHEMA_ERROR");
    // After all that, the attempt is still pending and completes once.
    let first = e.user(false).await;
    let second = e.user(false).await;
    let r = e
        .complete(json!({"login_code": login, "refresh_token": first.refresh_token}))
        .await;
    assert_eq!(r.json, json!({"success": true}));
    e.complete(json!({"login_code": login, "refresh_token": second.refresh_token}))
        .await
        .assert_plain(400, INVALID_LOGIN);
    e.complete(json!({"login_code": login, "mode": "check"}))
        .await
        .assert_plain(400, INVALID_LOGIN);
    assert_eq!(
        e.poll(&polling).await.json["refresh_token"],
        json!(first.refresh_token)
    );
    // Used: still refused.
    e.complete(json!({"login_code": login, "refresh_token": second.refresh_token}))
        .await
        .assert_plain(400, INVALID_LOGIN);
}

async fn anonymous_cli_session_check_claim_complete(kind: StoreKind) {
    let e = test_app(kind).await;
    let (_, plain_login) = e.attempt().await;
    let r = e
        .complete(json!({"login_code": plain_login, "mode": "check"}))
        .await;
    assert_eq!(
        (r.status, r.json.clone()),
        (200, json!({"cli_session_state": "none"}))
    );
    e.complete(json!({"login_code": plain_login, "mode": "claim-anon-session"}))
        .await
        .assert_plain(400, "No anonymous session associated with this code");

    let anon = e.user(true).await;
    let r = e
        .initiate(json!({"anon_refresh_token": anon.refresh_token}))
        .await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let r = e
        .complete(json!({"login_code": login, "mode": "check"}))
        .await;
    assert_eq!(r.json, json!({"cli_session_state": "anonymous"}));

    let r = e
        .complete(json!({"login_code": login, "mode": "claim-anon-session"}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json["refresh_token"], json!(anon.refresh_token));
    let claims = verify(
        &e.app,
        r.json["access_token"].as_str().expect("access token"),
        true,
    );
    assert_eq!(claims["sub"], json!(anon.user.id));
    assert_eq!(claims["refresh_token_id"], json!(anon.session.id));
    assert_eq!(claims["is_anonymous"], json!(true));
    assert_eq!(
        claims["aud"],
        json!(format!("{}:anon", e.seeded.project.id))
    );

    // Claimed once: a second claim finds nothing, and check says none.
    e.complete(json!({"login_code": login, "mode": "claim-anon-session"}))
        .await
        .assert_plain(400, "No anonymous session associated with this code");
    assert_eq!(
        e.complete(json!({"login_code": login, "mode": "check"}))
            .await
            .json["cli_session_state"],
        "none"
    );

    // The browser now completes as a signed-up user; the CLI gets that user's token.
    let browser = e.user(false).await;
    let r = e.complete(json!({"login_code": login, "mode": "complete", "refresh_token": browser.refresh_token})).await;
    assert_eq!(r.json, json!({"success": true}));
    assert_eq!(
        e.poll(&polling).await.json["refresh_token"],
        json!(browser.refresh_token)
    );
}

async fn complete_detaches_the_anonymous_session_untouched(kind: StoreKind) {
    let e = test_app(kind).await;
    let anon = e.user(true).await;
    let r = e
        .initiate(json!({"anon_refresh_token": anon.refresh_token}))
        .await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let browser = e.user(false).await;
    let r = e
        .complete(json!({"login_code": login, "refresh_token": browser.refresh_token}))
        .await;
    assert_eq!(r.json, json!({"success": true}));
    assert_eq!(
        e.poll(&polling).await.json["refresh_token"],
        json!(browser.refresh_token)
    );
    // The anonymous user is left as it was, never merged.
    let found = e
        .store
        .lookup(cli_auth_core::domain::store::Lookup {
            user_id: Some(&anon.user.id),
            ..Default::default()
        })
        .await
        .expect("lookup");
    assert_eq!(found.user, Some(anon.user));
}

async fn check_sees_only_live_anonymous_sessions(kind: StoreKind) {
    let e = test_app(kind).await;
    // A session that expires while the attempt is pending.
    let anon = seed_user(e.store.as_ref(), &e.seeded.project.id, true, T0, 5000).await;
    let r = e
        .initiate(json!({"anon_refresh_token": anon.refresh_token}))
        .await;
    let login = r.string("login_code");
    assert_eq!(
        e.complete(json!({"login_code": login, "mode": "check"}))
            .await
            .json["cli_session_state"],
        "anonymous"
    );
    e.clock.advance(5000);
    assert_eq!(
        e.complete(json!({"login_code": login, "mode": "check"}))
            .await
            .json["cli_session_state"],
        "none"
    );
    e.complete(json!({"login_code": login, "mode": "claim-anon-session"}))
        .await
        .assert_plain(400, "No anonymous session associated with this code");

    // A user upgraded in place is no longer anonymous.
    let mut upgraded = e.user(true).await;
    let r = e
        .initiate(json!({"anon_refresh_token": upgraded.refresh_token}))
        .await;
    let login = r.string("login_code");
    upgraded.user.is_anonymous = false;
    e.store.put_user(&upgraded.user).await.expect("upgrade");
    assert_eq!(
        e.complete(json!({"login_code": login, "mode": "check"}))
            .await
            .json["cli_session_state"],
        "none"
    );
    // ...and completing with that user's own session works.
    let r = e
        .complete(json!({"login_code": login, "refresh_token": upgraded.refresh_token}))
        .await;
    assert_eq!(r.json, json!({"success": true}));
}

const RACERS: usize = 24;

async fn racing_polls_over_http_get_the_token_once(kind: StoreKind) {
    let e = Arc::new(test_app(kind).await);
    let (polling, login) = e.attempt().await;
    let browser = e.user(false).await;
    e.complete(json!({"login_code": login, "refresh_token": browser.refresh_token}))
        .await;
    let racers = (0..RACERS).map(|_| {
        let (e, polling) = (Arc::clone(&e), polling.clone());
        tokio::spawn(async move { e.poll(&polling).await })
    });
    let answers: Vec<Resp> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let winners: Vec<&Resp> = answers.iter().filter(|r| r.status == 201).collect();
    assert_eq!(winners.len(), 1, "exactly one poll gets the token");
    assert_eq!(
        winners[0].json["refresh_token"],
        json!(browser.refresh_token)
    );
    assert!(
        answers
            .iter()
            .filter(|r| r.status != 201)
            .all(|r| r.json == json!({"status": "used"}))
    );
}

async fn racing_completes_over_http_succeed_once(kind: StoreKind) {
    let e = Arc::new(test_app(kind).await);
    let (polling, login) = e.attempt().await;
    let mut users = Vec::new();
    for _ in 0..RACERS {
        users.push(e.user(false).await);
    }
    let racers = users.iter().map(|u| {
        let (e, login, token) = (Arc::clone(&e), login.clone(), u.refresh_token.clone());
        tokio::spawn(async move {
            (
                token.clone(),
                e.complete(json!({"login_code": login, "refresh_token": token}))
                    .await,
            )
        })
    });
    let answers: Vec<(String, Resp)> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let winners: Vec<&String> = answers
        .iter()
        .filter(|(_, r)| r.status == 200)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one complete succeeds");
    for (_, r) in answers.iter().filter(|(_, r)| r.status != 200) {
        r.assert_plain(400, INVALID_LOGIN);
    }
    assert_eq!(
        e.poll(&polling).await.json["refresh_token"],
        json!(winners[0])
    );
}

/// Verifies an access token with a stock JWT library, given only the JWKS.
fn verify(app: &App, token: &str, anonymous: bool) -> Value {
    let header = jsonwebtoken::decode_header(token).expect("JWT header");
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    let claims: Value =
        serde_json::from_slice(&base64_url(token.split('.').nth(1).expect("payload")))
            .expect("claims");
    let project_id = claims["project_id"].as_str().expect("project_id");
    let jwks = app.tokens().jwks(project_id, anonymous).expect("jwks");
    let jwk = jwks["keys"]
        .as_array()
        .and_then(|keys| {
            keys.iter()
                .find(|k| k["kid"].as_str() == header.kid.as_deref())
        })
        .expect("the token's kid is published");
    let key = jsonwebtoken::DecodingKey::from_ec_components(
        jwk["x"].as_str().expect("x"),
        jwk["y"].as_str().expect("y"),
    )
    .expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[claims["aud"].as_str().expect("aud")]);
    // The test clock is not the wall clock.
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("verifies")
        .claims
}

fn base64_url(text: &str) -> Vec<u8> {
    use base64_engine as b;
    b::decode(text)
}

mod base64_engine {
    pub fn decode(text: &str) -> Vec<u8> {
        // A tiny, independent base64url decoder for the test (no padding).
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bits = 0u32;
        let mut n = 0;
        let mut out = Vec::new();
        for c in text.bytes() {
            let v = ALPHABET.iter().position(|&a| a == c).expect("base64url") as u32;
            bits = (bits << 6) | v;
            n += 6;
            if n >= 8 {
                n -= 8;
                out.push((bits >> n) as u8);
            }
        }
        out
    }
}

cli_auth_tests::on_both_stores!(
    initiate_defaults,
    initiate_expiry_bounds,
    initiate_checks_the_anonymous_session,
    poll_walks_through_every_state,
    expired_attempts_refuse_everything,
    codes_do_not_cross_projects,
    complete_validates_in_contract_order,
    anonymous_cli_session_check_claim_complete,
    complete_detaches_the_anonymous_session_untouched,
    check_sees_only_live_anonymous_sessions,
    racing_polls_over_http_get_the_token_once,
    racing_completes_over_http_succeed_once,
);
