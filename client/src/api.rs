//! The HTTP calls of the login flow, as a CLI and as an app's confirm page
//! make them, in Stack Auth's REST dialect.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Where the service is and which project the caller belongs to.
#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL of the API, e.g. `https://auth.example.com` (no `/api/v1`).
    pub base_url: String,
    pub project_id: String,
    /// Required unless the project lets clients call without one.
    pub publishable_client_key: Option<String>,
}

/// How a call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service could not be reached or the connection broke.
    #[error("cannot reach {url}: {source}")]
    Network {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The service answered with an error: its known-error code when it
    /// sent one, and its message.
    #[error("{}", describe(*.status, .code.as_deref(), .message))]
    Api {
        status: StatusCode,
        code: Option<String>,
        message: String,
    },
    /// The service answered something this client does not understand.
    #[error("unexpected answer from the service ({status}): {detail}")]
    Unexpected { status: StatusCode, detail: String },
    /// The base URL would send keys and tokens in the clear.
    #[error(
        "refusing {url}: tokens would travel unencrypted; use https:// (plain http:// is only \
         for localhost and loopback addresses)"
    )]
    Insecure { url: String },
}

fn describe(status: StatusCode, code: Option<&str>, message: &str) -> String {
    match code {
        Some(code) => format!("{message} ({code}, HTTP {})", status.as_u16()),
        None => format!("{message} (HTTP {})", status.as_u16()),
    }
}

impl Error {
    /// The known-error code, e.g. `REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED`.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Worth retrying: the network, or the service said it is unavailable.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Network { .. } => true,
            Error::Api { status, .. } | Error::Unexpected { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            Error::Insecure { .. } => false,
        }
    }
}

/// What `POST /auth/cli` is asked for. The last three fields are the
/// extensions of api.md §8, which a plain Stack Auth server does not know.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InitiateRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_millis: Option<u64>,
    /// The CLI's own anonymous session, offered to the browser.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anon_refresh_token: Option<String>,
    /// Bound hand-off: the P-256 public JWK the refresh token is encrypted to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Value>,
    /// Bound hand-off: the S256 challenge every poll's verifier must answer.
    #[serde(flatten)]
    pub code_challenge: Option<CodeChallenge>,
    /// Who is asking, shown on the confirm page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientDetails>,
}

impl InitiateRequest {
    /// Whether this asks for anything beyond Stack Auth's own fields.
    pub fn has_extensions(&self) -> bool {
        self.public_key.is_some() || self.code_challenge.is_some() || self.client.is_some()
    }

    /// The same request with Stack Auth's fields only.
    pub fn without_extensions(&self) -> Self {
        Self {
            expires_in_millis: self.expires_in_millis,
            anon_refresh_token: self.anon_refresh_token.clone(),
            ..Self::default()
        }
    }
}

/// A PKCE code challenge (RFC 7636), S256 only.
#[derive(Debug, Clone, Serialize)]
pub struct CodeChallenge {
    pub code_challenge: String,
    /// Always `S256`.
    pub code_challenge_method: &'static str,
}

impl CodeChallenge {
    pub fn s256(challenge: String) -> Self {
        Self {
            code_challenge: challenge,
            code_challenge_method: "S256",
        }
    }
}

/// The longest `name` or `hostname` the service takes (api.md §8).
pub const MAX_CLIENT_FIELD_CHARS: usize = 64;

/// Who is asking: the tool and the machine it runs on, as the confirm page
/// shows them ("mytool on ada-laptop").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDetails {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

impl ClientDetails {
    /// `name` on this machine (its host name, when it has a readable one),
    /// each cut to what the service takes.
    pub fn on_this_machine(name: &str) -> Self {
        let hostname = gethostname::gethostname()
            .into_string()
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty());
        Self {
            name: cut(name, MAX_CLIENT_FIELD_CHARS),
            hostname: hostname.map(|h| cut(&h, MAX_CLIENT_FIELD_CHARS)),
        }
    }
}

