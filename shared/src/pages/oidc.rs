//! The hosted page's OpenID Connect relying party (api.md §10), on the
//! `openidconnect` crate: discovery and the issuer's JWKS fetched once and
//! cached per process, the authorization code flow with PKCE (S256),
//! `state` and `nonce`, the ID token verified (signature, `iss`, `aud`,
//! `exp`, `nonce`), then the person it names, with an email only when the
//! provider verified it.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EmptyAdditionalClaims, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse as _,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _, UserInfoClaims,
};
use tokio::sync::RwLock;

use crate::domain::accounts::ProviderPerson;
use crate::domain::hosted_page::sign_in::PendingSignIn;
use crate::domain::user::Identity;

/// How long discovery and the JWKS are trusted before they are fetched
/// again; a key the cached JWKS lacks (a rotation) fetches them sooner.
const METADATA_TTL: Duration = Duration::from_secs(60 * 60);
/// A refetch for an unknown key waits at least this long after the last.
const MIN_REFETCH: Duration = Duration::from_secs(60);
/// Each call to the provider: connected within 2 s, answered within 5 s.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The provider, as the deployment names it.
#[derive(Clone)]
pub struct OidcConfig {
    /// `CLI_AUTH_OIDC_ISSUER`.
    pub issuer: String,
    /// `CLI_AUTH_OIDC_CLIENT_ID`.
    pub client_id: String,
    /// From Secrets Manager (`CLI_AUTH_OIDC_CLIENT_SECRET_ID`) or
    /// `CLI_AUTH_OIDC_CLIENT_SECRET`; `None` for a public client.
    pub client_secret: Option<String>,
    /// `CLI_AUTH_OIDC_ALLOWED_DOMAINS` (comma-separated, lower case): when
    /// not empty, only verified emails of these domains sign in.
    pub allowed_domains: Vec<String>,
}

impl std::fmt::Debug for OidcConfig {
    // Never the client secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("confidential", &self.client_secret.is_some())
            .field("allowed_domains", &self.allowed_domains)
            .finish()
    }
}

/// Why a sign-in at the provider did not give a person.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Discovery, the JWKS or the token endpoint could not be reached or
    /// answered nonsense: a 503, nothing done.
    #[error("the sign-in provider could not be reached: {0}")]
    Unreachable(String),
    /// The provider refused the code, or its ID token did not verify.
    #[error("the sign-in provider's answer was refused: {0}")]
    Refused(String),
    /// A verified person whose email is not of an allowed domain.
    #[error("this account's email is not of a domain allowed to sign in")]
    DomainNotAllowed,
}

/// The relying party, built once per process.
pub struct OidcSignIn {
    config: OidcConfig,
    http: Http,
    cached: RwLock<Option<Cached>>,
}

struct Cached {
    metadata: CoreProviderMetadata,
    fetched: Instant,
}

