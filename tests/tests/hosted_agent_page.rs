//! The hosted page for agents (api.md §9 and §10): a signed-in person sees
//! the agent of a claim code (from its link or typed), approves or denies
//! it with the page's forms, and the agent's poll then gets a new session
//! of theirs, or `denied`. The same sign-in, CSRF token and origin check as
//! the CLI's page; plain pages for a bad code, guessing, agent auth off.
//! On both stores, with the dev sign-in.

use cli_auth_core::pages::SignInMethod;
use cli_auth_tests::page_browser::{Browser, page_of};
use cli_auth_tests::{Req, Resp, StoreKind, TestApp, agent_test_app, test_app};
use http::StatusCode;
use serde_json::json;

const PAGE: &str = "/handler/agent-auth-confirm";

async fn register(e: &TestApp, name: &str) -> Resp {
    let r = Req::post("/api/v1/agent/register")
        .client(&e.seeded)
        .json(json!({"agent": {"name": name, "description": "Triage <b>tickets</b>"}, "user_hint": "ada@example.com"}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    r
}

async fn poll(e: &TestApp, token: &str) -> Resp {
    Req::post("/api/v1/agent/register/poll")
        .client(&e.seeded)
        .json(json!({ "poll_token": token }))
        .send(&e.app)
        .await
}

async fn the_page_shows_the_agent_and_approve_hands_it_a_session(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let agent = register(&e, "Claude Code").await;
    let link = agent.string("confirm_url");
    let path = link
        .strip_prefix(cli_auth_tests::BASE_URL)
        .expect("on this service");
    let mut browser = Browser::new(&page, "203.0.113.99");

    // Signed out: sign in first, then back to the agent's page.
    let a = browser.get(path).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.has("Sign in"), "{}", a.html);
    browser.sign_in("ada@example.com").await;
    let a = browser.get(path).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.html);
    let code = agent.string("claim_code");
    for text in [
        "Give <q>Claude Code</q> access to your account?",
        &format!("data-claim-code=\"{code}\""),
        "Triage &#60;b&#62;tickets&#60;/b&#62;",
        "ada@example.com",
        "for 90 days",
    ] {
        assert!(a.has(text), "{text} in {}", a.html);
    }
    assert!(!a.has("<b>tickets"), "escaped");
    assert_eq!(
        poll(&e, &agent.string("poll_token")).await.json["status"],
        json!("waiting")
    );

    let csrf = a.field("csrf_token");
    let done = browser
        .post(
            PAGE,
            &[
                ("csrf_token", &csrf),
                ("code", &code),
                ("action", "approve"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.has("The agent is signed in"), "{}", done.html);
    let r = poll(&e, &agent.string("poll_token")).await;
    assert_eq!(r.status, 201, "{r:?}");
    let me = e
        .client(http::Method::GET, "/users/me")
        .header(
            "x-stack-access-token",
            r.json["session"]["access_token"].as_str().expect("token"),
        )
        .send(&e.app)
        .await;
    assert_eq!(me.json["primary_email"], json!("ada@example.com"));
    // The code is spent: the page says so plainly.
    let again = browser.get(path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(
        again.has("does not match an agent waiting"),
        "{}",
        again.html
    );
}

async fn deny_tells_the_agent_and_a_typed_code_works(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let agent = register(&e, "Some Bot").await;
    let mut browser = Browser::new(&page, "203.0.113.99");
    browser.sign_in("ada@example.com").await;
    // No code: a form for it (a GET form: looking is not acting).
    let form = browser.get(PAGE).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has("Enter the code the agent shows"), "{}", form.html);
    assert!(form.has("<form method=\"get\""), "{}", form.html);
    let typed = agent.string("claim_code").to_lowercase().replace('-', " ");
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &typed)
        .finish();
    let a = browser.get(&format!("{PAGE}?{query}")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.html);
    assert!(a.has("Some Bot"));
    let csrf = a.field("csrf_token");
    let code = a.field("code");
    assert_eq!(
        code,
        agent.string("claim_code"),
        "the code as people read it"
    );
    let done = browser
        .post(
            PAGE,
            &[("csrf_token", &csrf), ("code", &code), ("action", "deny")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.has("Denied"));
    assert_eq!(
        poll(&e, &agent.string("poll_token")).await.json,
        json!({"status": "denied"})
    );
    let anon = agent.json["anonymous_session"]["refresh_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(
        e.refresh(&anon).await.status,
        401,
        "the agent is signed out"
    );
}

async fn forms_need_the_csrf_token_this_origin_and_a_known_action(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let agent = register(&e, "Claude Code").await;
    let code = agent.string("claim_code");
    let mut browser = Browser::new(&page, "203.0.113.99");
    browser.sign_in("ada@example.com").await;
    let a = browser.get(&format!("{PAGE}?code={code}")).await;
    let csrf = a.field("csrf_token");
    let refused = browser
        .post(
            PAGE,
            &[
                ("csrf_token", "forged"),
                ("code", &code),
                ("action", "approve"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let cross = browser
        .post_with(
            PAGE,
            &[
                ("csrf_token", &csrf),
                ("code", &code),
                ("action", "approve"),
            ],
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let odd = browser
        .post(
            PAGE,
            &[("csrf_token", &csrf), ("code", &code), ("action", "merge")],
        )
        .await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    // Nothing happened.
    assert_eq!(
        poll(&e, &agent.string("poll_token")).await.json["status"],
        json!("waiting")
    );
    // Signed out: refused too.
    let mut stranger = Browser::new(&page, "203.0.113.98");
    let a = stranger
        .post(
            PAGE,
            &[
                ("csrf_token", &csrf),
                ("code", &code),
                ("action", "approve"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(a.has("You are signed out"), "{}", a.html);
}

async fn guessing_on_the_page_is_bounded_and_agent_auth_off_is_said(kind: StoreKind) {
    let e = agent_test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let mut browser = Browser::new(&page, "203.0.113.99");
    browser.sign_in("mallory@example.com").await;
    for i in 0..10 {
        let a = browser
            .get(&format!(
                "{PAGE}?code=ZZZZ-ZZ{}",
                ["A2", "B3", "C4", "D5", "E6", "F7", "G8", "H9", "J2", "K3"][i]
            ))
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.html);
        assert!(a.has("role=\"alert\""), "announced: {}", a.html);
    }
    let agent = register(&e, "Claude Code").await;
    let a = browser
        .get(&format!("{PAGE}?code={}", agent.string("claim_code")))
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.html);
    assert!(a.headers.contains_key(http::header::RETRY_AFTER));

    let off = test_app(kind).await;
    let page = page_of(&off, SignInMethod::Dev);
    let mut browser = Browser::new(&page, "203.0.113.99");
    browser.sign_in("ada@example.com").await;
    let a = browser.get(PAGE).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.has("Agent auth is not turned on"), "{}", a.html);
}

cli_auth_tests::on_both_stores!(
    the_page_shows_the_agent_and_approve_hands_it_a_session,
    deny_tells_the_agent_and_a_typed_code_works,
    forms_need_the_csrf_token_this_origin_and_a_known_action,
    guessing_on_the_page_is_bounded_and_agent_auth_off_is_said,
);
