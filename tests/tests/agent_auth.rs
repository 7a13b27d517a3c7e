//! Agent auth (api.md §9, Hexclave's): register, the person's confirm
//! (inspect, approve, deny), the one hand-off poll, the anonymous
//! session's end, the discovery document and auth.md. Hexclave's own e2e
//! assertions (`apps/e2e/tests/backend/endpoints/api/v1/agent/*.test.ts`),
//! in our tests, on both stores; and what Hexclave's suite cannot see:
//! races, guessing, the flows kept apart.

use cli_auth_core::domain::access::AccessType;
use cli_auth_tests::{BASE_URL, Req, Resp, StoreKind, T0, TestApp, agent_test_app, test_app};
use http::Method;
use serde_json::{Value, json};

const CLAIM_CODE: &str =
    "^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{4}-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{4}$";

fn is_claim_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    let alphabet = cli_auth_core::secret::CLAIM_CODE_ALPHABET;
    parts.len() == 2
        && parts
            .iter()
            .all(|p| p.len() == 4 && p.bytes().all(|b| alphabet.contains(&b)))
}

async fn register_with(e: &TestApp, body: Value) -> Resp {
    Req::post("/api/v1/agent/register")
        .client(&e.seeded)
        .json(body)
        .send(&e.app)
        .await
}

/// Hexclave's test agent.
async fn register(e: &TestApp) -> Value {
    let r = register_with(
        e,
        json!({
            "agent": {"name": "Claude Code", "description": "Triage support tickets", "url": "https://example.com/agent"},
            "user_hint": "alice@example.com",
        }),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json
}

async fn poll(e: &TestApp, token: &str) -> Resp {
    Req::post("/api/v1/agent/register/poll")
        .client(&e.seeded)
        .json(json!({ "poll_token": token }))
        .send(&e.app)
        .await
}

/// A person signed in: a new user's access token (and the user).
async fn person(e: &TestApp) -> (String, cli_auth_tests::SeededUser) {
    let user = e.user(false).await;
    let access = e.refresh(&user.refresh_token).await.string("access_token");
    (access, user)
}

fn confirm_request(e: &TestApp, access_token: Option<&str>, claim_code: &str, action: &str) -> Req {
    let mut r = Req::post("/api/v1/agent/register/confirm").client(&e.seeded);
    if let Some(token) = access_token {
        r = r.header("x-stack-access-token", token);
    }
    r.json(json!({ "claim_code": claim_code, "action": action }))
}

async fn confirm(e: &TestApp, access_token: &str, claim_code: &str, action: &str) -> Resp {
    confirm_request(e, Some(access_token), claim_code, action)
        .send(&e.app)
        .await
}

async fn refresh_status(e: &TestApp, refresh_token: &str) -> u16 {
    e.refresh(refresh_token).await.status
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("a string: {v}"))
}

/// The agent names in the person's session list (server access).
async fn agent_names(e: &TestApp, user_id: &str) -> Vec<Value> {
    let r = e
        .server(Method::GET, &format!("/auth/sessions?user_id={user_id}"))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let items = r.json["items"].as_array().expect("items").clone();
    items.iter().map(|i| i["agent_name"].clone()).collect()
}

async fn rejects_registration_when_agent_auth_is_off(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = register_with(&e, json!({"agent": {"name": "Claude Code"}})).await;
    r.assert_known(400, "AGENT_AUTH_NOT_ENABLED");
    assert_eq!(
        r.json,
        json!({
            "code": "AGENT_AUTH_NOT_ENABLED",
            "error": "Agent authentication is not enabled for this project. Install the Agent Auth app in the Hexclave dashboard to enable it.",
        })
    );
    // Nothing was written: poll and confirm say so too.
    poll(&e, "not-a-real-token")
        .await
        .assert_known(400, "AGENT_AUTH_NOT_ENABLED");
}

