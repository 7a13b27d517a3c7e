//! `POST /users`: a server creates a user (api.md §4).

use super::prelude::*;

use crate::api::shapes::user_json::{UserBody, user_json};
use crate::domain::accounts;

pub struct UsersCreate;

impl Handler for UsersCreate {
    const ROUTE: Route = Route::post("/users", "users-create", SERVER_ACCESS);
    type Body = UserBody;

    async fn handle(ctx: &Context<'_>, body: UserBody) -> HandlerResult {
        let user =
            accounts::create_user(ctx.store, ctx.project_id(), &body.into(), ctx.now).await?;
        Ok(response::json(StatusCode::CREATED, &user_json(&user, ctx)))
    }
}
