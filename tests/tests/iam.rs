//! Least privilege, checked: each function's IAM policy in `template.yaml`
//! grants exactly the DynamoDB and Secrets Manager actions its endpoint performs, on exactly the
//! tables and indexes it touches; nothing missing (DynamoDB Local ignores
//! IAM, so a missing grant would first fail in AWS), nothing unused.
//!
//! What an endpoint performs is recorded by an SDK interceptor
//! (`tests/support/iam.rs`) on DynamoDB Local: here, over a run of every
//! endpoint through each of its store paths; under `scripts/test.sh`, also
//! over the whole test suite (`CLI_AUTH_IAM_RECORDS`), which runs this test
//! once more at its end.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use cli_auth_core::App;
use cli_auth_core::clock::Clock;

use cli_auth_core::api::endpoints;
use cli_auth_tests::iam::{Needs, Permission, recorded_by_the_suite, recorder};
use cli_auth_tests::template::{list, resource, template};
use cli_auth_tests::{BASE_URL, Req, StoreKind, TestApp, test_app, token_issuer};
use http::Method;
use serde_json::json;

/// What every function does at init, whatever its endpoint: read the
/// server secret the template names, one GetSecretValue per version stage
/// (each function's runtime test asserts exactly those calls:
/// `lambda_runtime::run_fixtures`).
fn init_needs() -> BTreeSet<Permission> {
    let secret =
        &template()["Globals"]["Function"]["Environment"]["Variables"]["CLI_AUTH_SERVER_SECRET_ID"];
    BTreeSet::from([("secretsmanager:GetSecretValue".to_owned(), resource(secret))])
}

