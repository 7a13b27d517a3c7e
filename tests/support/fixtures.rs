//! The world the `events/` fixtures assume, and what each must answer:
//! shared by the in-process fixture test and the Lambda Runtime API test.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cli_auth_core::api::endpoint::Endpoint;
use cli_auth_core::api::endpoints;
use cli_auth_core::clock::Millis;
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::accounts::new_user;
use cli_auth_core::domain::login_attempt::CliAttempt;
use cli_auth_core::domain::project::{NewKey, Project};
use cli_auth_core::domain::session::Session;
use cli_auth_core::domain::store::Store;
use cli_auth_core::domain::user::{User, UserPatch};
use cli_auth_core::pages::{self, PageRoute};
use cli_auth_core::secret::{LocatedSecret, SecretHash};
use serde_json::{Value, json};

pub const PROJECT: &str = "fixture-project";
pub const CLIENT_KEY: &str = "pck_fixture_publishable_client_key";
pub const SERVER_KEY: &str = "ssk_fixture_secret_server_key";
pub const ADMIN_KEY: &str = "sak_fixture_super_secret_admin_key";
pub const ATTEMPT: &str = "11111111-1111-4111-8111-111111111111";
/// The attempt keyed by its user code (`FXTR-CDBB`), whose codes are
/// `FXTRCDBB.QQQ…` (polling) and `FXTRCDBB.MMM…` (login).
pub const USER_CODE_ATTEMPT: &str = "FXTRCDBB";
/// An agent's registration (api.md §9): its claim code is `FXAG-2345`.
pub const AGENT_ATTEMPT: &str = "FXAG2345";
pub const SESSION: &str = "22222222-2222-4222-8222-222222222222";
/// Another session of the fixture user (the one `sessions-delete` ends).
pub const OTHER_SESSION: &str = "44444444-4444-4444-8444-444444444444";
/// The server secret the fixtures' access token is signed with (a fixture,
/// never a deployment's secret).
pub const FIXTURE_SECRET: &[u8] = b"fixture-server-secret-not-for-production";

/// The world the fixtures assume: one project, one pending attempt whose
/// codes are `<ATTEMPT>.PPP…` and `<ATTEMPT>.LLL…`, a user with two live
/// sessions (`SESSION`, whose refresh token is `<SESSION>.RRR…` and whose
/// access token the events carry, and `OTHER_SESSION`).
pub async fn seed(store: &dyn Store, now: Millis) {
    let mut project = Project::new(PROJECT, "Fixtures", true, now);
    project.app_url = Some("https://app.example.com".into());
    project.agent_auth_enabled = true;
    project.set_key_hash(
        AccessType::Client,
        NewKey::from_text(CLIENT_KEY.into()).hash,
    );
    project.set_key_hash(
        AccessType::Server,
        NewKey::from_text(SERVER_KEY.into()).hash,
    );
    project.set_key_hash(AccessType::Admin, NewKey::from_text(ADMIN_KEY.into()).hash);
    store.create_project(&project).await.expect("project");
    let code = |secret: char| LocatedSecret {
        id: ATTEMPT.into(),
        secret: secret.to_string().repeat(43),
    };
    let attempt =
        CliAttempt::with_codes(PROJECT, code('P'), code('L'), now, 2 * 3_600_000, None).attempt;
    store.create_attempt(&attempt).await.expect("attempt");
    // An attempt started the way initiate starts them now: keyed by its
    // user code, its login code sealed at rest, who is asking recorded.
    let code = |secret: char| LocatedSecret {
        id: USER_CODE_ATTEMPT.into(),
        secret: secret.to_string().repeat(43),
    };
    let mut short =
        CliAttempt::with_codes(PROJECT, code('Q'), code('M'), now, 2 * 3_600_000, None).attempt;
    let tokens =
        cli_auth_core::domain::tokens::TokenIssuer::new(FIXTURE_SECRET, 600).expect("issuer");
    short.seal_login_code(tokens.login_code_sealing_key(), &code('M'));
    short.asker = cli_auth_core::domain::login_attempt::Asker::new(
        Some(cli_auth_core::domain::login_attempt::ClientDetails {
            name: Some("fixture-tool".into()),
            hostname: Some("fixture-host".into()),
        }),
        Some("192.0.2.10".into()),
        Some("fixture-tool/1.0"),
    );
    store
        .create_attempt(&short)
        .await
        .expect("user-code attempt");
    let code = |secret: char| LocatedSecret {
        id: AGENT_ATTEMPT.into(),
        secret: secret.to_string().repeat(43),
    };
    let mut agent =
        CliAttempt::with_codes(PROJECT, code('A'), code('N'), now, 2 * 3_600_000, None).attempt;
    agent.agent = Some(Box::new(cli_auth_core::domain::agent_auth::AgentDetails {
        agent: cli_auth_core::domain::agent_auth::AgentRequest {
            name: "Fixture agent".into(),
            description: Some("Reads the fixture project".into()),
            url: None,
            user_hint: None,
        },
        anon_session_id: OTHER_SESSION.into(),
        anon_user_id: USER.into(),
    }));
    store.create_attempt(&agent).await.expect("agent attempt");
    let user = fixture_user(now);
    store.put_user(&user).await.expect("user");
    let (mut session, _) = Session::create(PROJECT, &user.id, now, 3_600_000, false);
    session.id = SESSION.into();
    session.refresh_token_hash = SecretHash::of(&"R".repeat(43));
    store.put_session(&session).await.expect("session");
    let (mut other, _) = Session::create(PROJECT, &user.id, now, 3_600_000, false);
    other.id = OTHER_SESSION.into();
    store.put_session(&other).await.expect("other session");
}

