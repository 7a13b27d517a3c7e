//! `GET /projects/{project_id}/.well-known/jwks.json`: the public keys that
//! verify a project's access tokens (api.md §4). Needs no project headers.

use http::{HeaderValue, header};

use super::prelude::*;

pub struct Jwks;

impl Handler for Jwks {
    const ROUTE: Route = Route::get(
        "/projects/{project_id}/.well-known/jwks.json",
        "jwks",
        NO_PROJECT,
    );
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
