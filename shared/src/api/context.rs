//! What a handler is given: the narrow context of one request.

use std::sync::Arc;

use http::{HeaderMap, Method};

use super::errors::{ApiError, KnownError};
use super::project_cache::ProjectCache;
use crate::clock::Millis;
use crate::domain::access::AccessType;
use crate::domain::login_attempt::UserCodeLimits;
use crate::domain::project::Project;
use crate::domain::store::Store;
use crate::domain::tokens::{AccessClaims, Minter};

/// The API Gateway request id, when the request came through API Gateway.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The public origin a request came in through (`https://<API Gateway
/// domain>`), used when no public base URL is configured.
#[derive(Debug, Clone)]
pub struct PublicOrigin(pub String);

/// The caller's source IP as the front end saw it (API Gateway's
/// `requestContext.http.sourceIp`; the socket's peer on the dev server).
#[derive(Debug, Clone)]
pub struct SourceIp(pub String);

/// Who is calling, as the header checks established.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// `None` only for endpoints that need no project.
    pub project: Option<Arc<Project>>,
    pub access_type: Option<AccessType>,
    /// The user of a verified `x-stack-access-token`, if one was sent.
    pub user: Option<AccessClaims>,
}

/// The parts of the request a handler may read.
#[derive(Debug)]
pub struct RequestInfo<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The values of the path's `{…}` segments, in order.
    pub params: Vec<String>,
    /// The caller's source IP, when the front end told it.
    pub source_ip: Option<&'a str>,
}

/// A handler's dependencies and its request: the store, the time, the token
/// minter, the authenticated caller.
pub struct Context<'a> {
    pub store: &'a dyn Store,
    pub now: Millis,
    pub minter: Minter<'a>,
    pub projects: &'a ProjectCache,
    pub caller: Caller,
    pub request: RequestInfo<'a>,
    pub user_code_limits: &'a UserCodeLimits,
}

impl Context<'_> {
    /// The caller's project id (empty for endpoints that need no project).
    pub fn project_id(&self) -> &str {
        self.caller.project.as_deref().map_or("", |p| p.id.as_str())
    }

    /// Whether this caller may see server-only fields.
    pub fn is_server(&self) -> bool {
        self.caller.access_type.is_some_and(AccessType::is_server)
    }

    /// The user of the verified access token, or `missing` when none was sent.
    pub fn user(&self, missing: KnownError) -> Result<&AccessClaims, ApiError> {
        self.caller.user.as_ref().ok_or_else(|| missing.into())
    }

    /// The first path parameter (`{user_id}`, `{project_id}`).
    pub fn path_param(&self) -> &str {
        self.request.params.first().map_or("", String::as_str)
    }

    /// The value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.request.query?.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// A project by id, through the cache.
    pub async fn project(&self, id: &str) -> Result<Option<Arc<Project>>, ApiError> {
        self.projects.get(self.store, id).await
    }
}
