//! Deny and cancel (api.md §8): the browser says no, or the CLI gives up.
//! Each is the one once-only write that ends an attempt, so exactly one of
//! complete, deny and cancel ever wins, and polls then say which. On both
//! stores, through the request pipeline.

use std::sync::Arc;

use cli_auth_tests::{Req, Resp, StoreKind, seed_project, test_app};
use serde_json::json;

const HOUR: i64 = 3_600_000;
const INVALID_LOGIN: &str = "Invalid login code or the code has expired";
const RACERS: usize = 8;

fn deny(login: &str) -> serde_json::Value {
    json!({"login_code": login, "mode": "deny"})
}

async fn cancel(e: &cli_auth_tests::TestApp, polling: &str) -> Resp {
    Req::post("/api/v1/auth/cli/cancel")
        .client(&e.seeded)
        .json(json!({ "polling_code": polling }))
        .send(&e.app)
        .await
}

async fn a_denied_attempt_ends_for_everyone(kind: StoreKind) {
    let e = test_app(kind).await;
    let (polling, login) = e.attempt().await;
    let r = e.complete(deny(&login)).await;
    assert_eq!((r.status, &r.json), (200, &json!({"success": true})));
    let r = e.poll(&polling).await;
    assert_eq!((r.status, &r.json), (200, &json!({"status": "denied"})));
    // Nothing more can happen to it.
    let browser = e.user(false).await;
    e.complete(json!({"login_code": login, "refresh_token": browser.refresh_token}))
        .await
        .assert_plain(400, INVALID_LOGIN);
    for mode in ["check", "claim-anon-session", "deny"] {
        e.complete(json!({"login_code": login, "mode": mode}))
            .await
            .assert_plain(400, INVALID_LOGIN);
    }
    cancel(&e, &polling)
        .await
        .assert_known(400, "CLI_AUTH_ATTEMPT_NOT_PENDING");
    // A refusal is checked before expiry (Hexclave's order): it says so
    // after the attempt's lifetime too.
    e.clock.advance(2 * HOUR);
    assert_eq!(e.poll(&polling).await.json, json!({"status": "denied"}));
}

async fn a_cancelled_attempt_ends_for_everyone(kind: StoreKind) {
    let e = test_app(kind).await;
    let (polling, login) = e.attempt().await;
    let r = cancel(&e, &polling).await;
    assert_eq!((r.status, &r.json), (200, &json!({"success": true})));
    let r = e.poll(&polling).await;
    assert_eq!((r.status, &r.json), (200, &json!({"status": "cancelled"})));
    let browser = e.user(false).await;
    e.complete(json!({"login_code": login, "refresh_token": browser.refresh_token}))
        .await
        .assert_plain(400, INVALID_LOGIN);
    e.complete(json!({"login_code": login, "mode": "check"}))
        .await
        .assert_plain(400, INVALID_LOGIN);
    e.complete(deny(&login))
        .await
        .assert_plain(400, INVALID_LOGIN);
    cancel(&e, &polling)
        .await
        .assert_known(400, "CLI_AUTH_ATTEMPT_NOT_PENDING");
}

async fn cancel_names_its_attempt_by_the_polling_code_only(kind: StoreKind) {
    let e = test_app(kind).await;
    let (polling, login) = e.attempt().await;
    // The login code is not the polling code; a forged secret half, a
    // malformed code and another project's view all name nothing.
    let (id, _) = polling.split_once('.').expect("id.secret");
    for wrong in [
        login.clone(),
        format!("{id}.{}", "A".repeat(43)),
        "junk".to_owned(),
    ] {
        cancel(&e, &wrong)
            .await
            .assert_known(400, "INVALID_POLLING_CODE");
    }
    let other = seed_project(e.store.as_ref(), true).await;
    Req::post("/api/v1/auth/cli/cancel")
        .client(&other)
        .json(json!({ "polling_code": polling }))
        .send(&e.app)
        .await
        .assert_known(400, "INVALID_POLLING_CODE");
    Req::post("/api/v1/auth/cli/cancel")
        .client(&e.seeded)
        .json(json!({}))
        .send(&e.app)
        .await
        .assert_known(400, "SCHEMA_ERROR");
    // None of that touched it.
    assert_eq!(e.poll(&polling).await.json, json!({"status": "waiting"}));
}

