//! Signing a browser in to the page, and out: the round trip to the
//! team's OpenID provider (`state`, `nonce` and the PKCE verifier in a
//! sealed 10-minute cookie; `GET /handler/oidc/callback` back), the dev
//! sign-in of the dev server without a provider, `POST /handler/sign-out`.

use bytes::Bytes;
use http::{Response, StatusCode};

use super::cookies::{self, Jar};
use super::failures::{refused, store_unavailable};
use super::oidc::OidcError;
use super::views::{self, Chrome, DevSignInView, Link};
use super::{
    CONFIRM_PATH, Form, HostedPage, PageRequest, SignInMethod, looks_like_email, with_cookies,
};
use crate::domain::accounts::{AccountError, ProviderPerson, user_of_person};
use crate::domain::hosted_page::sign_in::{BrowserSignIn, PendingSignIn};
use crate::domain::user::Identity;

/// The dev sign-in's issuer: dev users are identities of their own.
const DEV_ISSUER: &str = "cli-auth-dev";
/// Longest email or display name the dev sign-in takes.
const MAX_DEV_FIELD_CHARS: usize = 200;

const START_AGAIN: Link = Link {
    href: CONFIRM_PATH,
    text: "Start again",
};

impl HostedPage {
    /// A browser that is not signed in: to the provider, or the dev form.
    pub(super) async fn start_sign_in(
        &self,
        page: &PageRequest<'_>,
        return_to: &str,
    ) -> Response<Bytes> {
        match &self.sign_in {
            SignInMethod::OpenIdConnect(oidc) => {
                let pending = PendingSignIn::new(return_to, page.now);
                let url = oidc.authorization_url(&page.redirect_uri(), &pending).await;
                let sealed = self.sealing_key().and_then(|k| pending.seal(k));
                match (url, sealed) {
                    (Ok(url), Some(sealed)) => with_cookies(
                        views::see_other(&url),
                        [Jar::Pending.set(sealed, page.secure)],
                    ),
                    (Err(e), _) => provider_unavailable(&e),
                    (_, None) => store_unavailable(None),
                }
            }
            SignInMethod::Dev => dev_form(StatusCode::OK, return_to, "", "", None),
            SignInMethod::Unconfigured => views::message(
                StatusCode::SERVICE_UNAVAILABLE,
                Chrome::new(None),
                "Sign-in is not set up",
                "This service has no sign-in provider configured (CLI_AUTH_OIDC_ISSUER and \
                 CLI_AUTH_OIDC_CLIENT_ID). Ask whoever runs it to set them.",
                None,
            ),
        }
    }

    /// `GET /handler/oidc/callback`: the provider sends the browser back
    /// with a code (or an error) and the `state` it was given.
    pub(super) async fn callback(&self, page: &PageRequest<'_>) -> Response<Bytes> {
        let clear = Jar::Pending.clear(page.secure);
        let SignInMethod::OpenIdConnect(oidc) = &self.sign_in else {
            return with_cookies(
                views::message(
                    StatusCode::NOT_FOUND,
                    Chrome::new(None),
                    "No sign-in provider",
                    "This service signs nobody in through a provider.",
                    None,
                ),
                [clear],
            );
        };
        let state = page.query("state").unwrap_or_default();
        let pending = Jar::Pending
            .read(page.request.headers(), page.secure)
            .and_then(|c| PendingSignIn::open(&self.cookie_keys, &c, &state, page.now));
        let Some(pending) = pending else {
            return with_cookies(
                views::message(
                    StatusCode::BAD_REQUEST,
                    Chrome::new(None),
                    "This sign-in could not be checked",
                    "The answer from your sign-in provider does not belong to a sign-in started \
                     in this browser in the last 10 minutes. Start again from the link in your \
                     terminal.",
                    Some(START_AGAIN),
                ),
                [clear],
            );
        };
        if let Some(error) = page.query("error") {
            let said = page
                .query("error_description")
                .filter(|d| !d.trim().is_empty())
                .unwrap_or(error);
            let said: String = said.chars().filter(|c| !c.is_control()).take(200).collect();
            return with_cookies(
                views::message(
                    StatusCode::FORBIDDEN,
                    Chrome::new(None),
                    "Your sign-in provider did not sign you in",
                    format!("It said: {said}"),
                    Some(Link {
                        href: CONFIRM_PATH,
                        text: "Try again",
                    }),
                ),
                [clear],
            );
        }
        let Some(code) = page.query("code") else {
            return with_cookies(
                views::message(
                    StatusCode::BAD_REQUEST,
                    Chrome::new(None),
                    "This sign-in could not be checked",
                    "Your sign-in provider sent no code.",
                    Some(START_AGAIN),
                ),
                [clear],
            );
        };
        let person = match oidc
            .person(&page.redirect_uri(), &code, &pending, &self.project_id)
            .await
        {
            Ok(person) => person,
            Err(OidcError::DomainNotAllowed) => {
                tracing::info!("hosted page refused a sign-in: email domain not allowed");
                return with_cookies(
                    views::message(
                        StatusCode::FORBIDDEN,
                        Chrome::new(None),
                        "This account cannot approve logins here",
                        "Only accounts with a verified email of this team's domains can. Sign \
                         in with your work account.",
                        None,
                    ),
                    [clear],
                );
            }
            Err(OidcError::Refused(reason)) => {
                tracing::info!(%reason, "hosted page refused a provider's answer");
                return with_cookies(
                    views::message(
                        StatusCode::FORBIDDEN,
                        Chrome::new(None),
                        "Your sign-in could not be verified",
                        "Your sign-in provider's answer did not check out. Start again.",
                        Some(START_AGAIN),
                    ),
                    [clear],
                );
            }
            Err(e) => return with_cookies(provider_unavailable(&e), [clear]),
        };
        self.signed_in_as(page, &person, &pending.return_to, [clear])
            .await
    }

