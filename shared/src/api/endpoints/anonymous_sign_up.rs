//! `POST /auth/anonymous/sign-up`: a new anonymous user with its first
//! session (api.md §4).

use super::prelude::*;
use serde_json::json;

use crate::domain::accounts;

pub struct AnonymousSignUp;

impl Handler for AnonymousSignUp {
    const ROUTE: Route = Route::post("/auth/anonymous/sign-up", "anonymous-sign-up", ANY_ACCESS);
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let t =
            accounts::anonymous_sign_up(ctx.store, ctx.minter, ctx.project_id(), ctx.now).await?;
        Ok(response::json(
            StatusCode::OK,
            &json!({ "access_token": t.access_token, "refresh_token": t.refresh_token, "user_id": t.user_id }),
        ))
    }
}
