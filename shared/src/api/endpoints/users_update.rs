//! `PATCH /users/{user_id}`: a server changes a user (contract §4).

use http::{Method, StatusCode};

use super::user_json::{UserBody, user_json};
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::accounts;

pub struct UsersUpdate;

pub static ENDPOINT: Endpoint = Endpoint::of::<UsersUpdate>();

impl Handler for UsersUpdate {
    const FUNCTION: &'static str = "users-update";
    const METHOD: Method = Method::PATCH;
    const PATH: &'static str = "/users/{user_id}";
    const ACCESS: &'static [AccessType] = &AccessType::SERVER;
    type Body = UserBody;

    async fn handle(ctx: &Context<'_>, body: UserBody) -> HandlerResult {
        let user =
            accounts::update_user(ctx.store, ctx.project_id(), ctx.path_param(), &body.into())
                .await?;
        Ok(response::json(StatusCode::OK, &user_json(&user, ctx)))
    }
}