async fn registers_with_a_claim_code_confirm_url_poll_token_and_anonymous_session(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let body = register(&e).await;
    let mut keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "anonymous_session",
            "claim_code",
            "confirm_url",
            "expires_at_millis",
            "poll_token"
        ]
    );
    let mut anon: Vec<&String> = body["anonymous_session"]
        .as_object()
        .expect("object")
        .keys()
        .collect();
    anon.sort();
    assert_eq!(anon, ["access_token", "refresh_token", "user_id"]);
    let code = s(&body["claim_code"]);
    assert!(is_claim_code(code), "{code} matches {CLAIM_CODE}");
    // No app URL on the project: the page this service hosts.
    assert_eq!(
        body["confirm_url"],
        json!(format!("{BASE_URL}/handler/agent-auth-confirm?code={code}"))
    );
    // Fifteen minutes by default.
    assert_eq!(body["expires_at_millis"], json!(T0 + 15 * 60_000));
    // Every registration gets a code of its own.
    let other = register(&e).await;
    assert_ne!(other["claim_code"], body["claim_code"]);
    assert_ne!(other["poll_token"], body["poll_token"]);
}

async fn the_confirm_url_is_on_the_projects_app_when_it_has_one_or_names_it(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    e.store
        .set_project_app_url(&e.seeded.project.id, Some("https://app.example.com"))
        .await
        .expect("set");
    let implicit = register(&e).await;
    assert_eq!(
        implicit["confirm_url"],
        json!(format!(
            "https://app.example.com/handler/agent-auth-confirm?code={}",
            s(&implicit["claim_code"])
        ))
    );
    let explicit = register_with(
        &e,
        json!({"agent": {"name": "Claude Code"}, "app_url": "https://app.example.com/some/page"}),
    )
    .await;
    assert_eq!(
        explicit.json["confirm_url"],
        json!(format!(
            "https://app.example.com/handler/agent-auth-confirm?code={}",
            explicit.string("claim_code")
        ))
    );
    // This service's own page is trusted too.
    let hosted = register_with(
        &e,
        json!({"agent": {"name": "Claude Code"}, "app_url": format!("{BASE_URL}/x")}),
    )
    .await;
    assert!(
        hosted
            .string("confirm_url")
            .starts_with(&format!("{BASE_URL}/handler/agent-auth-confirm?code=")),
        "{hosted:?}"
    );
    let untrusted = register_with(
        &e,
        json!({"agent": {"name": "Claude Code"}, "app_url": "https://evil.example.org"}),
    )
    .await;
    untrusted.assert_known(400, "REDIRECT_URL_NOT_WHITELISTED");
    assert_eq!(
        untrusted.json,
        json!({
            "code": "REDIRECT_URL_NOT_WHITELISTED",
            "details": {"redirect_url": "https://evil.example.org"},
            "error": "Redirect URL not whitelisted. Did you forget to add this domain to the trusted domains list on the Hexclave dashboard?",
        })
    );
}

async fn the_anonymous_session_calls_the_api_only_when_anonymous_users_are_allowed(
    kind: StoreKind,
) {
    let e = agent_test_app(kind).await;
    let body = register(&e).await;
    let token = s(&body["anonymous_session"]["access_token"]);
    let me = |allow: &str| {
        e.client(Method::GET, "/users/me")
            .header("x-stack-access-token", token)
            .header("x-stack-allow-anonymous-user", allow)
    };
    me("false")
        .send(&e.app)
        .await
        .assert_known(401, "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED");
    let allowed = me("true").send(&e.app).await;
    assert_eq!(allowed.status, 200, "{allowed:?}");
    assert_eq!(allowed.json["id"], body["anonymous_session"]["user_id"]);
    assert_eq!(allowed.json["is_anonymous"], json!(true));
}

async fn polls_say_waiting_and_refuse_unknown_tokens(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let body = register(&e).await;
    let r = poll(&e, s(&body["poll_token"])).await;
    assert_eq!((r.status, r.json), (200, json!({"status": "waiting"})));
    let r = poll(&e, "not-a-real-token").await;
    r.assert_known(400, "INVALID_POLLING_CODE");
    assert_eq!(
        r.json,
        json!({"code": "INVALID_POLLING_CODE", "error": "The polling code is invalid or does not exist."})
    );
    // Right id, wrong secret.
    let forged = format!(
        "{}.{}",
        s(&body["claim_code"]).replace('-', ""),
        "A".repeat(43)
    );
    poll(&e, &forged)
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
}

