//! Configuration from the environment: one place reads every variable.

use std::time::Duration;

use crate::aws::TrustRoots;
use crate::domain::login_attempt::UserCodeLimits;
use crate::domain::tokens::DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
use crate::store::dynamodb::TableNames;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Longest a warm function trusts a cached project.
pub const MAX_PROJECT_CACHE_SECONDS: u64 = 60;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `CLI_AUTH_PUBLIC_BASE_URL`: the base URL clients use (for `iss`).
    /// Unset in Lambda: the API Gateway domain each request came through.
    pub public_base_url: Option<String>,
    /// `CLI_AUTH_ACCESS_TOKEN_TTL_SECONDS` (default 600).
    pub access_token_ttl_seconds: i64,
    /// `CLI_AUTH_PROJECT_CACHE_SECONDS` (default and maximum 60).
    pub project_cache_ttl: Duration,
    /// `CLI_AUTH_PROJECTS_TABLE`, `CLI_AUTH_USERS_TABLE`,
    /// `CLI_AUTH_SESSIONS_TABLE`, `CLI_AUTH_ATTEMPTS_TABLE`,
    /// `CLI_AUTH_IDENTITIES_TABLE`; each defaults to
    /// `CLI_AUTH_TABLE_PREFIX` (default `cli-auth-`) plus its name.
    pub tables: TableNames,
    /// `CLI_AUTH_USER_CODE_FAILURES_PER_IP` and
    /// `CLI_AUTH_USER_CODE_FAILURES_PER_USER` (default 10 each per 10
    /// minutes): the user-code look-up's brute-force bound.
    pub user_code_limits: UserCodeLimits,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn number<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(text) => text.parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        }),
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let access_token_ttl_seconds = number(
            "CLI_AUTH_ACCESS_TOKEN_TTL_SECONDS",
            DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
        )?;
        if access_token_ttl_seconds < 1 {
            return Err(ConfigError::Invalid {
                name: "CLI_AUTH_ACCESS_TOKEN_TTL_SECONDS",
                reason: "must be at least 1".into(),
            });
        }
        let cache = number("CLI_AUTH_PROJECT_CACHE_SECONDS", MAX_PROJECT_CACHE_SECONDS)?
            .min(MAX_PROJECT_CACHE_SECONDS);
        let prefix = var("CLI_AUTH_TABLE_PREFIX").unwrap_or_else(|| "cli-auth-".to_owned());
        let defaults = TableNames::with_prefix(&prefix);
        let tables = TableNames {
            projects: var("CLI_AUTH_PROJECTS_TABLE").unwrap_or(defaults.projects),
            users: var("CLI_AUTH_USERS_TABLE").unwrap_or(defaults.users),
            sessions: var("CLI_AUTH_SESSIONS_TABLE").unwrap_or(defaults.sessions),
            attempts: var("CLI_AUTH_ATTEMPTS_TABLE").unwrap_or(defaults.attempts),
            identities: var("CLI_AUTH_IDENTITIES_TABLE").unwrap_or(defaults.identities),
        };
        let defaults = UserCodeLimits::default();
        let user_code_limits = UserCodeLimits {
            failures_per_ip: number(
                "CLI_AUTH_USER_CODE_FAILURES_PER_IP",
                defaults.failures_per_ip,
            )?,
            failures_per_user: number(
                "CLI_AUTH_USER_CODE_FAILURES_PER_USER",
                defaults.failures_per_user,
            )?,
        };
        Ok(Self {
            user_code_limits,
            public_base_url: var("CLI_AUTH_PUBLIC_BASE_URL"),
            access_token_ttl_seconds,
            project_cache_ttl: Duration::from_secs(cache),
            tables,
        })
    }
}

/// `CLI_AUTH_TLS_ROOTS`: whom a Lambda function's AWS connections trust,
/// `amazon` (the default: Amazon Trust Services' roots) or `system` (the
/// machine's store, as the SDK does by default).
pub fn function_trust_roots() -> Result<TrustRoots, ConfigError> {
    match var("CLI_AUTH_TLS_ROOTS") {
        None => Ok(TrustRoots::AmazonTrustServices),
        Some(name) => TrustRoots::from_name(&name).ok_or_else(|| ConfigError::Invalid {
            name: "CLI_AUTH_TLS_ROOTS",
            reason: format!("{name:?} is neither \"amazon\" nor \"system\""),
        }),
    }
}

