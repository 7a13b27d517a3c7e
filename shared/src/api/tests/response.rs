//! Unit tests of `api/response.rs`.

use super::*;
use crate::api::errors::KnownError;
use crate::domain::store::StoreError;

#[test]
fn known_errors_get_json_and_both_headers() {
    let r = error(&KnownError::InvalidPollingCode.into());
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()[header::CONTENT_TYPE], JSON);
    assert_eq!(r.headers()["x-stack-known-error"], "INVALID_POLLING_CODE");
    assert_eq!(
        r.headers()["x-hexclave-known-error"],
        "INVALID_POLLING_CODE"
    );
}

#[test]
fn plain_errors_are_text() {
    let r = error(&ApiError::bad_request("Invalid refresh token"));
    assert_eq!(r.headers()[header::CONTENT_TYPE], TEXT);
    assert_eq!(r.body().as_ref(), b"Invalid refresh token");
    assert!(!r.headers().contains_key("x-stack-known-error"));
}

#[test]
fn override_turns_4xx_into_200_only() {
    let r = finish(error(&ApiError::bad_request("x")), "rid", true);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-stack-actual-status"], "400");
    assert_eq!(r.headers()["x-stack-request-id"], "rid");
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store, max-age=0");
    let unavailable = ApiError::Store(StoreError::Unavailable("x".into()));
    let r = finish(error(&unavailable), "rid", true);
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(!r.headers().contains_key("x-stack-actual-status"));
    let ok = finish(
        json(StatusCode::CREATED, &serde_json::json!({})),
        "rid",
        true,
    );
    assert_eq!(ok.status(), StatusCode::CREATED);
}

#[test]
fn cors_allows_every_header_either_sdk_sends() {
    let allowed: Vec<&str> = CORS_ALLOW_HEADERS.split(", ").collect();
    let mut wanted: Vec<String> = [
        "content-type",
        "authorization",
        "ngrok-skip-browser-warning",
        "baggage",
        "sentry-trace",
    ]
    .map(str::to_owned)
    .to_vec();
    for prefix in ["x-stack-", "x-hexclave-"] {
        for name in [
            "project-id",
            "access-type",
            "publishable-client-key",
            "secret-server-key",
            "super-secret-admin-key",
            "access-token",
            "refresh-token",
            "admin-access-token",
            "allow-anonymous-user",
            "override-error-status",
            "random-nonce",
            "client-version",
            "branch-id",
        ] {
            wanted.push(format!("{prefix}{name}"));
        }
    }
    for header in &wanted {
        assert!(allowed.contains(&header.as_str()), "{header} allowed");
    }
    let exposed: Vec<&str> = CORS_EXPOSE_HEADERS.split(", ").collect();
    for prefix in ["x-stack-", "x-hexclave-"] {
        for name in ["actual-status", "known-error", "request-id"] {
            assert!(
                exposed.contains(&format!("{prefix}{name}").as_str()),
                "{prefix}{name}"
            );
        }
    }
}

#[test]
fn either_override_header_asks_for_200() {
    for name in [
        "x-stack-override-error-status",
        "x-hexclave-override-error-status",
    ] {
        let mut headers = http::HeaderMap::new();
        headers.insert(name, "1".parse().expect("value"));
        assert!(wants_error_status_override(&headers), "{name}");
    }
    assert!(!wants_error_status_override(&http::HeaderMap::new()));
}
