//! The hosted confirm page's Approve (api.md §10, §4): a new session of the
//! person, minted for the CLI and tagged with who asked, completes the
//! attempt; the browser's own sign-in never reaches the CLI; nothing is left
//! half-done when the attempt is no longer pending. On both stores.

use cli_auth_core::domain::login_attempt::{self, AttemptError};
use cli_auth_core::domain::tokens::Minter;
use cli_auth_tests::{BASE_URL, Req, StoreKind, T0, TestApp, test_app};
use http::Method;
use serde_json::{Value, json};

const DAY: i64 = 24 * 3_600_000;

async fn approve(e: &TestApp, login_code: &str, user_id: &str) -> Result<(), AttemptError> {
    let minter = Minter {
        tokens: e.app.tokens(),
        base_url: BASE_URL,
    };
    login_attempt::approve(
        e.store.as_ref(),
        minter,
        &e.seeded.project.id,
        login_code,
        user_id,
        DAY,
        T0,
    )
    .await
}

/// Signs the session of `refresh_token` out, as an SDK does.
async fn sign_out(e: &TestApp, refresh_token: &str) -> u16 {
    let access = e.refresh(refresh_token).await.string("access_token");
    e.client(Method::DELETE, "/auth/sessions/current")
        .header("x-stack-access-token", &access)
        .header("x-stack-refresh-token", refresh_token)
        .send(&e.app)
        .await
        .status
}

/// The person's sessions as the list shows them.
async fn sessions(e: &TestApp, refresh_token: &str) -> Vec<Value> {
    let access = e.refresh(refresh_token).await.string("access_token");
    let r = e
        .client(Method::GET, "/auth/sessions?user_id=me")
        .header("x-stack-access-token", &access)
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json["items"].as_array().expect("items").clone()
}

async fn approve_mints_a_new_session_tagged_with_who_asked(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = Req::post("/api/v1/auth/cli")
        .client(&e.seeded)
        .source_ip("203.0.113.7")
        .header("user-agent", "mytool/2.0")
        .json(json!({"client": {"name": "mytool", "hostname": "ada-laptop"}}))
        .send(&e.app)
        .await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let browser = e.user(false).await;
    approve(&e, &login, &browser.user.id)
        .await
        .expect("approve");

    let cli = e.poll(&polling).await.string("refresh_token");
    assert_ne!(
        cli, browser.refresh_token,
        "the CLI gets a session of its own"
    );
    let listed = sessions(&e, &browser.refresh_token).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let cli_session = cli.split('.').next().expect("id");
    let tagged = listed
        .iter()
        .find(|s| s["id"] == cli_session)
        .expect("the CLI's session is listed");
    assert_eq!(
        tagged["client"],
        json!({
            "name": "mytool",
            "hostname": "ada-laptop",
            "ip": "203.0.113.7",
            "user_agent": "mytool/2.0",
            "created_at": cli_auth_core::clock::iso_millis(T0),
        })
    );
    let own = listed
        .iter()
        .find(|s| s["id"] == browser.session.id.as_str())
        .expect("the browser's session");
    assert!(own.get("client").is_none(), "{own}");

    // Once only, and no session is minted for the refusal.
    assert!(matches!(
        approve(&e, &login, &browser.user.id).await,
        Err(AttemptError::InvalidLoginCode)
    ));
    assert_eq!(sessions(&e, &browser.refresh_token).await.len(), 2);

    // Logging the CLI out leaves the browser signed in.
    assert_eq!(sign_out(&e, &cli).await, 200);
    assert_eq!(e.refresh(&browser.refresh_token).await.status, 200);
    assert_ne!(e.refresh(&cli).await.status, 200);
}

async fn approve_against_deny_leaves_no_stray_session(kind: StoreKind) {
    let e = test_app(kind).await;
    let browser = e.user(false).await;
    for _ in 0..5 {
        let (polling, login) = e.attempt().await;
        let deny = e.complete(json!({"login_code": login, "mode": "deny"}));
        let (approved, denied) = tokio::join!(approve(&e, &login, &browser.user.id), deny);
        let poll = e.poll(&polling).await;
        let count = sessions(&e, &browser.refresh_token).await.len();
        match (approved, denied.status) {
            (Ok(()), 400) => {
                assert!(poll.json.get("refresh_token").is_some(), "{poll:?}");
                assert_eq!(count, 2, "the browser's and the CLI's");
                // Its session waits in the CLI: end it, as the CLI would.
                assert_eq!(sign_out(&e, &poll.string("refresh_token")).await, 200);
            }
            (Err(AttemptError::InvalidLoginCode), 200) => {
                assert_eq!(poll.json, json!({"status": "denied"}));
                assert_eq!(count, 1, "the refused approval's session was deleted");
            }
            other => panic!("exactly one of approve and deny wins: {other:?}"),
        }
    }
}

cli_auth_tests::on_both_stores!(
    approve_mints_a_new_session_tagged_with_who_asked,
    approve_against_deny_leaves_no_stray_session,
);
