//! `POST /auth/cli/cancel`: the CLI gives up on its login attempt (e.g.
//! Ctrl-C), so that no browser can complete it (api.md §8).

use super::prelude::*;
use serde_json::json;

use crate::api::body::request_body;
use crate::domain::login_attempt;

pub struct CliCancel;

request_body! {
    pub struct CancelBody {
        pub polling_code: String,
    }
}

impl Handler for CliCancel {
    const ROUTE: Route = Route::post("/auth/cli/cancel", "cli-cancel", ANY_ACCESS);
    type Body = CancelBody;

    async fn handle(ctx: &Context<'_>, body: CancelBody) -> HandlerResult {
        login_attempt::cancel(ctx.store, ctx.project_id(), &body.polling_code, ctx.now).await?;
        Ok(response::json(StatusCode::OK, &json!({ "success": true })))
    }
}
