//! The request pipeline every entry point (Lambda, dev server, tests) runs:
//! route → decode the body → authenticate (api.md §1) → run the endpoint
//! → respond (errors mapped in one place, the response conventions added).

use std::time::Instant;

use bytes::Bytes;
use http::{Method, Request};

use super::app::App;
use super::body;
use super::context::{Caller, Context, RequestId, RequestInfo, SourceIp};
use super::endpoint::Endpoint;
use super::errors::{ApiError, KnownError, MAX_BODY_BYTES};
use super::headers::{self, stack_header};
use super::response::{self, HttpResponse};
use super::router::{self, Route};
use crate::clock::Millis;
use crate::domain::tokens::{AccessClaims, Minter, VerifyError};

impl App {
    /// Serves any request: routes it, then runs the endpoint.
    pub async fn handle(&self, request: Request<Bytes>) -> HttpResponse {
        let route = router::route(request.method(), request.uri().path());
        self.respond(route, request).await
    }

    /// Serves a request already known to be for `endpoint` (a Lambda
    /// function behind its own API Gateway route).
    pub async fn handle_endpoint(
        &self,
        endpoint: &'static Endpoint,
        request: Request<Bytes>,
    ) -> HttpResponse {
        let route = if request.method() == Method::OPTIONS {
            Route::Preflight
        } else {
            let rest = router::api_path(request.uri().path()).unwrap_or_default();
            Route::Call(endpoint, router::path_params(endpoint.route.path, &rest))
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
            // A v4 UUID from the thread's CSPRNG: no system call per request.
            .unwrap_or_else(|| {
                uuid::Builder::from_random_bytes(rand::random())
                    .into_uuid()
                    .to_string()
            });
        let override_status = response::wants_error_status_override(request.headers());
        let endpoint_name = match &route {
            Ok(Route::Call(e, _)) => e.route.function,
            Ok(Route::Preflight) => "preflight",
            Err(_) => "unrouted",
        };
        let started = Instant::now();
        let result = match route {
            Ok(Route::Call(endpoint, params)) => self.run(endpoint, params, &request).await,
            Ok(Route::Preflight) => Ok(response::preflight()),
            Err(e) => Err(e),
        };
        // One line per request, with everything about it: no span, whose
        // fields the log formatter would render a second time (a span and
        // its formatting cost a tenth of the dev server's throughput).
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                // Both display as the fault itself (`transparent`).
                let fault = match &e {
                    ApiError::Store(_) => Some("store fault"),
                    ApiError::Token(_) => Some("token fault"),
                    _ => None,
                };
                if let Some(what) = fault {
                    tracing::error!(
                        request_id = %request_id,
                        endpoint = endpoint_name,
                        error = %e,
                        "{what}"
                    );
                }
                response::error(&e)
            }
        };
        tracing::info!(
            request_id = %request_id,
            method = %request.method(),
            endpoint = endpoint_name,
            status = response.status().as_u16(),
            known_error = response
                .headers()
                .get(&headers::KNOWN_ERROR.stack)
                .and_then(|v| v.to_str().ok()),
            micros = started.elapsed().as_micros() as u64,
            "answered"
        );
        response::finish(response, &request_id, override_status)
    }

    async fn run(
        &self,
        endpoint: &'static Endpoint,
        params: Vec<String>,
        request: &Request<Bytes>,
    ) -> Result<HttpResponse, ApiError> {
        if request.body().len() > MAX_BODY_BYTES {
            return Err(KnownError::RequestBodyTooLarge.into());
        }
        // Body parsing errors come before authentication errors, schema
        // errors after (as in Stack Auth).
        let body = body::decode(request.headers(), request.body())?;
        // One instant for the whole request: token expiry and the handler agree.
        let now = self.now();
        let caller = self.authenticate(endpoint, request, now).await?;
        let base_url = self.base_url(request);
        let ctx = Context {
            store: self.store(),
            now,
            minter: Minter {
                tokens: self.tokens(),
                base_url: &base_url,
            },
            projects: &self.projects,
            caller,
            request: RequestInfo {
                method: request.method(),
                path: request.uri().path(),
                query: request.uri().query(),
                headers: request.headers(),
                params,
                source_ip: request
                    .extensions()
                    .get::<SourceIp>()
                    .map(|ip| ip.0.as_str()),
            },
            user_code_limits: &self.user_code_limits,
        };
        endpoint.run(&ctx, body).await
    }

    /// Header checks of api.md §1, in order.
    async fn authenticate(
        &self,
        endpoint: &Endpoint,
        request: &Request<Bytes>,
        now: Millis,
    ) -> Result<Caller, ApiError> {
        if !endpoint.needs_project() {
            return Ok(Caller::default());
        }
        let headers = request.headers();
        if endpoint.route.optional_access && stack_header(headers, &headers::ACCESS_TYPE).is_none()
        {
            return self.project_named(headers).await;
        }
        let claimed = headers::claimed_access(headers)?;
        // Read (or find cached) before the token is checked, so that the
        // token check knows whether the project exists; answered in the
        // api.md §1's order, token errors first.
        let project = self.projects.get(self.store(), &claimed.project_id).await?;
        let user = match stack_header(headers, &headers::ACCESS_TOKEN) {
            Some(token) => Some(self.verify_access_token(
                headers,
                &token,
                &claimed.project_id,
                project.is_some(),
                now,
            )?),
            None => None,
        };
        let project = project
            .ok_or_else(|| KnownError::CurrentProjectNotFound(claimed.project_id.clone()))?;
        headers::check_key(
            headers,
            claimed.access_type,
            &project,
            endpoint.route.access,
        )?;
        Ok(Caller {
            project: Some(project),
            access_type: Some(claimed.access_type),
            user,
        })
    }

    /// The caller of a route with optional access that sent no access
    /// type: the project its id header names, nothing more (Hexclave's
    /// answers when there is none, or it is unknown).
    async fn project_named(&self, headers: &http::HeaderMap) -> Result<Caller, ApiError> {
        let Some(id) = stack_header(headers, &headers::PROJECT_ID) else {
            return Err(ApiError::bad_request(
                "Send the project ID in the x-hexclave-project-id header to read this project's agent auth guide.",
            ));
        };
        let project = if headers::is_plausible_project_id(&id) {
            self.projects.get(self.store(), &id).await?
        } else {
            None
        };
        let project = project.ok_or_else(|| KnownError::CurrentProjectNotFound(id.into_owned()))?;
        Ok(Caller {
            project: Some(project),
            access_type: None,
            user: None,
        })
    }

    /// Rule 5: a presented access token must verify for this project, and
    /// an anonymous user's only with `x-stack-allow-anonymous-user: true`.
    fn verify_access_token(
        &self,
        headers: &http::HeaderMap,
        token: &str,
        project_id: &str,
        project_exists: bool,
        now: Millis,
    ) -> Result<AccessClaims, ApiError> {
        let claims = self
            .tokens()
            .verify(token, project_id, project_exists, now)
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
            stack_header(headers, &headers::ALLOW_ANONYMOUS_USER).as_deref() == Some("true");
        if claims.is_anonymous && !allow_anonymous {
            return Err(KnownError::AnonymousAuthenticationNotAllowed.into());
        }
        Ok(claims)
    }
}