fn cut(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// What `POST /auth/cli` hands the CLI.
#[derive(Debug, Clone, Deserialize)]
pub struct Initiated {
    pub polling_code: String,
    pub login_code: String,
    pub expires_at: String,
    /// The short code a person compares and can type (api.md §8); absent
    /// from a plain Stack Auth server.
    #[serde(default)]
    pub user_code: Option<String>,
}

/// One poll's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollStatus {
    Waiting,
    /// The refresh token, handed out this once.
    Success(String),
    /// The refresh token as a compact JWE for the initiate's public key,
    /// handed out this once.
    EncryptedSuccess(String),
    Expired,
    Used,
    /// The person said no on the confirm page.
    Denied,
    /// The attempt was cancelled with its polling code.
    Cancelled,
    /// A status this client does not know.
    Other(String),
}

/// A pending attempt found by its short code (api.md §8).
#[derive(Debug, Clone, Deserialize)]
pub struct UserCodeMatch {
    pub login_code: String,
    pub expires_at: String,
    /// Who asked: `name`, `hostname`, `ip`, `user_agent`, `created_at`.
    pub client: Value,
}

/// What a confirm page's `check` learns about the CLI's own session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliSessionState {
    Anonymous,
    None,
}

/// A session's tokens.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

/// A client of one project on one service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Config,
}

/// Whether `base_url` keeps what is sent to it private: `https://`, or
/// `http://` to this machine (the dev server).
fn is_private_channel(base_url: &str) -> bool {
    let Ok(url) = url::Url::parse(base_url) else {
        return false;
    };
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(url::Host::Domain(domain))) => domain.eq_ignore_ascii_case("localhost"),
        ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
        _ => false,
    }
}

