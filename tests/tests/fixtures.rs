//! Every API Gateway fixture in `events/` runs through its function's real
//! handler (`cli_auth_core::lambda::serve`, the code the Lambda mains run),
//! on both stores. A fixture without an expectation here, or an expectation
//! without its fixture, fails the suite: the two cannot drift apart.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use cli_auth_core::clock::{ManualClock, iso_millis};
use cli_auth_core::domain::cli::CliAttempt;
use cli_auth_core::domain::project::{NewKey, Project};
use cli_auth_core::domain::session::Session;
use cli_auth_core::domain::user::User;
use cli_auth_core::http::auth::AccessType;
use cli_auth_core::http::routes::Endpoint;
use cli_auth_core::secret::SecretHash;
use cli_auth_core::store::Store;
use std::time::Duration;

use cli_auth_core::App;
use cli_auth_core::domain::tokens::TokenIssuer;
use cli_auth_tests::{StoreKind, T0, store};
use serde_json::{Value, json};

const PROJECT: &str = "fixture-project";
const CLIENT_KEY: &str = "pck_fixture_publishable_client_key";
const SERVER_KEY: &str = "ssk_fixture_secret_server_key";
const ATTEMPT: &str = "11111111-1111-4111-8111-111111111111";
const SESSION: &str = "22222222-2222-4222-8222-222222222222";
/// The server secret the fixtures' access token is signed with (a fixture,
/// never a deployment's secret).
const FIXTURE_SECRET: &[u8] = b"fixture-server-secret-not-for-production";

/// The world the fixtures assume: one project, one pending attempt whose
/// codes are `<ATTEMPT>.PPP…` and `<ATTEMPT>.LLL…`, one live session.
async fn seed(store: &dyn Store) {
    let mut project = Project::new(PROJECT, "Fixtures", true, T0);
    project.set_key_hash(
        AccessType::Client,
        NewKey::from_text(CLIENT_KEY.into()).hash,
    );
    project.set_key_hash(
        AccessType::Server,
        NewKey::from_text(SERVER_KEY.into()).hash,
    );
    store.create_project(&project).await.expect("project");
    let mut attempt = CliAttempt::create(PROJECT, T0, 2 * 3_600_000, None).attempt;
    attempt.id = ATTEMPT.into();
    attempt.polling_code_hash = SecretHash::of(&"P".repeat(43));
    attempt.login_code_hash = SecretHash::of(&"L".repeat(43));
    store.create_attempt(&attempt).await.expect("attempt");
    let user = User {
        id: "33333333-3333-4333-8333-333333333333".into(),
        project_id: PROJECT.into(),
        display_name: Some("Fixture user".into()),
        primary_email: None,
        is_anonymous: false,
        signed_up_at_millis: T0,
        client_metadata: Value::Null,
        server_metadata: Value::Null,
    };
    store.put_user(&user).await.expect("user");
    let (mut session, _) = Session::create(PROJECT, &user.id, T0, 3_600_000, false);
    session.id = SESSION.into();
    session.refresh_token_hash = SecretHash::of(&"R".repeat(43));
    store.put_session(&session).await.expect("session");
}

/// What each fixture must answer: status, and the known-error code, the
/// plain-text body, or the JSON body.
enum Expect {
    Json(u16, Value),
    /// JSON with these fields set (codes, ids and tokens are random).
    JsonFields(u16, &'static [&'static str]),
    Known(u16, &'static str),
    Plain(u16, &'static str),
    /// `x-stack-override-error-status`: a plain 4xx answered as 200.
    Overridden(u16, &'static str),
    Empty(u16),
}

fn expectations() -> BTreeMap<&'static str, Expect> {
    use Expect::*;
    BTreeMap::from([
        (
            "cli-initiate/default",
            JsonFields(200, &["polling_code", "login_code", "expires_at"]),
        ),
        (
            "cli-initiate/custom-expiry",
            JsonFields(200, &["polling_code", "login_code", "expires_at"]),
        ),
        (
            "cli-initiate/server-access",
            JsonFields(200, &["polling_code", "login_code", "expires_at"]),
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
        ("jwks/jwks", JsonFields(200, &["keys"])),
        ("jwks/unknown-project", Known(404, "PROJECT_NOT_FOUND")),
    ])
}

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn fixtures() -> BTreeMap<String, (Endpoint, String)> {
    let mut found = BTreeMap::new();
    for endpoint in Endpoint::ALL {
        let dir = events_dir().join(endpoint.function_name());
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|x| x == "json") {
                let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
                let name = format!("{}/{stem}", endpoint.function_name());
                let text = std::fs::read_to_string(&path).expect("read fixture");
                found.insert(name, (endpoint, text));
            }
        }
    }
    found
}

