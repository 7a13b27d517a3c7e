//! `POST /auth/cli/user-code`: a confirm page turns the short code a person
//! typed into the login code (api.md §8), and is shown who is asking. Only
//! for a signed-in, non-anonymous person; guessing is bounded per source IP
//! and per person.

use super::prelude::*;
use serde_json::json;

use crate::api::body::request_body;
use crate::api::shapes::asked_by;
use crate::clock::iso_millis;
use crate::domain::login_attempt;

pub struct CliUserCode;

request_body! {
    pub struct UserCodeBody {
        pub user_code: String,
    }
}

impl Handler for CliUserCode {
    const ROUTE: Route = Route::post("/auth/cli/user-code", "cli-user-code", ANY_ACCESS);
    type Body = UserCodeBody;

    async fn handle(ctx: &Context<'_>, body: UserCodeBody) -> HandlerResult {
        let person = ctx.user(KnownError::UserAuthenticationRequired)?;
        if person.is_anonymous {
            return Err(KnownError::UserAuthenticationRequired.into());
        }
        let looker = login_attempt::Looker {
            project_id: ctx.project_id(),
            user_id: &person.sub,
            source_ip: ctx.request.source_ip,
        };
        let found = login_attempt::look_up_user_code(
            ctx.store,
            ctx.minter.tokens.login_code_keys(),
            looker,
            &body.user_code,
            ctx.user_code_limits,
            ctx.now,
        )
        .await?;
        Ok(response::json(
            StatusCode::OK,
            &json!({
                "login_code": found.login_code,
                "expires_at": iso_millis(found.expires_at_millis),
                "client": asked_by::client_json(&found.asked_by),
            }),
        ))
    }
}
