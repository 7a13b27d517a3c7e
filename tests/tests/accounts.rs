//! Users, sessions and access tokens (api.md §4) through the request
//! pipeline, on both stores; access tokens are checked by an independent
//! verifier built only from the JWKS endpoint's answer.

use std::sync::Arc;

use cli_auth_tests::{Req, Resp, StoreKind, T0, seed_project, test_app};
use http::Method;
use serde_json::{Value, json};

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("string: {v}"))
        .to_owned()
}

async fn users_create_read_update(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e
        .create_user(json!({"display_name": "Ada", "primary_email": "ada@example.com", "client_metadata": {"a": 1}, "server_metadata": {"s": true}}))
        .await;
    assert_eq!(u["display_name"], "Ada");
    assert_eq!(u["is_anonymous"], false);
    assert_eq!(u["signed_up_at_millis"], T0);
    assert_eq!(u["server_metadata"], json!({"s": true}));
    let id = s(&u["id"]);
    assert!(uuid_like(&id));

    let r = e
        .server(Method::GET, &format!("/users/{id}?include_anonymous=true"))
        .send(&e.app)
        .await;
    assert_eq!((r.status, &r.json), (200, &u));

    // PATCH: null clears, absent keeps.
    let r = e
        .server(Method::PATCH, &format!("/users/{id}"))
        .json(json!({"display_name": null, "client_metadata": {"b": 2}}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json["display_name"], Value::Null);
    assert_eq!(r.json["primary_email"], "ada@example.com");
    assert_eq!(r.json["client_metadata"], json!({"b": 2}));
    assert_eq!(r.json["server_metadata"], json!({"s": true}));
    let again = e
        .server(Method::GET, &format!("/users/{id}"))
        .send(&e.app)
        .await;
    assert_eq!(again.json, r.json, "the update is stored");
    // An empty patch changes nothing.
    let same = e
        .server(Method::PATCH, &format!("/users/{id}"))
        .json(json!({}))
        .send(&e.app)
        .await;
    assert_eq!(same.json, r.json);

    for bad in [
        json!({"primary_email": "nope"}),
        json!({"is_anonymous": "yes"}),
        json!({"display_name": 5}),
        json!({"id": "x"}),
    ] {
        e.server(Method::PATCH, &format!("/users/{id}"))
            .json(bad)
            .send(&e.app)
            .await
            .assert_known(400, "SCHEMA_ERROR");
    }
    let big = "x".repeat(70_000);
    e.server(Method::POST, "/users")
        .json(json!({"client_metadata": {"big": big}}))
        .send(&e.app)
        .await
        .assert_known(400, "SCHEMA_ERROR");
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

async fn users_are_per_project_and_server_only(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e.create_user(json!({})).await;
    let id = s(&u["id"]);
    let other = seed_project(e.store.as_ref(), true).await;
    let r = Req::new(Method::GET, &format!("/api/v1/users/{id}"))
        .access(&other, cli_auth_core::domain::access::AccessType::Server)
        .send(&e.app)
        .await;
    r.assert_known(404, "USER_NOT_FOUND");
    let r = Req::new(Method::PATCH, &format!("/api/v1/users/{id}"))
        .access(&other, cli_auth_core::domain::access::AccessType::Admin)
        .json(json!({"display_name": "hijack"}))
        .send(&e.app)
        .await;
    r.assert_known(404, "USER_NOT_FOUND");
    e.server(Method::GET, "/users/not-a-uuid")
        .send(&e.app)
        .await
        .assert_known(404, "USER_NOT_FOUND");
    e.server(Method::GET, "/users/00000000-0000-4000-8000-000000000000")
        .send(&e.app)
        .await
        .assert_known(404, "USER_NOT_FOUND");
    // Client access may not manage users.
    let r = e
        .client(Method::POST, "/users")
        .json(json!({}))
        .send(&e.app)
        .await;
    r.assert_known(401, "INSUFFICIENT_ACCESS_TYPE");
    e.client(Method::GET, &format!("/users/{id}"))
        .send(&e.app)
        .await
        .assert_known(401, "INSUFFICIENT_ACCESS_TYPE");
    e.client(Method::POST, "/auth/sessions")
        .json(json!({"user_id": id}))
        .send(&e.app)
        .await
        .assert_known(401, "INSUFFICIENT_ACCESS_TYPE");
}

/// The claims Stack's SDK validates before it uses a token (api.md §4),
/// with the user's values; anonymous users are restricted.
fn assert_user_claims(claims: &Value, name: Value, anonymous: bool) {
    assert_eq!(claims["name"], name, "{claims}");
    assert_eq!(claims["email"], Value::Null);
    assert_eq!(claims["email_verified"], json!(false));
    assert_eq!(claims["selected_team_id"], Value::Null);
    assert_eq!(claims["signed_up_at"], json!(T0 / 1000));
    assert_eq!(claims["is_restricted"], json!(anonymous));
    let reason = if anonymous {
        json!({"type": "anonymous"})
    } else {
        Value::Null
    };
    assert_eq!(claims["restricted_reason"], reason);
    assert_eq!(claims["requires_totp_mfa"], json!(false));
    for claim in ["name", "email", "selected_team_id", "restricted_reason"] {
        assert!(
            claims.get(claim).is_some(),
            "{claim} is present, even as null"
        );
    }
}

/// Every field of Stack's client read schema, for client access; server
/// access adds `server_metadata` and `last_active_at_millis` (api.md §4).
async fn the_user_json_is_stacks_client_read_schema(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e.create_user(json!({"display_name": "Lin"})).await;
    let (_, access) = e.session(&s(&u["id"])).await;
    let me = e.me(&access).await;
    assert_eq!(me.status, 200, "{me:?}");
    let mut keys: Vec<&str> = me
        .json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut schema = vec![
        "id",
        "primary_email",
        "primary_email_verified",
        "display_name",
        "client_metadata",
        "client_read_only_metadata",
        "profile_image_url",
        "signed_up_at_millis",
        "has_password",
        "auth_with_email",
        "oauth_providers",
        "selected_team_id",
        "selected_team",
        "requires_totp_mfa",
        "otp_auth_enabled",
        "passkey_auth_enabled",
        "is_anonymous",
        "is_restricted",
        "restricted_reason",
        "restricted_by_admin",
        "restricted_by_admin_reason",
    ];
    schema.sort_unstable();
    assert_eq!(keys, schema, "client access");
    assert_eq!(
        (
            me.json["is_restricted"].clone(),
            me.json["restricted_reason"].clone()
        ),
        (json!(false), Value::Null)
    );
    let got = e
        .server(Method::GET, &format!("/users/{}", s(&u["id"])))
        .send(&e.app)
        .await;
    assert_eq!(got.json["last_active_at_millis"], json!(T0));
    assert!(got.json.get("server_metadata").is_some());

    let anon = e
        .client(Method::POST, "/auth/anonymous/sign-up")
        .send(&e.app)
        .await;
    let anon = e
        .client(Method::GET, "/users/me")
        .header("x-stack-access-token", &anon.string("access_token"))
        .header("x-stack-allow-anonymous-user", "true")
        .send(&e.app)
        .await;
    assert_eq!(
        (
            anon.json["is_restricted"].clone(),
            anon.json["restricted_reason"].clone()
        ),
        (json!(true), json!({"type": "anonymous"}))
    );
}

/// PATCH /users/me: client access sets only its own fields, server access
/// all; DELETE /users/me: the user is gone and no session refreshes.
async fn users_me_update_and_delete(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e
        .create_user(json!({"display_name": "Kim", "server_metadata": {"tier": 1}}))
        .await;
    let id = s(&u["id"]);
    let (refresh, access) = e.session(&id).await;
    let me = |req: Req| req.header("x-stack-access-token", &access);

    let r = me(e.client(Method::PATCH, "/users/me"))
        .json(json!({
            "display_name": "Kim L",
            "profile_image_url": "https://example.com/kim.png",
            "client_metadata": {"theme": "dark"}
        }))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json["display_name"], "Kim L");
    assert_eq!(r.json["profile_image_url"], "https://example.com/kim.png");
    assert_eq!(r.json["client_metadata"], json!({"theme": "dark"}));
    assert!(r.json.get("server_metadata").is_none(), "client access");

    let r = me(e.client(Method::PATCH, "/users/me"))
        .json(json!({"display_name": "X", "server_metadata": {"tier": 9}, "is_anonymous": true}))
        .send(&e.app)
        .await;
    r.assert_known(400, "SCHEMA_ERROR");
    assert!(
        r.json["error"].as_str().is_some_and(
            |m| m.contains("body contains unknown properties: is_anonymous, server_metadata")
        ),
        "{r:?}"
    );
    let got = e
        .server(Method::GET, &format!("/users/{id}"))
        .send(&e.app)
        .await;
    assert_eq!(
        (
            got.json["display_name"].clone(),
            got.json["server_metadata"].clone()
        ),
        (json!("Kim L"), json!({"tier": 1})),
        "a refused patch changes nothing"
    );

    let r = me(e.client(Method::PATCH, "/users/me"))
        .json(json!({"profile_image_url": null}))
        .send(&e.app)
        .await;
    assert_eq!(r.json["profile_image_url"], Value::Null, "null clears");
    let r = me(e.server(Method::PATCH, "/users/me"))
        .json(json!({"server_metadata": {"tier": 2}}))
        .send(&e.app)
        .await;
    assert_eq!(r.json["server_metadata"], json!({"tier": 2}), "{r:?}");
    e.client(Method::PATCH, "/users/me")
        .json(json!({}))
        .send(&e.app)
        .await
        .assert_known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER");

    e.client(Method::DELETE, "/users/me")
        .send(&e.app)
        .await
        .assert_known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER");
    let r = me(e.client(Method::DELETE, "/users/me")).send(&e.app).await;
    assert_eq!((r.status, r.json.clone()), (200, json!({"success": true})));
    e.server(Method::GET, &format!("/users/{id}"))
        .send(&e.app)
        .await
        .assert_known(404, "USER_NOT_FOUND");
    e.refresh(&refresh)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    e.oauth_refresh(&refresh)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    me(e.client(Method::DELETE, "/users/me"))
        .send(&e.app)
        .await
        .assert_known(404, "USER_NOT_FOUND");
}

async fn sessions_refresh_me_revoke(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e
        .create_user(json!({"display_name": "Grace", "server_metadata": {"secret": 1}}))
        .await;
    let id = s(&u["id"]);
    let (refresh, access) = e.session(&id).await;
    let claims = e.verify(&access, false).await;
    assert_eq!(claims["sub"], json!(id));
    assert_eq!(
        claims["iss"],
        json!(format!(
            "{}/api/v1/projects/{}",
            cli_auth_tests::BASE_URL,
            e.seeded.project.id
        ))
    );
    assert_eq!(claims["aud"], json!(e.seeded.project.id));
    assert_eq!(claims["project_id"], json!(e.seeded.project.id));
    assert_eq!(
        (claims["branch_id"].clone(), claims["role"].clone()),
        (json!("main"), json!("authenticated"))
    );
    assert_eq!(claims["is_anonymous"], json!(false));
    assert_user_claims(&claims, json!("Grace"), false);
    assert_eq!(
        claims["exp"]
            .as_i64()
            .zip(claims["iat"].as_i64())
            .map(|(x, i)| x - i),
        Some(600)
    );
    let session_id = s(&claims["refresh_token_id"]);
    assert!(
        refresh.starts_with(&session_id),
        "the refresh token names its session"
    );

    let r = e.refresh(&refresh).await;
    assert_eq!(r.status, 200, "{r:?}");
    let fresh = r.string("access_token");
    assert_eq!(
        e.verify(&fresh, false).await["refresh_token_id"],
        json!(session_id)
    );

    let me = e.me(&fresh).await;
    assert_eq!((me.status, me.json["id"].clone()), (200, json!(id)));
    assert!(
        me.json.get("server_metadata").is_none(),
        "client access does not see server metadata"
    );
    e.client(Method::GET, "/users/me")
        .send(&e.app)
        .await
        .assert_known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER");

    // Racing revokes: exactly one wins.
    let racers = (0..20).map(|_| {
        let (app, seeded, token) = (
            Arc::clone(&e.app),
            e.seeded.project.id.clone(),
            fresh.clone(),
        );
        let key = e.seeded.client_key.clone();
        tokio::spawn(async move {
            Req::new(Method::DELETE, "/api/v1/auth/sessions/current")
                .header("x-stack-access-type", "client")
                .header("x-stack-project-id", &seeded)
                .header("x-stack-publishable-client-key", &key)
                .header("x-stack-access-token", &token)
                .send(&app)
                .await
        })
    });
    let answers: Vec<Resp> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert_eq!(answers.iter().filter(|r| r.status == 200).count(), 1);
    for r in answers.iter().filter(|r| r.status != 200) {
        r.assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    }
    e.refresh(&refresh)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    e.client(Method::DELETE, "/auth/sessions/current")
        .send(&e.app)
        .await
        .assert_known(401, "USER_AUTHENTICATION_REQUIRED");
}

async fn refresh_refuses_what_it_should(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e.create_user(json!({})).await;
    let id = s(&u["id"]);
    let r = e
        .server(Method::POST, "/auth/sessions")
        .json(json!({"user_id": id, "expires_in_millis": 1000}))
        .send(&e.app)
        .await;
    let short = r.string("refresh_token");
    assert_eq!(e.refresh(&short).await.status, 200);
    e.clock.advance(1000);
    e.refresh(&short)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    for junk in ["junk", &format!("{}x", short), &short.replace('.', "")] {
        e.refresh(junk)
            .await
            .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    }
    let r = e
        .client(Method::POST, "/auth/sessions/current/refresh")
        .send(&e.app)
        .await;
    r.assert_known(400, "SCHEMA_ERROR");
    assert!(r.text.contains("x-stack-refresh-token"));
    // Another project's refresh token is not this project's.
    let other = seed_project(e.store.as_ref(), true).await;
    let (long, _) = e.session(&id).await;
    let r = Req::post("/api/v1/auth/sessions/current/refresh")
        .client(&other)
        .header("x-stack-refresh-token", &long)
        .send(&e.app)
        .await;
    r.assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    // Session bounds.
    for (ms, ok) in [
        (367 * 86_400_000i64, true),
        (367 * 86_400_000 + 1, false),
        (0, false),
    ] {
        let r = e
            .server(Method::POST, "/auth/sessions")
            .json(json!({"user_id": id, "expires_in_millis": ms}))
            .send(&e.app)
            .await;
        assert_eq!(r.status == 200, ok, "{ms}: {r:?}");
    }
    let r = e
        .server(Method::POST, "/auth/sessions")
        .json(json!({"user_id": "00000000-0000-4000-8000-000000000000"}))
        .send(&e.app)
        .await;
    r.assert_known(400, "USER_ID_DOES_NOT_EXIST");
    assert_eq!(
        r.json["details"]["user_id"],
        "00000000-0000-4000-8000-000000000000"
    );
}

async fn access_tokens_are_checked_by_rule_five(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e.create_user(json!({})).await;
    let (_, access) = e.session(&s(&u["id"])).await;
    assert_eq!(e.me(&access).await.status, 200);
    // Rule 5 applies on every endpoint, before the project lookup.
    let r = e
        .client(Method::POST, "/auth/cli")
        .header("x-stack-access-token", "garbage")
        .send(&e.app)
        .await;
    r.assert_known(401, "UNPARSABLE_ACCESS_TOKEN");
    // Tampered payload, same signature.
    let parts: Vec<&str> = access.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        &parts[1][..parts[1].len() - 2],
        parts[2]
    );
    e.me(&tampered)
        .await
        .assert_known(401, "UNPARSABLE_ACCESS_TOKEN");
    // Signed by another server's secret.
    let stranger = cli_auth_tests::token_issuer();
    let user = cli_auth_core::domain::user::User {
        id: s(&u["id"]),
        ..cli_auth_core::domain::accounts::new_user(
            &e.seeded.project.id,
            &cli_auth_core::domain::user::UserPatch::default(),
            T0,
        )
    };
    let (session, _) = cli_auth_core::domain::session::Session::create(
        &e.seeded.project.id,
        &user.id,
        T0,
        1000,
        false,
    );
    let forged = stranger
        .access_token("http://evil", &user, &session.id, T0)
        .expect("token");
    e.me(&forged)
        .await
        .assert_known(401, "UNPARSABLE_ACCESS_TOKEN");
    // A genuine token of another project.
    let other = seed_project(e.store.as_ref(), true).await;
    let r = Req::new(Method::GET, "/api/v1/users/me")
        .client(&other)
        .header("x-stack-access-token", &access)
        .send(&e.app)
        .await;
    r.assert_known(401, "INVALID_PROJECT_FOR_ACCESS_TOKEN");
    assert_eq!(
        r.json["details"]["actual_project_id"],
        json!(e.seeded.project.id)
    );
    // Expired.
    e.clock.advance(600_000);
    let r = e.me(&access).await;
    r.assert_known(401, "ACCESS_TOKEN_EXPIRED");
    assert_eq!(
        r.json["details"]["expired_at_millis"],
        json!((T0 / 1000 + 600) * 1000)
    );
}

