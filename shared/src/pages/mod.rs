//! The hosted confirm page (api.md §10): where a person signs in with the
//! team's OpenID provider and approves or denies a CLI login. Server-side
//! HTML that works without JavaScript, served by one Lambda function per
//! route ([`ROUTES`]) and by the dev server alike, on the same [`App`].
//!
//! - [`confirm`]: the page (`GET`) and its forms (`POST`: approve, deny,
//!   the short code, the dev sign-in); [`short_code`]: the code typed on
//!   the page; [`failures`]: the plain pages of what went wrong;
//! - [`agent_confirm`]: the same for AI agents (api.md §9), by claim code;
//! - [`sign_in_flow`]: the round trip to the provider and back, sign-out;
//! - [`oidc`]: the relying party; [`cookies`]: the page's cookies and its
//!   origin check; [`views`]: templates and headers.

mod agent_confirm;
mod confirm;
mod cookies;
mod failures;
pub mod oidc;
mod short_code;
mod sign_in_flow;
mod views;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};

use crate::api::App;
use crate::api::context::SourceIp;
use crate::clock::Millis;
use crate::config::{HostedSettings, OidcSecret};
use crate::domain::accounts::DEFAULT_SESSION_MILLIS;
use crate::domain::hosted_page::sign_in::BrowserSignIn;
use crate::domain::user::User;
use crate::secret::SealingKey;
use oidc::OidcSignIn;
use views::{Chrome, SignedInAs};

pub const CONFIRM_PATH: &str = "/handler/cli-auth-confirm";
pub const CALLBACK_PATH: &str = "/handler/oidc/callback";
pub const SIGN_OUT_PATH: &str = "/handler/sign-out";
pub const AGENT_CONFIRM_PATH: &str = "/handler/agent-auth-confirm";

/// One route of the page and the Lambda function that serves it.
#[derive(Debug, PartialEq, Eq)]
pub struct PageRoute {
    pub method: Method,
    pub path: &'static str,
    pub function: &'static str,
}

/// Every route of the page, one function each (as every endpoint).
pub static ROUTES: [PageRoute; 6] = [
    PageRoute {
        method: Method::GET,
        path: CONFIRM_PATH,
        function: "hosted-confirm",
    },
    PageRoute {
        method: Method::POST,
        path: CONFIRM_PATH,
        function: "hosted-confirm-post",
    },
    PageRoute {
        method: Method::GET,
        path: CALLBACK_PATH,
        function: "hosted-oidc-callback",
    },
    PageRoute {
        method: Method::POST,
        path: SIGN_OUT_PATH,
        function: "hosted-sign-out",
    },
    PageRoute {
        method: Method::GET,
        path: AGENT_CONFIRM_PATH,
        function: "hosted-agent-confirm",
    },
    PageRoute {
        method: Method::POST,
        path: AGENT_CONFIRM_PATH,
        function: "hosted-agent-confirm-post",
    },
];

/// The page route a Lambda function serves, by its function name.
pub fn route_by_function(name: &str) -> Option<&'static PageRoute> {
    ROUTES.iter().find(|r| r.function == name)
}

/// How people sign in to the page.
#[derive(Debug)]
pub enum SignInMethod {
    /// The team's OpenID provider (`CLI_AUTH_OIDC_ISSUER`).
    OpenIdConnect(Box<OidcSignIn>),
    /// The dev server without a provider: the email a person types is
    /// trusted. Never in a deployed stack.
    Dev,
    /// A deployed stack without a provider: the page says what to set.
    Unconfigured,
}

impl SignInMethod {
    /// The method the settings name: the provider, when one is configured
    /// (its client secret read from Secrets Manager through `sdk`, or the
    /// environment); otherwise `without_provider` (the dev server's
    /// [`SignInMethod::Dev`], a function's [`SignInMethod::Unconfigured`]).
    pub async fn from_settings(
        settings: &HostedSettings,
        sdk: Option<&aws_config::SdkConfig>,
        without_provider: SignInMethod,
    ) -> Result<Self, String> {
        let Some(oidc) = &settings.oidc else {
            return Ok(without_provider);
        };
        let client_secret = match &oidc.client_secret {
            OidcSecret::None => None,
            OidcSecret::Environment(secret) => Some(secret.clone()),
            OidcSecret::SecretsManager(id) => {
                let client = match sdk {
                    Some(sdk) => aws_sdk_secretsmanager::Client::new(sdk),
                    None => {
                        aws_sdk_secretsmanager::Client::new(&crate::aws::config_from_env().await)
                    }
                };
                Some(
                    crate::server_secret::current_string(&client, id)
                        .await
                        .map_err(|e| e.to_string())?,
                )
            }
        };
        OidcSignIn::new(oidc::OidcConfig {
            issuer: oidc.issuer.clone(),
            client_id: oidc.client_id.clone(),
            client_secret,
            allowed_domains: oidc.allowed_domains.clone(),
        })
        .map(|oidc| SignInMethod::OpenIdConnect(Box::new(oidc)))
        .map_err(|e| e.to_string())
    }
}

/// The page, built once per process.
pub struct HostedPage {
    app: Arc<App>,
    project_id: String,
    sign_in: SignInMethod,
    /// The cookies' keys, derived from the server secrets (the signing
    /// secret's seals, each opens).
    cookie_keys: Vec<SealingKey>,
    /// The lifetime of a session Approve mints for a CLI.
    session_millis: Millis,
}

/// The purpose the cookies' keys are derived for.
const COOKIE_KEYS: &str = "hosted-page/cookies";

