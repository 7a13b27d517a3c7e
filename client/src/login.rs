//! The CLI side of a login: initiate, show the person where to approve and
//! which short code to compare, poll politely until the refresh token
//! arrives once, and cancel the attempt when told to stop.
//!
//! By default the hand-off is bound to this process (api.md §8): initiate
//! carries a fresh public key and a PKCE challenge, so the refresh token
//! comes back encrypted to that key and only polls carrying the verifier
//! are answered. A plain Stack Auth server refuses fields it does not know
//! (`SCHEMA_ERROR`); the login then starts again with Stack's fields only.

use std::future::Future;
use std::time::Duration;

use crate::api::{
    self, Client, ClientDetails, CodeChallenge, InitiateRequest, Initiated, PollStatus,
};
use crate::handoff::Binding;

/// How a login runs.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// The app serving `/handler/cli-auth-confirm` (the dev server serves one
    /// at its own base URL).
    pub app_url: String,
    /// Lifetime of the attempt; the service's default (2 minutes) when
    /// `None`. [`LoginOptions::new`] asks for [`LOGIN_LIFETIME_MILLIS`].
    pub expires_in_millis: Option<u64>,
    /// Time between polls (Stack Auth's clients use 2 s).
    pub poll_interval: Duration,
    /// The CLI's own anonymous session, offered to the browser.
    pub anon_refresh_token: Option<String>,
    /// Consecutive transient failures (network, 5xx) tolerated while
    /// polling before giving up.
    pub max_transient_failures: u32,
    /// Bind the hand-off to this process with a public key and a PKCE
    /// challenge (on by default).
    pub bind: bool,
    /// Who is asking, shown on the confirm page; `None` sends nothing.
    pub client: Option<ClientDetails>,
}

/// How long a login waits for its approval: ten minutes, since the person
/// may have to sign in first; the service's default of two minutes is
/// Hexclave's, made for a person who is signed in already.
pub const LOGIN_LIFETIME_MILLIS: u64 = 10 * 60 * 1000;

impl LoginOptions {
    pub fn new(app_url: impl Into<String>) -> Self {
        Self {
            app_url: app_url.into(),
            expires_in_millis: Some(LOGIN_LIFETIME_MILLIS),
            poll_interval: Duration::from_secs(2),
            anon_refresh_token: None,
            max_transient_failures: 5,
            bind: true,
            client: None,
        }
    }
}

/// What the person needs to approve the login.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// The confirm page for this login, its login code included.
    pub url: String,
    /// The confirm page without a code, where the short code can be typed.
    pub entry_url: String,
    pub login_code: String,
    /// The short code to compare and type; `None` from a plain Stack Auth
    /// server, which has none.
    pub user_code: Option<String>,
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
    #[error("the login was denied in the browser")]
    Denied,
    #[error("the login was cancelled")]
    Cancelled,
    /// Stopped by the caller (e.g. Ctrl-C).
    #[error("{}", if *.cancelled {
        "interrupted; the login was cancelled"
    } else {
        "interrupted; the login could not be cancelled and ends when it expires"
    })]
    Interrupted {
        /// The service ended the attempt, so it can no longer be approved.
        cancelled: bool,
    },
    #[error("could not make this login's key pair")]
    NoKey,
    #[error("the service handed over a token this login's key cannot open")]
    Unreadable,
    #[error("unexpected login status {0:?} from the service")]
    UnexpectedStatus(String),
}

/// How long cancelling on the way out may take.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs a login to the end and returns the refresh token the browser
/// handed over. `prompt` is called once, as soon as there is a URL to open.
/// When `stop` completes first (e.g. on Ctrl-C), the attempt is cancelled
/// on the service, so a page left open can no longer approve it.
pub async fn login(
    client: &Client,
    options: &LoginOptions,
    prompt: impl FnOnce(&Prompt),
    stop: impl Future<Output = ()>,
) -> Result<String, LoginError> {
    tokio::pin!(stop);
    let (initiated, binding) = tokio::select! {
        started = start(client, options) => started?,
        () = &mut stop => return Err(LoginError::Interrupted { cancelled: false }),
    };
    prompt(&Prompt {
        url: Client::confirm_url(&options.app_url, &initiated.login_code),
        entry_url: Client::confirm_page(&options.app_url),
        login_code: initiated.login_code.clone(),
        user_code: initiated.user_code.clone(),
        expires_at: initiated.expires_at.clone(),
    });
    tokio::select! {
        outcome = wait(client, options, &initiated, binding.as_ref()) => outcome,
        () = &mut stop => {
            let cancelled = tokio::time::timeout(
                CANCEL_TIMEOUT,
                client.cancel(&initiated.polling_code),
            )
            .await;
            Err(LoginError::Interrupted {
                cancelled: matches!(cancelled, Ok(Ok(()))),
            })
        }
    }
}

/// Initiates, bound when asked and the service knows how.
async fn start(
    client: &Client,
    options: &LoginOptions,
) -> Result<(Initiated, Option<Binding>), LoginError> {
    let binding = if options.bind {
        Some(Binding::generate().ok_or(LoginError::NoKey)?)
    } else {
        None
    };
    let request = InitiateRequest {
        expires_in_millis: options.expires_in_millis,
        anon_refresh_token: options.anon_refresh_token.clone(),
        public_key: binding.as_ref().map(|b| b.public_jwk().clone()),
        code_challenge: binding
            .as_ref()
            .map(|b| CodeChallenge::s256(b.code_challenge())),
        client: options.client.clone(),
    };
    match client.initiate(&request).await {
        Ok(initiated) => Ok((initiated, binding)),
        // A plain Stack Auth server: its own fields only, unbound.
        Err(e) if e.code() == Some("SCHEMA_ERROR") && request.has_extensions() => {
            let initiated = client.initiate(&request.without_extensions()).await?;
            Ok((initiated, None))
        }
        Err(e) => Err(e.into()),
    }
}

/// Polls until the attempt ends.
async fn wait(
    client: &Client,
    options: &LoginOptions,
    initiated: &Initiated,
    binding: Option<&Binding>,
) -> Result<String, LoginError> {
    let verifier = binding.map(Binding::code_verifier);
    let mut failures = 0;
    loop {
        match client.poll(&initiated.polling_code, verifier).await {
            // A server that ignored the public key hands the token as
            // Stack Auth does, inside TLS.
            Ok(PollStatus::Success(token)) => return Ok(token),
            Ok(PollStatus::EncryptedSuccess(jwe)) => {
                return binding
                    .and_then(|b| b.open(&jwe))
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or(LoginError::Unreadable);
            }
            Ok(PollStatus::Waiting) => failures = 0,
            Ok(PollStatus::Expired) => return Err(LoginError::Expired),
            Ok(PollStatus::Used) => return Err(LoginError::Used),
            Ok(PollStatus::Denied) => return Err(LoginError::Denied),
            Ok(PollStatus::Cancelled) => return Err(LoginError::Cancelled),
            Ok(PollStatus::Other(status)) => return Err(LoginError::UnexpectedStatus(status)),
            Err(e) if e.is_transient() && failures < options.max_transient_failures => {
                failures += 1;
            }
            Err(e) => return Err(e.into()),
        }
        tokio::time::sleep(options.poll_interval).await;
    }
}
