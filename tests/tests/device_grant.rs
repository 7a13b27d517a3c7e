//! The RFC 8628 device authorization grant (api.md §8) over the same
//! attempts: discovery in both forms, device authorization, and the token
//! endpoint's device-code grant with RFC 8628 §3.5 answers, paced by its
//! interval, sharing the Stack poll's once-only pickup. On both stores.

use std::sync::Arc;

use cli_auth_core::domain::login_attempt::s256;
use cli_auth_tests::{BASE_URL, Req, Resp, StoreKind, TestApp, test_app};
use http::Method;
use serde_json::{Value, json};

const GRANT: &str = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code";
const APP: &str = "https://app.example.com";

async fn with_app_url(kind: StoreKind) -> TestApp {
    let e = test_app(kind).await;
    assert!(
        e.store
            .set_project_app_url(&e.seeded.project.id, Some(APP))
            .await
            .expect("store")
    );
    e
}

fn client_auth(e: &TestApp) -> String {
    format!(
        "client_id={}&client_secret={}",
        e.seeded.project.id, e.seeded.client_key
    )
}

async fn authorize(e: &TestApp) -> Resp {
    Req::post("/api/v1/auth/oauth/device_authorization")
        .raw(
            Some("application/x-www-form-urlencoded"),
            client_auth(e).as_bytes(),
        )
        .send(&e.app)
        .await
}

async fn token(e: &TestApp, device_code: &str) -> Resp {
    e.oauth_token(&format!(
        "grant_type={GRANT}&device_code={device_code}&{}",
        client_auth(e)
    ))
    .await
}

fn oauth_error(r: &Resp) -> &str {
    assert_eq!(r.status, 400, "{r:?}");
    assert!(
        r.headers.get("www-authenticate").is_none()
            && r.headers.get("x-stack-known-error").is_none()
    );
    r.json["error"].as_str().unwrap_or_default()
}

async fn discovery_in_both_forms(kind: StoreKind) {
    let e = test_app(kind).await;
    let id = &e.seeded.project.id;
    let issuer = format!("{BASE_URL}/api/v1/projects/{id}");
    for path in [
        format!("/api/v1/projects/{id}/.well-known/openid-configuration"),
        format!("/api/latest/projects/{id}/.well-known/openid-configuration"),
        format!("/.well-known/oauth-authorization-server/api/v1/projects/{id}"),
    ] {
        let r = Req::new(Method::GET, &path).send(&e.app).await;
        assert_eq!(r.status, 200, "{path}: {r:?}");
        assert_eq!(r.json["issuer"], json!(issuer), "{path}");
        assert_eq!(
            r.json["device_authorization_endpoint"],
            json!(format!("{BASE_URL}/api/v1/auth/oauth/device_authorization"))
        );
        assert_eq!(
            r.json["token_endpoint"],
            json!(format!("{BASE_URL}/api/v1/auth/oauth/token"))
        );
        assert_eq!(r.json["response_types_supported"], json!([]));
        assert_eq!(
            r.json["grant_types_supported"],
            json!([
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code"
            ])
        );
    }
    let r = Req::new(
        Method::GET,
        "/api/v1/projects/no-such-project/.well-known/openid-configuration",
    )
    .send(&e.app)
    .await;
    r.assert_known(404, "PROJECT_NOT_FOUND");
}

async fn device_authorization_answers_rfc_8628(kind: StoreKind) {
    let e = test_app(kind).await;
    // No app URL, no confirm page to send anyone to.
    assert_eq!(oauth_error(&authorize(&e).await), "unauthorized_client");
    let e = with_app_url(kind).await;
    let r = authorize(&e).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.json["verification_uri"],
        json!(format!("{APP}/handler/cli-auth-confirm"))
    );
    let complete = r.string("verification_uri_complete");
    assert!(complete.starts_with(&format!("{APP}/handler/cli-auth-confirm?login_code=")));
    assert_eq!(r.json["expires_in"], json!(900));
    assert_eq!(r.json["interval"], json!(5));
    let user_code = r.string("user_code");
    assert!(
        r.string("device_code")
            .starts_with(&format!("{}.", user_code.replace('-', "")))
    );
    // A wrong client secret is refused.
    let r = Req::post("/api/v1/auth/oauth/device_authorization")
        .raw(
            Some("application/x-www-form-urlencoded"),
            format!("client_id={}&client_secret=pck_wrong", e.seeded.project.id).as_bytes(),
        )
        .send(&e.app)
        .await;
    r.assert_known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
}

fn login_code_of(r: &Resp) -> String {
    let complete = r.string("verification_uri_complete");
    let encoded = complete.split_once("login_code=").expect("login code").1;
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .expect("utf-8")
        .into_owned()
}