impl HostedPage {
    /// The page of `project_id` (`CLI_AUTH_HOSTED_PROJECT_ID`).
    pub fn new(app: Arc<App>, project_id: String, sign_in: SignInMethod) -> Self {
        let cookie_keys = app.tokens().derived_keys(COOKIE_KEYS);
        Self {
            app,
            project_id,
            sign_in,
            cookie_keys,
            session_millis: DEFAULT_SESSION_MILLIS,
        }
    }

    /// Answers a request to any route of the page; `None` for other paths.
    pub async fn handle(&self, request: &Request<Bytes>) -> Option<Response<Bytes>> {
        let path = request.uri().path();
        if !ROUTES.iter().any(|r| r.path == path) {
            return None;
        }
        let method = request.method();
        let head = method == Method::HEAD;
        let route = ROUTES.iter().position(|r| {
            r.path == path && (r.method == method || (head && r.method == Method::GET))
        });
        Some(match route.and_then(|i| ROUTES.get(i)) {
            Some(route) => self.serve(route, request).await,
            None => method_not_allowed(path),
        })
    }

    /// Answers `route` (the one route a Lambda function serves).
    pub async fn serve(&self, route: &PageRoute, request: &Request<Bytes>) -> Response<Bytes> {
        let page = PageRequest::new(&self.app, request);
        let method = request.method();
        if method != route.method && !(method == Method::HEAD && route.method == Method::GET) {
            return method_not_allowed(route.path);
        }
        match (route.path, &route.method) {
            (CONFIRM_PATH, &Method::GET) => self.confirm_page(&page).await,
            (CONFIRM_PATH, _) => self.confirm_form(&page).await,
            (CALLBACK_PATH, _) => self.callback(&page).await,
            (AGENT_CONFIRM_PATH, &Method::GET) => self.agent_page(&page).await,
            (AGENT_CONFIRM_PATH, _) => self.agent_form(&page).await,
            _ => self.sign_out(&page),
        }
    }

    /// The person signed in to this browser, if its cookie opens, is of
    /// this project's users, and they still exist.
    async fn signed_in(
        &self,
        page: &PageRequest<'_>,
    ) -> Result<Option<(BrowserSignIn, User)>, crate::domain::store::StoreError> {
        let Some(cookie) = cookies::Jar::SignIn.read(page.request.headers(), page.secure) else {
            return Ok(None);
        };
        let Some(sign_in) = BrowserSignIn::open(&self.cookie_keys, &cookie, page.now) else {
            return Ok(None);
        };
        let user = self
            .app
            .store()
            .user(&sign_in.user_id)
            .await?
            .filter(|u| u.project_id == self.project_id);
        Ok(user.map(|u| (sign_in, u)))
    }

    fn sealing_key(&self) -> Option<&SealingKey> {
        self.cookie_keys.first()
    }
}

/// A signed-in browser: its sign-in, and the user it is.
type SignedIn = (BrowserSignIn, User);

/// What every page handler reads of its request.
struct PageRequest<'a> {
    request: &'a Request<Bytes>,
    now: Millis,
    /// `scheme://host[:port]` as the browser sees this service.
    origin: String,
    /// Over https: `__Host-` cookies, `Secure`.
    secure: bool,
    source_ip: Option<&'a str>,
}

impl<'a> PageRequest<'a> {
    fn new(app: &App, request: &'a Request<Bytes>) -> Self {
        let base = app.base_url(request);
        let origin = base
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| Some(format!("{}://{}", u.scheme_str()?, u.authority()?)))
            .unwrap_or(base);
        Self {
            request,
            now: app.now(),
            secure: origin.starts_with("https://"),
            origin,
            source_ip: request
                .extensions()
                .get::<SourceIp>()
                .map(|ip| ip.0.as_str()),
        }
    }

    /// The provider's redirect back: `<origin>/handler/oidc/callback`.
    fn redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.origin)
    }

    fn query(&self, name: &str) -> Option<String> {
        let query = self.request.uri().query()?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The form's fields (`application/x-www-form-urlencoded`); the first
    /// of each name.
    fn form(&self) -> Form {
        Form(
            form_urlencoded::parse(self.request.body())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The path and query of this request (where a sign-in returns to).
    fn path_and_query(&self) -> String {
        self.request
            .uri()
            .path_and_query()
            .map_or_else(|| CONFIRM_PATH.to_owned(), |p| p.as_str().to_owned())
    }
}

struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The chrome of a page for a signed-in person (or none).
fn chrome(signed_in: Option<&(BrowserSignIn, User)>) -> Chrome {
    Chrome::new(signed_in.map(|(sign_in, user)| SignedInAs {
        name: person_name(user),
        csrf_token: sign_in.csrf_token().to_owned(),
    }))
}

/// How the page names a person: email, else display name, else id.
fn person_name(user: &User) -> String {
    user.primary_email
        .clone()
        .or_else(|| user.display_name.clone())
        .unwrap_or_else(|| user.id.clone())
}

/// Whether the dev sign-in takes `text` as an email (the dev server's
/// JSON sign-in asks the same).
pub fn looks_like_email(text: &str) -> bool {
    text.split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !text.chars().any(char::is_whitespace)
}

fn method_not_allowed(path: &str) -> Response<Bytes> {
    let allow = ROUTES
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.method.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut response = views::message(
        StatusCode::METHOD_NOT_ALLOWED,
        Chrome::new(None),
        "Method not allowed",
        format!("This page answers {allow}."),
        None,
    );
    if let Ok(allow) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// Adds `Set-Cookie` headers to an answer.
fn with_cookies(
    mut response: Response<Bytes>,
    cookies: impl IntoIterator<Item = Option<HeaderValue>>,
) -> Response<Bytes> {
    for cookie in cookies.into_iter().flatten() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
#[path = "tests/pages.rs"]
mod tests;
