//! The route table: every endpoint, its method, path and who may call it.

use http::Method;

use super::auth::AccessType;
use crate::error::ApiError;

/// Every path exists under both prefixes, with the same handler.
pub const PREFIXES: [&str; 2] = ["/api/v1", "/api/latest"];

const ANY_PROJECT_ACCESS: &[AccessType] = &AccessType::ALL;
const SERVER_ACCESS: &[AccessType] = &[AccessType::Server, AccessType::Admin];
const NO_PROJECT_ACCESS: &[AccessType] = &[];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    CliInitiate,
    CliPoll,
    CliComplete,
    UsersCreate,
    /// Before [`Endpoint::UsersGet`], whose `{user_id}` also matches `me`.
    UsersMe,
    UsersGet,
    UsersUpdate,
    AnonymousSignUp,
    SessionsCreate,
    SessionsRefresh,
    SessionsRevoke,
    Jwks,
}

impl Endpoint {
    pub const ALL: [Endpoint; 12] = [
        Self::CliInitiate,
        Self::CliPoll,
        Self::CliComplete,
        Self::UsersCreate,
        Self::UsersMe,
        Self::UsersGet,
        Self::UsersUpdate,
        Self::AnonymousSignUp,
        Self::SessionsCreate,
        Self::SessionsRefresh,
        Self::SessionsRevoke,
        Self::Jwks,
    ];

    pub fn method(self) -> Method {
        match self {
            Self::CliInitiate
            | Self::CliPoll
            | Self::CliComplete
            | Self::UsersCreate
            | Self::AnonymousSignUp
            | Self::SessionsCreate
            | Self::SessionsRefresh => Method::POST,
            Self::UsersMe | Self::UsersGet | Self::Jwks => Method::GET,
            Self::UsersUpdate => Method::PATCH,
            Self::SessionsRevoke => Method::DELETE,
        }
    }

    /// The path below the prefix; `{name}` marks a path parameter.
    pub fn path(self) -> &'static str {
        match self {
            Self::CliInitiate => "/auth/cli",
            Self::CliPoll => "/auth/cli/poll",
            Self::CliComplete => "/auth/cli/complete",
            Self::UsersCreate => "/users",
            Self::UsersMe => "/users/me",
            Self::UsersGet | Self::UsersUpdate => "/users/{user_id}",
            Self::AnonymousSignUp => "/auth/anonymous/sign-up",
            Self::SessionsCreate => "/auth/sessions",
            Self::SessionsRefresh => "/auth/sessions/current/refresh",
            Self::SessionsRevoke => "/auth/sessions/current",
            Self::Jwks => "/projects/{project_id}/.well-known/jwks.json",
        }
    }

    /// The function (and binary) that serves this endpoint in Lambda.
    pub fn function_name(self) -> &'static str {
        match self {
            Self::CliInitiate => "cli-initiate",
            Self::CliPoll => "cli-poll",
            Self::CliComplete => "cli-complete",
            Self::UsersCreate => "users-create",
            Self::UsersMe => "users-me",
            Self::UsersGet => "users-get",
            Self::UsersUpdate => "users-update",
            Self::AnonymousSignUp => "anonymous-sign-up",
            Self::SessionsCreate => "sessions-create",
            Self::SessionsRefresh => "sessions-refresh",
            Self::SessionsRevoke => "sessions-revoke",
            Self::Jwks => "jwks",
        }
    }

    /// The access types this endpoint accepts (none: no project needed).
    pub fn allowed_access(self) -> &'static [AccessType] {
        match self {
            Self::CliInitiate
            | Self::CliPoll
            | Self::CliComplete
            | Self::UsersMe
            | Self::AnonymousSignUp
            | Self::SessionsRefresh
            | Self::SessionsRevoke => ANY_PROJECT_ACCESS,
            Self::UsersCreate | Self::UsersGet | Self::UsersUpdate | Self::SessionsCreate => {
                SERVER_ACCESS
            }
            Self::Jwks => NO_PROJECT_ACCESS,
        }
    }
}

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Call this endpoint with these path parameters (in template order).
    Call(Endpoint, Vec<String>),
    /// A CORS preflight for a known path.
    Preflight,
}

/// Strips one of [`PREFIXES`] from `path`.
pub fn strip_prefix(path: &str) -> Option<&str> {
    PREFIXES.iter().find_map(|prefix| {
        let rest = path.strip_prefix(prefix)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    })
}

/// Matches `path` (below the prefix) against a template, returning the
/// values of its `{…}` segments.
fn match_template(template: &str, path: &str) -> Option<Vec<String>> {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let mut want = template.split('/');
    let mut got = path.split('/');
    let mut params = Vec::new();
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {
                params.push(g.to_owned());
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

/// Finds the endpoint for a method and full path: 404 for an unknown path,
/// 405 for a known path with another method.
pub fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    let rest = strip_prefix(path).ok_or(ApiError::RouteNotFound)?;
    let matching: Vec<(Endpoint, Vec<String>)> = Endpoint::ALL
        .into_iter()
        .filter_map(|e| match_template(e.path(), rest).map(|params| (e, params)))
        .collect();
    if matching.is_empty() {
        return Err(ApiError::RouteNotFound);
    }
    if method == Method::OPTIONS {
        return Ok(Route::Preflight);
    }
    let allow: Vec<String> = matching
        .iter()
        .map(|(e, _)| e.method().to_string())
        .collect();
    matching
        .into_iter()
        .find(|(e, _)| e.method() == method)
        .map(|(e, params)| Route::Call(e, params))
        .ok_or_else(|| ApiError::MethodNotAllowed {
            allow: format!("{}, OPTIONS", allow.join(", ")),
        })
}

#[cfg(test)]
#[path = "tests/routes.rs"]
mod tests;