async fn anonymous_users_need_the_allow_header(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = e
        .client(Method::POST, "/auth/anonymous/sign-up")
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let (access, refresh, user_id) = (
        r.string("access_token"),
        r.string("refresh_token"),
        r.string("user_id"),
    );
    let claims = e.verify(&access, true).await;
    assert_eq!(claims["sub"], json!(user_id));
    assert_eq!(claims["is_anonymous"], json!(true));
    assert_user_claims(&claims, Value::Null, true);
    assert_eq!(
        claims["aud"],
        json!(format!("{}:anon", e.seeded.project.id))
    );
    assert_eq!(
        claims["iss"],
        json!(format!(
            "{}/api/v1/projects-anonymous-users/{}",
            cli_auth_tests::BASE_URL,
            e.seeded.project.id
        ))
    );
    // The anonymous key is published only on request.
    let plain = e.jwks(false).await;
    let kid = jsonwebtoken::decode_header(&access)
        .expect("header")
        .kid
        .expect("kid");
    assert!(
        plain["keys"]
            .as_array()
            .is_some_and(|ks| ks.iter().all(|k| k["kid"] != json!(kid)))
    );
    e.me(&access)
        .await
        .assert_known(401, "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED");
    let r = e
        .client(Method::GET, "/users/me")
        .header("x-stack-access-token", &access)
        .header("x-stack-allow-anonymous-user", "true")
        .send(&e.app)
        .await;
    assert_eq!(
        (r.status, r.json["is_anonymous"].clone()),
        (200, json!(true))
    );
    // The anonymous refresh token refreshes into an anonymous access token.
    let r = e.refresh(&refresh).await;
    assert_eq!(
        e.verify(&r.string("access_token"), true).await["sub"],
        json!(user_id)
    );
    // JWKS of an unknown project.
    let r = Req::new(
        Method::GET,
        "/api/latest/projects/nope/.well-known/jwks.json",
    )
    .send(&e.app)
    .await;
    r.assert_known(404, "PROJECT_NOT_FOUND");
}