/// The fixture user, signed up at `now`.
fn fixture_user(now: Millis) -> User {
    let patch = UserPatch {
        display_name: Some(Some("Fixture user".into())),
        ..UserPatch::default()
    };
    User {
        id: USER.into(),
        ..new_user(PROJECT, &patch, now)
    }
}

/// The fixtures' API Gateway domain (their tokens' issuer).
pub const FIXTURE_ORIGIN: &str = "https://abc123.execute-api.us-east-1.amazonaws.com";

/// The fixture user's user ID.
pub const USER: &str = "33333333-3333-4333-8333-333333333333";

/// A fixture event with its access token replaced by one of the fixture
/// session signed at `now` (the events carry one signed at `T0`, long
/// expired on the wall clock).
pub fn with_fresh_access_token(event: &str, now: Millis) -> String {
    use cli_auth_core::domain::tokens::TokenIssuer;
    let mut value: Value = serde_json::from_str(event).expect("fixture JSON");
    let tokens = TokenIssuer::new(FIXTURE_SECRET, 600).expect("issuer");
    let token = tokens
        .access_token(FIXTURE_ORIGIN, &fixture_user(crate::T0), SESSION, now)
        .expect("token");
    if let Some(headers) = value["headers"].as_object_mut()
        && headers.contains_key("x-stack-access-token")
    {
        headers.insert("x-stack-access-token".into(), Value::String(token));
    }
    value.to_string()
}

