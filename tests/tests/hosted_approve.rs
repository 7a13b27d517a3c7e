//! The hosted confirm page's decisions that reach the store (api.md §10,
//! §4): people become users once, whatever races; Approve mints a new
//! session of the person for the CLI, tagged with who asked, and completes
//! the attempt; the browser's own sign-in never reaches the CLI; nothing is
//! left half-done when the attempt is no longer pending. On both stores.

use cli_auth_core::domain::accounts::{ProviderPerson, user_of_person};
use cli_auth_core::domain::login_attempt::{self, AttemptError};
use cli_auth_core::domain::user::Identity;
use cli_auth_tests::{Resp, StoreKind, T0, TestApp, test_app};
use http::Method;
use serde_json::{Value, json};

const DAY: i64 = 24 * 3_600_000;

async fn approve(e: &TestApp, login_code: &str, user_id: &str) -> Result<(), AttemptError> {
    login_attempt::approve(
        e.store.as_ref(),
        &e.seeded.project.id,
        login_code,
        user_id,
        DAY,
        T0,
    )
    .await
}

/// A request of the person whose session `refresh_token` is, as an SDK
/// sends it: both tokens, the access token fresh.
async fn as_person(e: &TestApp, refresh_token: &str, method: Method, path: &str) -> Resp {
    let access = e.refresh(refresh_token).await.string("access_token");
    e.client(method, path)
        .header("x-stack-access-token", &access)
        .header("x-stack-refresh-token", refresh_token)
        .send(&e.app)
        .await
}

/// Signs the session of `refresh_token` out.
async fn sign_out(e: &TestApp, refresh_token: &str) -> u16 {
    as_person(e, refresh_token, Method::DELETE, "/auth/sessions/current")
        .await
        .status
}

/// The person's sessions as the list shows them.
async fn sessions(e: &TestApp, refresh_token: &str) -> Vec<Value> {
    let r = as_person(e, refresh_token, Method::GET, "/auth/sessions?user_id=me").await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json["items"].as_array().expect("items").clone()
}

async fn approve_mints_a_new_session_tagged_with_who_asked(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = e.initiate_as_mytool().await;
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

fn person(issuer: &str, subject: &str, e: &TestApp) -> ProviderPerson {
    ProviderPerson {
        identity: Identity {
            project_id: e.seeded.project.id.clone(),
            issuer: issuer.to_owned(),
            subject: subject.to_owned(),
        },
        verified_email: Some("ada@example.com".to_owned()),
        name: Some("Ada Lovelace\u{1b}[8m".to_owned()),
    }
}

async fn people_become_users_once(kind: StoreKind) {
    let e = test_app(kind).await;
    let ada = person("https://idp.example", "248289761001", &e);
    let first = user_of_person(e.store.as_ref(), &ada, T0)
        .await
        .expect("first");
    assert_eq!(first.primary_email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        first.display_name.as_deref(),
        Some("Ada Lovelace[8m"),
        "the provider's name, without what could drive a terminal"
    );
    let again = user_of_person(e.store.as_ref(), &ada, T0 + 1)
        .await
        .expect("again");
    assert_eq!(again.id, first.id, "a returning person is the same user");
    // Another sub, or the same sub at another issuer, is another person.
    for other in [
        person("https://idp.example", "248289761002", &e),
        person("https://other-idp.example", "248289761001", &e),
    ] {
        let user = user_of_person(e.store.as_ref(), &other, T0)
            .await
            .expect("other");
        assert_ne!(user.id, first.id);
    }
    // An email the provider did not verify is not kept.
    let unverified = ProviderPerson {
        verified_email: None,
        ..person("https://idp.example", "unverified", &e)
    };
    let user = user_of_person(e.store.as_ref(), &unverified, T0)
        .await
        .expect("user");
    assert_eq!(user.primary_email, None);
}

async fn racing_first_sign_ins_make_one_user(kind: StoreKind) {
    let e = test_app(kind).await;
    for round in 0..3 {
        let grace = person("https://idp.example", &format!("grace-{round}"), &e);
        let racers = (0..8).map(|_| user_of_person(e.store.as_ref(), &grace, T0));
        let users: Vec<_> = futures::future::join_all(racers)
            .await
            .into_iter()
            .map(|r| r.expect("a user").id)
            .collect();
        assert!(users.iter().all(|id| *id == users[0]), "{users:?}");
        // The identity names the one user that was written.
        assert_eq!(
            e.store
                .identity_user(&grace.identity)
                .await
                .expect("read")
                .as_deref(),
            Some(users[0].as_str())
        );
        assert!(e.store.user(&users[0]).await.expect("read").is_some());
    }
}

async fn the_proximity_policy_is_kept_on_the_project(kind: StoreKind) {
    use cli_auth_core::domain::hosted_page::proximity::ProximityPolicy;
    let e = test_app(kind).await;
    let id = &e.seeded.project.id;
    let read = || async {
        e.store
            .get_project(id)
            .await
            .expect("read")
            .expect("project")
            .proximity
    };
    assert_eq!(read().await, ProximityPolicy::Warn);
    for policy in [ProximityPolicy::Block, ProximityPolicy::Warn] {
        assert!(
            e.store
                .set_project_proximity(id, policy)
                .await
                .expect("set")
        );
        assert_eq!(read().await, policy);
    }
    assert!(
        !e.store
            .set_project_proximity("no-such-project", ProximityPolicy::Block)
            .await
            .expect("set")
    );
}

cli_auth_tests::on_both_stores!(
    the_proximity_policy_is_kept_on_the_project,
    people_become_users_once,
    racing_first_sign_ins_make_one_user,
    approve_mints_a_new_session_tagged_with_who_asked,
    approve_against_deny_leaves_no_stray_session,
);
