//! `GET /projects/{project_id}/.well-known/jwks.json`: the public keys that
//! verify a project's access tokens (contract §4). Needs no project headers.

use http::{HeaderValue, Method, StatusCode, header};

use crate::api::body::NoBody;
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::errors::KnownError;
use crate::api::response;
use crate::domain::access::AccessType;

pub struct Jwks;

pub static ENDPOINT: Endpoint = Endpoint::of::<Jwks>();

impl Handler for Jwks {
    const FUNCTION: &'static str = "jwks";
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "/projects/{project_id}/.well-known/jwks.json";
    const ACCESS: &'static [AccessType] = &[];
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let project_id = ctx.path_param();
        let project = ctx
            .project(project_id)
            .await?
            .ok_or_else(|| KnownError::ProjectNotFound(project_id.to_owned()))?;
        let include_anonymous = ctx.query_param("include_anonymous").as_deref() == Some("true");
        let keys = ctx.minter.tokens.jwks(&project.id, include_anonymous)?;
        let mut response = response::json(StatusCode::OK, &keys);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
        Ok(response)
    }
}