/// What the template grants each function (by binary name): DynamoDB and
/// Secrets Manager, the services the code calls.
fn granted() -> Needs {
    let template = template();
    let mut grants = Needs::new();
    let resources = template["Resources"].as_mapping().expect("Resources");
    for (_, r) in resources {
        if r["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let function = r["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("Binary")
            .to_owned();
        let granted = grants.entry(function).or_default();
        for policy in list(&r["Properties"]["Policies"]) {
            for statement in list(&policy["Statement"]) {
                assert_eq!(statement["Effect"].as_str(), Some("Allow"));
                for action in list(&statement["Action"]) {
                    let action = action.as_str().expect("action");
                    if !action.starts_with("dynamodb:") && !action.starts_with("secretsmanager:") {
                        continue;
                    }
                    // A `dynamodb:LeadingKeys` condition narrows the grant
                    // to items whose key matches (written `Table[pattern]`,
                    // as the recorder names what such a request touches).
                    let leading =
                        &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
                    for r in list(&statement["Resource"]) {
                        let table = resource(r);
                        if leading.is_null() {
                            granted.insert((action.to_owned(), table));
                        } else {
                            for pattern in list(leading) {
                                let pattern = pattern.as_str().expect("pattern");
                                granted.insert((action.to_owned(), format!("{table}[{pattern}]")));
                            }
                        }
                    }
                }
            }
        }
    }
    grants
}

/// Every endpoint through each path that reaches the store differently.
async fn exercise(e: &TestApp) {
    let s = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
    // The CLI flow, with an anonymous session claimed, then completed and
    // picked up.
    let anon = e.user(true).await;
    let r = e
        .initiate(json!({"anon_refresh_token": anon.refresh_token}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let mode = |m: &str| json!({"login_code": login, "mode": m});
    let (_, plain_login) = e.attempt().await;
    let r = e
        .complete(json!({"login_code": plain_login, "mode": "check"}))
        .await;
    assert_eq!(
        r.json,
        json!({"cli_session_state": "none"}),
        "the attempt alone"
    );
    let r = e.complete(json!({"login_code": plain_login})).await;
    assert_eq!(r.status, 400, "no refresh token: the attempt alone");
    assert_eq!(e.complete(mode("check")).await.status, 200);
    let p = e.poll(&polling).await;
    assert_eq!(p.json["status"], json!("waiting"), "{p:?}");
    let claimed = e.complete(mode("claim-anon-session")).await;
    assert_eq!(claimed.status, 200, "{claimed:?}");
    let user = e.create_user(json!({"display_name": "IAM"})).await;
    let user_id = s(&user["id"]);
    let (browser, _) = e.session(&user_id).await;
    let done = e
        .complete(json!({"login_code": login, "refresh_token": browser}))
        .await;
    assert_eq!(done.status, 200, "{done:?}");
    assert_eq!(e.poll(&polling).await.status, 201);
    assert_eq!(e.poll(&polling).await.json["status"], json!("used"));
    // The RFC 8628 grant: discovery, device authorization, a pending poll,
    // a slow_down, the pickup (api.md §8).
    let id = e.seeded.project.id.clone();
    e.store
        .set_project_app_url(&id, Some("https://app.example.com"))
        .await
        .expect("app url");
    let r = Req::new(
        Method::GET,
        &format!("/api/v1/projects/{id}/.well-known/openid-configuration"),
    )
    .send(&e.app)
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let auth = format!("client_id={id}&client_secret={}", e.seeded.client_key);
    let r = Req::post("/api/v1/auth/oauth/device_authorization")
        .raw(Some("application/x-www-form-urlencoded"), auth.as_bytes())
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let device_code = r.string("device_code");
    let login = r.string("verification_uri_complete");
    let login = login
        .split_once("login_code=")
        .expect("code")
        .1
        .replace("%2E", ".");
    let grant = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code={device_code}&{auth}"
    );
    for _ in 0..2 {
        e.oauth_token(&grant).await;
    }
    let approver = e.user(false).await;
    e.complete(json!({"login_code": login, "refresh_token": approver.refresh_token}))
        .await;
    e.clock.advance(60_000);
    assert_eq!(e.oauth_token(&grant).await.status, 200);
    // The user-code look-up, found and not (api.md §8).
    let r = e.initiate(json!({})).await;
    let person = e.user(false).await;
    let person = e
        .refresh(&person.refresh_token)
        .await
        .string("access_token");
    for code in [r.string("user_code"), "BBBB-BBBB".to_owned()] {
        Req::post("/api/v1/auth/cli/user-code")
            .client(&e.seeded)
            .header("x-stack-access-token", &person)
            .source_ip("192.0.2.1")
            .json(json!({ "user_code": code }))
            .send(&e.app)
            .await;
    }
    // Deny and cancel (api.md §8).
    let (_, login) = e.attempt().await;
    assert_eq!(
        e.complete(json!({"login_code": login, "mode": "deny"}))
            .await
            .status,
        200
    );
    let (polling, _) = e.attempt().await;
    let r = Req::post("/api/v1/auth/cli/cancel")
        .client(&e.seeded)
        .json(json!({ "polling_code": polling }))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // Users and sessions.
    assert_eq!(
        e.server(Method::GET, &format!("/users/{user_id}"))
            .send(&e.app)
            .await
            .status,
        200
    );
    let patch = e
        .server(Method::PATCH, &format!("/users/{user_id}"))
        .json(json!({"display_name": "IAM 2"}))
        .send(&e.app)
        .await;
    assert_eq!(patch.status, 200);
    let unchanged = e
        .server(Method::PATCH, &format!("/users/{user_id}"))
        .json(json!({}))
        .send(&e.app)
        .await;
    assert_eq!(unchanged.status, 200, "an empty patch reads the user");
    let (refresh, _) = e.session(&user_id).await;
    let access = e.refresh(&refresh).await.string("access_token");
    assert_eq!(e.oauth_refresh(&refresh).await.status, 200);
    assert_eq!(e.me(&access).await.status, 200);
    let with_token = |m: Method, p: &str| e.client(m, p).header("x-stack-access-token", &access);
    let r = with_token(Method::PATCH, "/users/me")
        .json(json!({"display_name": "Me"}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200);
    let r = with_token(Method::PATCH, "/users/me")
        .json(json!({}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200);
    let r = with_token(Method::GET, "/auth/sessions?user_id=me")
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200);
    let browser_id = browser.split('.').next().expect("id");
    let r = with_token(Method::DELETE, &format!("/auth/sessions/{browser_id}"))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = with_token(Method::DELETE, "/auth/sessions/current")
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200);
    let anon_up = e
        .client(Method::POST, "/auth/anonymous/sign-up")
        .send(&e.app)
        .await;
    assert_eq!(anon_up.status, 200);
    let r = e
        .client(Method::DELETE, "/users/me")
        .header("x-stack-access-token", &anon_up.string("access_token"))
        .header("x-stack-allow-anonymous-user", "true")
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200);
    e.jwks(true).await;
}

/// The hosted page's functions through each path that reaches the store
/// differently (api.md §10): a first sign-in (recorded as the OIDC
/// callback's: the dev sign-in does to the store what it does), the page,
/// the short code found and not, approve, deny, and an approve whose
/// hand-over fails (its session deleted again).
async fn exercise_the_page(e: &TestApp) {
    use cli_auth_core::pages::SignInMethod;
    use cli_auth_tests::FaultyStore;
    use cli_auth_tests::page_browser::{Browser, page_of, page_on, started};
    let page = page_of(e, SignInMethod::Dev);
    let mut browser = Browser::new(&page, "203.0.113.5");
    browser.sign_in("iam@example.com").await;
    let r = started(e).await;
    let form = browser.get("/handler/cli-auth-confirm").await;
    let csrf = form.field("csrf_token");
    for code in [r.string("user_code"), "BBBB-BBBB".to_owned()] {
        browser
            .post(
                "/handler/cli-auth-confirm",
                &[
                    ("csrf_token", &csrf),
                    ("action", "look-up"),
                    ("user_code", &code),
                ],
            )
            .await;
    }
    assert_eq!(
        browser
            .press(&r.string("login_code"), "approve")
            .await
            .status,
        200
    );
    let r = started(e).await;
    assert_eq!(
        browser.press(&r.string("login_code"), "deny").await.status,
        200
    );
    // The hand-over fails: the session minted for it is deleted again.
    let faulty = Arc::new(FaultyStore::new(Arc::clone(&e.store)));
    let page = page_on(
        e,
        Arc::clone(&faulty) as Arc<dyn cli_auth_core::domain::store::Store>,
        SignInMethod::Dev,
    );
    let mut browser = Browser::new(&page, "203.0.113.5");
    browser.sign_in("iam@example.com").await;
    let r = started(e).await;
    let login = r.string("login_code");
    let csrf = browser.confirm(&login).await.field("csrf_token");
    // The person, the attempt, the project, the put, then the hand-over.
    faulty.fail_call(4);
    let a = browser.act(&login, &csrf, "approve").await;
    assert_eq!(a.status, 503, "{}", a.html);
}

/// Agent auth's functions (api.md §9): register, a waiting poll, inspect,
/// approve and the hand-off poll, deny, and a registration whose attempt
/// cannot be written (its anonymous session deleted again).
async fn exercise_agent_auth(e: &TestApp) {
    use cli_auth_tests::FaultyStore;
    let project = &e.seeded.project.id;
    assert!(
        e.store
            .set_project_agent_auth(project, true)
            .await
            .expect("set")
    );
    let register = || {
        Req::post("/api/v1/agent/register")
            .client(&e.seeded)
            .json(json!({"agent": {"name": "IAM agent"}}))
    };
    let poll = |token: &str| {
        Req::post("/api/v1/agent/register/poll")
            .client(&e.seeded)
            .json(json!({"poll_token": token}))
            .send(&e.app)
    };
    let person = e.user(false).await;
    let access = e
        .refresh(&person.refresh_token)
        .await
        .string("access_token");
    let confirm = |code: &str, action: &str| {
        Req::post("/api/v1/agent/register/confirm")
            .client(&e.seeded)
            .header("x-stack-access-token", &access)
            .json(json!({"claim_code": code, "action": action}))
            .send(&e.app)
    };
    let approved = register().send(&e.app).await;
    assert_eq!(approved.status, 200, "{approved:?}");
    let token = approved.string("poll_token");
    assert_eq!(poll(&token).await.json["status"], json!("waiting"));
    let code = approved.string("claim_code");
    assert_eq!(confirm(&code, "inspect").await.status, 200);
    assert_eq!(confirm(&code, "approve").await.status, 200);
    assert_eq!(poll(&token).await.status, 201);
    let denied = register().send(&e.app).await;
    assert_eq!(
        confirm(&denied.string("claim_code"), "deny").await.status,
        200
    );
    for path in ["/api/v1/agent/discovery", "/api/v1/agent/auth.md"] {
        let r = Req::new(Method::GET, path)
            .client(&e.seeded)
            .send(&e.app)
            .await;
        assert_eq!(r.status, 200);
    }
    // The admin overview of both kinds: by now both have sessions.
    for kind in ["cli", "agent"] {
        let r = Req::new(
            Method::GET,
            &format!("/api/v1/internal/device-auth?kind={kind}"),
        )
        .access(&e.seeded, cli_auth_core::domain::access::AccessType::Admin)
        .send(&e.app)
        .await;
        assert_eq!(r.status, 200, "{r:?}");
        assert!(
            !r.json["sessions"].as_array().expect("sessions").is_empty(),
            "{kind}: {r:?}"
        );
    }
    exercise_the_agent_page(e, &register).await;
    // The attempt's write fails: the anonymous session goes again.
    let faulty = Arc::new(FaultyStore::new(Arc::clone(&e.store)));
    let app = cli_auth_tests::app(
        Arc::clone(&faulty) as Arc<dyn cli_auth_core::domain::store::Store>,
        Arc::clone(&e.clock),
    );
    // The project, the anonymous user with its session, then the attempt.
    faulty.fail_call(2);
    assert_eq!(register().send(&app).await.status, 503);
}

/// The hosted page for agents: signed in, a claim code that matches none
/// (a guess counted), the agent's link, Approve; another agent, Deny.
async fn exercise_the_agent_page(e: &TestApp, register: &impl Fn() -> Req) {
    use cli_auth_core::pages::SignInMethod;
    use cli_auth_tests::page_browser::{Browser, page_of};
    const PAGE: &str = "/handler/agent-auth-confirm";
    let page = page_of(e, SignInMethod::Dev);
    let mut browser = Browser::new(&page, "203.0.113.6");
    browser.sign_in("iam-agent@example.com").await;
    let none = browser.get(&format!("{PAGE}?code=ZZZZ-ZZZZ")).await;
    assert_eq!(none.status, 404, "{}", none.html);
    for action in ["approve", "deny"] {
        let agent = register().send(&e.app).await;
        let code = agent.string("claim_code");
        let shown = browser.get(&format!("{PAGE}?code={code}")).await;
        assert_eq!(shown.status, 200, "{}", shown.html);
        let csrf = shown.field("csrf_token");
        let done = browser
            .post(
                PAGE,
                &[("csrf_token", &csrf), ("code", &code), ("action", action)],
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.html);
    }
}

/// `(action, "Table[prefix/*]")` as `(action, "Table")`.
fn whole_table((action, resource): &Permission) -> Permission {
    let table = resource.split('[').next().unwrap_or(resource);
    (action.clone(), table.to_owned())
}

fn describe(set: &BTreeSet<Permission>) -> String {
    set.iter()
        .map(|(a, r)| format!("{a} on {r}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::test]
async fn each_function_is_granted_exactly_what_its_endpoint_does() {
    // As in Lambda, where each function has its own project cache, every
    // endpoint reads its project: here no request finds it cached.
    let mut e = test_app(StoreKind::Dynamo).await;
    e.app = Arc::new(App::new(
        Arc::clone(&e.store),
        Arc::clone(&e.clock) as Arc<dyn Clock>,
        token_issuer(),
        Duration::ZERO,
        Some(BASE_URL.to_owned()),
    ));
    exercise(&e).await;
    exercise_the_page(&e).await;
    exercise_agent_auth(&e).await;
    let mut done = recorder().needs();
    for (function, needs) in recorded_by_the_suite() {
        done.entry(function).or_default().extend(needs);
    }
    let granted = granted();
    let mut problems = Vec::new();
    let functions = endpoints::ALL
        .iter()
        .map(|e| e.route.function)
        .chain(cli_auth_core::pages::ROUTES.iter().map(|r| r.function));
    for function in functions {
        let mut did = done.get(function).cloned().unwrap_or_default();
        did.extend(init_needs());
        // The OIDC callback also reads its client secret at init.
        if function == "hosted-oidc-callback" {
            did.insert((
                "secretsmanager:GetSecretValue".to_owned(),
                "OidcClientSecret".to_owned(),
            ));
        }
        let may = granted.get(function).cloned().unwrap_or_default();
        // A grant on a whole table covers its narrowed items too (as IAM
        // reads it), and is used by a request on either.
        let missing: BTreeSet<_> = did
            .iter()
            .filter(|p| !may.contains(p) && !may.contains(&whole_table(p)))
            .cloned()
            .collect();
        let unused: BTreeSet<_> = may
            .iter()
            .filter(|p| !did.iter().any(|d| d == *p || whole_table(d) == **p))
            .cloned()
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{function} performs, but is not granted: {}",
                describe(&missing)
            ));
        }
        if !unused.is_empty() {
            problems.push(format!(
                "{function} is granted, but never performs: {}",
                describe(&unused)
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The check itself: the claim's transaction needs `ConditionCheckItem`
/// for each checked table, which the recorder must see.
#[tokio::test]
async fn a_transaction_needs_one_action_per_item() {
    let body = json!({"TransactItems": [
        {"ConditionCheck": {"TableName": "t1-sessions"}},
        {"ConditionCheck": {"TableName": "t1-users"}},
        {"Update": {"TableName": "t1-cli-attempts"}},
    ]});
    let permissions = cli_auth_tests::iam::permissions("TransactWriteItems", &body);
    let expected: Vec<Permission> = [
        ("dynamodb:ConditionCheckItem", "SessionsTable"),
        ("dynamodb:ConditionCheckItem", "UsersTable"),
        ("dynamodb:UpdateItem", "AttemptsTable"),
    ]
    .iter()
    .map(|(a, r)| ((*a).to_owned(), (*r).to_owned()))
    .collect();
    assert_eq!(permissions, expected);
    let query = json!({"TableName": "t1-sessions", "IndexName": "sessions-by-user"});
    assert_eq!(
        cli_auth_tests::iam::permissions("Query", &query),
        vec![(
            "dynamodb:Query".to_owned(),
            "SessionsTable/index/sessions-by-user".to_owned()
        )]
    );
}
