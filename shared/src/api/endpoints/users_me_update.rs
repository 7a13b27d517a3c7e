//! `PATCH /users/me`: the user of the presented access token changes
//! itself; client access only its display name, picture and client
//! metadata (api.md §4: the body's `ServerOnly` fields).

use super::prelude::*;
use crate::api::shapes::user_json::{MeBody, user_json};
use crate::domain::accounts;

pub struct UsersMeUpdate;

impl Handler for UsersMeUpdate {
    const ROUTE: Route = Route::patch("/users/me", "users-me-update", ANY_ACCESS);
    type Body = MeBody;

    async fn handle(ctx: &Context<'_>, body: MeBody) -> HandlerResult {
        let claims = ctx.user(KnownError::CannotGetOwnUserWithoutUser)?;
        let user =
            accounts::update_user(ctx.store, ctx.project_id(), &claims.sub, &body.into()).await?;
        Ok(response::json(StatusCode::OK, &user_json(&user, ctx)))
    }
}