async fn approval_hands_a_new_session_to_one_poll_tagged_with_the_agent_name(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let registration = register(&e).await;
    let code = s(&registration["claim_code"]);
    let (access, ada) = person(&e).await;

    let inspect = confirm(&e, &access, code, "inspect").await;
    assert_eq!(inspect.status, 200, "{inspect:?}");
    assert_eq!(
        inspect.json,
        json!({
            "agent": {"description": "Triage support tickets", "name": "Claude Code", "url": "https://example.com/agent"},
            "expires_at_millis": T0 + 15 * 60_000,
            "status": "waiting",
            "user_hint": "alice@example.com",
        })
    );
    // Human-typed variants of the code are accepted.
    let typed = code.to_lowercase().replace('-', " ");
    let approve = confirm(&e, &access, &typed, "approve").await;
    assert_eq!(approve.status, 200, "{approve:?}");
    assert_eq!(approve.json["status"], json!("success"));

    let r = poll(&e, s(&registration["poll_token"])).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json["status"], json!("success"));
    let session = &r.json["session"];
    assert_eq!(session["user_id"], json!(ada.user.id));
    assert_ne!(
        session["refresh_token"],
        json!(ada.refresh_token),
        "a new session, never the browser's"
    );

    // The agent's tokens are a normal session of the person.
    let me = e
        .client(Method::GET, "/users/me")
        .header("x-stack-access-token", s(&session["access_token"]))
        .send(&e.app)
        .await;
    assert_eq!(
        (me.status, me.json["id"].clone()),
        (200, json!(ada.user.id))
    );
    assert_eq!(refresh_status(&e, s(&session["refresh_token"])).await, 200);
    // Handing over the real session ended the anonymous one.
    assert_eq!(
        refresh_status(&e, s(&registration["anonymous_session"]["refresh_token"])).await,
        401
    );
    // The person's sessions: their own, and the agent's, by name.
    let mut names = agent_names(&e, &ada.user.id).await;
    names.sort_by_key(|n| n.to_string());
    assert_eq!(names, [json!("Claude Code"), Value::Null]);

    // Once only.
    let again = poll(&e, s(&registration["poll_token"])).await;
    assert_eq!((again.status, again.json), (200, json!({"status": "used"})));
    // The claim code is spent too.
    confirm(&e, &access, code, "approve")
        .await
        .assert_known(400, "AGENT_AUTH_INVALID_CLAIM_CODE");
    // Used is checked first, even after expiry.
    e.clock.advance(2 * 60 * 60_000);
    let late = poll(&e, s(&registration["poll_token"])).await;
    assert_eq!(late.json, json!({"status": "used"}));
}

/// The session id of the agent's session in the person's list.
async fn agent_session_id(e: &TestApp, user_id: &str) -> String {
    let r = e
        .server(Method::GET, &format!("/auth/sessions?user_id={user_id}"))
        .send(&e.app)
        .await;
    let items = r.json["items"].as_array().expect("items").clone();
    let agent = items
        .iter()
        .find(|i| i["agent_name"] == json!("Claude Code"))
        .unwrap_or_else(|| panic!("an agent session in {r:?}"));
    s(&agent["id"]).to_owned()
}

async fn revoking_the_agents_session_signs_out_the_agent_not_the_person(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let registration = register(&e).await;
    let (access, ada) = person(&e).await;
    confirm(&e, &access, s(&registration["claim_code"]), "approve").await;
    let r = poll(&e, s(&registration["poll_token"])).await;
    let agent_refresh = r.json["session"]["refresh_token"].clone();

    let id = agent_session_id(&e, &ada.user.id).await;
    let revoke = e
        .server(
            Method::DELETE,
            &format!("/auth/sessions/{id}?user_id={}", ada.user.id),
        )
        .send(&e.app)
        .await;
    assert_eq!(revoke.status, 200, "{revoke:?}");
    assert_eq!(refresh_status(&e, s(&agent_refresh)).await, 401);
    // The person is still signed in.
    assert_eq!(refresh_status(&e, &ada.refresh_token).await, 200);
    let me = e
        .client(Method::GET, "/users/me")
        .header("x-stack-access-token", &access)
        .send(&e.app)
        .await;
    assert_eq!(me.status, 200);
}