/// What each fixture must answer: status, and the known-error code, the
/// plain-text body, or the JSON body.
pub enum Expect {
    Json(u16, Value),
    /// JSON with these fields set (codes, ids and tokens are random).
    JsonFields(u16, &'static [&'static str]),
    Known(u16, &'static str),
    Plain(u16, &'static str),
    /// `x-stack-override-error-status`: a plain 4xx answered as 200.
    Overridden(u16, &'static str),
    Empty(u16),
    /// A Markdown document holding this text.
    Markdown(u16, &'static str),
}

pub fn expectations() -> BTreeMap<&'static str, Expect> {
    use Expect::*;
    BTreeMap::from([
        (
            "cli-initiate/default",
            JsonFields(
                200,
                &["polling_code", "login_code", "expires_at", "interval"],
            ),
        ),
        (
            "cli-initiate/custom-expiry",
            JsonFields(
                200,
                &["polling_code", "login_code", "expires_at", "interval"],
            ),
        ),
        (
            "cli-initiate/server-access",
            JsonFields(
                200,
                &["polling_code", "login_code", "expires_at", "interval"],
            ),
        ),
        ("cli-initiate/invalid-expiry", Known(400, "SCHEMA_ERROR")),
        (
            "cli-initiate/missing-access-type",
            Known(400, "ACCESS_TYPE_REQUIRED"),
        ),
        (
            "cli-initiate/wrong-client-key",
            Known(401, "INVALID_PUBLISHABLE_CLIENT_KEY"),
        ),
        (
            "cli-initiate/unknown-project",
            Known(400, "CURRENT_PROJECT_NOT_FOUND"),
        ),
        ("cli-initiate/preflight", Empty(204)),
        ("cli-poll/waiting", Json(200, json!({"status": "waiting"}))),
        (
            "cli-poll/base64-body",
            Json(200, json!({"status": "waiting"})),
        ),
        ("cli-poll/invalid-code", Known(400, "INVALID_POLLING_CODE")),
        ("cli-poll/missing-code", Known(400, "SCHEMA_ERROR")),
        ("cli-poll/invalid-json", Known(400, "BODY_PARSING_ERROR")),
        (
            "cli-complete/check",
            Json(200, json!({"cli_session_state": "none"})),
        ),
        ("cli-complete/complete", Json(200, json!({"success": true}))),
        ("cli-complete/deny", Json(200, json!({"success": true}))),
        ("cli-cancel/cancel", Json(200, json!({"success": true}))),
        (
            "cli-user-code/look-up",
            JsonFields(200, &["login_code", "expires_at", "client"]),
        ),
        ("cli-user-code/unknown", Known(400, "INVALID_USER_CODE")),
        (
            "cli-user-code/signed-out",
            Known(401, "USER_AUTHENTICATION_REQUIRED"),
        ),
        ("cli-user-code/missing-code", Known(400, "SCHEMA_ERROR")),
        (
            "cli-cancel/invalid-code",
            Known(400, "INVALID_POLLING_CODE"),
        ),
        ("cli-cancel/missing-code", Known(400, "SCHEMA_ERROR")),
        (
            "cli-complete/hexclave-headers",
            Json(200, json!({"success": true})),
        ),
        (
            "cli-complete/invalid-login-code",
            Plain(400, "Invalid login code or the code has expired"),
        ),
        (
            "cli-complete/missing-refresh-token",
            Plain(400, "refresh_token is required when mode is 'complete'"),
        ),
        (
            "cli-complete/claim-without-anon-session",
            Plain(400, "No anonymous session associated with this code"),
        ),
        (
            "cli-complete/override-error-status",
            Overridden(400, "Invalid login code or the code has expired"),
        ),
        (
            "users-create/create",
            JsonFields(
                201,
                &["id", "display_name", "primary_email", "client_metadata"],
            ),
        ),
        (
            "users-create/client-access",
            Known(401, "INSUFFICIENT_ACCESS_TYPE"),
        ),
        (
            "users-get/found",
            JsonFields(200, &["id", "display_name", "signed_up_at_millis"]),
        ),
        ("users-get/not-found", Known(404, "USER_NOT_FOUND")),
        (
            "users-update/update",
            JsonFields(200, &["id", "server_metadata"]),
        ),
        ("users-update/invalid-email", Known(400, "SCHEMA_ERROR")),
        ("users-me/me", JsonFields(200, &["id", "display_name"])),
        (
            "users-me-update/update",
            JsonFields(200, &["id", "display_name", "profile_image_url"]),
        ),
        (
            "users-me-update/server-field-with-client-key",
            Known(400, "SCHEMA_ERROR"),
        ),
        (
            "users-me-delete/delete",
            Json(200, json!({"success": true})),
        ),
        (
            "users-me-delete/no-token",
            Known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER"),
        ),
        (
            "users-me/no-token",
            Known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER"),
        ),
        (
            "users-me/unparsable-token",
            Known(401, "UNPARSABLE_ACCESS_TOKEN"),
        ),
        (
            "anonymous-sign-up/sign-up",
            JsonFields(200, &["access_token", "refresh_token", "user_id"]),
        ),
        (
            "anonymous-sign-up/missing-project",
            Known(400, "ACCESS_TYPE_WITHOUT_PROJECT_ID"),
        ),
        (
            "sessions-create/create",
            JsonFields(200, &["refresh_token", "access_token"]),
        ),
        (
            "sessions-create/unknown-user",
            Known(400, "USER_ID_DOES_NOT_EXIST"),
        ),
        (
            "sessions-refresh/refresh",
            JsonFields(200, &["access_token"]),
        ),
        (
            "sessions-refresh/unknown-token",
            Known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED"),
        ),
        (
            "sessions-revoke/revoke",
            Json(200, json!({"success": true})),
        ),
        (
            "sessions-revoke/no-token",
            Known(401, "USER_AUTHENTICATION_REQUIRED"),
        ),
        (
            "sessions-list/own",
            JsonFields(200, &["items", "is_paginated"]),
        ),
        (
            "sessions-list/another-user",
            Plain(403, "Client can only list sessions for their own user."),
        ),
        (
            "sessions-list/no-token",
            Known(400, "CANNOT_GET_OWN_USER_WITHOUT_USER"),
        ),
        (
            "sessions-delete/other-session",
            Json(200, json!({"success": true})),
        ),
        (
            "sessions-delete/current-session",
            Known(400, "CANNOT_DELETE_CURRENT_SESSION"),
        ),
        (
            "sessions-delete/unknown-session",
            Plain(404, "Session not found."),
        ),
        (
            "agent-register/register",
            JsonFields(
                200,
                &[
                    "claim_code",
                    "confirm_url",
                    "poll_token",
                    "expires_at_millis",
                    "anonymous_session",
                ],
            ),
        ),
        ("agent-register/missing-agent", Known(400, "SCHEMA_ERROR")),
        (
            "agent-register/untrusted-app-url",
            Known(400, "REDIRECT_URL_NOT_WHITELISTED"),
        ),
        (
            "agent-register-poll/waiting",
            Json(200, json!({"status": "waiting"})),
        ),
        (
            "agent-register-poll/unknown",
            Known(400, "INVALID_POLLING_CODE"),
        ),
        (
            "agent-register-confirm/inspect",
            Json(
                200,
                json!({
                    "agent": {"name": "Fixture agent", "description": "Reads the fixture project", "url": null},
                    "user_hint": null,
                    "expires_at_millis": crate::T0 + 2 * 3_600_000,
                    "status": "waiting",
                }),
            ),
        ),
        (
            "agent-register-confirm/unknown",
            Known(400, "AGENT_AUTH_INVALID_CLAIM_CODE"),
        ),
        (
            "agent-register-confirm/signed-out",
            Known(400, "SCHEMA_ERROR"),
        ),
        (
            "agent-discovery/client",
            JsonFields(
                200,
                &[
                    "issuer",
                    "registration_endpoint",
                    "token_endpoint",
                    "revocation_endpoint",
                    "agent_auth_md",
                    "hexclave_agent_auth",
                ],
            ),
        ),
        (
            "agent-discovery/project-id-only",
            JsonFields(200, &["registration_endpoint", "hexclave_agent_auth"]),
        ),
        (
            "agent-discovery/no-project",
            Plain(
                400,
                "Send the project ID in the x-hexclave-project-id header to read this project's agent auth guide.",
            ),
        ),
        (
            "agent-auth-md/client",
            Markdown(200, "# Agent authentication for Fixtures"),
        ),
        (
            "agent-auth-md/project-id-only",
            Markdown(200, "/api/v1/agent/register/poll"),
        ),
        (
            "internal-device-auth/cli",
            JsonFields(200, &["summary", "recent_attempts", "sessions"]),
        ),
        (
            "internal-device-auth/agent",
            JsonFields(200, &["summary", "recent_attempts", "sessions"]),
        ),
        (
            "internal-device-auth/unknown-kind",
            Known(400, "SCHEMA_ERROR"),
        ),
        (
            "internal-device-auth/client",
            Known(401, "INSUFFICIENT_ACCESS_TYPE"),
        ),
        ("jwks/jwks", JsonFields(200, &["keys"])),
        ("jwks/unknown-project", Known(404, "PROJECT_NOT_FOUND")),
        (
            "oauth-discovery/openid-configuration",
            JsonFields(
                200,
                &["issuer", "device_authorization_endpoint", "token_endpoint"],
            ),
        ),
        (
            "oauth-discovery/rfc8414",
            JsonFields(
                200,
                &["issuer", "device_authorization_endpoint", "token_endpoint"],
            ),
        ),
        (
            "oauth-discovery/unknown-project",
            Known(404, "PROJECT_NOT_FOUND"),
        ),
        (
            "oauth-device-authorization/authorize",
            JsonFields(
                200,
                &[
                    "device_code",
                    "user_code",
                    "verification_uri",
                    "verification_uri_complete",
                    "expires_in",
                    "interval",
                ],
            ),
        ),
        (
            "oauth-device-authorization/wrong-client-secret",
            Known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET"),
        ),
        (
            "oauth-token/device-code-pending",
            Json(
                400,
                json!({
                    "error": "authorization_pending",
                    "error_description": "The user has not approved the login yet.",
                }),
            ),
        ),
        (
            "oauth-token/refresh",
            JsonFields(200, &["access_token", "token_type", "expires_in", "scope"]),
        ),
        (
            "oauth-token/unknown-token",
            Known(401, "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED"),
        ),
        (
            "oauth-token/wrong-client-secret",
            Known(400, "INVALID_OAUTH_CLIENT_ID_OR_SECRET"),
        ),
        (
            "oauth-token/unsupported-grant",
            Json(
                400,
                json!({
                    "error": "unsupported_grant_type",
                    "error_description": "Unsupported grant type: `grant_type` is invalid"
                }),
            ),
        ),
    ])
}

pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

pub fn fixtures() -> BTreeMap<String, (&'static Endpoint, String)> {
    let mut found = BTreeMap::new();
    for endpoint in &endpoints::ALL {
        for (name, text) in fixtures_of(endpoint.route.function) {
            found.insert(name, (endpoint, text));
        }
    }
    found
}

/// `events/<function>/*.json`, by `<function>/<file stem>`.
pub fn fixtures_of(function: &str) -> BTreeMap<String, String> {
    let dir = events_dir().join(function);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut found = BTreeMap::new();
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|x| x == "json") {
            let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
            let text = std::fs::read_to_string(&path).expect("read fixture");
            found.insert(format!("{function}/{stem}"), text);
        }
    }
    found
}

