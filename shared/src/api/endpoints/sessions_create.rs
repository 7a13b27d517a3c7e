//! `POST /auth/sessions`: a server opens a session for a user (api.md §4).

use super::prelude::*;
use serde_json::json;

use crate::api::body::request_body;
use crate::api::body::values::Bounded;
use crate::domain::accounts::{self, MAX_SESSION_MILLIS, SessionRequest};

pub struct SessionsCreate;

request_body! {
    pub struct SessionsCreateBody {
        pub user_id: String,
        pub expires_in_millis: Option<Bounded<1, MAX_SESSION_MILLIS>>,
        pub is_impersonation: Option<bool>,
    }
}

impl Handler for SessionsCreate {
    const ROUTE: Route = Route::post("/auth/sessions", "sessions-create", SERVER_ACCESS);
    type Body = SessionsCreateBody;

    async fn handle(ctx: &Context<'_>, body: SessionsCreateBody) -> HandlerResult {
        let t = accounts::create_session(
            ctx.store,
            ctx.minter,
            ctx.project_id(),
            SessionRequest {
                user_id: &body.user_id,
                lifetime_millis: body.expires_in_millis.map(|b| b.0),
                is_impersonation: body.is_impersonation.unwrap_or(false),
            },
            ctx.now,
        )
        .await?;
        Ok(response::json(
            StatusCode::OK,
            &json!({ "refresh_token": t.refresh_token, "access_token": t.access_token }),
        ))
    }
}