async fn a_session_revoked_before_the_first_poll_is_never_handed_out(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let registration = register(&e).await;
    let (access, ada) = person(&e).await;
    confirm(&e, &access, s(&registration["claim_code"]), "approve").await;
    let id = agent_session_id(&e, &ada.user.id).await;
    let revoke = e
        .server(
            Method::DELETE,
            &format!("/auth/sessions/{id}?user_id={}", ada.user.id),
        )
        .send(&e.app)
        .await;
    assert_eq!(revoke.status, 200);
    let r = poll(&e, s(&registration["poll_token"])).await;
    assert_eq!((r.status, r.json), (200, json!({"status": "expired"})));
    // Spent: it does not flip back to success.
    let again = poll(&e, s(&registration["poll_token"])).await;
    assert_eq!(again.json, json!({"status": "used"}));
}

async fn denying_tells_the_poller_spends_the_code_and_ends_the_anonymous_session(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let registration = register(&e).await;
    let anon_refresh = s(&registration["anonymous_session"]["refresh_token"]).to_owned();
    assert_eq!(refresh_status(&e, &anon_refresh).await, 200);
    let (access, ada) = person(&e).await;

    let deny = confirm(&e, &access, s(&registration["claim_code"]), "deny").await;
    assert_eq!(deny.status, 200, "{deny:?}");
    assert_eq!(deny.json["status"], json!("denied"));
    let r = poll(&e, s(&registration["poll_token"])).await;
    assert_eq!((r.status, r.json), (200, json!({"status": "denied"})));
    confirm(&e, &access, s(&registration["claim_code"]), "approve")
        .await
        .assert_known(400, "AGENT_AUTH_INVALID_CLAIM_CODE");
    assert_eq!(refresh_status(&e, &anon_refresh).await, 401);
    // Nothing was minted on the person's account.
    assert_eq!(agent_names(&e, &ada.user.id).await, [Value::Null]);
    // Denied is checked before expiry.
    e.clock.advance(2 * 60 * 60_000);
    let late = poll(&e, s(&registration["poll_token"])).await;
    assert_eq!(late.json, json!({"status": "denied"}));
}

async fn registration_lifetimes_and_fields_are_bounded(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let short = register_with(
        &e,
        json!({"agent": {"name": "Claude Code"}, "expires_in_millis": 30_000}),
    )
    .await;
    assert_eq!(
        short.json["expires_at_millis"],
        json!(T0 + 30_000),
        "{short:?}"
    );
    let hour = register_with(
        &e,
        json!({"agent": {"name": "Claude Code"}, "expires_in_millis": 3_600_000}),
    )
    .await;
    assert_eq!(hour.status, 200, "{hour:?}");
    let too_long = "x".repeat(101);
    let deceptive = "Claude\u{202E}edoC";
    for bad in [
        json!({"agent": {"name": "Claude Code"}, "expires_in_millis": 1_000}),
        json!({"agent": {"name": "Claude Code"}, "expires_in_millis": 3_600_001}),
        json!({"agent": {"name": "   "}}),
        json!({"agent": {"name": too_long}}),
        json!({"agent": {"name": deceptive}}),
        json!({"agent": {"name": "Claude Code", "url": "not a url"}}),
        json!({"agent": {"name": "Claude Code", "url": "javascript:alert(1)"}}),
        json!({"agent": {"name": "Claude Code", "extra": 1}}),
        json!({"agent": {"name": "Claude Code"}, "user_hint": "x".repeat(257)}),
        json!({"agent": {"name": "Claude Code"}, "app_url": "ftp://app.example.com"}),
        json!({"agent": "Claude Code"}),
        json!({}),
    ] {
        register_with(&e, bad.clone())
            .await
            .assert_known(400, "SCHEMA_ERROR");
    }
    // Names are trimmed, as Hexclave's schema trims them.
    let trimmed = register_with(&e, json!({"agent": {"name": "  Claude Code  "}})).await;
    let (access, _) = person(&e).await;
    let inspect = confirm(&e, &access, &trimmed.string("claim_code"), "inspect").await;
    assert_eq!(inspect.json["agent"]["name"], json!("Claude Code"));
    assert_eq!(inspect.json["agent"]["description"], Value::Null);
    assert_eq!(inspect.json["user_hint"], Value::Null);
    // An attempt expires after its lifetime.
    e.clock.advance(30_000);
    let r = poll(&e, &short.string("poll_token")).await;
    assert_eq!(r.json, json!({"status": "expired"}));
    confirm(&e, &access, &short.string("claim_code"), "inspect")
        .await
        .assert_known(400, "AGENT_AUTH_INVALID_CLAIM_CODE");
}