/// What each fixture of the hosted page's functions must answer: its
/// status, and a text its HTML holds. The functions run without a sign-in
/// provider here (their success with one is tests/browser/hosted-page.test.mjs's).
pub fn page_expectations() -> BTreeMap<&'static str, (u16, &'static str)> {
    BTreeMap::from([
        ("hosted-confirm/no-provider", (503, "Sign-in is not set up")),
        (
            "hosted-confirm/forged-cookie",
            (503, "CLI_AUTH_OIDC_ISSUER"),
        ),
        (
            "hosted-confirm-post/cross-site",
            (403, "only be sent from this page"),
        ),
        (
            "hosted-confirm-post/signed-out",
            (403, "You are signed out"),
        ),
        (
            "hosted-oidc-callback/no-provider",
            (404, "No sign-in provider"),
        ),
        (
            "hosted-oidc-callback/provider-error",
            (404, "No sign-in provider"),
        ),
        ("hosted-sign-out/sign-out", (200, "Signed out")),
        (
            "hosted-agent-confirm/no-provider",
            (503, "Sign-in is not set up"),
        ),
        (
            "hosted-agent-confirm/forged-cookie",
            (503, "CLI_AUTH_OIDC_ISSUER"),
        ),
        (
            "hosted-agent-confirm-post/cross-site",
            (403, "only be sent from this page"),
        ),
        (
            "hosted-agent-confirm-post/signed-out",
            (403, "You are signed out"),
        ),
        (
            "hosted-sign-out/cross-site",
            (403, "only be sent from this page"),
        ),
    ])
}

