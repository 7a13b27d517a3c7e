//! `DELETE /users/me`: the user of the presented access token deletes
//! itself; none of its sessions refreshes after (api.md §4).

use serde_json::json;

use super::prelude::*;
use crate::domain::accounts;

pub struct UsersMeDelete;

impl Handler for UsersMeDelete {
    const ROUTE: Route = Route::delete("/users/me", "users-me-delete", ANY_ACCESS);
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let claims = ctx.user(KnownError::CannotGetOwnUserWithoutUser)?;
        accounts::delete_user(ctx.store, ctx.project_id(), &claims.sub).await?;
        Ok(response::json(StatusCode::OK, &json!({ "success": true })))
    }
}