/// The whole browser-to-CLI flow using only public endpoints.
async fn browser_to_cli_over_public_endpoints(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e.create_user(json!({"display_name": "Browser user"})).await;
    let (browser_refresh, _) = e.session(&s(&u["id"])).await;
    let r = e.client(Method::POST, "/auth/cli").send(&e.app).await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let r = e
        .client(Method::POST, "/auth/cli/complete")
        .json(json!({"login_code": login, "refresh_token": browser_refresh}))
        .send(&e.app)
        .await;
    assert_eq!(r.json, json!({"success": true}));
    let r = e
        .client(Method::POST, "/auth/cli/poll")
        .json(json!({"polling_code": polling}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 201);
    let cli_refresh = r.string("refresh_token");
    let access = s(&e.refresh(&cli_refresh).await.json["access_token"]);
    let me = e.me(&access).await;
    assert_eq!(me.json["display_name"], "Browser user");
    let r = e
        .client(Method::DELETE, "/auth/sessions/current")
        .header("x-stack-access-token", &access)
        .send(&e.app)
        .await;
    assert_eq!(r.json, json!({"success": true}));
    e.refresh(&cli_refresh)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
}

/// An anonymous CLI session handed to the browser, then the login completed
/// as a signed-up user.
async fn anonymous_upgrade_path(kind: StoreKind) {
    let e = test_app(kind).await;
    let anon = e
        .client(Method::POST, "/auth/anonymous/sign-up")
        .send(&e.app)
        .await
        .json;
    let r = e
        .client(Method::POST, "/auth/cli")
        .json(json!({"anon_refresh_token": anon["refresh_token"]}))
        .send(&e.app)
        .await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let complete = |body: Value| {
        e.client(Method::POST, "/auth/cli/complete")
            .json(body)
            .send(&e.app)
    };
    assert_eq!(
        complete(json!({"login_code": login, "mode": "check"}))
            .await
            .json["cli_session_state"],
        "anonymous"
    );
    let claimed = complete(json!({"login_code": login, "mode": "claim-anon-session"})).await;
    assert_eq!(claimed.json["refresh_token"], anon["refresh_token"]);
    let claims = e.verify(&claimed.string("access_token"), true).await;
    assert_eq!(claims["sub"], anon["user_id"]);
    assert_user_claims(&claims, Value::Null, true);
    // The browser signs up (here: the server creates the user and a session).
    let u = e.create_user(json!({"display_name": "Signed up"})).await;
    let (refresh, _) = e.session(&s(&u["id"])).await;
    assert_eq!(
        complete(json!({"login_code": login, "refresh_token": refresh}))
            .await
            .json,
        json!({"success": true})
    );
    let r = e
        .client(Method::POST, "/auth/cli/poll")
        .json(json!({"polling_code": polling}))
        .send(&e.app)
        .await;
    assert_eq!(r.json["refresh_token"], json!(refresh));
    let access = s(&e.refresh(&refresh).await.json["access_token"]);
    assert_eq!(e.me(&access).await.json["id"], u["id"]);
}

/// A display name is what "Logged in as …" and confirm pages show: every
/// write of one refuses control and bidi characters (api.md §8), so that a
/// name cannot hide or reorder what follows it.
async fn display_names_refuse_control_and_bidi_characters(kind: StoreKind) {
    let e = test_app(kind).await;
    let u = e.create_user(json!({"display_name": "Kim"})).await;
    let id = s(&u["id"]);
    let (_, access) = e.session(&id).await;
    for text in cli_auth_tests::DECEPTIVE_TEXTS {
        let body = json!({ "display_name": text });
        let writes = [
            e.server(Method::POST, "/users"),
            e.server(Method::PATCH, &format!("/users/{id}")),
            e.client(Method::PATCH, "/users/me")
                .header("x-stack-access-token", &access),
        ];
        for write in writes {
            let r = write.json(body.clone()).send(&e.app).await;
            r.assert_known(400, "SCHEMA_ERROR");
            assert!(r.text.contains("display_name"), "{text:?}: {}", r.text);
        }
    }
    // Nothing was written: the name is still Kim.
    let r = e
        .server(Method::GET, &format!("/users/{id}"))
        .send(&e.app)
        .await;
    assert_eq!(r.json["display_name"], "Kim");
    // Any script, emoji and spaces are fine.
    let r = e
        .server(Method::PATCH, &format!("/users/{id}"))
        .json(json!({"display_name": "Ада Лавлейс 🚀"}))
        .send(&e.app)
        .await;
    assert_eq!(r.json["display_name"], "Ада Лавлейс 🚀", "{r:?}");
}

cli_auth_tests::on_both_stores!(
    display_names_refuse_control_and_bidi_characters,
    the_user_json_is_stacks_client_read_schema,
    users_me_update_and_delete,
    users_create_read_update,
    users_are_per_project_and_server_only,
    sessions_refresh_me_revoke,
    refresh_refuses_what_it_should,
    access_tokens_are_checked_by_rule_five,
    anonymous_users_need_the_allow_header,
    browser_to_cli_over_public_endpoints,
    anonymous_upgrade_path,
);
