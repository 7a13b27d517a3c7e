//! The error model of the HTTP side: every way a request can fail, and the
//! status, code and message of each answer. The domain's errors map onto
//! these in `api/domain_errors.rs`.

use http::StatusCode;
use serde_json::{Value, json};

use crate::domain::access::AccessType;
use crate::domain::store::StoreError;
use crate::domain::tokens::TokenError;

const DOCS_AUTH: &str = "For more information, see the docs on REST API authentication: https://docs.stack-auth.com/rest-api/overview#authentication";

/// Every failure a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A Stack Auth "known error": JSON body with a code, `x-stack-known-error` header.
    #[error("{0:?}")]
    Known(KnownError),
    /// A plain status error: the body is the message text alone.
    #[error("{status}: {message}")]
    Plain { status: StatusCode, message: String },
    /// An OAuth error (RFC 6749 §5.2): status 400, JSON
    /// `{"error", "error_description"}`, no known-error header.
    #[error("{error}: {description}")]
    OAuth {
        error: &'static str,
        description: String,
    },
    #[error("route not found")]
    RouteNotFound,
    #[error("method not allowed")]
    /// A known path with another method; `allow` lists the path's methods.
    MethodNotAllowed { allow: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl From<KnownError> for ApiError {
    fn from(e: KnownError) -> Self {
        Self::Known(e)
    }
}

impl ApiError {
    /// A 400 plain-text error, as Stack Auth's `StatusError(400, message)`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::Plain {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Known(k) => k.status(),
            Self::Plain { status, .. } => *status,
            Self::OAuth { .. } => StatusCode::BAD_REQUEST,
            Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(_) | Self::Token(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The known-error code, if this error is answered with a known-error body.
    pub fn known_code(&self) -> Option<&'static str> {
        match self {
            Self::Known(k) => Some(k.code()),
            Self::Store(StoreError::Unavailable(_)) => Some("STORE_UNAVAILABLE"),
            Self::Store(_) | Self::Token(_) => Some("INTERNAL_SERVER_ERROR"),
            _ => None,
        }
    }

    /// The human message (the `error` field of a known error, or the plain body).
    pub fn message(&self) -> String {
        match self {
            Self::Known(k) => k.message(),
            Self::Plain { message, .. } => message.clone(),
            Self::OAuth { description, .. } => description.clone(),
            Self::RouteNotFound => "Not found".to_owned(),
            Self::MethodNotAllowed { .. } => "Method not allowed".to_owned(),
            // Never the store's own text: it may carry AWS internals.
            Self::Store(StoreError::Unavailable(_)) => {
                "The service's data store is temporarily unavailable. Please try again shortly."
                    .to_owned()
            }
            Self::Store(_) | Self::Token(_) => "An internal error occurred.".to_owned(),
        }
    }

    /// The JSON body of a known error: `{"code", "error", "details"?}`.
    pub fn known_body(&self) -> Option<Value> {
        let code = self.known_code()?;
        let mut body = json!({ "code": code, "error": self.message() });
        if let Self::Known(k) = self
            && let Some(details) = k.details()
        {
            body["details"] = details;
        }
        Some(body)
    }
}

/// The Stack Auth known errors this service can answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownError {
    BodyParsing(String),
    /// The body is over [`MAX_BODY_BYTES`].
    RequestBodyTooLarge,
    Schema(String),
    ProjectKeyWithoutAccessType,
    AccessTypeRequired,
    InvalidAccessType(String),
    AccessTypeWithoutProjectId(AccessType),
    CurrentProjectNotFound(String),
    PublishableClientKeyRequiredForProject(String),
    InvalidPublishableClientKey(String),
    ServerAuthenticationRequired,
    InvalidSecretServerKey(String),
    AdminAuthenticationRequired,
    InvalidSuperSecretAdminKey(String),
    InsufficientAccessType {
        actual: AccessType,
        allowed: Vec<AccessType>,
    },
    InvalidPollingCode,
    /// Ours (api.md §8): cancel of an attempt that is no longer pending.
    CliAuthAttemptNotPending,
    /// Ours (api.md §8): no pending attempt has that user code.
    InvalidUserCode,
    /// Ours (api.md §8): the look-up's brute-force bound; answered with
    /// `retry-after`.
    TooManyUserCodeAttempts {
        retry_after_seconds: u64,
    },
    /// Agent auth (api.md §9): the project has not turned it on.
    AgentAuthNotEnabled,
    /// Agent auth: no waiting agent attempt of this project has that claim
    /// code.
    AgentAuthInvalidClaimCode,
    /// Ours (api.md §9): the claim-code look-up's brute-force bound, as
    /// the user code's; answered with `retry-after`.
    TooManyClaimCodeAttempts {
        retry_after_seconds: u64,
    },
    /// An app URL the project does not trust (agent register's `app_url`).
    RedirectUrlNotWhitelisted(String),
    UnparsableAccessToken,
    AccessTokenExpired {
        expired_at_millis: Option<i64>,
    },
    InvalidProjectForAccessToken {
        expected: String,
        actual: String,
    },
    AnonymousAuthenticationNotAllowed,
    UserAuthenticationRequired,
    CannotGetOwnUserWithoutUser,
    UserNotFound,
    UserIdDoesNotExist(String),
    RefreshTokenNotFoundOrExpired,
    CannotDeleteCurrentSession,
    ProjectNotFound(String),
    /// The OAuth client (project id, publishable key) is unknown or wrong;
    /// the client id as given, if any.
    InvalidOAuthClientIdOrSecret(Option<String>),
}

