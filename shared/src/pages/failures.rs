//! The plain pages of what went wrong (api.md §10): a code that cannot be
//! approved, a refused form, a store that did not answer.

use bytes::Bytes;
use http::{Response, StatusCode};

use super::views::{self, Chrome, Link, plural};
use super::{CONFIRM_PATH, SignedIn, chrome};
use crate::domain::login_attempt::{AttemptState, Refusal};

pub(super) const START_AGAIN: Link = Link {
    href: CONFIRM_PATH,
    text: "Enter a code from your terminal",
};

/// The page for a code that cannot be approved, saying why: unknown
/// (`None`), expired, used, denied or cancelled.
pub(super) fn unusable(signed_in: &SignedIn, state: Option<AttemptState>) -> Response<Bytes> {
    let again = "Run the login in your terminal again to get a new link.";
    let (status, title, body) = match state {
        None | Some(AttemptState::Pending) => (
            StatusCode::NOT_FOUND,
            "This login link is not valid",
            format!("No login is waiting under this link. {again}"),
        ),
        Some(AttemptState::Expired) => (
            StatusCode::GONE,
            "This login has expired",
            format!("It waited too long for approval. {again}"),
        ),
        Some(AttemptState::Used | AttemptState::Completed) => (
            StatusCode::GONE,
            "This login was already approved",
            "A login link works once. If that was not you, sign out of the tool's sessions."
                .to_owned(),
        ),
        Some(AttemptState::Refused(Refusal::Denied)) => (
            StatusCode::GONE,
            "This login was denied",
            format!("Nothing was signed in. {again}"),
        ),
        Some(AttemptState::Refused(Refusal::Cancelled)) => (
            StatusCode::GONE,
            "This login was cancelled",
            format!("The command-line tool gave up waiting. {again}"),
        ),
    };
    views::message(
        status,
        chrome(Some(signed_in)),
        title,
        body,
        Some(START_AGAIN),
    )
}

/// A form refused (403): no CSRF token, another origin, no sign-in.
pub(super) fn refused(body: &'static str) -> Response<Bytes> {
    views::message(
        StatusCode::FORBIDDEN,
        Chrome::new(None),
        "This request was refused",
        body,
        None,
    )
}

/// The store did not answer: 503, nothing done.
pub(super) fn store_unavailable(signed_in: Option<&SignedIn>) -> Response<Bytes> {
    let mut answer = views::message(
        StatusCode::SERVICE_UNAVAILABLE,
        chrome(signed_in),
        "Try again in a moment",
        "The service could not reach its store. Nothing was changed.",
        None,
    );
    answer.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("5"),
    );
    answer
}

/// A code form again, 429, after too many codes that did not match: saying
/// when to try again, and in `Retry-After`. `form` draws the form with the
/// status and the error.
pub(super) fn too_many_guesses(
    retry_after_seconds: u64,
    form: impl FnOnce(StatusCode, String) -> Response<Bytes>,
) -> Response<Bytes> {
    let minutes = retry_after_seconds.div_ceil(60);
    let mut answer = form(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "Too many codes that did not match. Try again in {minutes} minute{}.",
            plural(i64::try_from(minutes).unwrap_or(i64::MAX))
        ),
    );
    if let Ok(v) = http::HeaderValue::from_str(&retry_after_seconds.to_string()) {
        answer.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
    answer
}
