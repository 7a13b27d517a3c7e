//! `POST /users`: a server creates a user (contract §4).

use http::{Method, StatusCode};

use super::user_json::{UserBody, user_json};
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::accounts;

pub struct UsersCreate;

pub static ENDPOINT: Endpoint = Endpoint::of::<UsersCreate>();

impl Handler for UsersCreate {
    const FUNCTION: &'static str = "users-create";
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/users";
    const ACCESS: &'static [AccessType] = &AccessType::SERVER;
    type Body = UserBody;

    async fn handle(ctx: &Context<'_>, body: UserBody) -> HandlerResult {
        let user =
            accounts::create_user(ctx.store, ctx.project_id(), &body.into(), ctx.now).await?;
        Ok(response::json(StatusCode::CREATED, &user_json(&user, ctx)))
    }
}