async fn only_a_signed_in_person_confirms(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let registration = register(&e).await;
    let code = s(&registration["claim_code"]);
    let no_user = confirm_request(&e, None, code, "approve")
        .send(&e.app)
        .await;
    no_user.assert_known(400, "SCHEMA_ERROR");
    let message = "Request validation failed on POST /api/v1/agent/register/confirm:\n  - auth.user must be defined";
    assert_eq!(
        no_user.json,
        json!({"code": "SCHEMA_ERROR", "details": {"message": message}, "error": message})
    );
    // The agent's own anonymous session cannot approve itself.
    let self_approve = confirm_request(
        &e,
        Some(s(&registration["anonymous_session"]["access_token"])),
        code,
        "approve",
    )
    .header("x-stack-allow-anonymous-user", "true")
    .send(&e.app)
    .await;
    self_approve.assert_known(401, "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED");
    let r = poll(&e, s(&registration["poll_token"])).await;
    assert_eq!(r.json, json!({"status": "waiting"}));
    // An unknown action is the schema's.
    let (access, _) = person(&e).await;
    confirm(&e, &access, code, "merge")
        .await
        .assert_known(400, "SCHEMA_ERROR");
}

async fn an_unknown_claim_code_is_refused(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let (access, _) = person(&e).await;
    for code in ["ZZZZ-ZZZZ", "not a code", "", "0OI1-0OI1"] {
        let r = confirm(&e, &access, code, "inspect").await;
        r.assert_known(400, "AGENT_AUTH_INVALID_CLAIM_CODE");
        assert_eq!(
            r.json,
            json!({
                "code": "AGENT_AUTH_INVALID_CLAIM_CODE",
                "error": "The claim code is invalid, has expired, or has already been used.",
            })
        );
    }
}

/// Each flow's codes name only its own attempts: no CLI endpoint moves an
/// agent attempt, and agent auth moves no CLI attempt.
async fn the_cli_flow_and_agent_auth_never_cross(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let registration = register(&e).await;
    let token = s(&registration["poll_token"]);
    e.poll(token)
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
    Req::post("/api/v1/auth/cli/cancel")
        .client(&e.seeded)
        .json(json!({ "polling_code": token }))
        .send(&e.app)
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
    let device = e
        .oauth_token(&format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id={}&client_secret={}&device_code={token}",
            e.seeded.project.id, e.seeded.client_key
        ))
        .await;
    assert_eq!(device.json["error"], json!("invalid_grant"), "{device:?}");
    let (access, _) = person(&e).await;
    let look_up = Req::post("/api/v1/auth/cli/user-code")
        .client(&e.seeded)
        .header("x-stack-access-token", &access)
        .json(json!({ "user_code": s(&registration["claim_code"]) }))
        .send(&e.app)
        .await;
    assert!(
        matches!(look_up.known_error(), Some("INVALID_USER_CODE")),
        "{look_up:?}"
    );
    // Still waiting, after all that.
    assert_eq!(poll(&e, token).await.json, json!({"status": "waiting"}));

    let (polling, login) = e.attempt().await;
    poll(&e, &polling)
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
    let user_code = login.split('.').next().expect("id").to_owned();
    confirm(&e, &access, &user_code, "approve")
        .await
        .assert_known(400, "AGENT_AUTH_INVALID_CLAIM_CODE");
    assert_eq!(e.poll(&polling).await.json, json!({"status": "waiting"}));
}