/// The hosted page's fixtures, by name, with the route each is for.
pub fn page_fixtures() -> BTreeMap<String, (&'static PageRoute, String)> {
    let mut found = BTreeMap::new();
    for route in &pages::ROUTES {
        for (name, text) in fixtures_of(route.function) {
            found.insert(name, (route, text));
        }
    }
    found
}

/// Asserts that a page fixture's answer is the expected one, with the
/// page's headers.
pub fn check_page(name: &str, status: u16, headers: &http::HeaderMap, body: &str) {
    let expectations = page_expectations();
    let (s, text) = expectations
        .get(name)
        .unwrap_or_else(|| panic!("no expectation for {name}"));
    assert_eq!(status, *s, "{name}: {body}");
    assert!(body.contains(text), "{name}: {text} in {body}");
    assert_eq!(
        headers["content-type"], "text/html; charset=utf-8",
        "{name}"
    );
    assert_eq!(headers["cache-control"], "no-store", "{name}");
    assert!(
        headers.get("access-control-allow-origin").is_none(),
        "{name}: no CORS on a page"
    );
}

/// Asserts that a fixture's answer is the expected one.
pub fn check(name: &str, status: u16, headers: &http::HeaderMap, body: &str) {
    let expectations = expectations();
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let known = headers
        .get("x-stack-known-error")
        .and_then(|v| v.to_str().ok());
    match expectations
        .get(name)
        .unwrap_or_else(|| panic!("no expectation for {name}"))
    {
        Expect::Json(s, v) => assert_eq!((status, &json), (*s, v), "{name}"),
        Expect::JsonFields(s, fields) => {
            assert_eq!(status, *s, "{name}: {body}");
            for f in *fields {
                assert!(!json[f].is_null(), "{name}: {f} in {body}");
            }
        }
        Expect::Overridden(actual, message) => {
            assert_eq!(status, 200, "{name}");
            assert_eq!(
                headers["x-stack-actual-status"],
                actual.to_string().as_str(),
                "{name}"
            );
            assert_eq!(body, *message, "{name}");
        }
        Expect::Known(s, code) => {
            assert_eq!((status, known), (*s, Some(*code)), "{name}: {body}");
            assert_eq!(json["code"], *code, "{name}");
        }
        Expect::Plain(s, message) => {
            assert_eq!((status, body, known), (*s, *message, None), "{name}")
        }
        Expect::Empty(s) => assert_eq!((status, body), (*s, ""), "{name}"),
        Expect::Markdown(s, text) => {
            assert_eq!(status, *s, "{name}: {body}");
            assert!(body.contains(text), "{name}: {text} in {body}");
            assert_eq!(
                headers["content-type"], "text/markdown; charset=utf-8",
                "{name}"
            );
        }
    }
}

