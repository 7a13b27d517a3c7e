//! Every API Gateway fixture in `events/` runs through its function's real
//! handler (`cli_auth_core::lambda::serve`, the code the Lambda mains run),
//! on both stores. A fixture without an expectation here, or an expectation
//! without its fixture, fails the suite: the two cannot drift apart.

use std::sync::Arc;

use cli_auth_core::api::endpoints;
use cli_auth_core::clock::{ManualClock, iso_millis};
use std::time::Duration;

use cli_auth_core::App;
use cli_auth_core::domain::tokens::TokenIssuer;
use cli_auth_tests::fixtures::{FIXTURE_SECRET, PROJECT, expectations, fixtures, seed};
use cli_auth_tests::{StoreKind, T0, store};
use serde_json::{Value, json};

#[test]
fn every_fixture_has_an_expectation_and_every_expectation_a_fixture() {
    let fixtures: Vec<String> = fixtures().into_keys().collect();
    let expected: Vec<String> = expectations().into_keys().map(str::to_owned).collect();
    assert_eq!(fixtures, expected);
    // Every function has a success case and a failure case.
    for endpoint in &endpoints::ALL {
        let mine: Vec<&String> = fixtures
            .iter()
            .filter(|f| f.starts_with(endpoint.route.function))
            .collect();
        assert!(mine.len() >= 2, "{endpoint:?}");
    }
}

/// The app the fixtures run on: at `T0`, signing with the secret the
/// fixtures' access token was signed with.
fn fixture_app(store: &Arc<dyn cli_auth_core::domain::store::Store>) -> App {
    App::new(
        Arc::clone(store),
        Arc::new(ManualClock::new(T0)),
        TokenIssuer::new(FIXTURE_SECRET, 600).expect("issuer"),
        Duration::from_secs(60),
        None,
    )
}

async fn run_all(kind: StoreKind) {
    for (name, (endpoint, text)) in fixtures() {
        let store = store(kind).await;
        seed(store.as_ref(), T0).await;
        let app = fixture_app(&store);
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
        cli_auth_tests::fixtures::check_request_id(&name, &text, &headers);
        cli_auth_tests::fixtures::check(&name, status, &headers, &body);
        let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
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
                let claims = app
                    .tokens()
                    .verify(token, PROJECT, true, T0)
                    .expect("verifies");
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

/// The fixture world on the memory store, and the default initiate
/// fixture's endpoint and event, to change before sending it.
async fn initiate_fixture() -> (App, &'static cli_auth_core::api::endpoint::Endpoint, Value) {
    let store = store(StoreKind::Memory).await;
    seed(store.as_ref(), T0).await;
    let app = fixture_app(&store);
    let (endpoint, text) = fixtures()
        .remove("cli-initiate/default")
        .expect("the default initiate fixture");
    (app, endpoint, serde_json::from_str(&text).expect("fixture"))
}

/// The Lambda path has the same body limit: API Gateway passes bodies up to
/// 10 MB, and an answer over Lambda's 6 MB would become API Gateway's 500.
#[tokio::test]
async fn oversized_bodies_are_refused_on_the_lambda_path() {
    let (app, endpoint, mut event) = initiate_fixture().await;
    let form: Vec<String> = (0..80_000).map(|i| format!("{i:0>8}=1")).collect();
    event["body"] = json!(form.join("&"));
    event["headers"]["content-type"] = json!("application/x-www-form-urlencoded");
    let request = lambda_http::request::from_str(&event.to_string()).expect("event");
    let response = cli_auth_core::lambda::serve(&app, endpoint, request).await;
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(
        response.headers()["x-stack-known-error"],
        "REQUEST_BODY_TOO_LARGE"
    );
    let size = match response.body() {
        lambda_http::Body::Text(t) => t.len(),
        other => panic!("unexpected body {other:?}"),
    };
    assert!(size < 200, "{size} bytes");
}

/// Who is asking, on the Lambda path: the source IP and user agent are API
/// Gateway's (`requestContext.http.sourceIp`, the `user-agent` header), and
/// the login code's `check` shows them with the CLI's own `client` object.
#[tokio::test]
async fn the_lambda_path_records_who_is_asking() {
    let (app, endpoint, mut event) = initiate_fixture().await;
    event["body"] =
        json!(json!({"client": {"name": "mytool", "hostname": "ada-laptop"}}).to_string());
    event["requestContext"]["http"]["sourceIp"] = json!("203.0.113.7");
    event["headers"]["user-agent"] = json!("mytool/1.2.3");
    let request = lambda_http::request::from_str(&event.to_string()).expect("event");
    let response = cli_auth_core::lambda::serve(&app, endpoint, request).await;
    assert_eq!(response.status().as_u16(), 200);
    let answer: Value = match response.body() {
        lambda_http::Body::Text(t) => serde_json::from_str(t).expect("JSON"),
        other => panic!("unexpected body {other:?}"),
    };
    let check = cli_auth_tests::Req::post("/api/v1/auth/cli/complete")
        .header("x-stack-project-id", cli_auth_tests::fixtures::PROJECT)
        .header("x-stack-access-type", "client")
        .header(
            "x-stack-publishable-client-key",
            cli_auth_tests::fixtures::CLIENT_KEY,
        )
        .json(json!({"login_code": answer["login_code"], "mode": "check"}))
        .send(&app)
        .await;
    assert_eq!(check.status, 200, "{check:?}");
    assert_eq!(check.json["client"]["ip"], json!("203.0.113.7"));
    assert_eq!(check.json["client"]["user_agent"], json!("mytool/1.2.3"));
    assert_eq!(check.json["client"]["name"], json!("mytool"));
    assert_eq!(check.json["client"]["hostname"], json!("ada-laptop"));
}

/// The hosted page's fixtures through the page's Lambda path
/// (`lambda::into_http`, `HostedPage::serve`), on both stores, as its
/// functions run them without a provider; and each names an expectation.
async fn page_fixtures_on(kind: StoreKind) {
    use cli_auth_core::pages::{HostedPage, SignInMethod};
    use cli_auth_tests::fixtures::{check_page, page_expectations, page_fixtures};
    let found: Vec<String> = page_fixtures().into_keys().collect();
    let expected: Vec<String> = page_expectations().into_keys().map(str::to_owned).collect();
    assert_eq!(found, expected);
    for (name, (route, text)) in page_fixtures() {
        let store = store(kind).await;
        seed(store.as_ref(), T0).await;
        let app = Arc::new(fixture_app(&store));
        let page = HostedPage::new(app, PROJECT.to_owned(), SignInMethod::Unconfigured);
        let request =
            lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let response = page
            .serve(route, &cli_auth_core::lambda::into_http(request))
            .await;
        let body = String::from_utf8_lossy(response.body()).into_owned();
        check_page(&name, response.status().as_u16(), response.headers(), &body);
    }
}

#[tokio::test]
async fn page_fixtures_on_the_memory_store() {
    page_fixtures_on(StoreKind::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_fixtures_on_dynamodb() {
    page_fixtures_on(StoreKind::Dynamo).await;
}