/// Approve against deny: of racing confirms exactly one decides, and a
/// losing approval leaves no session behind.
async fn approve_and_deny_race_and_exactly_one_wins(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    for _ in 0..4 {
        let registration = register(&e).await;
        let code = s(&registration["claim_code"]).to_owned();
        let (access, ada) = person(&e).await;
        let answers = futures::future::join_all((0..8).map(|i| {
            let (e, access, code) = (&e, &access, &code);
            async move {
                let action = if i % 2 == 0 { "approve" } else { "deny" };
                // Losers count as failed guesses: one address each.
                let r = confirm_request(e, Some(access), code, action)
                    .source_ip(&format!("192.0.2.{i}"))
                    .send(&e.app)
                    .await;
                (action, r)
            }
        }))
        .await;
        let winners: Vec<&str> = answers
            .iter()
            .filter(|(_, r)| r.status == 200)
            .map(|(a, _)| *a)
            .collect();
        assert_eq!(winners.len(), 1, "{answers:?}");
        for (_, r) in answers.iter().filter(|(_, r)| r.status != 200) {
            r.assert_known(400, "AGENT_AUTH_INVALID_CLAIM_CODE");
        }
        let r = poll(&e, s(&registration["poll_token"])).await;
        let names = agent_names(&e, &ada.user.id).await;
        if winners == ["approve"] {
            assert_eq!(r.status, 201, "{r:?}");
            assert_eq!(names.len(), 2, "one agent session: {names:?}");
        } else {
            assert_eq!(r.json, json!({"status": "denied"}));
            assert_eq!(names, [Value::Null], "no session left by a lost approval");
        }
    }
}

/// Polls racing after approval: exactly one gets the session.
async fn racing_polls_after_approval_hand_out_one_session(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let registration = register(&e).await;
    let (access, _) = person(&e).await;
    confirm(&e, &access, s(&registration["claim_code"]), "approve").await;
    let token = s(&registration["poll_token"]);
    let answers = futures::future::join_all((0..10).map(|_| poll(&e, token))).await;
    let statuses: Vec<(u16, Value)> = answers
        .iter()
        .map(|r| (r.status, r.json["status"].clone()))
        .collect();
    let success = statuses.iter().filter(|(c, _)| *c == 201).count();
    assert_eq!(success, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == (201, json!("success")) || *s == (200, json!("used"))),
        "{statuses:?}"
    );
}

/// Claim-code guessing is bounded per person and per address, like user
/// codes, and in counters of its own.
async fn guessing_claim_codes_is_bounded(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let registration = register(&e).await;
    let (mallory, _) = person(&e).await;
    let wrong = |i: usize| {
        format!(
            "ZZZZ-ZZ{}",
            ["A2", "B3", "C4", "D5", "E6", "F7", "G8", "H9", "J2", "K3"][i]
        )
    };
    for i in 0..10 {
        confirm_request(&e, Some(&mallory), &wrong(i), "inspect")
            .source_ip(&format!("192.0.2.{i}"))
            .send(&e.app)
            .await
            .assert_known(400, "AGENT_AUTH_INVALID_CLAIM_CODE");
    }
    let refused = confirm_request(
        &e,
        Some(&mallory),
        s(&registration["claim_code"]),
        "inspect",
    )
    .source_ip("192.0.2.99")
    .send(&e.app)
    .await;
    refused.assert_known(429, "TOO_MANY_CLAIM_CODE_ATTEMPTS");
    let retry: u64 = refused.headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("retry-after seconds");
    assert!((1..=600).contains(&retry), "{retry}");
    assert_eq!(refused.json["details"]["retry_after_seconds"], json!(retry));
    // User codes count apart: the same person may still look one up.
    let (polling, _) = e.attempt().await;
    let user_code = polling.split('.').next().expect("id").to_owned();
    let look_up = Req::post("/api/v1/auth/cli/user-code")
        .client(&e.seeded)
        .header("x-stack-access-token", &mallory)
        .source_ip("192.0.2.99")
        .json(json!({ "user_code": user_code }))
        .send(&e.app)
        .await;
    assert_eq!(look_up.status, 200, "{look_up:?}");
    // Someone else is not affected.
    let (ada, _) = person(&e).await;
    let found = confirm_request(&e, Some(&ada), s(&registration["claim_code"]), "inspect")
        .source_ip("198.51.100.1")
        .send(&e.app)
        .await;
    assert_eq!(found.status, 200, "{found:?}");
}

