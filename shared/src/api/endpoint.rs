//! What an endpoint is: its method, path, Lambda function, accepted access
//! types, body type and handler, declared together by one [`Handler`] impl
//! in its own module under `endpoints/`, and registered in
//! [`super::endpoints::ALL`], the table the router, the dev server, the
//! Lambda mains and the consistency tests read.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use http::Method;
use serde_json::Value;

use super::body::{self, FieldSpec, RequestBody};
use super::context::Context;
use super::errors::ApiError;
use super::response::HttpResponse;
use crate::domain::access::AccessType;

/// What a handler returns.
pub type HandlerResult = Result<HttpResponse, ApiError>;

/// Where an endpoint is and who may call it.
#[derive(Debug)]
pub struct Route {
    pub method: Method,
    /// The path below the prefix; `{name}` marks a path parameter.
    pub path: &'static str,
    /// The Lambda function (binary, `functions/` crate, `events/` folder)
    /// that serves it.
    pub function: &'static str,
    /// The access types it accepts; empty: it needs no project.
    pub access: &'static [AccessType],
    /// Whether a request without an access type is served too, on the
    /// project its id header names alone (agent auth's discovery: an
    /// agent lands there before it knows the other headers, api.md §9).
    pub optional_access: bool,
}

impl Route {
    /// `METHOD path`, served by the Lambda `function`, for these access types.
    pub const fn new(
        method: Method,
        path: &'static str,
        function: &'static str,
        access: &'static [AccessType],
    ) -> Self {
        Self {
            method,
            path,
            function,
            access,
            optional_access: false,
        }
    }

    /// This route, serving requests that name only their project too.
    pub const fn with_optional_access(mut self) -> Self {
        self.optional_access = true;
        self
    }

    pub const fn get(
        path: &'static str,
        function: &'static str,
        access: &'static [AccessType],
    ) -> Self {
        Self::new(Method::GET, path, function, access)
    }

    pub const fn post(
        path: &'static str,
        function: &'static str,
        access: &'static [AccessType],
    ) -> Self {
        Self::new(Method::POST, path, function, access)
    }

    pub const fn patch(
        path: &'static str,
        function: &'static str,
        access: &'static [AccessType],
    ) -> Self {
        Self::new(Method::PATCH, path, function, access)
    }

    pub const fn delete(
        path: &'static str,
        function: &'static str,
        access: &'static [AccessType],
    ) -> Self {
        Self::new(Method::DELETE, path, function, access)
    }
}

/// Any access type (client, server, admin).
pub const ANY_ACCESS: &[AccessType] = &AccessType::ALL;
/// Server and admin access only.
pub const SERVER_ACCESS: &[AccessType] = &AccessType::SERVER;
/// Admin access only.
pub const ADMIN_ACCESS: &[AccessType] = &[AccessType::Admin];
/// No project headers at all (public endpoints).
pub const NO_PROJECT: &[AccessType] = &[];

/// One endpoint, declared by its module.
pub trait Handler: 'static {
    const ROUTE: Route;
    /// Its request body (`NoBody` for none).
    type Body: RequestBody + Send;

    /// Runs the endpoint on an authenticated request with a valid body.
    fn handle(ctx: &Context<'_>, body: Self::Body) -> impl Future<Output = HandlerResult> + Send;
}

type ErasedFuture<'a> = Pin<Box<dyn Future<Output = HandlerResult> + Send + 'a>>;
type ErasedHandler = for<'a> fn(&'a Context<'a>, Value) -> ErasedFuture<'a>;

/// A registered endpoint: a [`Handler`] with its types erased, so that the
/// table can hold every endpoint.
pub struct Endpoint {
    pub route: Route,
    pub body: &'static [FieldSpec],
    /// Whether the body ignores fields it does not declare (OAuth).
    pub ignores_unknown_fields: bool,
    run: ErasedHandler,
}

impl Endpoint {
    pub const fn of<H: Handler>() -> Self {
        Self {
            route: H::ROUTE,
            body: <H::Body as RequestBody>::FIELDS,
            ignores_unknown_fields: <H::Body as RequestBody>::IGNORES_UNKNOWN_FIELDS,
            run: run::<H>,
        }
    }

    /// Reads the decoded body as the endpoint's body type (a `SCHEMA_ERROR`
    /// naming every failing field), then runs the handler.
    pub async fn run(&self, ctx: &Context<'_>, body: Value) -> HandlerResult {
        (self.run)(ctx, body).await
    }

    /// Whether requests need a project (and so the §1 header checks).
    pub fn needs_project(&self) -> bool {
        !self.route.access.is_empty()
    }
}

fn run<'a, H: Handler>(ctx: &'a Context<'a>, body: Value) -> ErasedFuture<'a> {
    Box::pin(async move {
        let request = &ctx.request;
        let body = body::read::<H::Body>(request.method, request.path, body, ctx.is_server())?;
        H::handle(ctx, body).await
    })
}

impl PartialEq for Endpoint {
    fn eq(&self, other: &Self) -> bool {
        self.route.function == other.route.function
    }
}

impl Eq for Endpoint {}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} {})",
            self.route.function, self.route.method, self.route.path
        )
    }
}

#[cfg(test)]
#[path = "tests/endpoint.rs"]
mod tests;
