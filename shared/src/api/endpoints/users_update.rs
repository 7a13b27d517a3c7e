//! `PATCH /users/{user_id}`: a server changes a user (api.md §4).

use super::prelude::*;

use crate::api::shapes::user_json::{UserBody, user_json};
use crate::domain::accounts;

pub struct UsersUpdate;

impl Handler for UsersUpdate {
    const ROUTE: Route = Route::patch("/users/{user_id}", "users-update", SERVER_ACCESS);
    type Body = UserBody;

    async fn handle(ctx: &Context<'_>, body: UserBody) -> HandlerResult {
        let user =
            accounts::update_user(ctx.store, ctx.project_id(), ctx.path_param(), &body.into())
                .await?;
        Ok(response::json(StatusCode::OK, &user_json(&user, ctx)))
    }
}
