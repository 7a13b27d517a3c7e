//! The application: its dependencies, built once, and the request pipeline
//! every entry point (Lambda, dev server, tests) runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument as _;

use crate::clock::{Clock, Millis};
use crate::domain::project::Project;
use crate::domain::tokens::{AccessClaims, Minter, TokenIssuer, VerifyError};
use crate::error::{ApiError, KnownError};
use crate::http::auth::{self, AccessType};
use crate::http::body;
use crate::http::handlers;
use crate::http::response::{self, HttpResponse};
use crate::http::routes::{self, Endpoint, Route};
use crate::http::stack_header;
use crate::store::{Store, StoreResult};

/// The API Gateway request id, when the request came through API Gateway.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The public origin a request came in through (`https://<API Gateway
/// domain>`), used when no public base URL is configured.
#[derive(Debug, Clone)]
pub struct PublicOrigin(pub String);

pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    tokens: TokenIssuer,
    projects: ProjectCache,
    public_base_url: Option<String>,
}

/// An authenticated request on its way to a handler.
pub struct Call<'a> {
    pub endpoint: Endpoint,
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub params: Vec<String>,
    /// The service's public base URL, as clients see it.
    pub base_url: String,
    /// `None` only for endpoints that need no project.
    pub project: Option<Arc<Project>>,
    pub access_type: Option<AccessType>,
    /// The user of a verified `x-stack-access-token`, if one was sent.
    pub user: Option<AccessClaims>,
}

impl Call<'_> {
    /// The token issuer, with this request's public base URL.
    pub fn minter<'a>(&'a self, app: &'a App) -> Minter<'a> {
        Minter {
            tokens: app.tokens(),
            base_url: &self.base_url,
        }
    }

    /// Whether this caller may see server-only fields.
    pub fn is_server(&self) -> bool {
        matches!(
            self.access_type,
            Some(AccessType::Server | AccessType::Admin)
        )
    }

    /// The value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query?.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    pub fn project_id(&self) -> &str {
        self.project.as_deref().map_or("", |p| p.id.as_str())
    }

    /// Checks that a body-less endpoint got no fields (an absent or empty
    /// body is `{}`), and hands the call on.
    pub fn without_body(&self, value: Value) -> Result<&Self, ApiError> {
        self.body::<serde_json::Map<String, Value>>(value)?;
        Ok(self)
    }

    /// The body, checked against the endpoint's schema.
    pub fn body<T: DeserializeOwned>(&self, value: Value) -> Result<T, ApiError> {
        body::check(
            self.method,
            self.path,
            value,
            handlers::schema(self.endpoint),
        )
    }
}

