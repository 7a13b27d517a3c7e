//! The page's two cookies (api.md §10): the browser's sign-in (12 h) and
//! the OpenID Connect round trip under way (10 min). Both `HttpOnly`,
//! `SameSite=Lax` (the provider's redirect back is a top-level GET, which
//! carries Lax cookies), `Path=/`; over https named with the `__Host-`
//! prefix and `Secure`, over loopback http the same without them.

use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue, header};

use crate::clock::Millis;
use crate::domain::hosted_page::sign_in::{PENDING_SIGN_IN_MILLIS, SIGN_IN_MILLIS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Jar {
    SignIn,
    Pending,
}

impl Jar {
    fn name(self, secure: bool) -> &'static str {
        match (self, secure) {
            (Jar::SignIn, true) => "__Host-cli-auth-sign-in",
            (Jar::SignIn, false) => "cli-auth-sign-in",
            (Jar::Pending, true) => "__Host-cli-auth-pending",
            (Jar::Pending, false) => "cli-auth-pending",
        }
    }

    fn lifetime_millis(self) -> Millis {
        match self {
            Jar::SignIn => SIGN_IN_MILLIS,
            Jar::Pending => PENDING_SIGN_IN_MILLIS,
        }
    }

    /// The cookie's value in a request, if it carries one.
    pub(super) fn read(self, headers: &HeaderMap, secure: bool) -> Option<String> {
        let name = self.name(secure);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }

    /// `Set-Cookie` for `value`, for the jar's whole lifetime.
    pub(super) fn set(self, value: String, secure: bool) -> Option<HeaderValue> {
        let seconds = self.lifetime_millis() / 1000;
        self.header(value, cookie::time::Duration::seconds(seconds), secure)
    }

    /// `Set-Cookie` that removes the cookie.
    pub(super) fn clear(self, secure: bool) -> Option<HeaderValue> {
        self.header(String::new(), cookie::time::Duration::ZERO, secure)
    }

    fn header(
        self,
        value: String,
        max_age: cookie::time::Duration,
        secure: bool,
    ) -> Option<HeaderValue> {
        let cookie = Cookie::build((self.name(secure), value))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .secure(secure)
            .max_age(max_age)
            .build();
        HeaderValue::from_str(&cookie.to_string()).ok()
    }
}

/// Whether a POST is the page's own (api.md §10): no other origin, by
/// `Origin` and `Sec-Fetch-Site`. Under `Referrer-Policy: no-referrer`
/// Chromium sends the page's own form POST with `Origin: null` and
/// `Sec-Fetch-Site: same-origin`: that pair is the page's own; `null` with
/// anything else is not. A request with neither header (curl, an old
/// browser) still needs the CSRF token.
pub(super) fn from_own_origin(headers: &HeaderMap, own_origin: &str) -> bool {
    let get = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let site = get("sec-fetch-site");
    let same_site = site.is_none_or(|s| s == "same-origin");
    match get(header::ORIGIN.as_str()) {
        Some("null") => site == Some("same-origin"),
        Some(origin) => same_site && origin.eq_ignore_ascii_case(own_origin),
        None => same_site,
    }
}

#[cfg(test)]
#[path = "tests/cookies.rs"]
mod tests;
