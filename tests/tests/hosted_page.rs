//! The hosted confirm page (api.md §10) through its HTTP face, on both
//! stores, with the dev sign-in (the OpenID round trip runs against a real
//! provider in tests/browser/hosted-page.test.mjs): the page's headers, the
//! approve and deny forms and what the CLI then gets, the CSRF token and
//! the origin check, proximity under both policies, the short code, plain
//! pages for unusable codes, escaping, sign-out, a store that fails.

use std::sync::Arc;

use cli_auth_core::clock::Clock as _;
use cli_auth_core::domain::hosted_page::proximity::ProximityPolicy;
use cli_auth_core::domain::store::Store;
use cli_auth_core::pages::SignInMethod;
use cli_auth_tests::FaultyStore;
use cli_auth_tests::page_browser::{Browser, CLI_IP, confirm_uri, page_of, page_on, started};
use cli_auth_tests::{StoreKind, test_app};
use http::{Method, StatusCode, header};
use serde_json::json;

/// The tests' app serves this base URL: its forms come from this origin.
const ORIGIN: &str = cli_auth_tests::BASE_URL;

async fn the_page_approves_and_the_cli_gets_a_new_session(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let r = started(&e).await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let mut browser = Browser::new(&page, "203.0.113.99");

    // Signed out: the dev sign-in, which returns to the page.
    let a = browser.get(&confirm_uri(&login)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.has("Sign in to approve"), "{}", a.html);
    assert!(a.has(&format!(
        "value=\"/handler/cli-auth-confirm?login_code={login}\""
    )));
    browser.sign_in("ada@example.com").await;

    let a = browser.confirm(&login).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.html);
    assert!(
        a.has(&format!("data-user-code=\"{}\"", r.string("user_code"))),
        "{}",
        a.html
    );
    for shown in [
        "mytool",
        "ada-laptop",
        CLI_IP,
        ">Approve</button>",
        ">Deny</button>",
        "ada@example.com",
    ] {
        assert!(a.has(shown), "{shown} on the page");
    }
    assert!(!a.has("role=\"alert\""), "the same /24: no warning");
    let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(a.has(&format!("<style nonce=\"{nonce}\">")));
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "no script at all: {csp}");
    for (name, value) in [
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(a.headers[name], value);
    }

    let a = browser.press(&login, "approve").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.html);
    assert!(a.has("The command-line tool is signed in"));
    let picked = e.poll(&polling).await;
    assert_eq!(picked.string("status"), "success");
    let token = picked.string("refresh_token");
    // The CLI's session is a new one of the person, tagged with who asked.
    let access = e.refresh(&token).await.string("access_token");
    let me = e.me(&access).await;
    assert_eq!(me.json["primary_email"], "ada@example.com");
    let list = e
        .client(Method::GET, "/auth/sessions?user_id=me")
        .header("x-stack-access-token", &access)
        .header("x-stack-refresh-token", &token)
        .send(&e.app)
        .await;
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["client"]["name"], "mytool");

    // The link works once.
    let a = browser.confirm(&login).await;
    assert_eq!(a.status, StatusCode::GONE);
    assert!(a.has("already approved"));

    // A second sign-in by the same email is the same user.
    let mut other = Browser::new(&page, "203.0.113.98");
    other.sign_in("ADA@example.com").await;
    let r2 = started(&e).await;
    other.press(&r2.string("login_code"), "approve").await;
    let token2 = e
        .poll(&r2.string("polling_code"))
        .await
        .string("refresh_token");
    let me2 = e.me(&e.refresh(&token2).await.string("access_token")).await;
    assert_eq!(me2.json["id"], me.json["id"]);
}

async fn deny_stops_the_cli(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let r = started(&e).await;
    let mut browser = Browser::new(&page, "203.0.113.5");
    browser.sign_in("ada@example.com").await;
    let a = browser.press(&r.string("login_code"), "deny").await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.has("Denied"));
    let poll = e.poll(&r.string("polling_code")).await;
    assert_eq!(poll.string("status"), "denied", "{poll:?}");
    let a = browser.confirm(&r.string("login_code")).await;
    assert_eq!(a.status, StatusCode::GONE);
    assert!(a.has("denied"));
}

