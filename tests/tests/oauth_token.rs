//! `POST /auth/oauth/token` (api.md §7) through the request pipeline, on
//! both stores: the refresh grant as Stack's SDK sends it, its client
//! authentication, and each check in its order.

use base64::Engine as _;
use cli_auth_tests::{Req, Resp, StoreKind, T0, seed_project, test_app};
use http::Method;
use serde_json::json;

const MISSING_REFRESH: &str = "Missing parameter: `refresh_token`";

fn assert_oauth_error(r: &Resp, error: &str, description: &str) {
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(
        r.json,
        json!({"error": error, "error_description": description})
    );
    assert!(
        r.headers.get("x-stack-known-error").is_none(),
        "an OAuth error is not a known error"
    );
}

async fn refresh_grant_as_the_sdk_sends_it(kind: StoreKind) {
    let e = test_app(kind).await;
    let user = e.create_user(json!({"display_name": "Ada"})).await;
    let (refresh, _) = e.session(user["id"].as_str().expect("id")).await;

    let r = e.oauth_refresh(&refresh).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["expires_in"], 600);
    assert_eq!(r.json["scope"], "legacy");
    assert!(r.json.get("refresh_token").is_none(), "no rotation");
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.headers["pragma"], "no-cache");
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    let claims = e.verify(&r.string("access_token"), false).await;
    assert_eq!(claims["sub"], user["id"]);
    assert_eq!(claims["name"], "Ada");
    assert_eq!(claims["exp"].as_i64(), Some(T0 / 1000 + 600));

    // The same as JSON, with parameters the endpoint does not know.
    let r = Req::post("/api/latest/auth/oauth/token")
        .json(json!({
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": format!("{}#main", e.seeded.project.id),
            "client_secret": e.seeded.client_key,
            "scope": "openid",
        }))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // HTTP Basic client authentication (RFC 6749 §2.3.1).
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", e.seeded.project.id, e.seeded.client_key));
    let r = Req::post("/api/v1/auth/oauth/token")
        .header("authorization", &format!("Basic {basic}"))
        .raw(
            Some("application/x-www-form-urlencoded"),
            format!("grant_type=refresh_token&refresh_token={refresh}").as_bytes(),
        )
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // Revoked: the SDK treats exactly this as signed out.
    let access = e.oauth_refresh(&refresh).await.string("access_token");
    let revoked = e
        .client(Method::DELETE, "/auth/sessions/current")
        .header("x-stack-access-token", &access)
        .send(&e.app)
        .await;
    assert_eq!(revoked.status, 200, "{revoked:?}");
    e.oauth_refresh(&refresh)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

