//! Authorization server metadata (RFC 8414; api.md §8) for a project's
//! issuer, `<base URL>/api/v1/projects/<project_id>`: at the issuer's
//! `/.well-known/openid-configuration` (under both prefixes) and at RFC
//! 8414's path-inserted `/.well-known/oauth-authorization-server/api/v1/
//! projects/<project_id>` (routed here by `api::router`).

use serde_json::json;

use super::oauth_token::{DEVICE_CODE_GRANT, REFRESH_TOKEN_GRANT};
use super::prelude::*;

pub struct OAuthDiscovery;

impl Handler for OAuthDiscovery {
    const ROUTE: Route = Route::get(
        "/projects/{project_id}/.well-known/openid-configuration",
        "oauth-discovery",
        NO_PROJECT,
    );
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _body: NoBody) -> HandlerResult {
        let project_id = ctx.path_param();
        if ctx.project(project_id).await?.is_none() {
            return Err(KnownError::ProjectNotFound(project_id.to_owned()).into());
        }
        let api = format!("{}/api/v1", ctx.minter.base_url.trim_end_matches('/'));
        let metadata = json!({
            "issuer": format!("{api}/projects/{project_id}"),
            "device_authorization_endpoint": format!("{api}/auth/oauth/device_authorization"),
            "token_endpoint": format!("{api}/auth/oauth/token"),
            "jwks_uri": format!("{api}/projects/{project_id}/.well-known/jwks.json"),
            "grant_types_supported": [REFRESH_TOKEN_GRANT, DEVICE_CODE_GRANT],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "none"],
            "response_types_supported": [],
        });
        let mut response = response::json(StatusCode::OK, &metadata);
        response.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("public, max-age=3600"),
        );
        Ok(response)
    }
}
