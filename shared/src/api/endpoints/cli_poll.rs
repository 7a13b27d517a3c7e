//! `POST /auth/cli/poll`: the CLI asks for its refresh token; exactly one
//! poll receives it (api.md §3).

use super::prelude::*;
use serde::Serialize;

use crate::api::body::request_body;
use crate::domain::login_attempt::{self, PollAnswer};

pub struct CliPoll;

request_body! {
    pub struct PollBody {
        pub polling_code: String,
        /// The bound hand-off's PKCE verifier (ours, api.md §8).
        pub code_verifier: Option<String>,
    }
}

#[derive(Serialize)]
struct PollResponse {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// The bound hand-off: a compact JWE for the CLI's public key, instead
    /// of `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    encrypted_refresh_token: Option<String>,
}

impl Handler for CliPoll {
    const ROUTE: Route = Route::post("/auth/cli/poll", "cli-poll", ANY_ACCESS);
    type Body = PollBody;

    async fn handle(ctx: &Context<'_>, body: PollBody) -> HandlerResult {
        let answer = login_attempt::poll(
            ctx.store,
            ctx.project_id(),
            &body.polling_code,
            body.code_verifier.as_deref(),
            ctx.now,
        )
        .await?;
        let waiting = |status| PollResponse {
            status,
            refresh_token: None,
            encrypted_refresh_token: None,
        };
        let (status, body) = match answer {
            PollAnswer::Success { refresh_token } => (
                StatusCode::CREATED,
                PollResponse {
                    refresh_token: Some(refresh_token),
                    ..waiting("success")
                },
            ),
            PollAnswer::Encrypted { jwe } => (
                StatusCode::CREATED,
                PollResponse {
                    encrypted_refresh_token: Some(jwe),
                    ..waiting("success")
                },
            ),
            PollAnswer::Expired => (StatusCode::OK, waiting("expired")),
            PollAnswer::Used => (StatusCode::OK, waiting("used")),
            PollAnswer::Refused(refusal) => (StatusCode::OK, waiting(refusal.as_str())),
            PollAnswer::Waiting | PollAnswer::Invalid => (StatusCode::OK, waiting("waiting")),
        };
        Ok(response::json(status, &body))
    }
}
