//! `GET /users/{user_id}`: a server reads a user (api.md §4).

use super::prelude::*;

use crate::api::shapes::user_json::user_json;
use crate::domain::accounts;

pub struct UsersGet;

impl Handler for UsersGet {
    const ROUTE: Route = Route::get("/users/{user_id}", "users-get", SERVER_ACCESS);
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        // `include_anonymous=true` is accepted; anonymous users are returned either way.
        let user = accounts::get_user(ctx.store, ctx.project_id(), ctx.path_param()).await?;
        Ok(response::json(StatusCode::OK, &user_json(&user, ctx)))
    }
}
