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