async fn forms_need_the_csrf_token_and_the_pages_own_origin(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let r = started(&e).await;
    let login = r.string("login_code");
    let mut browser = Browser::new(&page, "203.0.113.5");
    browser.sign_in("ada@example.com").await;
    let csrf = browser.confirm(&login).await.field("csrf_token");
    let form = |csrf: &str| {
        [
            ("login_code", login.clone()),
            ("action", "approve".to_owned()),
            ("csrf_token", csrf.to_owned()),
        ]
    };
    let same = [("origin", "null"), ("sec-fetch-site", "same-origin")];
    let refused: [(&str, &[(&str, &str)]); 5] = [
        ("", &same),
        ("forged-token", &[("origin", ORIGIN)]),
        (
            &csrf,
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        ),
        (
            &csrf,
            &[("origin", "null"), ("sec-fetch-site", "cross-site")],
        ),
        (&csrf, &[("sec-fetch-site", "same-site")]),
    ];
    for (token, headers) in refused {
        let fields = form(token);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = browser
            .post_with("/handler/cli-auth-confirm", &fields, headers)
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{headers:?}: {}", a.html);
        assert_eq!(
            e.poll(&r.string("polling_code")).await.string("status"),
            "waiting"
        );
    }
    // Without a sign-in cookie, even with the token.
    let mut stranger = Browser::new(&page, "203.0.113.5");
    let fields = form(&csrf);
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        stranger
            .post("/handler/cli-auth-confirm", &form)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The page's own form, from its own origin: approved.
    let a = browser
        .post_with(
            "/handler/cli-auth-confirm",
            &form,
            &[("origin", ORIGIN), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.html);
    assert_eq!(
        e.poll(&r.string("polling_code")).await.string("status"),
        "success"
    );
}

async fn a_browser_in_another_network_is_warned_or_blocked(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let mut far = Browser::new(&page, "198.51.100.9");
    far.sign_in("ada@example.com").await;

    let r = started(&e).await;
    let a = far.confirm(&r.string("login_code")).await;
    assert!(a.has("role=\"alert\""), "{}", a.html);
    assert!(a.has(CLI_IP) && a.has("198.51.100.9") && a.has("Deny unless you started"));
    assert!(
        a.has(">Approve</button>"),
        "warn: approving is still offered"
    );

    assert!(
        e.store
            .set_project_proximity(&e.seeded.project.id, ProximityPolicy::Block)
            .await
            .unwrap()
    );
    let mut far = Browser::new(&page, "198.51.100.9");
    far.sign_in("ada@example.com").await;
    let r = started(&e).await;
    let login = r.string("login_code");
    let a = far.confirm(&login).await;
    assert!(
        a.has("role=\"alert\"") && a.has("does not allow approving"),
        "{}",
        a.html
    );
    assert!(!a.has(">Approve</button>") && a.has(">Deny</button>"));
    let csrf = a.field("csrf_token");
    let a = far.act(&login, &csrf, "approve").await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        e.poll(&r.string("polling_code")).await.string("status"),
        "waiting"
    );
    // Near: approved under block too.
    let mut near = Browser::new(&page, "203.0.113.200");
    near.sign_in("ada@example.com").await;
    assert_eq!(near.press(&login, "approve").await.status, StatusCode::OK);
}

