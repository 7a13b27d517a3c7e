//! Unit tests of `api/headers.rs`.

use std::fmt;

use super::*;
use crate::domain::project::NewKey;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            v.parse().expect("value"),
        );
    }
    h
}

fn code(r: Result<impl fmt::Debug, ApiError>) -> &'static str {
    r.expect_err("should fail").known_code().expect("known")
}

#[test]
fn rules_one_to_four_in_order() {
    assert_eq!(
        code(claimed_access(&headers(&[(
            "x-stack-secret-server-key",
            "k"
        )]))),
        "PROJECT_KEY_WITHOUT_ACCESS_TYPE"
    );
    assert_eq!(code(claimed_access(&headers(&[]))), "ACCESS_TYPE_REQUIRED");
    assert_eq!(
        code(claimed_access(&headers(&[("x-stack-access-type", "root")]))),
        "INVALID_ACCESS_TYPE"
    );
    assert_eq!(
        code(claimed_access(&headers(&[(
            "x-stack-access-type",
            "client"
        )]))),
        "ACCESS_TYPE_WITHOUT_PROJECT_ID"
    );
    let ok = claimed_access(&headers(&[
        ("x-hexclave-access-type", "server"),
        ("x-hexclave-project-id", "p"),
    ]))
    .expect("ok");
    assert_eq!(ok.access_type, AccessType::Server);
    assert_eq!(ok.project_id, "p");
}

fn project(requires_client_key: bool) -> (Project, [NewKey; 3]) {
    let keys = AccessType::ALL.map(NewKey::generate);
    let mut p = Project {
        id: "p".into(),
        display_name: "P".into(),
        requires_publishable_client_key: requires_client_key,
        publishable_client_key_hash: None,
        secret_server_key_hash: None,
        super_secret_admin_key_hash: None,
        created_at_millis: 0,
        app_url: None,
        proximity: Default::default(),
        agent_auth_enabled: false,
    };
    for (kind, key) in AccessType::ALL.iter().zip(&keys) {
        p.set_key_hash(*kind, key.hash.clone());
    }
    (p, keys)
}

#[test]
fn keys_are_checked_per_access_type() {
    let (p, keys) = project(true);
    let all = &AccessType::ALL;
    for (i, kind) in AccessType::ALL.into_iter().enumerate() {
        let header = key_header(kind).stack.as_str();
        assert!(check_key(&headers(&[(header, &keys[i].text)]), kind, &p, all).is_ok());
        let wrong = check_key(&headers(&[(header, "nope")]), kind, &p, all);
        assert!(code(wrong).starts_with("INVALID_"));
        // Another kind's key is not this kind's key.
        let other = &keys[(i + 1) % 3].text;
        assert!(check_key(&headers(&[(header, other)]), kind, &p, all).is_err());
    }
    assert_eq!(
        code(check_key(&headers(&[]), AccessType::Client, &p, all)),
        "PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT"
    );
    assert_eq!(
        code(check_key(&headers(&[]), AccessType::Server, &p, all)),
        "SERVER_AUTHENTICATION_REQUIRED"
    );
    assert_eq!(
        code(check_key(&headers(&[]), AccessType::Admin, &p, all)),
        "ADMIN_AUTHENTICATION_REQUIRED"
    );
}

#[test]
fn keyless_client_access_when_the_project_allows_it() {
    let (p, _) = project(false);
    assert!(check_key(&headers(&[]), AccessType::Client, &p, &AccessType::ALL).is_ok());
    // A wrong key is still wrong.
    let h = headers(&[("x-stack-publishable-client-key", "nope")]);
    assert_eq!(
        code(check_key(&h, AccessType::Client, &p, &AccessType::ALL)),
        "INVALID_PUBLISHABLE_CLIENT_KEY"
    );
}

#[test]
fn insufficient_access_type_comes_after_the_key() {
    let (p, keys) = project(true);
    let server_only = [AccessType::Server, AccessType::Admin];
    let h = headers(&[("x-stack-publishable-client-key", &keys[0].text)]);
    let e = check_key(&h, AccessType::Client, &p, &server_only).expect_err("insufficient");
    assert_eq!(e.known_code(), Some("INSUFFICIENT_ACCESS_TYPE"));
    assert!(e.message().contains("'server' or 'admin'"));
    let h = headers(&[("x-stack-publishable-client-key", "wrong")]);
    assert_eq!(
        code(check_key(&h, AccessType::Client, &p, &server_only)),
        "INVALID_PUBLISHABLE_CLIENT_KEY"
    );
}

#[test]
fn implausible_project_ids_are_not_looked_up() {
    assert!(is_plausible_project_id("internal"));
    assert!(is_plausible_project_id(
        "6f1c3b0e-1f1a-4c53-9d0a-4f4b1c1b1a10"
    ));
    assert!(!is_plausible_project_id(""));
    assert!(!is_plausible_project_id(&"a".repeat(129)));
    assert!(!is_plausible_project_id("a b"));
    assert!(!is_plausible_project_id("ü"));
}

#[test]
fn hexclave_prefix_wins_over_stack() {
    let mut h = HeaderMap::new();
    h.insert("x-stack-project-id", "a".parse().expect("valid"));
    assert_eq!(stack_header(&h, &PROJECT_ID).as_deref(), Some("a"));
    h.insert("X-Hexclave-Project-Id", "b".parse().expect("valid"));
    assert_eq!(stack_header(&h, &PROJECT_ID).as_deref(), Some("b"));
    assert_eq!(stack_header(&h, &ACCESS_TYPE), None);
}

#[test]
fn empty_values_are_absent() {
    let mut h = HeaderMap::new();
    h.insert("x-hexclave-access-type", "".parse().expect("valid"));
    h.insert("x-stack-access-type", "client".parse().expect("valid"));
    assert_eq!(stack_header(&h, &ACCESS_TYPE).as_deref(), Some("client"));
}
