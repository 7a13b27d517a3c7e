//! `DELETE /auth/sessions/current`: ends the session of the presented
//! access token (contract §4).

use http::{Method, StatusCode};
use serde_json::json;

use crate::api::body::NoBody;
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::errors::KnownError;
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::accounts;

pub struct SessionsRevoke;

pub static ENDPOINT: Endpoint = Endpoint::of::<SessionsRevoke>();

impl Handler for SessionsRevoke {
    const FUNCTION: &'static str = "sessions-revoke";
    const METHOD: Method = Method::DELETE;
    const PATH: &'static str = "/auth/sessions/current";
    const ACCESS: &'static [AccessType] = &AccessType::ALL;
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let claims = ctx
            .caller
            .user
            .as_ref()
            .ok_or(KnownError::UserAuthenticationRequired)?;
        accounts::revoke(ctx.store, ctx.project_id(), &claims.refresh_token_id).await?;
        Ok(response::json(StatusCode::OK, &json!({ "success": true })))
    }
}