async fn client_authentication_comes_first(kind: StoreKind) {
    let e = test_app(kind).await;
    let pid = e.seeded.project.id.clone();
    let grant = "grant_type=refresh_token&refresh_token=x";

    let r = e.oauth_token(grant).await;
    r.assert_known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    assert_eq!(r.json["details"], json!({"client_id": null}));

    let r = e.oauth_token(&format!("{grant}&client_id=nope")).await;
    r.assert_known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    assert_eq!(r.json["details"], json!({"client_id": "nope"}));

    e.oauth_token(&format!(
        "{grant}&client_id={pid}#dev&client_secret={}",
        e.seeded.client_key
    ))
    .await
    .assert_known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    e.oauth_token(&format!("{grant}&client_id={pid}&client_secret=pck_wrong"))
        .await
        .assert_known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    // The server key is not a client secret.
    e.oauth_token(&format!(
        "{grant}&client_id={pid}&client_secret={}",
        e.seeded.server_key
    ))
    .await
    .assert_known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");
    // No key, or the SDK's sentinel, where the project requires one.
    for secret in ["", "&client_secret=__stack_public_client__"] {
        e.oauth_token(&format!("{grant}&client_id={pid}{secret}"))
            .await
            .assert_known(401, "PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT");
    }
    // A bad client wins over a bad grant type.
    e.oauth_token("grant_type=password&client_id=nope")
        .await
        .assert_known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET");

    // A project without the requirement takes the sentinel.
    let open = seed_project(e.store.as_ref(), false).await;
    let r = e
        .oauth_token(&format!(
            "{grant}&client_id={}&client_secret=__stack_public_client__",
            open.project.id
        ))
        .await;
    r.assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

async fn grant_checks_in_order(kind: StoreKind) {
    let e = test_app(kind).await;
    let client = format!(
        "client_id={}&client_secret={}",
        e.seeded.project.id, e.seeded.client_key
    );
    let r = e.oauth_token(&client).await;
    r.assert_known(400, "SCHEMA_ERROR");
    assert!(
        r.json["error"]
            .as_str()
            .is_some_and(|m| m.contains("body.grant_type must be defined"))
    );
    let r = Req::post("/api/v1/auth/oauth/token")
        .json(json!({"grant_type": 1}))
        .send(&e.app)
        .await;
    r.assert_known(400, "SCHEMA_ERROR");

    assert_oauth_error(
        &e.oauth_token(&format!("grant_type=password&{client}"))
            .await,
        "unsupported_grant_type",
        "Unsupported grant type: `grant_type` is invalid",
    );
    assert_oauth_error(
        &e.oauth_token(&format!("grant_type=refresh_token&{client}"))
            .await,
        "invalid_request",
        MISSING_REFRESH,
    );
    assert_oauth_error(
        &e.oauth_token(&format!("grant_type=refresh_token&refresh_token=&{client}"))
            .await,
        "invalid_request",
        MISSING_REFRESH,
    );
    assert_oauth_error(
        &e.oauth_token(&format!(
            "grant_type=refresh_token&refresh_token=%C3%A9t%C3%A9&{client}"
        ))
        .await,
        "invalid_request",
        "Invalid parameter: `refresh_token`",
    );
    let r = Req::post("/api/v1/auth/oauth/token")
        .json(json!({
            "grant_type": "refresh_token",
            "refresh_token": 42,
            "client_id": e.seeded.project.id,
            "client_secret": e.seeded.client_key,
        }))
        .send(&e.app)
        .await;
    assert_oauth_error(&r, "invalid_request", "Invalid parameter: `refresh_token`");

    // Unknown, malformed, expired, of another project: one answer.
    let other = seed_project(e.store.as_ref(), true).await;
    let stranger =
        cli_auth_tests::seed_user(e.store.as_ref(), &other.project.id, false, T0, 1000).await;
    let short =
        cli_auth_tests::seed_user(e.store.as_ref(), &e.seeded.project.id, false, T0, 1000).await;
    let ghost = format!(
        "{}.{}",
        "00000000-0000-4000-8000-000000000000",
        "A".repeat(43)
    );
    for token in [ghost.as_str(), "junk", &stranger.refresh_token] {
        e.oauth_refresh(token)
            .await
            .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    }
    assert_eq!(e.oauth_refresh(&short.refresh_token).await.status, 200);
    e.clock.advance(1000);
    e.oauth_refresh(&short.refresh_token)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

/// The SDK calls it from browsers as a simple CORS request, and never with
/// `x-stack-*` headers; those it may still send change nothing.
async fn needs_no_stack_headers(kind: StoreKind) {
    let e = test_app(kind).await;
    let user =
        cli_auth_tests::seed_user(e.store.as_ref(), &e.seeded.project.id, false, T0, 1000).await;
    let form = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
        user.refresh_token, e.seeded.project.id, e.seeded.client_key
    );
    let r = Req::post("/api/v1/auth/oauth/token")
        .header("x-stack-access-type", "nonsense")
        .header("x-stack-refresh-token", "not this one")
        .raw(Some("application/x-www-form-urlencoded"), form.as_bytes())
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let preflight = Req::new(Method::OPTIONS, "/api/v1/auth/oauth/token")
        .send(&e.app)
        .await;
    assert_eq!(preflight.status, 204);
}

cli_auth_tests::on_both_stores!(
    refresh_grant_as_the_sdk_sends_it,
    client_authentication_comes_first,
    grant_checks_in_order,
    needs_no_stack_headers,
);