async fn discovery_describes_the_project_and_whether_agent_auth_is_on(kind: StoreKind) {
    let e = test_app(kind).await;
    let off = Req::new(Method::GET, "/api/v1/agent/discovery")
        .client(&e.seeded)
        .send(&e.app)
        .await;
    assert_eq!(off.status, 200, "{off:?}");
    let x = &off.json["hexclave_agent_auth"];
    assert_eq!(x["enabled"], json!(false));
    let api = format!("{BASE_URL}/api/v1");
    assert_eq!(
        off.json["registration_endpoint"],
        json!(format!("{api}/agent/register"))
    );
    assert_eq!(
        x["poll_endpoint"],
        json!(format!("{api}/agent/register/poll"))
    );
    assert_eq!(
        x["confirm_endpoint"],
        json!(format!("{api}/agent/register/confirm"))
    );
    assert_eq!(
        off.json["agent_auth_md"],
        json!(format!("{api}/agent/auth.md"))
    );
    assert_eq!(
        x["claim_code_format"],
        json!("XXXX-XXXX (A-Z and 2-9, no 0/O/1/I)")
    );
    assert_eq!(x["publishable_client_key"], json!(e.seeded.client_key));
    assert_eq!(x["project_id"], json!(e.seeded.project.id));
    assert_eq!(x["default_attempt_lifetime_millis"], json!(15 * 60_000));
    assert_eq!(
        x["agent_session_lifetime_millis"],
        json!(90i64 * 24 * 3_600_000)
    );
    assert_eq!(
        x["required_headers"],
        json!({
            "x-hexclave-access-type": "client",
            "x-hexclave-project-id": e.seeded.project.id,
            "x-hexclave-publishable-client-key": e.seeded.client_key,
        })
    );
    e.store
        .set_project_agent_auth(&e.seeded.project.id, true)
        .await
        .expect("set");
    // A fresh process (the project cache of the first holds the old one).
    let fresh = cli_auth_tests::app(e.store.clone(), e.clock.clone());
    let on = Req::new(Method::GET, "/api/v1/agent/discovery")
        .client(&e.seeded)
        .send(&fresh)
        .await;
    assert_eq!(on.json["hexclave_agent_auth"]["enabled"], json!(true));
}

async fn discovery_and_auth_md_need_only_the_project_id(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let id = e.seeded.project.id.clone();
    let bare = |path: &str| Req::new(Method::GET, path).header("x-hexclave-project-id", &id);
    let r = bare("/api/v1/agent/discovery").send(&e.app).await;
    assert_eq!(r.status, 200, "{r:?}");
    let x = &r.json["hexclave_agent_auth"];
    assert_eq!(x["project_id"], json!(id));
    assert_eq!(x["publishable_client_key"], Value::Null);
    // The seeded project requires a key: a placeholder tells the agent to
    // ask for it.
    assert_eq!(x["publishable_client_key_required"], json!(true));
    let key = s(&x["required_headers"]["x-hexclave-publishable-client-key"]);
    assert!(key.starts_with("<publishable client key"), "{key}");
    let md = bare("/api/v1/agent/auth.md").send(&e.app).await;
    assert_eq!(md.status, 200);
    assert!(
        md.text.starts_with("# Agent authentication for Test"),
        "{}",
        md.text
    );

    // A project that needs no key: no key header at all.
    let keyless = cli_auth_tests::seed_project(e.store.as_ref(), false).await;
    e.store
        .set_project_agent_auth(&keyless.project.id, true)
        .await
        .expect("set");
    let r = Req::new(Method::GET, "/api/v1/agent/discovery")
        .header("x-hexclave-project-id", &keyless.project.id)
        .send(&e.app)
        .await;
    let x = &r.json["hexclave_agent_auth"];
    assert_eq!(x["publishable_client_key_required"], json!(false));
    assert_eq!(
        x["required_headers"],
        json!({"x-hexclave-access-type": "client", "x-hexclave-project-id": keyless.project.id})
    );
    let md = Req::new(Method::GET, "/api/v1/agent/auth.md")
        .header("x-stack-project-id", &keyless.project.id)
        .send(&e.app)
        .await;
    assert!(!md.text.contains("publishable client key"), "{}", md.text);
    assert!(!md.text.contains("publishable-client-key"), "{}", md.text);

    // Without a project id, or with an unknown one.
    let missing = Req::new(Method::GET, "/api/v1/agent/discovery")
        .send(&e.app)
        .await;
    assert_eq!(missing.status, 400, "{missing:?}");
    assert!(
        missing.text.contains("x-hexclave-project-id"),
        "{missing:?}"
    );
    for unknown in ["does-not-exist", "a b"] {
        Req::new(Method::GET, "/api/v1/agent/discovery")
            .header("x-hexclave-project-id", unknown)
            .send(&e.app)
            .await
            .assert_known(400, "CURRENT_PROJECT_NOT_FOUND");
    }
    // With an access type, every check of api.md §1 holds as usual.
    Req::new(Method::GET, "/api/v1/agent/discovery")
        .header("x-stack-access-type", "client")
        .header("x-stack-project-id", &id)
        .header("x-stack-publishable-client-key", "wrong")
        .send(&e.app)
        .await
        .assert_known(401, "INVALID_PUBLISHABLE_CLIENT_KEY");
}