impl Client {
    /// A client of `config`'s service. Refuses a base URL that is not
    /// `https://` (or `http://` to a loopback address), and never follows
    /// a redirect: the API answers where it is asked, and a redirect must
    /// not carry the project's key or a token to another host.
    pub fn new(config: Config) -> Result<Self, Error> {
        if !is_private_channel(&config.base_url) {
            return Err(Error::Insecure {
                url: config.base_url.clone(),
            });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("cli-auth/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|source| Error::Network {
                url: config.base_url.clone(),
                source,
            })?;
        Ok(Self { http, config })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The confirm page of the app at `app_url` (Stack Auth's
    /// `/handler/cli-auth-confirm`), where a person can type a short code.
    pub fn confirm_page(app_url: &str) -> String {
        format!("{}/handler/cli-auth-confirm", app_url.trim_end_matches('/'))
    }

    /// The confirm page a person opens for `login_code`.
    pub fn confirm_url(app_url: &str, login_code: &str) -> String {
        let mut url = format!("{}?login_code=", Self::confirm_page(app_url));
        url.extend(url::form_urlencoded::byte_serialize(login_code.as_bytes()));
        url
    }

    /// `POST /auth/cli`: starts a login attempt.
    pub async fn initiate(&self, request: &InitiateRequest) -> Result<Initiated, Error> {
        let body = serde_json::to_value(request).map_err(|e| Error::Unexpected {
            status: StatusCode::BAD_REQUEST,
            detail: format!("unsendable request: {e}"),
        })?;
        let (status, value) = self
            .call(Method::POST, "/auth/cli", &[], Some(body))
            .await?;
        parse(status, value)
    }

    /// `POST /auth/cli/poll`: the attempt's state; a success comes once.
    /// `code_verifier` answers the initiate's code challenge, if it had one.
    pub async fn poll(
        &self,
        polling_code: &str,
        code_verifier: Option<&str>,
    ) -> Result<PollStatus, Error> {
        let mut body = json!({ "polling_code": polling_code });
        if let Some(verifier) = code_verifier {
            body["code_verifier"] = json!(verifier);
        }
        let (status, value) = self
            .call(Method::POST, "/auth/cli/poll", &[], Some(body))
            .await?;
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok(match (status, text("status").as_deref()) {
            (StatusCode::CREATED, Some("success")) => {
                match (text("refresh_token"), text("encrypted_refresh_token")) {
                    (Some(token), None) => PollStatus::Success(token),
                    (None, Some(jwe)) => PollStatus::EncryptedSuccess(jwe),
                    _ => return unexpected(status, "success without one refresh token"),
                }
            }
            (_, Some("waiting")) => PollStatus::Waiting,
            (_, Some("expired")) => PollStatus::Expired,
            (_, Some("used")) => PollStatus::Used,
            (_, Some("denied")) => PollStatus::Denied,
            (_, Some("cancelled")) => PollStatus::Cancelled,
            (_, Some(other)) => PollStatus::Other(other.to_owned()),
            (_, None) => return unexpected(status, "no status"),
        })
    }

    /// `POST /auth/cli/cancel`: the CLI gives up on a pending attempt, so
    /// the confirm page can no longer complete it (api.md §8).
    pub async fn cancel(&self, polling_code: &str) -> Result<(), Error> {
        self.call(
            Method::POST,
            "/auth/cli/cancel",
            &[],
            Some(json!({ "polling_code": polling_code })),
        )
        .await
        .map(|_| ())
    }

    /// `POST /auth/sessions/current/refresh`: a fresh access token.
    pub async fn access_token(&self, refresh_token: &str) -> Result<String, Error> {
        let (status, value) = self
            .call(
                Method::POST,
                "/auth/sessions/current/refresh",
                &[("x-stack-refresh-token", refresh_token)],
                Some(json!({})),
            )
            .await?;
        match value.get("access_token").and_then(Value::as_str) {
            Some(token) => Ok(token.to_owned()),
            None => unexpected(status, "no access_token"),
        }
    }

    /// `GET /users/me`: the user an access token belongs to, as JSON.
    pub async fn me(&self, access_token: &str) -> Result<Value, Error> {
        let (_, value) = self.as_user(Method::GET, "/users/me", access_token).await?;
        Ok(value)
    }

    /// `DELETE /auth/sessions/current`: ends the session an access token
    /// was minted from (its refresh token stops working).
    pub async fn revoke(&self, access_token: &str) -> Result<(), Error> {
        self.as_user(Method::DELETE, "/auth/sessions/current", access_token)
            .await
            .map(|_| ())
    }

    /// A body-less request of the user an access token belongs to.
    async fn as_user(
        &self,
        method: Method,
        path: &str,
        access_token: &str,
    ) -> Result<(StatusCode, Value), Error> {
        self.call(
            method,
            path,
            &[("x-stack-access-token", access_token)],
            None,
        )
        .await
    }

    /// `GET /auth/sessions?user_id=me`: the user's live sessions, newest
    /// first, as the service lists them (api.md §4; `client` on those the
    /// hosted confirm page minted for a CLI).
    pub async fn sessions(&self, access_token: &str) -> Result<Vec<Value>, Error> {
        let (status, value) = self
            .as_user(Method::GET, "/auth/sessions?user_id=me", access_token)
            .await?;
        match value.get("items").and_then(Value::as_array) {
            Some(items) => Ok(items.clone()),
            None => unexpected(status, "no items"),
        }
    }

    /// `DELETE /auth/sessions/{id}?user_id=me`: ends another session of the
    /// user (not the current one: that is `revoke`).
    pub async fn end_session(&self, access_token: &str, session_id: &str) -> Result<(), Error> {
        let id: String = url::form_urlencoded::byte_serialize(session_id.as_bytes()).collect();
        let path = format!("/auth/sessions/{id}?user_id=me");
        self.as_user(Method::DELETE, &path, access_token)
            .await
            .map(|_| ())
    }

    /// `POST /auth/anonymous/sign-up`: a session of a new anonymous user.
    pub async fn sign_up_anonymously(&self) -> Result<Tokens, Error> {
        let (status, value) = self
            .call(
                Method::POST,
                "/auth/anonymous/sign-up",
                &[],
                Some(json!({})),
            )
            .await?;
        parse(status, value)
    }

    // The confirm page's calls (client access from the browser, or the
    // app's backend with the same client).

    /// `complete` in `check` mode: does the CLI hold an anonymous session?
    pub async fn check(&self, login_code: &str) -> Result<CliSessionState, Error> {
        let (status, value) = self
            .call(
                Method::POST,
                "/auth/cli/complete",
                &[],
                Some(json!({ "login_code": login_code, "mode": "check" })),
            )
            .await?;
        match value.get("cli_session_state").and_then(Value::as_str) {
            Some("anonymous") => Ok(CliSessionState::Anonymous),
            Some("none") => Ok(CliSessionState::None),
            _ => unexpected(status, "no cli_session_state"),
        }
    }

    /// `complete` in `claim-anon-session` mode: takes the CLI's anonymous
    /// session over, once.
    pub async fn claim_anon_session(&self, login_code: &str) -> Result<Tokens, Error> {
        let (status, value) = self
            .call(
                Method::POST,
                "/auth/cli/complete",
                &[],
                Some(json!({ "login_code": login_code, "mode": "claim-anon-session" })),
            )
            .await?;
        parse(status, value)
    }

    /// `POST /auth/cli/user-code`: the pending attempt a person's typed
    /// short code names, for that signed-in person (`access_token`; api.md
    /// §8).
    pub async fn look_up_user_code(
        &self,
        access_token: &str,
        user_code: &str,
    ) -> Result<UserCodeMatch, Error> {
        let (status, value) = self
            .call(
                Method::POST,
                "/auth/cli/user-code",
                &[("x-stack-access-token", access_token)],
                Some(json!({ "user_code": user_code })),
            )
            .await?;
        parse(status, value)
    }

    /// `complete` in `deny` mode: the person said no; the CLI's poll
    /// answers `denied` (api.md §8).
    pub async fn deny(&self, login_code: &str) -> Result<(), Error> {
        self.call(
            Method::POST,
            "/auth/cli/complete",
            &[],
            Some(json!({ "login_code": login_code, "mode": "deny" })),
        )
        .await
        .map(|_| ())
    }

    /// `complete`: hands `refresh_token` (a session of the signed-in user)
    /// to the CLI waiting on `login_code`.
    pub async fn complete(&self, login_code: &str, refresh_token: &str) -> Result<(), Error> {
        self.call(
            Method::POST,
            "/auth/cli/complete",
            &[],
            Some(json!({ "login_code": login_code, "refresh_token": refresh_token })),
        )
        .await
        .map(|_| ())
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), Error> {
        let url = format!(
            "{}/api/v1{path}",
            self.config.base_url.trim_end_matches('/')
        );
        let mut request = self
            .http
            .request(method, &url)
            .header("x-stack-project-id", &self.config.project_id)
            .header("x-stack-access-type", "client");
        if let Some(key) = &self.config.publishable_client_key {
            request = request.header("x-stack-publishable-client-key", key);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let network = |source| Error::Network {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(network)?;
        let status = response.status();
        if status.is_redirection() {
            let to = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?")
                .to_owned();
            return unexpected(
                status,
                &format!("a redirect to {to}, not followed: point the base URL at the API itself"),
            );
        }
        let code = response
            .headers()
            .get("x-stack-known-error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.map_err(network)?;
        if !status.is_success() {
            let parsed: Option<Value> = serde_json::from_str(&text).ok();
            let message = parsed
                .as_ref()
                .and_then(|v| v.get("error"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| text.trim().to_owned());
            let code = code.or_else(|| {
                parsed
                    .as_ref()
                    .and_then(|v| v.get("code"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            return Err(Error::Api {
                status,
                code,
                message,
            });
        }
        if text.is_empty() {
            return Ok((status, Value::Null));
        }
        serde_json::from_str(&text)
            .map(|value| (status, value))
            .map_err(|e| Error::Unexpected {
                status,
                detail: format!("not JSON: {e}"),
            })
    }
}

fn parse<T: serde::de::DeserializeOwned>(status: StatusCode, value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| Error::Unexpected {
        status,
        detail: e.to_string(),
    })
}

fn unexpected<T>(status: StatusCode, detail: &str) -> Result<T, Error> {
    Err(Error::Unexpected {
        status,
        detail: detail.to_owned(),
    })
}
