//! `GET /users/me`: the user of the presented access token (api.md §4).

use super::prelude::*;

use crate::api::shapes::user_json::user_json;
use crate::domain::accounts;

pub struct UsersMe;

impl Handler for UsersMe {
    const ROUTE: Route = Route::get("/users/me", "users-me", ANY_ACCESS);
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let claims = ctx.user(KnownError::CannotGetOwnUserWithoutUser)?;
        let user = accounts::get_user(ctx.store, ctx.project_id(), &claims.sub).await?;
        Ok(response::json(StatusCode::OK, &user_json(&user, ctx)))
    }
}