async fn the_short_code_leads_to_the_page(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let r = started(&e).await;
    let mut browser = Browser::new(&page, "203.0.113.5");
    let a = browser.get("/handler/cli-auth-confirm").await;
    assert!(a.has("Sign in to approve"));
    browser.sign_in("ada@example.com").await;
    let a = browser.get("/handler/cli-auth-confirm").await;
    assert!(
        a.has("Enter the code from your terminal") && a.has("<label for=\"user-code\">"),
        "{}",
        a.html
    );
    let csrf = a.field("csrf_token");
    let wrong = browser
        .post(
            "/handler/cli-auth-confirm",
            &[
                ("csrf_token", &csrf),
                ("action", "look-up"),
                ("user_code", "BBBB-BBBB"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.has("role=\"alert\"") && wrong.has("does not match"));
    let typed = r.string("user_code").to_lowercase().replace('-', " ");
    let found = browser
        .post(
            "/handler/cli-auth-confirm",
            &[
                ("csrf_token", &csrf),
                ("action", "look-up"),
                ("user_code", &typed),
            ],
        )
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", found.html);
    let to = found.location();
    let a = browser.get(&to).await;
    assert!(a.has(&format!("data-user-code=\"{}\"", r.string("user_code"))));
}

async fn unusable_codes_get_plain_pages(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let mut browser = Browser::new(&page, "203.0.113.5");
    browser.sign_in("ada@example.com").await;
    for code in ["nonsense", "BBBBBBBB.not-the-secret", "%3Cscript%3E"] {
        let a = browser.confirm(code).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{code}");
        assert!(a.has("not valid") && a.has("role=\"alert\""));
        assert!(!a.has("<script>"));
    }
    let r = started(&e).await;
    e.clock.advance(3 * 3_600_000);
    let a = browser.confirm(&r.string("login_code")).await;
    assert_eq!(a.status, StatusCode::GONE);
    assert!(a.has("expired"), "{}", a.html);
}

async fn what_a_cli_says_is_escaped(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let r = e
        .initiate(json!({ "client": { "name": "<img src=x onerror=alert(1)>", "hostname": "\"><b>h</b>" } }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let mut browser = Browser::new(&page, "203.0.113.5");
    browser.sign_in("ada@example.com").await;
    let a = browser.confirm(&r.string("login_code")).await;
    assert!(a.has("&#60;img src=x onerror=alert(1)&#62;"), "{}", a.html);
    assert!(!a.has("<img") && !a.has("<b>h</b>"));
}

async fn sign_out_ends_the_browsers_sign_in(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Dev);
    let mut browser = Browser::new(&page, "203.0.113.5");
    browser.sign_in("ada@example.com").await;
    let a = browser.get("/handler/cli-auth-confirm").await;
    let csrf = a.field("csrf_token");
    let a = browser
        .post("/handler/sign-out", &[("csrf_token", "wrong")])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = browser
        .post("/handler/sign-out", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(browser.cookies.is_empty(), "{:?}", browser.cookies.keys());
    assert!(
        browser
            .get("/handler/cli-auth-confirm")
            .await
            .has("Sign in to approve")
    );
}

async fn a_stack_without_a_provider_says_so(kind: StoreKind) {
    let e = test_app(kind).await;
    let page = page_of(&e, SignInMethod::Unconfigured);
    let mut browser = Browser::new(&page, "203.0.113.5");
    let a = browser.get("/handler/cli-auth-confirm").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(a.has("CLI_AUTH_OIDC_ISSUER"));
    // The dev sign-in is the dev server's alone.
    let a = browser
        .post(
            "/handler/cli-auth-confirm",
            &[("action", "dev-sign-in"), ("email", "eve@example.com")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(browser.cookies.is_empty());
    assert_eq!(
        browser
            .get("/handler/oidc/callback?code=x&state=y")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser
            .send(Method::PUT, "/handler/sign-out", &[], String::new())
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

/// A store fault at any step of Approve gives a clean 503 and leaves
/// nothing half-done: the CLI still waits, and the person has no session
/// (the one minted for the CLI is deleted again when the hand-over fails).
async fn a_store_fault_during_approve_leaves_nothing_half_done(kind: StoreKind) {
    let e = test_app(kind).await;
    let faulty = Arc::new(FaultyStore::new(Arc::clone(&e.store)));
    let page = page_on(&e, Arc::clone(&faulty) as Arc<dyn Store>, SignInMethod::Dev);
    let mut browser = Browser::new(&page, "203.0.113.5");
    browser.sign_in("ada@example.com").await;
    let mut faults = 0;
    for n in 0.. {
        let r = started(&e).await;
        let login = r.string("login_code");
        let csrf = browser.confirm(&login).await.field("csrf_token");
        faulty.fail_call(n);
        let a = browser.act(&login, &csrf, "approve").await;
        faulty.heal();
        let poll = e.poll(&r.string("polling_code")).await.string("status");
        if a.status == StatusCode::OK {
            assert_eq!(poll, "success");
            break;
        }
        faults += 1;
        assert_eq!(
            a.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "fault at call {n}: {}",
            a.html
        );
        assert!(a.has("Nothing was changed"));
        assert_eq!(poll, "waiting", "fault at call {n}");
        let user = e
            .store
            .identity_user(&cli_auth_core::domain::user::Identity {
                project_id: e.seeded.project.id.clone(),
                issuer: "cli-auth-dev".into(),
                subject: "ada@example.com".into(),
            })
            .await
            .unwrap()
            .expect("the dev user");
        let sessions = e
            .store
            .sessions_of_user(&e.seeded.project.id, &user, e.clock.now_millis())
            .await
            .unwrap();
        assert!(sessions.is_empty(), "fault at call {n}: {sessions:?}");
    }
    // Approve through the page is 5 store calls, each faulted in turn: the
    // person, the attempt, the project, the session's put, the hand-over.
    assert_eq!(faults, 5, "every step was faulted");
}

cli_auth_tests::on_both_stores!(
    a_store_fault_during_approve_leaves_nothing_half_done,
    the_page_approves_and_the_cli_gets_a_new_session,
    deny_stops_the_cli,
    forms_need_the_csrf_token_and_the_pages_own_origin,
    a_browser_in_another_network_is_warned_or_blocked,
    the_short_code_leads_to_the_page,
    unusable_codes_get_plain_pages,
    what_a_cli_says_is_escaped,
    sign_out_ends_the_browsers_sign_in,
    a_stack_without_a_provider_says_so,
);
