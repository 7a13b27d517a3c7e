//! A user's sessions (api.md §4): `GET /auth/sessions` and
//! `DELETE /auth/sessions/{id}`, through the request pipeline on both stores,
//! with Stack Auth's own end-to-end assertions for them (its
//! `auth/sessions/index.test.ts`) and what a session's refresh token does
//! after each answer.

use cli_auth_core::domain::access::AccessType;
use cli_auth_tests::{Resp, StoreKind, T0, TestApp, test_app};
use http::Method;
use serde_json::{Value, json};

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("string: {v}"))
        .to_owned()
}

/// A user's session: its id, refresh token and access token.
struct Held {
    id: String,
    refresh: String,
    access: String,
}

async fn session(e: &TestApp, user_id: &str, impersonation: bool) -> Held {
    let r = e
        .server(Method::POST, "/auth/sessions")
        .json(json!({"user_id": user_id, "is_impersonation": impersonation}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let access = r.string("access_token");
    let claims = e.verify(&access, false).await;
    Held {
        id: s(&claims["refresh_token_id"]),
        refresh: r.string("refresh_token"),
        access,
    }
}

async fn list(e: &TestApp, access: AccessType, token: Option<&str>, query: &str) -> Resp {
    let path = format!("/api/v1/auth/sessions{query}");
    let mut req = cli_auth_tests::Req::new(Method::GET, &path).access(&e.seeded, access);
    if let Some(token) = token {
        req = req.header("x-stack-access-token", token);
    }
    req.send(&e.app).await
}

async fn delete(e: &TestApp, access: AccessType, token: Option<&str>, id: &str) -> Resp {
    let path = format!("/api/v1/auth/sessions/{id}?user_id=me");
    let mut req = cli_auth_tests::Req::new(Method::DELETE, &path).access(&e.seeded, access);
    if let Some(token) = token {
        req = req.header("x-stack-access-token", token);
    }
    req.send(&e.app).await
}

fn ids(r: &Resp) -> Vec<String> {
    assert_eq!(
        (r.status, &r.json["is_paginated"]),
        (200, &json!(false)),
        "{r:?}"
    );
    r.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| s(&i["id"]))
        .collect()
}

async fn sessions_are_listed_newest_first_with_their_use(kind: StoreKind) {
    let e = test_app(kind).await;
    let user = s(&e.create_user(json!({})).await["id"]);
    let first = session(&e, &user, false).await;
    e.clock.advance(1_000);
    let second = session(&e, &user, false).await;
    e.clock.advance(1_000);
    let impersonation = session(&e, &user, true).await;
    e.clock.advance(1_000);
    let other_user = s(&e.create_user(json!({})).await["id"]);
    session(&e, &other_user, false).await;
    e.clock.advance(5_000);
    assert_eq!(e.refresh(&first.refresh).await.status, 200);

    // Client access, with `me` or its own id: its sessions, newest first,
    // without impersonation sessions.
    let mine = list(&e, AccessType::Client, Some(&first.access), "?user_id=me").await;
    assert_eq!(ids(&mine), vec![second.id.clone(), first.id.clone()]);
    assert_eq!(
        mine.json["items"],
        json!([
            {
                "id": second.id, "user_id": user, "created_at": T0 + 1_000,
                "last_used_at": T0 + 1_000, "is_impersonation": false,
                "is_current_session": false, "agent_name": null,
            },
            {
                "id": first.id, "user_id": user, "created_at": T0,
                "last_used_at": T0 + 8_000, "is_impersonation": false,
                "is_current_session": true, "agent_name": null,
            },
        ]),
        "created_at and last_used_at in epoch milliseconds; the refresh is the last use"
    );
    let by_id = list(
        &e,
        AccessType::Client,
        Some(&first.access),
        &format!("?user_id={user}"),
    )
    .await;
    assert_eq!(by_id.json, mine.json);

    // Server access: any user's, still without impersonation; admin: with.
    let server = list(&e, AccessType::Server, None, &format!("?user_id={user}")).await;
    assert_eq!(ids(&server), vec![second.id.clone(), first.id.clone()]);
    assert!(
        server.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["is_current_session"] == json!(false)),
        "no access token, no current session"
    );
    let admin = list(&e, AccessType::Admin, None, &format!("?user_id={user}")).await;
    assert_eq!(
        ids(&admin),
        vec![
            impersonation.id.clone(),
            second.id.clone(),
            first.id.clone()
        ]
    );
    assert_eq!(admin.json["items"][0]["is_impersonation"], json!(true));
    let nobody = list(
        &e,
        AccessType::Server,
        None,
        "?user_id=00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(ids(&nobody), Vec::<String>::new());
}

async fn listing_refuses_what_it_should(kind: StoreKind) {
    let e = test_app(kind).await;
    let user = s(&e.create_user(json!({})).await["id"]);
    let mine = session(&e, &user, false).await;
    let other_user = s(&e.create_user(json!({})).await["id"]);

    list(
        &e,
        AccessType::Client,
        Some(&mine.access),
        &format!("?user_id={other_user}"),
    )
    .await
    .assert_plain(403, "Client can only list sessions for their own user.");
    list(&e, AccessType::Client, None, &format!("?user_id={user}"))
        .await
        .assert_known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER");
    list(&e, AccessType::Server, None, "?user_id=me")
        .await
        .assert_known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER");
    let missing = list(&e, AccessType::Server, None, "").await;
    missing.assert_known(400, "SCHEMA_ERROR");
    assert_eq!(
        missing.json["error"],
        json!(
            "Request validation failed on GET /api/v1/auth/sessions:\n  - query.user_id must be defined"
        )
    );
    let junk = list(&e, AccessType::Server, None, "?user_id=not-a-uuid").await;
    junk.assert_known(400, "SCHEMA_ERROR");
    assert_eq!(
        junk.json["error"],
        json!(
            "Request validation failed on GET /api/v1/auth/sessions:\n  - query.user_id must be a valid UUID"
        )
    );
}

async fn sessions_are_deleted_by_id_except_the_current_one(kind: StoreKind) {
    let e = test_app(kind).await;
    let user = s(&e.create_user(json!({})).await["id"]);
    let current = session(&e, &user, false).await;
    let other = session(&e, &user, false).await;
    let stranger_user = s(&e.create_user(json!({})).await["id"]);
    let strangers = session(&e, &stranger_user, false).await;
    let token = Some(current.access.as_str());

    delete(&e, AccessType::Client, token, &current.id)
        .await
        .assert_known(400, "CANNOT_DELETE_CURRENT_SESSION");
    assert_eq!(
        delete(&e, AccessType::Client, token, &current.id)
            .await
            .json["error"],
        json!("Cannot delete the current session.")
    );
    for id in [
        strangers.id.as_str(),
        "00000000-0000-4000-8000-000000000000",
        "not-a-session-id",
    ] {
        delete(&e, AccessType::Client, token, id)
            .await
            .assert_plain(404, "Session not found.");
    }
    delete(&e, AccessType::Client, None, &other.id)
        .await
        .assert_known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER");
    for held in [&current, &other, &strangers] {
        assert_eq!(
            e.refresh(&held.refresh).await.status,
            200,
            "refused deletes end nothing"
        );
    }

    let deleted = delete(&e, AccessType::Client, token, &other.id).await;
    assert_eq!(
        (deleted.status, &deleted.json),
        (200, &json!({"success": true}))
    );
    e.refresh(&other.refresh)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    let left = list(&e, AccessType::Client, token, "?user_id=me").await;
    assert_eq!(ids(&left), vec![current.id.clone()]);
    assert_eq!(left.json["items"][0]["is_current_session"], json!(true));
    delete(&e, AccessType::Client, token, &other.id)
        .await
        .assert_plain(404, "Session not found.");

    // Server access ends any session of the project.
    let r = e
        .server(Method::DELETE, &format!("/auth/sessions/{}", strangers.id))
        .send(&e.app)
        .await;
    assert_eq!((r.status, &r.json), (200, &json!({"success": true})));
    e.refresh(&strangers.refresh)
        .await
        .assert_known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    assert_eq!(e.refresh(&current.refresh).await.status, 200);
}

cli_auth_tests::on_both_stores!(
    sessions_are_listed_newest_first_with_their_use,
    listing_refuses_what_it_should,
    sessions_are_deleted_by_id_except_the_current_one,
);
