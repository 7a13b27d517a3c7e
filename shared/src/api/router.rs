//! Routing: which registered endpoint a method and path name.

use http::Method;

use super::endpoint::Endpoint;
use super::endpoints;
use super::errors::ApiError;

/// Every path exists under both prefixes, with the same handler.
pub const PREFIXES: [&str; 2] = ["/api/v1", "/api/latest"];

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Call this endpoint with these path parameters (in template order).
    Call(&'static Endpoint, Vec<String>),
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
    if !template.contains('{') {
        return (template == path).then(Vec::new);
    }
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

/// RFC 8414 §3.1: the metadata of the issuer `<prefix>/projects/{id}` is
/// also at `/.well-known/oauth-authorization-server<prefix>/projects/{id}`,
/// at the root; it is the issuer's `.well-known/openid-configuration`.
pub const RFC8414_METADATA: &str = "/.well-known/oauth-authorization-server";
const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";

/// The path below the prefix that a full request path names: one of
/// [`PREFIXES`] stripped, or RFC 8414's root metadata path turned into the
/// issuer's `.well-known/openid-configuration`. `None` for any other path.
pub fn api_path(path: &str) -> Option<std::borrow::Cow<'_, str>> {
    let issuer_metadata = path
        .strip_prefix(RFC8414_METADATA)
        .and_then(strip_prefix)
        .filter(|issuer| issuer.starts_with("/projects/") && !issuer.ends_with('/'));
    match issuer_metadata {
        Some(issuer) => Some(format!("{issuer}{OPENID_CONFIGURATION}").into()),
        None => strip_prefix(path).map(Into::into),
    }
}

/// Finds the endpoint for a method and full path: 404 for an unknown path,
/// 405 for a known path with another method. The first endpoint (in table
/// order) whose template and method match answers.
pub fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    let rest = api_path(path).ok_or(ApiError::RouteNotFound)?;
    let rest = rest.as_ref();
    let mut known_path = false;
    for e in endpoints::ALL.iter() {
        let Some(params) = match_template(e.route.path, rest) else {
            continue;
        };
        if method == Method::OPTIONS {
            return Ok(Route::Preflight);
        }
        if e.route.method == method {
            return Ok(Route::Call(e, params));
        }
        known_path = true;
    }
    if !known_path {
        return Err(ApiError::RouteNotFound);
    }
    let mut allow: Vec<&str> = Vec::new();
    for e in endpoints::ALL.iter() {
        let method = e.route.method.as_str();
        if !allow.contains(&method) && match_template(e.route.path, rest).is_some() {
            allow.push(method);
        }
    }
    Err(ApiError::MethodNotAllowed {
        allow: format!("{}, OPTIONS", allow.join(", ")),
    })
}

/// The `{…}` values of `path` under `template`, for a request already known
/// to be for that endpoint (a Lambda function behind its own route).
pub fn path_params(template: &str, path: &str) -> Vec<String> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter(|(t, _)| t.starts_with('{'))
        .map(|(_, p)| p.to_owned())
        .collect()
}

#[cfg(test)]
#[path = "tests/router.rs"]
mod tests;