impl App {
    /// `public_base_url`: the base URL clients use; when `None`, each
    /// request's [`PublicOrigin`] (or its `host`) stands in.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        tokens: TokenIssuer,
        project_cache_ttl: Duration,
        public_base_url: Option<String>,
    ) -> Self {
        Self {
            store,
            clock,
            tokens,
            projects: ProjectCache::new(project_cache_ttl),
            public_base_url,
        }
    }

    fn base_url(&self, request: &Request<Bytes>) -> String {
        if let Some(url) = &self.public_base_url {
            return url.clone();
        }
        if let Some(origin) = request.extensions().get::<PublicOrigin>() {
            return origin.0.clone();
        }
        let host = request
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn tokens(&self) -> &TokenIssuer {
        &self.tokens
    }

    pub fn now(&self) -> Millis {
        self.clock.now_millis()
    }

    /// Serves any request: routes it, then runs the endpoint.
    pub async fn handle(&self, request: Request<Bytes>) -> HttpResponse {
        let route = routes::route(request.method(), request.uri().path());
        self.respond(route, request).await
    }

    /// Serves a request already known to be for `endpoint` (a Lambda
    /// function behind its own API Gateway route).
    pub async fn handle_endpoint(
        &self,
        endpoint: Endpoint,
        request: Request<Bytes>,
    ) -> HttpResponse {
        let route = if request.method() == Method::OPTIONS {
            Route::Preflight
        } else {
            let rest = routes::strip_prefix(request.uri().path()).unwrap_or_default();
            Route::Call(endpoint, path_params(endpoint.path(), rest))
        };
        self.respond(Ok(route), request).await
    }

    async fn respond(
        &self,
        route: Result<Route, ApiError>,
        request: Request<Bytes>,
    ) -> HttpResponse {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let override_status = request
            .headers()
            .contains_key("x-stack-override-error-status");
        let endpoint_name = match &route {
            Ok(Route::Call(e, _)) => e.function_name(),
            Ok(Route::Preflight) => "preflight",
            Err(_) => "unrouted",
        };
        let span = tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            endpoint = endpoint_name,
        );
        async move {
            let started = Instant::now();
            let result = match route {
                Ok(Route::Call(endpoint, params)) => self.run(endpoint, params, &request).await,
                Ok(Route::Preflight) => Ok(response::preflight()),
                Err(e) => Err(e),
            };
            let response = match result {
                Ok(r) => r,
                Err(e) => {
                    match &e {
                        ApiError::Store(fault) => tracing::error!(error = %fault, "store fault"),
                        ApiError::Token(fault) => tracing::error!(error = %fault, "token fault"),
                        _ => {}
                    }
                    response::error(&e)
                }
            };
            tracing::info!(
                status = response.status().as_u16(),
                known_error = response
                    .headers()
                    .get("x-stack-known-error")
                    .and_then(|v| v.to_str().ok()),
                micros = started.elapsed().as_micros() as u64,
                "answered"
            );
            response::finish(response, &request_id, override_status)
        }
        .instrument(span)
        .await
    }

    async fn run(
        &self,
        endpoint: Endpoint,
        params: Vec<String>,
        request: &Request<Bytes>,
    ) -> Result<HttpResponse, ApiError> {
        // Body parsing errors come before authentication errors, schema
        // errors after (as in Stack Auth).
        let body = body::decode(request.headers(), request.body())?;
        let (project, access_type, user) = self.authenticate(endpoint, request).await?;
        let call = Call {
            endpoint,
            method: request.method(),
            path: request.uri().path(),
            query: request.uri().query(),
            headers: request.headers(),
            params,
            base_url: self.base_url(request),
            project,
            access_type,
            user,
        };
        handlers::dispatch(self, &call, body).await
    }

    /// Header checks of contract §1, in order.
    async fn authenticate(
        &self,
        endpoint: Endpoint,
        request: &Request<Bytes>,
    ) -> Result<Authenticated, ApiError> {
        let allowed = endpoint.allowed_access();
        if allowed.is_empty() {
            return Ok((None, None, None));
        }
        let headers = request.headers();
        let claimed = auth::claimed_access(headers)?;
        let user = match stack_header(headers, "access-token") {
            Some(token) => Some(self.verify_access_token(headers, &token, &claimed.project_id)?),
            None => None,
        };
        let project = self
            .project(&claimed.project_id)
            .await?
            .ok_or_else(|| KnownError::CurrentProjectNotFound(claimed.project_id.clone()))?;
        auth::check_key(headers, claimed.access_type, &project, allowed)?;
        Ok((Some(project), Some(claimed.access_type), user))
    }

    /// Rule 5: a presented access token must verify for this project, and
    /// an anonymous user's only with `x-stack-allow-anonymous-user: true`.
    fn verify_access_token(
        &self,
        headers: &http::HeaderMap,
        token: &str,
        project_id: &str,
    ) -> Result<AccessClaims, ApiError> {
        let claims = self
            .tokens
            .verify(token, project_id, self.now())
            .map_err(|e| match e {
                VerifyError::Unparsable => KnownError::UnparsableAccessToken,
                VerifyError::Expired { expired_at_millis } => KnownError::AccessTokenExpired {
                    expired_at_millis: Some(expired_at_millis),
                },
                VerifyError::OtherProject { actual } => KnownError::InvalidProjectForAccessToken {
                    expected: project_id.to_owned(),
                    actual,
                },
            })?;
        let allow_anonymous =
            stack_header(headers, "allow-anonymous-user").as_deref() == Some("true");
        if claims.is_anonymous && !allow_anonymous {
            return Err(KnownError::AnonymousAuthenticationNotAllowed.into());
        }
        Ok(claims)
    }

    /// A project by id, through the cache.
    pub async fn project(&self, id: &str) -> Result<Option<Arc<Project>>, ApiError> {
        if !auth::is_plausible_project_id(id) {
            return Ok(None);
        }
        Ok(self.projects.get(self.store(), id).await?)
    }
}

/// The project, access type and user a request authenticated as.
type Authenticated = (
    Option<Arc<Project>>,
    Option<AccessType>,
    Option<AccessClaims>,
);

/// The `{…}` values of `path` under `template`, or none if it does not match.
fn path_params(template: &str, path: &str) -> Vec<String> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter(|(t, _)| t.starts_with('{'))
        .map(|(_, p)| p.to_owned())
        .collect()
}

/// Projects by id, cached briefly so that a warm function needs no project
/// read. Unknown ids are cached for a shorter time. The cache is bounded.
pub struct ProjectCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, CachedProject>>,
}

/// When a project was read, and what was found.
type CachedProject = (Instant, Option<Arc<Project>>);

const NEGATIVE_TTL: Duration = Duration::from_secs(5);
const MAX_CACHED_PROJECTS: usize = 10_000;

impl ProjectCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub async fn get(&self, store: &dyn Store, id: &str) -> StoreResult<Option<Arc<Project>>> {
        {
            let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, project)) = entries.get(id) {
                let ttl = if project.is_some() {
                    self.ttl
                } else {
                    NEGATIVE_TTL.min(self.ttl)
                };
                if at.elapsed() < ttl {
                    return Ok(project.clone());
                }
            }
        }
        let project = store.get_project(id).await?.map(Arc::new);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_CACHED_PROJECTS {
            entries.clear();
        }
        entries.insert(id.to_owned(), (Instant::now(), project.clone()));
        Ok(project)
    }
}
