//! Short user codes (api.md §8; RFC 8628 §6.1): every attempt has one,
//! unique (it is the attempt's key), matched loosely; the look-up turns one
//! into the login code and shows who is asking; guessing is bounded per
//! source IP and per project (RFC 8628 §5.1). On both stores.

use std::collections::HashSet;
use std::sync::Arc;

use cli_auth_core::clock::{Clock, iso_millis};
use cli_auth_core::domain::login_attempt::UserCodeLimits;
use cli_auth_core::{App, secret};
use cli_auth_tests::{BASE_URL, Req, Resp, StoreKind, T0, TestApp, test_app, token_issuer};
use serde_json::json;

const HOUR: i64 = 3_600_000;

async fn look_up(e: &TestApp, user_code: &str, ip: &str) -> Resp {
    Req::post("/api/v1/auth/cli/user-code")
        .client(&e.seeded)
        .source_ip(ip)
        .json(json!({ "user_code": user_code }))
        .send(&e.app)
        .await
}

/// The `retry-after` of a refusal, in seconds.
fn retry_after(r: &Resp) -> u64 {
    r.headers["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds")
}

fn user_code_of(r: &Resp) -> String {
    r.string("user_code")
}

async fn every_attempt_has_a_short_code_of_its_own(kind: StoreKind) {
    let e = test_app(kind).await;
    let mut seen = HashSet::new();
    for _ in 0..50 {
        let r = e.initiate(json!({})).await;
        let code = user_code_of(&r);
        // BDWP-HQPK: two groups of four letters of the RFC 8628 alphabet.
        let (head, tail) = code.split_once('-').expect("hyphenated");
        assert_eq!((head.len(), tail.len()), (4, 4), "{code}");
        assert!(
            code.bytes()
                .filter(|b| *b != b'-')
                .all(|b| secret::USER_CODE_ALPHABET.contains(&b)),
            "{code}"
        );
        // It is the attempt's key: the codes carry it.
        let plain = code.replace('-', "");
        assert!(r.string("polling_code").starts_with(&format!("{plain}.")));
        assert!(r.string("login_code").starts_with(&format!("{plain}.")));
        assert!(seen.insert(code), "unique");
    }
}

async fn the_look_up_turns_a_typed_code_into_the_login_code(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = Req::post("/api/v1/auth/cli")
        .client(&e.seeded)
        .source_ip("203.0.113.7")
        .header("user-agent", "mytool/2.0")
        .json(json!({"client": {"name": "mytool", "hostname": "ada-laptop"}}))
        .send(&e.app)
        .await;
    let (code, login) = (user_code_of(&r), r.string("login_code"));
    let plain = code.replace('-', "");
    let typed_forms = [
        code.clone(),
        plain.to_lowercase(),
        format!(" {} {} ", &plain[..4], &plain[4..]),
        code.to_lowercase(),
    ];
    for typed in typed_forms {
        let found = look_up(&e, &typed, "198.51.100.1").await;
        assert_eq!(found.status, 200, "{typed:?}: {found:?}");
        assert_eq!(
            found.json,
            json!({
                "login_code": login,
                "expires_at": iso_millis(T0 + 2 * HOUR),
                "client": {
                    "name": "mytool",
                    "hostname": "ada-laptop",
                    "ip": "203.0.113.7",
                    "user_agent": "mytool/2.0",
                    "created_at": iso_millis(T0),
                },
            })
        );
    }
    // The login code it gives works: the browser completes with it.
    let browser = e.user(false).await;
    let done = e
        .complete(json!({"login_code": login, "refresh_token": browser.refresh_token}))
        .await;
    assert_eq!(done.status, 200, "{done:?}");
    // Without a client object, the look-up still says what it saw.
    let r = Req::post("/api/v1/auth/cli")
        .client(&e.seeded)
        .source_ip("203.0.113.8")
        .json(json!({}))
        .send(&e.app)
        .await;
    let found = look_up(&e, &user_code_of(&r), "198.51.100.1").await;
    assert_eq!(found.json["client"]["ip"], json!("203.0.113.8"));
    assert_eq!(found.json["client"]["name"], json!(null));
}

