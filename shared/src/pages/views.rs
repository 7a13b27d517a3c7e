//! What the page shows: askama templates (`shared/templates/`, checked at
//! compile time, every value HTML-escaped), and the headers every page
//! answer carries (api.md §10): a CSP whose only style is this answer's
//! nonce and that allows no script, frame or other origin; `no-referrer`
//! (the login code is in the URL), `nosniff`, `no-store`.

use askama::Template;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use crate::clock::Millis;
use crate::secret::random_token;

/// What every page has: its style's nonce, and who is signed in.
pub(super) struct Chrome {
    pub nonce: String,
    pub signed_in: Option<SignedInAs>,
}

impl Chrome {
    pub fn new(signed_in: Option<SignedInAs>) -> Self {
        Self {
            nonce: random_token(16),
            signed_in,
        }
    }
}

/// The footer's "Signed in as …" with its sign-out form.
pub(super) struct SignedInAs {
    pub name: String,
    pub csrf_token: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub(super) struct ConfirmView {
    pub chrome: Chrome,
    pub user_code: String,
    /// The code letter by letter, for screen readers.
    pub user_code_spoken: String,
    pub warning: Option<Warning>,
    pub blocked: bool,
    pub client_name: Option<String>,
    pub hostname: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub started: String,
    pub started_iso: String,
    pub expires: String,
    pub expires_iso: String,
    pub person: String,
    pub csrf_token: String,
    pub login_code: String,
}

/// The proximity warning's two addresses.
pub(super) struct Warning {
    pub cli: String,
    pub browser: String,
}

#[derive(Template)]
#[template(path = "enter_code.html")]
pub(super) struct EnterCodeView {
    pub chrome: Chrome,
    pub csrf_token: String,
    pub typed: String,
    pub error: Option<String>,
}

/// An agent asking for a session (api.md §9), as a person approves it.
#[derive(Template)]
#[template(path = "agent_confirm.html")]
pub(super) struct AgentConfirmView {
    pub chrome: Chrome,
    pub name: String,
    pub description: Option<String>,
    pub url: Option<String>,
    pub user_hint: Option<String>,
    pub claim_code: String,
    /// The code character by character, for screen readers.
    pub claim_code_spoken: String,
    pub expires: String,
    pub expires_iso: String,
    pub person: String,
    pub csrf_token: String,
}

#[derive(Template)]
#[template(path = "enter_claim_code.html")]
pub(super) struct EnterClaimCodeView {
    pub chrome: Chrome,
    pub typed: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "dev_sign_in.html")]
pub(super) struct DevSignInView {
    pub chrome: Chrome,
    pub return_to: String,
    pub email: String,
    pub display_name: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub(super) struct MessageView {
    pub chrome: Chrome,
    pub title: &'static str,
    pub body: String,
    /// Announced at once (a failure).
    pub alert: bool,
    pub next: Option<Link>,
}

pub(super) struct Link {
    pub href: &'static str,
    pub text: &'static str,
}

/// Renders `view` as an HTML answer with the page's headers.
pub(super) fn html<T: Template>(status: StatusCode, view: &T, nonce: &str) -> Response<Bytes> {
    let body = match view.render() {
        Ok(body) => body,
        // Rendering writes to a String and can fail only in a value's
        // Display; none of ours fails. Still never a panic.
        Err(_) => {
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page failed to render.",
            );
        }
    };
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    secure_headers(headers);
    response
}

/// A message page.
pub(super) fn message(
    status: StatusCode,
    chrome: Chrome,
    title: &'static str,
    body: impl Into<String>,
    next: Option<Link>,
) -> Response<Bytes> {
    let nonce = chrome.nonce.clone();
    let view = MessageView {
        chrome,
        title,
        body: body.into(),
        alert: status.is_client_error() || status.is_server_error(),
        next,
    };
    html(status, &view, &nonce)
}

/// A redirect (303: the browser follows with a GET).
pub(super) fn see_other(location: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    secure_headers(response.headers_mut());
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from_static(text.as_bytes()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    secure_headers(response.headers_mut());
    response
}

fn secure_headers(headers: &mut http::HeaderMap) {
    for (name, value) in [
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// A code character by character ("K 7 P Q 3 X W M"), for screen readers.
pub(super) fn spoken(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ")
}

/// "3 minutes ago", "just now".
pub(super) fn ago(now: Millis, at: Millis) -> String {
    match minutes(now - at) {
        0 => "just now".into(),
        n => format!("{n} minute{} ago", plural(n)),
    }
}

/// "in 9 minutes", "in less than a minute".
pub(super) fn from_now(now: Millis, at: Millis) -> String {
    match minutes(at - now) {
        0 => "in less than a minute".into(),
        n if n >= 90 => format!("in about {} hours", (n + 30) / 60),
        n => format!("in {n} minute{}", plural(n)),
    }
}

fn minutes(millis: Millis) -> i64 {
    millis.max(0) / 60_000
}

pub(super) fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