/// Where the server secrets come from (read by `crate::server_secret`).
#[derive(Debug)]
pub enum SecretSource {
    /// `CLI_AUTH_SERVER_SECRET_ID`: a Secrets Manager secret (name or ARN),
    /// read when the process starts; the template's way.
    SecretsManager(String),
    /// `CLI_AUTH_SERVER_SECRET` (signs), and during a rotation
    /// `CLI_AUTH_PREVIOUS_SERVER_SECRET` (verifies only): for local work.
    Environment {
        signing: Vec<u8>,
        previous: Option<Vec<u8>>,
    },
}

/// The configured source of the server secrets; `None` when neither
/// variable is set, an error when both are (one source, never a mix).
pub fn secret_source() -> Result<Option<SecretSource>, ConfigError> {
    match (
        var("CLI_AUTH_SERVER_SECRET_ID"),
        var("CLI_AUTH_SERVER_SECRET"),
    ) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            name: "CLI_AUTH_SERVER_SECRET",
            reason: "set it or CLI_AUTH_SERVER_SECRET_ID, not both".into(),
        }),
        (Some(id), None) => Ok(Some(SecretSource::SecretsManager(id))),
        (None, Some(secret)) => Ok(Some(SecretSource::Environment {
            signing: secret.into_bytes(),
            previous: var("CLI_AUTH_PREVIOUS_SERVER_SECRET").map(String::into_bytes),
        })),
        (None, None) => Ok(None),
    }
}

/// The hosted confirm page's settings (api.md §10).
#[derive(Debug, Clone)]
pub struct HostedSettings {
    /// `CLI_AUTH_HOSTED_PROJECT_ID`: the project whose logins the page
    /// approves (the dev server: its own project).
    pub project_id: Option<String>,
    /// The team's OpenID provider; `None`: no `CLI_AUTH_OIDC_ISSUER`.
    pub oidc: Option<OidcSettings>,
}

#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// `CLI_AUTH_OIDC_ISSUER`.
    pub issuer: String,
    /// `CLI_AUTH_OIDC_CLIENT_ID`.
    pub client_id: String,
    pub client_secret: OidcSecret,
    /// `CLI_AUTH_OIDC_ALLOWED_DOMAINS`: comma-separated, kept lower case.
    pub allowed_domains: Vec<String>,
}

/// Where the page's OpenID client secret comes from.
#[derive(Clone)]
pub enum OidcSecret {
    /// A public client (PKCE only).
    None,
    /// `CLI_AUTH_OIDC_CLIENT_SECRET`: for local work.
    Environment(String),
    /// `CLI_AUTH_OIDC_CLIENT_SECRET_ID`: a Secrets Manager secret, read
    /// when the process starts; the template's way.
    SecretsManager(String),
}

impl std::fmt::Debug for OidcSecret {
    // Never the secret itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Environment(_) => f.write_str("Environment(..)"),
            Self::SecretsManager(id) => f.debug_tuple("SecretsManager").field(id).finish(),
        }
    }
}

impl HostedSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let oidc = match (var("CLI_AUTH_OIDC_ISSUER"), var("CLI_AUTH_OIDC_CLIENT_ID")) {
            (None, _) => None,
            (Some(_), None) => return Err(ConfigError::Missing("CLI_AUTH_OIDC_CLIENT_ID")),
            (Some(issuer), Some(client_id)) => {
                let client_secret = match (
                    var("CLI_AUTH_OIDC_CLIENT_SECRET_ID"),
                    var("CLI_AUTH_OIDC_CLIENT_SECRET"),
                ) {
                    (Some(_), Some(_)) => {
                        return Err(ConfigError::Invalid {
                            name: "CLI_AUTH_OIDC_CLIENT_SECRET",
                            reason: "set it or CLI_AUTH_OIDC_CLIENT_SECRET_ID, not both".into(),
                        });
                    }
                    (Some(id), None) => OidcSecret::SecretsManager(id),
                    (None, Some(secret)) => OidcSecret::Environment(secret),
                    (None, None) => OidcSecret::None,
                };
                let allowed_domains = var("CLI_AUTH_OIDC_ALLOWED_DOMAINS")
                    .unwrap_or_default()
                    .split(',')
                    .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase())
                    .filter(|d| !d.is_empty())
                    .collect();
                Some(OidcSettings {
                    issuer,
                    client_id,
                    client_secret,
                    allowed_domains,
                })
            }
        };
        Ok(Self {
            project_id: var("CLI_AUTH_HOSTED_PROJECT_ID"),
            oidc,
        })
    }
}
