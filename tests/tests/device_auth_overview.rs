//! The admin overview (`GET /internal/device-auth?kind=cli|agent`, api.md
//! §9, Hexclave's): Hexclave's e2e assertions
//! (`apps/e2e/tests/backend/endpoints/api/v1/internal/device-auth.test.ts`)
//! in our tests, on both stores; and what its suite does not check: the
//! other statuses, a deleted user, a revoked session, the window.

use cli_auth_core::domain::access::AccessType;
use cli_auth_tests::{Req, Resp, StoreKind, TestApp, agent_test_app};
use http::Method;
use serde_json::{Value, json};

async fn overview_as(e: &TestApp, access: AccessType, query: &str) -> Resp {
    Req::new(
        Method::GET,
        &format!("/api/latest/internal/device-auth{query}"),
    )
    .access(&e.seeded, access)
    .send(&e.app)
    .await
}

async fn overview(e: &TestApp, kind: &str) -> Value {
    let r = overview_as(e, AccessType::Admin, &format!("?kind={kind}")).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json
}

fn summary(
    attempts: usize,
    [waiting, success, denied, expired, used]: [usize; 5],
    active_sessions: usize,
) -> Value {
    json!({
        "attempts_in_window": attempts,
        "waiting_attempts_in_window": waiting,
        "success_attempts_in_window": success,
        "denied_attempts_in_window": denied,
        "expired_attempts_in_window": expired,
        "used_attempts_in_window": used,
        "active_sessions_in_window": active_sessions,
        "attempt_window_limit": 50,
        "session_window_limit": 200,
    })
}

