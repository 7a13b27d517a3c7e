//! `GET /users/{user_id}`: a server reads a user (contract §4).

use http::{Method, StatusCode};

use super::user_json::user_json;
use crate::api::body::NoBody;
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::accounts;

pub struct UsersGet;

pub static ENDPOINT: Endpoint = Endpoint::of::<UsersGet>();

impl Handler for UsersGet {
    const FUNCTION: &'static str = "users-get";
    const METHOD: Method = Method::GET;
    const PATH: &'static str = "/users/{user_id}";
    const ACCESS: &'static [AccessType] = &AccessType::SERVER;
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        // `include_anonymous=true` is accepted; anonymous users are returned either way.
        let user = accounts::get_user(ctx.store, ctx.project_id(), ctx.path_param()).await?;
        Ok(response::json(StatusCode::OK, &user_json(&user, ctx)))
    }
}