async fn only_pending_attempts_of_the_project_are_found(kind: StoreKind) {
    let e = test_app(kind).await;
    // Completed, denied, cancelled, expired; another project's; malformed.
    let mut gone = Vec::new();
    let r = e.initiate(json!({})).await;
    let browser = e.user(false).await;
    e.complete(
        json!({"login_code": r.string("login_code"), "refresh_token": browser.refresh_token}),
    )
    .await;
    gone.push(user_code_of(&r));
    let r = e.initiate(json!({})).await;
    e.complete(json!({"login_code": r.string("login_code"), "mode": "deny"}))
        .await;
    gone.push(user_code_of(&r));
    let r = e.initiate(json!({})).await;
    Req::post("/api/v1/auth/cli/cancel")
        .client(&e.seeded)
        .json(json!({"polling_code": r.string("polling_code")}))
        .send(&e.app)
        .await;
    gone.push(user_code_of(&r));
    let other = cli_auth_tests::seed_project(e.store.as_ref(), true).await;
    let theirs = Req::post("/api/v1/auth/cli")
        .client(&other)
        .json(json!({}))
        .send(&e.app)
        .await;
    gone.push(user_code_of(&theirs));
    gone.extend(["BCDF-GHJA".to_owned(), "BCD".to_owned(), String::new()]);
    for (i, code) in gone.iter().enumerate() {
        // A different IP each time: this test is not about the limit.
        look_up(&e, code, &format!("198.51.100.{i}"))
            .await
            .assert_known(400, "INVALID_USER_CODE");
    }
    let r = e.initiate(json!({"expires_in_millis": 60_000})).await;
    e.clock.advance(60_000);
    look_up(&e, &user_code_of(&r), "198.51.100.200")
        .await
        .assert_known(400, "INVALID_USER_CODE");
}

async fn guessing_is_bounded_per_source_ip(kind: StoreKind) {
    let e = test_app(kind).await;
    let real = user_code_of(&e.initiate(json!({})).await);
    for i in 0..10 {
        look_up(
            &e,
            &format!(
                "BBBB-BBB{}",
                ["C", "D", "F", "G", "H", "J", "K", "L", "M", "N"][i]
            ),
            "192.0.2.66",
        )
        .await
        .assert_known(400, "INVALID_USER_CODE");
    }
    // The 11th is refused, even with the right code, until the window ends.
    let refused = look_up(&e, &real, "192.0.2.66").await;
    refused.assert_known(429, "TOO_MANY_USER_CODE_ATTEMPTS");
    let retry = retry_after(&refused);
    assert!((1..=600).contains(&retry), "{retry}");
    assert_eq!(refused.json["details"]["retry_after_seconds"], json!(retry));
    // Another address is not affected.
    assert_eq!(look_up(&e, &real, "192.0.2.67").await.status, 200);
    // After the window, the address may try again.
    e.clock.advance(i64::try_from(retry).expect("small") * 1000);
    assert_eq!(look_up(&e, &real, "192.0.2.66").await.status, 200);
}

async fn guessing_is_bounded_per_project(kind: StoreKind) {
    let mut e = test_app(kind).await;
    e.app = Arc::new(
        App::new(
            Arc::clone(&e.store),
            Arc::clone(&e.clock) as Arc<dyn Clock>,
            token_issuer(),
            std::time::Duration::from_secs(60),
            Some(BASE_URL.to_owned()),
        )
        .with_user_code_limits(UserCodeLimits {
            failures_per_ip: 10,
            failures_per_project: 3,
        }),
    );
    let real = user_code_of(&e.initiate(json!({})).await);
    for i in 0..3 {
        look_up(&e, "BBBB-BBBB", &format!("192.0.2.{i}"))
            .await
            .assert_known(400, "INVALID_USER_CODE");
    }
    let refused = look_up(&e, &real, "192.0.2.99").await;
    refused.assert_known(429, "TOO_MANY_USER_CODE_ATTEMPTS");
    let retry = retry_after(&refused);
    assert!((1..=60).contains(&retry), "{retry}");
    // Other projects are not affected.
    let other = cli_auth_tests::seed_project(e.store.as_ref(), true).await;
    let theirs = Req::post("/api/v1/auth/cli")
        .client(&other)
        .json(json!({}))
        .send(&e.app)
        .await;
    let found = Req::post("/api/v1/auth/cli/user-code")
        .client(&other)
        .source_ip("192.0.2.99")
        .json(json!({ "user_code": user_code_of(&theirs) }))
        .send(&e.app)
        .await;
    assert_eq!(found.status, 200, "{found:?}");
}

cli_auth_tests::on_both_stores!(
    every_attempt_has_a_short_code_of_its_own,
    the_look_up_turns_a_typed_code_into_the_login_code,
    only_pending_attempts_of_the_project_are_found,
    guessing_is_bounded_per_source_ip,
    guessing_is_bounded_per_project,
);