async fn register(e: &TestApp, name: &str) -> Value {
    let r = Req::post("/api/v1/agent/register")
        .client(&e.seeded)
        .json(json!({"agent": {"name": name, "description": "Does things"}}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json
}

async fn confirm(e: &TestApp, access_token: &str, claim_code: &Value, action: &str) {
    let r = Req::post("/api/v1/agent/register/confirm")
        .client(&e.seeded)
        .header("x-stack-access-token", access_token)
        .json(json!({"claim_code": claim_code, "action": action}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
}

fn assert_lacks(body: &Value, secrets: &[&str]) {
    let text = body.to_string();
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

async fn needs_admin_access_and_a_known_kind(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    for access in [AccessType::Client, AccessType::Server] {
        overview_as(&e, access, "?kind=agent")
            .await
            .assert_known(401, "INSUFFICIENT_ACCESS_TYPE");
    }
    for query in ["?kind=nope", "?kind=", "", "?kind=CLI"] {
        overview_as(&e, AccessType::Admin, query)
            .await
            .assert_known(400, "SCHEMA_ERROR");
    }
    // Both prefixes.
    let r = Req::new(Method::GET, "/api/v1/internal/device-auth?kind=cli")
        .access(&e.seeded, AccessType::Admin)
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
}

async fn a_waiting_cli_attempt_is_counted_without_its_codes(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let empty = overview(&e, "cli").await;
    assert_eq!(
        empty,
        json!({"summary": summary(0, [0; 5], 0), "recent_attempts": [], "sessions": []})
    );
    let (polling, login) = e.attempt().await;
    let body = overview(&e, "cli").await;
    assert_eq!(body["summary"], summary(1, [1, 0, 0, 0, 0], 0));
    let attempt = &body["recent_attempts"][0];
    assert_eq!(attempt["status"], "waiting");
    assert_eq!(attempt["used_at"], Value::Null);
    assert_eq!(attempt["agent"], Value::Null);
    let shown = attempt["id"].as_str().expect("id");
    assert_eq!(
        shown.split('-').map(str::len).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "a UUID: {shown}"
    );
    assert_eq!(body["sessions"], json!([]));
    // Not the codes, nor their located ids (the user code), nor halves.
    let id = polling.split('.').next().expect("id");
    let secret = polling.split('.').nth(1).expect("secret");
    assert_lacks(&body, &[&polling, &login, id, secret]);
}

async fn a_used_cli_attempt_lists_the_session_it_handed_out(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let user = e.user(false).await;
    let (polling, login) = e.attempt().await;
    let r = e
        .complete(
            json!({"login_code": login, "mode": "complete", "refresh_token": user.refresh_token}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let picked = e.poll(&polling).await;
    assert_eq!(picked.status, 201, "{picked:?}");
    // One completed and not picked up, one denied, one cancelled (each a
    // moment later: the list is newest first).
    let other = e.user(false).await;
    e.clock.advance(1);
    let (_, login2) = e.attempt().await;
    e.complete(
        json!({"login_code": login2, "mode": "complete", "refresh_token": other.refresh_token}),
    )
    .await;
    e.clock.advance(1);
    let (_, login3) = e.attempt().await;
    e.complete(json!({"login_code": login3, "mode": "deny"}))
        .await;
    e.clock.advance(1);
    let (polling4, _) = e.attempt().await;
    let r = Req::post("/api/v1/auth/cli/cancel")
        .client(&e.seeded)
        .json(json!({"polling_code": polling4}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    let body = overview(&e, "cli").await;
    assert_eq!(body["summary"], summary(4, [0, 1, 2, 0, 1], 1));
    let statuses: Vec<&Value> = body["recent_attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| &a["status"])
        .collect();
    // Newest first.
    assert_eq!(statuses, ["denied", "denied", "success", "used"]);
    let used = &body["recent_attempts"][3];
    assert!(used["used_at"].is_string(), "{used}");
    // Only the handed-out session: the other user's is not yet picked up.
    let sessions = body["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1, "{body}");
    let s = &sessions[0];
    assert_eq!(s["session_id"], user.session.id.as_str());
    assert_eq!(s["user_id"], user.user.id.as_str());
    assert_eq!(s["agent_name"], Value::Null);
    assert_eq!(s["display_name"], "Ada");
    assert_eq!(s["is_anonymous"], false);
    assert_eq!(s["is_expired"], false);
    assert!(
        s["expires_at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{s}"
    );
    assert_lacks(
        &body,
        &[
            &picked.string("refresh_token"),
            &user.refresh_token,
            &polling,
        ],
    );

    // A revoked session is gone from the list; a deleted user leaves its
    // sessions shown as nobody's in particular.
    assert!(
        e.store
            .delete_user(&e.seeded.project.id, &user.user.id)
            .await
            .expect("delete")
    );
    let body = overview(&e, "cli").await;
    let s = &body["sessions"][0];
    assert_eq!(s["display_name"], Value::Null);
    assert_eq!(s["primary_email"], Value::Null);
    assert_eq!(s["is_anonymous"], false);
    assert!(
        e.store
            .delete_session(&e.seeded.project.id, &user.session.id, None)
            .await
            .expect("delete")
    );
    let body = overview(&e, "cli").await;
    assert_eq!(body["sessions"], json!([]));
    assert_eq!(body["summary"]["active_sessions_in_window"], 0);
}

async fn cli_and_agent_attempts_are_kept_apart(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    e.attempt().await;
    register(&e, "Some Bot").await;
    let cli = overview(&e, "cli").await;
    let agent = overview(&e, "agent").await;
    let agents = |body: &Value| -> Vec<Value> {
        body["recent_attempts"]
            .as_array()
            .expect("attempts")
            .iter()
            .map(|a| a["agent"].clone())
            .collect()
    };
    assert_eq!(agents(&cli), [Value::Null]);
    assert_eq!(
        agents(&agent),
        [json!({"name": "Some Bot", "description": "Does things", "url": null, "user_hint": null})]
    );
}

async fn agent_registrations_and_sessions_are_listed_without_secrets(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    assert_eq!(
        overview(&e, "agent").await,
        json!({"summary": summary(0, [0; 5], 0), "recent_attempts": [], "sessions": []})
    );
    let waiting = register(&e, "Waiting Bot").await;
    let approved = register(&e, "Approved Bot").await;
    let denied = register(&e, "Denied Bot").await;
    let person = e.user(false).await;
    let access = e
        .refresh(&person.refresh_token)
        .await
        .string("access_token");
    confirm(&e, &access, &approved["claim_code"], "approve").await;
    confirm(&e, &access, &denied["claim_code"], "deny").await;
    let polled = Req::post("/api/v1/agent/register/poll")
        .client(&e.seeded)
        .json(json!({"poll_token": approved["poll_token"]}))
        .send(&e.app)
        .await;
    assert_eq!(polled.status, 201, "{polled:?}");

    let body = overview(&e, "agent").await;
    assert_eq!(body["summary"], summary(3, [1, 0, 1, 0, 1], 2));
    let statuses: std::collections::BTreeMap<String, Value> = body["recent_attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| {
            (
                a["agent"]["name"].as_str().expect("name").to_owned(),
                a["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        json!(statuses),
        json!({"Waiting Bot": "waiting", "Approved Bot": "used", "Denied Bot": "denied"})
    );
    // The waiting agent's anonymous session, and the approved agent's new
    // session on the person's account; the denied one's ended, as did the
    // approved one's anonymous session.
    let sessions = body["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 2, "{body}");
    let mine: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["user_id"] == person.user.id.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "{body}");
    assert_eq!(mine[0]["agent_name"], "Approved Bot");
    assert_eq!(mine[0]["is_anonymous"], false);
    assert_eq!(mine[0]["is_expired"], false);
    let theirs: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["user_id"] != person.user.id.as_str())
        .collect();
    assert_eq!(theirs[0]["agent_name"], "Waiting Bot");
    assert_eq!(theirs[0]["is_anonymous"], true);

    let text = |v: &Value| v.as_str().expect("text").to_owned();
    let mut secrets = vec![
        text(&waiting["poll_token"]),
        text(&waiting["claim_code"]),
        text(&waiting["claim_code"]).replace('-', ""),
        text(&approved["poll_token"]),
        text(&waiting["anonymous_session"]["refresh_token"]),
    ];
    secrets.push(text(&polled.json["session"]["refresh_token"]));
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_lacks(&body, &secrets);
}

cli_auth_tests::on_both_stores!(
    needs_admin_access_and_a_known_kind,
    a_waiting_cli_attempt_is_counted_without_its_codes,
    a_used_cli_attempt_lists_the_session_it_handed_out,
    cli_and_agent_attempts_are_kept_apart,
    agent_registrations_and_sessions_are_listed_without_secrets,
);
