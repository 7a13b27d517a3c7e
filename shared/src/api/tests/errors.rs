//! Unit tests of `api/errors.rs`.

use super::*;

#[test]
fn known_errors_carry_code_message_and_details() {
    let e = ApiError::from(KnownError::CurrentProjectNotFound("p1".into()));
    assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    let body = e.known_body().expect("known");
    assert_eq!(body["code"], "CURRENT_PROJECT_NOT_FOUND");
    assert_eq!(body["details"]["project_id"], "p1");
    assert!(body["error"].as_str().is_some_and(|m| m.contains("p1")));
}

#[test]
fn errors_without_details_have_no_details_field() {
    let body = ApiError::from(KnownError::InvalidPollingCode)
        .known_body()
        .expect("known");
    assert_eq!(
        body,
        json!({"code": "INVALID_POLLING_CODE", "error": "The polling code is invalid or does not exist."})
    );
}

#[test]
fn store_faults_never_show_their_text() {
    let e = ApiError::from(StoreError::Unavailable(
        "dispatch failure: arn:aws:dynamodb:secret-internals".into(),
    ));
    assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = e.known_body().expect("known").to_string();
    assert!(!body.contains("arn:aws"));
    assert!(body.contains("STORE_UNAVAILABLE"));
}

#[test]
fn plain_errors_have_no_known_body() {
    let e = ApiError::bad_request("Invalid login code or the code has expired");
    assert!(e.known_body().is_none());
    assert_eq!(e.message(), "Invalid login code or the code has expired");
}