async fn the_grant_is_paced_and_hands_over_the_session_once(kind: StoreKind) {
    let e = with_app_url(kind).await;
    let r = authorize(&e).await;
    let device_code = r.string("device_code");
    assert_eq!(
        oauth_error(&token(&e, &device_code).await),
        "authorization_pending"
    );
    // Too soon: slow_down, and the interval grows by 5 s each time.
    e.clock.advance(1_000);
    assert_eq!(oauth_error(&token(&e, &device_code).await), "slow_down");
    e.clock.advance(6_000);
    assert_eq!(oauth_error(&token(&e, &device_code).await), "slow_down");
    e.clock.advance(15_000);
    assert_eq!(
        oauth_error(&token(&e, &device_code).await),
        "authorization_pending"
    );

    let browser = e.user(false).await;
    let done = e
        .complete(json!({"login_code": login_code_of(&r), "refresh_token": browser.refresh_token}))
        .await;
    assert_eq!(done.status, 200);
    e.clock.advance(15_000);
    let t = token(&e, &device_code).await;
    assert_eq!(t.status, 200, "{t:?}");
    assert_eq!(t.json["token_type"], json!("Bearer"));
    assert_eq!(t.json["refresh_token"], json!(browser.refresh_token));
    assert!(t.json["expires_in"].is_number());
    let me = e.me(&t.string("access_token")).await;
    assert_eq!(me.json["id"], json!(browser.user.id));
    e.clock.advance(15_000);
    assert_eq!(oauth_error(&token(&e, &device_code).await), "invalid_grant");
}

async fn every_ending_has_its_rfc_8628_answer(kind: StoreKind) {
    let e = with_app_url(kind).await;
    let denied = authorize(&e).await;
    e.complete(json!({"login_code": login_code_of(&denied), "mode": "deny"}))
        .await;
    assert_eq!(
        oauth_error(&token(&e, &denied.string("device_code")).await),
        "access_denied"
    );
    let expiring = authorize(&e).await;
    e.clock.advance(900_000);
    assert_eq!(
        oauth_error(&token(&e, &expiring.string("device_code")).await),
        "expired_token"
    );
    for unknown in [
        "junk",
        "BCDFGHJK.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        assert_eq!(oauth_error(&token(&e, unknown).await), "invalid_grant");
    }
    let r = e
        .oauth_token(&format!("grant_type={GRANT}&{}", client_auth(&e)))
        .await;
    assert_eq!(oauth_error(&r), "invalid_request");
    // A CLI's bound attempt is no device code: its polling code alone
    // takes nothing.
    let bound = e
        .initiate(
            json!({"code_challenge": s256("a-verifier-of-forty-three-or-more-characters-0123")}),
        )
        .await;
    let browser = e.user(false).await;
    e.complete(
        json!({"login_code": bound.string("login_code"), "refresh_token": browser.refresh_token}),
    )
    .await;
    assert_eq!(
        oauth_error(&token(&e, &bound.string("polling_code")).await),
        "invalid_grant"
    );
}

/// The device grant and the Stack poll share one pickup: racing, exactly
/// one of them gets the token.
/// A device code is polled only at the token endpoint (api.md §8): the
/// Stack poll answers it as an unknown polling code, waiting or approved,
/// so the grant's pacing (`slow_down`) cannot be side-stepped. Racing
/// grant polls still hand the session over exactly once.
async fn a_device_code_is_polled_only_at_the_token_endpoint(kind: StoreKind) {
    let e = Arc::new(with_app_url(kind).await);
    let r = authorize(&e).await;
    let device_code = r.string("device_code");
    e.poll(&device_code)
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
    let browser = e.user(false).await;
    e.complete(json!({"login_code": login_code_of(&r), "refresh_token": browser.refresh_token}))
        .await;
    for _ in 0..3 {
        e.poll(&device_code)
            .await
            .assert_known(400, "INVALID_POLLING_CODE");
    }
    let racers = (0..8).map(|_| {
        let (e, code) = (Arc::clone(&e), device_code.clone());
        tokio::spawn(async move { token(&e, &code).await.json.get("refresh_token").cloned() })
    });
    let got: Vec<Value> = futures::future::join_all(racers)
        .await
        .into_iter()
        .filter_map(|r| r.expect("task"))
        .collect();
    assert_eq!(got, vec![json!(browser.refresh_token)], "exactly once");
}

cli_auth_tests::on_both_stores!(
    discovery_in_both_forms,
    device_authorization_answers_rfc_8628,
    the_grant_is_paced_and_hands_over_the_session_once,
    every_ending_has_its_rfc_8628_answer,
    a_device_code_is_polled_only_at_the_token_endpoint,
);
