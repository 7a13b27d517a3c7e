//! Header validation: the checks of api.md §1, in order, and reading
//! Stack's `x-stack-*` headers (with their `x-hexclave-*` aliases).

use std::borrow::Cow;

use http::{HeaderMap, HeaderName};

use super::errors::{ApiError, KnownError};
use crate::domain::access::AccessType;
use crate::domain::project::Project;

/// One of Stack's headers under both its names: `x-stack-<name>` and its
/// `x-hexclave-<name>` alias. The names are parsed once, at compile time,
/// so looking one up is a hash probe (each request reads several).
pub struct StackHeader {
    pub stack: HeaderName,
    pub hexclave: HeaderName,
}

macro_rules! stack_headers {
    ($($(#[$doc:meta])* $constant:ident = $name:literal;)*) => {
        $($(#[$doc])*
        pub static $constant: StackHeader = StackHeader {
            stack: HeaderName::from_static(concat!("x-stack-", $name)),
            hexclave: HeaderName::from_static(concat!("x-hexclave-", $name)),
        };)*
    };
}

stack_headers! {
    PROJECT_ID = "project-id";
    ACCESS_TYPE = "access-type";
    PUBLISHABLE_CLIENT_KEY = "publishable-client-key";
    SECRET_SERVER_KEY = "secret-server-key";
    SUPER_SECRET_ADMIN_KEY = "super-secret-admin-key";
    ACCESS_TOKEN = "access-token";
    REFRESH_TOKEN = "refresh-token";
    ALLOW_ANONYMOUS_USER = "allow-anonymous-user";
    /// Any value asks for 4xx answers as 200 (api.md §2).
    OVERRIDE_ERROR_STATUS = "override-error-status";
    /// An answer's known-error code (sent under both names, read back for
    /// the request's log line).
    KNOWN_ERROR = "known-error";
}

/// Reads an `x-hexclave-<name>` header, or its `x-stack-<name>` twin when the
/// first is absent: when both are sent, `x-hexclave-*` wins, as Hexclave's
/// request pipeline does (api.md §1). An empty value counts as absent.
pub fn stack_header<'a>(headers: &'a HeaderMap, header: &StackHeader) -> Option<Cow<'a, str>> {
    [&header.hexclave, &header.stack]
        .into_iter()
        .find_map(|name| {
            let value = headers.get(name)?;
            let text = String::from_utf8_lossy(value.as_bytes());
            (!text.is_empty()).then_some(text)
        })
}

/// The header that carries a kind of key.
pub fn key_header(kind: AccessType) -> &'static StackHeader {
    match kind {
        AccessType::Client => &PUBLISHABLE_CLIENT_KEY,
        AccessType::Server => &SECRET_SERVER_KEY,
        AccessType::Admin => &SUPER_SECRET_ADMIN_KEY,
    }
}

/// A project id we will look up at all: Stack Auth's ids are UUIDs or short
/// slugs like `internal`. Anything longer or stranger cannot name a project,
/// and must not reach the store (DynamoDB rejects keys over 2 KiB).
pub fn is_plausible_project_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Rules 1–4: what the headers claim, before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedAccess {
    pub access_type: AccessType,
    pub project_id: String,
}

pub fn claimed_access(headers: &HeaderMap) -> Result<ClaimedAccess, ApiError> {
    let access_type = stack_header(headers, &ACCESS_TYPE);
    let Some(access_type) = access_type else {
        let has_key = AccessType::ALL
            .iter()
            .any(|t| stack_header(headers, key_header(*t)).is_some());
        return Err(if has_key {
            KnownError::ProjectKeyWithoutAccessType
        } else {
            KnownError::AccessTypeRequired
        }
        .into());
    };
    let access_type = AccessType::parse(&access_type)
        .ok_or_else(|| KnownError::InvalidAccessType(access_type.into_owned()))?;
    let project_id = stack_header(headers, &PROJECT_ID)
        .ok_or(KnownError::AccessTypeWithoutProjectId(access_type))?
        .into_owned();
    Ok(ClaimedAccess {
        access_type,
        project_id,
    })
}

/// Rules 7–8, once the project is known: the key for the access type, then
/// whether the endpoint accepts that access type.
pub fn check_key(
    headers: &HeaderMap,
    access_type: AccessType,
    project: &Project,
    allowed: &[AccessType],
) -> Result<(), ApiError> {
    let presented = stack_header(headers, key_header(access_type));
    let id = project.id.clone();
    match (access_type, presented) {
        (AccessType::Client, None) => {
            if project.requires_publishable_client_key {
                return Err(KnownError::PublishableClientKeyRequiredForProject(id).into());
            }
        }
        (AccessType::Server, None) => return Err(KnownError::ServerAuthenticationRequired.into()),
        (AccessType::Admin, None) => return Err(KnownError::AdminAuthenticationRequired.into()),
        (kind, Some(key)) => {
            let valid = project.key_hash(kind).is_some_and(|h| h.matches(&key));
            if !valid {
                return Err(match kind {
                    AccessType::Client => KnownError::InvalidPublishableClientKey(id),
                    AccessType::Server => KnownError::InvalidSecretServerKey(id),
                    AccessType::Admin => KnownError::InvalidSuperSecretAdminKey(id),
                }
                .into());
            }
        }
    }
    if !allowed.contains(&access_type) {
        return Err(KnownError::InsufficientAccessType {
            actual: access_type,
            allowed: allowed.to_vec(),
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
#[path = "tests/headers.rs"]
mod tests;