/// The API Gateway request id of `event` came back as `x-stack-request-id`.
pub fn check_request_id(name: &str, event: &str, headers: &http::HeaderMap) {
    let event: Value = serde_json::from_str(event).expect("fixture JSON");
    assert_eq!(
        headers
            .get("x-stack-request-id")
            .and_then(|v| v.to_str().ok()),
        event["requestContext"]["requestId"].as_str(),
        "{name}: the request id is carried through"
    );
}

/// As [`check`], for a function running on the wall clock: a fixture whose
/// access token is genuine (it verifies at `T0`) meets it long expired, and
/// the token check comes before anything else the endpoint does.
pub fn check_at_wall_clock(
    name: &str,
    event: &str,
    status: u16,
    headers: &http::HeaderMap,
    body: &str,
) {
    use cli_auth_core::domain::tokens::TokenIssuer;
    let event: Value = serde_json::from_str(event).expect("fixture JSON");
    let tokens = TokenIssuer::new(FIXTURE_SECRET, 600).expect("issuer");
    let genuine_token = event["headers"]["x-stack-access-token"]
        .as_str()
        .is_some_and(|token| tokens.verify(token, PROJECT, true, crate::T0).is_ok());
    if !genuine_token {
        return check(name, status, headers, body);
    }
    assert_eq!(status, 401, "{name}: {body}");
    assert_eq!(
        headers
            .get("x-stack-known-error")
            .and_then(|v| v.to_str().ok()),
        Some("ACCESS_TOKEN_EXPIRED"),
        "{name}"
    );
}