async fn auth_md_is_the_projects_guide_in_markdown(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let md = Req::new(Method::GET, "/api/v1/agent/auth.md")
        .client(&e.seeded)
        .send(&e.app)
        .await;
    assert_eq!(md.status, 200);
    assert!(
        md.headers["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/markdown")),
        "{md:?}"
    );
    let text = &md.text;
    assert!(
        text.starts_with("# Agent authentication for Test\n"),
        "{text}"
    );
    for needle in [
        "/api/v1/agent/register",
        "/api/v1/agent/register/poll",
        "x-hexclave-publishable-client-key",
        "x-hexclave-allow-anonymous-user",
        e.seeded.client_key.as_str(),
        e.seeded.project.id.as_str(),
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    assert!(!text.contains("<publishable client key"), "{text}");
    assert!(!text.contains("not enabled"), "{text}");

    let off = test_app(kind).await;
    let md = Req::new(Method::GET, "/api/v1/agent/auth.md")
        .client(&off.seeded)
        .send(&off.app)
        .await;
    assert_eq!(md.status, 200);
    assert!(md.text.contains("not enabled"), "{}", md.text);
}

/// Access types: register, poll and confirm take client or higher.
async fn server_access_works_too(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let r = Req::post("/api/v1/agent/register")
        .access(&e.seeded, AccessType::Server)
        .json(json!({"agent": {"name": "Claude Code"}}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    Req::post("/api/v1/agent/register")
        .json(json!({"agent": {"name": "Claude Code"}}))
        .send(&e.app)
        .await
        .assert_known(400, "ACCESS_TYPE_REQUIRED");
}

cli_auth_tests::on_both_stores!(
    rejects_registration_when_agent_auth_is_off,
    registers_with_a_claim_code_confirm_url_poll_token_and_anonymous_session,
    the_confirm_url_is_on_the_projects_app_when_it_has_one_or_names_it,
    the_anonymous_session_calls_the_api_only_when_anonymous_users_are_allowed,
    polls_say_waiting_and_refuse_unknown_tokens,
    approval_hands_a_new_session_to_one_poll_tagged_with_the_agent_name,
    revoking_the_agents_session_signs_out_the_agent_not_the_person,
    a_session_revoked_before_the_first_poll_is_never_handed_out,
    denying_tells_the_poller_spends_the_code_and_ends_the_anonymous_session,
    registration_lifetimes_and_fields_are_bounded,
    only_a_signed_in_person_confirms,
    an_unknown_claim_code_is_refused,
    the_cli_flow_and_agent_auth_never_cross,
    approve_and_deny_race_and_exactly_one_wins,
    racing_polls_after_approval_hand_out_one_session,
    guessing_claim_codes_is_bounded,
    discovery_describes_the_project_and_whether_agent_auth_is_on,
    discovery_and_auth_md_need_only_the_project_id,
    auth_md_is_the_projects_guide_in_markdown,
    server_access_works_too,
);
