//! `GET /users/me`: the user of the presented access token (contract §4).

use http::{Method, StatusCode};

use super::user_json::user_json;
use crate::api::body::NoBody;
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::errors::KnownError;
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::accounts;

pub struct UsersMe;

pub static ENDPOINT: Endpoint = Endpoint::of::<UsersMe>();

impl Handler for UsersMe {
    const FUNCTION: &'static str = "users-me";
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "/users/me";
    const ACCESS: &'static [AccessType] = &AccessType::ALL;
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let claims = ctx
            .caller
            .user
            .as_ref()
            .ok_or(KnownError::CannotGetOwnUserWithoutUser)?;
        let user = accounts::get_user(ctx.store, ctx.project_id(), &claims.sub).await?;
        Ok(response::json(StatusCode::OK, &user_json(&user, ctx)))
    }
}
