//! `POST /auth/cli`: the CLI starts a login attempt (contract §3).

use super::prelude::*;
use serde::Serialize;

use crate::api::body::{Bounded, request_body};
use crate::clock::iso_millis;
use crate::domain::login_attempt::{self, MAX_EXPIRES_IN_MILLIS};

pub struct CliInitiate;

request_body! {
    pub struct InitiateBody {
        pub expires_in_millis: Option<Bounded<1, MAX_EXPIRES_IN_MILLIS>>,
        pub anon_refresh_token: Option<String>,
    }
}

#[derive(Serialize)]
struct InitiateResponse {
    polling_code: String,
    login_code: String,
    expires_at: String,
}

impl Handler for CliInitiate {
    const ROUTE: Route = Route::post("/auth/cli", "cli-initiate", ANY_ACCESS);
    type Body = InitiateBody;

    async fn handle(ctx: &Context<'_>, body: InitiateBody) -> HandlerResult {
        let initiated = login_attempt::initiate(
            ctx.store,
            ctx.project_id(),
            body.expires_in_millis.map(|b| b.0),
            body.anon_refresh_token.as_deref(),
            ctx.now,
        )
        .await?;
        Ok(response::json(
            StatusCode::OK,
            &InitiateResponse {
                polling_code: initiated.polling_code,
                login_code: initiated.login_code,
                expires_at: iso_millis(initiated.expires_at_millis),
            },
        ))
    }
}
