//! `DELETE /auth/sessions/current`: ends the session of the presented
//! access token (api.md §4).

use super::prelude::*;
use serde_json::json;

use crate::domain::accounts;

pub struct SessionsRevoke;

impl Handler for SessionsRevoke {
    const ROUTE: Route = Route::delete("/auth/sessions/current", "sessions-revoke", ANY_ACCESS);
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let claims = ctx.user(KnownError::UserAuthenticationRequired)?;
        accounts::revoke(ctx.store, ctx.project_id(), &claims.refresh_token_id).await?;
        Ok(response::json(StatusCode::OK, &json!({ "success": true })))
    }
}