#[test]
fn every_fixture_has_an_expectation_and_every_expectation_a_fixture() {
    let fixtures: Vec<String> = fixtures().into_keys().collect();
    let expected: Vec<String> = expectations().into_keys().map(str::to_owned).collect();
    assert_eq!(fixtures, expected);
    // Every function has a success case and a failure case.
    for endpoint in Endpoint::ALL {
        let mine: Vec<&String> = fixtures
            .iter()
            .filter(|f| f.starts_with(endpoint.function_name()))
            .collect();
        assert!(mine.len() >= 2, "{endpoint:?}");
    }
}

async fn run_all(kind: StoreKind) {
    let expectations = expectations();
    for (name, (endpoint, text)) in fixtures() {
        let store = store(kind).await;
        seed(store.as_ref()).await;
        // The fixtures' access token was signed with this secret at T0.
        let app = App::new(
            Arc::clone(&store),
            Arc::new(ManualClock::new(T0)),
            TokenIssuer::new(FIXTURE_SECRET, 600).expect("issuer"),
            Duration::from_secs(60),
            None,
        );
        let event: Value = serde_json::from_str(&text).expect("JSON fixture");
        let request =
            lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let response = cli_auth_core::lambda::serve(&app, endpoint, request).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.body() {
            lambda_http::Body::Text(t) => t.clone(),
            lambda_http::Body::Empty => String::new(),
            other => panic!("{name}: unexpected body {other:?}"),
        };
        let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        // The API Gateway request id is carried through.
        assert_eq!(
            headers
                .get("x-stack-request-id")
                .and_then(|v| v.to_str().ok()),
            event["requestContext"]["requestId"].as_str(),
            "{name}"
        );
        let known = headers
            .get("x-stack-known-error")
            .and_then(|v| v.to_str().ok());
        match &expectations[name.as_str()] {
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
            Expect::Plain(s, message) => assert_eq!(
                (status, body.as_str(), known),
                (*s, *message, None),
                "{name}"
            ),
            Expect::Empty(s) => assert_eq!((status, body.as_str()), (*s, ""), "{name}"),
        }
        match name.as_str() {
            "cli-initiate/custom-expiry" => {
                assert_eq!(json["expires_at"], iso_millis(T0 + 600_000))
            }
            "users-update/update" => {
                assert_eq!(json["display_name"], Value::Null, "null clears");
                assert_eq!(json["server_metadata"], json!({"tier": "gold"}));
            }
            "jwks/jwks" => {
                assert_eq!(
                    json["keys"].as_array().map(Vec::len),
                    Some(2),
                    "with the anonymous key"
                );
                assert_eq!(headers["cache-control"], "public, max-age=3600");
            }
            // Without a configured base URL, the issuer is the API Gateway domain.
            "anonymous-sign-up/sign-up" => {
                let token = json["access_token"].as_str().expect("token");
                let claims = app.tokens().verify(token, PROJECT, T0).expect("verifies");
                assert_eq!(
                    claims.iss,
                    format!(
                        "https://abc123.execute-api.us-east-1.amazonaws.com/api/v1/projects-anonymous-users/{PROJECT}"
                    )
                );
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn fixtures_on_the_memory_store() {
    run_all(StoreKind::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_on_dynamodb() {
    run_all(StoreKind::Dynamo).await;
}
