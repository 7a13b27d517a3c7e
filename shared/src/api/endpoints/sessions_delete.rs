//! `DELETE /auth/sessions/{id}`: ends one of the user's other sessions
//! (api.md §4; the SDK's `revokeSession`, which adds `?user_id=me`).

use super::prelude::*;
use serde_json::json;

use super::sessions_list::{sessions_access, user_id_query};
use crate::domain::accounts::{self, AccountError};

pub struct SessionsDelete;

impl Handler for SessionsDelete {
    const ROUTE: Route = Route::delete("/auth/sessions/{id}", "sessions-delete", ANY_ACCESS);
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        // Checked as Stack checks it (`me` needs a user), then not used:
        // which session is meant is the path's business.
        user_id_query(ctx)?;
        let access = sessions_access(ctx).ok_or(AccountError::UnknownSession)?;
        accounts::delete_session(ctx.store, ctx.project_id(), ctx.path_param(), access).await?;
        Ok(response::json(StatusCode::OK, &json!({ "success": true })))
    }
}