    /// The dev sign-in's form (the dev server without a provider only).
    pub(super) async fn dev_sign_in(&self, page: &PageRequest<'_>, form: &Form) -> Response<Bytes> {
        if !matches!(self.sign_in, SignInMethod::Dev) {
            return refused("This service does not sign people in by email.");
        }
        let field = |name| form.get(name).map(str::trim).unwrap_or_default();
        let (email, name) = (field("email"), field("display_name"));
        let return_to = form.get("return_to").unwrap_or(CONFIRM_PATH);
        let error = if email.is_empty() {
            Some("Type your email.")
        } else if email.chars().count() > MAX_DEV_FIELD_CHARS
            || name.chars().count() > MAX_DEV_FIELD_CHARS
        {
            Some("Keep the email and display name under 200 characters.")
        } else if !looks_like_email(email) {
            Some("That does not look like an email address.")
        } else {
            None
        };
        if let Some(error) = error {
            return dev_form(StatusCode::BAD_REQUEST, return_to, email, name, Some(error));
        }
        let person = ProviderPerson {
            identity: Identity {
                project_id: self.project_id.clone(),
                issuer: DEV_ISSUER.to_owned(),
                subject: email.to_lowercase(),
            },
            verified_email: Some(email.to_owned()),
            name: Some(name.to_owned()).filter(|n| !n.is_empty()),
        };
        self.signed_in_as(page, &person, return_to, []).await
    }

    /// Signs the browser in as the user `person` is (created on their first
    /// sign-in), and sends it back to `return_to`.
    async fn signed_in_as(
        &self,
        page: &PageRequest<'_>,
        person: &ProviderPerson,
        return_to: &str,
        more_cookies: impl IntoIterator<Item = Option<http::HeaderValue>>,
    ) -> Response<Bytes> {
        let user = match user_of_person(self.app.store(), person, page.now).await {
            Ok(user) => user,
            Err(AccountError::UserNotFound) => {
                return views::message(
                    StatusCode::FORBIDDEN,
                    Chrome::new(None),
                    "This account was deleted",
                    "Its user was deleted from this service, so it cannot approve logins.",
                    None,
                );
            }
            Err(_) => return store_unavailable(None),
        };
        let sign_in = BrowserSignIn::new(&user.id, page.now);
        let Some(sealed) = self.sealing_key().and_then(|k| sign_in.seal(k)) else {
            return store_unavailable(None);
        };
        tracing::info!(user_id = %user.id, "hosted page signed a person in");
        let cookies = more_cookies
            .into_iter()
            .chain([Jar::SignIn.set(sealed, page.secure)]);
        with_cookies(views::see_other(safe_return(return_to)), cookies)
    }

    /// `POST /handler/sign-out`: ends the browser's sign-in.
    pub(super) fn sign_out(&self, page: &PageRequest<'_>) -> Response<Bytes> {
        if !cookies::from_own_origin(page.request.headers(), &page.origin) {
            return refused("This form can only be sent from this page.");
        }
        let form = page.form();
        let sign_in = Jar::SignIn
            .read(page.request.headers(), page.secure)
            .and_then(|c| BrowserSignIn::open(&self.cookie_keys, &c, page.now));
        if let Some(sign_in) = &sign_in
            && !form.get("csrf_token").is_some_and(|t| sign_in.accepts(t))
        {
            return refused("This form is out of date. Reload the page and try again.");
        }
        with_cookies(
            views::message(
                StatusCode::OK,
                Chrome::new(None),
                "Signed out",
                "This browser is no longer signed in here. Sessions of command-line tools you \
                 approved stay signed in: end them with `cli-auth sessions revoke`.",
                None,
            ),
            [Jar::SignIn.clear(page.secure)],
        )
    }
}

/// The provider did not answer: 503, nothing done.
fn provider_unavailable(e: &OidcError) -> Response<Bytes> {
    tracing::warn!(error = %e, "hosted page could not reach the sign-in provider");
    let mut answer = views::message(
        StatusCode::SERVICE_UNAVAILABLE,
        Chrome::new(None),
        "Your sign-in provider cannot be reached",
        "Nothing was changed. Try again in a moment.",
        Some(START_AGAIN),
    );
    answer.headers_mut().insert(
        http::header::RETRY_AFTER,
        http::HeaderValue::from_static("5"),
    );
    answer
}

fn dev_form(
    status: StatusCode,
    return_to: &str,
    email: &str,
    display_name: &str,
    error: Option<&str>,
) -> Response<Bytes> {
    let chrome = Chrome::new(None);
    let nonce = chrome.nonce.clone();
    let view = DevSignInView {
        chrome,
        return_to: safe_return(return_to).to_owned(),
        email: email.to_owned(),
        display_name: display_name.to_owned(),
        error: error.map(str::to_owned),
    };
    views::html(status, &view, &nonce)
}

/// Only a page of this service is returned to: never another site (an
/// open redirect), whatever a form or a cookie says.
fn safe_return(path: &str) -> &str {
    let own = path.starts_with("/handler/")
        && !path.starts_with("//")
        && !path.contains(['\\', '\r', '\n']);
    if own { path } else { CONFIRM_PATH }
}
