//! `POST /auth/sessions/current/refresh`: a fresh access token for the
//! session of the refresh token in `x-stack-refresh-token` (api.md §4).

use super::prelude::*;
use serde_json::json;

use crate::api::body::schema_error;
use crate::api::headers::{REFRESH_TOKEN, stack_header};
use crate::domain::accounts;

pub struct SessionsRefresh;

impl Handler for SessionsRefresh {
    const ROUTE: Route = Route::post(
        "/auth/sessions/current/refresh",
        "sessions-refresh",
        ANY_ACCESS,
    );
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let request = &ctx.request;
        let Some(refresh_token) = stack_header(request.headers, &REFRESH_TOKEN) else {
            return Err(schema_error(
                request.method,
                request.path,
                &["headers.x-stack-refresh-token must be defined".to_owned()],
            ));
        };
        let access_token = accounts::refresh(
            ctx.store,
            ctx.minter,
            ctx.project_id(),
            &refresh_token,
            ctx.now,
        )
        .await?;
        Ok(response::json(
            StatusCode::OK,
            &json!({ "access_token": access_token }),
        ))
    }
}