impl std::fmt::Debug for OidcSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSignIn")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OidcSignIn {
    pub fn new(config: OidcConfig) -> Result<Self, OidcError> {
        IssuerUrl::new(config.issuer.clone())
            .map_err(|e| OidcError::Unreachable(format!("the issuer is not a URL: {e}")))?;
        Ok(Self {
            config,
            http: Http::new()?,
            cached: RwLock::new(None),
        })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// Where to send the browser to sign in: the provider's authorization
    /// endpoint with this round trip's `state`, `nonce` and PKCE challenge.
    pub async fn authorization_url(
        &self,
        redirect_uri: &str,
        pending: &PendingSignIn,
    ) -> Result<String, OidcError> {
        let metadata = self.metadata(false).await?;
        let client = self.client(metadata, redirect_uri)?;
        let verifier = PkceCodeVerifier::new(pending.pkce_verifier.clone());
        let (state, nonce) = (pending.state.clone(), pending.nonce.clone());
        let (url, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier))
            .url();
        Ok(url.into())
    }

    /// Redeems the callback's `code` (with the PKCE verifier), verifies the
    /// ID token, and returns the person it names in `project_id`.
    pub async fn person(
        &self,
        redirect_uri: &str,
        code: &str,
        pending: &PendingSignIn,
        project_id: &str,
    ) -> Result<ProviderPerson, OidcError> {
        let metadata = self.metadata(false).await?;
        let client = self.client(metadata, redirect_uri)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Unreachable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    OidcError::Refused(r.error().to_string())
                }
                other => OidcError::Unreachable(other.to_string()),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::Refused("the token response has no ID token".into()))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // A key the cached JWKS lacks: the provider rotated; fetch again once.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let metadata = self.metadata(true).await?;
                let fresh = self.client(metadata, redirect_uri)?;
                id_token
                    .claims(&fresh.id_token_verifier(), &nonce)
                    .map_err(|e| OidcError::Refused(e.to_string()))?
                    .clone()
            }
            Err(e) => return Err(OidcError::Refused(e.to_string())),
        };
        let mut found = Found::of_id_token(&claims);
        // Providers that conform to the core spec (panva's oidc-provider,
        // Keycloak's default) put email and name in UserInfo, not the ID token.
        if found.email.is_none()
            && let Ok(request) = client.user_info(
                tokens.access_token().clone(),
                Some(claims.subject().clone()),
            )
        {
            let info: Result<UserInfoClaims<EmptyAdditionalClaims, CoreGenderClaim>, _> =
                request.request_async(&self.http).await;
            if let Ok(info) = info {
                found.add_user_info(&info);
            }
        }
        let verified_email = found.verified_email();
        if !self.config.allowed_domains.is_empty() {
            let domain = verified_email
                .as_deref()
                .and_then(|e| e.rsplit_once('@'))
                .map(|(_, d)| d.to_ascii_lowercase());
            if !domain.is_some_and(|d| self.config.allowed_domains.contains(&d)) {
                return Err(OidcError::DomainNotAllowed);
            }
        }
        Ok(ProviderPerson {
            identity: Identity {
                project_id: project_id.to_owned(),
                issuer: claims.issuer().to_string(),
                subject: claims.subject().to_string(),
            },
            verified_email,
            name: found.name,
        })
    }

    /// The provider's metadata (with its JWKS): cached, fetched when there
    /// is none, it is older than [`METADATA_TTL`], or `refetch` asks and the
    /// last fetch is older than [`MIN_REFETCH`].
    async fn metadata(&self, refetch: bool) -> Result<CoreProviderMetadata, OidcError> {
        let fresh = |c: &Cached| {
            let age = c.fetched.elapsed();
            age < METADATA_TTL && !(refetch && age >= MIN_REFETCH)
        };
        if let Some(cached) = self.cached.read().await.as_ref().filter(|c| fresh(c)) {
            return Ok(cached.metadata.clone());
        }
        let mut cached = self.cached.write().await;
        if let Some(c) = cached.as_ref().filter(|c| fresh(c)) {
            return Ok(c.metadata.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        *cached = Some(Cached {
            metadata: metadata.clone(),
            fetched: Instant::now(),
        });
        Ok(metadata)
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
        redirect_uri: &str,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OidcError,
    > {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| OidcError::Unreachable(format!("the redirect URI: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }
}

/// What the provider said about the person, from the ID token, then
/// UserInfo for what it lacked.
struct Found {
    email: Option<String>,
    email_verified: bool,
    name: Option<String>,
}

impl Found {
    fn of_id_token(claims: &CoreIdTokenClaims) -> Self {
        Self {
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified() == Some(true),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
        }
    }

    fn add_user_info(&mut self, info: &UserInfoClaims<EmptyAdditionalClaims, CoreGenderClaim>) {
        if let Some(email) = info.email() {
            self.email = Some(email.to_string());
            self.email_verified = info.email_verified() == Some(true);
        }
        if self.name.is_none() {
            self.name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
        }
    }

    /// The email, only if the provider verified it.
    fn verified_email(&self) -> Option<String> {
        self.email.clone().filter(|_| self.email_verified)
    }
}

/// The provider's HTTP client: reqwest, never following a redirect (an
/// open redirect at the provider must not point the token request
/// elsewhere), with timeouts far below API Gateway's 29 s.
struct Http(reqwest::Client);

/// An HTTP failure talking to the provider.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct HttpFailure(#[from] reqwest::Error);

impl Http {
    fn new() -> Result<Self, OidcError> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map(Self)
            .map_err(|e| OidcError::Unreachable(e.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpFailure;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let response = self
                .0
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?.to_vec();
            let mut answer = http::Response::new(body);
            *answer.status_mut() = status;
            *answer.headers_mut() = headers;
            Ok(answer)
        })
    }
}
