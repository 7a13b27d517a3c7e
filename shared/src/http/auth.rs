//! Request authentication: the header checks of contract §1, in order.

use std::fmt;

use http::HeaderMap;

use super::stack_header;
use crate::domain::project::Project;
use crate::error::{ApiError, KnownError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessType {
    Client,
    Server,
    Admin,
}

impl AccessType {
    pub const ALL: [AccessType; 3] = [Self::Client, Self::Server, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The header that carries this access type's key.
    pub fn key_header(self) -> &'static str {
        match self {
            Self::Client => "publishable-client-key",
            Self::Server => "secret-server-key",
            Self::Admin => "super-secret-admin-key",
        }
    }
}

impl fmt::Display for AccessType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    let access_type = stack_header(headers, "access-type");
    let Some(access_type) = access_type else {
        let has_key = AccessType::ALL
            .iter()
            .any(|t| stack_header(headers, t.key_header()).is_some());
        return Err(if has_key {
            KnownError::ProjectKeyWithoutAccessType
        } else {
            KnownError::AccessTypeRequired
        }
        .into());
    };
    let access_type = AccessType::parse(&access_type)
        .ok_or_else(|| KnownError::InvalidAccessType(access_type.into_owned()))?;
    let project_id = stack_header(headers, "project-id")
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
    let presented = stack_header(headers, access_type.key_header());
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
mod tests {
    use super::*;
    use crate::domain::project::NewKey;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        h
    }

    fn code(r: Result<impl fmt::Debug, ApiError>) -> &'static str {
        r.expect_err("should fail").known_code().expect("known")
    }

    #[test]
    fn rules_one_to_four_in_order() {
        assert_eq!(
            code(claimed_access(&headers(&[(
                "x-stack-secret-server-key",
                "k"
            )]))),
            "PROJECT_KEY_WITHOUT_ACCESS_TYPE"
        );
        assert_eq!(code(claimed_access(&headers(&[]))), "ACCESS_TYPE_REQUIRED");
        assert_eq!(
            code(claimed_access(&headers(&[("x-stack-access-type", "root")]))),
            "INVALID_ACCESS_TYPE"
        );
        assert_eq!(
            code(claimed_access(&headers(&[(
                "x-stack-access-type",
                "client"
            )]))),
            "ACCESS_TYPE_WITHOUT_PROJECT_ID"
        );
        let ok = claimed_access(&headers(&[
            ("x-hexclave-access-type", "server"),
            ("x-hexclave-project-id", "p"),
        ]))
        .expect("ok");
        assert_eq!(ok.access_type, AccessType::Server);
        assert_eq!(ok.project_id, "p");
    }

    fn project(requires_client_key: bool) -> (Project, [NewKey; 3]) {
        let keys = AccessType::ALL.map(NewKey::generate);
        let mut p = Project {
            id: "p".into(),
            display_name: "P".into(),
            requires_publishable_client_key: requires_client_key,
            publishable_client_key_hash: None,
            secret_server_key_hash: None,
            super_secret_admin_key_hash: None,
            created_at_millis: 0,
        };
        for (kind, key) in AccessType::ALL.iter().zip(&keys) {
            p.set_key_hash(*kind, key.hash.clone());
        }
        (p, keys)
    }

    #[test]
    fn keys_are_checked_per_access_type() {
        let (p, keys) = project(true);
        let all = &AccessType::ALL;
        for (i, kind) in AccessType::ALL.into_iter().enumerate() {
            let header = format!("x-stack-{}", kind.key_header());
            assert!(check_key(&headers(&[(&header, &keys[i].text)]), kind, &p, all).is_ok());
            let wrong = check_key(&headers(&[(&header, "nope")]), kind, &p, all);
            assert!(code(wrong).starts_with("INVALID_"));
            // Another kind's key is not this kind's key.
            let other = &keys[(i + 1) % 3].text;
            assert!(check_key(&headers(&[(&header, other)]), kind, &p, all).is_err());
        }
        assert_eq!(
            code(check_key(&headers(&[]), AccessType::Client, &p, all)),
            "PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT"
        );
        assert_eq!(
            code(check_key(&headers(&[]), AccessType::Server, &p, all)),
            "SERVER_AUTHENTICATION_REQUIRED"
        );
        assert_eq!(
            code(check_key(&headers(&[]), AccessType::Admin, &p, all)),
            "ADMIN_AUTHENTICATION_REQUIRED"
        );
    }

    #[test]
    fn keyless_client_access_when_the_project_allows_it() {
        let (p, _) = project(false);
        assert!(check_key(&headers(&[]), AccessType::Client, &p, &AccessType::ALL).is_ok());
        // A wrong key is still wrong.
        let h = headers(&[("x-stack-publishable-client-key", "nope")]);
        assert_eq!(
            code(check_key(&h, AccessType::Client, &p, &AccessType::ALL)),
            "INVALID_PUBLISHABLE_CLIENT_KEY"
        );
    }

    #[test]
    fn insufficient_access_type_comes_after_the_key() {
        let (p, keys) = project(true);
        let server_only = [AccessType::Server, AccessType::Admin];
        let h = headers(&[("x-stack-publishable-client-key", &keys[0].text)]);
        let e = check_key(&h, AccessType::Client, &p, &server_only).expect_err("insufficient");
        assert_eq!(e.known_code(), Some("INSUFFICIENT_ACCESS_TYPE"));
        assert!(e.message().contains("'server' or 'admin'"));
        let h = headers(&[("x-stack-publishable-client-key", "wrong")]);
        assert_eq!(
            code(check_key(&h, AccessType::Client, &p, &server_only)),
            "INVALID_PUBLISHABLE_CLIENT_KEY"
        );
    }

    #[test]
    fn implausible_project_ids_are_not_looked_up() {
        assert!(is_plausible_project_id("internal"));
        assert!(is_plausible_project_id(
            "6f1c3b0e-1f1a-4c53-9d0a-4f4b1c1b1a10"
        ));
        assert!(!is_plausible_project_id(""));
        assert!(!is_plausible_project_id(&"a".repeat(129)));
        assert!(!is_plausible_project_id("a b"));
        assert!(!is_plausible_project_id("ü"));
    }
}