async fn a_completed_or_expired_attempt_cannot_be_cancelled(kind: StoreKind) {
    let e = test_app(kind).await;
    let (polling, login) = e.attempt().await;
    let browser = e.user(false).await;
    e.complete(json!({"login_code": login, "refresh_token": browser.refresh_token}))
        .await;
    cancel(&e, &polling)
        .await
        .assert_known(400, "CLI_AUTH_ATTEMPT_NOT_PENDING");
    // The CLI still gets its token: a late Ctrl-C loses nothing.
    let r = e.poll(&polling).await;
    assert_eq!(
        (r.status, &r.json["refresh_token"]),
        (201, &json!(browser.refresh_token))
    );
    cancel(&e, &polling)
        .await
        .assert_known(400, "CLI_AUTH_ATTEMPT_NOT_PENDING");

    let (polling, login) = e.attempt().await;
    e.clock.advance(2 * HOUR);
    cancel(&e, &polling)
        .await
        .assert_known(400, "CLI_AUTH_ATTEMPT_NOT_PENDING");
    e.complete(deny(&login))
        .await
        .assert_plain(400, INVALID_LOGIN);
}

async fn denying_leaves_the_clis_anonymous_session_alone(kind: StoreKind) {
    let e = test_app(kind).await;
    let anon = e.user(true).await;
    let r = e
        .initiate(json!({"anon_refresh_token": anon.refresh_token}))
        .await;
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    e.complete(deny(&login)).await;
    assert_eq!(e.poll(&polling).await.json, json!({"status": "denied"}));
    // The attempt no longer offers it, and it still works for the CLI.
    e.complete(json!({"login_code": login, "mode": "claim-anon-session"}))
        .await
        .assert_plain(400, INVALID_LOGIN);
    assert_eq!(e.refresh(&anon.refresh_token).await.status, 200);
}

/// Completes, denials and a cancel race for one attempt: exactly one wins,
/// and the poll tells which.
async fn complete_deny_and_cancel_race_and_one_wins(kind: StoreKind) {
    for round in 0..3 {
        let e = Arc::new(test_app(kind).await);
        let (polling, login) = e.attempt().await;
        let mut users = Vec::new();
        for _ in 0..RACERS {
            users.push(e.user(false).await);
        }
        let mut racers = Vec::new();
        for (i, user) in users.iter().enumerate() {
            let (e, login, polling, token) = (
                Arc::clone(&e),
                login.clone(),
                polling.clone(),
                user.refresh_token.clone(),
            );
            racers.push(tokio::spawn(async move {
                // Round-robin so that each kind starts first in some round.
                let r = match (i + round) % 3 {
                    0 => {
                        e.complete(json!({"login_code": login, "refresh_token": token}))
                            .await
                    }
                    1 => e.complete(deny(&login)).await,
                    _ => cancel(&e, &polling).await,
                };
                ((i + round) % 3, token, r)
            }));
        }
        let answers: Vec<_> = futures::future::join_all(racers)
            .await
            .into_iter()
            .map(|r| r.expect("task"))
            .collect();
        let winners: Vec<_> = answers.iter().filter(|(_, _, r)| r.status == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "exactly one ends the attempt: {answers:?}"
        );
        for (what, _, r) in answers.iter().filter(|(_, _, r)| r.status != 200) {
            match what {
                2 => r.assert_known(400, "CLI_AUTH_ATTEMPT_NOT_PENDING"),
                _ => r.assert_plain(400, INVALID_LOGIN),
            }
        }
        let poll = e.poll(&polling).await;
        match winners[0] {
            (0, token, _) => assert_eq!(poll.json["refresh_token"], json!(token)),
            (1, _, _) => assert_eq!(poll.json, json!({"status": "denied"})),
            _ => assert_eq!(poll.json, json!({"status": "cancelled"})),
        }
    }
}

cli_auth_tests::on_both_stores!(
    a_denied_attempt_ends_for_everyone,
    a_cancelled_attempt_ends_for_everyone,
    cancel_names_its_attempt_by_the_polling_code_only,
    a_completed_or_expired_attempt_cannot_be_cancelled,
    denying_leaves_the_clis_anonymous_session_alone,
    complete_deny_and_cancel_race_and_one_wins,
);
