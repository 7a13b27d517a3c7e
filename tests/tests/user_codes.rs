//! Short user codes (api.md §8; RFC 8628 §6.1): every attempt has one,
//! unique (it is the attempt's key), matched loosely; the look-up turns one
//! into the login code for a signed-in person and shows who is asking;
//! guessing is bounded per source IP and per person (RFC 8628 §5.1), under
//! concurrency too, and no budget is shared by the whole project. On both
//! stores.

use std::collections::HashSet;

use cli_auth_core::clock::iso_millis;
use cli_auth_core::secret;
use cli_auth_tests::{Req, Resp, StoreKind, T0, TestApp, test_app};
use serde_json::json;

/// A person signed in at a confirm page: the access token of a new user.
async fn person(e: &TestApp) -> String {
    let user = e.user(false).await;
    e.refresh(&user.refresh_token).await.string("access_token")
}

/// The look-up as a confirm page sends it: the person's access token (if
/// any) and the address the front end saw (if any).
fn look_up_request(e: &TestApp, person: Option<&str>, user_code: &str, ip: Option<&str>) -> Req {
    let mut r = Req::post("/api/v1/auth/cli/user-code").client(&e.seeded);
    if let Some(token) = person {
        r = r.header("x-stack-access-token", token);
    }
    if let Some(ip) = ip {
        r = r.source_ip(ip);
    }
    r.json(json!({ "user_code": user_code }))
}

async fn look_up(e: &TestApp, person: &str, user_code: &str, ip: &str) -> Resp {
    look_up_request(e, Some(person), user_code, Some(ip))
        .send(&e.app)
        .await
}

