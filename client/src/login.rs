//! The CLI side of a login: initiate, show the person where to approve,
//! poll politely until the refresh token arrives once.

use std::time::Duration;

use crate::api::{self, Client, PollStatus};

/// How a login runs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// The app serving `/handler/cli-auth-confirm` (the dev server serves one
    /// at its own base URL).
    pub app_url: String,
    /// Lifetime of the attempt; the service's default (2 h) when `None`.
    pub expires_in_millis: Option<u64>,
    /// Time between polls (Stack Auth's clients use 2 s).
    pub poll_interval: Duration,
    /// The CLI's own anonymous session, offered to the browser.
    pub anon_refresh_token: Option<String>,
    /// Consecutive transient failures (network, 5xx) tolerated while
    /// polling before giving up.
    pub max_transient_failures: u32,
}

impl LoginOptions {
    pub fn new(app_url: impl Into<String>) -> Self {
        Self {
            app_url: app_url.into(),
            expires_in_millis: None,
            poll_interval: Duration::from_secs(2),
            anon_refresh_token: None,
            max_transient_failures: 5,
        }
    }
}

/// What the person needs to approve the login.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub url: String,
    pub login_code: String,
    pub expires_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Api(#[from] api::Error),
    #[error("the login expired before it was approved; run login again")]
    Expired,
    #[error("this login was already used; run login again")]
    Used,
    #[error("unexpected login status {0:?} from the service")]
    UnexpectedStatus(String),
}

/// Runs a login to the end and returns the refresh token the browser
/// handed over. `prompt` is called once, as soon as there is a URL to open.
/// Dropping the future stops polling (e.g. on Ctrl-C).
pub async fn login(
    client: &Client,
    options: &LoginOptions,
    prompt: impl FnOnce(&Prompt),
) -> Result<String, LoginError> {
    let initiated = client
        .initiate(
            options.expires_in_millis,
            options.anon_refresh_token.as_deref(),
        )
        .await?;
    prompt(&Prompt {
        url: Client::confirm_url(&options.app_url, &initiated.login_code),
        login_code: initiated.login_code,
        expires_at: initiated.expires_at,
    });
    let mut failures = 0;
    loop {
        match client.poll(&initiated.polling_code).await {
            Ok(PollStatus::Success(token)) => return Ok(token),
            Ok(PollStatus::Waiting) => failures = 0,
            Ok(PollStatus::Expired) => return Err(LoginError::Expired),
            Ok(PollStatus::Used) => return Err(LoginError::Used),
            Ok(PollStatus::Other(status)) => return Err(LoginError::UnexpectedStatus(status)),
            Err(e) if e.is_transient() && failures < options.max_transient_failures => {
                failures += 1;
            }
            Err(e) => return Err(e.into()),
        }
        tokio::time::sleep(options.poll_interval).await;
    }
}
