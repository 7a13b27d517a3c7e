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

/// One endpoint, declared by its module.
pub trait Handler: 'static {
    /// The Lambda function (binary, `functions/` crate, `events/` folder)
    /// that serves it.
    const FUNCTION: &'static str;
    const METHOD: Method;
    /// The path below the prefix; `{name}` marks a path parameter.
    const PATH: &'static str;
    /// The access types it accepts; empty: it needs no project.
    const ACCESS: &'static [AccessType];
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
    pub function: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub access: &'static [AccessType],
    pub body: &'static [FieldSpec],
    run: ErasedHandler,
}

impl Endpoint {
    pub const fn of<H: Handler>() -> Self {
        Self {
            function: H::FUNCTION,
            method: H::METHOD,
            path: H::PATH,
            access: H::ACCESS,
            body: <H::Body as RequestBody>::FIELDS,
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
        !self.access.is_empty()
    }
}

fn run<'a, H: Handler>(ctx: &'a Context<'a>, body: Value) -> ErasedFuture<'a> {
    Box::pin(async move {
        let body = body::read::<H::Body>(ctx.request.method, ctx.request.path, body)?;
        H::handle(ctx, body).await
    })
}

impl PartialEq for Endpoint {
    fn eq(&self, other: &Self) -> bool {
        self.function == other.function
    }
}

impl Eq for Endpoint {}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.function, self.method, self.path)
    }
}
