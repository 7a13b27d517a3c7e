//! A browser for the hosted page's tests (api.md §10): cookies kept as a
//! browser keeps them, an address, form POSTs as Chromium sends the page's
//! own, each request recorded as the Lambda function of its route (the IAM
//! test holds the page's functions to what they did).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cli_auth_core::api::context::SourceIp;
use cli_auth_core::domain::store::Store;
use cli_auth_core::pages::{HostedPage, ROUTES, SignInMethod};
use http::{Method, Request, StatusCode, header};

use crate::{Resp, TestApp};

/// The address the tests' CLIs start attempts from.
pub const CLI_IP: &str = "203.0.113.7";

/// A browser: its cookies, its address.
pub struct Browser<'a> {
    page: &'a HostedPage,
    pub cookies: HashMap<String, String>,
    ip: &'static str,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub html: String,
}

impl Answer {
    pub fn has(&self, text: &str) -> bool {
        self.html.contains(text)
    }

    /// The value of the first hidden field `name`.
    pub fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.html.find(&marker).expect(name) + marker.len();
        self.html[start..].split('"').next().unwrap().to_owned()
    }

    pub fn location(&self) -> String {
        self.headers[header::LOCATION].to_str().unwrap().to_owned()
    }
}

impl<'a> Browser<'a> {
    pub fn new(page: &'a HostedPage, ip: &'static str) -> Self {
        Self {
            page,
            cookies: HashMap::new(),
            ip,
        }
    }

    pub async fn send(
        &mut self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(header::HOST, "auth.test");
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        // What the IAM test holds each function to. The dev sign-in is the
        // dev server's only, and does to the store exactly what the OIDC
        // callback does after the provider (the person's user, made once):
        // recorded as the callback's.
        let path = uri.split('?').next().unwrap_or_default();
        let function = if body.contains("action=dev-sign-in") {
            "hosted-oidc-callback"
        } else {
            ROUTES
                .iter()
                .find(|r| r.path == path && r.method == method)
                .map_or("", |r| r.function)
        };
        let mut request = request.body(Bytes::from(body)).unwrap();
        request
            .extensions_mut()
            .insert(SourceIp(self.ip.to_owned()));
        let response = crate::iam::FUNCTION
            .scope(function, self.page.handle(&request))
            .await
            .expect("a page route");
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            html: String::from_utf8(response.body().to_vec()).unwrap(),
        }
    }

    pub async fn get(&mut self, uri: &str) -> Answer {
        self.send(Method::GET, uri, &[], String::new()).await
    }

    /// A form POST as Chromium sends the page's own under no-referrer.
    pub async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let headers = [("origin", "null"), ("sec-fetch-site", "same-origin")];
        self.post_with(uri, fields, &headers).await
    }

    pub async fn post_with(
        &mut self,
        uri: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        self.send(Method::POST, uri, &all, body).await
    }

    pub async fn sign_in(&mut self, email: &str) {
        let a = self
            .post(
                "/handler/cli-auth-confirm",
                &[
                    ("action", "dev-sign-in"),
                    ("email", email),
                    ("return_to", "/handler/cli-auth-confirm"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.html);
    }

    /// The confirm page of `login_code`.
    pub async fn confirm(&mut self, login_code: &str) -> Answer {
        self.get(&confirm_uri(login_code)).await
    }

    /// Presses `action` (approve, deny) on the page of `login_code`.
    pub async fn press(&mut self, login_code: &str, action: &str) -> Answer {
        let page = self.confirm(login_code).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        let csrf = page.field("csrf_token");
        self.act(login_code, &csrf, action).await
    }

    /// Sends the page's form for `action` on `login_code` with `csrf`.
    pub async fn act(&mut self, login_code: &str, csrf: &str, action: &str) -> Answer {
        self.post(
            "/handler/cli-auth-confirm",
            &[
                ("csrf_token", csrf),
                ("login_code", login_code),
                ("action", action),
            ],
        )
        .await
    }
}

pub fn confirm_uri(login_code: &str) -> String {
    format!("/handler/cli-auth-confirm?login_code={login_code}")
}

/// The page over `e`'s store and clock, as a function that just started
/// runs it: no project cached (so the IAM record sees every read).
pub fn page_of(e: &TestApp, sign_in: SignInMethod) -> HostedPage {
    page_on(e, Arc::clone(&e.store), sign_in)
}

pub fn page_on(e: &TestApp, store: Arc<dyn Store>, sign_in: SignInMethod) -> HostedPage {
    let app = crate::app_with_secret(store, Arc::clone(&e.clock), &e.secret, Duration::ZERO);
    HostedPage::new(Arc::new(app), e.seeded.project.id.clone(), sign_in)
}

/// An attempt started by `mytool` on `ada-laptop` from [`CLI_IP`].
pub async fn started(e: &TestApp) -> Resp {
    let r = e.initiate_as_mytool().await;
    assert_eq!(r.status, 200, "{r:?}");
    r
}