impl KnownError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BodyParsing(_) => "BODY_PARSING_ERROR",
            Self::RequestBodyTooLarge => "REQUEST_BODY_TOO_LARGE",
            Self::Schema(_) => "SCHEMA_ERROR",
            Self::ProjectKeyWithoutAccessType => "PROJECT_KEY_WITHOUT_ACCESS_TYPE",
            Self::AccessTypeRequired => "ACCESS_TYPE_REQUIRED",
            Self::InvalidAccessType(_) => "INVALID_ACCESS_TYPE",
            Self::AccessTypeWithoutProjectId(_) => "ACCESS_TYPE_WITHOUT_PROJECT_ID",
            Self::CurrentProjectNotFound(_) => "CURRENT_PROJECT_NOT_FOUND",
            Self::PublishableClientKeyRequiredForProject(_) => {
                "PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT"
            }
            Self::InvalidPublishableClientKey(_) => "INVALID_PUBLISHABLE_CLIENT_KEY",
            Self::ServerAuthenticationRequired => "SERVER_AUTHENTICATION_REQUIRED",
            Self::InvalidSecretServerKey(_) => "INVALID_SECRET_SERVER_KEY",
            Self::AdminAuthenticationRequired => "ADMIN_AUTHENTICATION_REQUIRED",
            Self::InvalidSuperSecretAdminKey(_) => "INVALID_SUPER_SECRET_ADMIN_KEY",
            Self::InsufficientAccessType { .. } => "INSUFFICIENT_ACCESS_TYPE",
            Self::InvalidPollingCode => "INVALID_POLLING_CODE",
            Self::CliAuthAttemptNotPending => "CLI_AUTH_ATTEMPT_NOT_PENDING",
            Self::InvalidUserCode => "INVALID_USER_CODE",
            Self::TooManyUserCodeAttempts { .. } => "TOO_MANY_USER_CODE_ATTEMPTS",
            Self::AgentAuthNotEnabled => "AGENT_AUTH_NOT_ENABLED",
            Self::AgentAuthInvalidClaimCode => "AGENT_AUTH_INVALID_CLAIM_CODE",
            Self::TooManyClaimCodeAttempts { .. } => "TOO_MANY_CLAIM_CODE_ATTEMPTS",
            Self::RedirectUrlNotWhitelisted(_) => "REDIRECT_URL_NOT_WHITELISTED",
            Self::UnparsableAccessToken => "UNPARSABLE_ACCESS_TOKEN",
            Self::AccessTokenExpired { .. } => "ACCESS_TOKEN_EXPIRED",
            Self::InvalidProjectForAccessToken { .. } => "INVALID_PROJECT_FOR_ACCESS_TOKEN",
            Self::AnonymousAuthenticationNotAllowed => "ANONYMOUS_AUTHENTICATION_NOT_ALLOWED",
            Self::UserAuthenticationRequired => "USER_AUTHENTICATION_REQUIRED",
            Self::CannotGetOwnUserWithoutUser => "CANNOT_GET_OWN_USER_WITHOUT_USER",
            Self::UserNotFound => "USER_NOT_FOUND",
            Self::UserIdDoesNotExist(_) => "USER_ID_DOES_NOT_EXIST",
            Self::RefreshTokenNotFoundOrExpired => "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED",
            Self::CannotDeleteCurrentSession => "CANNOT_DELETE_CURRENT_SESSION",
            Self::ProjectNotFound(_) => "PROJECT_NOT_FOUND",
            Self::InvalidOAuthClientIdOrSecret(_) => "INVALID_OAUTH_CLIENT_ID_OR_SECRET",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BodyParsing(_)
            | Self::Schema(_)
            | Self::ProjectKeyWithoutAccessType
            | Self::AccessTypeRequired
            | Self::InvalidAccessType(_)
            | Self::AccessTypeWithoutProjectId(_)
            | Self::CurrentProjectNotFound(_)
            | Self::InvalidPollingCode
            | Self::CliAuthAttemptNotPending
            | Self::InvalidUserCode
            | Self::AgentAuthNotEnabled
            | Self::AgentAuthInvalidClaimCode
            | Self::RedirectUrlNotWhitelisted(_)
            | Self::CannotGetOwnUserWithoutUser
            | Self::UserIdDoesNotExist(_)
            | Self::CannotDeleteCurrentSession
            | Self::InvalidOAuthClientIdOrSecret(_) => StatusCode::BAD_REQUEST,
            Self::UserNotFound | Self::ProjectNotFound(_) => StatusCode::NOT_FOUND,
            Self::RequestBodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyUserCodeAttempts { .. } | Self::TooManyClaimCodeAttempts { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::UnparsableAccessToken
            | Self::AccessTokenExpired { .. }
            | Self::InvalidProjectForAccessToken { .. }
            | Self::AnonymousAuthenticationNotAllowed
            | Self::UserAuthenticationRequired
            | Self::RefreshTokenNotFoundOrExpired => StatusCode::UNAUTHORIZED,
            Self::PublishableClientKeyRequiredForProject(_)
            | Self::InvalidPublishableClientKey(_)
            | Self::ServerAuthenticationRequired
            | Self::InvalidSecretServerKey(_)
            | Self::AdminAuthenticationRequired
            | Self::InvalidSuperSecretAdminKey(_)
            | Self::InsufficientAccessType { .. } => StatusCode::UNAUTHORIZED,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::BodyParsing(m) | Self::Schema(m) => m.clone(),
            Self::RequestBodyTooLarge => format!("The request body is larger than the {MAX_BODY_BYTES} bytes accepted."),
            Self::ProjectKeyWithoutAccessType => "Either an API key or an admin access token was provided, but the x-stack-access-type header is missing. Set it to 'client', 'server', or 'admin' as appropriate.".to_owned(),
            Self::AccessTypeRequired => format!("You must specify an access level for this Stack project. Make sure project API keys are provided (eg. x-stack-publishable-client-key) and you set the x-stack-access-type header to 'client', 'server', or 'admin'.\n\n{DOCS_AUTH}"),
            Self::InvalidAccessType(given) => format!("The x-stack-access-type header must be 'client', 'server', or 'admin', but was '{}'.", echo(given)),
            Self::AccessTypeWithoutProjectId(t) => format!("The x-stack-access-type header was '{t}', but the x-stack-project-id header was not provided.\n\n{DOCS_AUTH}"),
            Self::CurrentProjectNotFound(id) => format!("The current project with ID {} was not found. Please check the value of the x-stack-project-id header.", echo(id)),
            Self::PublishableClientKeyRequiredForProject(_) => "Publishable client keys are required for this project. Create one in Project Keys, or disable this requirement there to allow keyless client access.".to_owned(),
            Self::InvalidPublishableClientKey(id) => format!("The publishable key is not valid for the project {}. Does the project and/or the key exist?", json_str(&echo(id))),
            Self::ServerAuthenticationRequired => "The secret server key must be provided.".to_owned(),
            Self::InvalidSecretServerKey(id) => format!("The secret server key is not valid for the project {}. Does the project and/or the key exist?", json_str(&echo(id))),
            Self::AdminAuthenticationRequired => "The super secret admin key must be provided.".to_owned(),
            Self::InvalidSuperSecretAdminKey(id) => format!("The super secret admin key is not valid for the project {}. Does the project and/or the key exist?", json_str(&echo(id))),
            Self::InsufficientAccessType { actual, allowed } => {
                let allowed: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
                format!("The x-stack-access-type header must be {}, but was '{actual}'.", allowed.join(" or "))
            }
            Self::InvalidPollingCode => "The polling code is invalid or does not exist.".to_owned(),
            Self::InvalidUserCode => {
                "The user code is invalid or has expired, or its login is no longer pending.".to_owned()
            }
            Self::TooManyUserCodeAttempts { retry_after_seconds } => format!(
                "Too many wrong user codes were tried. Try again in {retry_after_seconds} seconds."
            ),
            Self::AgentAuthNotEnabled => "Agent authentication is not enabled for this project. Install the Agent Auth app in the Hexclave dashboard to enable it.".to_owned(),
            Self::AgentAuthInvalidClaimCode => "The claim code is invalid, has expired, or has already been used.".to_owned(),
            Self::TooManyClaimCodeAttempts { retry_after_seconds } => format!(
                "Too many wrong claim codes were tried. Try again in {retry_after_seconds} seconds."
            ),
            Self::RedirectUrlNotWhitelisted(_) => "Redirect URL not whitelisted. Did you forget to add this domain to the trusted domains list on the Hexclave dashboard?".to_owned(),
            Self::CliAuthAttemptNotPending => {
                "The CLI login attempt is no longer pending: it was completed, denied or cancelled, or it has expired.".to_owned()
            }
            Self::UnparsableAccessToken => "Access token is not parsable.".to_owned(),
            Self::AccessTokenExpired { expired_at_millis } => {
                let when = expired_at_millis
                    .map(|at| format!(" (The access token expired at {}.)", crate::clock::iso_millis(at)))
                    .unwrap_or_default();
                format!("Access token has expired. Please refresh it and try again.{when}")
            }
            Self::InvalidProjectForAccessToken { expected, actual } => format!(
                "Access token not valid for this project. Expected project ID {}, but the token is for project ID {}.",
                json_str(expected),
                json_str(actual)
            ),
            Self::AnonymousAuthenticationNotAllowed => "X-Stack-Access-Token is for an anonymous user, but anonymous users are not enabled. Set the X-Stack-Allow-Anonymous-User header of this request to 'true' to allow anonymous users.".to_owned(),
            Self::UserAuthenticationRequired => "User authentication required for this endpoint.".to_owned(),
            Self::CannotGetOwnUserWithoutUser => "You have specified 'me' as a userId, but did not provide authentication for a user.".to_owned(),
            Self::UserNotFound => "User not found.".to_owned(),
            Self::UserIdDoesNotExist(id) => format!("The given user with the ID {} does not exist.", echo(id)),
            Self::RefreshTokenNotFoundOrExpired => "Refresh token not found for this project, or the session has expired/been revoked.".to_owned(),
            Self::CannotDeleteCurrentSession => "Cannot delete the current session.".to_owned(),
            Self::ProjectNotFound(id) => format!("Project {} not found or is not accessible with the current user.", echo(id)),
            Self::InvalidOAuthClientIdOrSecret(_) => "The OAuth client ID or secret is invalid. The client ID must be equal to the project ID (potentially with a hash and a branch ID), and the client secret must be a publishable client key.".to_owned(),
        }
    }

    pub fn details(&self) -> Option<Value> {
        match self {
            Self::Schema(m) => Some(json!({ "message": m })),
            Self::RequestBodyTooLarge => Some(json!({ "max_bytes": MAX_BODY_BYTES })),
            Self::TooManyUserCodeAttempts {
                retry_after_seconds,
            }
            | Self::TooManyClaimCodeAttempts {
                retry_after_seconds,
            } => Some(json!({ "retry_after_seconds": retry_after_seconds })),
            Self::RedirectUrlNotWhitelisted(url) => Some(json!({ "redirect_url": echo(url) })),
            Self::InvalidAccessType(given) => Some(json!({ "access_type": echo(given) })),
            Self::AccessTypeWithoutProjectId(t) => Some(json!({ "request_type": t.as_str() })),
            Self::CurrentProjectNotFound(id)
            | Self::PublishableClientKeyRequiredForProject(id)
            | Self::InvalidPublishableClientKey(id)
            | Self::InvalidSecretServerKey(id)
            | Self::InvalidSuperSecretAdminKey(id)
            | Self::ProjectNotFound(id) => Some(json!({ "project_id": echo(id) })),
            Self::UserIdDoesNotExist(id) => Some(json!({ "user_id": echo(id) })),
            Self::InvalidOAuthClientIdOrSecret(id) => {
                Some(json!({ "client_id": id.as_deref().map(echo) }))
            }
            Self::AccessTokenExpired { expired_at_millis } => {
                Some(json!({ "expired_at_millis": expired_at_millis }))
            }
            Self::InvalidProjectForAccessToken { expected, actual } => Some(json!({
                "expected_project_id": expected,
                "actual_project_id": actual,
            })),
            Self::InsufficientAccessType { actual, allowed } => Some(json!({
                "actual_access_type": actual.as_str(),
                "allowed_access_types": allowed.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            })),
            _ => None,
        }
    }
}

/// The most bytes of request body the service reads: far above any valid
/// body (two 64 KiB metadata fields and a few strings), far below Lambda's
/// 6 MB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The most characters of a caller's text an error answer repeats.
const ECHO_CHARS: usize = 128;

/// A caller's text as an error repeats it: at most [`ECHO_CHARS`]
/// characters, then `…`, so that no answer grows with its request.
pub fn echo(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(ECHO_CHARS) {
        None => text.into(),
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
    }
}

fn json_str(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
#[path = "tests/errors.rs"]
mod tests;