/// Ten wrong codes, each different.
fn wrong_code(i: usize) -> String {
    let letters = secret::USER_CODE_ALPHABET;
    format!(
        "BBBB-BB{}{}",
        char::from(letters[i / letters.len() % letters.len()]),
        char::from(letters[i % letters.len()])
    )
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
    let r = e.initiate_as_mytool().await;
    let (code, login) = (user_code_of(&r), r.string("login_code"));
    let plain = code.replace('-', "");
    let typed_forms = [
        code.clone(),
        plain.to_lowercase(),
        format!(" {} {} ", &plain[..4], &plain[4..]),
        code.to_lowercase(),
    ];
    let ada = person(&e).await;
    for typed in typed_forms {
        let found = look_up(&e, &ada, &typed, "198.51.100.1").await;
        assert_eq!(found.status, 200, "{typed:?}: {found:?}");
        assert_eq!(
            found.json,
            json!({
                "login_code": login,
                "expires_at": iso_millis(T0 + 2 * 60_000),
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
    let found = look_up(&e, &ada, &user_code_of(&r), "198.51.100.1").await;
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
        // A different person and IP each time: this test is not about the
        // limits.
        look_up(&e, &person(&e).await, code, &format!("198.51.100.{i}"))
            .await
            .assert_known(400, "INVALID_USER_CODE");
    }
    let r = e.initiate(json!({"expires_in_millis": 60_000})).await;
    e.clock.advance(60_000);
    look_up(&e, &person(&e).await, &user_code_of(&r), "198.51.100.200")
        .await
        .assert_known(400, "INVALID_USER_CODE");
}

async fn the_look_up_needs_a_signed_in_person(kind: StoreKind) {
    let e = test_app(kind).await;
    let real = user_code_of(&e.initiate(json!({})).await);
    // No access token: the publishable key alone finds nothing.
    look_up_request(&e, None, &real, Some("192.0.2.1"))
        .send(&e.app)
        .await
        .assert_known(401, "USER_AUTHENTICATION_REQUIRED");
    // An anonymous user's, even when anonymous users are let through.
    let anon = e.user(true).await;
    let anon_token = e
        .client(http::Method::POST, "/auth/sessions/current/refresh")
        .header("x-stack-refresh-token", &anon.refresh_token)
        .header("x-stack-allow-anonymous-user", "true")
        .send(&e.app)
        .await
        .string("access_token");
    look_up_request(&e, Some(&anon_token), &real, Some("192.0.2.1"))
        .header("x-stack-allow-anonymous-user", "true")
        .send(&e.app)
        .await
        .assert_known(401, "USER_AUTHENTICATION_REQUIRED");
    // A signed-in person's works.
    let found = look_up(&e, &person(&e).await, &real, "192.0.2.1").await;
    assert_eq!(found.status, 200, "{found:?}");
}

/// Asserts the look-up is refused with 429 and a `retry-after` of at most
/// `window` seconds; returns it.
fn assert_refused(r: &Resp, window: u64) -> u64 {
    r.assert_known(429, "TOO_MANY_USER_CODE_ATTEMPTS");
    let retry = retry_after(r);
    assert!((1..=window).contains(&retry), "{retry}");
    assert_eq!(r.json["details"]["retry_after_seconds"], json!(retry));
    retry
}

async fn guessing_is_bounded_per_source_ip(kind: StoreKind) {
    let e = test_app(kind).await;
    // It must outlive the 10-minute window the test waits out.
    let real = user_code_of(&e.initiate(json!({"expires_in_millis": 15 * 60_000})).await);
    // Ten people behind one address each guess once.
    for i in 0..10 {
        look_up(&e, &person(&e).await, &wrong_code(i), "192.0.2.66")
            .await
            .assert_known(400, "INVALID_USER_CODE");
    }
    // The 11th is refused, even with the right code, until the window ends.
    let ada = person(&e).await;
    let retry = assert_refused(&look_up(&e, &ada, &real, "192.0.2.66").await, 600);
    // Another address is not affected.
    assert_eq!(look_up(&e, &ada, &real, "192.0.2.67").await.status, 200);
    // After the window, the address may try again.
    e.clock.advance(i64::try_from(retry).expect("small") * 1000);
    assert_eq!(look_up(&e, &ada, &real, "192.0.2.66").await.status, 200);
}

async fn guessing_is_bounded_per_person(kind: StoreKind) {
    let e = test_app(kind).await;
    let real = user_code_of(&e.initiate(json!({})).await);
    // One person guesses from ten addresses.
    let mallory = person(&e).await;
    for i in 0..10 {
        look_up(&e, &mallory, &wrong_code(i), &format!("192.0.2.{i}"))
            .await
            .assert_known(400, "INVALID_USER_CODE");
    }
    assert_refused(&look_up(&e, &mallory, &real, "192.0.2.99").await, 600);
    // Someone else, from the same address as the last guess, is not affected.
    let found = look_up(&e, &person(&e).await, &real, "192.0.2.9").await;
    assert_eq!(found.status, 200, "{found:?}");
}

async fn no_budget_is_shared_by_the_whole_project(kind: StoreKind) {
    let e = test_app(kind).await;
    let real = user_code_of(&e.initiate(json!({})).await);
    // 1,000 wrong guesses within the minute: 100 people, 100 addresses.
    let guessers = (0..100).map(|g| {
        let e = &e;
        async move {
            let p = person(e).await;
            for i in 0..10 {
                look_up(e, &p, &wrong_code(i), &format!("198.18.0.{g}"))
                    .await
                    .assert_known(400, "INVALID_USER_CODE");
            }
        }
    });
    futures::future::join_all(guessers).await;
    // A person from a fresh address still finds their code.
    let found = look_up(&e, &person(&e).await, &real, "203.0.113.50").await;
    assert_eq!(found.status, 200, "{found:?}");
}

async fn a_concurrent_burst_gets_no_more_guesses_than_the_limit(kind: StoreKind) {
    let e = test_app(kind).await;
    let mallory = person(&e).await;
    let codes: Vec<String> = (0..60).map(wrong_code).collect();
    let burst = codes.iter().map(|c| look_up(&e, &mallory, c, "192.0.2.66"));
    let answers = futures::future::join_all(burst).await;
    let count = |status: u16| answers.iter().filter(|r| r.status == status).count();
    let failed = count(400);
    assert!(failed <= 10, "{failed} guesses evaluated: {answers:?}");
    assert_eq!(count(429), 60 - failed, "{answers:?}");
    // Both counters filled at once, so a look-up may have taken one slot
    // and been refused the other, and given it back: the burst may get
    // fewer than 10, never more, and the person has exactly the rest.
    for c in &codes[60 - (10 - failed)..] {
        look_up(&e, &mallory, c, "192.0.2.66")
            .await
            .assert_known(400, "INVALID_USER_CODE");
    }
    assert_refused(&look_up(&e, &mallory, &codes[0], "192.0.2.66").await, 600);
    // A burst of people behind one address is bounded the same way.
    let people = futures::future::join_all((0..30).map(|_| person(&e))).await;
    let burst = people
        .iter()
        .zip(&codes)
        .map(|(p, c)| look_up(&e, p, c, "192.0.2.77"));
    let answers = futures::future::join_all(burst).await;
    let count = |status: u16| answers.iter().filter(|r| r.status == status).count();
    assert_eq!((count(400), count(429)), (10, 20), "{answers:?}");
}

async fn without_a_source_ip_the_limit_still_holds(kind: StoreKind) {
    let e = test_app(kind).await;
    let real = user_code_of(&e.initiate(json!({})).await);
    // Requests the front end gave no address share one budget: fail closed.
    for i in 0..10 {
        look_up_request(&e, Some(&person(&e).await), &wrong_code(i), None)
            .send(&e.app)
            .await
            .assert_known(400, "INVALID_USER_CODE");
    }
    let refused = look_up_request(&e, Some(&person(&e).await), &real, None)
        .send(&e.app)
        .await;
    assert_refused(&refused, 600);
}

async fn a_user_code_is_looked_up_only_in_its_first_15_minutes(kind: StoreKind) {
    let e = test_app(kind).await;
    // Since Hexclave's dialect an attempt lives at most 15 minutes, so the
    // look-up's own window and the attempt's longest life end together.
    let r = e.initiate(json!({"expires_in_millis": 15 * 60_000})).await;
    let code = user_code_of(&r);
    e.clock.advance(15 * 60_000 - 1);
    let ada = person(&e).await;
    assert_eq!(look_up(&e, &ada, &code, "192.0.2.1").await.status, 200);
    e.clock.advance(1);
    look_up(&e, &ada, &code, "192.0.2.1")
        .await
        .assert_known(400, "INVALID_USER_CODE");
}

cli_auth_tests::on_both_stores!(
    every_attempt_has_a_short_code_of_its_own,
    the_look_up_turns_a_typed_code_into_the_login_code,
    only_pending_attempts_of_the_project_are_found,
    the_look_up_needs_a_signed_in_person,
    guessing_is_bounded_per_source_ip,
    guessing_is_bounded_per_person,
    no_budget_is_shared_by_the_whole_project,
    a_concurrent_burst_gets_no_more_guesses_than_the_limit,
    without_a_source_ip_the_limit_still_holds,
    a_user_code_is_looked_up_only_in_its_first_15_minutes,
);
